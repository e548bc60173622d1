#include "common/fs.h"
#include "common/cleanup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef VZ_DATADIR
#define VZ_DATADIR "/usr/local/share/vzforge"
#endif

int vz_atomic_open(struct vz_atomic_file *f, const char *path, mode_t mode, vz_error_t *err)
{
    f->path = vz_xstrdup(path);
    f->tmppath = vz_xasprintf("%s.tmp.XXXXXX", path);
    f->fd = mkostemp(f->tmppath, O_CLOEXEC);
    if (f->fd < 0) {
        int e = errno;
        free(f->tmppath);
        f->tmppath = NULL;
        vz_error_set(err, VZ_ESYSTEM, e, "create temporary file for %s", path);
        free(f->path);
        f->path = NULL;
        return -1;
    }
    if (fchmod(f->fd, mode) < 0) {
        int e = errno;
        vz_atomic_abort(f);
        return vz_error_set(err, VZ_ESYSTEM, e, "chmod %s", path);
    }
    return 0;
}

int vz_atomic_commit(struct vz_atomic_file *f, vz_error_t *err)
{
    if (f->tmppath == NULL)
        return vz_error_set(err, VZ_ESYSTEM, 0, "commit of %s: file not open", f->path ? f->path : "?");
    if (fsync(f->fd) < 0 || close(f->fd) < 0) {
        int e = errno;
        f->fd = -1;
        vz_error_set(err, VZ_ESYSTEM, e, "write %s", f->path);
        vz_atomic_abort(f);
        return -1;
    }
    f->fd = -1;
    if (rename(f->tmppath, f->path) < 0) {
        int e = errno;
        vz_error_set(err, VZ_ESYSTEM, e, "rename %s into place", f->path);
        vz_atomic_abort(f);
        return -1;
    }
    free(f->tmppath);
    f->tmppath = NULL;
    free(f->path);
    f->path = NULL;
    return 0;
}

void vz_atomic_abort(struct vz_atomic_file *f)
{
    if (f->fd >= 0)
        close(f->fd);
    f->fd = -1;
    if (f->tmppath) {
        unlink(f->tmppath);
        free(f->tmppath);
        f->tmppath = NULL;
    }
    free(f->path);
    f->path = NULL;
}

int vz_atomic_write(const char *path, const void *data, size_t len, mode_t mode, vz_error_t *err)
{
    struct vz_atomic_file f cleanup_atomic = { NULL, NULL, -1 };
    if (vz_atomic_open(&f, path, mode, err) < 0)
        return -1;
    const char *p = data;
    while (len > 0) {
        ssize_t n = write(f.fd, p, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return vz_error_sys(err, "write %s", path);
        }
        p += n;
        len -= (size_t)n;
    }
    return vz_atomic_commit(&f, err);
}

int vz_mkdir_p(const char *path, mode_t mode, vz_error_t *err)
{
    cleanup_free char *p = vz_xstrdup(path);
    size_t n = strlen(p);
    while (n > 1 && p[n - 1] == '/')
        p[--n] = '\0';
    for (char *s = p + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        if (mkdir(p, mode) < 0 && errno != EEXIST)
            return vz_error_sys(err, "mkdir %s", p);
        *s = '/';
    }
    if (mkdir(p, mode) < 0 && errno != EEXIST)
        return vz_error_sys(err, "mkdir %s", p);
    if (!vz_is_dir(p))
        return vz_error_set(err, VZ_ESYSTEM, ENOTDIR, "mkdir %s", p);
    return 0;
}

static int rm_tree_at(int parent, const char *name, dev_t dev, const char *top, vz_error_t *err)
{
    struct stat st;
    if (fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
        if (errno == ENOENT)
            return 0;
        return vz_error_sys(err, "remove %s: stat %s", top, name);
    }
    if (!S_ISDIR(st.st_mode)) {
        if (unlinkat(parent, name, 0) < 0 && errno != ENOENT)
            return vz_error_sys(err, "remove %s: unlink %s", top, name);
        return 0;
    }
    if (st.st_dev != dev)
        return vz_error_set(err, VZ_ESYSTEM, EXDEV,
                            "remove %s: %s is another file system (a mount left behind?)", top, name);
    int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return vz_error_sys(err, "remove %s: open %s", top, name);
    DIR *d = fdopendir(fd);
    if (d == NULL) {
        close(fd);
        return vz_error_sys(err, "remove %s: opendir %s", top, name);
    }
    struct dirent *de;
    int r = 0;
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (rm_tree_at(dirfd(d), de->d_name, dev, top, err) < 0) {
            r = -1;
            break;
        }
    }
    closedir(d);
    if (r < 0)
        return r;
    if (unlinkat(parent, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
        return vz_error_sys(err, "remove %s: rmdir %s", top, name);
    return 0;
}

int vz_rm_rf_at(int dirfd, const char *name, vz_error_t *err)
{
    struct stat st;
    if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
        if (errno == ENOENT)
            return 0;
        return vz_error_sys(err, "remove %s", name);
    }
    return rm_tree_at(dirfd, name, st.st_dev, name, err);
}

