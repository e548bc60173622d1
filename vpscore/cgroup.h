/* vpscore/cgroup.h: a container's control group, cgroup v1 or v2.
 *
 * One group per container, named "vzforge/CTID" below the hierarchy root:
 *   v1: /sys/fs/cgroup/<ctrl>/vzforge/CTID for ctrl in memory, cpu, cpuacct,
 *       pids, freezer (controllers that are not mounted are skipped; a limit
 *       that needs a missing controller is an error);
 *   v2: /sys/fs/cgroup/vzforge/CTID, with +memory +cpu +pids enabled in the
 *       parents' cgroup.subtree_control.
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
/* 1 = freeze, 0 = thaw; waits until the state is reached (VZ_ETIMEOUT). */
int vz_cgroup_freeze(struct vz_cgroup *cg, int frozen, vz_error_t *err);
/* 1 when the group is frozen or being frozen (a process joining it would
 * stop at once), 0 when thawed, when it does not exist, or without a
 * freezer. */
int vz_cgroup_frozen(const struct vz_cgroup *cg);
/* SIGKILL every process of the group and wait until it is empty. */
int vz_cgroup_kill(struct vz_cgroup *cg, vz_error_t *err);
/* Processes in the group (allocated array; *n may be 0). */
int vz_cgroup_pids(struct vz_cgroup *cg, pid_t **pids, size_t *n, vz_error_t *err);
/* rmdir the group (it must be empty: kill first); missing is fine. */
int vz_cgroup_remove(struct vz_cgroup *cg, vz_error_t *err);

#endif
