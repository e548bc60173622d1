/* vpscore/dump_verify.c: vzrestore's first pass: read a whole vzdump
 * archive and check everything before anything is written (dump.h). */
#include "vpscore/dump.h"
#include "vpscore/dump-internal.h"

#include "cache/sign.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct vz_dump_item {
    char *path;
    char digest[VZ_SHA256_HEX_LEN + 1];
    unsigned type;
    size_t index;
    char *hardlink;
};

struct vz_dump_list {
    struct vz_dump_item *v;
    size_t n, cap;
};

static void list_free(struct vz_dump_list *l)
{
    if (l == NULL)
        return;
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i].path);
        free(l->v[i].hardlink);
    }
    free(l->v);
    free(l);
}

void vz_dump_info_release(struct vz_dump_info *i)
{
    free(i->ctid);
    free(i->layout);
    free(i->ostemplate);
    free(i->template_sha256);
    free(i->conf_text);
    free(i->signer);
    list_free(i->list);
    memset(i, 0, sizeof(*i));
}

const char *vz_dump_list_digest(const struct vz_dump_list *l, size_t i, const char **path)
{
    if (i >= l->n)
        return NULL;
    *path = l->v[i].path;
    return l->v[i].digest;
}

/* An archive opened for reading, with the error convention of both passes:
 * a read or decompression error is a truncated or corrupt archive. */
int vz_dump_open(const char *path, struct archive **out, vz_error_t *err)
{
    struct archive *a = archive_read_new();
    archive_read_support_filter_all(a);
    archive_read_support_format_tar(a);
    if (archive_read_open_filename(a, path, 256 * 1024) != ARCHIVE_OK) {
        int en = archive_errno(a);
        if (en == ENOENT || en == EACCES)
            vz_error_set(err, VZ_ESYSTEM, en, "open %s", path);
        else
            vz_dump_corrupt(a, path, err);
        archive_read_free(a);
        return -1;
    }
    *out = a;
    return 0;
}

int vz_dump_corrupt(struct archive *a, const char *path, vz_error_t *err)
{
    return vz_error_set(err, VZ_ECORRUPT, 0, "%s: truncated or corrupt archive: %s (refused; nothing was written)",
                        path, archive_error_string(a) ? archive_error_string(a) : "read error");
}

/* Read the entry's data through its digest; keep it in *small (bounded)
 * when small is not NULL. */
int vz_dump_read_entry(struct archive *a, const char *path, struct archive_entry *e, char *hex, char **small,
                       size_t *small_len, vz_error_t *err)
{
    struct vz_dump_digest *d = vz_dump_digest_begin(e, err);
    if (d == NULL)
        return -1;
    struct vz_buf b = VZ_BUF_INIT;
    vz_buf_init(&b);
    for (;;) {
        const void *buf;
        size_t size;
        la_int64_t off;
        int r = archive_read_data_block(a, &buf, &size, &off);
        if (r == ARCHIVE_EOF)
            break;
        if (r < ARCHIVE_WARN) {
            vz_dump_digest_free(d);
            vz_buf_release(&b);
            return vz_dump_corrupt(a, path, err);
        }
        vz_dump_digest_data(d, off, buf, size);
        if (small) {
            if ((uint64_t)off + size > VZ_DUMP_SMALL_MAX || (size_t)off != b.len) {
                vz_dump_digest_free(d);
                vz_buf_release(&b);
                return vz_error_set(err, VZ_ECORRUPT, 0, "%s: %s is larger than %u bytes or sparse", path,
                                    archive_entry_pathname(e), VZ_DUMP_SMALL_MAX);
            }
            vz_buf_add(&b, buf, size);
        }
    }
    vz_dump_digest_end(d, hex);
    if (small)
        *small = vz_buf_detach(&b, small_len);
    vz_buf_release(&b);
    return 0;
}

static int type_ok(struct archive_entry *e)
{
    if (archive_entry_hardlink(e)) /* its target is checked (check_links) */
        return 1;
    switch (archive_entry_filetype(e)) {
    case AE_IFREG: case AE_IFDIR: case AE_IFLNK: case AE_IFIFO:
        return 1;
    case AE_IFCHR: /* overlay's whiteout only */
        return archive_entry_rdevmajor(e) == 0 && archive_entry_rdevminor(e) == 0;
    default:
        return 0;
    }
}

static int by_path(const void *a, const void *b)
{
    return strcmp(((const struct vz_dump_item *)a)->path, ((const struct vz_dump_item *)b)->path);
}

