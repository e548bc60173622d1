/* vpscore/quota-btrfs.c: the btrfs backend of quota.h: private areas as
 * subvolumes, limits as qgroup limits, through the kernel's ioctls (no
 * btrfs-progs needed at run time). */
#include "vpscore/quota-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/btrfs.h>
#include <linux/btrfs_tree.h>
#include <linux/magic.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

int vz_btrfs_is(const char *path)
{
    struct statfs sf;
    return statfs(path, &sf) == 0 && sf.f_type == BTRFS_SUPER_MAGIC;
}

int vz_btrfs_is_subvol(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode) && st.st_ino == BTRFS_FIRST_FREE_OBJECTID;
}

int vz_btrfs_subvol_create(const char *path, vz_error_t *err)
{
    cleanup_free char *parent = vz_xstrdup(path);
    char *slash = strrchr(parent, '/');
    if (slash == NULL || slash[1] == '\0')
        return vz_error_set(err, VZ_EBADARG, 0, "subvolume %s: not an absolute path", path);
    const char *name = slash + 1;
    if (slash == parent)
        parent[1] = '\0';
    else
        *slash = '\0';
    struct btrfs_ioctl_vol_args args;
    memset(&args, 0, sizeof(args));
    if (strlen(name) >= sizeof(args.name))
        return vz_error_set(err, VZ_EBADARG, 0, "subvolume %s: name too long", path);
    memcpy(args.name, name, strlen(name));
    cleanup_close int fd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return vz_error_sys(err, "open %s", parent);
    if (ioctl(fd, BTRFS_IOC_SUBVOL_CREATE, &args) < 0)
        return vz_error_set(err, errno == EEXIST ? VZ_EPRIVATEEXISTS : VZ_ESYSTEM, errno,
                            "create btrfs subvolume %s", path);
    return 0;
}

/* The subvolume id of the subvolume whose root fd is. */
static int subvol_id(int fd, const char *path, uint64_t *id, vz_error_t *err)
{
    struct btrfs_ioctl_ino_lookup_args a;
    memset(&a, 0, sizeof(a));
    a.objectid = BTRFS_FIRST_FREE_OBJECTID;
    if (ioctl(fd, BTRFS_IOC_INO_LOOKUP, &a) < 0)
        return vz_error_sys(err, "btrfs subvolume id of %s", path);
    *id = a.treeid;
    return 0;
}

static int open_subvol(const char *path, vz_error_t *err)
{
    if (!vz_btrfs_is_subvol(path))
        return vz_error_set(err, VZ_EBADARG, 0, "%s is not a btrfs subvolume", path);
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return vz_error_sys(err, "open %s", path);
    return fd;
}

/* The qgroup info item of subvolume id: *found 0 when quotas are off or
 * it has none. */
static int qgroup_info(int fd, uint64_t id, struct btrfs_qgroup_info_item *out, int *found, vz_error_t *err)
{
    struct btrfs_ioctl_search_args a;
    memset(&a, 0, sizeof(a));
    a.key.tree_id = BTRFS_QUOTA_TREE_OBJECTID;
    a.key.min_type = a.key.max_type = BTRFS_QGROUP_INFO_KEY;
    a.key.min_offset = a.key.max_offset = id; /* level 0: the qgroup id is the subvolume id */
    a.key.max_transid = (uint64_t)-1;
    a.key.nr_items = 1;
    *found = 0;
    if (ioctl(fd, BTRFS_IOC_TREE_SEARCH, &a) < 0) {
        if (errno == ENOENT) /* no quota tree: quotas are off */
            return 0;
        return vz_error_sys(err, "read btrfs qgroup 0/%llu", (unsigned long long)id);
    }
    if (a.key.nr_items == 0)
        return 0;
    const struct btrfs_ioctl_search_header *h = (const void *)a.buf;
    if (h->type != BTRFS_QGROUP_INFO_KEY || h->offset != id || h->len < sizeof(*out))
        return 0;
    memcpy(out, a.buf + sizeof(*h), sizeof(*out));
    *found = 1;
    return 0;
}

