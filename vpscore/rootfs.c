/* vpscore/rootfs.c: confined file access inside a container root (rootfs.h). */
#include "vpscore/rootfs.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static int open_in_root(int rootfd, const char *rel, int flags, mode_t mode)
{
    struct open_how how = {
        .flags = (unsigned long long)(flags | O_CLOEXEC),
        .mode = (flags & O_CREAT) ? mode : 0,
        .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
    };
    return (int)syscall(SYS_openat2, rootfd, rel, &how, sizeof(how));
}

/* Open (creating as needed) the directory dir below rootfd, confined. */
static int open_dir_in_root(int rootfd, const char *dir, const char *root, vz_error_t *err)
{
    if (*dir == '\0')
        return fcntl(rootfd, F_DUPFD_CLOEXEC, 0);
    int fd = open_in_root(rootfd, dir, O_RDONLY | O_DIRECTORY, 0);
    if (fd >= 0)
        return fd;
    if (errno != ENOENT)
        return vz_error_sys(err, "open %s/%s", root, dir);
    /* create component by component, each confined */
    cleanup_free char *p = vz_xstrdup(dir);
    for (char *s = p;; s++) {
        if (*s != '/' && *s != '\0')
            continue;
        char c = *s;
        *s = '\0';
        int d = open_in_root(rootfd, p, O_RDONLY | O_DIRECTORY, 0);
        if (d < 0 && errno == ENOENT) {
            char *slash = strrchr(p, '/');
            int parent = slash ? (*slash = '\0', open_in_root(rootfd, p, O_RDONLY | O_DIRECTORY, 0))
                               : fcntl(rootfd, F_DUPFD_CLOEXEC, 0);
            if (slash)
                *slash = '/';
            if (parent < 0)
                return vz_error_sys(err, "open %s/%s", root, p);
            const char *leaf = slash ? slash + 1 : p;
            struct stat rst;
            int made = mkdirat(parent, leaf, 0755) == 0;
            if (!made && errno != EEXIST) {
                int e = errno;
                close(parent);
                return vz_error_set(err, VZ_ESYSTEM, e, "mkdir %s/%s", root, p);
            }
            /* the owner of the root owns what we add (the container's root) */
            if (made && fstat(rootfd, &rst) == 0 && (rst.st_uid || rst.st_gid) &&
                fchownat(parent, leaf, rst.st_uid, rst.st_gid, AT_SYMLINK_NOFOLLOW) < 0) {
                int e = errno;
                close(parent);
                return vz_error_set(err, VZ_ESYSTEM, e, "chown %s/%s", root, p);
            }
            close(parent);
            d = open_in_root(rootfd, p, O_RDONLY | O_DIRECTORY, 0);
        }
        if (d < 0)
            return vz_error_sys(err, "open %s/%s", root, p);
        *s = c;
        if (c == '\0')
            return d;
        close(d);
    }
}

int vz_rootfs_write(const char *root, const char *rel, const void *data, size_t len, mode_t mode,
                    vz_error_t *err)
{
    return vz_rootfs_write_like(root, rel, data, len, mode, NULL, err);
}

int vz_rootfs_stat(const char *root, const char *rel, struct stat *st)
{
    while (*rel == '/')
        rel++;
    int rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0)
        return -1;
    int fd = open_in_root(rootfd, rel, O_PATH | O_NOFOLLOW, 0);
    int e = errno;
    close(rootfd);
    if (fd < 0) {
        errno = e;
        return -1;
    }
    int r = fstat(fd, st);
    e = errno;
    close(fd);
    errno = e;
    return r;
}

int vz_rootfs_write_like(const char *root, const char *rel, const void *data, size_t len, mode_t mode,
                         const struct stat *like, vz_error_t *err)
{
    while (*rel == '/')
        rel++;
    cleanup_close int rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0)
        return vz_error_sys(err, "open container root %s", root);
    cleanup_free char *dir = vz_xstrdup(rel);
    char *slash = strrchr(dir, '/');
    const char *name = rel;
    if (slash) {
        *slash = '\0';
        name = rel + (slash - dir) + 1;
    } else
        dir[0] = '\0';
    if (!vz_safe_name(name))
        return vz_error_set(err, VZ_EBADARG, 0, "%s: not a file name", rel);
    cleanup_close int dfd = open_dir_in_root(rootfd, dir, root, err);
    if (dfd < 0)
        return -1;
    struct stat old;
    int have_old = fstatat(dfd, name, &old, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(old.st_mode);
    if (!have_old && like) {
        old = *like;
        have_old = 1;
    }
    unsigned char rnd[6];
    if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
        return vz_error_sys(err, "getrandom");
    char hex[13];
    vz_hex_encode(rnd, sizeof(rnd), hex);
    cleanup_free char *tmp = vz_xasprintf(".%s.vztmp.%s", name, hex);
    int fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                    have_old ? (old.st_mode & 07777) : mode);
    if (fd < 0)
        return vz_error_sys(err, "create %s/%s", root, rel);
    int r = 0;
    struct stat rst;
    if (have_old && (fchown(fd, old.st_uid, old.st_gid) < 0 || fchmod(fd, old.st_mode & 07777) < 0))
        r = vz_error_sys(err, "keep owner and mode of %s/%s", root, rel);
    else if (!have_old && (fchmod(fd, mode) < 0 ||
                           /* a new file belongs to the owner of the root: the container's root */
                           (fstat(rootfd, &rst) == 0 && (rst.st_uid || rst.st_gid) &&
                            fchown(fd, rst.st_uid, rst.st_gid) < 0)))
        r = vz_error_sys(err, "chmod %s/%s", root, rel);
    for (size_t off = 0; r == 0 && off < len;) {
        ssize_t w = write(fd, (const char *)data + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            r = vz_error_sys(err, "write %s/%s", root, rel);
        else
            off += (size_t)w;
    }
    if (r == 0 && fsync(fd) < 0)
        r = vz_error_sys(err, "fsync %s/%s", root, rel);
    close(fd);
    if (r == 0 && renameat(dfd, tmp, dfd, name) < 0)
        r = vz_error_sys(err, "rename into %s/%s", root, rel);
    if (r < 0)
        unlinkat(dfd, tmp, 0);
    return r;
}

int vz_rootfs_read(const char *root, const char *rel, char **data, size_t *len, vz_error_t *err)
{
    while (*rel == '/')
        rel++;
    cleanup_close int rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0)
        return vz_error_sys(err, "open container root %s", root);
    cleanup_close int fd = open_in_root(rootfd, rel, O_RDONLY, 0);
    if (fd < 0)
        return vz_error_set(err, errno == ENOENT ? VZ_EFAIL : VZ_ESYSTEM, errno, "open %s/%s", root, rel);
    cleanup_free char *p = vz_xasprintf("/proc/self/fd/%d", fd);
    return vz_read_file(p, data, len, err);
}
