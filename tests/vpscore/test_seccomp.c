/* The container's seccomp filter (vpscore/seccomp.h, docs/seccomp.md), for
 * real: a forked child installs it (as root: no no_new_privs needed) and
 * makes each system call; the errno it gets is sent back up a pipe.
 *
 * Many refused calls would fail without the filter too (this kernel has no
 * modules; root in a user namespace lacks the capability), so the default
 * errnos are not proof that a rule matched: `every_rule_matches_its_call`
 * gives every entry an errno no kernel path returns (EXFULL) and checks that
 * each call, native, i386 (int $0x80) and x32, reports it. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <linux/btrfs.h>
#include <linux/capability.h>
#include <linux/keyctl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/common.h"
#include "tests/lib/robust.h"
#include "vpscore/seccomp.h"

#ifndef __x86_64__
#error "these probes are written for x86_64 (the i386 and x32 ABIs of its kernel)"
#endif

#define X32 0x40000000L /* __X32_SYSCALL_BIT */

static int e(long r)
{
    return r < 0 ? errno : 0;
}

/* What an i386 probe returns on a kernel whose int $0x80 faults (ia32
 * emulation off, or a hypervisor without it: seen on some of these build
 * machines, kernel 6.18 with CONFIG_IA32_EMULATION=y). A 64-bit process
 * cannot reach the i386 table there, so the probe is not run; the guest of
 * make check-vm (Debian's kernel) runs them. */
enum { NOT_RUN = 100000 };
static int ia32 = -1; /* 1: int $0x80 reaches the i386 table here; 0: it faults */

/* Decided once, in the test process, before the probes' children fork. */
static void probe_ia32(void)
{
    if (ia32 >= 0)
        return;
    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        long r;
        __asm__ volatile("int $0x80" : "=a"(r) : "a"(20L) /* getpid */ : "memory");
        _exit(r == getpid() ? 0 : 1);
    }
    int st = 0;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    ia32 = WIFEXITED(st) && WEXITSTATUS(st) == 0;
    if (!ia32)
        fprintf(stderr, "vzt-note: int $0x80 faults on this kernel (status 0x%x): the i386 probes, "
                        "which use it, are not run here (make check-vm runs them in its guest)\n", st);
}

/* A system call through the i386 ABI from this 64-bit process: int $0x80
 * takes the i386 table's numbers and 32-bit arguments (ebx, ecx, edx). */
static int i386(long nr, long a, long b, long c)
{
    if (!ia32)
        return NOT_RUN;
    long r;
    __asm__ volatile("int $0x80" : "=a"(r) : "a"(nr), "b"(a), "c"(b), "d"(c) : "memory");
    return r < 0 && r > -4096 ? (int)-r : 0;
}

/* Harmless arguments: each call fails early (bad fd, bad flags, bad
 * pointer, out of range) even where the filter is missing. */
