/* vpscore/ns.c: clone into namespaces, child-side helpers, capabilities. */
#include "vpscore/ns.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

pid_t vz_ns_clone(unsigned long flags, vz_error_t *err)
{
    /* Stack NULL: fork semantics (the child runs on a copy of our stack). */
    long pid = syscall(SYS_clone, flags | SIGCHLD, NULL, NULL, NULL, NULL);
    if (pid < 0)
        return vz_error_sys(err, "clone into new namespaces");
    return (pid_t)pid;
}

/* <linux/sched.h>'s struct clone_args up to "cgroup" (CLONE_ARGS_SIZE_VER2) */
struct vz_clone_args {
    uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
    uint64_t set_tid, set_tid_size, cgroup;
};
#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif

pid_t vz_ns_clone_into(unsigned long flags, int cgroup_fd, vz_error_t *err)
{
    struct vz_clone_args a = { 0 };
    a.flags = (uint64_t)flags | CLONE_INTO_CGROUP;
    a.exit_signal = SIGCHLD;
    a.cgroup = (uint64_t)cgroup_fd;
    /* stack 0: fork semantics, as vz_ns_clone */
    long pid = syscall(SYS_clone3, &a, sizeof(a));
    if (pid < 0)
        return vz_error_sys(err, "clone3 into a cgroup and new namespaces");
    return (pid_t)pid;
}

int vz_ns_child_guard(int alive_fd)
{
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
        return -1;
    /* The parent may have died before prctl: then every write end is closed. */
    struct pollfd p = { alive_fd, POLLIN, 0 };
    if (poll(&p, 1, 0) > 0 && (p.revents & (POLLHUP | POLLIN | POLLERR))) {
        errno = ESRCH;
        return -1;
    }
    return 0;
}

void vz_ns_close_from(int from)
{
    if (syscall(SYS_close_range, (unsigned)from, ~0U, 0) == 0)
        return;
    for (int fd = from; fd < 65536; fd++)
        close(fd);
}

int vz_ns_arrange_fds(const int *fds, int n)
{
    int high[16];
    if (n > 16) {
        errno = EINVAL;
        return -1;
    }
    /* First move everything out of the way, above any target slot. */
    for (int i = 0; i < n; i++) {
        high[i] = -1;
        if (fds[i] < 0)
            continue;
        high[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, 64);
        if (high[i] < 0)
            return -1;
    }
    for (int i = 0; i < n; i++) {
        if (high[i] < 0)
            continue;
        if (dup2(high[i], i) < 0)
            return -1;
        if (i >= 3 && fcntl(i, F_SETFD, FD_CLOEXEC) < 0)
            return -1;
    }
    vz_ns_close_from(n);
    return 0;
}

void vz_ns_reset_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = SIG_DFL;
    for (int s = 1; s < NSIG; s++)
        sigaction(s, &sa, NULL); /* fails harmlessly for KILL/STOP/internal */
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
}

/* What an OpenVZ container never had, plus what would let root in a
 * namespace without a user namespace reach the host (docs/runtime.md). */
static const int drop_always[] = {
    CAP_SYS_MODULE,    CAP_SYS_RAWIO,      CAP_SYS_TIME,        CAP_SYS_BOOT,
    CAP_SYS_PTRACE,    CAP_MKNOD,          CAP_DAC_READ_SEARCH, CAP_MAC_ADMIN,
    CAP_MAC_OVERRIDE,  CAP_SYSLOG,         CAP_SYS_PACCT,       CAP_WAKE_ALARM,
    CAP_BLOCK_SUSPEND, CAP_AUDIT_CONTROL,  CAP_SYS_TTY_CONFIG,  CAP_SYS_RESOURCE,
#ifdef CAP_AUDIT_READ
    CAP_AUDIT_READ,
#endif
#ifdef CAP_PERFMON
    CAP_PERFMON,
#endif
#ifdef CAP_BPF
    CAP_BPF,
#endif
#ifdef CAP_CHECKPOINT_RESTORE
    CAP_CHECKPOINT_RESTORE,
#endif
};

