/* metadata/schema_rpm.c: the schema rules that differ between families.
 *
 * A deb repository is a mirror + suite + components signed by a keyring; an
 * rpm repository is a baseurl (the directory holding repodata/) whose
 * repomd.xml and packages are signed by a key file (gpgkey), as in a dnf
 * .repo file. Each family's keys are refused in the other's files, so a
 * copied stanza fails at its line instead of being silently ignored.
 */
#include "metadata/internal.h"

#include <string.h>

static bool is_family(const struct md_file *f, const char *name)
{
    return strcmp(f->family->value, name) == 0;
}

static bool flag(const struct yt_node *n, bool dflt)
{
    return n ? strcmp(n->value, "true") == 0 : dflt;
}

/* The first of nodes that is set, or NULL. */
static const struct yt_node *first_set(const struct yt_node *const *nodes, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (nodes[i])
            return nodes[i];
    return NULL;
}

static const struct yt_node *key_of(const struct yt_node *map, const struct yt_node *value)
{
    for (size_t i = 0; i < map->n; i++)
        if (map->items[i] == value)
            return map->keys[i];
    return value;
}

int md_check_family_keys(const struct md_file *f, vz_error_t *err)
{
    const struct yt_doc *doc = &f->doc;
    const struct yt_node *root = doc->root;
    if (is_family(f, "rpm")) {
        if (f->rpmdb == NULL)
            return yt_node_error(err, doc, root,
                                 "missing required field 'rpmdb' (family rpm: where the "
                                 "distribution keeps its rpm database, /var/lib/rpm or "
                                 "/usr/lib/sysimage/rpm)");
        if (f->rpmdb->value[0] != '/' || strstr(f->rpmdb->value, ".."))
            return yt_node_error(err, doc, f->rpmdb,
                                 "'rpmdb' must be an absolute path inside the root without '..', "
                                 "not '%s'", f->rpmdb->value);
        if (f->merged_usr && strcmp(f->merged_usr->value, "none") != 0)
            return yt_node_error(err, doc, f->merged_usr,
                                 "'merged_usr' is for family deb: rpm distributions ship their "
                                 "/usr layout in their packages (filesystem)");
        return 0;
    }
    const struct yt_node *rpm_only = f->rpmdb ? f->rpmdb : f->base_group;
    if (rpm_only)
        return yt_node_error(err, doc, key_of(root, rpm_only), "'%s' is for family rpm, not %s",
                             key_of(root, rpm_only)->value, f->family->value);
    return 0;
}

static int check_deb_repo(const struct md_file *f, struct md_repo *r, const char *where,
                          vz_error_t *err)
{
    const struct yt_doc *doc = &f->doc;
    const struct yt_node *m = r->node;
    const struct yt_node *rpm_keys[] = { r->baseurl, r->gpgkey, r->gpgcheck, r->repo_gpgcheck,
                                         r->metalink, r->mirrorlist };
    const struct yt_node *bad = first_set(rpm_keys, VZ_ARRAY_SIZE(rpm_keys));
    if (bad)
        return yt_node_error(err, doc, key_of(m, bad),
                             "'%s' is for family rpm; a deb repository has mirror, suite, "
                             "components and keyring", key_of(m, bad)->value);
    static const char *const req[] = { "mirror", "suite", "components" };
    const struct yt_node *vals[] = { r->mirror, r->suite, r->components };
    for (size_t i = 0; i < VZ_ARRAY_SIZE(req); i++)
        if (vals[i] == NULL)
            return yt_node_error(err, doc, m, "missing required field '%s'%s", req[i], where);
    if (r->mirror->kind == YT_SEQ && r->mirror->n == 0)
        return yt_node_error(err, doc, r->mirror, "'mirror' must not be empty");
    if (r->components->n == 0)
        return yt_node_error(err, doc, r->components,
                             "'components' must not be empty (for example [main])");
    r->allow_unsigned_v = flag(r->allow_unsigned, false);
    if (r->keyring == NULL && !r->allow_unsigned_v)
        return yt_node_error(err, doc, m,
                             "repository '%s' has no 'keyring': name the OpenPGP keyring that "
                             "signs it, or set allow_unsigned: true", r->name->value);
    /* a relative keyring is below the distro file's directory: schema.c checks it */
    return 0;
}

static int check_rpm_repo(const struct md_file *f, struct md_repo *r, const char *where,
                          vz_error_t *err)
{
    const struct yt_doc *doc = &f->doc;
    const struct yt_node *m = r->node;
    const struct yt_node *deb_keys[] = { r->mirror, r->suite, r->components, r->keyring,
                                         r->allow_unsigned };
    const struct yt_node *bad = first_set(deb_keys, VZ_ARRAY_SIZE(deb_keys));
    if (bad) {
        const char *k = key_of(m, bad)->value;
        const char *instead = !strcmp(k, "mirror") ? " (use baseurl: \"{{mirror.NAME}}/...\")"
                              : !strcmp(k, "keyring") ? " (use gpgkey)"
                              : !strcmp(k, "allow_unsigned") ? " (use gpgcheck and repo_gpgcheck)"
                                                              : "";
        return yt_node_error(err, doc, key_of(m, bad), "'%s' is for family deb%s", k, instead);
    }
    if (r->metalink && r->mirrorlist)
        return yt_node_error(err, doc, key_of(m, r->mirrorlist),
                             "'mirrorlist' and 'metalink' in one repository: give one of them "
                             "(metalink also vouches for repomd.xml by its hash)");
    if (r->baseurl == NULL && r->metalink == NULL && r->mirrorlist == NULL)
        return yt_node_error(err, doc, m, "missing required field 'baseurl'%s (the URL of the "
                             "directory that holds repodata/repomd.xml), or a 'metalink' or "
                             "'mirrorlist' that lists such URLs", where);
    if (r->baseurl && r->baseurl->kind == YT_SEQ && r->baseurl->n == 0)
        return yt_node_error(err, doc, r->baseurl, "'baseurl' must not be empty");
    r->gpgcheck_v = flag(r->gpgcheck, true);
    r->repo_gpgcheck_v = flag(r->repo_gpgcheck, true);
    /* Nothing signed checked at all is what allow_unsigned means for deb:
     * say it in the file, never by omission. */
    if (r->gpgkey == NULL && (r->gpgcheck_v || r->repo_gpgcheck_v))
        return yt_node_error(err, doc, m,
                             "repository '%s' has no 'gpgkey': name the key file that signs its "
                             "packages and repomd.xml, or set gpgcheck: false and "
                             "repo_gpgcheck: false", r->name->value);
    if (r->gpgkey && strstr(r->gpgkey->value, ".."))
        return yt_node_error(err, doc, r->gpgkey, "'gpgkey' must not contain '..': '%s'",
                             r->gpgkey->value);
    return 0;
}

int md_check_repo_family(const struct md_file *f, struct md_repo *r, vz_error_t *err)
{
    cleanup_free char *where = vz_xasprintf(" in repository '%s'", r->name->value);
    if (is_family(f, "rpm"))
        return check_rpm_repo(f, r, where, err);
    return check_deb_repo(f, r, where, err);
}