/* Quotas on (a no-op when they are), and the rescan it starts finished. */
static int quota_enable(int fd, const char *path, vz_error_t *err)
{
    struct btrfs_ioctl_quota_ctl_args q;
    memset(&q, 0, sizeof(q));
    q.cmd = BTRFS_QUOTA_CTL_ENABLE;
    if (ioctl(fd, BTRFS_IOC_QUOTA_CTL, &q) < 0)
        return vz_error_sys(err, "turn on btrfs quotas of the file system of %s", path);
    if (ioctl(fd, BTRFS_IOC_QUOTA_RESCAN_WAIT, 0) < 0 && errno != ENOTCONN)
        return vz_error_sys(err, "wait for the btrfs quota rescan of %s", path);
    return 0;
}

int vz_btrfs_limit(const char *path, int64_t bytes, vz_error_t *err)
{
    cleanup_close int fd = open_subvol(path, err);
    if (fd < 0)
        return -1;
    uint64_t id;
    if (subvol_id(fd, path, &id, err) < 0)
        return -1;
    struct btrfs_qgroup_info_item info;
    int found;
    if (qgroup_info(fd, id, &info, &found, err) < 0)
        return -1;
    if (!found) {
        if (bytes < 0) /* no quotas, no limit: nothing to clear */
            return 0;
        if (quota_enable(fd, path, err) < 0)
            return -1;
    }
    struct btrfs_ioctl_qgroup_limit_args l;
    memset(&l, 0, sizeof(l));
    l.qgroupid = id;
    l.lim.flags = BTRFS_QGROUP_LIMIT_MAX_RFER;
    l.lim.max_rfer = bytes < 0 ? (uint64_t)-1 : (uint64_t)bytes; /* -1: the kernel clears it */
    if (ioctl(fd, BTRFS_IOC_QGROUP_LIMIT, &l) < 0)
        return vz_error_sys(err, "set btrfs qgroup limit of %s (qgroup 0/%llu)", path, (unsigned long long)id);
    return 0;
}

int vz_btrfs_usage(const char *path, int64_t *bytes, vz_error_t *err)
{
    *bytes = -1;
    cleanup_close int fd = open_subvol(path, err);
    if (fd < 0)
        return -1;
    uint64_t id;
    if (subvol_id(fd, path, &id, err) < 0)
        return -1;
    struct btrfs_qgroup_info_item info;
    int found;
    if (qgroup_info(fd, id, &info, &found, err) < 0)
        return -1;
    if (found)
        *bytes = (int64_t)le64toh(info.rfer);
    return 0;
}

int vz_btrfs_snapshot(const char *src, const char *dir, const char *name, int ro, vz_error_t *err)
{
    cleanup_close int sfd = open_subvol(src, err);
    if (sfd < 0)
        return -1;
    cleanup_close int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return vz_error_sys(err, "open %s", dir);
    struct btrfs_ioctl_vol_args_v2 a;
    memset(&a, 0, sizeof(a));
    a.fd = sfd;
    a.flags = ro ? BTRFS_SUBVOL_RDONLY : 0;
    if (strlen(name) >= sizeof(a.name))
        return vz_error_set(err, VZ_EBADARG, 0, "snapshot name %s too long", name);
    memcpy(a.name, name, strlen(name));
    if (ioctl(dfd, BTRFS_IOC_SNAP_CREATE_V2, &a) < 0)
        return vz_error_sys(err, "btrfs snapshot of %s as %s/%s", src, dir, name);
    return 0;
}

int vz_btrfs_subvol_delete(const char *dir, const char *name, vz_error_t *err)
{
    cleanup_close int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return vz_error_sys(err, "open %s", dir);
    struct btrfs_ioctl_vol_args a;
    memset(&a, 0, sizeof(a));
    if (strlen(name) >= sizeof(a.name))
        return vz_error_set(err, VZ_EBADARG, 0, "subvolume name %s too long", name);
    memcpy(a.name, name, strlen(name));
    if (ioctl(dfd, BTRFS_IOC_SNAP_DESTROY, &a) < 0)
        return vz_error_sys(err, "delete btrfs subvolume %s/%s", dir, name);
    return 0;
}