static int p_kexec_load(void) { return e(syscall(SYS_kexec_load, 0, 1000, NULL, 0x8000UL)); }
static int p_kexec_file_load(void) { return e(syscall(SYS_kexec_file_load, -1, -1, 0, NULL, 0x80000000UL)); }
static int p_init_module(void) { return e(syscall(SYS_init_module, NULL, 0, "")); }
static int p_finit_module(void) { return e(syscall(SYS_finit_module, -1, "", 0)); }
static int p_delete_module(void) { return e(syscall(SYS_delete_module, "vz-no-such-module", O_NONBLOCK)); }
static int p_open_by_handle_at(void) { return e(syscall(SYS_open_by_handle_at, -1, NULL, 0)); }
static int p_bpf(void) { return e(syscall(SYS_bpf, -1, NULL, 0)); }
static int p_perf_event_open(void) { return e(syscall(SYS_perf_event_open, NULL, 0, -1, -1, 0)); }
static int p_userfaultfd(void) { return e(syscall(SYS_userfaultfd, ~0)); }
static int p_keyctl(void) { return e(syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0)); }
static int p_add_key(void) { return e(syscall(SYS_add_key, NULL, NULL, NULL, 0, 0)); }
static int p_request_key(void) { return e(syscall(SYS_request_key, NULL, NULL, NULL, 0)); }
static int p_io_uring_setup(void) { return e(syscall(SYS_io_uring_setup, 0, NULL)); }
static int p_io_uring_enter(void) { return e(syscall(SYS_io_uring_enter, -1, 0, 0, 0, NULL, 0)); }
static int p_io_uring_register(void) { return e(syscall(SYS_io_uring_register, -1, 0, NULL, 0)); }
static int p_lookup_dcookie(void) { return e(syscall(SYS_lookup_dcookie, 0, NULL, 0)); }
static int p_acct(void) { return e(syscall(SYS_acct, (char *)1)); }
static int p_swapon(void) { return e(syscall(SYS_swapon, (char *)1, 0)); }
static int p_swapoff(void) { return e(syscall(SYS_swapoff, (char *)1)); }
static int p_iopl(void) { return e(syscall(SYS_iopl, 4)); }
static int p_ioperm(void) { return e(syscall(SYS_ioperm, 0x10000, 1, 1)); }
static int p_quotactl(void) { return e(syscall(SYS_quotactl, 0, NULL, 0, NULL)); }
static int p_quotactl_fd(void) { return e(syscall(SYS_quotactl_fd, -1, 0, 0, NULL)); }
static int p_syslog(void) { return e(syscall(SYS_syslog, 10 /* SIZE_BUFFER */, NULL, 0)); }
static int p_uselib(void) { return e(syscall(SYS_uselib, (char *)1)); }
static int p_nfsservctl(void) { return e(syscall(SYS_nfsservctl, 0, NULL, NULL)); }
static int p_umount2_force(void) { return e(syscall(SYS_umount2, "/vz-no-such-dir", MNT_FORCE)); }
static int p_pers_no_aslr(void) { return e(syscall(SYS_personality, ADDR_NO_RANDOMIZE)); }
/* the kernel reads an unsigned int: garbage above bit 31 must not help */
static int p_pers_high_bits(void) { return e(syscall(SYS_personality, 0xffffffff00000000UL | ADDR_NO_RANDOMIZE)); }
static int p_pers_svr4(void) { return e(syscall(SYS_personality, PER_SVR4)); }
static int p_pers_all_but_one(void) { return e(syscall(SYS_personality, 0xfffffffeUL)); }
static int p_pers_top_clear(void) { return e(syscall(SYS_personality, 0x7fffffffUL)); }
static int p_i386_keyctl(void) { return i386(288, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0); }
static int p_i386_init_module(void) { return i386(128, 0, 0, 0); }
static int p_i386_bpf(void) { return i386(357, -1, 0, 0); }
static int p_i386_vm86old(void) { return i386(113, 0, 0, 0); }
static int p_i386_vm86(void) { return i386(166, 0, 0, 0); }
static int p_i386_io_uring_setup(void) { return i386(425, 0, 0, 0); }
static int p_i386_personality(void) { return i386(136, ADDR_NO_RANDOMIZE, 0, 0); }
static int p_x32_init_module(void) { return e(syscall(X32 | SYS_init_module, NULL, 0, "")); }
static int p_x32_keyctl(void) { return e(syscall(X32 | SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0)); }

/* Calls the container and the runtime need (systemd 252 boots with the new
 * mount API; start.c drops capabilities and execs after installing). */
