/* vpscore/start.c: vz_ct_start() (vpscore/runtime.h).
 *
 * Processes and the hand-shake:
 *
 *   caller --fork--> helper --clone(new namespaces)--> init (pid 1)
 *
 * The helper joins the container's cgroup first, so init is born in it
 * (and its cgroup namespace is rooted there), sends init's pid up a pipe and
 * exits: init is reparented away from the caller and outlives it.
 * init mounts its root (vpscore/mount.c) while the caller sets up the veth
 * (vpscore/net.c); then waits for the caller's "go" byte so that eth0 exists
 * before the container's own init starts; then drops capabilities and execs
 * /sbin/init, or becomes the tiny init (vpscore/init.h) when there is none.
 * Failures inside come back through the error pipe; the pipe reaching EOF
 * without a record means init is running. Any failure undoes everything:
 * init killed, veth, cgroup, mount, pid file.
 */
#include "vpscore/cgroup.h"
#include "vpscore/cgroup-tune.h"
#include "vpscore/devices.h"
#include "vpscore/idmap.h"
#include "vpscore/init.h"
#include "vpscore/mount.h"
#include "vpscore/net.h"
#include "vpscore/netif.h"
#include "vpscore/quota.h"
#include "vpscore/ns.h"
#include "vpscore/runtime.h"
#include "vpscore/runtime-internal.h"
#include "vpscore/seccomp.h"
#include "vpscore/systemd.h"
#include "vpscore/userns.h"

#include <linux/mount.h>
#include <sched.h>
#include <sys/mount.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char *const init_env[] = {
    "container=vzforge",
    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "HOME=/",
    "TERM=linux",
    NULL,
};

enum { SLOT_ERR = 3, SLOT_SYNC = 4, SLOT_MAPS = 5, NSLOTS = 6 };

struct init_args {
    const char *root;
    const char *hostname;
    struct vz_idmap map; /* enabled: clone a user namespace with this map */
    int rootfd;          /* detached copy of the root mount, set-uid allowed */
    int keep_sys_admin;
    uint64_t caps_off; /* CAPABILITY's NAME:off */
    int stop_grace_ms;
    const struct vz_systemd *sd; /* systemd as init: vpscore/systemd.h */
    const struct vz_devices *devs; /* nodes for /dev besides the fixed set */
    const struct vz_seccomp *seccomp; /* the filter, installed before the capability drop */
    int own_cgroupns; /* born by CLONE_INTO_CGROUP: unshare the cgroup namespace itself */
};

static int read_byte(int fd)
{
    char c = 0;
    ssize_t n;
    while ((n = read(fd, &c, 1)) < 0 && errno == EINTR)
        ;
    return n == 1 ? 0 : -1;
}

static void container_init(const struct init_args *a, int devnull, int errfd, int syncfd, int mapsfd)
{
    int fds[NSLOTS] = { devnull, devnull, devnull, errfd, syncfd, mapsfd };
    if (vz_ns_arrange_fds(fds, NSLOTS) < 0)
        _exit(1);
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    setsid();
    /* in a user namespace, nothing works before the helper wrote its maps */
    if (read_byte(SLOT_MAPS) < 0)
        _exit(1);
    close(SLOT_MAPS);
    /* rooted at the group init was born in (vz_ns_clone_into) */
    if (a->own_cgroupns && unshare(CLONE_NEWCGROUP) < 0) {
        vz_child_fail(SLOT_ERR, errno, "unshare the cgroup namespace");
        _exit(1);
    }
    struct vz_rootfs r = { .root = a->root, .hostname = a->hostname, .root_is_mount = 1,
                           .userns = a->map.enabled, .devices = a->devs };
    if (vz_mount_rootfs(&r, SLOT_ERR) < 0)
        _exit(1);
    if (vz_systemd_mount(a->sd, SLOT_ERR) < 0)
        _exit(1);
    if (read_byte(SLOT_SYNC) < 0)
        _exit(1); /* the caller gave up */
    close(SLOT_SYNC);
    if (vz_ns_loopback_up() < 0) {
        vz_child_fail(SLOT_ERR, errno, "bring up lo");
        _exit(1);
    }
    if (vz_seccomp_install(a->seccomp) < 0) {
        vz_child_fail(SLOT_ERR, errno, "install the seccomp filter");
        _exit(1);
    }
    if (vz_ns_drop_caps(VZ_CAPS_CONTAINER, a->keep_sys_admin, a->caps_off) < 0) {
        vz_child_fail(SLOT_ERR, errno, "drop capabilities");
        _exit(1);
    }
    vz_ns_reset_signals();
    struct stat st;
    if (lstat("/sbin/init", &st) == 0) {
        /* there is an init: run it or fail; never the tiny init in its place */
        if (access("/sbin/init", X_OK) == 0) {
            char *argv[] = { "init", NULL };
            execve("/sbin/init", argv, init_env);
        }
        vz_child_fail_status(SLOT_ERR, VZ_EBROKENCT, errno,
                             "broken container: cannot execute /sbin/init of %s (fix it, or remove it to "
                             "run the container under vzctl's own init)", a->root);
        _exit(1);
    }
    close(SLOT_ERR); /* success: the caller reads EOF */
    vz_init_run(a->stop_grace_ms);
}

