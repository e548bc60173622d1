/* vpscore/userns_join.h: exec and enter join a container's user namespace.
 *
 * A container started with its own user namespace (LOCAL_UID, docs/
 * security.md) owns all its other namespaces through it. A process that
 * joins them as host root and stops there stays host root (uid 0 of the
 * host's namespace, with the host's capabilities): whatever it runs would
 * not be confined by the id map. So the joiner enters the other namespaces
 * first (host root may), the user namespace last, and becomes uid/gid 0 of
 * that namespace: host uid LOCAL_UID, full capabilities inside only.
 */
#ifndef VZ_VPSCORE_USERNS_JOIN_H
#define VZ_VPSCORE_USERNS_JOIN_H

#include <sys/types.h>

#include "common/common.h"

/* Open the user namespace of pid when it differs from ours (compared by
 * st_dev/st_ino of /proc/PID/ns/user and /proc/self/ns/user): *fd gets an
 * O_CLOEXEC descriptor, or -1 when pid shares our user namespace (a
 * privileged container: nothing to join). Call it while /proc still is the
 * host's, i.e. before vz_ns_enter(). */
int vz_userns_open(pid_t pid, int *fd, vz_error_t *err);

/* Join the user namespace fd (from vz_userns_open; -1 does nothing) and
 * become its root: no supplementary groups, gid 0, uid 0 (real, effective,
 * saved). Must be single-threaded, after every other setns. fd is closed.
 * The process stays non-dumpable. */
int vz_userns_join(int fd, vz_error_t *err);

#endif
