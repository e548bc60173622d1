/* vpscore/fsflags.c: vz_fsflags_clear_tree() (vpscore/fsflags.h).
 * statx() says which inodes carry the flags without opening them (ext4,
 * btrfs, xfs report STATX_ATTR_IMMUTABLE/APPEND); only those are opened
 * for FS_IOC_GETFLAGS/SETFLAGS. Where the file system does not report
 * them, every regular file and directory is asked. Device nodes, fifos and
 * sockets are never opened (opening a device node would reach its driver);
 * their own flags do not stop a removal of their directory. */
#include "vpscore/fsflags.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#define STOPPERS (FS_IMMUTABLE_FL | FS_APPEND_FL)
#define STATX_STOPPERS (STATX_ATTR_IMMUTABLE | STATX_ATTR_APPEND)

struct walk {
    unsigned dev_major, dev_minor;
    long cleared;
};

static int clear_fd(int fd, const char *path, struct walk *w, vz_error_t *err)
{
    int flags = 0;
    if (ioctl(fd, FS_IOC_GETFLAGS, &flags) < 0)
        return errno == ENOTTY || errno == EOPNOTSUPP || errno == EINVAL ? 0
                                                                        : vz_error_sys(err, "read the flags of %s", path);
    if (!(flags & STOPPERS))
        return 0;
    flags &= ~STOPPERS;
    if (ioctl(fd, FS_IOC_SETFLAGS, &flags) < 0)
        return vz_error_set(err, errno == EPERM ? VZ_EPERM : VZ_ESYSTEM, errno,
                            "clear the immutable/append-only flag of %s (chattr -ia)", path);
    w->cleared++;
    return 0;
}

static int walk_at(int parent, const char *name, const char *path, struct walk *w, int depth, vz_error_t *err)
{
    struct statx sx;
    if (statx(parent, name, AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT, STATX_TYPE, &sx) < 0)
        return errno == ENOENT ? 0 : vz_error_sys(err, "stat %s", path);
    if (depth == 0) {
        w->dev_major = sx.stx_dev_major;
        w->dev_minor = sx.stx_dev_minor;
    } else if (sx.stx_dev_major != w->dev_major || sx.stx_dev_minor != w->dev_minor)
        return 0; /* another mount: not ours to change */
    int is_dir = S_ISDIR(sx.stx_mode);
    if (!is_dir && !S_ISREG(sx.stx_mode))
        return 0;
    int known = (sx.stx_attributes_mask & STATX_STOPPERS) == STATX_STOPPERS;
    if (!is_dir && known && !(sx.stx_attributes & STATX_STOPPERS))
        return 0;
    if (depth > 4096)
        return vz_error_set(err, VZ_ESYSTEM, ELOOP, "%s: directories nested more than 4096 deep", path);
    cleanup_close int fd = openat(parent, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC |
                                                   (is_dir ? O_DIRECTORY : 0));
    if (fd < 0)
        return errno == ENOENT ? 0 : vz_error_sys(err, "open %s", path);
    if ((!known || (sx.stx_attributes & STATX_STOPPERS)) && clear_fd(fd, path, w, err) < 0)
        return -1;
    if (!is_dir)
        return 0;
    cleanup_dir DIR *d = fdopendir(fd); /* one descriptor per level, as vz_rm_rf */
    if (d == NULL)
        return vz_error_sys(err, "open %s", path);
    fd = -1;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (de->d_type != DT_DIR && de->d_type != DT_REG && de->d_type != DT_UNKNOWN)
            continue;
        cleanup_free char *sub = vz_path_join(path, de->d_name);
        if (walk_at(dirfd(d), de->d_name, sub, w, depth + 1, err) < 0)
            return -1;
    }
    return 0;
}

int vz_fsflags_clear_tree(const char *path, long *cleared, vz_error_t *err)
{
    struct walk w = { 0, 0, 0 };
    int r = walk_at(AT_FDCWD, path, path, &w, 0, err);
    if (cleared)
        *cleared = w.cleared;
    return r;
}
