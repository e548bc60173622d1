/* metadata/schema.c: the distro file schema (docs/template-metadata.md).
 *
 * Checks keys (unknown ones get a "did you mean"), types, required fields,
 * value sets (family, merged_usr, base, architectures), names, references
 * (extends, a variant's repositories) and extends loops. The first error
 * found is reported, in the order the checks run below.
 */
#include "metadata/internal.h"

#include <ctype.h>
#include <stddef.h>
#include <string.h>

const char *const md_known_archs[] = {
    "x86_64", "i686", "aarch64", "armv7l", "ppc64le", "s390x", "riscv64", "mips64el", "loongarch64",
};
const size_t md_n_known_archs = VZ_ARRAY_SIZE(md_known_archs);

enum kt { KT_STR, KT_BOOL, KT_LIST, KT_MAP, KT_SEQ, KT_STR_OR_LIST };

struct keyspec {
    const char *name;
    enum kt type;
    bool required;
    size_t slot; /* offsetof the const struct yt_node * in the target struct */
};

static int check_type(const struct yt_doc *doc, const char *key, const struct yt_node *v,
                      enum kt type, vz_error_t *err)
{
    switch (type) {
    case KT_STR:
        if (v->kind != YT_SCALAR || yt_is_null(v))
            return yt_node_error(err, doc, v, "'%s' must be a string, not %s", key, yt_kind_name(v));
        return 0;
    case KT_BOOL:
        if (v->kind != YT_SCALAR || yt_is_null(v))
            return yt_node_error(err, doc, v, "'%s' must be true or false, not %s", key, yt_kind_name(v));
        if (strcmp(v->value, "true") && strcmp(v->value, "false"))
            return yt_node_error(err, doc, v, "'%s' must be true or false, not '%s'", key, v->value);
        return 0;
    case KT_STR_OR_LIST:
        if (v->kind == YT_SCALAR && !yt_is_null(v))
            return 0;
        if (v->kind != YT_SEQ)
            return yt_node_error(err, doc, v, "'%s' must be a string or a list of strings, not %s", key,
                                 yt_kind_name(v));
        /* a list of strings */
        __attribute__((fallthrough));
    case KT_LIST:
        if (v->kind != YT_SEQ)
            return yt_node_error(err, doc, v, "'%s' must be a list of strings, not %s", key, yt_kind_name(v));
        for (size_t i = 0; i < v->n; i++)
            if (v->items[i]->kind != YT_SCALAR || yt_is_null(v->items[i]))
                return yt_node_error(err, doc, v->items[i], "'%s' entries must be strings, not %s", key,
                                     yt_kind_name(v->items[i]));
        return 0;
    case KT_MAP:
        if (v->kind != YT_MAP)
            return yt_node_error(err, doc, v, "'%s' must be a mapping, not %s", key, yt_kind_name(v));
        return 0;
    case KT_SEQ:
        if (v->kind != YT_SEQ)
            return yt_node_error(err, doc, v, "'%s' must be a list, not %s", key, yt_kind_name(v));
        return 0;
    }
    return 0;
}

static char *known_keys(const struct keyspec *specs, size_t n)
{
    struct vz_buf b = VZ_BUF_INIT;
    vz_buf_init(&b);
    for (size_t i = 0; i < n; i++)
        vz_buf_addf(&b, "%s%s", i ? ", " : "", specs[i].name);
    return vz_buf_detach(&b, NULL);
}

/* Check a mapping against specs and store each value node into its slot.
 * where: "" or " in variant 'x'" etc., for missing-field messages. */
