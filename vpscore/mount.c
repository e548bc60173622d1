/* vpscore/mount.c: pivot into a root and give it /proc, /sys and /dev. */
#include "vpscore/mount.h"
#include "vpscore/devices.h"
#include "vpscore/ns.h"
#include "vpscore/userns.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

/* /proc files that reveal or change host state: /dev/null is bound over them. */
static const char *const masked_files[] = {
    "/proc/kcore",       "/proc/keys",        "/proc/key-users",  "/proc/latency_stats",
    "/proc/timer_list",  "/proc/timer_stats", "/proc/sched_debug", "/proc/kallsyms",
    "/proc/kpagecount",  "/proc/kpageflags",  "/proc/kpagecgroup", "/proc/sysrq-trigger",
    "/proc/config.gz",
};
/* Directories of host hardware: an empty read-only tmpfs over them. */
static const char *const masked_dirs[] = {
    "/proc/acpi", "/proc/scsi", "/proc/asound", "/sys/firmware", "/proc/driver",
};
/* Kernel tunables and host-wide state: visible, read-only. */
static const char *const readonly_paths[] = {
    "/proc/sys", "/proc/bus", "/proc/fs", "/proc/irq",
};

/* Relative to the new root, which is the current directory while /dev is
 * made (before the pivot, so that the host's nodes can still be bound). */
static const struct {
    const char *name;
    unsigned maj, min;
    const char *host; /* the same device on the host, bound in a user namespace */
} dev_nodes[] = {
    { "dev/null", 1, 3, "/dev/null" },       { "dev/zero", 1, 5, "/dev/zero" },
    { "dev/full", 1, 7, "/dev/full" },       { "dev/random", 1, 8, "/dev/random" },
    { "dev/urandom", 1, 9, "/dev/urandom" }, { "dev/tty", 5, 0, "/dev/tty" },
    { "dev/console", 1, 3, "/dev/null" }, /* no host console: writes go nowhere */
};

static const struct {
    const char *target, *link;
} dev_links[] = {
    { "dev/ptmx", "pts/ptmx" },         { "dev/fd", "/proc/self/fd" },
    { "dev/stdin", "/proc/self/fd/0" }, { "dev/stdout", "/proc/self/fd/1" },
    { "dev/stderr", "/proc/self/fd/2" },
};

/* A mount point inside the new root: a real directory, created if missing. */
static int mount_dir(const char *path, mode_t mode, int errfd)
{
    struct stat st;
    if (lstat(path, &st) == 0) {
        if (S_ISDIR(st.st_mode))
            return 0;
        return vz_child_fail(errfd, 0, "/%s in the root is not a directory (a %s); refusing to mount on it",
                             path, S_ISLNK(st.st_mode) ? "symlink" : "file");
    }
    if (errno != ENOENT || mkdir(path, mode) < 0)
        return vz_child_fail(errfd, errno, "create mount point /%s in the root", path);
    return 0;
}

static int do_mount(const char *src, const char *target, const char *type, unsigned long flags,
                    const char *data, int errfd)
{
    if (mount(src, target, type, flags, data) < 0)
        return vz_child_fail(errfd, errno, "mount %s on %s", type ? type : src, target);
    return 0;
}

/* A device node: made with mknod as real root; in a user namespace, where
 * mknod is refused, the host's own node is bound onto an empty file. */
static int make_node(const char *name, unsigned maj, unsigned min, const char *host, int userns, int errfd)
{
    if (!userns) {
        if (mknod(name, S_IFCHR | 0666, makedev(maj, min)) < 0)
            return vz_child_fail(errfd, errno, "create device node /%s", name);
        return 0;
    }
    int fd = open(name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0666);
    if (fd < 0)
        return vz_child_fail(errfd, errno, "create /%s", name);
    close(fd);
    return do_mount(host, name, NULL, MS_BIND, NULL, errfd);
}