/* The helper's own mount namespace gets the container's view of its root:
 * the copy with set-uid allowed, on top of the host's nosuid mount. The
 * init cloned from here inherits it; the host never sees it. In a user
 * namespace the copy's flags are locked for the container (it cannot
 * remount its root to allow device nodes). */
static int root_for_init(const struct init_args *a, vz_error_t *err)
{
    if (unshare(CLONE_NEWNS) < 0)
        return vz_error_sys(err, "unshare the mount namespace");
    /* The copy goes on top of the root's mount: that one private (in this
     * namespace only) is enough for nothing to propagate to the host. */
    if (mount(NULL, a->root, NULL, MS_PRIVATE, NULL) < 0)
        return vz_error_sys(err, "make %s private", a->root);
    return vz_mount_attach(a->rootfd, a->root, err);
}

/* Clone init into the container's group: born there where the hierarchy
 * allows it (cgroup v2: CLONE_INTO_CGROUP, no migration), else the helper
 * joins the group first and init inherits it. On a hybrid host both: the
 * helper moves itself into the v1 groups (through "tasks", no grace
 * period) and init is born in the cgroup2 one; a migration there would
 * cost the grace period that a v1 "tasks" move avoids. */
static pid_t clone_init(struct vz_cgroup *cg, struct init_args *a, vz_error_t *err)
{
    unsigned long flags = VZ_NS_FLAGS | (a->map.enabled ? CLONE_NEWUSER : 0);
    cleanup_close int cgfd = vz_cgroup_open_fd(cg, 0);
    if (cgfd < 0 && (cgfd = vz_cgroup_open_unified_fd(cg)) >= 0 && vz_cgroup_enter_self(cg, 1, err) < 0)
        return -1;
    if (cgfd >= 0) {
        vz_error_t e = NULL;
        a->own_cgroupns = 1;
        pid_t pid = vz_ns_clone_into(flags & ~(unsigned long)CLONE_NEWCGROUP, cgfd, &e);
        if (pid >= 0)
            return pid;
        /* an older kernel (ENOSYS, E2BIG): the way that always works */
        vz_debug("%s; joining the cgroup instead", e->msg);
        vz_error_release(&e);
        a->own_cgroupns = 0;
    }
    if (vz_cgroup_enter_self(cg, 0, err) < 0)
        return -1;
    return vz_ns_clone(flags, err);
}

