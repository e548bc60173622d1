/* vpscore/sandbox.c: run one command isolated in a root (vpscore/sandbox.h).
 *
 * Processes:
 *   caller --clone(new ns)--> pid 1 (tiny init: sets up the root, reaps)
 *                               `--fork--> pid 2: the command
 * pid 1 exits with the command's status as soon as the command exits; the
 * kernel then kills everything else in the pid namespace (daemons a script
 * started) before the caller's waitpid() returns, and the mount namespace
 * with all its mounts goes with the last process.
 *
 * Standard input is a memfd holding stdin_data (or /dev/null); captured
 * output goes to one memfd shared by stdout and stderr (merged in write
 * order, like 2>&1 to a file) which the caller reads after the wait: no
 * pipe relay, no deadlock whatever the command writes.
 */
#include "vpscore/sandbox.h"
#include "vpscore/init.h"
#include "vpscore/mount.h"
#include "vpscore/ns.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char *const default_env[] = {
    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "HOME=/root",
    "TERM=dumb",
    "LC_ALL=C",
    NULL,
};

/* Slots of the fds in pid 1 after vz_ns_arrange_fds(). */
enum { SLOT_ERR = 3, SLOT_ALIVE = 4, NSLOTS = 5 };

static void command_child(const struct vz_sandbox_opts *o)
{
    vz_ns_reset_signals();
    /* A session of its own: no controlling terminal, so a script cannot
     * push input into the caller's terminal (TIOCSTI) even when its stdout
     * is that terminal. */
    setsid();
    /* back into the root (pid 1 left it; our working directory is still it) */
    if (chroot(".") < 0) {
        vz_child_fail(SLOT_ERR, errno, "chroot into %s", o->root);
        _exit(127);
    }
    const char *cwd = o->cwd ? o->cwd : "/";
    if (chdir(cwd) < 0) {
        vz_child_fail(SLOT_ERR, errno, "chdir %s inside %s", cwd, o->root);
        _exit(127);
    }
    close(SLOT_ALIVE);
    /* Never the caller's umask: a builder thread inside libarchive's
     * umask(0) window, or a caller started with 002 or 077, would otherwise
     * decide the modes of what the command creates (sandbox.h). */
    umask(VZ_SANDBOX_UMASK);
    environ = (char **)(o->env ? o->env : default_env);
    execvp(o->argv[0], o->argv);
    vz_child_fail(SLOT_ERR, errno, "execute %s inside %s", o->argv[0], o->root);
    _exit(127);
}

static void init_child(const struct vz_sandbox_opts *o, int in_fd, int out_fd, int errfd, int alive_fd)
{
    int fds[NSLOTS] = { in_fd, out_fd, out_fd, errfd, alive_fd };
    if (vz_ns_arrange_fds(fds, NSLOTS) < 0)
        _exit(127); /* the error pipe may be what failed; the parent sees EOF + 127 */
    if (vz_ns_child_guard(SLOT_ALIVE) < 0)
        _exit(127);
    /* No process inside may read this image or our memory (CAP_SYS_PTRACE is dropped too). */
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    setsid();
    struct vz_rootfs r = { .root = o->root, .hostname = o->hostname ? o->hostname : "vzforge-build" };
    if (vz_mount_rootfs(&r, SLOT_ERR) < 0)
        _exit(127);
    /* pid 1 keeps as its root a directory other than the command's "/", as
     * pid 1 of a chroot build (debootstrap, mmdebstrap) is outside it: the
     * packages' scripts see a chroot (ischroot, systemd-detect-virt
     * --chroot) and skip what only a booted system does (libc6's postinst
     * re-executes init and sleeps a second otherwise). Our working directory
     * stays the root; the command's chroot(".") returns to it. */
    if (chroot("/dev") < 0) {
        vz_child_fail(SLOT_ERR, errno, "chroot pid 1 of the sandbox");
        _exit(127);
    }
    if (vz_ns_drop_caps(VZ_CAPS_SANDBOX, 0, 0) < 0) {
        vz_child_fail(SLOT_ERR, errno, "drop capabilities");
        _exit(127);
    }
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    pid_t pid = fork();
    if (pid < 0) {
        vz_child_fail(SLOT_ERR, errno, "fork the command");
        _exit(127);
    }
    if (pid == 0)
        command_child(o);
    close(SLOT_ERR);
    _exit(vz_init_wait_main(pid));
}

