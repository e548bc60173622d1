/* metadata/catalog.c: which files exist, which templates they define, and
 * loading one by name.
 *
 * Files: every *.yaml in the shipped distros directory and in the local
 * override directory ($VZ_ROOT/etc/vz/distros); a local file shadows a
 * shipped one of the same file name. A name <dist>-<release>-<arch>-<variant>
 * is looked for in <dist>-<release>.yaml first, then in every file; the short
 * form <dist>-<release>-<arch> means the variant "default".
 */
#include "metadata/internal.h"

#include <dirent.h>
#include <string.h>

char *vz_local_distros_dir(void)
{
    return vz_root_path("/etc/vz/distros");
}

/* --- files -------------------------------------------------------------- */

struct md_filelist {
    char **names; /* file names, sorted */
    char **paths; /* parallel: where each is read from (local shadows shipped) */
};

static void filelist_release(struct md_filelist *l)
{
    vz_strv_free(l->names);
    vz_strv_free(l->paths);
}

static void scan_dir(struct md_filelist *l, const char *dir)
{
    cleanup_dir DIR *d = opendir(dir);
    if (d == NULL)
        return;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.' || !vz_str_ends_with(de->d_name, ".yaml"))
            continue;
        if (vz_strv_contains(l->names, de->d_name))
            continue; /* shadowed: the local directory is scanned first */
        cleanup_free char *p = vz_path_join(dir, de->d_name);
        vz_strv_push(&l->names, de->d_name);
        vz_strv_push(&l->paths, p);
    }
}

static const char *shipped_dir(const struct vz_metadata_opts *opts)
{
    return opts && opts->distros_dir ? opts->distros_dir : vz_shipped_distros_dir();
}

static void filelist_load(struct md_filelist *l, const struct vz_metadata_opts *opts)
{
    memset(l, 0, sizeof(*l));
    cleanup_free char *local = vz_local_distros_dir();
    scan_dir(l, local);
    scan_dir(l, shipped_dir(opts));
    size_t n = vz_strv_len(l->names);
    /* insertion sort by name, keeping names and paths paired (a few files) */
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && strcmp(l->names[j - 1], l->names[j]) > 0; j--) {
            char *t = l->names[j];
            l->names[j] = l->names[j - 1];
            l->names[j - 1] = t;
            t = l->paths[j];
            l->paths[j] = l->paths[j - 1];
            l->paths[j - 1] = t;
        }
}

static const char *filelist_find(const struct md_filelist *l, const char *fname)
{
    for (size_t i = 0; l->names && l->names[i]; i++)
        if (strcmp(l->names[i], fname) == 0)
            return l->paths[i];
    return NULL;
}

/* --- load and list -------------------------------------------------------- */

static const char *apt_root_of(const struct vz_metadata_opts *opts)
{
    if (opts && opts->apt_root)
        return opts->apt_root;
    const char *e = getenv("VZ_APT_ROOT");
    return e && *e ? e : "/";
}

/* Build every template of the file without mirrors: an error in any
 * variant (a bad package name, say) is reported whichever one is asked for. */
static int check_all(const struct md_file *f, vz_error_t *err)
{
    for (size_t a = 0; a < f->n_archs; a++)
        for (size_t v = 0; v < f->n_variants; v++) {
            struct vz_template *t = NULL;
            if (md_build(f, (int)a, (int)v, NULL, &t, err) < 0)
                return -1;
            vz_template_free(t);
        }
    return 0;
}

static int build_named(const struct md_file *f, const char *arch, const char *variant,
                       const struct vz_metadata_opts *opts, struct vz_template **out, vz_error_t *err)
{
    if (check_all(f, err) < 0)
        return -1;
    int ai = md_find_arch(f, arch), vi = md_find_variant(f, variant);
    if (ai < 0 || vi < 0)
        return 1; /* not in this file */
    if (opts && opts->skip_mirrors)
        return md_build(f, ai, vi, NULL, out, err);
    struct md_mirror_ctx m = {
        .opts = opts, .distribution = f->distribution->value, .codename = f->codename->value,
        .family = f->family->value, .apt_root = apt_root_of(opts),
    };
    int r = md_build(f, ai, vi, &m, out, err);
    md_mirror_ctx_release(&m);
    return r;
}

/* Split name into distribution, release, arch and variant ("default" when
 * the OpenVZ short form <dist>-<release>-<arch> is used). */
static bool split_name(const char *name, char **dist, char **rel, char **arch, char **variant)
{
    const char *d1 = strchr(name, '-');
    const char *d2 = d1 ? strchr(d1 + 1, '-') : NULL;
    if (d1 == NULL || d2 == NULL || d1 == name || d2 == d1 + 1)
        return false;
    const char *d3 = strchr(d2 + 1, '-');
    *dist = vz_xasprintf("%.*s", (int)(d1 - name), name);
    *rel = vz_xasprintf("%.*s", (int)(d2 - d1 - 1), d1 + 1);
    if (d3) {
        *arch = vz_xasprintf("%.*s", (int)(d3 - d2 - 1), d2 + 1);
        *variant = vz_xstrdup(d3 + 1);
    } else {
        *arch = vz_xstrdup(d2 + 1);
        *variant = vz_xstrdup("default");
    }
    return **arch && **variant;
}