int vz_rm_rf(const char *path, vz_error_t *err)
{
    return vz_rm_rf_at(AT_FDCWD, path, err);
}

int vz_read_file(const char *path, char **data, size_t *len, vz_error_t *err)
{
    cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return vz_error_set(err, errno == ENOENT ? VZ_EFAIL : VZ_ESYSTEM, errno, "open %s", path);
    size_t cap = 4096, n = 0;
    char *buf = vz_xmalloc(cap);
    for (;;) {
        if (n + 1 >= cap) {
            cap *= 2;
            buf = vz_xrealloc(buf, cap);
        }
        ssize_t r = read(fd, buf + n, cap - n - 1);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            free(buf);
            return vz_error_set(err, VZ_ESYSTEM, e, "read %s", path);
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    buf[n] = '\0';
    *data = buf;
    if (len)
        *len = n;
    return 0;
}

int vz_file_exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

int vz_is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

char *vz_path_join(const char *a, const char *b)
{
    size_t la = strlen(a);
    while (la > 0 && a[la - 1] == '/')
        la--;
    while (*b == '/')
        b++;
    return vz_xasprintf("%.*s/%s", (int)la, a, b);
}

const char *vz_root(void)
{
    const char *r = getenv("VZ_ROOT");
    return r ? r : "";
}

char *vz_root_path(const char *abs)
{
    const char *r = vz_root();
    if (*r == '\0')
        return vz_xstrdup(abs);
    return vz_path_join(r, abs);
}

char *vz_self_dir(void)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n <= 0)
        return NULL;
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (slash == NULL)
        return NULL;
    *slash = '\0';
    return vz_xstrdup(exe);
}

const char *vz_shipped_distros_dir(void)
{
    static char *cached;
    if (cached)
        return cached;
    const char *env = getenv("VZ_DISTROS_DIR");
    if (env && *env)
        return cached = vz_xstrdup(env);
    /* build/bin/vzpkg -> the source tree is two levels above bin/ */
    cleanup_free char *dir = vz_self_dir();
    for (int up = 0; dir && up < 3; up++) {
        char *cand = vz_xasprintf("%s/distros", dir);
        char *mark = vz_xasprintf("%s/common/error.h", dir);
        int ok = vz_is_dir(cand) && vz_file_exists(mark);
        free(mark);
        if (ok)
            return cached = cand;
        free(cand);
        char *slash = strrchr(dir, '/');
        if (slash == NULL)
            break;
        *slash = '\0';
    }
    return cached = vz_xstrdup(VZ_DATADIR "/distros");
}

int vz_safe_name(const char *name)
{
    if (!name || !*name || name[0] == '-' || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
        return 0;
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++, n++)
        if (*p == '/' || *p < 0x20 || *p == 0x7f)
            return 0;
    return n <= 255;
}

int vz_copy_file(const char *src, const char *dst, vz_error_t *err)
{
    cleanup_close int in = open(src, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return vz_error_sys(err, "open %s", src);
    struct stat st;
    if (fstat(in, &st) < 0)
        return vz_error_sys(err, "stat %s", src);
    struct vz_atomic_file f cleanup_atomic = { NULL, NULL, -1 };
    if (vz_atomic_open(&f, dst, st.st_mode & 07777, err) < 0)
        return -1;
    char buf[65536];
    for (;;) {
        ssize_t n = read(in, buf, sizeof(buf));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return vz_error_sys(err, "read %s", src);
        }
        if (n == 0)
            break;
        for (ssize_t off = 0; off < n;) {
            ssize_t w = write(f.fd, buf + off, (size_t)(n - off));
            if (w < 0)
                return vz_error_sys(err, "write %s", dst);
            off += w;
        }
    }
    return vz_atomic_commit(&f, err);
}
