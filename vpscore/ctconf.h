/* vpscore/ctconf.h: a container's identity and configuration on disk.
 *
 * What a caller may rely on:
 *   - vz_ctid_check() is the single gate for CTIDs. Everything that builds a
 *     path from a CTID calls it first. Accepted: a decimal number 1..2147483647
 *     without leading zeros (as OpenVZ), or a name of 1..64 characters from
 *     [A-Za-z0-9_.-] that starts with a letter or digit and contains no "..".
 *     So a CTID is always one safe path component. Refusal: VZ_EBADARG (21).
 *   - Paths (all include the VZ_ROOT prefix):
 *       conf      $VZ_ROOT/etc/vz/conf/CTID.conf
 *       lock      $VZ_ROOT/vz/lock/CTID.lck
 *       pid file  $VZ_ROOT/vz/run/CTID.pid     (runtime.h: "PID STARTTIME")
 *       private   VE_PRIVATE of vz.conf ("/vz/private/$VEID" by default),
 *       root      VE_ROOT of vz.conf ("/vz/root/$VEID"), $VEID / $CTID expanded,
 *                 prefixed with VZ_ROOT. A container's own conf stores the
 *                 expanded, prefixed paths, so it is self-contained.
 *   - vz_ct_lock(): common/lock.h's vz_flock_take, exclusive, tried once;
 *     VZ_ELOCKED (9) naming the holder ("container 101 is locked by pid 1234
 *     (vzctl start 101)") when another live process, or this one, holds it.
 *     The lock dies with its holder, so a crashed vzctl never blocks the next.
 *   - vz_ct_limits_from_conf(): the cgroup limits a conf asks for.
 */
#ifndef VZ_VPSCORE_CTCONF_H
#define VZ_VPSCORE_CTCONF_H

#include <stdint.h>
#include <sys/types.h>

#include "common/common.h"
#include "common/lock.h"
#include "vpscore/cgroup.h"

#define VZ_CTID_MAX 64

int vz_ctid_check(const char *ctid, vz_error_t *err);

/* Allocated paths; ctid must have passed vz_ctid_check(). */
char *vz_ct_conf_path(const char *ctid);
char *vz_ct_lock_path(const char *ctid);
char *vz_ct_pid_path(const char *ctid);
/* Where vzctl start writes the pid file before renaming it into place
 * (under the container's lock, so one name is enough). A start killed
 * halfway may leave it; whoever releases the container removes it. */
char *vz_ct_pid_tmp_path(const char *ctid);
/* Defaults from vz.conf (or OpenVZ's), $VEID expanded, VZ_ROOT-prefixed. */
char *vz_ct_default_private(const char *ctid);
char *vz_ct_default_root(const char *ctid);
/* Replace $VEID, ${VEID}, $CTID and ${CTID} in s with ctid. */
char *vz_ct_expand(const char *s, const char *ctid);

/* Take the per-container lock; *fd receives the lock's fd (close it to
 * release, or let the process exit). */
int vz_ct_lock(const char *ctid, int *fd, vz_error_t *err);

/* A loaded container: its conf and the paths it names. */
struct vz_ct {
    char *ctid;
    char *conf_path;
    struct vz_conf conf;
    char *private_dir; /* VE_PRIVATE */
    char *root_dir;    /* VE_ROOT */
};
/* 1 when the conf says DISABLED="yes" (OpenVZ: start refuses, exit 105). */
int vz_ct_disabled(const struct vz_conf *c);
/* VZ_ENOCTCONF (14) when the conf file does not exist. */
int vz_ct_load(const char *ctid, struct vz_ct *ct, vz_error_t *err);
/* Check the CTID, take its lock (*lockfd; close to release), then load its
 * conf: the conf read is the one the lock protects. On failure nothing is
 * held and *ct needs no release. */
int vz_ct_open_locked(const char *ctid, struct vz_ct *ct, int *lockfd, vz_error_t *err);
void vz_ct_release(struct vz_ct *ct);

/* Sizes: "512M", "1G", "1024K", "12345" (bytes), "unlimited". *bytes = -1 for
 * unlimited. Returns -1 (no err) on a malformed value. */
int vz_parse_size(const char *s, int64_t *bytes);
/* OpenVZ "barrier:limit" or a single number; takes the limit. -1 unlimited. */
int vz_parse_barlim(const char *s, int64_t *limit);
/* PHYSPAGES/SWAPPAGES as OpenVZ's vzctl reads them: each side of
 * "barrier:limit" is a page count, or a size with a K/M/G/T suffix (bytes,
 * turned into whole pages: "0:256M" is 65536 pages of 4 KB). -1 unlimited. */
int vz_parse_barlim_pages(const char *s, int64_t *pages);

/* Limits from PHYSPAGES/SWAPPAGES (pages, "0:N") or RAM/SWAP (sizes), CPUS,
 * CPULIMIT, CPUUNITS, NUMPROC. Unset keys mean unlimited. VZ_EBADARG naming
 * the key on a malformed value. */
int vz_ct_limits_from_conf(const struct vz_conf *c, struct vz_cgroup_limits *l, vz_error_t *err);

/* The directory that holds path (a private area, a root mount point, the
 * shared template trees) exists, belongs to root and has mode 0700, as
 * OpenVZ's /vz/private and /vz/root: nothing of a container, set-uid files
 * included, is reachable by a host user through a path. An existing one
 * of mode 0755 is tightened (with a notice); one owned by another user is
 * refused (VZ_EPERM): its owner could open it again. */
int vz_ct_secure_parent(const char *path, vz_error_t *err);

/* Hostname syntax (RFC 1123 labels, at most 253 characters). VZ_EBADARG. */
int vz_hostname_check(const char *h, vz_error_t *err);

#endif