/* No path twice; every hard link names a regular file that came before. */
static int check_links(const char *archive, struct vz_dump_list *l, vz_error_t *err)
{
    struct vz_dump_item *s = vz_xmalloc((l->n ? l->n : 1) * sizeof(*s));
    memcpy(s, l->v, l->n * sizeof(*s));
    qsort(s, l->n, sizeof(*s), by_path);
    int r = 0;
    for (size_t i = 1; i < l->n && r == 0; i++)
        if (strcmp(s[i - 1].path, s[i].path) == 0)
            r = vz_error_set(err, VZ_ECORRUPT, 0, "%s: %s is in the archive twice", archive, s[i].path);
    for (size_t i = 0; i < l->n && r == 0; i++) {
        if (l->v[i].hardlink == NULL)
            continue;
        struct vz_dump_item key = { .path = l->v[i].hardlink };
        struct vz_dump_item *t = bsearch(&key, s, l->n, sizeof(*s), by_path);
        if (t == NULL || t->type != AE_IFREG || t->hardlink || t->index >= l->v[i].index)
            r = vz_error_set(err, VZ_ECORRUPT, 0, "%s: hard link %s -> %s names no regular file before it",
                             archive, l->v[i].path, l->v[i].hardlink);
    }
    free(s);
    return r;
}

static char *jstr(json_t *m, const char *k)
{
    const char *s = json_string_value(json_object_get(m, k));
    return s ? vz_xstrdup(s) : NULL;
}

/* The signed manifest against what the archive holds. */
static int check_manifest(const char *archive, const char *mtext, size_t mlen, const char *sig, size_t slen,
                          struct vz_dump_info *info, vz_error_t *err)
{
    char signer[VZ_KEYID_LEN + 1] = "";
    if (vz_verify(mtext, mlen, sig, slen, signer, err) < 0)
        return vz_error_wrap(err, "%s: manifest signature (a dump made on another host restores here once its "
                             "key is trusted: vzpkg trust add KEY.pub)", archive);
    json_error_t je;
    json_t *m = json_loadb(mtext, mlen, 0, &je);
    int r = -1;
    const char *fmt = json_string_value(json_object_get(m, "format"));
    json_t *ents = json_object_get(m, "entries");
    if (m == NULL || fmt == NULL || strcmp(fmt, VZ_DUMP_FORMAT) != 0 || !json_is_array(ents)) {
        vz_error_set(err, VZ_ECORRUPT, 0, "%s: manifest is not a %s manifest", archive, VZ_DUMP_FORMAT);
        goto out;
    }
    struct vz_dump_list *l = info->list;
    if (json_array_size(ents) != l->n) {
        vz_error_set(err, VZ_EVERIFY, 0, "%s: the signed manifest lists %zu entries, the archive holds %zu",
                     archive, json_array_size(ents), l->n);
        goto out;
    }
    for (size_t i = 0; i < l->n; i++) {
        json_t *x = json_array_get(ents, i);
        const char *p = json_string_value(json_array_get(x, 0)), *d = json_string_value(json_array_get(x, 1));
        if (p == NULL || d == NULL || strcmp(p, l->v[i].path) != 0 || strcmp(d, l->v[i].digest) != 0) {
            vz_error_set(err, VZ_EVERIFY, 0, "%s: entry %zu (%s) differs from the signed manifest (%s): the "
                         "archive was changed after it was made", archive, i, l->v[i].path, p ? p : "?");
            goto out;
        }
    }
    info->ctid = jstr(m, "ctid");
    info->layout = jstr(m, "layout");
    info->ostemplate = jstr(m, "ostemplate");
    info->template_sha256 = jstr(m, "template_sha256");
    info->privileged = json_is_true(json_object_get(m, "privileged"));
    info->full = json_is_true(json_object_get(m, "full"));
    info->signer = vz_xstrdup(signer);
    if (!info->ctid || !info->layout || !info->ostemplate || !info->template_sha256 ||
        (strcmp(info->layout, "overlay") != 0 && strcmp(info->layout, "plain") != 0)) {
        vz_error_set(err, VZ_ECORRUPT, 0, "%s: manifest lacks ctid, layout or template", archive);
        goto out;
    }
    r = 0;
out:
    json_decref(m);
    return r;
}

/* path and hardlink: the entry's as the archive has them (a hook may
 * have rewritten e's); NULL: e's own. */
static void list_add_as(struct vz_dump_list *l, struct archive_entry *e, const char *hex, const char *path,
                        const char *hardlink);

static void list_add(struct vz_dump_list *l, struct archive_entry *e, const char *hex)
{
    list_add_as(l, e, hex, NULL, NULL);
}

static void list_add_as(struct vz_dump_list *l, struct archive_entry *e, const char *hex, const char *path,
                        const char *hardlink)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 1024;
        l->v = realloc(l->v, l->cap * sizeof(*l->v));
        if (l->v == NULL)
            abort();
    }
    struct vz_dump_item *it = &l->v[l->n];
    memset(it, 0, sizeof(*it));
    it->path = vz_xstrdup(path ? path : archive_entry_pathname(e));
    memcpy(it->digest, hex, sizeof(it->digest));
    it->type = archive_entry_filetype(e);
    it->index = l->n;
    if (path ? hardlink != NULL : archive_entry_hardlink(e) != NULL)
        it->hardlink = vz_xstrdup(path ? hardlink : archive_entry_hardlink(e));
    l->n++;
}