static int check_map(const struct yt_doc *doc, const struct yt_node *map, const struct keyspec *specs,
                     size_t nspecs, void *target, const char *where, vz_error_t *err)
{
    for (size_t i = 0; i < map->n; i++) {
        const struct yt_node *k = map->keys[i];
        const struct keyspec *s = NULL;
        for (size_t j = 0; j < nspecs; j++)
            if (strcmp(specs[j].name, k->value) == 0)
                s = &specs[j];
        if (s == NULL) {
            const char *names[32];
            for (size_t j = 0; j < nspecs && j < 32; j++)
                names[j] = specs[j].name;
            const char *sug = md_suggest(k->value, names, nspecs);
            if (sug)
                return yt_node_error(err, doc, k, "unknown key '%s' (did you mean '%s'?)", k->value, sug);
            cleanup_free char *known = known_keys(specs, nspecs);
            return yt_node_error(err, doc, k, "unknown key '%s'%s (known keys: %s)", k->value, where, known);
        }
        if (check_type(doc, k->value, map->items[i], s->type, err) < 0)
            return -1;
        *(const struct yt_node **)((char *)target + s->slot) = map->items[i];
    }
    for (size_t j = 0; j < nspecs; j++)
        if (specs[j].required && *(const struct yt_node **)((char *)target + specs[j].slot) == NULL)
            return yt_node_error(err, doc, map, "missing required field '%s'%s", specs[j].name, where);
    return 0;
}

/* Names that become part of template names or file names: no '-' in
 * distribution and release (it separates the parts of a template name). */
static bool valid_word(const char *s, const char *extra)
{
    if (!isalnum((unsigned char)s[0]) || isupper((unsigned char)s[0]))
        return false;
    for (const char *p = s; *p; p++)
        if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) || strchr(extra, *p)))
            return false;
    return true;
}

static int check_enum(const struct yt_doc *doc, const struct yt_node *n, const char *what,
                      const char *const *values, size_t nvalues, vz_error_t *err)
{
    for (size_t i = 0; i < nvalues; i++)
        if (strcmp(n->value, values[i]) == 0)
            return (int)i;
    const char *sug = md_suggest(n->value, values, nvalues);
    if (sug)
        return yt_node_error(err, doc, n, "invalid %s '%s' (did you mean '%s'?)", what, n->value, sug);
    struct vz_buf b = VZ_BUF_INIT;
    vz_buf_init(&b);
    for (size_t i = 0; i < nvalues; i++)
        vz_buf_addf(&b, "%s%s", i ? ", " : "", values[i]);
    int r = yt_node_error(err, doc, n, "invalid %s '%s' (expected one of: %s)", what, n->value, b.data);
    vz_buf_release(&b);
    return r;
}

static int check_string_map(const struct yt_doc *doc, const struct yt_node *map, const char *what,
                            vz_error_t *err)
{
    for (size_t i = 0; i < map->n; i++) {
        const struct yt_node *k = map->keys[i], *v = map->items[i];
        const char *p = k->value;
        bool ok = *p && (isalpha((unsigned char)*p) || *p == '_');
        for (; ok && *p; p++)
            ok = isalnum((unsigned char)*p) || *p == '_';
        if (!ok)
            return yt_node_error(err, doc, k, "invalid %s name '%s' (letters, digits and '_')", what, k->value);
        if (v->kind != YT_SCALAR)
            return yt_node_error(err, doc, v, "%s '%s' must be a string, not %s", what, k->value,
                                 yt_kind_name(v));
    }
    return 0;
}

static const struct keyspec script_keys[] = {
    { "pre-cache", KT_STR, false, 0 },
    { "post-install", KT_STR, false, sizeof(void *) },
};

static int check_scripts(const struct yt_doc *doc, const struct yt_node *map, const char *where,
                         vz_error_t *err)
{
    const struct yt_node *slots[2] = { NULL, NULL };
    return check_map(doc, map, script_keys, VZ_ARRAY_SIZE(script_keys), slots, where, err);
}

#define TOP(name, type, req) { #name, type, req, offsetof(struct md_file, name) }
static const struct keyspec top_keys[] = {
    TOP(distribution, KT_STR, true),
    TOP(release, KT_STR, true),
    TOP(codename, KT_STR, true),
    TOP(family, KT_STR, true),
    TOP(summary, KT_STR, true),
    TOP(description, KT_STR, false),
    { "architectures", KT_MAP, true, 0 },
    { "repositories", KT_SEQ, true, 0 },
    TOP(merged_usr, KT_STR, false),
    TOP(environment, KT_MAP, false),
    TOP(scripts, KT_MAP, false),
    { "variants", KT_MAP, true, 0 },
    TOP(rpmdb, KT_STR, false),
    TOP(base_group, KT_STR, false),
};

