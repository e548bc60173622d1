/* cache/build_files.c: the signed list of a build's exported files
 * (cache/build_files.h). */
#include "cache/build_files.h"

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <string.h>
#include <sys/stat.h>

#include "cache/sign.h"

char *vz_build_files_name(const char *name)
{
    return vz_xasprintf("%s.files.json", name);
}

/* Top-level names of a build directory the list does not cover. */
static bool not_listed(const char *name, const char *base)
{
    static const char *const own[] = { ".manifest", ".manifest.sig", ".tar.zst", ".tar.gz",
                                       ".tar.xz", ".files.json", ".files.json.sig" };
    size_t nl = strlen(name);
    if (!strcmp(base, "root.tar.xz") || !strcmp(base, "incus.tar.xz"))
        return true;
    if (strncmp(base, name, nl) != 0)
        return false;
    for (size_t i = 0; i < VZ_ARRAY_SIZE(own); i++)
        if (!strcmp(base + nl, own[i]))
            return true;
    return false;
}

static const char *format_of(const char *name, const char *path, char *buf, size_t n)
{
    const char *l = vz_build_files_landing(name, path);
    size_t nl = strlen(name);
    if (strncmp(l, name, nl) != 0 || l[nl] != '.')
        return "other";
    const char *w = l + nl + 1;
    size_t wl = strcspn(w, "./");
    snprintf(buf, n, "%.*s", (int)wl, w);
    return wl ? buf : "other";
}

const char *vz_build_files_landing(const char *name, const char *path)
{
    size_t nl = strlen(name);
    for (const char *p = path; p && *p;) {
        if (!strncmp(p, name, nl) && p[nl] == '.')
            return p;
        p = strchr(p, '/');
        if (p)
            p++;
    }
    return path;
}

static int cmp_path(const void *a, const void *b)
{
    return strcmp(((const struct vz_build_file *)a)->path, ((const struct vz_build_file *)b)->path);
}

static void add_file(struct vz_build_files *l, const char *rel)
{
    l->files = vz_xrealloc(l->files, sizeof(*l->files) * (l->n + 1));
    struct vz_build_file *f = &l->files[l->n++];
    memset(f, 0, sizeof(*f));
    f->path = vz_xstrdup(rel);
}

/* The relative paths of the covered files under bdir/rel (not hashed). */
static int walk(const char *bdir, const char *rel, const char *name, struct vz_build_files *l,
                vz_error_t *err)
{
    cleanup_free char *dir = *rel ? vz_path_join(bdir, rel) : vz_xstrdup(bdir);
    DIR *d = opendir(dir);
    if (!d)
        return vz_error_sys(err, "open %s", dir);
    int r = 0;
    struct dirent *de;
    while (r == 0 && (de = readdir(d))) {
        if (de->d_name[0] == '.' || (!*rel && not_listed(name, de->d_name)))
            continue;
        cleanup_free char *sub = *rel ? vz_path_join(rel, de->d_name) : vz_xstrdup(de->d_name);
        cleanup_free char *p = vz_path_join(bdir, sub);
        struct stat st;
        if (lstat(p, &st) < 0)
            r = vz_error_sys(err, "stat %s", p);
        else if (S_ISDIR(st.st_mode))
            r = walk(bdir, sub, name, l, err);
        else if (S_ISREG(st.st_mode))
            add_file(l, sub);
        else
            r = vz_error_set(err, VZ_EVERIFY, 0, "%s: not a regular file or directory (a "
                             "published tree holds only plain files)", p);
    }
    closedir(d);
    return r;
}

/* The covered files of bdir, sorted, hashed when hash. */
static int scan(const char *bdir, const char *name, bool hash, struct vz_build_files *l,
                vz_error_t *err)
{
    int r = walk(bdir, "", name, l, err);
    if (r == 0 && l->n)
        qsort(l->files, l->n, sizeof(*l->files), cmp_path);
    char fb[32];
    for (size_t i = 0; r == 0 && i < l->n; i++) {
        struct vz_build_file *f = &l->files[i];
        f->format = vz_xstrdup(format_of(name, f->path, fb, sizeof(fb)));
        if (hash) {
            cleanup_free char *p = vz_path_join(bdir, f->path);
            r = vz_sha256_file(p, f->sha256, &f->size, err);
        }
    }
    return r;
}

