/* tmplbuild/deb/deb.c: one streaming pass over a .deb (see deb.h). */
#include <archive.h>
#include <archive_entry.h>
#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "tmplbuild/deb/deb.h"

/* An inner tar read straight from the outer ar member's data blocks. */
struct inner_src {
    struct archive *outer;
};

static la_ssize_t inner_read(struct archive *a, void *ctx, const void **buf)
{
    struct inner_src *s = ctx;
    size_t size = 0;
    la_int64_t off = 0;
    int r = archive_read_data_block(s->outer, buf, &size, &off);
    if (r == ARCHIVE_EOF)
        return 0;
    if (r < ARCHIVE_WARN) {
        archive_set_error(a, archive_errno(s->outer), "%s", archive_error_string(s->outer));
        return -1;
    }
    return (la_ssize_t)size;
}

static struct archive *inner_open(struct inner_src *src, const char *deb, const char *member,
                                  vz_error_t *err)
{
    struct archive *in = archive_read_new();
    if (in == NULL) {
        vz_error_set(err, VZ_ESYSTEM, ENOMEM, "%s: libarchive", deb);
        return NULL;
    }
    archive_read_support_filter_all(in);
    archive_read_support_format_tar(in);
    if (archive_read_open(in, src, NULL, inner_read, NULL) != ARCHIVE_OK) {
        vz_error_set(err, VZ_ECORRUPT, 0, "%s: member %s: %s", deb, member,
                     archive_error_string(in));
        archive_read_free(in);
        return NULL;
    }
    return in;
}

char *vz_deb_safe_path(const char *name, const char *deb, vz_error_t *err)
{
    const char *p = name;
    if (p[0] == '/') {
        vz_error_set(err, VZ_ECORRUPT, 0, "%s: unsafe archive entry '%s': absolute path", deb, name);
        return NULL;
    }
    while (p[0] == '.' && p[1] == '/')
        p += 2;
    if (strcmp(p, ".") == 0)
        p = "";
    struct vz_buf b = VZ_BUF_INIT;
    vz_buf_init(&b);
    while (*p) {
        while (*p == '/')
            p++;
        if (!*p)
            break;
        const char *end = strchr(p, '/');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n == 2 && p[0] == '.' && p[1] == '.') {
            vz_buf_release(&b);
            vz_error_set(err, VZ_ECORRUPT, 0, "%s: unsafe archive entry '%s': '..' component", deb,
                         name);
            return NULL;
        }
        if (!(n == 1 && p[0] == '.')) {
            if (b.len)
                vz_buf_addc(&b, '/');
            vz_buf_add(&b, p, n);
        }
        p += n;
    }
    if (b.len == 0 && strcmp(name, ".") != 0 && strcmp(name, "./") != 0) {
        vz_buf_release(&b);
        vz_error_set(err, VZ_ECORRUPT, 0, "%s: unsafe archive entry '%s': empty name", deb, name);
        return NULL;
    }
    return vz_buf_detach(&b, NULL);
}

char *vz_deb_field(const char *stanza, const char *name)
{
    size_t nl = strlen(name);
    const char *line = stanza;
    while (line && *line) {
        if (strncasecmp(line, name, nl) == 0 && line[nl] == ':') {
            const char *v = line + nl + 1;
            const char *end = v;
            for (;;) {
                const char *eol = strchr(end, '\n');
                if (!eol) {
                    end += strlen(end);
                    break;
                }
                if (eol[1] == ' ' || eol[1] == '\t')
                    end = eol + 1;
                else {
                    end = eol;
                    break;
                }
            }
            while (v < end && (*v == ' ' || *v == '\t'))
                v++;
            while (end > v && isspace((unsigned char)end[-1]))
                end--;
            char *out = vz_xmalloc((size_t)(end - v) + 1);
            memcpy(out, v, (size_t)(end - v));
            out[end - v] = '\0';
            return out;
        }
        line = strchr(line, '\n');
        if (line)
            line++;
    }
    return NULL;
}

char *vz_deb_infoname(const struct vz_deb_info *info)
{
    if (info->multi_arch && strcmp(info->multi_arch, "same") == 0)
        return vz_xasprintf("%s:%s", info->package, info->arch);
    return vz_xstrdup(info->package);
}

