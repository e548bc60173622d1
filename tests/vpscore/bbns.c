/* tests/vpscore/bbns.c: bbns_setup / bbns_teardown (bbns.h). */
#include "tests/lib/reaper.h"
#include "tests/vpscore/bbns.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "cache/store.h"
#include "common/common.h"
#include "tests/lib/rootfs.h"
#include "tmplbuild/pack.h"
#include "vpscore/ctconf.h"
#include "vpscore/runtime.h"

void bbns_setup(const char *tag, const char *tmpl, char *vzroot, size_t rootsz, char *ctid, size_t ctidsz)
{
    cr_assert_eq(unshare(CLONE_NEWNET | CLONE_NEWNS), 0, "unshare: %s", strerror(errno));
    cr_assert_eq(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), 0);
    snprintf(vzroot, rootsz, "/tmp/vzt-%s-XXXXXX", tag);
    cr_assert_not_null(vzt_mkroot(vzroot));
    setenv("VZ_ROOT", vzroot, 1);
    setenv("SOURCE_DATE_EPOCH", "1700000000", 1);
    snprintf(ctid, ctidsz, "%s%d", tag, (int)getpid());
    vz_log_level = VZ_LOG_WARN;
    char *bb = vzt_busybox_root();
    struct vz_manifest *m = vz_manifest_new(tmpl);
    struct vz_pack_opts o = VZ_PACK_OPTS_INIT;
    vz_error_t err = NULL;
    cr_assert_eq(vz_pack_to_cache(bb, m, &o, 5, NULL, &err), 0, "pack: %s", err ? err->msg : "");
    vz_manifest_free(m);
    vzt_root_remove(bb);
}

void bbns_teardown(const char *vzroot, const char *ctid)
{
    vz_error_t err = NULL;
    if (vz_ct_init_pid(ctid, NULL) && vz_ct_stop(ctid, 1, &err) < 0)
        vz_error_release(&err);
    vz_rm_rf(vzroot, &err);
    vz_error_release(&err);
}

void bbns_bridge(const char *addr)
{
    cleanup_free char *cmd = vz_xasprintf("ip link add vzbr0 type bridge && ip link set vzbr0 up%s%s%s",
                                          addr ? " && ip addr add " : "", addr ? addr : "",
                                          addr ? " dev vzbr0" : "");
    cr_assert_eq(system(cmd), 0, "%s", cmd);
}

void bbns_one_netif(const char *ctid, struct vz_netifs *l)
{
    struct vz_ct ct;
    vz_error_t err = NULL;
    cr_assert_eq(vz_ct_load(ctid, &ct, &err), 0, "%s", err ? err->msg : "");
    cr_assert_eq(vz_netif_parse_conf(vz_conf_get(&ct.conf, "NETIF"), l, &err), 0, "%s", err ? err->msg : "");
    vz_ct_release(&ct);
    cr_assert_eq(l->n, 1, "%zu NETIF entries", l->n);
}
