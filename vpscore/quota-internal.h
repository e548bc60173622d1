/* vpscore/quota-internal.h: the backends behind vpscore/quota.h, one file
 * each (quota-btrfs.c, quota-project.c). Not for callers outside vpscore. */
#ifndef VZ_VPSCORE_QUOTA_INTERNAL_H
#define VZ_VPSCORE_QUOTA_INTERNAL_H

#include "vpscore/quota.h"

/* 1 when path is on btrfs. */
int vz_btrfs_is(const char *path);
/* 1 when path is the root of a btrfs subvolume. */
int vz_btrfs_is_subvol(const char *path);
/* Subvolume path (must not exist) in an existing btrfs directory. */
int vz_btrfs_subvol_create(const char *path, vz_error_t *err);
/* Qgroup limit of referenced bytes of subvolume path; -1 = none. Turns
 * quotas on for the file system first when they are off (and waits for the
 * rescan that starts, so that the usage the limit is held against is real). */
int vz_btrfs_limit(const char *path, int64_t bytes, vz_error_t *err);
/* Snapshot of subvolume src as dir/name (ro: read-only). */
int vz_btrfs_snapshot(const char *src, const char *dir, const char *name, int ro, vz_error_t *err);
/* Delete subvolume dir/name, read-only or not, with what it holds. */
int vz_btrfs_subvol_delete(const char *dir, const char *name, vz_error_t *err);
/* Referenced bytes of subvolume path; -1 when quotas are off. */
int vz_btrfs_usage(const char *path, int64_t *bytes, vz_error_t *err);

/* ext4/XFS project quotas: 1 when path is on ext4 or XFS. */
int vz_project_fs(const char *path, const char **fsname);
/* 1 when path's mount has project quotas on. */
int vz_project_on(const char *path);
/* Why the limit cannot be enforced on path (always fails, VZ_EBADARG):
 * CONFIG_QUOTA missing or the mount lacking prjquota. */
int vz_project_refuse(const char *path, vz_error_t *err);

/* Give the private area priv (on a mount with project quotas on) its own
 * project id, tag what it holds with it, and set the id's limits to l
 * (unlimited sides: no limit). */
int vz_project_limit(const char *priv, const struct vz_quota_limits *l, vz_error_t *err);
/* Space and inodes counted for priv's project (left -1 when priv has
 * none). */
int vz_project_usage(const char *priv, struct vz_quota_usage *u, vz_error_t *err);

/* Space and inodes in use in the mounted image (left -1 when unmounted). */
int vz_image_usage(const char *priv, struct vz_quota_usage *u, vz_error_t *err);

#endif
