/* vpscore/runtime-internal.h: helpers shared by start, stop, exec and state.
 * Not a public interface: callers outside vpscore use vpscore/runtime.h. */
#ifndef VZ_VPSCORE_RUNTIME_INTERNAL_H
#define VZ_VPSCORE_RUNTIME_INTERNAL_H

#include <stdint.h>
#include <sys/types.h>

#include "common/common.h"
#include "vpscore/ctconf.h"

/* The container's capabilities from its conf (vpscore/capability.h):
 * *keep_sys_admin: in its own user namespace unless CAPABILITY has
 * SYS_ADMIN:off; a privileged one only with SYS_ADMIN:on. *off: the bits
 * of CAPABILITY's NAME:off. VZ_EBADARG for an entry capability.h refuses. */
int vz_rt_caps(const struct vz_conf *c, int *keep_sys_admin, uint64_t *off, vz_error_t *err);
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
