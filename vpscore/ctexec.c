/* vpscore/ctexec.c: vz_ct_exec() and vz_ct_enter() (vpscore/runtime.h).
 *
 *   caller --fork--> joiner: joins the container's cgroup and namespaces
 *      |             (its user namespace last)  --fork--> the command
 *      |                                               (in the pid ns)
 *      +-- relays its own stdin/stdout/stderr to and from pipes it made, or
 *          to a pty master the joiner opened on the container's devpts
 *          (vpscore/relay.h)
 *
 * The command never holds a descriptor of the caller's: another process of
 * the container could open it through /proc/PID/fd (the host file the
 * admin redirected to, the admin's terminal). It gets pipes, or a pty of
 * the container's own devpts, as lxc-attach and crun do
 * (docs/security-exec.md).
 *
 * The joiner is a separate process so the caller's own namespaces never
 * change (a library must not move its caller into a container). It dies
 * with the caller (PR_SET_PDEATHSIG) and is not dumpable, so nothing in the
 * container can read it during the moment it lives there; the command
 * stays non-dumpable until its exec replaces the caller's memory image.
 */
#include "vpscore/cgroup.h"
#include "vpscore/ns.h"
#include "vpscore/relay.h"
#include "vpscore/runtime.h"
#include "vpscore/runtime-internal.h"
#include "vpscore/seccomp.h"
#include "vpscore/userns_join.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

/* How the command's fds 0, 1, 2 are made (decided in the caller). */
struct stdio_plan {
    int pty_slots; /* bit i: fd i is the slave of a pty opened in the container */
    int child[3];  /* the other slots: the command's end of a pipe we made */
    int sock[2];   /* pty: the joiner sends the master back on sock[1] */
    int have_tio, have_ws;
    struct termios tio; /* the caller's terminal settings, given to the pty */
    struct winsize ws;
};

