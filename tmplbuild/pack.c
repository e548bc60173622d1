/* tmplbuild/pack.c: reproducible tarballs of a build root with libarchive. */
#include "tmplbuild/pack.h"
#include "tmplbuild/pack_sparse.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "cache/store.h"

/* One file-system object, collected in walk order. */
struct pack_item {
    char *rel;          /* "etc/passwd", "" for the root */
    struct stat st;
};

struct pack_list {
    struct pack_item *v;
    size_t n, cap;
    uint64_t bytes;
};

static void list_push(struct pack_list *l, char *rel, const struct stat *st)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 1024;
        l->v = vz_xrealloc(l->v, l->cap * sizeof(*l->v));
    }
    l->v[l->n].rel = rel;
    l->v[l->n].st = *st;
    l->n++;
    if (S_ISREG(st->st_mode))
        l->bytes += (uint64_t)st->st_size;
}

static void list_free(struct pack_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i].rel);
    free(l->v);
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Depth first, each directory's entries sorted by name. */
static int walk(int dirfd, const char *rel, dev_t dev, const char *root, struct pack_list *l,
                vz_error_t *err)
{
    int fd = dup(dirfd);
    if (fd < 0)
        return vz_error_sys(err, "dup");
    DIR *d = fdopendir(fd);
    if (!d) {
        close(fd);
        return vz_error_sys(err, "open directory %s/%s", root, rel);
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    errno = 0;
    while ((de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 32;
            names = vz_xrealloc(names, cap * sizeof(char *));
        }
        names[n++] = vz_xstrdup(de->d_name);
    }
    int rd_errno = errno;
    closedir(d);
    int r = 0;
    if (rd_errno) {
        errno = rd_errno;
        r = vz_error_sys(err, "read directory %s/%s", root, rel);
    }
    if (n)
        qsort(names, n, sizeof(char *), cmp_name);
    for (size_t i = 0; r == 0 && i < n; i++) {
        struct stat st;
        char *crel = *rel ? vz_xasprintf("%s/%s", rel, names[i]) : vz_xstrdup(names[i]);
        if (fstatat(dirfd, names[i], &st, AT_SYMLINK_NOFOLLOW) < 0) {
            r = vz_error_sys(err, "stat %s/%s", root, crel);
            free(crel);
            break;
        }
        if (S_ISSOCK(st.st_mode)) {
            vz_debug("pack: skipping socket %s", crel);
            free(crel);
            continue;
        }
        if (st.st_dev != dev) {
            r = vz_error_set(err, VZ_EBUILD, 0,
                             "%s/%s is on another file system (a mount left in the build "
                             "root?): unmount it before packing", root, crel);
            free(crel);
            break;
        }
        list_push(l, crel, &st);
        if (S_ISDIR(st.st_mode)) {
            int cfd = openat(dirfd, names[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (cfd < 0) {
                r = vz_error_sys(err, "open %s/%s", root, crel);
                break;
            }
            r = walk(cfd, crel, dev, root, l, err);
            close(cfd);
        }
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return r;
}

/* Output sink: write to the fd and hash in the same pass. */
struct sink {
    int fd;
    struct vz_sha256 h;
    uint64_t size;
    int errnum;
};

static la_ssize_t sink_write(struct archive *a, void *data, const void *buf, size_t len)
{
    struct sink *s = data;
    const char *p = buf;
    size_t off = 0;
    while (off < len) {
        ssize_t n = write(s->fd, p + off, len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            s->errnum = errno;
            archive_set_error(a, errno, "write: %s", strerror(errno));
            return -1;
        }
        off += (size_t)n;
    }
    vz_sha256_update(&s->h, buf, len);
    s->size += len;
    return (la_ssize_t)len;
}

/* Hard links: (dev, ino) -> first archived path. Open addressing. */
struct link_map {
    struct link_ent { dev_t dev; ino_t ino; const char *path; } *v;
    size_t cap, n;
};

static size_t link_hash(dev_t d, ino_t i)
{
    uint64_t x = (uint64_t)i * 0x9E3779B97F4A7C15ull ^ (uint64_t)d;
    return (size_t)(x ^ (x >> 29));
}

static const char *link_find_or_add(struct link_map *m, dev_t d, ino_t i, const char *path)
{
    if (m->n * 2 >= m->cap) {
        struct link_map nm = { NULL, m->cap ? m->cap * 2 : 256, 0 };
        nm.v = vz_xcalloc(nm.cap, sizeof(*nm.v));
        for (size_t k = 0; k < m->cap; k++)
            if (m->v[k].path)
                link_find_or_add(&nm, m->v[k].dev, m->v[k].ino, m->v[k].path);
        free(m->v);
        *m = nm;
    }
    size_t k = link_hash(d, i) & (m->cap - 1);
    while (m->v[k].path) {
        if (m->v[k].dev == d && m->v[k].ino == i)
            return m->v[k].path;
        k = (k + 1) & (m->cap - 1);
    }
    m->v[k].dev = d;
    m->v[k].ino = i;
    m->v[k].path = path;
    m->n++;
    return NULL;
}

/* Extended attributes of path, in name order. */
static int add_xattrs(struct archive_entry *e, const char *path, vz_error_t *err)
{
    ssize_t len = llistxattr(path, NULL, 0);
    if (len < 0 && (errno == ENOTSUP || errno == ENODATA))
        return 0;
    if (len < 0)
        return vz_error_sys(err, "list xattrs of %s", path);
    if (len == 0)
        return 0;
    cleanup_free char *names = vz_xmalloc((size_t)len + 1);
    len = llistxattr(path, names, (size_t)len);
    if (len < 0)
        return vz_error_sys(err, "list xattrs of %s", path);
    size_t cnt = 0;
    for (ssize_t i = 0; i < len; i += (ssize_t)strlen(names + i) + 1)
        cnt++;
    cleanup_free char **v = vz_xmalloc(sizeof(char *) * (cnt + 1));
    cnt = 0;
    for (ssize_t i = 0; i < len; i += (ssize_t)strlen(names + i) + 1)
        v[cnt++] = names + i;
    qsort(v, cnt, sizeof(char *), cmp_name);
    for (size_t i = 0; i < cnt; i++) {
        ssize_t vl = lgetxattr(path, v[i], NULL, 0);
        if (vl < 0)
            return vz_error_sys(err, "read xattr %s of %s", v[i], path);
        cleanup_free char *val = vz_xmalloc((size_t)vl + 1);
        vl = lgetxattr(path, v[i], val, (size_t)vl);
        if (vl < 0)
            return vz_error_sys(err, "read xattr %s of %s", v[i], path);
        archive_entry_xattr_add_entry(e, v[i], val, (size_t)vl);
    }
    return 0;
}

static int copy_data(struct archive *a, int rootfd, const char *root, const struct pack_item *it,
                     char *buf, size_t bufsz, vz_error_t *err)
{
    cleanup_close int fd = openat(rootfd, it->rel, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return vz_error_sys(err, "open %s/%s", root, it->rel);
    uint64_t left = (uint64_t)it->st.st_size;
    while (left > 0) {
        ssize_t n = read(fd, buf, left < bufsz ? left : bufsz);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return vz_error_sys(err, "read %s/%s", root, it->rel);
        if (n == 0)
            return vz_error_set(err, VZ_EBUILD, 0, "%s/%s shrank while being packed", root,
                                it->rel);
        if (archive_write_data(a, buf, (size_t)n) != n)
            return vz_error_set(err, VZ_EBUILD, (archive_errno(a) > 0 ? archive_errno(a) : 0), "pack %s/%s: %s", root,
                                it->rel, archive_error_string(a));
        left -= (uint64_t)n;
    }
    return 0;
}

static int setup_filter(struct archive *a, const struct vz_pack_opts *o, vz_error_t *err)
{
    const char *c = o->compress ? o->compress : "zst";
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    int threads = o->threads > 0 ? o->threads : (cpus > 0 ? (int)cpus : 1);
    char lvl[16], thr[16];
    snprintf(thr, sizeof(thr), "%d", threads);
    int r;
    if (!strcmp(c, "zst")) {
        snprintf(lvl, sizeof(lvl), "%d", o->level > 0 ? o->level : 3);
        r = archive_write_add_filter_zstd(a);
        if (r == ARCHIVE_OK)
            r = archive_write_set_filter_option(a, "zstd", "compression-level", lvl);
        /* threads >= 1 selects zstd's multi-threaded encoder, whose output is
         * the same for every worker count: reproducible across machines */
        if (r == ARCHIVE_OK)
            r = archive_write_set_filter_option(a, "zstd", "threads", thr);
    } else if (!strcmp(c, "gz")) {
        snprintf(lvl, sizeof(lvl), "%d", o->level > 0 ? o->level : 6);
        r = archive_write_add_filter_gzip(a);
        if (r == ARCHIVE_OK)
            r = archive_write_set_filter_option(a, "gzip", "compression-level", lvl);
        /* no time stamp in the gzip header */
        if (r == ARCHIVE_OK)
            r = archive_write_set_filter_option(a, "gzip", "timestamp", NULL);
    } else if (!strcmp(c, "xz")) {
        snprintf(lvl, sizeof(lvl), "%d", o->level > 0 ? o->level : 6);
        r = archive_write_add_filter_xz(a);
        if (r == ARCHIVE_OK)
            r = archive_write_set_filter_option(a, "xz", "compression-level", lvl);
        /* one thread: liblzma's multi-threaded encoder splits blocks by size
         * only, but a single-threaded host would pick the other encoder */
        if (r == ARCHIVE_OK)
            r = archive_write_set_filter_option(a, "xz", "threads", "1");
    } else {
        return vz_error_set(err, VZ_EBADARG, 0, "compression '%s': expected zst, gz or xz", c);
    }
    if (r != ARCHIVE_OK)
        return vz_error_set(err, VZ_EFAIL, 0, "libarchive %s compression: %s", c,
                            archive_error_string(a));
    return 0;
}

static int64_t clamp_epoch(const struct vz_pack_opts *o)
{
    if (o->source_date_epoch >= 0)
        return o->source_date_epoch;
    const char *s = getenv("SOURCE_DATE_EPOCH");
    if (s && *s) {
        char *end = NULL;
        long long v = strtoll(s, &end, 10);
        if (end && !*end && v >= 0)
            return v;
    }
    return -1;
}

static int write_entries(struct archive *a, int rootfd, const char *root, struct pack_list *l,
                         int64_t sde, struct vz_pack_result *res, vz_error_t *err)
{
    struct link_map links = { NULL, 0, 0 };
    const size_t bufsz = 1 << 20;
    cleanup_free char *buf = vz_xmalloc(bufsz);
    cleanup_free char **paths = vz_xcalloc(l->n + 1, sizeof(char *));
    struct vz_progress prog;
    vz_progress_start(&prog, "pack", l->n, l->bytes);
    uint64_t done_bytes = 0;
    int r = 0;
    struct archive_entry *e = archive_entry_new();
    for (size_t i = 0; r == 0 && i < l->n; i++) {
        const struct pack_item *it = &l->v[i];
        const struct stat *st = &it->st;
        cleanup_close int sparse_fd = -1; /* a file with holes: sparse entry */
        paths[i] = *it->rel ? vz_xasprintf("./%s", it->rel) : vz_xstrdup("./");
        archive_entry_clear(e);
        archive_entry_set_pathname(e, paths[i]);
        archive_entry_set_uid(e, st->st_uid);
        archive_entry_set_gid(e, st->st_gid);
        archive_entry_set_mode(e, st->st_mode);
        int64_t mt = st->st_mtime;
        if (sde >= 0 && mt > sde)
            mt = sde;
        archive_entry_set_mtime(e, (time_t)mt, 0);
        cleanup_free char *full = *it->rel ? vz_xasprintf("%s/%s", root, it->rel)
                                           : vz_xstrdup(root);
        if ((r = add_xattrs(e, full, err)) < 0)
            break;
        bool data = false;
        if (S_ISREG(st->st_mode)) {
            const char *first = NULL;
            if (st->st_nlink > 1)
                first = link_find_or_add(&links, st->st_dev, st->st_ino, paths[i]);
            if (first) {
                archive_entry_set_hardlink(e, first);
                archive_entry_set_size(e, 0);
            } else {
                archive_entry_set_size(e, st->st_size);
                data = st->st_size > 0;
                if (vz_pack_has_holes(st)) {
                    sparse_fd = openat(rootfd, it->rel, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
                    if (sparse_fd < 0 || vz_pack_sparse_map(sparse_fd, st, e, full, err) < 0) {
                        r = *err ? -1 : vz_error_sys(err, "open %s", full);
                        break;
                    }
                }
            }
        } else if (S_ISLNK(st->st_mode)) {
            char target[4096];
            ssize_t n = readlinkat(rootfd, it->rel, target, sizeof(target) - 1);
            if (n < 0) {
                r = vz_error_sys(err, "read link %s", full);
                break;
            }
            target[n] = '\0';
            archive_entry_set_symlink(e, target);
            archive_entry_set_size(e, 0);
        } else if (S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode)) {
            archive_entry_set_rdevmajor(e, major(st->st_rdev));
            archive_entry_set_rdevminor(e, minor(st->st_rdev));
            archive_entry_set_size(e, 0);
        } else {
            archive_entry_set_size(e, 0);
        }
        int hr = archive_write_header(a, e);
        if (hr == ARCHIVE_WARN) {
            /* a name that is not UTF-8: libarchive stores its bytes as they
             * are (pax hdrcharset=BINARY for this entry) */
            vz_debug("pack %s: %s", full, archive_error_string(a));
        } else if (hr != ARCHIVE_OK) {
            r = vz_error_set(err, VZ_EBUILD, (archive_errno(a) > 0 ? archive_errno(a) : 0), "pack %s: %s", full,
                             archive_error_string(a));
            break;
        }
        if (data && sparse_fd >= 0) {
            r = vz_pack_sparse_data(a, sparse_fd, e, buf, bufsz, full, err);
            done_bytes += (uint64_t)st->st_size;
        } else if (data) {
            r = copy_data(a, rootfd, root, it, buf, bufsz, err);
            done_bytes += (uint64_t)st->st_size;
        }
        res->entries++;
        vz_progress_update(&prog, i + 1, done_bytes);
    }
    archive_entry_free(e);
    for (size_t i = 0; i < l->n; i++)
        free(paths[i]);
    free(links.v);
    res->content_bytes = done_bytes;
    if (r == 0)
        vz_progress_done(&prog);
    return r;
}

int vz_pack_tree(const char *root, int out_fd, const struct vz_pack_opts *opts,
                 struct vz_pack_result *res, vz_error_t *err)
{
    struct vz_pack_opts defaults = VZ_PACK_OPTS_INIT;
    const struct vz_pack_opts *o = opts ? opts : &defaults;
    memset(res, 0, sizeof(*res));
    cleanup_close int rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0)
        return vz_error_sys(err, "open build root %s", root);
    struct stat rst;
    if (fstat(rootfd, &rst) < 0)
        return vz_error_sys(err, "stat %s", root);
    struct pack_list l = { NULL, 0, 0, 0 };
    list_push(&l, vz_xstrdup(""), &rst);
    if (walk(rootfd, "", rst.st_dev, root, &l, err) < 0) {
        list_free(&l);
        return -1;
    }
    struct sink s = { out_fd, { NULL }, 0, 0 };
    if (vz_sha256_init(&s.h, err) < 0) {
        list_free(&l);
        return -1;
    }
    /* File names are bytes; libarchive converts them from the locale to the
     * pax header's UTF-8. Under C.UTF-8 (for this thread only) UTF-8 names go
     * in unchanged whatever the caller's locale, so the output does not
     * depend on it. */
    locale_t utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
    locale_t prev = utf8 ? uselocale(utf8) : (locale_t)0;
    struct archive *a = archive_write_new();
    int r = 0;
    if (archive_write_set_format_pax(a) != ARCHIVE_OK)
        r = vz_error_set(err, VZ_EFAIL, 0, "libarchive pax: %s", archive_error_string(a));
    if (r == 0)
        r = setup_filter(a, o, err);
    /* no padding after the compressed stream */
    if (r == 0 && archive_write_set_bytes_in_last_block(a, 1) != ARCHIVE_OK)
        r = vz_error_set(err, VZ_EFAIL, 0, "libarchive: %s", archive_error_string(a));
    if (r == 0 && archive_write_open2(a, &s, NULL, sink_write, NULL, NULL) != ARCHIVE_OK)
        r = vz_error_set(err, VZ_EFAIL, s.errnum, "open archive: %s", archive_error_string(a));
    if (r == 0)
        r = write_entries(a, rootfd, root, &l, clamp_epoch(o), res, err);
    if (r == 0 && archive_write_close(a) != ARCHIVE_OK)
        r = vz_error_set(err, s.errnum ? VZ_ESYSTEM : VZ_EFAIL, s.errnum,
                         "finish archive: %s", archive_error_string(a));
    archive_write_free(a);
    if (utf8) {
        uselocale(prev);
        freelocale(utf8);
    }
    list_free(&l);
    vz_sha256_final(&s.h, NULL, res->sha256);
    vz_sha256_release(&s.h);
    res->size = s.size;
    return r;
}

struct vz_manifest *vz_pack_manifest_new(const struct vz_template *tmpl,
                                         const struct vz_plan *plan)
{
    struct vz_manifest *m = vz_manifest_new(tmpl->name);
    free(m->metadata_sha256);
    m->metadata_sha256 = vz_xstrdup(tmpl->metadata_sha256);
    for (size_t i = 0; plan && i < plan->n; i++) {
        const struct vz_pkg *p = &plan->pkgs[i];
        vz_manifest_add_pkg(m, p->name, p->version, p->arch, p->sha256, p->size);
    }
    for (size_t i = 0; plan && i < plan->n_repos; i++) {
        const struct vz_repo_state *r = &plan->repos[i];
        vz_manifest_add_repo(m, r->name, r->suite, r->date, r->release_sha256);
    }
    return m;
}

int vz_pack_to_cache(const char *root, struct vz_manifest *m, const struct vz_pack_opts *opts,
                     int lock_timeout_s, struct vz_pack_result *res, vz_error_t *err)
{
    struct vz_pack_result tmp;
    if (!res)
        res = &tmp;
    const char *compress = opts && opts->compress ? opts->compress : "zst";
    struct vz_cache_txn *t = NULL;
    if (vz_cache_begin(m->template_name, compress, lock_timeout_s, &t, err) < 0)
        return -1;
    int r = vz_pack_tree(root, vz_cache_txn_fd(t), opts, res, err);
    if (r == 0) {
        m->tar_size = res->size;
        memcpy(m->tar_sha256, res->sha256, sizeof(m->tar_sha256));
        r = vz_cache_commit(t, m, err);
    }
    vz_cache_txn_free(t);
    if (r < 0)
        return vz_error_wrap(err, "store cache %s", m->template_name);
    return 0;
}