#define REPO(name, type, req) { #name, type, req, offsetof(struct md_repo, name) }
static const struct keyspec repo_keys[] = {
    REPO(name, KT_STR, true),
    /* deb (required there: md_check_repo_family) */
    REPO(mirror, KT_STR_OR_LIST, false),
    REPO(suite, KT_STR, false),
    REPO(components, KT_LIST, false),
    REPO(keyring, KT_STR, false),
    REPO(allow_unsigned, KT_BOOL, false),
    /* rpm */
    REPO(baseurl, KT_STR_OR_LIST, false),
    REPO(gpgkey, KT_STR, false),
    REPO(gpgcheck, KT_BOOL, false),
    REPO(repo_gpgcheck, KT_BOOL, false),
    REPO(metalink, KT_STR, false),
    REPO(mirrorlist, KT_STR, false),
};

#define VAR(name, type) { #name, type, false, offsetof(struct md_variant, name) }
static const struct keyspec variant_keys[] = {
    VAR(summary, KT_STR),
    VAR(description, KT_STR),
    VAR(extends, KT_STR),
    VAR(base, KT_STR),
    VAR(packages, KT_LIST),
    VAR(excludes, KT_LIST),
    VAR(environment, KT_MAP),
    VAR(scripts, KT_MAP),
    VAR(repositories, KT_LIST),
};

/* Top-level keys whose nodes are not kept in a single slot get scratch slots. */
struct top_scratch {
    struct md_file f;
    const struct yt_node *architectures, *repositories, *variants;
};

int md_find_variant(const struct md_file *f, const char *name)
{
    for (size_t i = 0; i < f->n_variants; i++)
        if (strcmp(f->variants[i].key->value, name) == 0)
            return (int)i;
    return -1;
}

int md_find_arch(const struct md_file *f, const char *name)
{
    for (size_t i = 0; i < f->n_archs; i++)
        if (strcmp(f->archs[i].key->value, name) == 0)
            return (int)i;
    return -1;
}

static int check_archs(struct md_file *f, const struct yt_node *map, vz_error_t *err)
{
    const struct yt_doc *doc = &f->doc;
    if (map->n == 0)
        return yt_node_error(err, doc, map, "'architectures' must not be empty (for example x86_64: amd64)");
    f->archs = vz_xcalloc(map->n, sizeof(*f->archs));
    for (size_t i = 0; i < map->n; i++) {
        const struct yt_node *k = map->keys[i], *v = map->items[i];
        bool known = false;
        for (size_t j = 0; j < md_n_known_archs; j++)
            known |= strcmp(k->value, md_known_archs[j]) == 0;
        if (!known) {
            const char *sug = md_suggest(k->value, md_known_archs, md_n_known_archs);
            if (sug)
                return yt_node_error(err, doc, k, "unknown architecture '%s' (did you mean '%s'?)", k->value, sug);
            return yt_node_error(err, doc, k,
                                 "unknown architecture '%s' (use the kernel's name: x86_64, aarch64, ...)",
                                 k->value);
        }
        if (v->kind != YT_SCALAR || yt_is_null(v))
            return yt_node_error(err, doc, v, "architecture '%s' must map to the distribution's name for it "
                                 "(a string such as amd64), not %s", k->value, yt_kind_name(v));
        if (!valid_word(v->value, "_-"))
            return yt_node_error(err, doc, v, "invalid distribution architecture name '%s'", v->value);
        f->archs[f->n_archs++] = (struct md_arch){ k, v };
    }
    return 0;
}

/* A relative keyring names a file below the distro file's directory
 * (metadata/keyring.c): no ".." component, not empty. */