int vz_build_files_write(const char *bdir, const char *name, const char *id,
                         const char *tar_sha256, bool has_init, vz_error_t *err)
{
    struct vz_build_files *l = vz_xcalloc(1, sizeof(*l));
    int r = scan(bdir, name, true, l, err);
    json_t *files = json_array();
    for (size_t i = 0; r == 0 && i < l->n; i++)
        json_array_append_new(files, json_pack("{s:s, s:s, s:I, s:s}", "path", l->files[i].path,
                                               "format", l->files[i].format, "size",
                                               (json_int_t)l->files[i].size, "sha256",
                                               l->files[i].sha256));
    vz_build_files_free(l);
    json_t *root = json_pack("{s:i, s:s, s:s, s:s, s:s, s:o}", "format", VZ_BUILD_FILES_FORMAT,
                             "template", name, "id", id, "tar_sha256", tar_sha256, "init",
                             has_init ? "/sbin/init" : "none", "files", files);
    char *text = r == 0 ? json_dumps(root, JSON_INDENT(1) | JSON_SORT_KEYS) : NULL;
    json_decref(root);
    if (r == 0 && !text)
        r = vz_error_set(err, VZ_EFAIL, 0, "%s: cannot serialise the list of files", bdir);
    cleanup_free char *sig = NULL;
    size_t slen = 0, tlen = text ? strlen(text) : 0;
    if (r == 0)
        r = vz_sign(text, tlen, &sig, &slen, NULL, err);
    cleanup_free char *base = vz_build_files_name(name);
    cleanup_free char *lp = vz_path_join(bdir, base);
    cleanup_free char *sp = vz_xasprintf("%s.sig", lp);
    if (r == 0)
        r = vz_atomic_write(lp, text, tlen, 0644, err);
    if (r == 0)
        r = vz_atomic_write(sp, sig, slen, 0644, err);
    free(text);
    return r < 0 ? vz_error_wrap(err, "list of the files of %s/%s", name, id) : 0;
}

void vz_build_files_free(struct vz_build_files *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n; i++) {
        free(l->files[i].path);
        free(l->files[i].format);
    }
    free(l->files);
    free(l->template_name);
    free(l->id);
    free(l);
}

static bool hex64(const char *s)
{
    if (!s || strlen(s) != 64)
        return false;
    return strspn(s, "0123456789abcdef") == 64;
}

/* Plain relative components only: the path may be joined under any
 * directory by a client. */
static bool plain_path(const char *p)
{
    if (!p || !*p || strlen(p) > 4096)
        return false;
    cleanup_free char *c = vz_xstrdup(p);
    char *save = NULL;
    size_t parts = 0;
    for (char *s = strtok_r(c, "/", &save); s; s = strtok_r(NULL, "/", &save), parts++)
        if (!vz_safe_name(s))
            return false;
    /* no empty component: "a//b", "/a", "a/" */
    return parts && !strstr(p, "//") && p[0] != '/' && p[strlen(p) - 1] != '/';
}

int vz_build_files_parse(const char *text, size_t len, struct vz_build_files **out,
                         vz_error_t *err)
{
    json_error_t je;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (!root)
        return vz_error_set(err, VZ_ECORRUPT, 0, "list of files: line %d: %s", je.line, je.text);
    const char *tmpl = NULL, *id = NULL, *tsha = NULL, *init = NULL;
    json_t *files = NULL;
    int fmt = 0, r = 0;
    if (json_unpack_ex(root, &je, 0, "{s:i, s:s, s:s, s:s, s:s, s:o}", "format", &fmt, "template",
                       &tmpl, "id", &id, "tar_sha256", &tsha, "init", &init, "files", &files) < 0 ||
        !json_is_array(files))
        r = vz_error_set(err, VZ_ECORRUPT, 0, "list of files: %s", je.text);
    else if (fmt != VZ_BUILD_FILES_FORMAT || !vz_safe_name(tmpl) || !vz_safe_name(id) ||
             !hex64(tsha) || (strcmp(init, "/sbin/init") && strcmp(init, "none")))
        r = vz_error_set(err, VZ_ECORRUPT, 0, "list of files: bad format, template, id, "
                         "tar_sha256 or init");
    struct vz_build_files *l = vz_xcalloc(1, sizeof(*l));
    size_t i;
    json_t *f;
    json_array_foreach(files, i, f) {
        if (r < 0)
            break;
        const char *p = NULL, *fm = NULL, *sha = NULL;
        json_int_t size = -1;
        if (json_unpack(f, "{s:s, s:s, s:I, s:s}", "path", &p, "format", &fm, "size", &size,
                        "sha256", &sha) < 0 || !plain_path(p) || !vz_safe_name(fm) ||
            size < 0 || !hex64(sha) || (l->n && strcmp(l->files[l->n - 1].path, p) >= 0)) {
            r = vz_error_set(err, VZ_ECORRUPT, 0, "list of files: files[%zu] is malformed "
                             "(path, format, size, sha256; sorted, no duplicate)", i);
            break;
        }
        add_file(l, p);
        l->files[l->n - 1].format = vz_xstrdup(fm);
        l->files[l->n - 1].size = (uint64_t)size;
        memcpy(l->files[l->n - 1].sha256, sha, 65);
    }
    if (r == 0) {
        l->template_name = vz_xstrdup(tmpl);
        l->id = vz_xstrdup(id);
        memcpy(l->tar_sha256, tsha, 65);
        l->has_init = !strcmp(init, "/sbin/init");
        *out = l;
    } else {
        vz_build_files_free(l);
    }
    json_decref(root);
    return r;
}