static int p_getpid(void) { return e(syscall(SYS_getpid)); }
static int p_getppid(void) { return e(syscall(SYS_getppid)); }
static int p_pers_query(void) { return e(syscall(SYS_personality, 0xffffffffUL)); }
static int p_pers_linux(void) { return e(syscall(SYS_personality, PER_LINUX)); }
static int p_pers_linux32(void)
{
    int r = e(syscall(SYS_personality, PER_LINUX32 | UNAME26));
    syscall(SYS_personality, PER_LINUX);
    return r;
}
static int p_i386_getpid(void) { return i386(20, 0, 0, 0); }
static int p_i386_pers_query(void) { return i386(136, 0xffffffffL, 0, 0); }
static int p_mount_setattr(void) { return e(syscall(SYS_mount_setattr, -1, "", 0, NULL, 0)); }
static int p_open_tree(void) { return e(syscall(SYS_open_tree, -1, "/vz-no-such-dir", 0)); }
static int p_move_mount(void) { return e(syscall(SYS_move_mount, -1, "", -1, "", 0)); }
static int p_fsopen(void) { return e(syscall(SYS_fsopen, "vz-no-such-fs", 0)); }
static int p_umount2(void) { return e(syscall(SYS_umount2, "/vz-no-such-dir", 0)); }
static int p_ptrace_child(void)
{
    pid_t pid = fork();
    if (pid == 0) {
        pause();
        _exit(0);
    }
    int r = e(ptrace(PTRACE_SEIZE, pid, NULL, NULL));
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    return r;
}
static int p_drop_caps_and_exec(void)
{
    pid_t pid = fork();
    if (pid == 0) {
        struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
        struct __user_cap_data_struct d[2] = { { 0 } };
        if (prctl(PR_CAPBSET_DROP, CAP_SYS_MODULE, 0, 0, 0) < 0 || syscall(SYS_capset, &h, d) < 0)
            _exit(100 + errno);
        execl("/bin/true", "true", (char *)NULL);
        _exit(100 + errno);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 255;
}

/* fd -1: the kernel would say EBADF; the filter answers first */
static int p_btrfs_subvol_create(void)
{
    struct btrfs_ioctl_vol_args a;
    memset(&a, 0, sizeof(a));
    return e(ioctl(-1, BTRFS_IOC_SUBVOL_CREATE, &a));
}
static int p_btrfs_snap_create_v2(void)
{
    struct btrfs_ioctl_vol_args_v2 a;
    memset(&a, 0, sizeof(a));
    return e(ioctl(-1, BTRFS_IOC_SNAP_CREATE_V2, &a));
}
/* the high half of the request is not the kernel's: still refused */
static int p_btrfs_subvol_create_high(void)
{
    struct btrfs_ioctl_vol_args a;
    memset(&a, 0, sizeof(a));
    return e((int)syscall(SYS_ioctl, -1, 0xabcd000000000000ul | BTRFS_IOC_SUBVOL_CREATE, &a));
}
static int p_ioctl_other(void) { return e(ioctl(-1, FIONREAD, NULL)); }

struct probe {
    const char *what;
    int (*fn)(void);
    int want; /* default profile: errno, or 0 = allowed */
};

#define P(name, want) { #name, p_##name, want }
static const struct probe denied[] = {
    P(kexec_load, EPERM), P(kexec_file_load, EPERM), P(init_module, EPERM), P(finit_module, EPERM),
    P(delete_module, EPERM), P(open_by_handle_at, EPERM), P(bpf, EPERM), P(perf_event_open, EPERM),
    P(userfaultfd, EPERM), P(keyctl, ENOSYS), P(add_key, ENOSYS), P(request_key, ENOSYS),
    P(io_uring_setup, ENOSYS), P(io_uring_enter, ENOSYS), P(io_uring_register, ENOSYS),
    P(lookup_dcookie, EPERM), P(acct, EPERM), P(swapon, EPERM), P(swapoff, EPERM), P(iopl, EPERM),
    P(ioperm, EPERM), P(quotactl, EPERM), P(quotactl_fd, EPERM), P(syslog, EPERM), P(uselib, EPERM),
    P(nfsservctl, ENOSYS), P(umount2_force, EPERM), P(pers_no_aslr, EPERM), P(pers_high_bits, EPERM),
    P(pers_svr4, EPERM), P(pers_all_but_one, EPERM), P(pers_top_clear, EPERM), P(i386_keyctl, ENOSYS),
    P(i386_init_module, EPERM), P(i386_bpf, EPERM), P(i386_vm86old, EPERM), P(i386_vm86, EPERM),
    P(i386_io_uring_setup, ENOSYS), P(i386_personality, EPERM), P(x32_init_module, EPERM),
    P(x32_keyctl, ENOSYS), P(btrfs_subvol_create, EPERM), P(btrfs_snap_create_v2, EPERM),
    P(btrfs_subvol_create_high, EPERM),
};
static const struct probe allowed[] = {
    P(getpid, 0), P(getppid, 0), P(pers_query, 0), P(pers_linux, 0), P(pers_linux32, 0),
    P(i386_getpid, 0), P(i386_pers_query, 0), P(ptrace_child, 0), P(drop_caps_and_exec, 0),
};
/* allowed calls that fail on their harmless arguments: any errno but the
 * filter's */
static const struct probe reach_kernel[] = {
    P(mount_setattr, 0), P(open_tree, 0), P(move_mount, 0), P(fsopen, 0), P(umount2, 0),
    P(ioctl_other, 0),
};
#undef P

enum { INSTALL_FAILED = -1000 };

/* Fork; the child runs setup (if any), installs s, runs each probe and
 * writes its errno to a pipe. res[i] = INSTALL_FAILED - errno when the
 * install failed. */
static void run(const struct vz_seccomp *s, void (*setup)(void), const struct probe *p, size_t n, int *res)
{
    probe_ia32();
    int fds[2];
    cr_assert_eq(pipe(fds), 0);
    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        close(fds[0]);
        if (setup)
            setup();
        int r[64];
        if (vz_seccomp_install(s) < 0) {
            for (size_t i = 0; i < n; i++)
                r[i] = INSTALL_FAILED - errno;
        } else {
            for (size_t i = 0; i < n; i++)
                r[i] = p[i].fn();
        }
        _exit(write(fds[1], r, n * sizeof(int)) == (ssize_t)(n * sizeof(int)) ? 0 : 1);
    }
    close(fds[1]);
    cr_assert_leq(n, 64);
    ssize_t got = read(fds[0], res, n * sizeof(int));
    close(fds[0]);
    int st = 0;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "probe child: status 0x%x (killed by the filter?)", st);
    cr_assert_eq(got, (ssize_t)(n * sizeof(int)));
    cr_assert_gt(res[0], INSTALL_FAILED, "install failed: %s", strerror(INSTALL_FAILED - res[0]));
}

