/* vpscore/snapshot-internal.h: what snapshot.c and snapshot-use.c share. */
#ifndef VZ_VPSCORE_SNAPSHOT_INTERNAL_H
#define VZ_VPSCORE_SNAPSHOT_INTERNAL_H

#include "vpscore/ctconf.h"

/* VE_PRIVATE.snapshots, and its UUID entry; allocated. */
char *vz_snap_root(const char *priv);
char *vz_snap_dir(const char *priv, const char *id);
/* Check ctid, take its lock (*lock), load it. */
int vz_snap_open(const char *ctid, struct vz_ct *ct, int *lock, vz_error_t *err);
/* The directory of snapshot id (*dir allocated) and, when meta is not
 * NULL, its snapshot.conf loaded; VZ_EBADARG when there is none. */
int vz_snap_find(const struct vz_ct *ct, const char *id, char **dir, struct vz_conf *meta, vz_error_t *err);
/* cp -a --reflink=auto src dst. */
int vz_snap_copy(const char *src, const char *dst, vz_error_t *err);
/* Remove a snapshot's directory (its read-only btrfs subvolume first). */
int vz_snap_rm(const char *dir, vz_error_t *err);

/* The tree (snapshot-tree.c): the current snapshot's id (allocated; NULL
 * when none is, or it is gone); make id current (NULL: none); before id is
 * deleted, give its children its parent and, when it is current, make its
 * parent current. */
char *vz_snap_current(const char *priv);
int vz_snap_set_current(const char *priv, const char *id, vz_error_t *err);
int vz_snap_detach(const char *priv, const char *id, vz_error_t *err);

#endif