struct joinctx {
    pid_t init;
    struct vz_cgroup *cg;
    int keep_sys_admin;
    uint64_t caps_off; /* CAPABILITY's NAME:off */
    char *term;
    int login; /* enter: a login shell chosen in the container */
    struct stdio_plan io;
    struct vz_seccomp seccomp; /* the container's filter (len 0: none, or joinable only) */
    int in_group; /* the joiner was born in the container's cgroup (fork_joiner): 1 in every
                   * hierarchy, 2 in a hybrid host's cgroup2 one only (the v1 ones: join()) */
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

/* with_filter: compile the container's seccomp filter too (exec and
 * enter; vz_ct_joinable does not need it) */
static int prepare(const char *ctid, struct joinctx *x, int with_filter, vz_error_t *err)
{
    memset(x, 0, sizeof(*x));
    x->io.child[0] = x->io.child[1] = x->io.child[2] = -1;
    x->io.sock[0] = x->io.sock[1] = -1;
    struct vz_ct ct;
    if (vz_ct_load(ctid, &ct, err) < 0)
        return -1;
    int rc = vz_rt_caps(&ct.conf, &x->keep_sys_admin, &x->caps_off, err);
    if (rc == 0 && with_filter)
        rc = vz_seccomp_prepare(&ct.conf, &x->seccomp, err);
    vz_ct_release(&ct);
    if (rc < 0)
        return vz_error_wrap(err, "container %s", ctid);
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

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

static void release(struct joinctx *x)
{
    if (x->cg)
        vz_cgroup_free(x->cg);
    free(x->term);
    vz_seccomp_release(&x->seccomp);
    for (int i = 0; i < 3; i++)
        close_fd(&x->io.child[i]);
    close_fd(&x->io.sock[0]);
    close_fd(&x->io.sock[1]);
}

int vz_ct_joinable(const char *ctid, vz_error_t *err)
{
    if (vz_ctid_check(ctid, err) < 0)
        return -1;
    struct joinctx x;
    int r = prepare(ctid, &x, 0, err);
    release(&x);
    return r;
}

/* ---- the caller's side of stdio: pipes, the pty master, the relay ---- */

static int fd_open(int fd)
{
    return fcntl(fd, F_GETFD) >= 0;
}

static int is_devnull(int fd)
{
    struct stat st;
    return fstat(fd, &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3);
}

/* stdout and stderr are the same file (2>&1, or both a log): the command
 * gets one pipe for both, so their lines keep the order it wrote them in. */
static int same_file(int a, int b)
{
    struct stat sa, sb;
    return fstat(a, &sa) == 0 && fstat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* Make the pipes of the non-pty slots and the streams that serve them. */
static int plan_pipes(struct stdio_plan *io, struct vz_relay_stream *st, int *nst, vz_error_t *err)
{
    int p[2];
    if (!(io->pty_slots & 1)) {
        if (pipe2(p, O_CLOEXEC) < 0)
            return vz_error_sys(err, "pipe");
        io->child[0] = p[0];
        if (is_devnull(0)) {
            close(p[1]); /* the command reads EOF at once */
        } else {
            struct vz_relay_stream in = { .src = 0, .dst = p[1], .flags = VZ_RELAY_OWN_DST | VZ_RELAY_INPUT,
                                          .peek = -1 };
            /* A file: what the command leaves unread is given back. (Holding
             * a read end costs the command nothing: EOF comes from the
             * write end's closing.) */
            if (lseek(0, 0, SEEK_CUR) >= 0 && (in.peek = fcntl(p[0], F_DUPFD_CLOEXEC, 3)) >= 0)
                in.flags |= VZ_RELAY_GIVE_BACK;
            st[(*nst)++] = in;
        }
    }
    for (int fd = 1; fd <= 2; fd++) {
        if (io->pty_slots & (1 << fd))
            continue;
        if (fd == 2 && !(io->pty_slots & 2) && same_file(1, 2)) {
            io->child[2] = fcntl(io->child[1], F_DUPFD_CLOEXEC, 3);
            if (io->child[2] < 0)
                return vz_error_sys(err, "dup");
            continue;
        }
        if (pipe2(p, O_CLOEXEC) < 0)
            return vz_error_sys(err, "pipe");
        io->child[fd] = p[1];
        st[(*nst)++] = (struct vz_relay_stream){ .src = p[0], .dst = fd, .flags = VZ_RELAY_OWN_SRC,
                                                 .peek = -1 };
    }
    return 0;
}

/* The caller's terminal the pty's output goes to. */
static int tty_out(const struct stdio_plan *io)
{
    if (io->pty_slots & 2)
        return 1;
    if (io->pty_slots & 4)
        return 2;
    int fl = fcntl(0, F_GETFL); /* only stdin is a terminal: echo goes back to it */
    return fl >= 0 && (fl & O_ACCMODE) != O_RDONLY ? 0 : -1;
}

static int recv_fd(int sock)
{
    char byte;
    struct iovec iov = { &byte, 1 };
    union {
        struct cmsghdr h;
        char b[CMSG_SPACE(sizeof(int))];
    } c;
    struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = c.b, .msg_controllen = sizeof(c.b) };
    ssize_t r;
    while ((r = recvmsg(sock, &m, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR)
        ;
    struct cmsghdr *h = r > 0 ? CMSG_FIRSTHDR(&m) : NULL;
    if (!h || h->cmsg_type != SCM_RIGHTS || h->cmsg_len != CMSG_LEN(sizeof(int)))
        return -1;
    int fd;
    memcpy(&fd, CMSG_DATA(h), sizeof(fd));
    return fd;
}

static int send_fd(int sock, int fd)
{
    char byte = 0;
    struct iovec iov = { &byte, 1 };
    union {
        struct cmsghdr h;
        char b[CMSG_SPACE(sizeof(int))];
    } c;
    memset(&c, 0, sizeof(c));
    struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = c.b, .msg_controllen = sizeof(c.b) };
    struct cmsghdr *h = CMSG_FIRSTHDR(&m);
    h->cmsg_level = SOL_SOCKET;
    h->cmsg_type = SCM_RIGHTS;
    h->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(h), &fd, sizeof(fd));
    return sendmsg(sock, &m, MSG_NOSIGNAL) == 1 ? 0 : -1;
}

/* ---- the joiner ---- */

/* The container's shell cannot run: exit VZ_EBROKENCT, as vzctl does; the
 * joiner passes the status up (run_joined). */
static void shell_missing(int errfd, const char *sh) __attribute__((noreturn));
static void shell_missing(int errfd, const char *sh)
{
    vz_child_fail_status(errfd, VZ_EBROKENCT, errno, "broken container: no %s", sh);
    _exit(VZ_EBROKENCT);
}

static void fail(int errfd, const char *what) __attribute__((noreturn));
static void fail(int errfd, const char *what)
{
    vz_child_fail(errfd, errno, "%s", what);
    _exit(127);
}

/* In the joiner: stdio first (only our pipes, or placeholders for the pty
 * slots, reach slots 0-2: the caller's own descriptors are closed with
 * everything else), then the container's cgroup, namespaces and user
 * namespace. Returns the error pipe's new fd (3); the socket for the pty
 * master, if any, is 4. */
static int join(const struct joinctx *x, int errfd)
{
    const struct stdio_plan *io = &x->io;
    int fds[5] = { io->child[0], io->child[1], io->child[2], errfd, io->sock[1] };
    for (int i = 0; i < 3; i++)
        if (fds[i] < 0) /* a pty slot: held by the socket until the slave replaces it */
            fds[i] = io->sock[1];
    if (vz_ns_arrange_fds(fds, io->sock[1] >= 0 ? 5 : 4) < 0)
        _exit(127);
    errfd = 3;
    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    vz_error_t e = NULL;
    int userns = -1;
    if (vz_userns_open(x->init, &userns, &e) < 0 || (x->in_group != 1 && vz_cgroup_enter_self(x->cg, x->in_group == 2, &e) < 0) ||
        vz_ns_enter(x->init, &e) < 0 || vz_userns_join(userns, &e) < 0) {
        vz_child_fail(errfd, e->errnum, "%s", e->msg);
        _exit(127);
    }
    return errfd;
}

/* In the joiner: a pty on the container's own devpts (its /dev/pts/ptmx,
 * the slave by TIOCGPTPEER: no path lookup in a tree the container
 * controls); the slave goes to the pty slots, the master to the caller.
 * The container's root may have replaced /dev/pts: only the ptmx node of
 * a devpts (char 5:2, reached through no symlink) is taken. */
static void open_pty(const struct stdio_plan *io, int errfd)
{
    /* We are still root with every capability here: no symlink on the way
     * (a /dev or /dev/pts the container replaced with one) is followed. */
    struct open_how how = { .flags = O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK, .resolve = RESOLVE_NO_SYMLINKS };
    int master = (int)syscall(SYS_openat2, AT_FDCWD, "/dev/pts/ptmx", &how, sizeof(how));
    if (master < 0 && errno == ENOSYS) /* before Linux 5.6 */
        master = open("/dev/pts/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    struct stat st;
    int unlock = 0;
    if (master >= 0 && (fstat(master, &st) < 0 || !S_ISCHR(st.st_mode) || st.st_rdev != makedev(5, 2))) {
        close(master);
        master = -1;
        errno = ENOTTY;
    }
    if (master < 0 || ioctl(master, TIOCSPTLCK, &unlock) < 0)
        fail(errfd, "open a pty in the container (/dev/pts/ptmx)");
    int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (slave < 0)
        fail(errfd, "open the pty's slave");
    if (io->have_tio)
        tcsetattr(slave, TCSANOW, &io->tio);
    if (io->have_ws)
        ioctl(slave, TIOCSWINSZ, &io->ws);
    if (send_fd(4, master) < 0)
        fail(errfd, "pass the pty to vzctl");
    close(master);
    close(4);
    for (int i = 0; i < 3; i++)
        if ((io->pty_slots & (1 << i)) && dup2(slave, i) < 0)
            fail(errfd, "make the pty the command's terminal");
    close(slave);
}

/* In the command, between fork and exec. */
static void exec_in(const struct joinctx *x, char *const argv[], int errfd)
{
    setsid();
    int tty = x->io.pty_slots & 1 ? 0 : x->io.pty_slots & 2 ? 1 : 2;
    if (x->io.pty_slots && ioctl(tty, TIOCSCTTY, 0) < 0)
        fail(errfd, "make the pty the command's controlling terminal");
    vz_ns_reset_signals();
    /* the filter before the capability drop: installing it needs
     * CAP_SYS_ADMIN of the user namespace (or no_new_privs, which would
     * break su and sudo inside) */
    if (vz_seccomp_install(&x->seccomp) < 0)
        fail(errfd, "install the seccomp filter");
    if (vz_ns_drop_caps(VZ_CAPS_CONTAINER, x->keep_sys_admin, x->caps_off) < 0)
        fail(errfd, "drop capabilities");
    /* Nothing but 0-2 survives the exec (errfd is close-on-exec already). */
    syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);
    char *env[] = { "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root",
                    x->term, "USER=root", "LOGNAME=root", NULL };
    if (!x->login)
        env[3] = NULL; /* exec: PATH, HOME and TERM only, as before */
    environ = env;
    if (x->login) {
        const char *sh = access("/bin/bash", X_OK) == 0 ? "/bin/bash" : "/bin/sh";
        char *largv[] = { strcmp(sh, "/bin/bash") == 0 ? "-bash" : "-sh", NULL };
        execve(sh, largv, env);
        shell_missing(errfd, "/bin/sh");
    }
    execvp(argv[0], argv);
    if (strcmp(argv[0], "/bin/sh") == 0)
        shell_missing(errfd, "/bin/sh");
    vz_child_fail(errfd, errno, "execute %s in the container", argv[0]);
    _exit(127);
}


static int wait_child(pid_t pid)
{
    int ws;
    while (waitpid(pid, &ws, 0) < 0)
        if (errno != EINTR)
            return 255;
    return vz_shell_status(ws);
}

/* The process signals are passed to: the joiner (in the caller), the
 * command (in the joiner). got_hangup: the caller was told to go. */
static volatile pid_t forward_to;
static volatile sig_atomic_t got_hangup;

static void forward_set(sigset_t *set)
{
    sigemptyset(set);
    sigaddset(set, SIGINT);
    sigaddset(set, SIGQUIT);
    sigaddset(set, SIGTERM);
    sigaddset(set, SIGHUP);
}

static void forward(int sig)
{
    pid_t p = forward_to;
    if (sig == SIGTERM || sig == SIGHUP)
        got_hangup = 1;
    if (p > 0)
        kill(p, sig);
}

/* The joiner's life after join(): the command runs in a session of its
 * own, so the caller's terminal is never its controlling terminal and
 * nothing in the container can push input into the admin's shell
 * (TIOCSTI) or take its job control; signals are passed on instead. */
static void joiner_main(const struct joinctx *x, char *const argv[], int errfd) __attribute__((noreturn));
static void joiner_main(const struct joinctx *x, char *const argv[], int errfd)
{
    if (x->io.pty_slots)
        open_pty(&x->io, errfd);
    struct sigaction fwd = { .sa_handler = forward };
    forward_to = 0;
    sigaction(SIGINT, &fwd, NULL);
    sigaction(SIGQUIT, &fwd, NULL);
    sigaction(SIGTERM, &fwd, NULL);
    sigaction(SIGHUP, &fwd, NULL);
    /* blocked from the fork until forward_to names the command: a signal
     * in between is delivered then, not lost (exec_in unblocks) */
    sigset_t fwdset;
    forward_set(&fwdset);
    sigprocmask(SIG_BLOCK, &fwdset, NULL);
    pid_t pid = fork();
    if (pid < 0)
        fail(errfd, "fork");
    if (pid == 0)
        exec_in(x, argv, errfd);
    forward_to = pid;
    /* (run_joined blocked them before forking us: unblock, not restore) */
    sigprocmask(SIG_UNBLOCK, &fwdset, NULL);
    /* Only the command holds its ends now: EOF and EPIPE reach the relay
     * as soon as it (and whatever inherited them) is gone. */
    close(0);
    close(1);
    close(2);
    close(errfd);
    _exit(wait_child(pid));
}

/* ---- the caller ---- */

/* fork() the joiner, born in the container's cgroup where the hierarchy
 * allows it (v2: CLONE_INTO_CGROUP; no migration, whose lock costs the
 * next start or exec a grace period), else join() moves it there. On v2 a
 * container whose systemd made its group an inner node gets the joiner in
 * the group its init is in (vz_cgroup_open_fd). On a hybrid host it is born
 * in the cgroup2 group and join() moves it into the v1 ones ("tasks": no
 * grace period either). */
static pid_t fork_joiner(struct joinctx *x)
{
    x->in_group = 0;
    int hybrid = 0;
    cleanup_close int fd = vz_cgroup_open_fd(x->cg, x->init);
    if (fd < 0 && (fd = vz_cgroup_open_unified_fd(x->cg)) >= 0)
        hybrid = 1;
    if (fd >= 0) {
        vz_error_t e = NULL;
        pid_t pid = vz_ns_clone_into(0, fd, &e);
        if (pid >= 0) {
            x->in_group = hybrid ? 2 : 1;
            return pid;
        }
        vz_error_release(&e);
    }
    return fork();
}

/* fd is our controlling terminal and another process group has its
 * foreground (not so for a terminal that is not our controlling one: no
 * job control stops us there). */
static int background(int fd)
{
    pid_t fg = tcgetpgrp(fd);
    return fg > 0 && fg != getpgrp();
}

/* Decide the stdio plan and make its caller-side pieces. */
static int plan_make(struct joinctx *x, int login, vz_error_t *err)
{
    struct stdio_plan *io = &x->io;
    x->login = login;
    /* A terminal on stdin, with us in its foreground, means an
     * interactive command: it gets a pty of the container's for stdin and
     * for each of stdout/stderr that is a terminal too (the others stay
     * pipes, so `vzctl exec CT ls > f` writes f without carriage returns).
     * In the background (`vzctl exec CT cmd &`) we would be stopped making
     * the terminal raw: pipes then, as for a script. enter always has a pty. */
    if (login)
        io->pty_slots = 7;
    else if (isatty(0) && !background(0))
        io->pty_slots = 1 | (isatty(1) ? 2 : 0) | (isatty(2) ? 4 : 0);
    if (io->pty_slots) {
        io->have_tio = isatty(0) && tcgetattr(0, &io->tio) == 0;
        io->have_ws = ioctl(isatty(0) ? 0 : 1, TIOCGWINSZ, &io->ws) == 0;
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, io->sock) < 0)
            return vz_error_sys(err, "socketpair");
    }
    return 0;
}

