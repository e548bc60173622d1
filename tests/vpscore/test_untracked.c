/* stop and destroy without a pid file, and destroy through chattr +i/+a.
 *
 * "vzctl start killed between go and the pid file" for real: vzctl's pid
 * file is written through NAME.pid.tmp; the test makes that
 * name a FIFO before vzctl runs, so vzctl blocks in open() exactly there
 * (after the container's init was told to go), and kills it -9 while it
 * waits (its wchan is the FIFO's wait_for_partner: no sleep, no timing).
 * The container's init then runs with no pid file naming it. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/fs.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/common.h"
#include "tests/lib/ctfix.h"
#include "tests/lib/rootfs.h"
#include "tests/vpscore/fixture.h"
#include "vpscore/cgroup.h"
#include "vpscore/create.h"
#include "vpscore/mount.h"
#include "vpscore/ns.h"
#include "vpscore/runtime.h"

static char vzroot[64];
static char ctid[32];
static char *priv, *veroot;
static int mounts_before;

static void setup(void)
{
    snprintf(ctid, sizeof(ctid), "vzu%d", (int)getpid());
    struct vzt_ctfix f;
    vzt_ctfix_setup(&f, "/tmp/vzt-ut-XXXXXX", ctid, NULL);
    memcpy(vzroot, f.vzroot, sizeof(vzroot));
    priv = f.priv;
    veroot = f.veroot;
    cleanup_free char *rundir = vz_path_join(vzroot, "vz/run");
    vz_error_t err = NULL;
    cr_assert_eq(vz_mkdir_p(rundir, 0755, &err), 0);
    mounts_before = vzt_mount_count();
}

static size_t cg_procs(void)
{
    struct vz_cgroup *cg = NULL;
    vz_error_t err = NULL;
    cr_assert_eq(vz_cgroup_open(ctid, &cg, &err), 0);
    pid_t *p = NULL;
    size_t n = 0;
    cr_assert_eq(vz_cgroup_pids(cg, &p, &n, &err), 0);
    free(p);
    vz_cgroup_free(cg);
    return n;
}

static int cg_exists(void)
{
    struct vz_cgroup *cg = NULL;
    vz_error_t err = NULL;
    cr_assert_eq(vz_cgroup_open(ctid, &cg, &err), 0);
    int r = vz_cgroup_exists(cg);
    vz_cgroup_free(cg);
    return r;
}

static void teardown(void)
{
    vz_error_t err = NULL;
    struct vz_cgroup *cg = NULL;
    if (vz_cgroup_open(ctid, &cg, &err) == 0) {
        cr_expect_eq(vz_cgroup_exists(cg), 0, "cgroup of %s left behind", ctid);
        vz_cgroup_kill(cg, &err);
        vz_error_release(&err);
        vz_cgroup_remove(cg, &err);
        vz_error_release(&err);
        vz_cgroup_free(cg);
    }
    vz_error_release(&err);
    if (vz_is_mountpoint(veroot))
        vz_umount(veroot, &err);
    vz_error_release(&err);
    cr_expect_eq(vzt_mount_count(), mounts_before, "mounts left on the host");
    /* a failed test may leave flags on: clear them so the tree can go */
    char *cmd = vz_xasprintf("chattr -R -ia %s 2>/dev/null", vzroot);
    cr_expect_geq(system(cmd), 0);
    free(cmd);
    vz_rm_rf(vzroot, &err);
    vz_error_release(&err);
    free(priv);
    free(veroot);
}

TestSuite(untracked, .init = setup, .fini = teardown, .timeout = 300);

static char *bin(const char *prog)
{
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    cr_assert_gt(n, 0);
    exe[n] = '\0';
    *strrchr(exe, '/') = '\0';
    *strrchr(exe, '/') = '\0';
    return vz_xasprintf("%s/bin/%s", exe, prog);
}

