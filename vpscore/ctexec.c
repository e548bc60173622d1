/* vpscore/ctexec.c: vz_ct_exec() and vz_ct_enter() (vpscore/runtime.h).
 *
 *   caller --fork--> joiner: joins the container's cgroup and namespaces,
 *                    drops capabilities  --fork--> the command (in the pid ns)
 *
 * The joiner is a separate process so the caller's own namespaces never
 * change (a library must not move its caller into a container). It dies
 * with the caller (PR_SET_PDEATHSIG) and is not dumpable, so nothing in the
 * container can read it during the moment it lives there. exec passes the
 * caller's stdin/stdout/stderr through untouched; enter allocates a pty in
 * the container's own devpts and the joiner relays it.
 */
#include "vpscore/cgroup.h"
#include "vpscore/ns.h"
#include "vpscore/runtime.h"
#include "vpscore/runtime-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

extern char **environ;

struct joinctx {
    pid_t init;
    struct vz_cgroup *cg;
    int keep_sys_admin;
    char *term;
};

/* The joiner would stop in a frozen cgroup, and its caller wait forever:
 * refuse at once. (A suspend that lands after this check still stops the
 * command until the container is resumed, as it stops every process.) */
static int refuse_frozen(const char *ctid, const struct vz_cgroup *cg, vz_error_t *err)
{
    if (vz_cgroup_frozen(cg))
        return vz_error_set(err, VZ_ENOTRUNNING, 0,
                            "container %s is suspended: run 'vzctl resume %s' first", ctid, ctid);
    return 0;
}

static int prepare(const char *ctid, struct joinctx *x, vz_error_t *err)
{
    memset(x, 0, sizeof(*x));
    struct vz_ct ct;
    if (vz_ct_load(ctid, &ct, err) < 0)
        return -1;
    x->keep_sys_admin = vz_rt_keeps_sys_admin(&ct.conf);
    vz_ct_release(&ct);
    if (!vz_ct_init_pid(ctid, &x->init))
        return vz_error_set(err, VZ_ENOTRUNNING, 0, "container %s is not running", ctid);
    if (vz_cgroup_open(ctid, &x->cg, err) < 0)
        return -1;
    if (refuse_frozen(ctid, x->cg, err) < 0)
        return -1;
    const char *t = getenv("TERM");
    x->term = vz_xasprintf("TERM=%s", t && *t ? t : "dumb");
    return 0;
}

static void release(struct joinctx *x)
{
    if (x->cg)
        vz_cgroup_free(x->cg);
    free(x->term);
}

int vz_ct_joinable(const char *ctid, vz_error_t *err)
{
    if (vz_ctid_check(ctid, err) < 0)
        return -1;
    struct joinctx x;
    int r = prepare(ctid, &x, err);
    release(&x);
    return r;
}

/* In the joiner: become a member of the container. Returns the error
 * pipe's new fd: every other descriptor but stdin/stdout/stderr is closed
 * first, so nothing of the caller's (a directory of the host, a socket)
 * reaches the container. */
static int join(const struct joinctx *x, int errfd)
{
    int fds[4] = { -1, -1, -1, errfd };
    if (vz_ns_arrange_fds(fds, 4) < 0)
        _exit(127);
    errfd = 3;
    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    vz_error_t e = NULL;
    if (vz_cgroup_enter(x->cg, getpid(), &e) < 0 || vz_ns_enter(x->init, &e) < 0) {
        vz_child_fail(errfd, e->errnum, "%s", e->msg);
        _exit(127);
    }
    if (vz_ns_drop_caps(VZ_CAPS_CONTAINER, x->keep_sys_admin) < 0) {
        vz_child_fail(errfd, errno, "drop capabilities");
        _exit(127);
    }
    return errfd;
}

/* The container's shell cannot run: exit VZ_EBROKENCT, as vzctl does; the
 * joiner passes the status up (run_joined). */
static void shell_missing(int errfd, const char *sh) __attribute__((noreturn));
static void shell_missing(int errfd, const char *sh)
{
    vz_child_fail_status(errfd, VZ_EBROKENCT, errno, "broken container: no %s", sh);
    _exit(VZ_EBROKENCT);
}