int vz_build_files_check(const char *bdir, const char *name, const char *id,
                         const char *tar_sha256, vz_error_t *err)
{
    cleanup_free char *base = vz_build_files_name(name);
    cleanup_free char *lp = vz_path_join(bdir, base);
    cleanup_free char *sp = vz_xasprintf("%s.sig", lp);
    struct vz_build_files *have = vz_xcalloc(1, sizeof(*have)), *l = NULL;
    int r = scan(bdir, name, false, have, err);
    if (r == 0 && !vz_file_exists(lp)) {
        if (have->n)
            r = vz_error_set(err, VZ_EVERIFY, 0, "%s/%s is not listed in a signed %s (exported "
                             "files must be published with 'vzpkg publish --formats' or "
                             "'--with')", bdir, have->files[0].path, base);
        vz_build_files_free(have);
        return r;
    }
    cleanup_free char *text = NULL, *sig = NULL;
    size_t len = 0, slen = 0;
    if (r == 0 && (vz_read_file(lp, &text, &len, err) < 0 ||
                   vz_read_file(sp, &sig, &slen, err) < 0))
        r = -1;
    if (r == 0 && vz_verify(text, len, sig, slen, NULL, err) < 0)
        r = vz_error_wrap(err, "%s", lp);
    if (r == 0 && vz_build_files_parse(text, len, &l, err) < 0)
        r = vz_error_wrap(err, "%s", lp);
    if (r == 0 && (strcmp(l->template_name, name) || strcmp(l->id, id) ||
                   strcmp(l->tar_sha256, tar_sha256)))
        r = vz_error_set(err, VZ_EVERIFY, 0, "%s is the list of build %s/%s, not of %s/%s", lp,
                         l->template_name, l->id, name, id);
    /* both sorted: one merge pass finds the unlisted and the missing */
    size_t i = 0, j = 0;
    while (r == 0 && (i < have->n || j < l->n)) {
        int c = i == have->n ? 1 : j == l->n ? -1 : strcmp(have->files[i].path, l->files[j].path);
        if (c < 0) {
            r = vz_error_set(err, VZ_EVERIFY, 0, "%s/%s is not in the signed list %s", bdir,
                             have->files[i].path, base);
        } else if (c > 0) {
            r = vz_error_set(err, VZ_EVERIFY, 0, "%s/%s is in the signed list %s but missing",
                             bdir, l->files[j].path, base);
        } else {
            cleanup_free char *p = vz_path_join(bdir, have->files[i].path);
            char hex[65];
            uint64_t size = 0;
            r = vz_sha256_file(p, hex, &size, err);
            if (r == 0 && (size != l->files[j].size || strcmp(hex, l->files[j].sha256)))
                r = vz_error_set(err, VZ_EVERIFY, 0,
                                 "%s: %llu bytes with sha256 %s, but the signed list says %llu "
                                 "bytes with sha256 %s", p, (unsigned long long)size, hex,
                                 (unsigned long long)l->files[j].size, l->files[j].sha256);
            i++;
            j++;
        }
    }
    vz_build_files_free(have);
    vz_build_files_free(l);
    return r;
}
