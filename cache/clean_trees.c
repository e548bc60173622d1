/* cache/clean_trees.c: garbage collection of the shared overlay trees
 * (clean.h, vz_tree_gc). */
#include "cache/clean.h"

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache/lock.h"
#include "cache/store.h"
#include "cache/tree_mark.h"

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "NAME-<64 hex>": *name gets NAME; false for anything else. */
static bool tree_name(const char *d, char **name)
{
    size_t l = strlen(d);
    if (l < 66 || d[l - 65] != '-')
        return false;
    for (const char *p = d + l - 64; *p; p++)
        if (!strchr("0123456789abcdef", *p))
            return false;
    *name = vz_xasprintf("%.*s", (int)(l - 65), d);
    if (!vz_safe_name(*name)) {
        free(*name);
        return false;
    }
    return true;
}

static bool in(char **v, const char *s)
{
    for (; v && *v; v++)
        if (strcmp(*v, s) == 0)
            return true;
    return false;
}

static __thread uint64_t walk_bytes;

static int add_size(const char *p, const struct stat *st, int flag, struct FTW *f)
{
    (void)p, (void)f;
    if (flag == FTW_F && S_ISREG(st->st_mode))
        walk_bytes += (uint64_t)st->st_size;
    return 0;
}

static uint64_t tree_bytes(const char *path)
{
    walk_bytes = 0;
    nftw(path, add_size, 16, FTW_PHYS | FTW_MOUNT);
    return walk_bytes;
}

/* A tree goes out of its final name in one rename, then loses its record,
 * then is emptied: a create never finds half a tree under the final name
 * (one without a record would be adopted once its tarball verifies). */
static int remove_tree(const char *dir, const char *n, const char *name, vz_error_t *err)
{
    cleanup_free char *p = vz_path_join(dir, n);
    cleanup_free char *gone = vz_xasprintf("%s/.%s.tmp.gc-%.12s", dir, name, n + strlen(n) - 64);
    if (vz_is_dir(gone) && vz_rm_rf(gone, err) < 0) /* the remains of a gc killed before */
        return -1;
    if (rename(p, gone) < 0)
        return vz_error_sys(err, "rename %s to %s", p, gone);
    cleanup_free char *mark = vz_tree_mark_path(p);
    if (unlink(mark) < 0 && errno != ENOENT)
        vz_warn("cannot remove %s: %s", mark, strerror(errno));
    return vz_rm_rf(gone, err);
}

/* ".NAME-<sha>.verified" (or its temporary) whose tree is gone. */
static void remove_orphan_record(const char *dir, const char *n)
{
    const char *end = strstr(n, ".verified");
    cleanup_free char *tree = vz_xasprintf("%.*s", (int)(end - n - 1), n + 1);
    cleanup_free char *name = NULL;
    if (!tree_name(tree, &name))
        return;
    cleanup_free char *tp = vz_path_join(dir, tree);
    if (vz_file_exists(tp))
        return;
    /* a create between writing the record and renaming its tree holds the lock */
    struct vz_lock *lk cleanup_lock = NULL;
    vz_error_t e = NULL;
    if (vz_lock_tree(name, false, 0, &lk, &e) < 0) {
        vz_error_release(&e);
        return;
    }
    cleanup_free char *p = vz_path_join(dir, n);
    if (!vz_file_exists(tp) && unlink(p) < 0 && errno != ENOENT)
        vz_warn("cannot remove %s: %s", p, strerror(errno));
}

int vz_tree_gc(bool dry_run, vz_trees_in_use_fn *in_use, struct vz_gc_result *res, vz_error_t *err)
{
    memset(res, 0, sizeof(*res));
    res->removed = vz_xcalloc(1, sizeof(char *));
    cleanup_free char *dir = vz_template_path("unpacked");
    cleanup_dir DIR *d = opendir(dir);
    if (!d)
        return errno == ENOENT ? 0 : vz_error_sys(err, "open %s", dir);
    cleanup_strv char **refs = NULL;
    if (in_use(&refs, err) < 0)
        return -1;
    struct dirent *de;
    while ((de = readdir(d))) {
        const char *n = de->d_name;
        cleanup_free char *name = NULL;
        bool tmp = false;
        if (n[0] == '.' && strstr(n, ".verified")) { /* a record (cache/tree_mark.h) */
            if (!dry_run)
                remove_orphan_record(dir, n);
            continue;
        }
        if (n[0] == '.' && strstr(n, ".tmp.")) { /* .NAME.tmp.XXXXXX of an interrupted create */
            name = vz_xasprintf("%.*s", (int)(strstr(n, ".tmp.") - n - 1), n + 1);
            tmp = vz_safe_name(name);
            if (!tmp)
                continue;
        } else if (!tree_name(n, &name))
            continue;
        cleanup_free char *p = vz_path_join(dir, n);
        if (!vz_is_dir(p))
            continue;
        uint64_t bytes = tree_bytes(p);
        bool keep = !tmp && in(refs, n);
        struct vz_lock *lk cleanup_lock = NULL;
        if (!keep) {
            vz_error_t e = NULL;
            if (vz_lock_tree(name, false, 0, &lk, &e) < 0) {
                vz_debug("keeping %s: %s", n, e->msg);
                vz_error_release(&e);
                keep = true;
            }
        }
        if (!keep && !tmp) {
            /* the current cache's tree stays: the next create reuses it */
            struct vz_cache_info *c = NULL;
            vz_error_t e = NULL;
            if (vz_cache_find(name, &c, &e) == 0) {
                cleanup_free char *cur = vz_xasprintf("%s-%s", c->name, c->tar_sha256);
                keep = strcmp(cur, n) == 0;
            } else if (e->status != VZ_ENOTEMPLATE) {
                vz_warn("keeping %s: %s", n, e->msg); /* cannot tell whether it is current */
                keep = true;
            }
            vz_error_release(&e);
            vz_cache_info_free(c);
        }
        if (!keep && !tmp) {
            /* a create that finished after the first look names it now */
            cleanup_strv char **now = NULL;
            if (in_use(&now, err) < 0)
                return -1;
            keep = in(now, n);
        }
        if (keep) {
            res->kept_files++;
            res->kept_bytes += bytes;
            continue;
        }
        vz_error_t e = NULL;
        if (!dry_run && (tmp ? vz_rm_rf(p, &e) : remove_tree(dir, n, name, &e)) < 0) {
            vz_warn("cannot remove shared tree %s: %s", p, e->msg);
            vz_error_release(&e);
            continue;
        }
        vz_strv_push(&res->removed, n);
        res->removed_files++;
        res->removed_bytes += bytes;
    }
    if (res->removed_files)
        qsort(res->removed, vz_strv_len(res->removed), sizeof(char *), cmp_str);
    return 0;
}