static void prepare(struct vz_seccomp *s, const char *mode, const char *allow, const char *deny)
{
    struct vz_conf c;
    vz_conf_init(&c, "/nonexistent/101.conf");
    if (mode)
        vz_conf_set(&c, "SECCOMP", mode);
    if (allow)
        vz_conf_set(&c, "SECCOMP_ALLOW", allow);
    if (deny)
        vz_conf_set(&c, "SECCOMP_DENY", deny);
    vz_error_t err = NULL;
    int rc = vz_seccomp_prepare(&c, s, &err);
    vz_conf_release(&c);
    cr_assert_eq(rc, 0, "prepare: %s", err ? err->msg : "");
}

static void check(const struct probe *p, size_t n, const int *res, const int *control)
{
    for (size_t i = 0; i < n; i++) {
        if (res[i] == NOT_RUN && control[i] == NOT_RUN)
            continue;
        cr_expect_eq(res[i], p[i].want, "%s: got %s (%d), want %s; without the filter: %s", p[i].what,
                     res[i] ? strerrorname_np(res[i]) : "success", res[i],
                     p[i].want ? strerrorname_np(p[i].want) : "success",
                     control[i] ? strerrorname_np(control[i]) : "success");
    }
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

TestSuite(seccomp, .timeout = 60);

Test(seccomp, default_profile_refuses_each_entry_with_its_errno)
{
    struct vz_seccomp s, none = { 0 };
    prepare(&s, NULL, NULL, NULL);
    cr_assert_gt(s.len, 0);
    int res[N(denied)], control[N(denied)];
    run(&none, NULL, denied, N(denied), control);
    run(&s, NULL, denied, N(denied), res);
    check(denied, N(denied), res, control);
    vz_seccomp_release(&s);
}

Test(seccomp, default_profile_lets_the_container_work)
{
    struct vz_seccomp s, none = { 0 };
    prepare(&s, "default", NULL, NULL);
    int res[N(allowed)], control[N(allowed)];
    run(&none, NULL, allowed, N(allowed), control);
    run(&s, NULL, allowed, N(allowed), res);
    check(allowed, N(allowed), res, control);
    int r2[N(reach_kernel)];
    run(&s, NULL, reach_kernel, N(reach_kernel), r2);
    for (size_t i = 0; i < N(reach_kernel); i++) {
        cr_expect_neq(r2[i], ENOSYS, "%s: ENOSYS", reach_kernel[i].what);
        cr_expect_neq(r2[i], EPERM, "%s: EPERM", reach_kernel[i].what);
    }
    vz_seccomp_release(&s);
}

/* EXFULL for every entry: no kernel path of these calls returns it, so each
 * EXFULL seen is the filter's rule matching (on every ABI probed). */
Test(seccomp, every_rule_matches_its_call)
{
    size_t n;
    const struct vz_seccomp_entry *d = vz_seccomp_defaults(&n);
    struct vz_buf b = VZ_BUF_INIT;
    vz_buf_init(&b);
    for (size_t i = 0; i < n; i++)
        if (d[i].when == VZ_SECCOMP_ALWAYS)
            vz_buf_addf(&b, "%s:EXFULL ", d[i].name);
    struct vz_seccomp s;
    prepare(&s, NULL, NULL, b.data);
    vz_buf_release(&b);
    int res[N(denied)];
    run(&s, NULL, denied, N(denied), res);
    for (size_t i = 0; i < N(denied); i++) {
        if (res[i] == NOT_RUN)
            continue;
        if (strstr(denied[i].what, "pers") || strstr(denied[i].what, "umount2") || strstr(denied[i].what, "btrfs"))
            cr_expect_eq(res[i], EPERM, "%s: %d", denied[i].what, res[i]); /* conditional entries kept */
        else
            cr_expect_eq(res[i], EXFULL, "%s: got %s, not the filter's EXFULL", denied[i].what,
                         res[i] ? strerrorname_np(res[i]) : "success");
    }
    vz_seccomp_release(&s);
}

static void drop_all_caps(void)
{
    struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct d[2] = { { 0 } };
    if (syscall(SYS_capset, &h, d) < 0)
        _exit(3);
}

static void new_userns(void)
{
    if (unshare(CLONE_NEWUSER) < 0)
        _exit(4);
}

/* The container's init installs before dropping capabilities; without
 * CAP_SYS_ADMIN (and without no_new_privs, which it never sets) the kernel
 * says EACCES. In a fresh user namespace the capability is that namespace's,
 * which is enough: the case of a container with its own user namespace. */
Test(seccomp, install_needs_cap_sys_admin_in_its_user_namespace)
{
    struct vz_seccomp s;
    prepare(&s, NULL, NULL, NULL);
    static const struct probe keyctl[] = { { "keyctl", p_keyctl, ENOSYS } };
    int res[1];
    int fds[2];
    cr_assert_eq(pipe(fds), 0);
    pid_t pid = fork();
    if (pid == 0) {
        drop_all_caps();
        int r = vz_seccomp_install(&s) < 0 ? errno : 0;
        _exit(r == EACCES ? 0 : 10);
    }
    close(fds[0]);
    close(fds[1]);
    int st = 0;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "without CAP_SYS_ADMIN: status 0x%x, not EACCES", st);
    run(&s, new_userns, keyctl, 1, res);
    cr_assert_eq(res[0], ENOSYS, "keyctl in a user namespace: %d", res[0]);
    vz_seccomp_release(&s);
}