const struct vz_deb_member *vz_deb_member(const struct vz_deb_info *info, const char *name)
{
    for (size_t i = 0; i < info->n_members; i++)
        if (strcmp(info->members[i].name, name) == 0)
            return &info->members[i];
    return NULL;
}

void vz_deb_info_free(struct vz_deb_info *info)
{
    if (!info)
        return;
    free(info->path);
    free(info->control);
    free(info->package);
    free(info->version);
    free(info->arch);
    free(info->multi_arch);
    free(info->priority);
    for (size_t i = 0; i < info->n_members; i++) {
        free(info->members[i].name);
        free(info->members[i].data);
    }
    free(info->members);
    for (size_t i = 0; i < info->n_files; i++)
        free(info->files[i]);
    free(info->files);
    for (size_t i = 0; i < info->n_dirs; i++)
        free(info->dirs[i].path);
    free(info->dirs);
    free(info);
}

static int read_control(struct archive *outer, struct vz_deb_info *info, const char *member,
                        vz_error_t *err)
{
    struct inner_src src = { outer };
    struct archive *in = inner_open(&src, info->path, member, err);
    if (!in)
        return -1;
    struct archive_entry *e;
    int r, ret = 0;
    while ((r = archive_read_next_header(in, &e)) == ARCHIVE_OK) {
        if (archive_entry_filetype(e) != AE_IFREG)
            continue;
        const char *name = archive_entry_pathname(e);
        while (name[0] == '.' && name[1] == '/')
            name += 2;
        if (!vz_safe_name(name)) /* control members are flat */
            continue;
        struct vz_buf data = VZ_BUF_INIT;
        vz_buf_init(&data);
        char chunk[16384];
        la_ssize_t n;
        while ((n = archive_read_data(in, chunk, sizeof(chunk))) > 0)
            vz_buf_add(&data, chunk, (size_t)n);
        if (n < 0) {
            vz_buf_release(&data);
            ret = vz_error_set(err, VZ_ECORRUPT, 0, "%s: %s: %s", info->path, member,
                               archive_error_string(in));
            break;
        }
        if (strcmp(name, "control") == 0) {
            /* dpkg keeps the stanza without trailing blank lines. */
            while (data.len && (data.data[data.len - 1] == '\n' || data.data[data.len - 1] == ' '))
                data.data[--data.len] = '\0';
            vz_buf_addc(&data, '\n');
            free(info->control);
            info->control = vz_buf_detach(&data, NULL);
            continue;
        }
        info->members = vz_xrealloc(info->members, (info->n_members + 1) * sizeof(*info->members));
        struct vz_deb_member *m = &info->members[info->n_members++];
        m->name = vz_xstrdup(name);
        m->mode = archive_entry_perm(e);
        m->data = vz_buf_detach(&data, &m->len);
    }
    if (ret == 0 && r != ARCHIVE_EOF)
        ret = vz_error_set(err, VZ_ECORRUPT, 0, "%s: %s: %s", info->path, member,
                           archive_error_string(in));
    archive_read_free(in);
    return ret;
}

static void add_file(struct vz_deb_info *info, const char *rel)
{
    if (info->n_files + 2 > info->cap_files) {
        info->cap_files = info->cap_files ? info->cap_files * 2 : 64;
        info->files = vz_xrealloc(info->files, info->cap_files * sizeof(char *));
    }
    info->files[info->n_files++] = rel[0] ? vz_xasprintf("/%s", rel) : vz_xstrdup("/.");
    info->files[info->n_files] = NULL;
}

static int read_data(struct archive *outer, struct vz_deb_info *info, const char *member,
                     const struct vz_deb_sink *sink, vz_error_t *err)
{
    struct inner_src src = { outer };
    struct archive *in = inner_open(&src, info->path, member, err);
    if (!in)
        return -1;
    struct archive_entry *e;
    int r, ret = 0;
    while ((r = archive_read_next_header(in, &e)) == ARCHIVE_OK) {
        char *rel = vz_deb_safe_path(archive_entry_pathname(e), info->path, err);
        if (!rel) {
            ret = -1;
            break;
        }
        add_file(info, rel);
        ret = sink->entry(sink->ctx, in, e, rel, info, err);
        free(rel);
        if (ret < 0)
            break;
    }
    if (ret == 0 && r != ARCHIVE_EOF)
        ret = vz_error_set(err, VZ_ECORRUPT, 0, "%s: %s: %s", info->path, member,
                           archive_error_string(in));
    archive_read_free(in);
    return ret;
}