static bool has_dotdot(const char *path)
{
    if (path[0] == '\0')
        return true;
    for (const char *c = path; *c; c = strchr(c, '/') ? strchr(c, '/') + 1 : c + strlen(c))
        if (strncmp(c, "..", 2) == 0 && (c[2] == '/' || c[2] == '\0'))
            return true;
    return false;
}

static int check_repos(struct md_file *f, const struct yt_node *seq, vz_error_t *err)
{
    const struct yt_doc *doc = &f->doc;
    if (seq->n == 0)
        return yt_node_error(err, doc, seq, "'repositories' must not be empty");
    f->repos = vz_xcalloc(seq->n, sizeof(*f->repos));
    for (size_t i = 0; i < seq->n; i++) {
        const struct yt_node *m = seq->items[i];
        if (m->kind != YT_MAP)
            return yt_node_error(err, doc, m, "'repositories' entries must be mappings, not %s", yt_kind_name(m));
        struct md_repo *r = &f->repos[f->n_repos];
        r->node = m;
        const struct yt_node *name = yt_map_get(m, "name");
        cleanup_free char *where = name && name->kind == YT_SCALAR
                                       ? vz_xasprintf(" in repository '%s'", name->value)
                                       : vz_xasprintf(" in repository %zu", i + 1);
        if (check_map(doc, m, repo_keys, VZ_ARRAY_SIZE(repo_keys), r, where, err) < 0)
            return -1;
        if (!valid_word(r->name->value, "_-."))
            return yt_node_error(err, doc, r->name, "invalid repository name '%s' (lowercase letters, digits, '-', '_', '.')",
                                 r->name->value);
        for (size_t j = 0; j < f->n_repos; j++)
            if (strcmp(f->repos[j].name->value, r->name->value) == 0)
                return yt_node_error(err, doc, r->name, "duplicate repository name '%s' (first at %d:%d)",
                                     r->name->value, f->repos[j].name->line, f->repos[j].name->col);
        if (md_check_repo_family(f, r, err) < 0)
            return -1;
        if (r->keyring && r->keyring->value[0] != '/' && strncmp(r->keyring->value, "{{", 2) != 0 &&
            has_dotdot(r->keyring->value))
            return yt_node_error(err, doc, r->keyring,
                                 "'keyring' must be an absolute path or one below the distro file's "
                                 "directory (keys/NAME.gpg), not '%s'", r->keyring->value);
        f->n_repos++;
    }
    return 0;
}

static const char *const base_values[] = { "none", "required" };

