/* metadata/template.c: from a template name to a struct vz_template.
 *
 * Files: every *.yaml in the shipped distros directory and in the local
 * override directory ($VZ_ROOT/etc/vz/distros); a local file shadows a
 * shipped one of the same file name. A name <dist>-<release>-<arch>-<variant>
 * is looked for in <dist>-<release>.yaml first, then in every file.
 *
 * The effective template of (file, arch, variant), with the variant chain
 * root first (minimal <- default):
 *   packages      concatenated along the chain, duplicates dropped, then
 *                 every name in any chain member's excludes removed;
 *   excludes      union along the chain;
 *   base          the nearest variant that sets it;
 *   repositories  the nearest variant's list, else every repository;
 *   environment   file-level, then along the chain; later values win;
 *   scripts       file-level, then along the chain, concatenated;
 *   summary,
 *   description   the variant's own, else the file's.
 */
#include "metadata/internal.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
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
        size_t n = strlen(de->d_name);
        if (de->d_name[0] == '.' || n <= 5 || strcmp(de->d_name + n - 5, ".yaml") != 0)
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
    /* sort both by name: pair them up through an index */
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

/* --- the effective template -------------------------------------------- */

static void push_unique(char ***v, const char *s)
{
    if (!vz_strv_contains(*v, s))
        vz_strv_push(v, s);
}

static bool valid_pkg_name(const char *s, bool deb)
{
    if (deb) {
        /* Debian policy 5.6.7: [a-z0-9][a-z0-9+.-]+ */
        if (!(islower((unsigned char)s[0]) || isdigit((unsigned char)s[0])) || strlen(s) < 2)
            return false;
        for (const char *p = s; *p; p++)
            if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) || strchr("+.-", *p)))
                return false;
        return true;
    }
    for (const char *p = s; *p; p++)
        if (!(isalnum((unsigned char)*p) || strchr("+._-", *p)))
            return false;
    return *s != '\0';
}

static int expand_list(const struct md_vars *vars, const struct md_file *f, const struct yt_node *list,
                       bool check_pkg, char ***out, vz_error_t *err)
{
    bool deb = strcmp(f->family->value, "deb") == 0;
    for (size_t i = 0; list && i < list->n; i++) {
        cleanup_free char *s = NULL;
        if (md_expand(vars, &f->doc, list->items[i], &s, err) < 0)
            return -1;
        if (check_pkg && !valid_pkg_name(s, deb))
            return yt_node_error(err, &f->doc, list->items[i], "invalid package name '%s'%s", s,
                                 deb ? " (Debian package names are lowercase letters, digits, '+', '-' and '.')" : "");
        push_unique(out, s);
    }
    return 0;
}

static void env_set(char ***env, const char *key, const char *value)
{
    size_t kl = strlen(key);
    for (char **p = *env; p && *p; p++)
        if (strncmp(*p, key, kl) == 0 && (*p)[kl] == '=') {
            free(*p);
            *p = vz_xasprintf("%s=%s", key, value);
            return;
        }
    cleanup_free char *kv = vz_xasprintf("%s=%s", key, value);
    vz_strv_push(env, kv);
}

static int apply_env(const struct md_vars *vars, const struct md_file *f, const struct yt_node *map,
                     char ***env, vz_error_t *err)
{
    for (size_t i = 0; map && i < map->n; i++) {
        cleanup_free char *v = NULL;
        if (md_expand(vars, &f->doc, map->items[i], &v, err) < 0)
            return -1;
        env_set(env, map->keys[i]->value, v);
    }
    return 0;
}

static int add_script(const struct md_vars *vars, const struct md_file *f, const struct yt_node *scripts,
                      const char *key, char **acc, vz_error_t *err)
{
    const struct yt_node *n = yt_map_get(scripts, key);
    if (n == NULL || yt_is_null(n))
        return 0;
    cleanup_free char *s = NULL;
    if (md_expand(vars, &f->doc, n, &s, err) < 0)
        return -1;
    size_t l = strlen(s);
    char *joined = vz_xasprintf("%s%s%s", *acc ? *acc : "", s, l && s[l - 1] != '\n' ? "\n" : "");
    free(*acc);
    *acc = joined;
    return 0;
}

static bool is_url(const char *s)
{
    const char *p = s;
    while (isalnum((unsigned char)*p) || *p == '+' || *p == '-' || *p == '.')
        p++;
    return p > s && strncmp(p, "://", 3) == 0;
}

