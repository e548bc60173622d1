/* vpscore/mount.h: the root file system of a sandbox or container.
 *
 * vz_mount_rootfs() runs in the child, in its new mount namespace, as pid 1
 * of its new pid namespace; it never allocates and reports failures with
 * vz_child_fail() (vpscore/ns.h). When it returns 0:
 *   - every mount of the namespace is private (nothing propagates to the host);
 *   - root is "/" (pivot_root; the old root is detached, unreachable);
 *   - /proc is a fresh procfs of the new pid namespace, with the sensitive
 *     files masked (/dev/null bound over them) or read-only (see
 *     docs/runtime.md for the list and why);
 *   - /sys is a fresh, read-only sysfs;
 *   - /dev is a small tmpfs with null, zero, full, random, urandom, tty,
 *     console (a null device) -- made with mknod, or in a user namespace
 *     bound from the host's /dev --, ptmx -> pts/ptmx of a private devpts
 *     instance, shm (tmpfs), mqueue, and the fd/stdin/stdout/stderr links;
 *   - the hostname is set.
 * Mount points in the root that are symlinks are refused (a root could
 * otherwise point /proc at a directory of its choosing); missing ones are
 * created.
 *
 * The host-side functions (overlay, bind, umount, is-mounted) follow the
 * normal error contract.
 */
#ifndef VZ_VPSCORE_MOUNT_H
#define VZ_VPSCORE_MOUNT_H

#include "common/common.h"

struct vz_devices;
struct vz_rootfs {
    const char *root;     /* absolute host path of the directory to become "/" */
    const char *hostname; /* NULL: leave the (new, copied) UTS name alone */
    int root_is_mount;    /* root is already a mount point of its own (skip the self-bind) */
    int userns;           /* in a new user namespace whose maps are written: become its root,
                           * bind the host's device nodes (mknod is refused there) */
    const struct vz_devices *devices; /* NULL, or the nodes /dev gets besides the fixed set
                                       * (vpscore/devices.h: fuse, net/tun, --devnodes) */
};

/* Child side. errfd: the error pipe. */
int vz_mount_rootfs(const struct vz_rootfs *r, int errfd);

/* Host side. */
/* flags: MS_NOSUID, MS_NODEV, ... for the new mount. */
int vz_mount_overlay(const char *lower, const char *upper, const char *work, const char *target,
                     unsigned long flags, vz_error_t *err);
int vz_mount_bind(const char *src, const char *target, unsigned long flags, vz_error_t *err);
/* 1 when the kernel can mount a file system of this type, 0 when it
 * cannot. Asking is what loads it: fsopen(2) makes the kernel request the
 * "fs-TYPE" module, as a mount would, so a stock host where overlay is a
 * module not yet loaded answers 1 (/proc/filesystems lists a module's type
 * only after something loaded it). Nothing is mounted. Without fsopen
 * (kernels before 5.2, or a seccomp filter that refuses it) the answer
 * comes from /proc/filesystems alone. */
int vz_fs_available(const char *type);
/* Unmount target (lazily when busy). Not mounted is not an error. */
int vz_umount(const char *target, vz_error_t *err);
/* 1 when path is a mount point in the caller's mount namespace, 0 if not. */
int vz_is_mountpoint(const char *path);
/* Number of mounts in the caller's namespace whose mount point is path or
 * below it (reads /proc/self/mountinfo); -1 on error. Tests use it. */
int vz_mounts_under(const char *path);

#endif
