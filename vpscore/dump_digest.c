/* vpscore/dump_digest.c: the per-entry digest of a vzdump archive
 * (vpscore/dump-internal.h says what it covers). */
#include "vpscore/dump-internal.h"

#include <stdlib.h>
#include <string.h>

#define PAGE (64u * 1024u)

struct vz_dump_digest {
    struct vz_sha256 h;
    unsigned char *page;
    int64_t cur;   /* page number in page[], -1 none */
    int64_t size;  /* the entry's size: a page is hashed up to it only */
};

struct xa {
    const char *name;
    const void *val;
    size_t len;
};

static int xa_cmp(const void *a, const void *b)
{
    return strcmp(((const struct xa *)a)->name, ((const struct xa *)b)->name);
}

static void add_str(struct vz_sha256 *h, const char *tag, const char *s)
{
    vz_sha256_update(h, tag, strlen(tag) + 1);
    if (s)
        vz_sha256_update(h, s, strlen(s));
    vz_sha256_update(h, s ? "\1" : "\0", 1); /* NULL and "" differ */
}

static void add_num(struct vz_sha256 *h, const char *tag, int64_t v)
{
    char b[32];
    int n = snprintf(b, sizeof(b), "%lld", (long long)v);
    vz_sha256_update(h, tag, strlen(tag) + 1);
    vz_sha256_update(h, b, (size_t)n + 1);
}

struct vz_dump_digest *vz_dump_digest_begin(struct archive_entry *e, vz_error_t *err)
{
    struct vz_dump_digest *d = vz_xcalloc(1, sizeof(*d));
    if (vz_sha256_init(&d->h, err) < 0) {
        free(d);
        return NULL;
    }
    d->cur = -1;
    d->size = archive_entry_size_is_set(e) ? archive_entry_size(e) : -1;
    struct vz_sha256 *h = &d->h;
    /* what tar keeps the same way on both sides: a hard link's type and
     * any size but a regular file's are not (a directory's st_size is not
     * stored, a hard link entry carries no data) */
    const char *hl = archive_entry_hardlink(e);
    unsigned t = hl ? 0 : archive_entry_filetype(e);
    add_str(h, "path", archive_entry_pathname(e));
    add_num(h, "type", t);
    add_num(h, "perm", archive_entry_perm(e));
    add_num(h, "uid", archive_entry_uid(e));
    add_num(h, "gid", archive_entry_gid(e));
    add_num(h, "mtime", archive_entry_mtime(e));
    add_num(h, "mtime_ns", archive_entry_mtime_nsec(e));
    add_num(h, "size", t == AE_IFREG ? archive_entry_size(e) : 0);
    add_str(h, "symlink", t == AE_IFLNK ? archive_entry_symlink(e) : NULL);
    add_str(h, "hardlink", hl);
    if (t == AE_IFCHR || t == AE_IFBLK) {
        add_num(h, "major", archive_entry_rdevmajor(e));
        add_num(h, "minor", archive_entry_rdevminor(e));
    }
    int n = archive_entry_xattr_reset(e);
    struct xa *x = n > 0 ? vz_xcalloc((size_t)n, sizeof(*x)) : NULL;
    int k = 0;
    while (k < n && archive_entry_xattr_next(e, &x[k].name, &x[k].val, &x[k].len) == ARCHIVE_OK)
        k++;
    if (k > 1)
        qsort(x, (size_t)k, sizeof(*x), xa_cmp);
    /* a pax reader gives each xattr twice (SCHILY.xattr and
     * LIBARCHIVE.xattr headers): the same pair counts once */
    int u = 0;
    for (int i = 0; i < k; i++)
        if (u == 0 || strcmp(x[i].name, x[u - 1].name) != 0 || x[i].len != x[u - 1].len ||
            memcmp(x[i].val, x[u - 1].val, x[i].len) != 0)
            x[u++] = x[i];
    k = u;
    add_num(h, "xattrs", k);
    for (int i = 0; i < k; i++) {
        add_str(h, "xattr", x[i].name);
        add_num(h, "len", (int64_t)x[i].len);
        vz_sha256_update(h, x[i].val, x[i].len);
    }
    free(x);
    add_str(h, "data", NULL);
    return d;
}

