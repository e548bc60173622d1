/* --devices, --features and --capability (vpscore/devices.h, features.h,
 * capability.h): OpenVZ's syntax mapped onto what the runtime enforces, and
 * what must be refused rather than granted: checked in the parsers, then for
 * real in a busybox container started by the vzctl binary (in a network and
 * mount namespace the test makes first). */
#include <criterion/criterion.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <unistd.h>

#include "cache/store.h"
#include "common/common.h"
#include "tests/lib/rootfs.h"
#include "tests/vpscore/bbns.h"
#include "tests/vpscore/fixture.h"
#include "tmplbuild/pack.h"
#include "vpscore/capability.h"
#include "vpscore/ctconf.h"
#include "vpscore/devices.h"
#include "vpscore/features.h"
#include "vpscore/runtime.h"

#define TMPL "bb-1-x86_64-minimal"

static void refused(int r, vz_error_t *err, const char *what, const char *says)
{
    cr_expect_eq(r, -1, "%s accepted", what);
    if (!*err)
        return;
    cr_expect_eq((*err)->status, VZ_EBADARG, "%s: %s", what, (*err)->msg);
    if (says)
        cr_expect_not_null(strstr((*err)->msg, says), "%s: %s", what, (*err)->msg);
    vz_error_release(err);
}

TestSuite(devfeat_syntax, .timeout = 300);

Test(devfeat_syntax, capability_on_never_grants_a_host_capability)
{
    vz_error_t err = NULL;
    const char *host[] = { "sys_module:on", "SYS_TIME:on", "sys_rawio:on", "mknod:on", "sys_ptrace:on",
                           "dac_read_search:on", "bpf:on", "sys_boot:on" };
    for (size_t i = 0; i < VZ_ARRAY_SIZE(host); i++)
        refused(vz_cap_check(host[i], &err), &err, host[i], "acts on the host");
    refused(vz_cap_check("no_such:on", &err), &err, "no_such:on", "no capability");
    refused(vz_cap_check("net_raw:maybe", &err), &err, "net_raw:maybe", NULL);
    const char *ok[] = { "net_raw:off", "NET_ADMIN:off", "sys_admin:on", "sys_module:off", "chown:on" };
    for (size_t i = 0; i < VZ_ARRAY_SIZE(ok); i++)
        cr_expect_eq(vz_cap_check(ok[i], &err), 0, "%s: %s", ok[i], err ? err->msg : "");
    char *m = vz_cap_merge("NET_RAW:off CHOWN:off", "net_raw:on");
    cr_expect_str_eq(m, "CHOWN:off NET_RAW:on");
    free(m);
    /* a hand-edited conf is held to the same rule */
    struct vz_conf c;
    vz_conf_init(&c, "t.conf");
    vz_conf_set(&c, "CAPABILITY", "NET_RAW:off SYS_MODULE:on");
    uint64_t off;
    int sa;
    refused(vz_caps_from_conf(&c, &off, &sa, &err), &err, "CAPABILITY=SYS_MODULE:on", "SYS_MODULE");
    vz_conf_set(&c, "CAPABILITY", "NET_RAW:off SYS_ADMIN:on");
    cr_assert_eq(vz_caps_from_conf(&c, &off, &sa, &err), 0);
    cr_expect_eq(off, 1ULL << 13);
    cr_expect_eq(sa, 1);
    vz_conf_release(&c);
}

Test(devfeat_syntax, features_map_or_refuse)
{
    vz_error_t err = NULL;
    refused(vz_feature_check("nfs:on", &err), &err, "nfs:on", "user namespace");
    refused(vz_feature_check("nfsd:on", &err), &err, "nfsd:on", NULL);
    refused(vz_feature_check("bridge:off", &err), &err, "bridge:off", "cannot be turned off");
    refused(vz_feature_check("warp:on", &err), &err, "warp:on", "unknown");
    const char *ok[] = { "tun:on", "tun:off", "fuse:off", "bridge:on", "ipip:on", "sysfs:on" };
    for (size_t i = 0; i < VZ_ARRAY_SIZE(ok); i++)
        cr_expect_eq(vz_feature_check(ok[i], &err), 0, "%s: %s", ok[i], err ? err->msg : "");
}

/* --devices by number names the same node --devnodes would; never "all". */
Test(devfeat_syntax, devices_by_number)
{
    vz_error_t err = NULL;
    struct vz_devices d;
    vz_devices_default(&d);
    refused(vz_devices_add_number(&d, "all:rw", &err), &err, "all:rw", "not every device");
    refused(vz_devices_add_number(&d, "c:*:*:rw", &err), &err, "c:*:*:rw", NULL);
    refused(vz_devices_add_number(&d, "c:1:3", &err), &err, "c:1:3", NULL);
    refused(vz_devices_add_number(&d, "x:1:3:rw", &err), &err, "x:1:3:rw", NULL);
    refused(vz_devices_add_number(&d, "c:4095:4095:rw", &err), &err, "c:4095:4095:rw", "no such device");
    if (access("/dev/net/tun", F_OK) != 0)
        cr_skip("no /dev/net/tun on this host"); /* the parser's refusals above ran */
    cr_assert_eq(vz_devices_add_number(&d, "c:10:200:none", &err), 0, "%s", err ? err->msg : "");
    for (size_t i = 0; i < d.nnodes; i++)
        cr_expect_str_neq(d.nodes[i].path, "net/tun", "c:10:200:none left the node");
    for (size_t i = 0; i < d.nrules; i++)
        cr_expect(!(d.rules[i].type == 'c' && d.rules[i].major == 10 && d.rules[i].minor == 200), "rule left");
    cr_assert_eq(vz_devices_add_number(&d, "c:10:200:r", &err), 0);
    size_t k = 0;
    while (k < d.nnodes && strcmp(d.nodes[k].path, "net/tun") != 0)
        k++;
    cr_assert_lt(k, d.nnodes, "c:10:200:r did not give net/tun");
    cr_expect_eq(d.nodes[k].access, (unsigned)VZ_DEV_R);
}

