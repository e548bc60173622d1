/* vpscore/quota.h: a container's disk space and inode limits (DISKSPACE,
 * DISKINODES), one interface over the backends the host's file system
 * offers, probed at run time (docs/quota.md).
 *
 * What a caller may rely on:
 *   - Units as OpenVZ's: DISKSPACE is "SOFT:HARD" in 1 KiB blocks,
 *     DISKINODES "SOFT:HARD" in inodes; "unlimited" on either side.
 *     vz_quota_parse() takes the command line's forms: a number (blocks or
 *     inodes), a size with K/M/G/T (DISKSPACE only), a single value (soft =
 *     hard), "unlimited". The soft limit may not exceed the hard one.
 *   - Backends, chosen per private area (vz_quota_probe):
 *       btrfs    VE_PRIVATE is a btrfs subvolume (create makes it one when
 *                the parent is on btrfs); the hard DISKSPACE limit is the
 *                subvolume's qgroup limit of referenced bytes. Qgroups
 *                count no inodes: a DISKINODES limit is refused there.
 *       project  ext4/XFS with project quotas on (CONFIG_QUOTA or
 *                CONFIG_XFS_QUOTA, mounted with prjquota; ext4 made with
 *                -O quota,project). VE_PRIVATE's own project id (its
 *                inode number) tags every directory and regular file
 *                under it, inherited by what is created later; the id's
 *                block and inode limits are DISKSPACE and DISKINODES
 *                (soft ones after the file system's grace period).
 *                Symlinks and device nodes present when the first limit
 *                is set stay untagged. Without project quotas, a limit
 *                on ext4/XFS is refused with an error naming what the
 *                host lacks (the kernel option, the mount option).
 *       image    the image layout (VE_LAYOUT="image", below): the limits
 *                are the image's size and inode count; chosen whenever
 *                VE_PRIVATE/root.hdd exists, whatever the host's fs.
 *       none     any other file system: any limit is refused.
 *     The soft limit is kept and shown; the kernel enforces the hard one
 *     (neither btrfs nor the probe gives a grace period).
 *   - A limit that cannot be enforced is an error (VZ_EBADARG, 21, naming
 *     the file system and what would make it work), never ignored. Clearing
 *     a limit ("unlimited") always works.
 *   - Who can change a limit: the qgroup ioctls and quotactl need
 *     CAP_SYS_ADMIN in the host's user namespace, and only the initial
 *     user namespace may change a file's project id; root inside a
 *     container (own user namespace) has neither, so it cannot raise or
 *     remove its limit or move files out of its project.
 */
#ifndef VZ_VPSCORE_QUOTA_H
#define VZ_VPSCORE_QUOTA_H

#include <stdint.h>

#include "common/common.h"

/* -1 = unlimited. Space in 1 KiB blocks, inodes in inodes. */
struct vz_quota_limits {
    int64_t space_soft, space_hard;
    int64_t inodes_soft, inodes_hard;
};

struct vz_quota_usage {
    int64_t space;  /* 1 KiB blocks in use, -1 unknown */
    int64_t inodes; /* inodes in use, -1 unknown */
};

enum vz_quota_backend { VZ_QUOTA_NONE, VZ_QUOTA_BTRFS, VZ_QUOTA_PROJECT, VZ_QUOTA_IMAGE };

/* "--diskspace 10G:11G", "--diskinodes 200000:220000", "unlimited". opt
 * names the option in messages ("diskspace"); is_space allows K/M/G/T
 * sizes (bytes, rounded up to blocks). VZ_EBADARG. */
int vz_quota_parse(const char *opt, const char *val, int is_space, int64_t *soft, int64_t *hard,
                   vz_error_t *err);

/* "SOFT:HARD" as the conf stores it; allocated. */
char *vz_quota_format(int64_t soft, int64_t hard);

/* DISKSPACE and DISKINODES of a conf; absent = unlimited. VZ_EBADARG naming
 * the key on a malformed value. */
int vz_quota_from_conf(const struct vz_conf *c, struct vz_quota_limits *l, vz_error_t *err);

/* 1 when l limits anything. */
int vz_quota_any(const struct vz_quota_limits *l);

/* Which backend serves the private area priv (which must exist). */
enum vz_quota_backend vz_quota_probe(const char *priv);
const char *vz_quota_backend_name(enum vz_quota_backend b);

/* Make the private area priv (mode 0700; must not exist): a btrfs
 * subvolume where its parent is on btrfs, else a directory. EEXIST comes
 * back as errno with status VZ_EPRIVATEEXISTS. */
int vz_quota_mkprivate(const char *priv, vz_error_t *err);

/* Enforce l on the private area priv, or refuse (above). */
int vz_quota_apply(const char *priv, const struct vz_quota_limits *l, vz_error_t *err);

/* What priv uses now, as the backend counts it. Fields the backend cannot
 * count are -1 (btrfs: inodes; no backend: both). */
int vz_quota_usage(const char *priv, struct vz_quota_usage *u, vz_error_t *err);

/* 1 when the conf's DISKSPACE on a btrfs plain private area can be escaped
 * from inside: SECCOMP="unconfined" or SECCOMP_ALLOW naming ioctl lets root
 * inside make a subvolume, whose qgroup is not the container's. start warns. */
int vz_quota_escapable(const struct vz_conf *c, const char *priv);

/* The image layout, as OpenVZ's ploop: VE_PRIVATE/root.hdd, an ext4 file
 * system of the DISKSPACE size (DISKINODES: its inode count, fixed when
 * made), mounted (nosuid, nodev) through a loop device that the kernel
 * frees at unmount on VE_PRIVATE/mnt, which holds the overlay's upper/
 * and work/ over the shared template tree. The image file and the loop
 * device are outside the container's root and /dev. */
#define VZ_IMAGE_FILE "root.hdd"
char *vz_image_file(const char *priv);
char *vz_image_mnt(const char *priv);
/* 1 when priv holds an image. */
int vz_image_is(const char *priv);
/* Make priv/root.hdd (sparse) with mkfs.ext4, its root directory owned by
 * uid:gid. VZ_EBADARG without a hard DISKSPACE, or below 8 MiB. */
int vz_image_create(const char *priv, const struct vz_quota_limits *l, unsigned uid, unsigned gid,
                    vz_error_t *err);
/* The image's inode count (its superblock's), -1 when unreadable: mkfs
 * rounds the count asked for to whole block groups. */
int64_t vz_image_inodes(const char *priv);
/* Mount priv/root.hdd on priv/mnt (a no-op when mounted); undo with
 * vz_image_umount (a no-op when not mounted). */
int vz_image_mount(const char *priv, vz_error_t *err);
int vz_image_umount(const char *priv, vz_error_t *err);
/* Give the image the size of l (offline: e2fsck + resize2fs; VZ_EMOUNTED
 * while mounted). A DISKINODES other than the image's count, or unlimited
 * DISKSPACE: VZ_EBADARG. */
int vz_image_resize(const char *priv, const struct vz_quota_limits *l, vz_error_t *err);

#endif