/* The helper: runs as a normal fork() child, may allocate. */
static void helper(struct vz_cgroup *cg, struct init_args *a, int errfd, int syncfd, int pidfd_w)
{
    setsid();
    vz_error_t err = NULL;
    int mapp[2] = { -1, -1 };
    if (root_for_init(a, &err) < 0) {
        vz_child_fail(errfd, err->errnum, "%s", err->msg);
        _exit(1);
    }
    int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (devnull < 0 || pipe2(mapp, O_CLOEXEC) < 0) {
        vz_child_fail(errfd, errno, "open /dev/null, pipe");
        _exit(1);
    }
    pid_t pid = clone_init(cg, a, &err);
    if (pid == 0) {
        close(mapp[1]);
        container_init(a, devnull, errfd, syncfd, mapp[0]);
    }
    if (pid < 0) {
        vz_child_fail(errfd, err->errnum, "%s", err->msg);
        _exit(1);
    }
    close(mapp[0]);
    if (a->map.enabled && vz_userns_write_maps(pid, &a->map, &err) < 0) {
        vz_child_fail(errfd, err->errnum, "%s", err->msg);
        kill(pid, SIGKILL);
        _exit(1);
    }
    if (write(mapp[1], "m", 1) != 1) {
        vz_child_fail(errfd, errno, "start the container's init");
        kill(pid, SIGKILL);
        _exit(1);
    }
    int32_t p = pid;
    ssize_t w = write(pidfd_w, &p, sizeof(p));
    _exit(w == (ssize_t)sizeof(p) ? 0 : 1);
}

int vz_rt_wait_gone(pid_t pid, int timeout_ms)
{
    int fd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (fd < 0)
        return errno == ESRCH ? 0 : -1;
    struct pollfd p = { fd, POLLIN, 0 };
    int r;
    while ((r = poll(&p, 1, timeout_ms)) < 0 && errno == EINTR)
        ;
    close(fd);
    return r > 0 ? 0 : -1;
}

static int split_ips(const char *s, char ***out)
{
    *out = NULL;
    if (!s)
        return 0;
    cleanup_free char *copy = vz_xstrdup(s);
    char *save = NULL;
    for (char *t = strtok_r(copy, " \t", &save); t; t = strtok_r(NULL, " \t", &save))
        vz_strv_push(out, t);
    return 0;
}

static int write_pidfile(const char *ctid, pid_t pid, vz_error_t *err)
{
    cleanup_free char *path = vz_ct_pid_path(ctid);
    cleanup_free char *dir = vz_xstrdup(path);
    if (vz_mkdir_p(dirname(dir), 0755, err) < 0)
        return -1;
    unsigned long long start = vz_proc_starttime(pid);
    if (start == 0)
        return vz_error_set(err, VZ_EFAIL, 0, "container %s: its init (pid %d) exited right after starting",
                            ctid, (int)pid);
    cleanup_free char *text = vz_xasprintf("%d %llu\n", (int)pid, start);
    /* Temporary + rename, no fsync: after a crash a stale or missing pid
     * file is harmless (the start time check rejects it), and the fsync
     * cost a few ms on every start. */
    cleanup_free char *tmp = vz_ct_pid_tmp_path(ctid);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0)
        return vz_error_sys(err, "create %s", tmp);
    size_t len = strlen(text);
    int ok = write(fd, text, len) == (ssize_t)len;
    int e = errno;
    if (close(fd) < 0 && ok) {
        ok = 0;
        e = errno;
    }
    if (!ok || rename(tmp, path) < 0) {
        if (ok)
            e = errno;
        unlink(tmp);
        errno = e;
        return vz_error_sys(err, "write %s", path);
    }
    return 0;
}

