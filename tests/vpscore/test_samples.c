/* The sample configs shipped in etc/ under OpenVZ's names: each one makes a
 * container with `vzctl create --config NAME` whose limits are the ones its
 * name says; `make install` puts them in /etc/vz/conf (where OpenVZ has
 * them, and where CONFIGFILE of vz.conf names one) and `make uninstall`
 * takes them away again. */
#include <criterion/criterion.h>
#include <sys/stat.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "common/common.h"
#include "tests/vpscore/fixture.h"
#include "vpscore/cgroup.h"
#include "vpscore/ctconf.h"

static struct fx fx;

static void setup(void) { fx_setup_signed(&fx, NULL); }
static void teardown(void) { fx_teardown(&fx); }

TestSuite(samples, .init = setup, .fini = teardown, .timeout = 300);

#define NAME "test-1-x86_64-minimal"

Test(samples, every_shipped_sample_makes_a_container_with_its_limits)
{
    static const struct { const char *name; int64_t ram, swap; } want[] = {
        { "basic", 512LL << 20, 0 },       { "light", 256LL << 20, 0 },
        { "unlimited", -1, -1 },           { "vswap-256m", 256LL << 20, 512LL << 20 },
        { "vswap-512m", 512LL << 20, 1LL << 30 }, { "vswap-1g", 1LL << 30, 2LL << 30 },
        { "vswap-2g", 2LL << 30, 4LL << 30 },
    };
    const char *src = getenv("VZ_SRC");
    cr_assert_not_null(src, "VZ_SRC unset");
    for (size_t i = 0; i < VZ_ARRAY_SIZE(want); i++) {
        cleanup_free char *f = vz_xasprintf("%s/etc/ve-%s.conf-sample", src, want[i].name);
        cr_assert_eq(access(f, R_OK), 0, "%s is not shipped", f);
        char ctid[16];
        snprintf(ctid, sizeof(ctid), "%zu", 101 + i);
        char *argv[] = { "vzctl", "create", ctid, "--ostemplate", NAME, "--config", (char *)want[i].name, NULL };
        char *out = NULL;
        cr_assert_eq(fx_run(argv, &out), 0, "--config %s: %s", want[i].name, out);
        free(out);
        struct vz_ct ct;
        vz_error_t err = NULL;
        cr_assert_eq(vz_ct_load(ctid, &ct, &err), 0);
        struct vz_cgroup_limits l;
        cr_assert_eq(vz_ct_limits_from_conf(&ct.conf, &l, &err), 0, "%s: %s", want[i].name, err ? err->msg : "");
        cr_expect_eq(l.ram, want[i].ram, "%s: ram %lld", want[i].name, (long long)l.ram);
        cr_expect_eq(l.swap, want[i].swap, "%s: swap %lld", want[i].name, (long long)l.swap);
        vz_ct_release(&ct);
    }
}

Test(samples, make_install_puts_them_where_openvz_has_them)
{
    const char *src = getenv("VZ_SRC");
    cr_assert_not_null(src);
    const char *build = getenv("VZ_BUILD"); /* the tree's binaries as they are: nothing is rebuilt */
    cr_assert_not_null(build);
    /* make install checks the build's flags file: the check-vm guest shares
     * the tree read-only, and the host's make check runs this test */
    if (access(build, W_OK) != 0)
        cr_skip_test("%s is not writable (the check-vm guest's read-only share): make install runs on the host", build);
    cleanup_free char *dest = fx_path(&fx, "dest");
    /* the build's own PREFIX: another one (PREFIX=/usr) changes the compiler
     * flags, and make would rebuild every binary in place while the other
     * tests of this run execute them */
    cleanup_free char *vzctl = vz_path_join(build, "bin/vzctl");
    struct stat before, after;
    cr_assert_eq(stat(vzctl, &before), 0, "%s", vzctl);
    cleanup_free char *cmd = vz_xasprintf("env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C '%s' DEVELOPER=1 BUILD='%s' install DESTDIR='%s' "
                                          "SYSTEMDUNITDIR=/lib/systemd/system >/dev/null", src, build, dest);
    cr_assert_eq(system(cmd), 0, "%s", cmd);
    cr_assert_eq(stat(vzctl, &after), 0);
    cr_assert(before.st_ino == after.st_ino && before.st_mtim.tv_sec == after.st_mtim.tv_sec &&
                  before.st_mtim.tv_nsec == after.st_mtim.tv_nsec,
              "make install rebuilt %s under the running tests", vzctl);
    const char *names[] = { "basic", "light", "vswap-256m", "vswap-512m", "vswap-1g" };
    for (size_t i = 0; i < VZ_ARRAY_SIZE(names); i++) {
        cleanup_free char *p = vz_xasprintf("%s/etc/vz/conf/ve-%s.conf-sample", dest, names[i]);
        cr_expect_eq(access(p, R_OK), 0, "%s not installed", p);
    }
    cleanup_free char *un = vz_xasprintf("env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C '%s' DEVELOPER=1 BUILD='%s' uninstall DESTDIR='%s' "
                                         "SYSTEMDUNITDIR=/lib/systemd/system >/dev/null", src, build, dest);
    cr_assert_eq(system(un), 0, "%s", un);
    cleanup_free char *p = vz_xasprintf("%s/etc/vz/conf/ve-vswap-1g.conf-sample", dest);
    cr_expect_neq(access(p, F_OK), 0, "left after make uninstall");
}