static int setup_dev(const struct vz_rootfs *r, int errfd)
{
    if (mount_dir("dev", 0755, errfd) < 0 ||
        do_mount("tmpfs", "dev", "tmpfs", MS_NOSUID | MS_NOEXEC | MS_STRICTATIME, "mode=755,size=65536k",
                 errfd) < 0)
        return -1;
    for (size_t i = 0; i < VZ_ARRAY_SIZE(dev_nodes); i++)
        if (make_node(dev_nodes[i].name, dev_nodes[i].maj, dev_nodes[i].min, dev_nodes[i].host, r->userns,
                      errfd) < 0)
            return -1;
    /* --devnodes and the optional default ones (fuse, net/tun) */
    for (size_t i = 0; r->devices && i < r->devices->nnodes; i++) {
        const struct vz_dev_node *n = &r->devices->nodes[i];
        char name[80];
        snprintf(name, sizeof(name), "dev/%s", n->path);
        struct stat st;
        if (lstat(name, &st) == 0)
            continue; /* one of the fixed nodes above */
        for (char *s = name + 4; (s = strchr(s, '/')); s++) {
            *s = '\0';
            if (mkdir(name, 0755) < 0 && errno != EEXIST)
                return vz_child_fail(errfd, errno, "create /%s", name);
            *s = '/';
        }
        if (r->userns) {
            if (make_node(name, 0, 0, n->host_path, 1, errfd) < 0)
                return -1;
        } else if (mknod(name, (n->type == 'b' ? S_IFBLK : S_IFCHR) | 0666, makedev(n->major, n->minor)) < 0)
            return vz_child_fail(errfd, errno, "create device node /%s", name);
    }
    if (!r->userns && chmod("dev/console", 0600) < 0) /* (a bound host node keeps the host's mode) */
        return vz_child_fail(errfd, errno, "chmod /dev/console");
    for (size_t i = 0; i < VZ_ARRAY_SIZE(dev_links); i++)
        if (symlink(dev_links[i].link, dev_links[i].target) < 0)
            return vz_child_fail(errfd, errno, "create symlink /%s", dev_links[i].target);
    if (mkdir("dev/pts", 0755) < 0 || mkdir("dev/shm", 01777) < 0 || mkdir("dev/mqueue", 0755) < 0)
        return vz_child_fail(errfd, errno, "create directories in /dev");
    if (do_mount("devpts", "dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
                 "newinstance,ptmxmode=0666,mode=0620,gid=5", errfd) < 0 ||
        do_mount("shm", "dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777,size=65536k", errfd) < 0 ||
        do_mount("mqueue", "dev/mqueue", "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, errfd) < 0)
        return -1;
    return 0;
}

static int setup_masks(int errfd)
{
    for (size_t i = 0; i < VZ_ARRAY_SIZE(masked_files); i++) {
        if (mount("/dev/null", masked_files[i], NULL, MS_BIND, NULL) < 0 && errno != ENOENT)
            return vz_child_fail(errfd, errno, "mask %s", masked_files[i]);
    }
    for (size_t i = 0; i < VZ_ARRAY_SIZE(masked_dirs); i++) {
        if (mount("tmpfs", masked_dirs[i], "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=0")
                < 0 &&
            errno != ENOENT)
            return vz_child_fail(errfd, errno, "mask %s", masked_dirs[i]);
    }
    for (size_t i = 0; i < VZ_ARRAY_SIZE(readonly_paths); i++) {
        const char *p = readonly_paths[i];
        if (mount(p, p, NULL, MS_BIND | MS_REC, NULL) < 0) {
            if (errno == ENOENT)
                continue;
            return vz_child_fail(errfd, errno, "bind %s read-only", p);
        }
        if (mount(NULL, p, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
            return vz_child_fail(errfd, errno, "remount %s read-only", p);
    }
    return 0;
}

int vz_mount_rootfs(const struct vz_rootfs *r, int errfd)
{
    mode_t old_umask = umask(0);
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
        return vz_child_fail(errfd, errno, "make all mounts private");
    /* pivot_root needs the new root to be a mount point, and one made in
     * this namespace: in a user namespace the copied ones are locked. */
    if ((!r->root_is_mount || r->userns) && mount(r->root, r->root, NULL, MS_BIND | MS_REC, NULL) < 0)
        return vz_child_fail(errfd, errno, "bind %s onto itself", r->root);
    /* From here on paths are relative to the new root: its parents on the
     * host may be closed to the container's ids (mode 0700). */
    if (chdir(r->root) < 0)
        return vz_child_fail(errfd, errno, "chdir %s", r->root);
    /* /proc and /sys before the pivot: in a user namespace the kernel lets
     * a new procfs or sysfs be mounted only while a fully visible one (the
     * host's) is still in the namespace. */
    if (mount_dir("proc", 0555, errfd) < 0 ||
        do_mount("proc", "proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, errfd) < 0)
        return -1;
    if (mount_dir("sys", 0555, errfd) < 0 ||
        do_mount("sysfs", "sys", "sysfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, errfd) < 0)
        return -1;
    /* Files in /dev are made as the container's root (a user namespace's
     * tmpfs takes no file from an unmapped id). */
    if (r->userns && vz_userns_become_root() < 0)
        return vz_child_fail(errfd, errno, "become root of the container's user namespace");
    if (setup_dev(r, errfd) < 0)
        return -1;
    /* pivot_root(".", "."): the old root ends up stacked on the new one,
     * and a lazy unmount of "." takes it away (no directory needed). */
    if (syscall(SYS_pivot_root, ".", ".") < 0)
        return vz_child_fail(errfd, errno, "pivot_root into %s", r->root);
    if (umount2(".", MNT_DETACH) < 0)
        return vz_child_fail(errfd, errno, "detach the old root");
    if (chdir("/") < 0)
        return vz_child_fail(errfd, errno, "chdir /");
    if (setup_masks(errfd) < 0)
        return -1;
    if (r->hostname && sethostname(r->hostname, strlen(r->hostname)) < 0)
        return vz_child_fail(errfd, errno, "set hostname %s", r->hostname);
    umask(old_umask);
    return 0;
}

static int listed_in_proc(const char *type)
{
    cleanup_free char *fs = NULL;
    vz_error_t e = NULL;
    if (vz_read_file("/proc/filesystems", &fs, NULL, &e) < 0) {
        vz_error_release(&e);
        return 0;
    }
    /* lines are "nodev\toverlay" or "\text4" */
    cleanup_free char *want = vz_xasprintf("\t%s\n", type);
    return strstr(fs, want) != NULL;
}

int vz_fs_available(const char *type)
{
    int fd = (int)syscall(SYS_fsopen, type, FSOPEN_CLOEXEC);
    if (fd >= 0) {
        close(fd);
        return 1;
    }
    if (errno == ENODEV) /* the kernel looked, module request included */
        return 0;
    return listed_in_proc(type);
}

int vz_mount_overlay(const char *lower, const char *upper, const char *work, const char *target,
                     unsigned long flags, vz_error_t *err)
{
    cleanup_free char *opts = vz_xasprintf("lowerdir=%s,upperdir=%s,workdir=%s", lower, upper, work);
    if (mount("overlay", target, "overlay", flags, opts) < 0)
        return vz_error_sys(err, "mount overlay (%s) on %s", opts, target);
    return 0;
}

int vz_mount_bind(const char *src, const char *target, unsigned long flags, vz_error_t *err)
{
    if (mount(src, target, NULL, MS_BIND, NULL) < 0)
        return vz_error_sys(err, "bind %s on %s", src, target);
    if (flags && mount(NULL, target, NULL, MS_BIND | MS_REMOUNT | flags, NULL) < 0) {
        int e = errno;
        umount2(target, MNT_DETACH);
        errno = e;
        return vz_error_sys(err, "remount %s", target);
    }
    return 0;
}

int vz_umount(const char *target, vz_error_t *err)
{
    if (umount2(target, UMOUNT_NOFOLLOW) == 0 || errno == EINVAL || errno == ENOENT)
        return 0;
    if (errno == EBUSY && umount2(target, MNT_DETACH | UMOUNT_NOFOLLOW) == 0)
        return 0;
    return vz_error_sys(err, "unmount %s", target);
}

/* Decode the octal escapes of a mountinfo field in place. */
static void unescape(char *s)
{
    char *w = s;
    for (char *p = s; *p; p++) {
        if (p[0] == '\\' && p[1] >= '0' && p[1] <= '3' && p[2] && p[3]) {
            *w++ = (char)(((p[1] - '0') << 6) | ((p[2] - '0') << 3) | (p[3] - '0'));
            p += 3;
        } else
            *w++ = *p;
    }
    *w = '\0';
}

static int count_mounts(const char *path, int exact)
{
    cleanup_file FILE *f = fopen("/proc/self/mountinfo", "re");
    if (!f)
        return -1;
    size_t plen = strlen(path);
    while (plen > 1 && path[plen - 1] == '/')
        plen--;
    char line[4096];
    int n = 0;
    while (fgets(line, sizeof(line), f)) {
        /* id parent maj:min root mountpoint ... */
        char *field = line;
        for (int i = 0; i < 4 && field; i++) {
            field = strchr(field, ' ');
            if (field)
                field++;
        }
        if (!field)
            continue;
        char *end = strchr(field, ' ');
        if (end)
            *end = '\0';
        unescape(field);
        if (strncmp(field, path, plen) != 0)
            continue;
        if (field[plen] == '\0' || (!exact && field[plen] == '/'))
            n++;
    }
    return n;
}

int vz_is_mountpoint(const char *path)
{
    return count_mounts(path, 1) > 0;
}

int vz_mounts_under(const char *path)
{
    return count_mounts(path, 0);
}