static int pidfd_of(pid_t pid)
{
    return (int)syscall(SYS_pidfd_open, pid, 0);
}

static void close_streams(struct vz_relay_stream *st, int nst)
{
    for (int i = 0; i < nst; i++) {
        if ((st[i].flags & VZ_RELAY_OWN_SRC) && st[i].src >= 0)
            close(st[i].src);
        if ((st[i].flags & VZ_RELAY_OWN_DST) && st[i].dst >= 0)
            close(st[i].dst);
        if ((st[i].flags & VZ_RELAY_GIVE_BACK) && st[i].peek >= 0)
            close(st[i].peek);
    }
}

/* Relay until the joiner (and so the command) is gone. */
static int relay(struct joinctx *x, pid_t pid, struct vz_relay_stream *st, int nst, vz_error_t *err)
{
    struct stdio_plan *io = &x->io;
    int master = -1, raw = 0;
    struct termios saved;
    if (io->pty_slots) {
        master = recv_fd(io->sock[0]);
        close_fd(&io->sock[0]);
        int out = master < 0 ? -1 : fcntl(master, F_DUPFD_CLOEXEC, 3); /* each stream owns its own descriptor */
        if (out < 0) {
            int e = errno;
            close_streams(st, nst);
            if (master >= 0)
                close(master);
            errno = e;
            return vz_error_sys(err, "receive the pty from the container");
        }
        int in = !is_devnull(0); /* else: ^D at once, as at the end of piped input */
        st[nst++] = (struct vz_relay_stream){ .src = in ? 0 : -1, .dst = master,
                                              .flags = VZ_RELAY_OWN_DST | VZ_RELAY_INPUT | VZ_RELAY_EOT_AT_EOF,
                                              .peek = -1 };
        st[nst++] = (struct vz_relay_stream){ .src = out, .dst = tty_out(io),
                                              .flags = VZ_RELAY_OWN_SRC | VZ_RELAY_HANGUP, .peek = -1 };
        raw = isatty(0) && vz_tty_raw(0, &saved) == 0;
    }
    int pidfd = pidfd_of(pid);
    if (pidfd < 0) {
        int e = errno;
        close_streams(st, nst);
        if (raw)
            vz_tty_restore(0, &saved);
        errno = e;
        return vz_error_sys(err, "pidfd_open");
    }
    struct vz_relay_opts o = { .pidfd = pidfd, .winch_from = isatty(0) ? 0 : -1, .winch_to = master,
                               .hangup = io->pty_slots ? &got_hangup : NULL };
    int rc = vz_relay_run(st, nst, &o);
    close(pidfd);
    if (raw)
        vz_tty_restore(0, &saved);
    if (rc < 0)
        return vz_error_sys(err, "relay the command's input and output");
    return 0;
}