/* ---- for real ---- */

static char vzroot[64];
static char ctid[32];

static void setup(void)
{
    bbns_setup("df", TMPL, vzroot, sizeof(vzroot), ctid, sizeof(ctid));
}

static void teardown(void)
{
    bbns_teardown(vzroot, ctid);
}

TestSuite(devfeat, .init = setup, .fini = teardown, .timeout = 300);

/* CapEff of a command run inside, as a number. */
static unsigned long long cap_eff(void)
{
    char *out = NULL;
    int st = fx_vzctl(&out, "exec", ctid, "grep", "CapEff", "/proc/self/status", NULL);
    cr_assert_eq(st, 0, "%s", out);
    char *p = strstr(out, "CapEff:");
    cr_assert_not_null(p, "%s", out);
    unsigned long long v = strtoull(p + 7, NULL, 16);
    free(out);
    return v;
}

Test(devfeat, capability_off_and_features_in_a_running_container)
{
    char *out = NULL;
    cr_assert_eq(fx_vzctl(&out, "create", ctid, "--ostemplate", TMPL, "--capability", "net_raw:off", NULL),
                 0, "%s", out);
    free(out);
    cr_assert_eq(fx_vzctl(&out, "set", ctid, "--features", "fuse:off", "--save", NULL), 0, "%s", out);
    free(out);
    struct vz_ct ct;
    vz_error_t err = NULL;
    cr_assert_eq(vz_ct_load(ctid, &ct, &err), 0);
    cr_expect_str_eq(vz_conf_get(&ct.conf, "CAPABILITY"), "NET_RAW:off");
    cr_expect_str_eq(vz_conf_get(&ct.conf, "FEATURES"), "fuse:off");
    vz_ct_release(&ct);
    cr_assert_eq(fx_vzctl(&out, "start", ctid, NULL), 0, "%s", out);
    free(out);
    unsigned long long eff = cap_eff();
    cr_expect_eq(eff & (1ULL << 13), 0ULL, "CAP_NET_RAW kept: CapEff %llx", eff);
    cr_expect_neq(eff & (1ULL << 12), 0ULL, "CAP_NET_ADMIN lost too: CapEff %llx", eff);
    cr_expect_eq(eff & (1ULL << 16), 0ULL, "CAP_SYS_MODULE: CapEff %llx", eff);
    if (access("/dev/fuse", F_OK) == 0) {
        cr_expect_neq(fx_vzctl(&out, "exec", ctid, "test", "-e", "/dev/fuse", NULL), 0, "/dev/fuse there: %s", out);
        free(out);
        cr_expect_eq(fx_vzctl(&out, "exec", ctid, "test", "-e", "/dev/null", NULL), 0, "%s", out);
        free(out);
    }
    /* on: back at the next start */
    cr_assert_eq(fx_vzctl(&out, "set", ctid, "--capability", "net_raw:on", "--save", NULL), 0, "%s", out);
    free(out);
    cr_assert_eq(fx_vzctl(&out, "restart", ctid, "--fast", NULL), 0, "%s", out);
    free(out);
    eff = cap_eff();
    cr_expect_neq(eff & (1ULL << 13), 0ULL, "CAP_NET_RAW still off: CapEff %llx", eff);
    /* refused by set, and nothing saved */
    cr_expect_eq(fx_vzctl(&out, "set", ctid, "--capability", "sys_module:on", "--save", NULL), 21, "%s", out);
    free(out);
    cr_expect_eq(fx_vzctl(&out, "set", ctid, "--capability", "net_raw:off", NULL), 20, "needs --save: %s", out);
    free(out);
    cr_expect_eq(fx_vzctl(&out, "set", ctid, "--features", "nfs:on", "--save", NULL), 21, "%s", out);
    free(out);
    cr_assert_eq(fx_vzctl(&out, "stop", ctid, "--fast", NULL), 0, "%s", out);
    free(out);
}

/* CAPABILITY="SYS_MODULE:on" written by hand: the start refuses (21) and
 * says why, rather than start without it or with it. */
Test(devfeat, hand_edited_host_capability_is_refused_at_start)
{
    char *out = NULL;
    cr_assert_eq(fx_vzctl(&out, "create", ctid, "--ostemplate", TMPL, NULL), 0, "%s", out);
    free(out);
    struct vz_ct ct;
    vz_error_t err = NULL;
    cr_assert_eq(vz_ct_load(ctid, &ct, &err), 0);
    vz_conf_set(&ct.conf, "CAPABILITY", "SYS_MODULE:on");
    cr_assert_eq(vz_conf_save(&ct.conf, &err), 0);
    vz_ct_release(&ct);
    cr_expect_eq(fx_vzctl(&out, "start", ctid, NULL), 21, "%s", out);
    cr_expect_not_null(strstr(out, "SYS_MODULE"), "%s", out);
    free(out);
    cr_expect(!vz_ct_init_pid(ctid, NULL), "started anyway");
}
