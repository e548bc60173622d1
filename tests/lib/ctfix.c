/* tests/lib/ctfix.c: a hand-written busybox container (ctfix.h). */
#include "tests/lib/ctfix.h"
#include "tests/lib/reaper.h"
#include "tests/lib/rootfs.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "common/common.h"

static void write_conf(const struct vzt_ctfix *f, const char *priv, const char *veroot, const char *ctid,
                       const char *extra_conf)
{
    cleanup_free char *conf = vz_xasprintf("%s/etc/vz/conf/%s.conf", f->vzroot, ctid);
    cleanup_free char *text = vz_xasprintf("VE_PRIVATE=\"%s\"\nVE_ROOT=\"%s\"\nVE_LAYOUT=\"plain\"\n"
                                           "STOP_TIMEOUT=\"3\"\n" VZT_LOCAL_ID_CONF "%s",
                                           priv, veroot, extra_conf ? extra_conf : "");
    vz_error_t err = NULL;
    cr_assert_eq(vz_atomic_write(conf, text, strlen(text), 0644, &err), 0, "%s", err ? err->msg : "");
}

void vzt_ctfix_setup(struct vzt_ctfix *f, const char *pattern, const char *ctid, const char *extra_conf)
{
    memset(f, 0, sizeof(*f));
    cr_assert_eq(unshare(CLONE_NEWNET | CLONE_NEWNS), 0, "unshare: %s", strerror(errno));
    cr_assert_eq(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), 0);
    snprintf(f->vzroot, sizeof(f->vzroot), "%s", pattern);
    cr_assert(vzt_mkroot(f->vzroot));
    setenv("VZ_ROOT", f->vzroot, 1);
    vz_error_t err = NULL;
    cleanup_free char *confdir = vz_path_join(f->vzroot, "etc/vz/conf");
    cleanup_free char *privdir = vz_path_join(f->vzroot, "vz/private");
    cr_assert_eq(vz_mkdir_p(confdir, 0755, &err), 0);
    cr_assert_eq(vz_mkdir_p(privdir, 0755, &err), 0);
    f->priv = vz_path_join(privdir, ctid);
    f->veroot = vz_xasprintf("%s/vz/root/%s", f->vzroot, ctid);
    vzt_ctfix_add(f, ctid, extra_conf);
}

void vzt_ctfix_add(const struct vzt_ctfix *f, const char *ctid, const char *extra_conf)
{
    cleanup_free char *priv = vz_xasprintf("%s/vz/private/%s", f->vzroot, ctid);
    cleanup_free char *veroot = vz_xasprintf("%s/vz/root/%s", f->vzroot, ctid);
    char *bb = vzt_busybox_root();
    cr_assert_eq(rename(bb, priv), 0);
    free(bb);
    vzt_shift_tree(priv); /* an unprivileged container's own ids, as create makes them */
    write_conf(f, priv, veroot, ctid, extra_conf);
}

void vzt_ctfix_release(struct vzt_ctfix *f)
{
    free(f->priv);
    free(f->veroot);
    f->priv = f->veroot = NULL;
}
