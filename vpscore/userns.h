/* vpscore/userns.h: each container's own user namespace and its id range.
 *
 * What a caller may rely on:
 *   - A container is unprivileged unless its conf says PRIVILEGED="yes": it
 *     runs in its own user namespace where uid/gid 0..65535 map to the host
 *     ids LOCAL_UID..LOCAL_UID+65535 and LOCAL_GID..LOCAL_GID+65535 (the
 *     keys of OpenVZ's vzctl for upstream kernels). Host ids below the range
 *     are never mapped, so nothing the container owns is a host user's.
 *   - vz_userns_alloc() gives a new container a range that overlaps no other
 *     container's (every CTID.conf is read under one allocation lock) and no
 *     other user's /etc/subuid and /etc/subgid ranges. When root has ranges
 *     in /etc/subuid and /etc/subgid, containers get blocks from those only;
 *     otherwise from the default pool starting at VZ_USERNS_BASE
 *     (docs/security.md says why 1000000, as Incus).
 *   - vz_userns_fd() returns a user namespace with the container's maps,
 *     for idmapped mounts (vpscore/idmap.h); nothing runs in it.
 */
#ifndef VZ_VPSCORE_USERNS_H
#define VZ_VPSCORE_USERNS_H

#include <stdint.h>
#include <sys/types.h>

#include "common/common.h"
#include "common/idmap.h"

#define VZ_USERNS_SIZE 65536u
#define VZ_USERNS_BASE 1000000u

/* struct vz_idmap: common/idmap.h */

/* The map a conf asks for: PRIVILEGED="yes" gives enabled = 0; else
 * LOCAL_UID and LOCAL_GID must be there (VZ_EBADARG naming conf_path and
 * the key, and saying how to fix it). */
int vz_idmap_from_conf(const struct vz_conf *c, const char *conf_path, struct vz_idmap *m, vz_error_t *err);

struct vz_lock;
/* A free range for container ctid. Holds the allocation lock (*lock) until
 * the caller releases it (vz_lock_release), which it does after saving the
 * conf that records the range. */
int vz_userns_alloc(const char *ctid, struct vz_idmap *m, struct vz_lock **lock, vz_error_t *err);

/* Write pid's uid_map and gid_map (pid was cloned with CLONE_NEWUSER by a
 * process in our user namespace). setgroups stays allowed: the maps are
 * written by a privileged process. */
int vz_userns_write_maps(pid_t pid, const struct vz_idmap *m, vz_error_t *err);

/* An fd of a new user namespace with map m (O_CLOEXEC). */
int vz_userns_fd(const struct vz_idmap *m, vz_error_t *err);

/* Child side, after the maps are written: become uid/gid 0 of the user
 * namespace (no supplementary groups). -1 with errno. */
int vz_userns_become_root(void);

#endif