static int check_variants(struct md_file *f, const struct yt_node *map, vz_error_t *err)
{
    const struct yt_doc *doc = &f->doc;
    if (map->n == 0)
        return yt_node_error(err, doc, map, "'variants' must not be empty (for example minimal)");
    f->variants = vz_xcalloc(map->n, sizeof(*f->variants));
    for (size_t i = 0; i < map->n; i++) {
        struct md_variant *v = &f->variants[f->n_variants];
        v->key = map->keys[i];
        v->node = map->items[i];
        v->parent = -1;
        v->base_v = MD_BASE_UNSET;
        if (!valid_word(v->key->value, "_-."))
            return yt_node_error(err, doc, v->key, "invalid variant name '%s' (lowercase letters, digits, '-', '_', '.')",
                                 v->key->value);
        if (v->node->kind != YT_MAP)
            return yt_node_error(err, doc, v->node, "variant '%s' must be a mapping, not %s", v->key->value,
                                 yt_kind_name(v->node));
        cleanup_free char *where = vz_xasprintf(" in variant '%s'", v->key->value);
        if (check_map(doc, v->node, variant_keys, VZ_ARRAY_SIZE(variant_keys), v, where, err) < 0)
            return -1;
        if (v->base) {
            int b = check_enum(doc, v->base, "base", base_values, VZ_ARRAY_SIZE(base_values), err);
            if (b < 0)
                return -1;
            v->base_v = b ? MD_BASE_REQUIRED : MD_BASE_NONE;
        }
        if (v->environment && check_string_map(doc, v->environment, "environment variable", err) < 0)
            return -1;
        if (v->scripts && check_scripts(doc, v->scripts, where, err) < 0)
            return -1;
        if (v->repositories) {
            if (v->repositories->n == 0)
                return yt_node_error(err, doc, v->repositories, "'repositories' must not be empty");
            for (size_t j = 0; j < v->repositories->n; j++) {
                const struct yt_node *rn = v->repositories->items[j];
                const char *names[64];
                size_t nn = 0;
                bool found = false;
                for (size_t k = 0; k < f->n_repos && nn < 64; k++) {
                    names[nn++] = f->repos[k].name->value;
                    found |= strcmp(f->repos[k].name->value, rn->value) == 0;
                }
                if (!found) {
                    cleanup_free char *dym = md_did_you_mean(rn->value, names, nn);
                    return yt_node_error(err, doc, rn, "unknown repository '%s'%s", rn->value, dym);
                }
            }
        }
        f->n_variants++;
    }
    /* extends: known names, then no loops */
    const char **names = vz_xcalloc(f->n_variants, sizeof(*names));
    for (size_t i = 0; i < f->n_variants; i++)
        names[i] = f->variants[i].key->value;
    for (size_t i = 0; i < f->n_variants; i++) {
        struct md_variant *v = &f->variants[i];
        if (v->extends == NULL)
            continue;
        v->parent = md_find_variant(f, v->extends->value);
        if (v->parent < 0) {
            cleanup_free char *dym = md_did_you_mean(v->extends->value, names, f->n_variants);
            int r = yt_node_error(err, doc, v->extends, "unknown variant '%s' in extends%s",
                                  v->extends->value, dym);
            free(names);
            return r;
        }
    }
    free(names);
    for (size_t i = 0; i < f->n_variants; i++) {
        /* Walk at most n steps; coming back to i means a loop through i. */
        int cur = f->variants[i].parent;
        size_t steps = 0;
        while (cur >= 0 && cur != (int)i && steps++ < f->n_variants)
            cur = f->variants[cur].parent;
        if (cur != (int)i)
            continue;
        struct vz_buf path = VZ_BUF_INIT;
        vz_buf_init(&path);
        vz_buf_adds(&path, f->variants[i].key->value);
        cur = f->variants[i].parent;
        for (;;) {
            vz_buf_addf(&path, " -> %s", f->variants[cur].key->value);
            if (cur == (int)i)
                break;
            cur = f->variants[cur].parent;
        }
        int r = yt_node_error(err, doc, f->variants[i].extends, "extends loop: %s", path.data);
        vz_buf_release(&path);
        return r;
    }
    /* base: set somewhere along the chain; with base none, something to install */
    for (size_t i = 0; i < f->n_variants; i++) {
        const struct md_variant *v = &f->variants[i];
        enum md_base base = MD_BASE_UNSET;
        size_t npk = 0;
        for (int cur = (int)i; cur >= 0; cur = f->variants[cur].parent) {
            const struct md_variant *c = &f->variants[cur];
            if (base == MD_BASE_UNSET)
                base = c->base_v;
            npk += c->packages ? c->packages->n : 0;
        }
        if (base == MD_BASE_UNSET)
            return yt_node_error(err, doc, v->node, "missing required field 'base' in variant '%s' "
                                 "(base: required for the distribution's minimal set, or base: none)",
                                 v->key->value);
        if (base == MD_BASE_NONE && npk == 0)
            return yt_node_error(err, doc, v->packages ? v->packages : v->node,
                                 "variant '%s' installs nothing: 'packages' must not be empty with base: none",
                                 v->key->value);
    }
    return 0;
}

static const char *const family_values[] = { "deb", "rpm" };
static const char *const merged_usr_values[] = { "symlinks", "packages", "none" };