static void exec_in(const struct joinctx *x, char *const argv[], int errfd)
{
    char *env[] = { "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root",
                    x->term, NULL };
    vz_ns_reset_signals();
    environ = env;
    execvp(argv[0], argv);
    if (strcmp(argv[0], "/bin/sh") == 0)
        shell_missing(errfd, "/bin/sh");
    vz_child_fail(errfd, errno, "execute %s in the container", argv[0]);
    _exit(127);
}

static int shell_status(int ws)
{
    return WIFEXITED(ws) ? WEXITSTATUS(ws) : WIFSIGNALED(ws) ? 128 + WTERMSIG(ws) : 255;
}

static int wait_child(pid_t pid)
{
    int ws;
    while (waitpid(pid, &ws, 0) < 0)
        if (errno != EINTR)
            return 255;
    return shell_status(ws);
}

/* The process signals are passed to: the joiner (in the caller), the
 * command (in the joiner). */
static volatile pid_t forward_to;

static void forward(int sig)
{
    pid_t p = forward_to;
    if (p > 0)
        kill(p, sig);
}

/* Run body in a joiner; wait for it; *status = its exit status. */
static int run_joined(const char *ctid, const struct joinctx *x, void (*body)(const struct joinctx *, void *, int),
                      void *arg, int *status, vz_error_t *err)
{
    int errp[2];
    if (pipe2(errp, O_CLOEXEC) < 0)
        return vz_error_sys(err, "pipe");
    /* Terminal signals reach the joiner directly (same process group) and
     * it passes them on; TERM and HUP sent to us are passed to it. */
    struct sigaction ign = { .sa_handler = SIG_IGN }, fwd = { .sa_handler = forward }, old_int, old_quit,
                     old_term, old_hup;
    sigaction(SIGINT, &ign, &old_int);
    sigaction(SIGQUIT, &ign, &old_quit);
    fflush(NULL);
    forward_to = 0;
    sigaction(SIGTERM, &fwd, &old_term);
    sigaction(SIGHUP, &fwd, &old_hup);
    pid_t pid = fork();
    if (pid == 0) {
        close(errp[0]);
        int efd = join(x, errp[1]);
        body(x, arg, efd);
        _exit(127);
    }
    close(errp[1]);
    forward_to = pid > 0 ? pid : 0;
    int rc = 0;
    if (pid < 0) {
        rc = vz_error_sys(err, "fork");
    } else {
        vz_error_t e = NULL;
        vz_child_error_read(errp[0], VZ_EFAIL, &e);
        int st = wait_child(pid);
        if (e) {
            *err = e;
            rc = vz_error_wrap(err, "container %s", ctid);
        } else
            *status = st;
    }
    close(errp[0]);
    forward_to = 0;
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGQUIT, &old_quit, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    sigaction(SIGHUP, &old_hup, NULL);
    return rc;
}

/* The command runs in a session of its own: the caller's terminal, if its
 * stdio is one, is not its controlling terminal, so nothing in the
 * container can push input into the admin's shell (TIOCSTI) or take over
 * its job control. Signals are passed on instead. */
static void exec_body(const struct joinctx *x, void *arg, int errfd)
{
    struct sigaction fwd = { .sa_handler = forward };
    forward_to = 0;
    sigaction(SIGINT, &fwd, NULL);
    sigaction(SIGQUIT, &fwd, NULL);
    sigaction(SIGTERM, &fwd, NULL);
    sigaction(SIGHUP, &fwd, NULL);
    pid_t pid = fork();
    if (pid < 0) {
        vz_child_fail(errfd, errno, "fork");
        _exit(127);
    }
    if (pid == 0) {
        setsid();
        exec_in(x, arg, errfd);
    }
    forward_to = pid;
    close(errfd);
    _exit(wait_child(pid));
}

int vz_ct_exec(const char *ctid, char *const argv[], int *status, vz_error_t *err)
{
    if (vz_ctid_check(ctid, err) < 0)
        return -1;
    if (!argv || !argv[0])
        return vz_error_set(err, VZ_EUSAGE, 0, "exec: no command given");
    struct joinctx x;
    int rc = prepare(ctid, &x, err);
    if (rc == 0)
        rc = run_joined(ctid, &x, exec_body, (void *)argv, status, err);
    release(&x);
    return rc;
}

/* ---- enter: a shell on a pty, relayed ---- */

static volatile sig_atomic_t got_winch, got_chld;
static void on_winch(int s) { (void)s; got_winch = 1; }
static void on_chld(int s) { (void)s; got_chld = 1; }