/* Run a command (argv, or enter's login shell) in a joiner; relay its
 * stdio; wait; *status = its exit status. */
static int run_joined(const char *ctid, struct joinctx *x, char *const argv[], int *status, vz_error_t *err)
{
    struct vz_relay_stream st[5];
    int nst = 0;
    int errp[2];
    if (plan_pipes(&x->io, st, &nst, err) < 0 || (pipe2(errp, O_CLOEXEC) < 0 && vz_error_sys(err, "pipe"))) {
        close_streams(st, nst);
        return -1;
    }
    /* Terminal signals reach the joiner directly (same process group) and
     * it passes them on; TERM and HUP sent to us are passed to it. */
    struct sigaction ign = { .sa_handler = SIG_IGN }, fwd = { .sa_handler = forward }, old_int, old_quit,
                     old_term, old_hup;
    sigaction(SIGINT, &ign, &old_int);
    sigaction(SIGQUIT, &ign, &old_quit);
    fflush(NULL);
    forward_to = 0;
    got_hangup = 0;
    sigaction(SIGTERM, &fwd, &old_term);
    sigaction(SIGHUP, &fwd, &old_hup);
    /* blocked until forward_to names the joiner (which keeps them blocked
     * until it knows the command: joiner_main) */
    sigset_t fwdset, oldset;
    forward_set(&fwdset);
    sigprocmask(SIG_BLOCK, &fwdset, &oldset);
    pid_t pid = fork_joiner(x);
    if (pid == 0) {
        close(errp[0]);
        joiner_main(x, argv, join(x, errp[1]));
    }
    close(errp[1]);
    for (int i = 0; i < 3; i++)
        close_fd(&x->io.child[i]);
    close_fd(&x->io.sock[1]);
    forward_to = pid > 0 ? pid : 0;
    sigprocmask(SIG_SETMASK, &oldset, NULL);
    int rc = 0;
    if (pid < 0) {
        rc = vz_error_sys(err, "fork");
        close_streams(st, nst);
    } else {
        vz_error_t e = NULL;
        vz_child_error_read(errp[0], VZ_EFAIL, &e);
        if (e) {
            close_streams(st, nst);
            wait_child(pid);
            *err = e;
            rc = vz_error_wrap(err, "container %s", ctid);
        } else {
            rc = relay(x, pid, st, nst, err);
            int s = wait_child(pid);
            if (rc == 0)
                *status = s;
        }
    }
    close(errp[0]);
    forward_to = 0;
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGQUIT, &old_quit, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    sigaction(SIGHUP, &old_hup, NULL);
    return rc;
}