static int not_found(const char *name, const struct vz_metadata_opts *opts, vz_error_t *err)
{
    struct vz_template_entry *e = NULL;
    size_t n = 0;
    vz_error_t lerr = NULL;
    const char **names = NULL;
    if (vz_template_list(opts, &e, &n, &lerr) < 0)
        vz_error_release(&lerr);
    names = vz_xcalloc(n + 1, sizeof(*names));
    for (size_t i = 0; i < n; i++)
        names[i] = e[i].name;
    const char *sug = md_suggest(name, names, n);
    int r;
    if (sug)
        r = vz_error_set(err, VZ_ENOTEMPLATE, 0, "unknown template '%s' (did you mean '%s'?)", name, sug);
    else
        r = vz_error_set(err, VZ_ENOTEMPLATE, 0, "unknown template '%s' ('vzpkg list' shows the known ones)",
                         name);
    free(names);
    vz_template_list_free(e, n);
    return r;
}

int vz_template_load(const char *name, const struct vz_metadata_opts *opts, struct vz_template **out,
                     vz_error_t *err)
{
    cleanup_free char *dist = NULL, *rel = NULL, *arch = NULL, *variant = NULL;
    if (!vz_safe_name(name) || !split_name(name, &dist, &rel, &arch, &variant))
        return not_found(name, opts, err);
    struct md_filelist l;
    filelist_load(&l, opts);
    cleanup_free char *fname = vz_xasprintf("%s-%s.yaml", dist, rel);
    const char *path = filelist_find(&l, fname);
    int r = 1;
    if (path) {
        struct md_file f;
        if (md_file_load(&f, path, err) < 0) {
            filelist_release(&l);
            return -1;
        }
        if (strcmp(f.distribution->value, dist) == 0 && strcmp(f.release->value, rel) == 0)
            r = build_named(&f, arch, variant, opts, out, err);
        md_file_release(&f);
    }
    /* Not where the convention puts it: any file whose templates include it. */
    for (size_t i = 0; r == 1 && l.paths && l.paths[i]; i++) {
        if (path && strcmp(l.paths[i], path) == 0)
            continue;
        struct md_file f;
        vz_error_t ferr = NULL;
        if (md_file_load(&f, l.paths[i], &ferr) < 0) {
            vz_error_release(&ferr);
            continue;
        }
        if (strcmp(f.distribution->value, dist) == 0 && strcmp(f.release->value, rel) == 0)
            r = build_named(&f, arch, variant, opts, out, err);
        md_file_release(&f);
    }
    filelist_release(&l);
    if (r == 1)
        return not_found(name, opts, err);
    return r;
}

static void entries_clear(struct vz_template_entry *e, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(e[i].name);
        free(e[i].summary);
        free(e[i].source_path);
    }
}

static int cmp_entry(const void *a, const void *b)
{
    return strcmp(((const struct vz_template_entry *)a)->name, ((const struct vz_template_entry *)b)->name);
}

int vz_template_list(const struct vz_metadata_opts *opts, struct vz_template_entry **out, size_t *n,
                     vz_error_t *err)
{
    struct md_filelist l;
    filelist_load(&l, opts);
    struct vz_template_entry *e = NULL;
    size_t ne = 0;
    for (size_t i = 0; l.paths && l.paths[i]; i++) {
        struct md_file f;
        vz_error_t ferr = NULL;
        if (md_file_load(&f, l.paths[i], &ferr) < 0) {
            vz_warn("skipping %s", ferr->msg);
            vz_error_release(&ferr);
            continue;
        }
        size_t start = ne;
        for (size_t a = 0; a < f.n_archs && !ferr; a++)
            for (size_t v = 0; v < f.n_variants && !ferr; v++) {
                struct vz_template *t = NULL;
                if (md_build(&f, (int)a, (int)v, NULL, &t, &ferr) < 0)
                    break;
                bool dup = false;
                for (size_t k = 0; k < ne; k++)
                    dup |= strcmp(e[k].name, t->name) == 0;
                if (dup) {
                    vz_warn("%s: template %s is defined by an earlier file too; ignoring this one",
                            l.paths[i], t->name);
                } else {
                    e = vz_xrealloc(e, (ne + 1) * sizeof(*e));
                    e[ne++] = (struct vz_template_entry){ vz_xstrdup(t->name), vz_xstrdup(t->summary),
                                                          vz_xstrdup(l.paths[i]) };
                }
                vz_template_free(t);
            }
        if (ferr) {
            vz_warn("skipping %s", ferr->msg);
            vz_error_release(&ferr);
            entries_clear(e + start, ne - start);
            ne = start;
        }
        md_file_release(&f);
    }
    filelist_release(&l);
    if (ne)
        qsort(e, ne, sizeof(*e), cmp_entry);
    *out = e;
    *n = ne;
    (void)err;
    return 0;
}

void vz_template_list_free(struct vz_template_entry *e, size_t n)
{
    entries_clear(e, n);
    free(e);
}
