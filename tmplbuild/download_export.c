/* tmplbuild/download_export.c: an exported format of a published build,
 * verified through the signed index and the build's signed list of files
 * (tmplbuild/download.h, cache/build_files.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache/build_files.h"
#include "cache/export/export.h"
#include "cache/index.h"
#include "tmplbuild/download.h"
#include "tmplbuild/download_int.h"
#include "tmplbuild/fetch.h"

/* path with the bytes a URL cannot carry as they are percent-encoded. */
static char *url_escape(const char *path)
{
    struct vz_buf b = VZ_BUF_INIT;
    vz_buf_init(&b);
    for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            strchr("/._-~+", *p))
            vz_buf_addc(&b, (char)*p);
        else
            vz_buf_addf(&b, "%%%02X", *p);
    }
    return vz_buf_detach(&b, NULL);
}

/* The list of files of build b, fetched and checked against the index. */
static int fetch_list(const char *dir, const struct vz_index_build *b, double deadline,
                      struct vz_build_files **out, vz_error_t *err)
{
    cleanup_free char *lu = vz_xasprintf("%s%s", dir, b->files);
    struct vz_buf t = VZ_BUF_INIT;
    vz_buf_init(&t);
    int r = vz_download_text(lu, &t, VZ_BUILD_FILES_MAX, deadline, err);
    char hex[65];
    if (r == 0) {
        vz_sha256_hex(t.data, t.len, hex);
        if (t.len != b->files_size || strcmp(hex, b->files_sha256))
            r = vz_error_set(err, VZ_EVERIFY, 0, "%s: %zu bytes with sha256 %s, the signed index "
                             "says %llu bytes with sha256 %s (modified)", lu, t.len, hex,
                             (unsigned long long)b->files_size, b->files_sha256);
    }
    if (r == 0 && vz_build_files_parse(t.data, t.len, out, err) < 0)
        r = vz_error_wrap(err, "%s", lu);
    vz_buf_release(&t);
    if (r == 0 && (strcmp((*out)->template_name, b->name) || strcmp((*out)->id, b->id) ||
                   strcmp((*out)->tar_sha256, b->sha256))) {
        r = vz_error_set(err, VZ_EVERIFY, 0, "%s is the list of %s/%s, not of %s/%s", lu,
                         (*out)->template_name, (*out)->id, b->name, b->id);
        vz_build_files_free(*out);
        *out = NULL;
    }
    return r;
}

/* The top-level entries of tmp, renamed over the same names in outdir (a
 * directory that was there is moved aside first, then removed). */
static int land(const char *tmp, const char *outdir, char *const *tops, vz_error_t *err)
{
    int r = 0;
    for (char *const *t = tops; r == 0 && *t; t++) {
        cleanup_free char *src = vz_path_join(tmp, *t);
        cleanup_free char *dst = vz_path_join(outdir, *t);
        cleanup_free char *old = vz_xasprintf("%s/.%s.old.%d", outdir, *t, (int)getpid());
        bool moved = false;
        if (vz_is_dir(dst) || vz_is_dir(src)) {
            if (rename(dst, old) == 0)
                moved = true;
            else if (errno != ENOENT)
                r = vz_error_sys(err, "move %s aside", dst);
        }
        if (r == 0 && rename(src, dst) < 0) {
            r = vz_error_sys(err, "rename %s to %s", src, dst);
            if (moved)
                rename(old, dst);
            moved = false;
        }
        vz_error_t e = NULL;
        if (moved && vz_rm_rf(old, &e) < 0) {
            vz_warn("cannot remove %s: %s", old, e->msg);
            vz_error_release(&e);
        }
    }
    return r;
}