static int check_file(struct md_file *f, vz_error_t *err)
{
    const struct yt_doc *doc = &f->doc;
    const struct yt_node *root = doc->root;
    if (root->kind != YT_MAP)
        return yt_node_error(err, doc, root, "a distro file must be a mapping (distribution: ..., release: ...), not %s",
                             yt_kind_name(root));
    struct top_scratch s;
    memset(&s, 0, sizeof(s));
    /* The three collection keys are stored past the md_file in the scratch. */
    struct keyspec keys[VZ_ARRAY_SIZE(top_keys)];
    memcpy(keys, top_keys, sizeof(keys));
    for (size_t i = 0; i < VZ_ARRAY_SIZE(keys); i++) {
        if (!strcmp(keys[i].name, "architectures"))
            keys[i].slot = offsetof(struct top_scratch, architectures);
        else if (!strcmp(keys[i].name, "repositories"))
            keys[i].slot = offsetof(struct top_scratch, repositories);
        else if (!strcmp(keys[i].name, "variants"))
            keys[i].slot = offsetof(struct top_scratch, variants);
    }
    if (check_map(doc, root, keys, VZ_ARRAY_SIZE(keys), &s, "", err) < 0)
        return -1;
    f->distribution = s.f.distribution;
    f->release = s.f.release;
    f->codename = s.f.codename;
    f->family = s.f.family;
    f->summary = s.f.summary;
    f->description = s.f.description;
    f->merged_usr = s.f.merged_usr;
    f->environment = s.f.environment;
    f->scripts = s.f.scripts;
    f->rpmdb = s.f.rpmdb;
    f->base_group = s.f.base_group;

    if (!valid_word(f->distribution->value, "._+"))
        return yt_node_error(err, doc, f->distribution,
                             "invalid distribution '%s' (lowercase letters, digits, '.', '_', '+'; "
                             "no '-', which separates the parts of a template name)", f->distribution->value);
    if (!valid_word(f->release->value, "._+"))
        return yt_node_error(err, doc, f->release,
                             "invalid release '%s' (lowercase letters, digits, '.', '_', '+'; "
                             "no '-', which separates the parts of a template name)", f->release->value);
    if (!valid_word(f->codename->value, "._+-"))
        return yt_node_error(err, doc, f->codename, "invalid codename '%s'", f->codename->value);
    if (check_enum(doc, f->family, "family", family_values, VZ_ARRAY_SIZE(family_values), err) < 0)
        return -1;
    if (f->merged_usr) {
        if (check_enum(doc, f->merged_usr, "merged_usr", merged_usr_values, VZ_ARRAY_SIZE(merged_usr_values),
                       err) < 0)
            return -1;
    } else if (strcmp(f->family->value, "deb") == 0) {
        return yt_node_error(err, doc, root, "missing required field 'merged_usr' "
                             "(family deb needs symlinks, packages or none)");
    }
    if (md_check_family_keys(f, err) < 0)
        return -1;
    if (f->environment && check_string_map(doc, f->environment, "environment variable", err) < 0)
        return -1;
    if (f->scripts && check_scripts(doc, f->scripts, "", err) < 0)
        return -1;
    if (check_archs(f, s.architectures, err) < 0)
        return -1;
    if (check_repos(f, s.repositories, err) < 0)
        return -1;
    return check_variants(f, s.variants, err);
}

int md_file_load_text(struct md_file *f, const char *path, const char *text, vz_error_t *err)
{
    memset(f, 0, sizeof(*f));
    if (yt_parse_text(&f->doc, path, text, strlen(text), err) < 0)
        return -1;
    if (check_file(f, err) < 0 || md_check_vars(&f->doc, err) < 0) {
        md_file_release(f);
        return -1;
    }
    return 0;
}

int md_file_load(struct md_file *f, const char *path, vz_error_t *err)
{
    cleanup_free char *data = NULL;
    memset(f, 0, sizeof(*f));
    if (vz_read_file(path, &data, NULL, err) < 0)
        return vz_error_restatus(err, VZ_EMETADATA);
    return md_file_load_text(f, path, data, err);
}

void md_file_release(struct md_file *f)
{
    yt_doc_release(&f->doc);
    free(f->archs);
    free(f->repos);
    free(f->variants);
    memset(f, 0, sizeof(*f));
}
