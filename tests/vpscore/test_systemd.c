/* systemd as a container's init (vpscore/systemd.h), hermetic: a busybox
 * root whose /sbin/init is a script at /lib/systemd/systemd that does what
 * systemd does first with its cgroup tree (creates init.scope and moves
 * itself there, creates a service group). Real cgroups (the host's v1 or
 * v2), a network and mount namespace per test. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "common/common.h"
#include "tests/lib/cghost.h"
#include "tests/lib/ctfix.h"
#include "tests/lib/rootfs.h"
#include "vpscore/cgroup.h"
#include "vpscore/mount.h"
#include "vpscore/runtime.h"
#include "vpscore/systemd.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

static char vzroot[64];
static char ctid[32];
static char *priv;
static int mounts_before;

/* What systemd does first: the tree below its cgroup namespace root is its
 * own; init moves to init.scope, services get groups of their own. */
static const char fake_systemd[] =
    "#!/bin/sh\n"
    "d=/sys/fs/cgroup; [ -d $d/systemd ] && d=$d/systemd\n"
    "mkdir -p $d/init.scope $d/system.slice/fake.service && echo $$ > $d/init.scope/cgroup.procs\n"
    /* v2: with no process left at its root, it enables controllers there,
     * which makes the container's group an inner node no process may join */
    "[ -f $d/cgroup.subtree_control ] && echo +pids > $d/cgroup.subtree_control\n"
    "exec sleep 1000\n";

static void put(const char *rel, const char *text, mode_t mode)
{
    cleanup_free char *p = vz_path_join(priv, rel);
    vz_error_t err = NULL;
    cr_assert_eq(vz_atomic_write(p, text, strlen(text), mode, &err), 0, "%s", err ? err->msg : "");
}

static void setup(void)
{
    snprintf(ctid, sizeof(ctid), "vzsd%d", (int)getpid());
    struct vzt_ctfix f;
    vzt_ctfix_setup(&f, "/tmp/vzt-sd-XXXXXX", ctid, NULL);
    memcpy(vzroot, f.vzroot, sizeof(vzroot));
    priv = f.priv;
    free(f.veroot);
    mounts_before = vzt_mount_count();
}

static void teardown(void)
{
    vz_error_t err = NULL;
    if (vz_ct_init_pid(ctid, NULL) && vz_ct_stop(ctid, 1, &err) < 0) {
        cr_log_error("teardown stop: %s", err->msg);
        vz_error_release(&err);
    }
    cr_expect_eq(vzt_mount_count(), mounts_before, "mounts left on the host");
    struct vz_cgroup *cg = NULL;
    if (vz_cgroup_open(ctid, &cg, &err) == 0) {
        vz_cgroup_kill(cg, &err);
        vz_error_release(&err);
        vz_cgroup_remove(cg, &err);
        vz_cgroup_free(cg);
    }
    vz_error_release(&err);
    vz_rm_rf(vzroot, &err);
    vz_error_release(&err);
    free(priv);
}

TestSuite(systemd, .init = setup, .fini = teardown, .timeout = 300);

/* root/sbin/init -> /lib/systemd/systemd (absolute: resolved in the root) */
static void make_systemd_init(void)
{
    cleanup_free char *dir = vz_path_join(priv, "lib/systemd");
    vz_error_t err = NULL;
    cr_assert_eq(vz_mkdir_p(dir, 0755, &err), 0);
    put("lib/systemd/systemd", fake_systemd, 0755);
    cleanup_free char *init = vz_path_join(priv, "sbin/init");
    unlink(init);
    cr_assert_eq(symlink("/lib/systemd/systemd", init), 0);
}

static int host_is_v2(void)
{
    struct statfs sf;
    cr_assert_eq(statfs("/sys/fs/cgroup", &sf), 0);
    return sf.f_type == CGROUP2_SUPER_MAGIC;
}

/* The container's own group where systemd writes: v1 the named
 * hierarchy; v2 the one group (a systemd scope's "ct" on a systemd host) */
static char *sd_group(void)
{
    cleanup_free char *base = vz_cgroup_base();
    if (!host_is_v2())
        return vz_xasprintf("/sys/fs/cgroup/systemd/%s/%s", base, ctid);
    struct vz_cgroup *cg = NULL;
    vz_error_t err = NULL;
    cr_assert_eq(vz_cgroup_open(ctid, &cg, &err), 0);
    char *p = vz_cgroup_path(cg, NULL);
    vz_cgroup_free(cg);
    return p;
}

/* The mount options of path in pid's mount namespace ("" when not mounted). */
static char *mount_of(pid_t pid, const char *path)
{
    cleanup_free char *mi = vz_xasprintf("/proc/%d/mountinfo", (int)pid);
    cleanup_file FILE *f = fopen(mi, "re");
    cr_assert_not_null(f);
    char line[4096], *found = vz_xstrdup("");
    while (fgets(line, sizeof(line), f)) {
        char mp[1024], opts[256], fstype[64];
        const char *dash = strstr(line, " - ");
        if (!dash || sscanf(line, "%*s %*s %*s %*s %1023s %255s", mp, opts) != 2 ||
            sscanf(dash + 3, "%63s", fstype) != 1)
            continue;
        if (strcmp(mp, path) == 0) {
            free(found);
            found = vz_xasprintf("%s %s", fstype, strncmp(opts, "ro", 2) == 0 ? "ro" : "rw");
        }
    }
    return found;
}

