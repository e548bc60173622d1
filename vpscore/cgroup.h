/* vpscore/cgroup.h: a container's control group, cgroup v1 or v2.
 *
 * One group per container, named "vzforge/CTID" below the hierarchy root:
 *   v1: /sys/fs/cgroup/<hierarchy>/vzforge/CTID in EVERY hierarchy mounted
 *       directly below the root (from /proc/self/mountinfo): each controller
 *       mount (co-mounted ones such as cpu,cpuacct once), named ones such as
 *       name=systemd, and the hybrid cgroup2 mount ("unified") where there is
 *       one; a hierarchy left out would keep the container in the host's
 *       root group there. cpuset groups get cpuset.cpus/mems from their
 *       parent. A limit that needs a controller not mounted is an error;
 *   v2: /sys/fs/cgroup/vzforge/CTID, with +memory +cpu +pids enabled in the
 *       parents' cgroup.subtree_control;
 *   v2 with systemd as PID 1: /sys/fs/cgroup/vz.slice/vz-CTID.scope/ct, in
 *       a transient scope with Delegate=yes that systemd makes (through
 *       D-Bus) and stops; nothing is written outside the scope.
 * The version is detected at run time: the root is v2 when it is a cgroup2
 * file system (statfs magic), else v1. $VZ_CGROUP_ROOT overrides the root
 * (tests point it at a fake tree), $VZ_CGROUP_VERSION ("1"/"2") the version.
 *
 * Mapping of OpenVZ parameters (docs/containers.md):
 *   ram       v1 memory.limit_in_bytes        v2 memory.max
 *   ram+swap  v1 memory.memsw.limit_in_bytes  v2 memory.swap.max (= swap)
 *   cpulimit% and cpus -> quota = min(cpulimit, 100*cpus) % of one CPU per
 *             100 ms period: v1 cpu.cfs_quota_us/cpu.cfs_period_us, v2 cpu.max
 *   cpuunits  v1 cpu.shares = cpuunits*1024/1000, v2 cpu.weight (the usual
 *             shares->weight conversion)
 *   numproc   pids.max
 *
 * Typical use by start:
 *     vz_cgroup_open(ctid, &cg, err); vz_cgroup_create(cg, err);
 *     vz_cgroup_apply(cg, &limits, err); vz_cgroup_enter(cg, pid, err);
 * and by stop/destroy: vz_cgroup_kill(cg, err); vz_cgroup_remove(cg, err).
 * All functions are idempotent where it makes sense: create of an existing
 * group, remove of a missing one and kill of an empty one succeed.
 */
#ifndef VZ_VPSCORE_CGROUP_H
#define VZ_VPSCORE_CGROUP_H

#include <stdint.h>
#include <sys/types.h>

#include "common/common.h"

/* -1 in any field: not limited. */
struct vz_cgroup_limits {
    int64_t ram;      /* bytes */
    int64_t swap;     /* bytes, on top of ram */
    int cpus;         /* number of CPUs' worth of time */
    int cpulimit;     /* percent of one CPU (OpenVZ CPULIMIT; 0 = unlimited too) */
    int cpuunits;     /* OpenVZ CPUUNITS (1000 = default weight) */
    int64_t numproc;  /* max tasks */
};
#define VZ_CGROUP_LIMITS_NONE { -1, -1, -1, -1, -1, -1 }

struct vz_cgroup;

/* The parent group of this installation's containers: "vzforge" for the
 * host's own (VZ_ROOT unset, or the host's "/"), "vzforge-DEV-INODE" (hex,
 * of the VZ_ROOT directory) for a scratch one (tests, benches, the demo),
 * so that two installations using the same CTID never share, kill or
 * remove each other's cgroups. A scratch parent is removed with its last
 * container. Allocated. */
char *vz_cgroup_base(void);

/* Detect the hierarchy and name the group (BASE/CTID); nothing is created. */
int vz_cgroup_open(const char *ctid, struct vz_cgroup **out, vz_error_t *err);
/* Same on an explicit root and version (1 or 2): for tests and tools. */
int vz_cgroup_open_at(const char *root, int version, const char *ctid,
                      struct vz_cgroup **out, vz_error_t *err);
void vz_cgroup_free(struct vz_cgroup *cg);

int vz_cgroup_version(const struct vz_cgroup *cg);
/* Path of the group in one controller ("memory", "pids", ...; v2 ignores it). */
char *vz_cgroup_path(const struct vz_cgroup *cg, const char *ctrl);
int vz_cgroup_exists(const struct vz_cgroup *cg);

