/* vpscore/cgroup-tune.h: the one host-wide cgroup setting vzforge may make.
 *
 * Moving a task between cgroups (vzctl start's init entering its v1 groups,
 * each vzctl exec on v1) takes the kernel's cgroup_threadgroup_rwsem for
 * writing. Unless the cgroup2 root carries the mount option
 * "favordynmods", that write lock first waits for an RCU grace period:
 * 9.7 ms a migration at load 7 on this project's build host (HZ=250),
 * 0.03 ms when it is quiet (docs/runtime.md; phases.sh prints the state). The option is
 * the kernel's own remedy (Documentation/admin-guide/cgroup-v2.rst): it
 * makes forks and exits a little dearer and migrations cheap. It is global
 * to the host (one cgroup2 root), so vzforge sets it only when vz.conf asks
 * (CGROUP_FAVORDYNMODS="yes", or "auto": only where the cgroup root is v1,
 * hybrid included; docs/runtime.md). A v2 root needs it least: start and
 * exec there clone straight into the group (CLONE_INTO_CGROUP) and migrate
 * nothing.
 */
#ifndef VZ_VPSCORE_CGROUP_TUNE_H
#define VZ_VPSCORE_CGROUP_TUNE_H

#include "common/error.h"

/* The host's cgroup2 mount, as mountinfo lists it: its mount point and its
 * super-block options (without rw/ro). 1 found, 0 no cgroup2 mount (a pure
 * v1 host), -1 error. */
int vz_cgroup2_mount(char **mnt, char **super, vz_error_t *err);

/* 1 when the host's cgroup2 root has favordynmods, 0 when it has not or
 * there is no cgroup2 mount. */
int vz_cgroup_favors_dynmods(void);

/* Set (on != 0) or clear favordynmods on the cgroup2 root, keeping every
 * other super-block option (nsdelegate, memory_recursiveprot, ... which a
 * plain remount would drop). 0 done or already so; -1 with err naming the
 * mount point (VZ_ESYSTEM; a host without a cgroup2 mount: ENOENT). */
int vz_cgroup_set_favor_dynmods(int on, vz_error_t *err);

/* What start calls: when vz.conf has CGROUP_FAVORDYNMODS="yes" (or "auto"
 * on a host whose cgroup root is v1) and $VZ_CGROUP_ROOT is unset (tests with a fake tree never touch the
 * host), make sure the option is on. A failure is a warning, never a failed
 * start: the setting only changes how fast migrations are. */
void vz_cgroup_tune_host(void);

#endif