Test(systemd, init_is_found_inside_the_root_only)
{
    cr_assert_eq(vz_systemd_is_init(priv), 0, "busybox init taken for systemd");
    make_systemd_init();
    cr_assert_eq(vz_systemd_is_init(priv), 1);
    /* ".." cannot leave the root: resolves to the same file */
    cleanup_free char *init = vz_path_join(priv, "sbin/init");
    unlink(init);
    cr_assert_eq(symlink("../../../../../../lib/systemd/systemd", init), 0);
    cr_assert_eq(vz_systemd_is_init(priv), 1);
    /* a name that merely contains "systemd" is not systemd */
    unlink(init);
    cr_assert_eq(symlink("/lib/systemd/systemd-not", init), 0);
    put("lib/systemd/systemd-not", fake_systemd, 0755);
    cr_assert_eq(vz_systemd_is_init(priv), 0);
}

Test(systemd, cgroup_tree_and_run_for_systemd_removed_at_stop)
{
    make_systemd_init();
    vz_error_t err = NULL;
    cr_assert_eq(vz_ct_start(ctid, NULL, &err), 0, "start: %s", err ? err->msg : "");
    pid_t pid = 0;
    cr_assert(vz_ct_init_pid(ctid, &pid));
    cleanup_free char *group = sd_group();
    cleanup_free char *scope = vz_path_join(group, "init.scope");
    cleanup_free char *svc = vz_path_join(group, "system.slice/fake.service");
    /* the script runs right after start: give it up to 5 s */
    for (int i = 0; i < 500 && !vz_is_dir(svc); i++)
        nanosleep(&(struct timespec){ 0, 10000000 }, NULL);
    cr_assert(vz_is_dir(scope), "%s not made by the container's init: its cgroup root is elsewhere", scope);
    cr_assert(vz_is_dir(svc));

    cleanup_free char *run = mount_of(pid, "/run");
    cleanup_free char *lock = mount_of(pid, "/run/lock");
    cr_assert_str_eq(run, "tmpfs rw");
    cr_assert_str_eq(lock, "tmpfs rw");
    int ver = vzt_cg_host();
    if (ver == 2) {
        cleanup_free char *cg = mount_of(pid, "/sys/fs/cgroup");
        cr_assert_str_eq(cg, "cgroup2 rw");
        /* the fake systemd enabled pids below its root (as systemd does):
         * exec still gets in, into init's group */
        cleanup_free char *ctl = NULL;
        for (int i = 0; i < 500; i++) {
            free(ctl);
            ctl = NULL;
            cleanup_free char *f = vz_path_join(group, "cgroup.subtree_control");
            cr_assert_eq(vz_read_file(f, &ctl, NULL, &err), 0);
            if (strstr(ctl, "pids"))
                break;
            nanosleep(&(struct timespec){ 0, 10000000 }, NULL);
        }
        cr_assert_not_null(strstr(ctl, "pids"), "the container's init did not enable pids: '%s'", ctl);
        char *argv[] = { "true", NULL };
        int status = -1;
        cr_assert_eq(vz_ct_exec(ctid, argv, &status, &err), 0, "exec: %s", err ? err->msg : "");
        cr_assert_eq(status, 0);
    } else {
        cleanup_free char *cg = mount_of(pid, "/sys/fs/cgroup");
        cleanup_free char *named = mount_of(pid, "/sys/fs/cgroup/systemd");
        cleanup_free char *mem = mount_of(pid, "/sys/fs/cgroup/memory");
        cleanup_free char *uni = mount_of(pid, "/sys/fs/cgroup/unified");
        cr_assert_str_eq(cg, "tmpfs ro");
        cr_assert_str_eq(named, "cgroup rw");
        cr_assert_str_eq(mem, vz_is_dir("/sys/fs/cgroup/memory") ? "cgroup ro" : "");
        cr_assert_str_eq(uni, "", "the hybrid unified hierarchy is not shown (legacy mode)");
    }

    cr_assert_eq(vz_ct_stop(ctid, 1, &err), 0, "stop: %s", err ? err->msg : "");
    cr_assert(!vz_is_dir(svc), "%s left behind", svc);
    if (host_is_v2()) {
        struct vz_cgroup *cg = NULL;
        cr_assert_eq(vz_cgroup_open(ctid, &cg, &err), 0);
        cr_assert_eq(vz_cgroup_exists(cg), 0);
        vz_cgroup_free(cg);
    } else
        cr_assert(!vz_is_dir(group), "%s left behind", group);
}

Test(systemd, minimal_init_gets_none_of_it)
{
    vz_error_t err = NULL;
    cr_assert_eq(vz_ct_start(ctid, NULL, &err), 0, "start: %s", err ? err->msg : "");
    pid_t pid = 0;
    cr_assert(vz_ct_init_pid(ctid, &pid));
    cleanup_free char *run = mount_of(pid, "/run");
    cleanup_free char *cg = mount_of(pid, "/sys/fs/cgroup");
    cr_assert_str_eq(run, "");
    cr_assert_str_eq(cg, "");
    cleanup_free char *base = vz_cgroup_base();
    cleanup_free char *named = vz_xasprintf("/sys/fs/cgroup/systemd/%s/%s", base, ctid);
    /* not mounted for it, but the container has its own group in the named
     * hierarchy all the same (one owner: vz_cgroup_create), so a mount of
     * it made inside shows no host group */
    if (vz_is_dir("/sys/fs/cgroup/systemd"))
        cr_assert(vz_is_dir(named), "%s: the container sits in the host's root group", named);
    cr_assert_eq(vz_ct_stop(ctid, 1, &err), 0, "stop: %s", err ? err->msg : "");
    cr_assert(!vz_is_dir(named), "%s left after stop", named);
}