Test(seccomp, allow_removes_and_deny_adds)
{
    struct vz_seccomp s, none = { 0 };
    prepare(&s, NULL, "keyctl io_uring_setup,personality", "getppid:EXFULL mount_setattr bpf:ENOSYS vm86:61");
    static const struct probe p[] = {
        { "keyctl", p_keyctl, 0 },   { "io_uring_setup", p_io_uring_setup, 0 }, { "pers_no_aslr", p_pers_no_aslr, 0 },
        { "add_key", p_add_key, 0 }, { "getppid", p_getppid, EXFULL },          { "mount_setattr", p_mount_setattr, EPERM },
        { "bpf", p_bpf, ENOSYS },    { "i386_vm86", p_i386_vm86, 61 },           { "getpid", p_getpid, 0 },
    };
    int res[N(p)], control[N(p)];
    run(&none, NULL, p, N(p), control);
    run(&s, NULL, p, N(p), res);
    /* allowed again: whatever the kernel says without the filter */
    for (size_t i = 0; i < 3; i++)
        cr_expect_eq(res[i], control[i], "%s: %d, without the filter %d", p[i].what, res[i], control[i]);
    cr_expect_eq(res[3], ENOSYS, "add_key (not in SECCOMP_ALLOW) is still refused: %d", res[3]);
    for (size_t i = 4; i < N(p); i++)
        if (res[i] != NOT_RUN)
            cr_expect_eq(res[i], p[i].want, "%s: %d, want %d", p[i].what, res[i], p[i].want);
    vz_seccomp_release(&s);
}

static void expect_bad(const char *key, const char *value, const char *word)
{
    struct vz_conf c;
    vz_conf_init(&c, "/nonexistent/101.conf");
    vz_conf_set(&c, key, value);
    struct vz_seccomp s = { 0 };
    vz_error_t err = NULL;
    cr_assert_eq(vz_seccomp_prepare(&c, &s, &err), -1, "%s=\"%s\" accepted", key, value);
    vz_conf_release(&c);
    cr_assert_eq(err->status, VZ_EBADARG, "%s", err->msg);
    cr_expect_not_null(strstr(err->msg, key), "%s", err->msg);
    cr_expect_not_null(strstr(err->msg, word), "%s", err->msg);
    cr_assert_null(s.filter);
    cr_assert_eq(s.len, 0);
    vz_error_release(&err);
}