static int build_repo(const struct md_vars *vars, const struct md_file *f, const struct md_repo *r,
                      struct vz_repo_def *out, vz_error_t *err)
{
    out->name = vz_xstrdup(r->name->value);
    out->allow_unsigned = r->allow_unsigned_v;
    const struct yt_node *const *mirrors = &r->mirror;
    size_t nm = 1;
    if (r->mirror->kind == YT_SEQ) {
        mirrors = (const struct yt_node *const *)r->mirror->items;
        nm = r->mirror->n;
    }
    for (size_t i = 0; i < nm; i++) {
        cleanup_strv char **all = NULL;
        if (md_expand_all(vars, &f->doc, mirrors[i], &all, err) < 0)
            return -1;
        for (char **u = all; *u; u++) {
            if (vars->mirrors && !is_url(*u))
                return yt_node_error(err, &f->doc, mirrors[i],
                                     "mirror of repository '%s' is '%s', not a URL such as {{mirror.%s}} "
                                     "or http://HOST/PATH", out->name, *u, f->distribution->value);
            push_unique(&out->uris, *u);
        }
    }
    if (md_expand(vars, &f->doc, r->suite, &out->suite, err) < 0)
        return -1;
    if (expand_list(vars, f, r->components, false, &out->components, err) < 0)
        return -1;
    if (r->keyring && md_expand(vars, &f->doc, r->keyring, &out->keyring, err) < 0)
        return -1;
    return 0;
}

static void repo_def_release(struct vz_repo_def *r)
{
    free(r->name);
    vz_strv_free(r->uris);
    free(r->suite);
    vz_strv_free(r->components);
    free(r->keyring);
}

static json_t *strv_json(char **v)
{
    json_t *a = json_array();
    for (size_t i = 0; v && v[i]; i++)
        json_array_append_new(a, json_string(v[i]));
    return a;
}

/* The hash covers what changes the built tree: not the summary, the
 * description, the mirror URIs (any mirror of the archive gives the same
 * verified packages) or the file the template came from. */
static void compute_hash(struct vz_template *t)
{
    json_t *o = json_object();
    json_object_set_new(o, "schema", json_integer(1));
    json_object_set_new(o, "name", json_string(t->name));
    json_object_set_new(o, "distribution", json_string(t->distribution));
    json_object_set_new(o, "release", json_string(t->release));
    json_object_set_new(o, "codename", json_string(t->codename));
    json_object_set_new(o, "family", json_string(t->family));
    json_object_set_new(o, "arch", json_string(t->arch));
    json_object_set_new(o, "distro_arch", json_string(t->distro_arch));
    json_object_set_new(o, "variant", json_string(t->variant));
    json_object_set_new(o, "base_required", json_boolean(t->base_required));
    json_object_set_new(o, "packages", strv_json(t->packages));
    json_object_set_new(o, "excludes", strv_json(t->excludes));
    json_object_set_new(o, "environment", strv_json(t->environment));
    json_object_set_new(o, "merged_usr", json_string(t->merged_usr));
    json_object_set_new(o, "pre_cache", t->script_pre_cache ? json_string(t->script_pre_cache) : json_null());
    json_object_set_new(o, "post_install",
                        t->script_post_install ? json_string(t->script_post_install) : json_null());
    json_t *repos = json_array();
    for (size_t i = 0; i < t->n_repos; i++) {
        const struct vz_repo_def *r = &t->repos[i];
        json_t *jr = json_object();
        json_object_set_new(jr, "name", json_string(r->name));
        json_object_set_new(jr, "suite", json_string(r->suite));
        json_object_set_new(jr, "components", strv_json(r->components));
        json_object_set_new(jr, "keyring", r->keyring ? json_string(r->keyring) : json_null());
        json_object_set_new(jr, "allow_unsigned", json_boolean(r->allow_unsigned));
        json_array_append_new(repos, jr);
    }
    json_object_set_new(o, "repositories", repos);
    char *s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
    if (s == NULL)
        abort();
    vz_sha256_hex(s, strlen(s), t->metadata_sha256);
    free(s);
    json_decref(o);
}

static int md_build(const struct md_file *f, int ai, int vi, struct md_mirror_ctx *mirrors,
                    struct vz_template **out, vz_error_t *err)
{
    const struct md_arch *a = &f->archs[ai];
    const struct md_variant *leaf = &f->variants[vi];
    struct md_vars vars = {
        .codename = f->codename->value, .release = f->release->value, .arch = a->key->value,
        .distro_arch = a->value->value, .distribution = f->distribution->value, .mirrors = mirrors,
    };
    /* chain, root first */
    int chain[64];
    size_t nc = 0;
    for (int c = vi; c >= 0 && nc < VZ_ARRAY_SIZE(chain); c = f->variants[c].parent)
        chain[nc++] = c;
    for (size_t i = 0; i < nc / 2; i++) {
        int t = chain[i];
        chain[i] = chain[nc - 1 - i];
        chain[nc - 1 - i] = t;
    }

    struct vz_template *t = vz_xcalloc(1, sizeof(*t));
    t->name = vz_xasprintf("%s-%s-%s-%s", f->distribution->value, f->release->value, a->key->value,
                           leaf->key->value);
    t->distribution = vz_xstrdup(f->distribution->value);
    t->release = vz_xstrdup(f->release->value);
    t->codename = vz_xstrdup(f->codename->value);
    t->family = vz_xstrdup(f->family->value);
    t->arch = vz_xstrdup(a->key->value);
    t->distro_arch = vz_xstrdup(a->value->value);
    t->variant = vz_xstrdup(leaf->key->value);
    t->merged_usr = vz_xstrdup(f->merged_usr ? f->merged_usr->value : "none");
    t->source_path = vz_xstrdup(f->doc.path);
    t->mirrors_resolved = mirrors != NULL;

