/* metadata/template.c: the effective template of (file, arch, variant).
 *
 * With the variant chain root first (minimal <- default):
 *   packages      concatenated along the chain, duplicates dropped, then
 *                 every name in any chain member's excludes removed;
 *   excludes      union along the chain;
 *   base          the nearest variant that sets it;
 *   repositories  the nearest variant's list, else every repository;
 *   environment   file-level, then along the chain; later values win;
 *   scripts       file-level, then along the chain, concatenated;
 *   summary,
 *   description   the variant's own, else the file's.
 * Variables are expanded here; mirrors are resolved when a mirror context is
 * given (NULL: {{mirror.NAME}} stays as written, for listing and checks).
 */
#include "metadata/internal.h"

#include <ctype.h>
#include <jansson.h>
#include <string.h>

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
                       bool check_pkg, struct md_strlist *out, vz_error_t *err)
{
    bool deb = strcmp(f->family->value, "deb") == 0;
    for (size_t i = 0; list && i < list->n; i++) {
        cleanup_free char *s = NULL;
        if (md_expand(vars, &f->doc, list->items[i], &s, err) < 0)
            return -1;
        if (check_pkg && !valid_pkg_name(s, deb))
            return yt_node_error(err, &f->doc, list->items[i], "invalid package name '%s'%s", s,
                                 deb ? " (Debian package names are lowercase letters, digits, '+', '-' and '.')" : "");
        md_strlist_add(out, s);
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

/* rpm: gpgkey relative to the YAML file's directory (keys ship next to the
 * distro files, distros/keys/). */
static char *key_path(const struct md_file *f, const char *key)
{
    if (key[0] == '/')
        return vz_xstrdup(key);
    const char *slash = strrchr(f->doc.path, '/');
    if (slash == NULL)
        return vz_xstrdup(key);
    return vz_xasprintf("%.*s/%s", (int)(slash - f->doc.path), f->doc.path, key);
}

/* The URIs one baseurl/mirror node stands for (a list, and mirror
 * variables with several URIs), each checked to be a URL. */
static int expand_uris(const struct md_vars *vars, const struct md_file *f,
                       const struct yt_node *mirror, const char *repo, char ***out,
                       vz_error_t *err)
{
    const struct yt_node *const *mirrors = &mirror;
    size_t nm = 1;
    struct md_strlist uris = { 0 };
    if (mirror->kind == YT_SEQ) {
        mirrors = (const struct yt_node *const *)mirror->items;
        nm = mirror->n;
    }
    for (size_t i = 0; i < nm; i++) {
        cleanup_strv char **all = NULL;
        if (md_expand_all(vars, &f->doc, mirrors[i], &all, err) < 0)
            goto fail;
        for (char **u = all; *u; u++) {
            if (vars->mirrors && !md_is_url(*u)) {
                yt_node_error(err, &f->doc, mirrors[i],
                              "mirror of repository '%s' is '%s', not a URL such as {{mirror.%s}} "
                              "or http://HOST/PATH", repo, *u, f->distribution->value);
                goto fail;
            }
            md_strlist_add(&uris, *u);
        }
    }
    *out = md_strlist_detach(&uris);
    return 0;
fail:
    md_strlist_release(&uris);
    return -1;
}

/* rpm: the metalink or mirrorlist URL of r into out, when the baseurl is
 * not usable. A baseurl whose mirror variable has a value wins (a mirror
 * named on the command line, in the environment or vz.conf overrides the
 * list); without one, the list is used; without either, the error names
 * both. Listing (no mirror resolution) keeps both as written. */
static int rpm_mirror_list(const struct md_vars *vars, const struct md_file *f,
                           const struct md_repo *r, struct vz_repo_def *out, char ***uris,
                           vz_error_t *err)
{
    const struct yt_node *list = r->metalink ? r->metalink : r->mirrorlist;
    vz_error_t berr = NULL;
    if (r->baseurl && expand_uris(vars, f, r->baseurl, out->name, uris, &berr) == 0 &&
        vars->mirrors)
        return 0;
    cleanup_free char *lu = NULL;
    vz_error_t lerr = NULL;
    if (md_expand(vars, &f->doc, list, &lu, &lerr) == 0 && vars->mirrors && !md_is_url(lu)) {
        yt_node_error(&lerr, &f->doc, list, "%s of repository '%s' is '%s', not a URL",
                      r->metalink ? "metalink" : "mirrorlist", out->name, lu);
    }
    if (lerr && berr) {
        vz_error_set(err, lerr->status, 0, "%s; and its baseurl has no mirror either: %s",
                     lerr->msg, berr->msg);
        vz_error_release(&lerr);
        vz_error_release(&berr);
        return -1;
    }
    vz_error_release(&berr);
    if (lerr) {
        *err = lerr;
        return -1;
    }
    if (r->metalink)
        { out->metalink = lu; lu = NULL; }
    else
        { out->mirrorlist = lu; lu = NULL; }
    if (*uris == NULL)
        *uris = vz_xcalloc(1, sizeof(char *));
    return 0;
}

static int build_repo(const struct md_vars *vars, const struct md_file *f, const struct md_repo *r,
                      struct vz_repo_def *out, vz_error_t *err)
{
    out->name = vz_xstrdup(r->name->value);
    out->allow_unsigned = r->allow_unsigned_v;
    bool rpm = strcmp(f->family->value, "rpm") == 0;
    struct md_strlist comps = { 0 };
    if (rpm && (r->metalink || r->mirrorlist)) {
        if (rpm_mirror_list(vars, f, r, out, &out->uris, err) < 0)
            return -1;
    } else if (expand_uris(vars, f, rpm ? r->baseurl : r->mirror, out->name, &out->uris, err) < 0) {
        return -1;
    }
    if (rpm) {
        out->gpgcheck = r->gpgcheck_v;
        out->repo_gpgcheck = r->repo_gpgcheck_v;
        out->suite = vz_xstrdup(vars->release);
        out->components = md_strlist_detach(&comps);
        if (r->gpgkey) {
            cleanup_free char *k = NULL;
            if (md_expand(vars, &f->doc, r->gpgkey, &k, err) < 0)
                return -1;
            out->keyring = key_path(f, k);
        }
        return 0;
    }
    if (expand_list(vars, f, r->components, false, &comps, err) < 0)
        goto fail;
    out->components = md_strlist_detach(&comps);
    if (md_expand(vars, &f->doc, r->suite, &out->suite, err) < 0)
        return -1;
    if (r->keyring) {
        cleanup_free char *k = NULL;
        if (md_expand(vars, &f->doc, r->keyring, &k, err) < 0)
            return -1;
        out->keyring = md_keyring_path(f->doc.path, k);
    }
    return 0;
fail:
    md_strlist_release(&comps);
    return -1;
}

static void repo_def_release(struct vz_repo_def *r)
{
    free(r->name);
    free(r->metalink);
    free(r->mirrorlist);
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
/* The base set is read from the repositories of the variant that sets
 * `base` (as that variant resolves them), not from those a variant extending
 * it adds: `minimal` is debootstrap's minbase of the release pocket's main,
 * and `default` extends it with the same base. When that would leave no
 * repository of t at all (a variant narrowing the list), every one counts. */
static void mark_base_repos(const struct md_file *f, const int *chain, size_t base_at,
                            struct vz_template *t)
{
    const struct yt_node *names = NULL;
    for (size_t i = base_at + 1; i-- > 0 && names == NULL;)
        names = f->variants[chain[i]].repositories;
    if (names == NULL)
        return;
    size_t kept = 0;
    for (size_t k = 0; k < t->n_repos; k++) {
        bool in = false;
        for (size_t i = 0; i < names->n; i++)
            in |= strcmp(names->items[i]->value, t->repos[k].name) == 0;
        t->repos[k].base_excluded = !in;
        kept += in;
    }
    if (kept == 0)
        for (size_t k = 0; k < t->n_repos; k++)
            t->repos[k].base_excluded = false;
}

/* A key shipped next to the distro file is hashed as the file names it
 * (keys/x.gpg), not by where the tree is installed: the hash is the same on
 * every machine. */
static const char *hashed_keyring(const struct vz_template *t, const char *keyring)
{
    cleanup_free char *dir = md_yaml_dir(t->source_path);
    size_t n = strlen(dir);
    if (strncmp(keyring, dir, n) == 0 && keyring[n] == '/')
        return keyring + n + 1;
    return keyring;
}

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
    if (t->rpmdb)
        json_object_set_new(o, "rpmdb", json_string(t->rpmdb));
    if (t->base_group)
        json_object_set_new(o, "base_group", json_string(t->base_group));
    json_t *repos = json_array();
    for (size_t i = 0; i < t->n_repos; i++) {
        const struct vz_repo_def *r = &t->repos[i];
        json_t *jr = json_object();
        json_object_set_new(jr, "name", json_string(r->name));
        json_object_set_new(jr, "suite", json_string(r->suite));
        json_object_set_new(jr, "components", strv_json(r->components));
        json_object_set_new(jr, "keyring", r->keyring ? json_string(hashed_keyring(t, r->keyring))
                                                      : json_null());
        json_object_set_new(jr, "allow_unsigned", json_boolean(r->allow_unsigned));
        if (r->base_excluded) /* only then: other templates' hashes stay as they were */
            json_object_set_new(jr, "base_excluded", json_true());
        if (t->rpmdb) { /* rpm only: deb hashes stay as they were */
            json_object_set_new(jr, "gpgcheck", json_boolean(r->gpgcheck));
            json_object_set_new(jr, "repo_gpgcheck", json_boolean(r->repo_gpgcheck));
        }
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

int md_build(const struct md_file *f, int ai, int vi, struct md_mirror_ctx *mirrors,
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
    t->rpmdb = f->rpmdb ? vz_xstrdup(f->rpmdb->value) : NULL;
    t->base_group = f->base_group ? vz_xstrdup(f->base_group->value) : NULL;

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
    size_t base_at = 0;
    for (size_t i = nc; i-- > 0;)
        if (f->variants[chain[i]].base_v != MD_BASE_UNSET) {
            t->base_required = f->variants[chain[i]].base_v == MD_BASE_REQUIRED;
            base_at = i;
            if (t->base_required && t->rpmdb && t->base_group == NULL) {
                yt_node_error(err, &f->doc, f->variants[chain[i]].base,
                              "base: required needs 'base_group' in family rpm (the comps "
                              "group of the minimal set, for example core)");
                goto fail;
            }
            break;
        }
    mark_base_repos(f, chain, base_at, t);
    struct md_strlist pk = { 0 }, ex = { 0 }, kept = { 0 };
    for (size_t i = 0; i < nc; i++) {
        const struct md_variant *v = &f->variants[chain[i]];
        if (expand_list(&vars, f, v->packages, true, &pk, err) < 0 ||
            expand_list(&vars, f, v->excludes, true, &ex, err) < 0) {
            md_strlist_release(&pk);
            md_strlist_release(&ex);
            goto fail;
        }
    }
    for (size_t i = 0; i < pk.n; i++)
        if (!md_strlist_has(&ex, pk.v[i]))
            md_strlist_add(&kept, pk.v[i]);
    md_strlist_release(&pk);
    t->packages = md_strlist_detach(&kept);
    t->excludes = md_strlist_detach(&ex);

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
    free(t->rpmdb);
    free(t->base_group);
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

