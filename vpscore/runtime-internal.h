/* vpscore/runtime-internal.h: helpers shared by start, stop, exec and state.
 * Not a public interface: callers outside vpscore use vpscore/runtime.h. */
#ifndef VZ_VPSCORE_RUNTIME_INTERNAL_H
#define VZ_VPSCORE_RUNTIME_INTERNAL_H

#include <sys/types.h>

#include "common/common.h"
#include "vpscore/ctconf.h"

/* Check the CTID, load its conf, take its lock (*lockfd; close to release). */
int vz_rt_open_locked(const char *ctid, struct vz_ct *ct, int *lockfd, vz_error_t *err);
/* Whether the container keeps CAP_SYS_ADMIN: always in its own user
 * namespace; a privileged one only with CAPABILITY="... SYS_ADMIN:on ...". */
int vz_rt_keeps_sys_admin(const struct vz_conf *c);
/* Processes in the container's cgroup, every hierarchy and nested group
 * (0 without a cgroup): an init may run there that no pid file names. */
size_t vz_rt_cgroup_procs(const char *ctid);
/* 1 when the container's cgroup exists (a start made it and no stop
 * removed it). */
int vz_rt_cgroup_exists(const char *ctid);
/* What a started container holds on the host, after its init: kill what is
 * left in its cgroup, remove the cgroup, veth, root mount and pid file.
 * VZ_ESTOP when processes survive. (stop.c) */
int vz_rt_release(const struct vz_ct *ct, vz_error_t *err);
/* Wait until pid (not necessarily our child) has exited: 0, or -1 on timeout. */
int vz_rt_wait_gone(pid_t pid, int timeout_ms);

#endif
