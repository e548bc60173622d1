/* favordynmods on the host's cgroup2 root (vpscore/cgroup-tune.h), for
 * real: the option is host-wide, so one test does every change in order and
 * puts back the state it found, and the other tests only read. On a pure
 * v1 host (no cgroup2 mount) the setter must refuse with a message that
 * names the kernel option instead. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/common.h"
#include "vpscore/cgroup-tune.h"

/* The cgroup2 super options straight from /proc/mounts, not through the
 * code under test: NULL when there is no cgroup2 mount. */
static char *proc_mounts_cgroup2(char **mnt)
{
    FILE *f = fopen("/proc/mounts", "re");
    cr_assert(f);
    char dev[256], mp[4096], type[64], opts[1024];
    char *found = NULL;
    while (fscanf(f, "%255s %4095s %63s %1023s %*d %*d", dev, mp, type, opts) == 4)
        if (!found && strcmp(type, "cgroup2") == 0) {
            found = strdup(opts);
            *mnt = strdup(mp);
        }
    fclose(f);
    return found;
}

static int opt_in(const char *list, const char *opt)
{
    char *dup = strdup(list), *save = NULL;
    int in = 0;
    for (char *o = strtok_r(dup, ",", &save); o; o = strtok_r(NULL, ",", &save))
        in |= strcmp(o, opt) == 0;
    free(dup);
    return in;
}

TestSuite(cgroup_tune, .timeout = 300);

Test(cgroup_tune, finds_the_cgroup2_mount_proc_mounts_lists)
{
    char *want_mnt = NULL;
    char *want = proc_mounts_cgroup2(&want_mnt);
    char *mnt = NULL, *super = NULL;
    vz_error_t err = NULL;
    int r = vz_cgroup2_mount(&mnt, &super, &err);
    cr_assert_geq(r, 0, "%s", err ? err->msg : "");
    cr_assert_eq(r, want != NULL, "mountinfo and /proc/mounts disagree about a cgroup2 mount");
    if (want) {
        cr_assert_str_eq(mnt, want_mnt);
        cr_assert(!opt_in(super, "rw") && !opt_in(super, "ro"), "mount flags leaked into '%s'", super);
    }
    free(mnt), free(super), free(want), free(want_mnt);
}

/* Writes a vz.conf with CONF under a new VZ_ROOT and calls the start hook. */
static void tune_with(const char *conf)
{
    char tmpl[] = "/tmp/vzt-tune-XXXXXX";
    cr_assert(mkdtemp(tmpl));
    char *dir = vz_path_join(tmpl, "etc/vz");
    vz_error_t err = NULL;
    cr_assert_eq(vz_mkdir_p(dir, 0755, &err), 0);
    char *p = vz_path_join(dir, "vz.conf");
    FILE *f = fopen(p, "we");
    fputs(conf, f);
    fclose(f);
    setenv("VZ_ROOT", tmpl, 1);
    vz_cgroup_tune_host(); /* loads vz.conf once: one call per process */
    unlink(p);
    rmdir(dir);
    char *etc = vz_path_join(tmpl, "etc");
    rmdir(etc);
    rmdir(tmpl);
    free(etc), free(p), free(dir);
}

static int favoured; /* the host's state before the test, put back after */
static int have_cgroup2;

static void save(void)
{
    char *mnt = NULL;
    char *o = proc_mounts_cgroup2(&mnt);
    have_cgroup2 = o != NULL;
    favoured = o && opt_in(o, "favordynmods");
    free(o), free(mnt);
}

static void restore(void)
{
    vz_error_t err = NULL;
    if (have_cgroup2 && vz_cgroup_set_favor_dynmods(favoured, &err) < 0)
        fprintf(stderr, "could not restore favordynmods=%d: %s\n", favoured, err->msg);
    vz_error_release(&err);
}

/* sets and clears it, keeping the host's other options */
static void set_and_clear(void)
{
    vz_error_t err = NULL;
    char *mnt = NULL;
    char *before = proc_mounts_cgroup2(&mnt);
    if (!before) {
        cr_assert_eq(vz_cgroup_set_favor_dynmods(1, &err), -1);
        cr_assert(strstr(err->msg, "CONFIG_CGROUP_FAVOR_DYNMODS"), "%s", err->msg);
        vz_error_release(&err);
        return;
    }
    cr_assert_eq(vz_cgroup_set_favor_dynmods(1, &err), 0, "%s", err ? err->msg : "");
    char *on = proc_mounts_cgroup2(&mnt);
    cr_assert(opt_in(on, "favordynmods"), "%s has '%s' after setting", mnt, on);
    cr_assert_eq(vz_cgroup_favors_dynmods(), 1);
    /* every other option the host had is still there */
    char *dup = strdup(before), *save_p = NULL;
    for (char *o = strtok_r(dup, ",", &save_p); o; o = strtok_r(NULL, ",", &save_p))
        cr_assert(strcmp(o, "favordynmods") == 0 || opt_in(on, o), "option '%s' lost: '%s'", o, on);
    cr_assert_eq(vz_cgroup_set_favor_dynmods(1, &err), 0, "idempotent");
    cr_assert_eq(vz_cgroup_set_favor_dynmods(0, &err), 0, "%s", err ? err->msg : "");
    char *off = proc_mounts_cgroup2(&mnt);
    cr_assert(!opt_in(off, "favordynmods"), "still on: '%s'", off);
    cr_assert_eq(vz_cgroup_favors_dynmods(), 0);
    free(dup), free(before), free(on), free(off), free(mnt);
}

/* The start hook: only vz.conf's "yes" changes anything, and never with a
 * fake cgroup tree ($VZ_CGROUP_ROOT) in play. Each case runs in its own
 * process (vz.conf is read once per process). */
static void hook_case(const char *conf, const char *fake_root, int want)
{
    vz_error_t err = NULL;
    cr_assert_eq(vz_cgroup_set_favor_dynmods(0, &err), 0, "%s", err ? err->msg : "");
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        if (fake_root)
            setenv("VZ_CGROUP_ROOT", fake_root, 1);
        else
            unsetenv("VZ_CGROUP_ROOT");
        tune_with(conf);
        _exit(0);
    }
    int st;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    cr_assert_eq(vz_cgroup_favors_dynmods(), want, "vz.conf '%s', fake root %s", conf,
                 fake_root ? fake_root : "(none)");
}

/* one test for every change of the host-wide option: criterion runs the
 * tests of a binary side by side */
Test(cgroup_tune, sets_clears_and_follows_vz_conf, .init = save, .fini = restore)
{
    set_and_clear();
    if (!have_cgroup2)
        return;
    hook_case("CGROUP_FAVORDYNMODS=\"no\"\n", NULL, 0);
    hook_case("# nothing\n", NULL, 0);
    hook_case("CGROUP_FAVORDYNMODS=\"yes\"\n", "/tmp/vzt-no-such-cgroup-tree", 0);
    hook_case("CGROUP_FAVORDYNMODS=\"yes\"\n", NULL, 1);
    /* auto: on where the root is v1 (this build host: hybrid), off on v2 */
    struct statfs sf;
    cr_assert_eq(statfs("/sys/fs/cgroup", &sf), 0);
    hook_case("CGROUP_FAVORDYNMODS=\"auto\"\n", NULL, sf.f_type != 0x63677270);
}