int vz_ct_start(const char *ctid, const struct vz_start_opts *opts, vz_error_t *err)
{
    static const struct vz_start_opts defaults;
    if (!opts)
        opts = &defaults;
    struct vz_ct ct;
    cleanup_close int lockfd = -1;
    if (vz_ct_open_locked(ctid, &ct, &lockfd, err) < 0)
        return -1;
    int rc = -1, mounted_here = 0, net_done = 0;
    cleanup_close int rootfd = -1;
    pid_t helper_pid = 0;
    struct vz_cgroup *cg = NULL;
    pid_t init = 0;
    int errp[2] = { -1, -1 }, syncp[2] = { -1, -1 }, pidp[2] = { -1, -1 };
    cleanup_strv char **ips = NULL;
    struct vz_seccomp sc = { 0 };

    if (vz_ct_init_pid(ctid, NULL)) {
        vz_error_set(err, VZ_ERUNNING, 0, "container %s is already running", ctid);
        goto out;
    }
    if (vz_ct_disabled(&ct.conf)) { /* OpenVZ: an admin's "never start this one" */
        vz_error_set(err, VZ_EDISABLED, 0, "container %s is disabled (DISABLED=\"yes\" in %s): "
                     "vzctl set %s --disabled no --save to allow starting it", ctid, ct.conf_path, ctid);
        goto out;
    }
    /* a bad filter in the conf fails before anything is set up */
    if (vz_seccomp_prepare(&ct.conf, &sc, err) < 0) {
        vz_error_wrap(err, "container %s", ctid);
        goto out;
    }
    if (vz_rt_cgroup_procs(ctid) > 0) { /* a second init would join the first's group */
        vz_error_set(err, VZ_ERUNNING, 0, "container %s is running without a pid file (a start was "
                     "killed): vzctl stop %s first", ctid, ctid);
        goto out;
    }
    if (!vz_is_dir(ct.private_dir)) {
        vz_error_set(err, VZ_ENOPRIVATE, 0, "container %s: private area %s does not exist", ctid, ct.private_dir);
        goto out;
    }
    /* DISKSPACE/DISKINODES as the conf says (one edited by hand, or a set
     * without --save undone): a limit that cannot be enforced fails the
     * start rather than run the container without it */
    struct vz_quota_limits ql;
    if (vz_quota_from_conf(&ct.conf, &ql, err) < 0 || vz_quota_apply(ct.private_dir, &ql, err) < 0) {
        vz_error_wrap(err, "container %s", ctid);
        goto out;
    }
    if (vz_quota_escapable(&ct.conf, ct.private_dir))
        vz_warn("container %s: its seccomp filter lets root inside make btrfs subvolumes, which DISKSPACE does "
                "not limit (docs/quota.md)", ctid);
    if (!vz_is_mountpoint(ct.root_dir)) {
        if (vz_ct_mount_root(&ct, err) < 0)
            goto out;
        mounted_here = 1;
    }
    vz_cgroup_tune_host(); /* vz.conf's CGROUP_FAVORDYNMODS: before the first migration */
    struct vz_cgroup_limits limits = VZ_CGROUP_LIMITS_NONE;
    struct vz_devices devs; /* vpscore/devices.h: before any task enters */
    if (vz_ct_limits_from_conf(&ct.conf, &limits, err) < 0 || vz_cgroup_open(ctid, &cg, err) < 0 ||
        vz_cgroup_create(cg, err) < 0 || vz_cgroup_apply(cg, &limits, err) < 0 ||
        vz_devices_from_conf(&ct.conf, &devs, err) < 0 || vz_cgroup_devices(cg, &devs, err) < 0)
        goto out;
    int keep_sys_admin = 0;
    uint64_t caps_off = 0;
    if (vz_rt_caps(&ct.conf, &keep_sys_admin, &caps_off, err) < 0)
        goto out;
    struct vz_systemd sd;
    if (vz_systemd_prepare(ctid, ct.root_dir, &sd, err) < 0)
        goto out;

    struct init_args a = {
        .root = ct.root_dir,
        .hostname = vz_conf_get(&ct.conf, "HOSTNAME"),
        .rootfd = -1,
        .keep_sys_admin = keep_sys_admin,
        .caps_off = caps_off,
        .stop_grace_ms = 5000,
        .sd = &sd,
        .devs = &devs,
        .seccomp = &sc,
    };
    /* the container's root manages its own subtree (systemd), never a limit */
    if (vz_idmap_from_conf(&ct.conf, ct.conf_path, &a.map, err) < 0 ||
        (a.map.enabled && vz_cgroup_delegate(cg, a.map.uid, a.map.gid, err) < 0))
        goto out;
    rootfd = a.rootfd = vz_mount_clone(ct.root_dir, 0, MOUNT_ATTR_NOSUID, err);
    if (rootfd < 0)
        goto out;
    if (a.hostname && !*a.hostname)
        a.hostname = NULL;
    if (pipe2(errp, O_CLOEXEC) < 0 || pipe2(syncp, O_CLOEXEC) < 0 || pipe2(pidp, O_CLOEXEC) < 0) {
        vz_error_sys(err, "pipe");
        goto out;
    }
    fflush(NULL);
    pid_t h = fork();
    if (h < 0) {
        vz_error_sys(err, "fork");
        goto out;
    }
    if (h == 0) {
        close(errp[0]);
        close(syncp[1]);
        close(pidp[0]);
        helper(cg, &a, errp[1], syncp[0], pidp[1]);
    }
    close(errp[1]);
    close(syncp[0]);
    close(pidp[1]);
    errp[1] = syncp[0] = pidp[1] = -1;
    /* The pid first, the helper's exit later: tearing down its private
     * mount namespace waits for an RCU grace period, which overlaps the
     * rest of the start instead of delaying it. */
    helper_pid = h;
    int32_t p = 0;
    ssize_t pn;
    while ((pn = read(pidp[0], &p, sizeof(p))) < 0 && errno == EINTR)
        ;
    if (pn != (ssize_t)sizeof(p) || p <= 0) {
        /* The helper failed before clone: its record is on the error pipe. */
        int ws = 0;
        while (waitpid(h, &ws, 0) < 0 && errno == EINTR)
            ;
        helper_pid = 0;
        close(syncp[1]);
        syncp[1] = -1;
        if (vz_child_error_read(errp[0], VZ_ESYSTEM, err) == 0)
            vz_error_set(err, VZ_ESYSTEM, 0, "the start helper exited with status %d", WEXITSTATUS(ws));
        vz_error_wrap(err, "start container %s", ctid);
        goto out;
    }
    init = p;
    vz_cgroup_settled(cg); /* init holds the group now */

    if (!opts->no_network) {
        split_ips(vz_conf_get(&ct.conf, "IP_ADDRESS"), &ips);
        if (ips && ips[0]) {
            if (vz_net_setup(ctid, init, ips, err) < 0) {
                vz_error_wrap(err, "start container %s", ctid);
                goto out;
            }
            net_done = 1;
        }
        if (vz_netif_start(init, vz_conf_get(&ct.conf, "NETIF"), err) < 0) {
            vz_error_wrap(err, "start container %s", ctid);
            goto out;
        }
    }
    char go = 'g';
    /* init may have died: a broken pipe must be an error, not SIGPIPE. */
    struct sigaction ign = { .sa_handler = SIG_IGN }, old_pipe;
    sigaction(SIGPIPE, &ign, &old_pipe);
    ssize_t wr = write(syncp[1], &go, 1);
    sigaction(SIGPIPE, &old_pipe, NULL);
    if (wr != 1) {
        vz_error_sys(err, "start container %s: its init died during set-up", ctid);
        vz_child_error_read(errp[0], VZ_ESYSTEM, err);
        goto out;
    }
    close(syncp[1]);
    syncp[1] = -1;
    if (vz_child_error_read(errp[0], VZ_ESYSTEM, err) < 0) {
        vz_error_wrap(err, "start container %s", ctid);
        goto out;
    }
    if (write_pidfile(ctid, init, err) < 0)
        goto out;
    vz_debug("container %s: init pid %d", ctid, (int)init);
    rc = 0;

out:
    while (helper_pid > 0 && waitpid(helper_pid, NULL, 0) < 0 && errno == EINTR)
        ;
    for (int i = 0; i < 2; i++) {
        if (errp[i] >= 0)
            close(errp[i]);
        if (syncp[i] >= 0)
            close(syncp[i]);
        if (pidp[i] >= 0)
            close(pidp[i]);
    }
    if (rc < 0) {
        if (init > 0) {
            kill(init, SIGKILL);
            vz_rt_wait_gone(init, 10000);
        }
        vz_error_t e2 = NULL;
        if (net_done && vz_net_teardown(ctid, &e2) < 0)
            vz_error_release(&e2);
        if (cg) {
            if (vz_cgroup_kill(cg, &e2) < 0)
                vz_error_release(&e2);
            if (vz_cgroup_remove(cg, &e2) < 0)
                vz_error_release(&e2);
        }
        if (mounted_here && vz_ct_umount_root(&ct, &e2) < 0)
            vz_error_release(&e2);
    }
    if (cg)
        vz_cgroup_free(cg);
    vz_seccomp_release(&sc);
    vz_ct_release(&ct);
    return rc;
}
