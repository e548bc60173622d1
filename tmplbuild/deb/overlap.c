/* tmplbuild/deb/overlap.c: files shipped by more than one package.
 *
 * dpkg unpacks packages one after the other, so when two packages ship the
 * same file (allowed with Replaces), the one unpacked later wins and the
 * file disappears from the other's .list. Unpacked in parallel, the winner
 * would be whichever thread wrote last. This pass restores dpkg's outcome:
 * the package latest in plan order owns the file, which is written again
 * from it when another owner was written at the same time or later, and the
 * file leaves the others' lists.
 * It costs one sort of all paths when nothing overlaps. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tmplbuild/deb/dpkgdb.h"
#include "tmplbuild/deb/overlap.h"

struct owner {
    const char *path;
    size_t pkg;
};

static int cmp_owner(const void *a, const void *b)
{
    const struct owner *x = a, *y = b;
    int c = strcmp(x->path, y->path);
    if (c)
        return c;
    return x->pkg < y->pkg ? -1 : x->pkg > y->pkg;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A directory, or a symlink to one inside the root (bin -> usr/bin,
 * var/run -> /run): one level of link resolved against the root, never
 * against the host. */
static bool is_dir_in_root(const char *root, const char *disk)
{
    struct stat st;
    if (lstat(disk, &st) < 0)
        return false;
    if (S_ISDIR(st.st_mode))
        return true;
    if (!S_ISLNK(st.st_mode))
        return false;
    char target[4096];
    ssize_t n = readlink(disk, target, sizeof(target) - 1);
    if (n <= 0)
        return false;
    target[n] = '\0';
    cleanup_free char *dir = vz_xstrdup(disk);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    cleanup_free char *resolved =
        target[0] == '/' ? vz_path_join(root, target) : vz_path_join(dir, target);
    return lstat(resolved, &st) == 0 && S_ISDIR(st.st_mode);
}

static void drop_from_list(struct vz_deb_info *info, const char *path)
{
    for (size_t i = 0; i < info->n_files; i++)
        if (strcmp(info->files[i], path) == 0) {
            free(info->files[i]);
            memmove(&info->files[i], &info->files[i + 1], (info->n_files - i) * sizeof(char *));
            info->n_files--;
            return;
        }
}

struct dir_owner {
    const struct vz_deb_dir *d;
    size_t pkg;
};

static int cmp_dir_owner(const void *a, const void *b)
{
    const struct dir_owner *x = a, *y = b;
    int c = strcmp(x->d->path, y->d->path);
    if (c)
        return c;
    return x->pkg < y->pkg ? -1 : x->pkg > y->pkg;
}

int vz_overlap_settle_dirs(const struct vz_unpack_root *ur, struct vz_deb_info **info,
                           const bool *which, size_t n, vz_error_t *err)
{
    size_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += which[i] && info[i] ? info[i]->n_dirs : 0;
    cleanup_free struct dir_owner *o = vz_xcalloc(total + 1, sizeof(*o));
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; which[i] && info[i] && j < info[i]->n_dirs; j++)
            o[k++] = (struct dir_owner){ &info[i]->dirs[j], i };
    qsort(o, k, sizeof(*o), cmp_dir_owner);
    for (size_t a = 0; a < k;) {
        size_t b = a + 1;
        while (b < k && strcmp(o[b].d->path, o[a].d->path) == 0)
            b++;
        if (b - a > 1) {
            const struct vz_deb_dir *d = o[b - 1].d; /* latest in plan order */
            cleanup_free char *disk = vz_unpack_path(ur, d->path, info[o[b - 1].pkg]->package);
            struct stat st;
            if (lstat(disk, &st) == 0 && S_ISDIR(st.st_mode)) {
                struct timespec ts[2] = { { 0, UTIME_OMIT }, { d->mtime, d->mtime_ns } };
                if (lchown(disk, d->uid, d->gid) < 0 || chmod(disk, d->mode) < 0 ||
                    utimensat(AT_FDCWD, disk, ts, AT_SYMLINK_NOFOLLOW) < 0)
                    return vz_error_sys(err, "set %s as %s ships it", disk,
                                        info[o[b - 1].pkg]->package);
            }
        }
        a = b;
    }
    return 0;
}

int vz_overlap_fix(const struct vz_unpack_root *ur, const char *const *debs,
                   struct vz_deb_info **info, const unsigned *seq, size_t n, vz_error_t *err)
{
    size_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += info[i] ? info[i]->n_files : 0;
    struct owner *o = vz_xcalloc(total + 1, sizeof(*o));
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; info[i] && j < info[i]->n_files; j++)
            o[k++] = (struct owner){ info[i]->files[j], i };
    qsort(o, k, sizeof(*o), cmp_owner);

    char ***again = vz_xcalloc(n + 1, sizeof(char **)); /* per winner: paths to write again */
    bool *relist = vz_xcalloc(n + 1, sizeof(bool));
    /* losers' paths are collected first: dropping them frees the strings o[] points at */
    char **drop_path = NULL;
    size_t *drop_pkg = NULL, n_drop = 0;
    for (size_t a = 0; a < k;) {
        size_t b = a + 1;
        while (b < k && strcmp(o[b].path, o[a].path) == 0)
            b++;
        if (b - a > 1) {
            cleanup_free char *disk = vz_unpack_path(ur, o[a].path, info[o[b - 1].pkg]->package);
            if (is_dir_in_root(ur->root, disk)) {
                a = b;
                continue; /* directories are shared, not owned */
            }
            size_t win = o[b - 1].pkg;
            for (size_t c = a; c < b - 1; c++) {
                size_t lose = o[c].pkg;
                if (seq[lose] >= seq[win] && !vz_strv_contains(again[win], o[a].path))
                    vz_strv_push(&again[win], o[a].path); /* written with or after the winner */
                drop_path = vz_xrealloc(drop_path, (n_drop + 1) * sizeof(char *));
                drop_pkg = vz_xrealloc(drop_pkg, (n_drop + 1) * sizeof(size_t));
                drop_path[n_drop] = vz_xstrdup(o[c].path);
                drop_pkg[n_drop++] = lose;
                relist[lose] = true;
                vz_debug("%s is in %s and %s: %s keeps it, as dpkg would", o[a].path,
                         info[lose]->package, info[win]->package, info[win]->package);
            }
        }
        a = b;
    }
    free(o);
    int ret = 0;
    for (size_t d = 0; d < n_drop; d++) {
        drop_from_list(info[drop_pkg[d]], drop_path[d]);
        free(drop_path[d]);
    }
    free(drop_path);
    free(drop_pkg);
    for (size_t i = 0; i < n && ret == 0; i++) {
        if (again[i]) {
            size_t m = vz_strv_len(again[i]);
            qsort(again[i], m, sizeof(char *), cmp_str);
            if ((ret = vz_unpack_deb_paths(ur, debs[i], (const char *const *)again[i], m, err)) < 0)
                break;
        }
        if (relist[i])
            ret = vz_dpkgdb_write_info(ur->root, info[i], err);
    }
    for (size_t i = 0; i < n; i++)
        vz_strv_free(again[i]);
    free(again);
    free(relist);
    return ret;
}