int vz_cgroup_create(struct vz_cgroup *cg, vz_error_t *err);
int vz_cgroup_apply(struct vz_cgroup *cg, const struct vz_cgroup_limits *l, vz_error_t *err);
/* Move pid (a whole process) into the group in every controller. */
int vz_cgroup_enter(struct vz_cgroup *cg, pid_t pid, vz_error_t *err);
/* The container's first process (init) is in the group: let go of what
 * held a new group open until then (the systemd layout's holder process,
 * docs/runtime.md). Before the container's own systemd runs: the holder
 * would keep it from enabling controllers. No-op otherwise. */
void vz_cgroup_settled(struct vz_cgroup *cg);
/* For clone3(CLONE_INTO_CGROUP): an O_PATH fd of the group's directory
 * when a process born there is in the group in every hierarchy (v2); -1
 * for v1 and hybrid hosts (vz_cgroup_enter then). like > 0 (exec: the
 * container's init): when the container made its group an inner node (its
 * systemd enabled controllers there, and the kernel lets no process join
 * such a group), the group like is in instead, if that lies inside the
 * container's. The caller closes it. */
int vz_cgroup_open_fd(const struct vz_cgroup *cg, pid_t like);
/* Hybrid hosts (v1 with a cgroup2 "unified" mount): an O_PATH fd of the
 * group in the unified hierarchy, for a clone3(CLONE_INTO_CGROUP) whose
 * parent has put itself in the v1 groups with vz_cgroup_enter_self(cg, 1):
 * the child is then in the group everywhere and nothing paid the grace
 * period a cgroup2 migration costs. -1 elsewhere. The caller closes it. */
int vz_cgroup_open_unified_fd(const struct vz_cgroup *cg);
/* The calling process into the group; skip_unified: every hierarchy but
 * the hybrid host's cgroup2 one. On v1 a single-threaded caller moves
 * itself through "tasks", which skips the kernel's global threadgroup lock
 * and its RCU grace period (cgroup-v1.c). */
int vz_cgroup_enter_self(struct vz_cgroup *cg, int skip_unified, vz_error_t *err);
/* 1 = freeze, 0 = thaw; waits until the state is reached (VZ_ETIMEOUT). */
int vz_cgroup_freeze(struct vz_cgroup *cg, int frozen, vz_error_t *err);
/* 1 when the group is frozen or being frozen (a process joining it would
 * stop at once), 0 when thawed, when it does not exist, or without a
 * freezer. */
int vz_cgroup_frozen(const struct vz_cgroup *cg);
/* SIGKILL every process of the group and wait until it is empty. */
int vz_cgroup_kill(struct vz_cgroup *cg, vz_error_t *err);
/* Memory events since the group was made; -1 in a count the host does not
 * keep. v2 (memory.events, hierarchical): oom = allocations that failed at
 * the limit and invoked the OOM killer, oom_kill = processes it killed,
 * max = times usage was about to pass memory.max. v1: oom_kill from
 * memory.oom_control (Linux 4.13+); oom and max -1 (v1 does not count
 * them; memory.failcnt is not reliable). Returns -1 (no error:
 * nothing to report) when the group has no memory controller files. */
struct vz_cgroup_memev {
    int64_t oom, oom_kill, max;
};
int vz_cgroup_memory_events(const struct vz_cgroup *cg, struct vz_cgroup_memev *ev);
/* Processes in the group (allocated array; *n may be 0). */
int vz_cgroup_pids(struct vz_cgroup *cg, pid_t **pids, size_t *n, vz_error_t *err);
/* Hand the container's root (host uid/gid: LOCAL_UID/LOCAL_GID) what a
 * container's systemd needs to manage its own subtree, and nothing that
 * holds a limit (vpscore/cgroup-delegate.c says which files):
 *   v2: the group directory, cgroup.procs, cgroup.threads,
 *       cgroup.subtree_control (and what /sys/kernel/cgroup/delegate adds);
 *   v1: the name=systemd group: directory, cgroup.procs, tasks,
 *       cgroup.clone_children. Controller hierarchies stay root's.
 * Call after vz_cgroup_create. Idempotent. */
int vz_cgroup_delegate(struct vz_cgroup *cg, uid_t uid, gid_t gid, vz_error_t *err);
/* rmdir the group and every group below it, deepest first (its processes
 * must be gone: kill first); missing is fine. */
int vz_cgroup_remove(struct vz_cgroup *cg, vz_error_t *err);

#endif
