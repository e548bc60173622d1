/* vpscore/idmap.c: open_tree / mount_setattr / move_mount (idmap.h). */
#include "vpscore/idmap.h"
#include "vpscore/mount.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

static int sys_open_tree(const char *path, unsigned flags)
{
    return (int)syscall(SYS_open_tree, AT_FDCWD, path, flags);
}

static int sys_mount_setattr(int fd, struct mount_attr *a)
{
    return (int)syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH, a, sizeof(*a));
}

int vz_mount_attach_raw(int fd, const char *target)
{
    return (int)syscall(SYS_move_mount, fd, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH);
}

int vz_mount_attach(int fd, const char *target, vz_error_t *err)
{
    if (vz_mount_attach_raw(fd, target) < 0)
        return vz_error_sys(err, "attach a mount on %s", target);
    return 0;
}

int vz_mount_clone(const char *path, unsigned set, unsigned clear, vz_error_t *err)
{
    int fd = sys_open_tree(path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
    if (fd < 0)
        return vz_error_sys(err, "copy the mount at %s (open_tree: Linux 5.2 or later)", path);
    struct mount_attr a = { .attr_set = set, .attr_clr = clear };
    if ((set || clear) && sys_mount_setattr(fd, &a) < 0) {
        int e = errno;
        close(fd);
        errno = e;
        return vz_error_sys(err, "set the flags of a copy of %s (mount_setattr: Linux 5.12 or later)", path);
    }
    return fd;
}

int vz_idmap_mount(const char *src, const char *target, const struct vz_idmap *m, vz_error_t *err)
{
    cleanup_close int ns = vz_userns_fd(m, err);
    if (ns < 0)
        return -1;
    cleanup_close int fd = sys_open_tree(src, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
    if (fd < 0)
        return vz_error_sys(err, "copy the tree %s (open_tree: Linux 5.2 or later)", src);
    struct mount_attr a = { .attr_set = MOUNT_ATTR_IDMAP | MOUNT_ATTR_RDONLY | MOUNT_ATTR_NODEV,
                            .userns_fd = (unsigned long long)ns };
    if (sys_mount_setattr(fd, &a) < 0) {
        if (errno == EINVAL || errno == ENOSYS || errno == EPERM || errno == EOPNOTSUPP)
            return vz_error_set(err, VZ_ESYSTEM, errno,
                                "cannot map the ids of the template tree %s: this kernel or the file system "
                                "under it has no idmapped mounts (Linux 5.12 or later, and a file system that "
                                "supports them: ext4, xfs, btrfs, tmpfs 6.3+); use --layout plain, whose ids "
                                "are shifted while unpacking",
                                src);
        return vz_error_sys(err, "map the ids of %s", src);
    }
    if (vz_mount_attach(fd, target, err) < 0)
        return -1;
    return 0;
}