static int make_stdin(const struct vz_sandbox_opts *o, vz_error_t *err)
{
    if (!o->stdin_data) {
        int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            return vz_error_sys(err, "open /dev/null");
        return fd;
    }
    cleanup_close int fd = memfd_create("vz-sandbox-stdin", MFD_CLOEXEC);
    if (fd < 0)
        return vz_error_sys(err, "memfd_create");
    size_t off = 0;
    while (off < o->stdin_len) {
        ssize_t w = write(fd, o->stdin_data + off, o->stdin_len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return vz_error_sys(err, "write the sandbox's stdin");
        off += (size_t)w;
    }
    if (lseek(fd, 0, SEEK_SET) < 0)
        return vz_error_sys(err, "lseek");
    return get_and_reset_fd(&fd);
}

static int read_output(int fd, struct vz_buf *out, vz_error_t *err)
{
    if (lseek(fd, 0, SEEK_SET) < 0)
        return vz_error_sys(err, "lseek the sandbox's output");
    char buf[16384];
    for (;;) {
        ssize_t r = read(fd, buf, sizeof(buf));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return vz_error_sys(err, "read the sandbox's output");
        if (r == 0)
            return 0;
        vz_buf_add(out, buf, (size_t)r);
    }
}

int vz_sandbox_run(const struct vz_sandbox_opts *opts, int *status, vz_error_t *err)
{
    if (!opts || !opts->root || !opts->argv || !opts->argv[0])
        return vz_error_set(err, VZ_EFAIL, 0, "sandbox: no root or no command given");
    if (opts->root[0] != '/')
        return vz_error_set(err, VZ_EFAIL, 0, "sandbox root %s is not an absolute path", opts->root);
    if (!vz_is_dir(opts->root))
        return vz_error_set(err, VZ_EFAIL, ENOTDIR, "sandbox root %s", opts->root);

    cleanup_close int in_fd = make_stdin(opts, err);
    if (in_fd < 0)
        return -1;
    cleanup_close int out_fd = -1;
    if (opts->out) {
        out_fd = memfd_create("vz-sandbox-out", MFD_CLOEXEC);
        if (out_fd < 0)
            return vz_error_sys(err, "memfd_create");
    }
    int errp[2], alivep[2];
    if (pipe2(errp, O_CLOEXEC) < 0)
        return vz_error_sys(err, "pipe");
    if (pipe2(alivep, O_CLOEXEC) < 0) {
        int e = errno;
        close(errp[0]);
        close(errp[1]);
        errno = e;
        return vz_error_sys(err, "pipe");
    }
    cleanup_close int err_r = errp[0];
    cleanup_close int alive_w = alivep[1];

    pid_t pid = vz_ns_clone(VZ_NS_FLAGS, err);
    if (pid == 0) {
        close(alive_w);
        init_child(opts, in_fd, out_fd, errp[1], alivep[0]);
    }
    close(errp[1]);
    close(alivep[0]);
    if (pid < 0)
        return vz_error_wrap(err, "sandbox for %s", opts->argv[0]);
    cleanup_pid pid_t guard = pid;

    vz_error_t child_err = NULL;
    vz_child_error_read(err_r, VZ_EFAIL, &child_err);

    int ws = 0;
    while (waitpid(pid, &ws, 0) < 0) {
        if (errno != EINTR) {
            vz_error_release(&child_err);
            return vz_error_sys(err, "wait for the sandbox");
        }
    }
    guard = 0;
    if (child_err) {
        *err = child_err;
        return vz_error_wrap(err, "sandbox %s", opts->root);
    }
    *status = vz_shell_status(ws);
    if (opts->out && read_output(out_fd, opts->out, err) < 0)
        return -1;
    return 0;
}