/* Run vzctl start and kill -9 it while it opens the pid file's temporary. */
static void start_killed_before_pidfile(void)
{
    char *vzctl = bin("vzctl");
    /* vzctl's stderr, shown when it fails before the pid file */
    char *errpath = vz_xasprintf("%s/start.err", vzroot);
    int errlog = open(errpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    cr_assert_geq(errlog, 0);
    pid_t c = fork();
    cr_assert_geq(c, 0);
    if (c == 0) {
        raise(SIGSTOP); /* the parent makes the FIFO, which needs this pid */
        int null = open("/dev/null", O_RDWR);
        dup2(null, 1);
        dup2(errlog, 2);
        /* ETXTBSY is the one exec failure that passes by itself; any
         * other goes to start.err, which the failure message shows */
        for (int i = 0; i < 100; i++) {
            execl(vzctl, "vzctl", "start", ctid, (char *)NULL);
            if (errno != ETXTBSY)
                break;
            nanosleep(&(struct timespec){ 0, 10000000 }, NULL);
        }
        dprintf(2, "test: exec %s: %s\n", vzctl, strerror(errno));
        _exit(127);
    }
    close(errlog);
    int st = 0;
    cr_assert_eq(waitpid(c, &st, WUNTRACED), c);
    cr_assert(WIFSTOPPED(st));
    char *fifo = vz_xasprintf("%s/vz/run/%s.pid.tmp", vzroot, ctid);
    cr_assert_eq(mkfifo(fifo, 0600), 0);
    kill(c, SIGCONT);
    char wchan_path[64], wchan[64] = "";
    snprintf(wchan_path, sizeof(wchan_path), "/proc/%d/wchan", (int)c);
    /* bounded: 3000 polls of 10 ms; vzctl exits (a failed start) ends it too */
    for (int i = 0; i < 3000 && strcmp(wchan, "wait_for_partner") != 0; i++) {
        FILE *f = fopen(wchan_path, "re");
        cr_assert_not_null(f, "vzctl exited before the pid file");
        if (!fgets(wchan, sizeof(wchan), f))
            wchan[0] = '\0';
        fclose(f);
        if (waitpid(c, &st, WNOHANG) == c) {
            cleanup_free char *msg = NULL;
            vz_error_t e = NULL;
            vz_read_file(errpath, &msg, NULL, &e);
            vz_error_release(&e);
            cr_assert_fail("vzctl start exited (status 0x%x) before the pid file: %s", st, msg ? msg : "");
        }
        nanosleep(&(struct timespec){ 0, 10000000 }, NULL);
    }
    cr_assert_str_eq(wchan, "wait_for_partner", "vzctl never reached the pid file");
    kill(c, SIGKILL);
    cr_assert_eq(waitpid(c, &st, 0), c);
    /* the FIFO stays: it is the temporary a killed start leaves behind,
     * which stop and destroy must remove */
    free(fifo);
    free(errpath);
    free(vzctl);
    /* the state the issue describes: an init runs, no pid file names it */
    cr_assert_not(vz_ct_init_pid(ctid, NULL), "a pid file names the init");
    cr_assert_gt(cg_procs(), 0, "the init did not survive vzctl");
}

static void assert_all_gone(const pid_t *pids, size_t n)
{
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(vz_proc_starttime(pids[i]), 0, "process %d of the container still runs", (int)pids[i]);
    cr_assert_not(cg_exists(), "the container's cgroup is left");
    cr_assert_not(vz_is_mountpoint(veroot), "the root is still mounted");
    cr_assert_eq(vzt_mount_count(), mounts_before, "mounts left on the host");
}

static void assert_no_pid_tmp(void)
{
    char *tmp = vz_xasprintf("%s/vz/run/%s.pid.tmp", vzroot, ctid);
    struct stat st;
    cr_assert(lstat(tmp, &st) < 0 && errno == ENOENT, "the killed start's %s is left", tmp);
    free(tmp);
}

static void cg_list(pid_t **pids, size_t *n)
{
    struct vz_cgroup *cg = NULL;
    vz_error_t err = NULL;
    cr_assert_eq(vz_cgroup_open(ctid, &cg, &err), 0);
    cr_assert_eq(vz_cgroup_pids(cg, pids, n, &err), 0);
    vz_cgroup_free(cg);
}

Test(untracked, stop_finds_and_kills_an_init_without_pid_file)
{
    start_killed_before_pidfile();
    pid_t *pids = NULL;
    size_t n = 0;
    cg_list(&pids, &n);
    /* start refuses: a second init would share the first one's group */
    vz_error_t err = NULL;
    cr_assert_lt(vz_ct_start(ctid, NULL, &err), 0);
    cr_assert_eq(err->status, VZ_ERUNNING, "%s", err->msg);
    vz_error_release(&err);
    char *out = NULL;
    char *argv[] = { "vzctl", "stop", ctid, NULL };
    int rc = fx_run(argv, &out);
    cr_assert_eq(rc, 0, "vzctl stop: exit %d: %s", rc, out);
    free(out);
    assert_all_gone(pids, n);
    free(pids);
    assert_no_pid_tmp();
    /* and now it is really down */
    argv[1] = "stop";
    rc = fx_run(argv, &out);
    cr_assert_eq(rc, 31, "second stop: %d %s", rc, out);
    free(out);
}

Test(untracked, destroy_finds_and_kills_an_init_without_pid_file)
{
    start_killed_before_pidfile();
    pid_t *pids = NULL;
    size_t n = 0;
    cg_list(&pids, &n);
    char *out = NULL;
    char *argv[] = { "vzctl", "destroy", ctid, NULL };
    int rc = fx_run(argv, &out);
    cr_assert_eq(rc, 0, "vzctl destroy: exit %d: %s", rc, out);
    free(out);
    assert_all_gone(pids, n);
    free(pids);
    assert_no_pid_tmp();
    cr_assert_not(vz_file_exists(priv), "private area left");
}

static void set_flags(const char *rel, int add)
{
    char *p = vz_path_join(priv, rel);
    int fd = open(p, O_RDONLY | O_CLOEXEC);
    cr_assert_geq(fd, 0, "%s: %s", p, strerror(errno));
    int fl = 0;
    cr_assert_eq(ioctl(fd, FS_IOC_GETFLAGS, &fl), 0, "%s: %s (is /tmp ext4 or btrfs?)", p, strerror(errno));
    fl |= add;
    cr_assert_eq(ioctl(fd, FS_IOC_SETFLAGS, &fl), 0, "chattr %s: %s", p, strerror(errno));
    close(fd);
    free(p);
}

static void chattr_tree(void)
{
    vz_error_t err = NULL;
    char *d = vz_path_join(priv, "var/log/deep");
    cr_assert_eq(vz_mkdir_p(d, 0755, &err), 0);
    char *f = vz_path_join(d, "locked");
    cr_assert_eq(vz_atomic_write(f, "x", 1, 0644, &err), 0);
    char *g = vz_path_join(priv, "etc/appendonly");
    cr_assert_eq(vz_atomic_write(g, "y", 1, 0644, &err), 0);
    set_flags("var/log/deep/locked", FS_IMMUTABLE_FL);
    set_flags("var/log/deep", FS_IMMUTABLE_FL);
    set_flags("etc/appendonly", FS_APPEND_FL);
    set_flags("etc", FS_APPEND_FL);
    /* the test can fail: these are really stuck now */
    cr_assert_lt(unlink(f), 0);
    cr_assert_eq(errno, EPERM);
    free(d), free(f), free(g);
}

Test(untracked, destroy_clears_immutable_and_append_only)
{
    chattr_tree();
    vz_error_t err = NULL;
    cr_assert_eq(vz_ct_destroy(ctid, &err), 0, "destroy: %s", err ? err->msg : "");
    cr_assert_not(vz_file_exists(priv), "private area left");
}

/* Without CAP_LINUX_IMMUTABLE the flags cannot be cleared: destroy then
 * removes nothing at all (no half-destroyed container). */
Test(untracked, destroy_that_cannot_clear_removes_nothing)
{
    chattr_tree();
    pid_t c = fork();
    cr_assert_geq(c, 0);
    if (c == 0) {
        struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
        struct __user_cap_data_struct d[2];
        if (syscall(SYS_capget, &h, d) < 0)
            _exit(90);
        d[0].effective &= ~(1u << CAP_LINUX_IMMUTABLE);
        d[0].permitted &= ~(1u << CAP_LINUX_IMMUTABLE);
        if (syscall(SYS_capset, &h, d) < 0)
            _exit(91);
        vz_error_t err = NULL;
        int r = vz_ct_destroy(ctid, &err);
        if (r == 0)
            _exit(1);
        _exit(err->status == VZ_EPERM && strstr(err->msg, "nothing was removed") ? 0 : 2);
    }
    int st = 0;
    cr_assert_eq(waitpid(c, &st, 0), c);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status 0x%x", st);
    /* everything still there: the conf, the busybox root, the files */
    cleanup_free char *conf = vz_xasprintf("%s/etc/vz/conf/%s.conf", vzroot, ctid);
    cleanup_free char *busybox = vz_path_join(priv, "bin/busybox");
    cleanup_free char *appendonly = vz_path_join(priv, "etc/appendonly");
    cr_assert(vz_file_exists(conf));
    cr_assert(vz_file_exists(busybox));
    cr_assert(vz_file_exists(appendonly));
    vz_error_t err = NULL;
    cr_assert_eq(vz_ct_destroy(ctid, &err), 0, "with the capability: %s", err ? err->msg : "");
}
