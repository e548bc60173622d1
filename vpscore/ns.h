/* vpscore/ns.h: namespaces, the child side of clone, capabilities.
 *
 * Two kinds of code live here:
 *  - host side (normal vz_error_t contract): vz_ns_clone(), vz_ns_enter(),
 *    vz_child_error_read();
 *  - child side, run between clone() and exec(): these never allocate (the
 *    child of a raw clone() must not touch malloc when the caller has
 *    threads) and report failures through vz_child_fail(), which writes a
 *    fixed-size record to an error pipe that the parent turns into a
 *    vz_error_t.
 */
#ifndef VZ_VPSCORE_NS_H
#define VZ_VPSCORE_NS_H

#include <sched.h>
#include <sys/types.h>

#include "common/common.h"

/* The namespaces of a sandbox and of a container. */
#define VZ_NS_FLAGS (CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWCGROUP)

/* fork() with namespace flags: the child gets the new namespaces (it is pid 1
 * of the new pid namespace) and returns 0; the parent gets its pid. The
 * child has SIGCHLD as exit signal. Raw clone: glibc's atfork handlers do
 * not run, so the child must only use the child-side functions below, plain
 * system calls and snprintf until it execs. */
pid_t vz_ns_clone(unsigned long flags, vz_error_t *err);
/* The same, born in the cgroup v2 group cgroup_fd is open on (clone3 with
 * CLONE_INTO_CGROUP, Linux 5.7): no migration afterwards, so none of the
 * cost a move into a group has. flags must not hold CLONE_NEWCGROUP: a
 * cgroup namespace made by clone is rooted at the parent's group, not at
 * the one the child is born in; the child unshares its own instead. -1
 * with the kernel's errno (ENOSYS, E2BIG: too old) in err. */
pid_t vz_ns_clone_into(unsigned long flags, int cgroup_fd, vz_error_t *err);

/* Child side: die with SIGKILL when the parent dies, and die now if the
 * parent is already gone. alive_fd is the read end of a pipe whose write end
 * only the parent holds (the child must have closed its copy). */
int vz_ns_child_guard(int alive_fd);

/* Child side: close every fd >= from. */
void vz_ns_close_from(int from);

/* Child side: put fds into the slots 0..n-1 in order (target[i] = -1 leaves
 * slot i untouched), closing everything above n-1. Handles overlaps. The
 * slots >= 3 get FD_CLOEXEC. Returns -1 with errno on failure. */
int vz_ns_arrange_fds(const int *fds, int n);

/* Child side: reset all signal dispositions to default and unblock all. */
void vz_ns_reset_signals(void);

/* Capability sets. A profile lists the capabilities that are removed from
 * the bounding, effective, permitted, inheritable and ambient sets. */
enum vz_cap_profile {
    VZ_CAPS_SANDBOX,   /* builder scripts: also no CAP_SYS_ADMIN, no_new_privs */
    VZ_CAPS_CONTAINER, /* an OpenVZ-like container (docs/runtime.md) */
};
/* Child side. keep_sys_admin: vz_rt_caps (CAPABILITY, PRIVILEGED);
 * also_drop: bits (1 << CAP_X) removed as well (CAPABILITY="X:off"). */
int vz_ns_drop_caps(enum vz_cap_profile profile, int keep_sys_admin, uint64_t also_drop);
/* 1 for a capability no container keeps (docs/runtime.md), CAP_SYS_ADMIN
 * included (kept only as vz_rt_caps says). */
int vz_ns_cap_always_dropped(int cap);

/* Child side: bring the loopback interface of the current netns up. */
int vz_ns_loopback_up(void);

/* Child side: send a failure to the parent: "<message>" plus errnum. Never
 * allocates. Returns -1 so that callers can `return vz_child_fail(...)`. */
int vz_child_fail(int errfd, int errnum, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The same with the exit status the parent's error gets (e.g. VZ_EBROKENCT)
 * instead of the status it passes to vz_child_error_read(). */
int vz_child_fail_status(int errfd, int status, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Parent side: read the error pipe until EOF. Returns 0 when the child sent
 * nothing (it exec'd or exited cleanly), -1 with *err set from the record
 * (status `status`, or the record's own from vz_child_fail_status) when it
 * reported a failure. */
int vz_child_error_read(int fd, int status, vz_error_t *err);

/* Parent side: join the namespaces of pid (mnt, uts, ipc, net, cgroup, pid;
 * pid applies to the caller's children only) and chdir to its root. */
int vz_ns_enter(pid_t pid, vz_error_t *err);

/* Start time of a process (field 22 of /proc/PID/stat, clock ticks since
 * boot), 0 if it does not exist or is a zombie. Identifies a process across
 * pid reuse. */
unsigned long long vz_proc_starttime(pid_t pid);

#endif