static int get_files(const char *base, const struct vz_build_files *l, const char *name,
                     const char *format, const char *outdir, double deadline, json_t *files,
                     vz_error_t *err)
{
    cleanup_free char *tmp = vz_xasprintf("%s/.%s.%s.tmp.%d", outdir, name, format, (int)getpid());
    size_t n = 0;
    for (size_t i = 0; i < l->n; i++)
        n += !strcmp(l->files[i].format, format);
    struct vz_fetch_item *items = vz_xcalloc(n + 1, sizeof(*items));
    char ***urls = vz_xcalloc(n + 1, sizeof(char **));
    char **dests = vz_xcalloc(n + 1, sizeof(char *));
    char **tops = vz_xcalloc(1, sizeof(char *));
    size_t k = 0;
    for (size_t i = 0; i < l->n; i++) {
        const struct vz_build_file *f = &l->files[i];
        if (strcmp(f->format, format))
            continue;
        const char *rel = vz_build_files_landing(name, f->path);
        cleanup_free char *esc = url_escape(f->path);
        urls[k] = vz_xcalloc(2, sizeof(char *));
        urls[k][0] = vz_xasprintf("%s%s", base, esc);
        dests[k] = vz_path_join(tmp, rel);
        items[k] = (struct vz_fetch_item){ urls[k], dests[k], f->sha256, (int64_t)f->size, rel };
        size_t tl = strcspn(rel, "/");
        cleanup_free char *top = vz_xasprintf("%.*s", (int)tl, rel);
        if (!vz_strv_contains(tops, top))
            vz_strv_push(&tops, top);
        cleanup_free char *landed = vz_path_join(outdir, rel);
        json_array_append_new(files, json_pack("{s:s, s:I, s:s}", "path", landed, "size",
                                               (json_int_t)f->size, "sha256", f->sha256));
        k++;
    }
    int r = vz_mkdir_p(outdir, 0755, err);
    if (r == 0)
        r = vz_rm_rf(tmp, err);
    if (r == 0 && mkdir(tmp, 0755) < 0)
        r = vz_error_sys(err, "create %s", tmp);
    struct vz_fetch_opts fo = { .jobs = 4, .stage = "download", .deadline = deadline,
                                .min_rate = VZ_DOWNLOAD_MIN_RATE };
    if (r == 0)
        r = vz_fetch_many(items, n, &fo, err);
    if (r == 0)
        r = land(tmp, outdir, tops, err);
    vz_error_t e = NULL;
    if (vz_is_dir(tmp) && vz_rm_rf(tmp, &e) < 0) {
        vz_warn("cannot remove %s: %s", tmp, e->msg);
        vz_error_release(&e);
    }
    for (size_t i = 0; i < n; i++) {
        free(urls[i][0]);
        free(urls[i]);
        free(dests[i]);
    }
    free(urls);
    free(dests);
    free(items);
    vz_strv_free(tops);
    return r;
}

int vz_download_export(const char *name, const char *format, const char *outdir,
                       const struct vz_download_opts *o, json_t **result, vz_error_t *err)
{
    struct vz_download_opts defaults = { NULL, false, 0, 0, -1, 0 };
    if (!o)
        o = &defaults;
    int timeout_s = o->timeout_s > 0 ? o->timeout_s : VZ_DOWNLOAD_DEFAULT_TIMEOUT;
    double deadline = vz_now() + timeout_s;
    cleanup_free char *iu = NULL;
    struct vz_index *ix = NULL;
    struct vz_build_files *l = NULL;
    int r = vz_download_index(o, deadline, &iu, &ix, err);
    const struct vz_index_build *b = r == 0 ? vz_index_latest(ix, name) : NULL;
    if (r == 0 && !b)
        r = vz_error_set(err, VZ_ENOTEMPLATE, 0, "template %s is not in index %s", name, iu);
    else if (r == 0 && !b->files)
        r = vz_error_set(err, VZ_ENOTEMPLATE, 0, "build %s of %s has no signed list of exported "
                         "files (published before lists existed): publish it again with "
                         "--formats", b->id, name);
    cleanup_free char *dir = iu ? vz_download_url_dir(iu) : NULL;
    if (r == 0)
        r = fetch_list(dir, b, deadline, &l, err);
    char **have = vz_xcalloc(1, sizeof(char *));
    for (size_t i = 0; r == 0 && i < l->n; i++)
        if (!vz_strv_contains(have, l->files[i].format))
            vz_strv_push(&have, l->files[i].format);
    if (r == 0 && !vz_strv_contains(have, format)) {
        struct vz_buf list = VZ_BUF_INIT;
        vz_buf_init(&list);
        for (char **h = have; *h; h++)
            vz_buf_addf(&list, "%s%s", h == have ? "" : ", ", *h);
        r = vz_error_set(err, VZ_ENOTEMPLATE, 0, "build %s of %s has no %s export (it has: %s)",
                         b->id, name, format, list.len ? list.data : "none");
        vz_buf_release(&list);
    }
    vz_strv_free(have);
    json_t *files = json_array();
    if (r == 0) {
        cleanup_free char *base = vz_xasprintf("%s%s/%s/", dir, b->name, b->id);
        r = get_files(base, l, name, format, outdir, deadline, files, err);
    }
    if (r == 0 && !l->has_init)
        vz_warn("%s: %s", name, vz_export_noinit_note);
    if (r == 0 && result)
        *result = json_pack("{s:s, s:s, s:s, s:b, s:O}", "template", name, "id", b->id, "format",
                            format, "has_init", l->has_init, "files", files);
    json_decref(files);
    vz_build_files_free(l);
    vz_index_free(ix);
    if (r < 0) {
        if ((*err)->status == VZ_ETIMEOUT)
            return vz_error_wrap(err, "download %s (%s): gave up after --timeout %d s", name,
                                 format, timeout_s);
        return vz_error_wrap(err, "download %s (%s)", name, format);
    }
    return 0;
}