static int parse_control(struct vz_deb_info *info, vz_error_t *err)
{
    if (!info->control)
        return vz_error_set(err, VZ_ECORRUPT, 0, "%s: no control file in control.tar",
                            info->path);
    info->package = vz_deb_field(info->control, "Package");
    info->version = vz_deb_field(info->control, "Version");
    info->arch = vz_deb_field(info->control, "Architecture");
    info->multi_arch = vz_deb_field(info->control, "Multi-Arch");
    cleanup_free char *ess = vz_deb_field(info->control, "Essential");
    info->essential = ess && strcasecmp(ess, "yes") == 0;
    if (!info->package || !info->version || !info->arch)
        return vz_error_set(err, VZ_ECORRUPT, 0,
                            "%s: control file lacks Package, Version or Architecture", info->path);
    if (!vz_safe_name(info->package) || strchr(info->package, ':'))
        return vz_error_set(err, VZ_ECORRUPT, 0, "%s: invalid package name '%s'", info->path,
                            info->package);
    return 0;
}

int vz_deb_read(const char *path, const struct vz_deb_sink *sink, struct vz_deb_info **out,
                vz_error_t *err)
{
    return vz_deb_read_image(path, NULL, 0, sink, out, err);
}

int vz_deb_read_image(const char *path, const void *image, size_t len,
                      const struct vz_deb_sink *sink, struct vz_deb_info **out, vz_error_t *err)
{
    struct vz_deb_info *info = vz_xcalloc(1, sizeof(*info));
    info->path = vz_xstrdup(path);
    struct archive *ar = archive_read_new();
    archive_read_support_format_ar(ar);
    int ret = 0;
    int r_open = image ? archive_read_open_memory(ar, image, len)
                       : archive_read_open_filename(ar, path, 256 * 1024);
    if (r_open != ARCHIVE_OK) {
        ret = vz_error_set(err, VZ_ECORRUPT, archive_errno(ar) > 0 ? archive_errno(ar) : 0,
                           "%s: not a readable .deb: %s", path, archive_error_string(ar));
        goto out;
    }
    struct archive_entry *e;
    int r;
    bool seen_binary = false, seen_data = false;
    while ((r = archive_read_next_header(ar, &e)) == ARCHIVE_OK) {
        const char *name = archive_entry_pathname(e);
        if (strcmp(name, "debian-binary") == 0) {
            char v[8] = { 0 };
            archive_read_data(ar, v, sizeof(v) - 1);
            if (strncmp(v, "2.", 2) != 0) {
                ret = vz_error_set(err, VZ_ECORRUPT, 0, "%s: unsupported .deb format '%.3s'",
                                   path, v);
                goto out;
            }
            seen_binary = true;
        } else if (strncmp(name, "control.tar", 11) == 0) {
            if ((ret = read_control(ar, info, name, err)) < 0)
                goto out;
            if ((ret = parse_control(info, err)) < 0)
                goto out;
            if (!sink)
                break;
        } else if (strncmp(name, "data.tar", 8) == 0) {
            seen_data = true;
            if (!info->control) {
                ret = vz_error_set(err, VZ_ECORRUPT, 0, "%s: data.tar before control.tar", path);
                goto out;
            }
            if ((ret = read_data(ar, info, name, sink, err)) < 0)
                goto out;
            break;
        }
        /* other members (_gpgbuilder, ...) are skipped, as dpkg does */
    }
    if (r != ARCHIVE_OK && r != ARCHIVE_EOF) {
        ret = vz_error_set(err, VZ_ECORRUPT, 0, "%s: %s", path, archive_error_string(ar));
        goto out;
    }
    if (!seen_binary || !info->control || (sink && !seen_data))
        ret = vz_error_set(err, VZ_ECORRUPT, 0,
                           "%s: not a Debian package (needs debian-binary, control.tar, data.tar)",
                           path);
out:
    archive_read_free(ar);
    if (ret < 0) {
        vz_deb_info_free(info);
        return -1;
    }
    *out = info;
    return 0;
}