    const struct yt_node *summary = leaf->summary ? leaf->summary : f->summary;
    const struct yt_node *desc = leaf->description ? leaf->description : f->description;
    if (md_expand(&vars, &f->doc, summary, &t->summary, err) < 0)
        goto fail;
    if (desc && md_expand(&vars, &f->doc, desc, &t->description, err) < 0)
        goto fail;

    const struct yt_node *repo_names = NULL;
    for (size_t i = nc; i-- > 0 && repo_names == NULL;)
        repo_names = f->variants[chain[i]].repositories;
    t->repos = vz_xcalloc(f->n_repos, sizeof(*t->repos));
    for (size_t i = 0; i < (repo_names ? repo_names->n : f->n_repos); i++) {
        const struct md_repo *r = &f->repos[i];
        if (repo_names)
            for (size_t k = 0; k < f->n_repos; k++)
                if (strcmp(f->repos[k].name->value, repo_names->items[i]->value) == 0)
                    r = &f->repos[k];
        bool dup = false;
        for (size_t k = 0; k < t->n_repos; k++)
            dup |= strcmp(t->repos[k].name, r->name->value) == 0;
        if (dup)
            continue;
        if (build_repo(&vars, f, r, &t->repos[t->n_repos++], err) < 0)
            goto fail;
    }

    t->base_required = false;
    for (size_t i = nc; i-- > 0;)
        if (f->variants[chain[i]].base_v != MD_BASE_UNSET) {
            t->base_required = f->variants[chain[i]].base_v == MD_BASE_REQUIRED;
            break;
        }
    char **pk = NULL, **ex = NULL;
    for (size_t i = 0; i < nc; i++) {
        const struct md_variant *v = &f->variants[chain[i]];
        if (expand_list(&vars, f, v->packages, true, &pk, err) < 0 ||
            expand_list(&vars, f, v->excludes, true, &ex, err) < 0) {
            vz_strv_free(pk);
            vz_strv_free(ex);
            goto fail;
        }
    }
    t->packages = vz_xcalloc(1, sizeof(char *));
    for (char **p = pk; p && *p; p++)
        if (!vz_strv_contains(ex, *p))
            vz_strv_push(&t->packages, *p);
    vz_strv_free(pk);
    t->excludes = ex ? ex : vz_xcalloc(1, sizeof(char *));

    t->environment = vz_xcalloc(1, sizeof(char *));
    if (apply_env(&vars, f, f->environment, &t->environment, err) < 0)
        goto fail;
    if (add_script(&vars, f, f->scripts, "pre-cache", &t->script_pre_cache, err) < 0 ||
        add_script(&vars, f, f->scripts, "post-install", &t->script_post_install, err) < 0)
        goto fail;
    for (size_t i = 0; i < nc; i++) {
        const struct md_variant *v = &f->variants[chain[i]];
        if (apply_env(&vars, f, v->environment, &t->environment, err) < 0 ||
            add_script(&vars, f, v->scripts, "pre-cache", &t->script_pre_cache, err) < 0 ||
            add_script(&vars, f, v->scripts, "post-install", &t->script_post_install, err) < 0)
            goto fail;
    }

    if (mirrors) {
        t->mirrors = vz_xcalloc(mirrors->n_vars + 1, sizeof(*t->mirrors));
        for (size_t i = 0; i < mirrors->n_vars; i++) {
            const struct vz_mirror_var *m = &mirrors->vars[i];
            t->mirrors[i].name = vz_xstrdup(m->name);
            t->mirrors[i].origin = vz_xstrdup(m->origin);
            for (char **u = m->uris; *u; u++)
                vz_strv_push(&t->mirrors[i].uris, *u);
        }
        t->n_mirrors = mirrors->n_vars;
    }
    compute_hash(t);
    *out = t;
    return 0;
fail:
    vz_template_free(t);
    return -1;
}

void vz_template_free(struct vz_template *t)
{
    if (t == NULL)
        return;
    free(t->name);
    free(t->distribution);
    free(t->release);
    free(t->codename);
    free(t->family);
    free(t->arch);
    free(t->distro_arch);
    free(t->variant);
    free(t->summary);
    free(t->description);
    for (size_t i = 0; i < t->n_repos; i++)
        repo_def_release(&t->repos[i]);
    free(t->repos);
    vz_strv_free(t->packages);
    vz_strv_free(t->excludes);
    vz_strv_free(t->environment);
    free(t->merged_usr);
    free(t->script_pre_cache);
    free(t->script_post_install);
    free(t->source_path);
    for (size_t i = 0; i < t->n_mirrors; i++) {
        free(t->mirrors[i].name);
        vz_strv_free(t->mirrors[i].uris);
        free(t->mirrors[i].origin);
    }
    free(t->mirrors);
    free(t);
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