static int run(const char *ctid, char *const argv[], int login, int *status, vz_error_t *err)
{
    /* A closed stdin, stdout or stderr would be taken by the first file we
     * open (a pipe of our own would pass for the caller's stdin): hold the
     * slot with /dev/null meanwhile, which the plan then treats as "no
     * input" and "discard". */
    int held[3] = { -1, -1, -1 };
    for (int i = 0; i < 3; i++)
        if (!fd_open(i))
            held[i] = open("/dev/null", O_RDWR); /* the lowest free slot: i */
    struct joinctx x;
    int rc = prepare(ctid, &x, 1, err);
    if (rc == 0)
        rc = plan_make(&x, login, err);
    if (rc == 0)
        rc = run_joined(ctid, &x, argv, status, err);
    release(&x);
    for (int i = 0; i < 3; i++)
        close_fd(&held[i]);
    return rc;
}

int vz_ct_exec(const char *ctid, char *const argv[], int *status, vz_error_t *err)
{
    if (vz_ctid_check(ctid, err) < 0)
        return -1;
    if (!argv || !argv[0])
        return vz_error_set(err, VZ_EUSAGE, 0, "exec: no command given");
    return run(ctid, argv, 0, status, err);
}

int vz_ct_enter(const char *ctid, int *status, vz_error_t *err)
{
    if (vz_ctid_check(ctid, err) < 0)
        return -1;
    return run(ctid, NULL, 1, status, err);
}
