/* vpscore/snapshot.h: container snapshots, with OpenVZ's command names
 * (docs/snapshots.md).
 *
 * What a caller may rely on:
 *   - Snapshots live in VE_PRIVATE.snapshots/UUID/ (next to the private
 *     area, under its 0700 parent; never inside it: a plain container's
 *     private area is its root): snapshot.conf (ID, NAME, DESCRIPTION,
 *     DATE, TIME, LAYOUT, OSTEMPLATE, VE_LOWERDIR), ve.conf (the container's conf
 *     then) and data/:
 *       overlay, image  a copy of the overlay's upper layer, whiteouts and
 *                       trusted.overlay.* xattrs kept (cp -a
 *                       --reflink=auto: shared extents where the file
 *                       system has them); VE_LOWERDIR names the exact
 *                       template build (NAME-<tarball sha256>) it stands on
 *       plain, btrfs    a read-only btrfs snapshot of the subvolume
 *       plain           a copy of the private area (cp -a --reflink=auto)
 *     snapshot.conf is written last: a directory without it is the remains
 *     of a failed or killed take, invisible to list and removed by take.
 *   - A tree, as OpenVZ's: a snapshot's parent (PARENT in snapshot.conf)
 *     is the one current when it was taken; take and switch make theirs
 *     current; delete gives the children its parent (and makes its parent
 *     current when it was).
 *   - take: a running container is frozen (cgroup freezer, v1 or v2) for
 *     the copy and thawed after, even on failure; skip_suspend copies it
 *     running. A container that was suspended already stays suspended.
 *   - switch: the container must be stopped and unmounted (VZ_ERUNNING,
 *     VZ_EMOUNTED); its files and conf become the snapshot's; the snapshot
 *     stays. VZ_ENOTEMPLATE (91) when the template build it stands on is gone.
 *   - mount: the snapshot's whole tree, read-only (nosuid, nodev), on an
 *     existing directory: overlay of data over VE_LOWERDIR, or a bind.
 *   - Every command takes the per-container lock (VZ_ELOCKED). Unknown
 *     snapshot: VZ_EBADARG naming it. Bad --id: VZ_EBADARG.
 */
#ifndef VZ_VPSCORE_SNAPSHOT_H
#define VZ_VPSCORE_SNAPSHOT_H

#include <stdint.h>

#include "common/common.h"

struct vz_snapshot_opts {
    const char *id;          /* NULL: a new random UUID */
    const char *name;        /* NULL: none */
    const char *description; /* NULL: none */
    int skip_suspend;
};

struct vz_snapshot {
    char *id, *name, *description, *date, *layout, *ostemplate, *lowerdir;
    char *time; /* "SECONDS.NANOSECONDS" of the take: the list's order */
    char *parent; /* the snapshot current when this one was taken; NULL: none */
    int current;  /* 1 for the one the container's state stands on */
};

/* *id (allocated) is the snapshot's; *seconds the wall time of the copy,
 * *frozen_seconds how long the container was frozen (0: not frozen). */
int vz_snapshot_take(const char *ctid, const struct vz_snapshot_opts *o, char **id, double *seconds,
                     double *frozen_seconds, vz_error_t *err);
/* Oldest first. */
int vz_snapshot_list(const char *ctid, struct vz_snapshot **out, size_t *n, vz_error_t *err);
void vz_snapshot_list_free(struct vz_snapshot *v, size_t n);
int vz_snapshot_delete(const char *ctid, const char *id, vz_error_t *err);
int vz_snapshot_switch(const char *ctid, const char *id, vz_error_t *err);
int vz_snapshot_mount(const char *ctid, const char *id, const char *target, vz_error_t *err);
int vz_snapshot_umount(const char *ctid, const char *id, vz_error_t *err);

/* Remove every snapshot of a container whose private area is priv
 * (destroy). 0 when there are none. */
int vz_snapshot_remove_all(const char *priv, vz_error_t *err);

/* 0 when id is a UUID (8-4-4-4-12 hex digits), else VZ_EBADARG. */
int vz_snapshot_id_check(const char *id, vz_error_t *err);

#endif