/* The bytes of page pg that lie before the entry's end (a small file
 * hashes its own bytes, not a whole page). */
static size_t page_len(const struct vz_dump_digest *d, int64_t pg)
{
    if (d->size < 0 || d->size - pg * (int64_t)PAGE >= (int64_t)PAGE)
        return PAGE;
    int64_t n = d->size - pg * (int64_t)PAGE;
    return n > 0 ? (size_t)n : 0;
}

static void flush_page(struct vz_dump_digest *d)
{
    if (d->cur < 0)
        return;
    static const unsigned char zero[4096];
    size_t n = page_len(d, d->cur);
    for (size_t off = 0; off < n; off += sizeof(zero)) {
        size_t k = n - off < sizeof(zero) ? n - off : sizeof(zero);
        if (memcmp(d->page + off, zero, k) != 0) {
            add_num(&d->h, "page", d->cur);
            vz_sha256_update(&d->h, d->page, n);
            break;
        }
    }
    d->cur = -1;
}

void vz_dump_digest_data(struct vz_dump_digest *d, int64_t offset, const void *buf, size_t len)
{
    const unsigned char *p = buf;
    if (d->page == NULL)
        d->page = vz_xmalloc(PAGE);
    while (len > 0) {
        int64_t pg = offset / PAGE;
        if (pg != d->cur) {
            flush_page(d);
            memset(d->page, 0, PAGE);
            d->cur = pg;
        }
        size_t in = (size_t)(offset % PAGE);
        size_t n = PAGE - in < len ? PAGE - in : len;
        if (in + n > page_len(d, pg)) /* data past the stated size: hashed too, so it cannot pass unseen */
            d->size = -1;
        memcpy(d->page + in, p, n);
        p += n;
        len -= n;
        offset += (int64_t)n;
    }
}

void vz_dump_digest_end(struct vz_dump_digest *d, char *hex)
{
    flush_page(d);
    vz_sha256_final(&d->h, NULL, hex);
    vz_dump_digest_free(d);
}

void vz_dump_digest_free(struct vz_dump_digest *d)
{
    if (d == NULL)
        return;
    vz_sha256_release(&d->h);
    free(d->page);
    free(d);
}

int vz_dump_files_path_ok(const char *p, int is_dir)
{
    size_t fl = strlen(VZ_DUMP_FILES);
    if (p == NULL || strncmp(p, VZ_DUMP_FILES, fl) != 0)
        return 0;
    p += fl;
    size_t len = strlen(p);
    if (is_dir && len > 0 && p[len - 1] == '/') /* tar writes directories as "NAME/" */
        len--;
    if (len == 0)
        return 1;
    if (*p != '/')
        return 0;
    for (const char *s = p + 1;;) {
        const char *e = memchr(s, '/', (size_t)(p + len - s));
        size_t n = e ? (size_t)(e - s) : (size_t)(p + len - s);
        if (n == 0 || (n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
            return 0;
        if (e == NULL)
            return 1;
        s = e + 1;
    }
}

void vz_dump_xattrs_filter(struct archive_entry *e, vz_xattr_keep_fn *keep, void *arg, size_t *dropped)
{
    int n = archive_entry_xattr_reset(e);
    if (n <= 0)
        return;
    struct { char *name; void *val; size_t len; } *x = vz_xcalloc((size_t)n, sizeof(*x));
    int k = 0;
    const char *name;
    const void *val;
    size_t len;
    while (k < n && archive_entry_xattr_next(e, &name, &val, &len) == ARCHIVE_OK) {
        if (!keep(name, &val, &len, arg)) {
            (*dropped)++;
            continue;
        }
        x[k].name = vz_xstrdup(name);
        x[k].val = vz_xmalloc(len ? len : 1);
        memcpy(x[k].val, val, len);
        x[k].len = len;
        k++;
    }
    archive_entry_xattr_clear(e);
    for (int i = 0; i < k; i++) {
        archive_entry_xattr_add_entry(e, x[i].name, x[i].val, x[i].len);
        free(x[i].name);
        free(x[i].val);
    }
    free(x);
}