static int cap_last(void)
{
    int fd = open("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return CAP_LAST_CAP;
    char b[16] = { 0 };
    ssize_t n = read(fd, b, sizeof(b) - 1);
    close(fd);
    int v = n > 0 ? atoi(b) : 0;
    return v > 0 && v < 64 ? v : CAP_LAST_CAP;
}

int vz_ns_cap_always_dropped(int cap)
{
    for (size_t i = 0; i < VZ_ARRAY_SIZE(drop_always); i++)
        if (drop_always[i] == cap)
            return 1;
    return cap == CAP_SYS_ADMIN;
}

int vz_ns_drop_caps(enum vz_cap_profile profile, int keep_sys_admin, uint64_t also_drop)
{
    uint64_t drop = also_drop;
    for (size_t i = 0; i < VZ_ARRAY_SIZE(drop_always); i++)
        drop |= 1ULL << drop_always[i];
    if (profile == VZ_CAPS_SANDBOX || !keep_sys_admin)
        drop |= 1ULL << CAP_SYS_ADMIN;
    int last = cap_last();
    for (int c = last + 1; c < 64; c++)
        drop &= ~(1ULL << c);

    for (int c = 0; c <= last; c++)
        if ((drop & (1ULL << c)) && prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
            return -1;
    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);

    struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct d[2];
    if (syscall(SYS_capget, &h, d) < 0)
        return -1;
    uint64_t eff = ((uint64_t)d[1].effective << 32) | d[0].effective;
    uint64_t prm = ((uint64_t)d[1].permitted << 32) | d[0].permitted;
    uint64_t inh = ((uint64_t)d[1].inheritable << 32) | d[0].inheritable;
    eff &= ~drop;
    prm &= ~drop;
    inh &= ~drop;
    d[0].effective = (uint32_t)eff;
    d[1].effective = (uint32_t)(eff >> 32);
    d[0].permitted = (uint32_t)prm;
    d[1].permitted = (uint32_t)(prm >> 32);
    d[0].inheritable = (uint32_t)inh;
    d[1].inheritable = (uint32_t)(inh >> 32);
    if (syscall(SYS_capset, &h, d) < 0)
        return -1;
    if (profile == VZ_CAPS_SANDBOX && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        return -1;
    return 0;
}

int vz_ns_loopback_up(void)
{
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        return -1;
    struct ifreq ifr;
    memset(&ifr, 0, sizeof(ifr));
    memcpy(ifr.ifr_name, "lo", 3);
    int r = ioctl(s, SIOCGIFFLAGS, &ifr);
    if (r == 0) {
        ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
        r = ioctl(s, SIOCSIFFLAGS, &ifr);
    }
    int e = errno;
    close(s);
    errno = e;
    return r;
}

/* The record on the error pipe. */
struct child_err {
    int errnum;
    int status; /* 0: the reader's default */
    char msg[1016];
};

static void child_send(int errfd, int status, int errnum, const char *fmt, va_list ap)
{
    struct child_err rec;
    memset(&rec, 0, sizeof(rec));
    rec.errnum = errnum;
    rec.status = status;
    vsnprintf(rec.msg, sizeof(rec.msg), fmt, ap);
    if (errfd >= 0) {
        ssize_t w = write(errfd, &rec, sizeof(rec));
        (void)w;
    }
}

int vz_child_fail(int errfd, int errnum, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    child_send(errfd, 0, errnum, fmt, ap);
    va_end(ap);
    return -1;
}

int vz_child_fail_status(int errfd, int status, int errnum, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    child_send(errfd, status, errnum, fmt, ap);
    va_end(ap);
    return -1;
}

int vz_child_error_read(int fd, int status, vz_error_t *err)
{
    struct child_err rec;
    size_t got = 0;
    while (got < sizeof(rec)) {
        ssize_t r = read(fd, (char *)&rec + got, sizeof(rec) - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    if (got == 0)
        return 0;
    if (got < sizeof(rec))
        return vz_error_set(err, status, 0, "namespace child sent a truncated error report");
    rec.msg[sizeof(rec.msg) - 1] = '\0';
    return vz_error_set(err, rec.status > 0 ? rec.status : status, rec.errnum, "%s", rec.msg);
}

int vz_ns_enter(pid_t pid, vz_error_t *err)
{
    /* Open all first: after joining the mount namespace /proc may differ. */
    static const struct {
        const char *name;
        int type;
    } nss[] = {
        { "cgroup", CLONE_NEWCGROUP }, { "ipc", CLONE_NEWIPC }, { "uts", CLONE_NEWUTS },
        { "net", CLONE_NEWNET },       { "pid", CLONE_NEWPID }, { "mnt", CLONE_NEWNS },
    };
    int fds[VZ_ARRAY_SIZE(nss)];
    char path[64];
    for (size_t i = 0; i < VZ_ARRAY_SIZE(nss); i++) {
        snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, nss[i].name);
        fds[i] = open(path, O_RDONLY | O_CLOEXEC);
        if (fds[i] < 0) {
            int e = errno;
            for (size_t j = 0; j < i; j++)
                close(fds[j]);
            errno = e;
            return vz_error_sys(err, "open %s", path);
        }
    }
    snprintf(path, sizeof(path), "/proc/%d/root", (int)pid);
    cleanup_close int rootfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int rc = 0;
    for (size_t i = 0; i < VZ_ARRAY_SIZE(nss); i++) {
        if (rc == 0 && setns(fds[i], nss[i].type) < 0)
            rc = vz_error_sys(err, "join the %s namespace of process %d", nss[i].name, (int)pid);
        close(fds[i]);
    }
    if (rc < 0)
        return rc;
    if (rootfd < 0)
        return vz_error_sys(err, "open %s", path);
    if (fchdir(rootfd) < 0 || chroot(".") < 0 || chdir("/") < 0)
        return vz_error_sys(err, "change root to that of process %d", (int)pid);
    return 0;
}

unsigned long long vz_proc_starttime(pid_t pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    /* comm may contain spaces and parentheses: fields restart after the last ')'. */
    char *p = strrchr(buf, ')');
    if (!p || p[1] != ' ')
        return 0;
    p += 2;
    if (*p == 'Z' || *p == 'X')
        return 0;
    /* p is field 3 (state); starttime is field 22. */
    for (int field = 3; field < 22; field++) {
        p = strchr(p, ' ');
        if (!p)
            return 0;
        p++;
    }
    return strtoull(p, NULL, 10);
}
