/* cache/clean.c: package-cache garbage collection. */
#include "cache/clean.h"
#include "cache/pkgs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache/lock.h"
#include "cache/store.h"
#include "common/lock.h"

static bool is_sha256_name(const char *s)
{
    if (strlen(s) != 64)
        return false;
    for (; *s; s++)
        if (!strchr("0123456789abcdef", *s))
            return false;
    return true;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted list of every package sha256 the current caches reference. */
static int referenced(char ***out, size_t *n, vz_error_t *err)
{
    char **names = NULL;
    if (vz_cache_list(&names, err) < 0)
        return -1;
    char **refs = vz_xcalloc(1, sizeof(char *));
    size_t cnt = 0;
    int r = 0;
    for (char **nm = names; r == 0 && *nm; nm++) {
        struct vz_cache_info *c = NULL;
        struct vz_manifest *m = NULL;
        if (vz_cache_find(*nm, &c, err) < 0 || vz_cache_manifest(c, &m, err) < 0) {
            vz_cache_info_free(c);
            /* never delete what an unreadable manifest might reference */
            r = vz_error_wrap(err, "cannot tell which packages cache %s uses (fix or remove it "
                                   "with 'vzpkg remove-cache %s' before cleaning)", *nm, *nm);
            break;
        }
        for (size_t i = 0; i < m->n_pkgs; i++)
            if (m->pkgs[i].sha256[0]) {
                refs = vz_xrealloc(refs, sizeof(char *) * (cnt + 2));
                refs[cnt++] = vz_xstrdup(m->pkgs[i].sha256);
                refs[cnt] = NULL;
            }
        vz_manifest_free(m);
        vz_cache_info_free(c);
    }
    vz_strv_free(names);
    if (r < 0) {
        vz_strv_free(refs);
        return -1;
    }
    qsort(refs, cnt, sizeof(char *), cmp_str);
    *out = refs;
    *n = cnt;
    return 0;
}

/* Leftovers in template/tmp of interrupted downloads and imports: a partial
 * download whose flock is free (fetch holds it while writing), and an import
 * tree whose template lock is free (import holds it while running). */
static void remove_stale_tmp(bool dry_run, struct vz_gc_result *res)
{
    cleanup_free char *dir = vz_template_path("tmp");
    cleanup_dir DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *de;
    while ((de = readdir(d))) {
        const char *n = de->d_name;
        cleanup_free char *p = vz_path_join(dir, n);
        bool stale = false;
        if (!strncmp(n, "download-", 9) && vz_str_ends_with(n, ".part")) {
            int fd = open(p, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
            if (fd >= 0 && vz_flock_fd(fd, false, false) == 0)
                stale = true;
            if (fd >= 0)
                close(fd); /* drops our flock */
        } else if (!strncmp(n, "import-", 7) && strrchr(n, '.')) {
            cleanup_free char *name = vz_xasprintf("%.*s", (int)(strrchr(n, '.') - n - 7), n + 7);
            struct vz_lock *lk = NULL;
            vz_error_t e = NULL;
            if (vz_safe_name(name) && vz_lock_template(name, 0, &lk, &e) == 0) {
                stale = true;
                vz_lock_release(lk);
            }
            vz_error_release(&e);
        }
        if (!stale)
            continue;
        struct stat st;
        uint64_t bytes = lstat(p, &st) == 0 && S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0;
        vz_error_t e = NULL;
        if (!dry_run && vz_rm_rf(p, &e) < 0) {
            vz_warn("cannot remove stale %s: %s", p, e->msg);
            vz_error_release(&e);
            continue;
        }
        vz_strv_push(&res->removed, n);
        res->removed_files++;
        res->removed_bytes += bytes;
    }
}

int vz_pkgcache_gc(bool all, bool dry_run, int lock_timeout_s, struct vz_gc_result *res,
                   vz_error_t *err)
{
    memset(res, 0, sizeof(*res));
    res->removed = vz_xcalloc(1, sizeof(char *));
    struct vz_lock *lock cleanup_lock = NULL;
    if (vz_lock_pkgcache(false, lock_timeout_s, &lock, err) < 0)
        return -1;
    char **refs = NULL;
    size_t nrefs = 0;
    if (!all && referenced(&refs, &nrefs, err) < 0)
        return -1;
    remove_stale_tmp(dry_run, res);
    cleanup_free char *dir = vz_template_path("pkgs");
    cleanup_dir DIR *d = opendir(dir);
    if (!d) {
        vz_strv_free(refs);
        if (errno == ENOENT)
            return 0;
        return vz_error_sys(err, "open %s", dir);
    }
    int dfd = dirfd(d);
    struct dirent *de;
    int r = 0;
    while ((de = readdir(d))) {
        const char *n = de->d_name;
        size_t l = strlen(n);
        bool part = l > 5 && vz_str_ends_with(n, ".part"); /* not ".part" alone */
        bool pkg = is_sha256_name(n);
        /* a package's recoded copy goes with the package */
        char sha[65];
        bool copy = vz_pkgcache_recoded_name(n, sha);
        if (!pkg && !part && !copy)
            continue;
        struct stat st;
        if (fstatat(dfd, n, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
            continue;
        const char *key = copy ? sha : n;
        bool keep = (pkg || copy) && !all && bsearch(&key, refs, nrefs, sizeof(char *), cmp_str);
        if (keep) {
            res->kept_files++;
            res->kept_bytes += (uint64_t)st.st_size;
            continue;
        }
        if (!dry_run && unlinkat(dfd, n, 0) < 0) {
            r = vz_error_sys(err, "remove %s/%s", dir, n);
            break;
        }
        vz_strv_push(&res->removed, n);
        res->removed_files++;
        res->removed_bytes += (uint64_t)st.st_size;
    }
    vz_strv_free(refs);
    if (r == 0 && res->removed_files)
        qsort(res->removed, vz_strv_len(res->removed), sizeof(char *), cmp_str);
    return r;
}

void vz_gc_result_release(struct vz_gc_result *res)
{
    vz_strv_free(res->removed);
    res->removed = NULL;
}
