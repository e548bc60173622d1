/* copy.c: one entry of the cache's tarball into an export's tarball. */
#include <string.h>

#include "cache/export/export.h"
#include "cache/export/export_int.h"

/* "./etc/x" -> "etc/x" ("./" itself -> ""). */
static const char *rel(const char *p)
{
    if (!strcmp(p, ".") || !strcmp(p, "./"))
        return "";
    return !strncmp(p, "./", 2) ? p + 2 : p;
}

static char *with_prefix(const struct vz_export_copy *c, const char *p)
{
    const char *r = rel(p);
    if (!*c->prefix)
        return vz_xasprintf("./%s", r);
    return *r ? vz_xasprintf("%s%s", c->prefix, r) : vz_xstrdup(c->prefix);
}

static struct vz_export_override *override_for(struct vz_export_copy *c, const char *p)
{
    for (struct vz_export_override *o = c->ovr; o && o->path; o++)
        if (!strcmp(o->path, rel(p)))
            return o;
    return NULL;
}

static int write_fail(struct vz_export_copy *c, const char *p, vz_error_t *err)
{
    struct archive *a = vz_tarout_archive(c->out);
    return vz_error_set(err, VZ_ESYSTEM, archive_errno(a) > 0 ? archive_errno(a) : 0,
                        "export %s: %s", p, archive_error_string(a));
}

/* A block at offset off: the holes before it as zeros, which the pax writer
 * skips for a sparse entry (as tmplbuild/pack_sparse.c writes them). */
static int put_block(struct vz_export_copy *c, const void *buf, size_t n, int64_t off,
                     const char *p, vz_error_t *err)
{
    static const char zeros[1 << 16];
    struct archive *out = vz_tarout_archive(c->out);
    while (c->pos < off) {
        size_t z = off - c->pos > (int64_t)sizeof(zeros) ? sizeof(zeros) : (size_t)(off - c->pos);
        if (archive_write_data(out, zeros, z) != (la_ssize_t)z)
            return write_fail(c, p, err);
        c->pos += (int64_t)z;
    }
    if (n && archive_write_data(out, buf, n) != (la_ssize_t)n)
        return write_fail(c, p, err);
    c->pos += (int64_t)n;
    return 0;
}

/* The header of e into c; c->body says whether its data follows. */
static int copy_header(struct vz_export_copy *c, struct archive_entry *e, vz_error_t *err)
{
    const char *p = archive_entry_pathname(e);
    mode_t type = archive_entry_filetype(e);
    c->body = false;
    c->pos = 0;
    if (type == AE_IFCHR || type == AE_IFBLK) {
        /* a cache holds none (docs/cache-format.md); an image never gets one */
        c->devices_skipped++;
        return 0;
    }
    size_t pl = c->parent_ok ? strlen(c->parent_ok) : 0;
    if (pl && type == AE_IFDIR && !strncmp(rel(p), c->parent_ok, pl) &&
        (!rel(p)[pl] || !strcmp(rel(p) + pl, "/")))
        c->saw_parent = true;
    struct vz_export_override *o = override_for(c, p);
    if (o && (type == AE_IFREG || type == AE_IFLNK) && !archive_entry_hardlink(e)) {
        /* replaced by the export's own content (a symlink too: a template
         * written through a link would land elsewhere) */
        o->done = true;
        cleanup_free char *np = with_prefix(c, p);
        return vz_tarout_add(c->out, np, o->data, strlen(o->data), 0644,
                             archive_entry_mtime(e), err);
    }
    struct archive_entry *n = archive_entry_clone(e);
    cleanup_free char *np = with_prefix(c, p);
    archive_entry_set_pathname(n, np);
    const char *hl = archive_entry_hardlink(e);
    cleanup_free char *nhl = hl ? with_prefix(c, hl) : NULL;
    if (nhl)
        archive_entry_set_hardlink(n, nhl);
    /* numeric owners only, as in the cache */
    archive_entry_set_uname(n, NULL);
    archive_entry_set_gname(n, NULL);
    int hr = archive_write_header(vz_tarout_archive(c->out), n);
    archive_entry_free(n);
    if (hr < ARCHIVE_WARN) /* WARN: a name that is not UTF-8, kept as bytes */
        return write_fail(c, p, err);
    c->body = type == AE_IFREG && !nhl && archive_entry_size(e) > 0;
    return 0;
}

int vz_export_copy_entry(struct vz_export_copy *const *cs, size_t n, struct archive *in,
                         struct archive_entry *e, vz_error_t *err)
{
    const char *p = archive_entry_pathname(e);
    if (!p)
        return vz_error_set(err, VZ_ECORRUPT, 0, "an entry without a name");
    bool any = false;
    for (size_t i = 0; i < n; i++) {
        if (copy_header(cs[i], e, err) < 0)
            return -1;
        any |= cs[i]->body;
    }
    if (!any)
        return 0;
    for (;;) {
        const void *buf;
        size_t len;
        la_int64_t off;
        int r = archive_read_data_block(in, &buf, &len, &off);
        if (r == ARCHIVE_EOF)
            break;
        if (r < ARCHIVE_WARN)
            return vz_error_set(err, VZ_ECORRUPT, 0, "read %s: %s", p, archive_error_string(in));
        for (size_t i = 0; i < n; i++)
            if (cs[i]->body && put_block(cs[i], buf, len, off, p, err) < 0)
                return -1;
    }
    /* a file that ends in a hole: the zeros up to its size */
    for (size_t i = 0; i < n; i++)
        if (cs[i]->body && put_block(cs[i], NULL, 0, archive_entry_size(e), p, err) < 0)
            return -1;
    return 0;
}

int vz_export_copy_finish(struct vz_export_copy *c, vz_error_t *err)
{
    for (struct vz_export_override *o = c->ovr; o && o->path; o++) {
        if (o->done || (c->parent_ok && !c->saw_parent))
            continue;
        cleanup_free char *np = with_prefix(c, o->path);
        if (vz_tarout_add(c->out, np, o->data, strlen(o->data), 0644, c->mtime, err) < 0)
            return -1;
        o->done = true;
    }
    return 0;
}