static void copy_winsize(int from, int to)
{
    struct winsize ws;
    if (ioctl(from, TIOCGWINSZ, &ws) == 0)
        ioctl(to, TIOCSWINSZ, &ws);
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static void relay(int master, pid_t shell)
{
    int in_open = 1, status = -1;
    char buf[8192];
    for (;;) {
        if (got_winch) {
            got_winch = 0;
            copy_winsize(0, master);
        }
        if (got_chld && status < 0) {
            int ws;
            if (waitpid(shell, &ws, WNOHANG) == shell)
                status = shell_status(ws);
        }
        struct pollfd p[2] = { { master, POLLIN, 0 }, { 0, POLLIN, 0 } };
        int r = poll(p, in_open ? 2 : 1, status >= 0 ? 0 : -1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) /* shell gone and nothing left to drain */
            break;
        if (p[0].revents) {
            ssize_t n = read(master, buf, sizeof(buf));
            if (n > 0) {
                if (write_all(1, buf, (size_t)n) < 0)
                    break;
            } else if (n < 0 && errno == EINTR) {
                continue;
            } else
                break; /* EIO: every slave fd closed */
        }
        if (in_open && p[1].revents) {
            ssize_t n = read(0, buf, sizeof(buf));
            if (n > 0)
                write_all(master, buf, (size_t)n);
            else if (n == 0 || errno != EINTR) {
                in_open = 0;
                write_all(master, "\004", 1); /* end of input: ^D to the shell */
            }
        }
    }
    if (status < 0)
        status = wait_child(shell);
    _exit(status);
}

static void enter_body(const struct joinctx *x, void *arg, int errfd)
{
    (void)arg;
    /* TERM or HUP (passed on by the caller) end the relay; closing the
     * master hangs up the shell. */
    signal(SIGTERM, SIG_DFL);
    signal(SIGHUP, SIG_DFL);
    int master = open("/dev/pts/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
    int unlock = 0;
    if (master < 0 || ioctl(master, TIOCSPTLCK, &unlock) < 0) {
        vz_child_fail(errfd, errno, "open a pty in the container (/dev/pts/ptmx)");
        _exit(127);
    }
    int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY);
    if (slave < 0) {
        vz_child_fail(errfd, errno, "open the pty's slave");
        _exit(127);
    }
    if (isatty(0))
        copy_winsize(0, slave);
    struct sigaction sa = { .sa_handler = on_chld };
    sigaction(SIGCHLD, &sa, NULL);
    sa.sa_handler = on_winch;
    sigaction(SIGWINCH, &sa, NULL);
    pid_t pid = fork();
    if (pid < 0) {
        vz_child_fail(errfd, errno, "fork");
        _exit(127);
    }
    if (pid == 0) {
        setsid();
        if (dup2(slave, 0) < 0 || dup2(slave, 1) < 0 || dup2(slave, 2) < 0 || ioctl(0, TIOCSCTTY, 0) < 0) {
            vz_child_fail(errfd, errno, "make the pty the shell's terminal");
            _exit(127);
        }
        close(slave);
        const char *sh = access("/bin/bash", X_OK) == 0 ? "/bin/bash" : "/bin/sh";
        char *argv[] = { strcmp(sh, "/bin/bash") == 0 ? "-bash" : "-sh", NULL };
        char *env[] = { "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root",
                        "USER=root", "LOGNAME=root", x->term, NULL };
        vz_ns_reset_signals();
        execve(sh, argv, env);
        shell_missing(errfd, "/bin/sh");
    }
    close(slave);
    close(errfd);
    relay(master, pid);
}

int vz_ct_enter(const char *ctid, int *status, vz_error_t *err)
{
    if (vz_ctid_check(ctid, err) < 0)
        return -1;
    struct joinctx x;
    int rc = prepare(ctid, &x, err);
    if (rc == 0) {
        struct termios saved;
        int raw = isatty(0) && tcgetattr(0, &saved) == 0;
        if (raw) {
            struct termios t = saved;
            cfmakeraw(&t);
            tcsetattr(0, TCSANOW, &t);
        }
        rc = run_joined(ctid, &x, enter_body, NULL, status, err);
        if (raw)
            tcsetattr(0, TCSANOW, &saved);
    }
    release(&x);
    return rc;
}