int vz_dump_verify(const char *path, struct vz_dump_info *info, vz_error_t *err)
{
    return vz_dump_verify_hooked(path, info, NULL, err);
}

int vz_dump_verify_hooked(const char *path, struct vz_dump_info *info, const struct vz_dump_hooks *hk,
                          vz_error_t *err)
{
    memset(info, 0, sizeof(*info));
    info->list = vz_xcalloc(1, sizeof(*info->list));
    struct archive *a;
    if (vz_dump_open(path, &a, err) < 0)
        return -1;
    cleanup_free char *mtext = NULL, *sig = NULL;
    size_t mlen = 0, slen = 0;
    int r = -1;
    enum { CONF, BODY, SIG, END } at = CONF;
    for (;;) {
        struct archive_entry *e;
        int h = archive_read_next_header(a, &e);
        if (h == ARCHIVE_EOF)
            break;
        if (h < ARCHIVE_WARN) {
            vz_dump_corrupt(a, path, err);
            goto out;
        }
        const char *name = archive_entry_pathname(e);
        char hex[VZ_SHA256_HEX_LEN + 1];
        if (name == NULL || at == END) {
            vz_error_set(err, VZ_ECORRUPT, 0, "%s: entry %s after the signature", path, name ? name : "(null)");
            goto out;
        }
        if (at == CONF) {
            if (strcmp(name, VZ_DUMP_CONF) != 0 || archive_entry_filetype(e) != AE_IFREG) {
                vz_error_set(err, VZ_ECORRUPT, 0, "%s: not a vzdump archive (first entry %s, not %s)", path,
                             name, VZ_DUMP_CONF);
                goto out;
            }
            if (vz_dump_read_entry(a, path, e, hex, &info->conf_text, &info->conf_len, err) < 0)
                goto out;
            list_add(info->list, e, hex);
            at = BODY;
            if (hk && hk->conf(hk->arg, info->conf_text, info->conf_len, err) < 0)
                goto out;
        } else if (at == SIG) {
            if (strcmp(name, VZ_DUMP_SIG) != 0 ||
                vz_dump_read_entry(a, path, e, hex, &sig, &slen, err) < 0) {
                if (*err == NULL)
                    vz_error_set(err, VZ_ECORRUPT, 0, "%s: %s where the signature belongs", path, name);
                goto out;
            }
            at = END;
        } else if (strcmp(name, VZ_DUMP_MANIFEST) == 0) {
            if (vz_dump_read_entry(a, path, e, hex, &mtext, &mlen, err) < 0)
                goto out;
            at = SIG;
        } else if (strncmp(name, VZ_DUMP_TMPL_DIR, strlen(VZ_DUMP_TMPL_DIR)) == 0) {
            if (hk) { /* --full: its template is landed from a second read */
                r = 1;
                goto out;
            }
            if (archive_entry_filetype(e) != AE_IFREG || !vz_safe_name(name + strlen(VZ_DUMP_TMPL_DIR))) {
                vz_error_set(err, VZ_ECORRUPT, 0, "%s: unsafe template entry %s", path, name);
                goto out;
            }
            if (vz_dump_read_entry(a, path, e, hex, NULL, NULL, err) < 0)
                goto out;
            list_add(info->list, e, hex);
        } else {
            const char *hl = archive_entry_hardlink(e);
            if (!vz_dump_files_path_ok(name, archive_entry_filetype(e) == AE_IFDIR) ||
                (hl && !vz_dump_files_path_ok(hl, 0))) {
                vz_error_set(err, VZ_ECORRUPT, 0, "%s: entry '%s'%s%s would land outside the container "
                             "(refused; nothing was written)", path, name, hl ? " -> " : "", hl ? hl : "");
                goto out;
            }
            if (!type_ok(e)) {
                vz_error_set(err, VZ_ECORRUPT, 0, "%s: entry %s is a device node or of a type a container's "
                             "files never are (refused; nothing was written)", path, name);
                goto out;
            }
            /* checked as unsafe or not above: only a safe entry reaches the hook */
            cleanup_free char *orig = vz_xstrdup(name), *orig_hl = hl ? vz_xstrdup(hl) : NULL;
            if (hk ? hk->files(hk->arg, a, e, hex, err) < 0 : vz_dump_read_entry(a, path, e, hex, NULL, NULL, err) < 0)
                goto out;
            list_add_as(info->list, e, hex, orig, orig_hl);
        }
    }
    if (at != END) {
        vz_error_set(err, VZ_ECORRUPT, 0, "%s: truncated archive: it ends before its %s (refused; nothing was "
                     "written)", path, at == SIG ? "signature" : "manifest");
        goto out;
    }
    if (check_manifest(path, mtext, mlen, sig, slen, info, err) < 0 || check_links(path, info->list, err) < 0)
        goto out;
    info->entries = info->list->n;
    r = 0;
out:
    archive_read_free(a);
    if (r != 0)
        vz_dump_info_release(info);
    return r;
}