Test(seccomp, bad_words_are_errors_naming_key_and_word)
{
    expect_bad("SECCOMP", "strict", "strict");
    expect_bad("SECCOMP_ALLOW", "keyctl no_such_call", "no_such_call");
    expect_bad("SECCOMP_DENY", "getpid no_such_call:EPERM", "no_such_call");
    expect_bad("SECCOMP_DENY", "getpid:EWHAT", "EWHAT");
    expect_bad("SECCOMP_DENY", "getpid:0", "getpid:0");
    expect_bad("SECCOMP_DENY", "getpid:", "getpid:");
    expect_bad("SECCOMP_DENY", "getpid:4096", "4096");
}

Test(seccomp, unconfined_is_no_filter)
{
    struct vz_seccomp s = { (void *)1, 7 };
    prepare(&s, "unconfined", NULL, "getpid");
    cr_assert_eq(s.len, 0);
    cr_assert_null(s.filter);
    static const struct probe p[] = { { "keyctl", p_keyctl, 0 }, { "getpid", p_getpid, 0 } };
    int res[2];
    run(&s, NULL, p, 2, res);
    cr_assert_neq(res[0], ENOSYS, "keyctl refused without a filter");
    cr_assert_eq(res[1], 0);
    vz_seccomp_release(&s);
    vz_seccomp_release(&s); /* twice is safe */
}

Test(seccomp, every_default_entry_is_documented)
{
    const char *src = getenv("VZ_SRC");
    cr_assert_not_null(src, "VZ_SRC (the source tree) is not set: run through make check");
    cleanup_free char *path = vz_xasprintf("%s/docs/seccomp.md", src);
    cleanup_free char *doc = NULL;
    size_t len;
    vz_error_t err = NULL;
    cr_assert_eq(vz_read_file(path, &doc, &len, &err), 0, "%s", err ? err->msg : "");
    size_t n;
    const struct vz_seccomp_entry *d = vz_seccomp_defaults(&n);
    for (size_t i = 0; i < n; i++) {
        cleanup_free char *row = vz_xasprintf("| `%s` | %s |", d[i].name, strerrorname_np(d[i].errnum));
        cr_expect_not_null(strstr(doc, row), "docs/seccomp.md has no row starting %s", row);
    }
}

/* `vzctl set --seccomp`: writes SECCOMP with --save, refuses other values
 * (21) and a change without --save (2: the filter of a running container
 * cannot change), and the conf it writes is one prepare accepts. */
Test(seccomp, vzctl_set_seccomp_writes_the_key)
{
    char root[] = "/tmp/vzt-seccomp-XXXXXX";
    cr_assert_not_null(mkdtemp(root));
    setenv("VZ_ROOT", root, 1);
    cleanup_free char *dir = vz_xasprintf("%s/etc/vz/conf", root);
    cleanup_free char *priv = vz_xasprintf("%s/vz/private/101", root);
    vz_error_t err = NULL;
    cr_assert_eq(vz_mkdir_p(dir, 0755, &err), 0);
    cr_assert_eq(vz_mkdir_p(priv, 0755, &err), 0);
    cleanup_free char *path = vz_xasprintf("%s/101.conf", dir);
    struct vz_conf c;
    vz_conf_init(&c, path);
    vz_conf_set(&c, "VE_PRIVATE", priv);
    vz_conf_set(&c, "VE_LAYOUT", "plain");
    cr_assert_eq(vz_conf_save(&c, &err), 0);
    vz_conf_release(&c);
    vzr_init();
    struct vzr_res r;
    vzr_run(&r, "vzctl", (const char *[]){ "set", "101", "--seccomp", "unconfined", "--save", NULL });
    cr_expect_eq(r.code, 0, "%s", r.err);
    vzr_res_release(&r);
    vzr_run(&r, "vzctl", (const char *[]){ "set", "101", "--seccomp", "strict", "--save", NULL });
    cr_expect_eq(r.code, 21, "%s", r.err);
    cr_expect_not_null(strstr(r.err, "strict"), "%s", r.err);
    vzr_res_release(&r);
    vzr_run(&r, "vzctl", (const char *[]){ "set", "101", "--seccomp", "default", NULL });
    cr_expect_eq(r.code, 20, "%s", r.err);
    vzr_res_release(&r);
    cr_assert_eq(vz_conf_load(&c, path, &err), 0);
    cr_expect_str_eq(vz_conf_get(&c, "SECCOMP"), "unconfined");
    struct vz_seccomp s;
    cr_assert_eq(vz_seccomp_prepare(&c, &s, &err), 0);
    cr_expect_eq(s.len, 0);
    vz_conf_release(&c);
    cr_assert_eq(vz_rm_rf(root, &err), 0);
}
