/* cache/manifest.c: canonical JSON manifests with jansson. */
#include "cache/manifest.h"

#include <errno.h>
#include <stdbool.h>
#include <jansson.h>
#include <string.h>
#include <time.h>

struct vz_manifest *vz_manifest_new(const char *template_name)
{
    struct vz_manifest *m = vz_xcalloc(1, sizeof(*m));
    m->format = VZ_MANIFEST_FORMAT;
    m->template_name = vz_xstrdup(template_name);
    m->metadata_sha256 = vz_xstrdup("");
    m->vzforge_version = vz_xstrdup(VZ_VERSION);
    m->build_time = vz_build_time();
    m->source = vz_xstrdup("build");
    return m;
}

void vz_manifest_free(struct vz_manifest *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->n_pkgs; i++) {
        free(m->pkgs[i].name);
        free(m->pkgs[i].version);
        free(m->pkgs[i].arch);
    }
    free(m->pkgs);
    for (size_t i = 0; i < m->n_repos; i++) {
        free(m->repos[i].name);
        free(m->repos[i].suite);
        free(m->repos[i].date);
    }
    free(m->repos);
    free(m->template_name);
    free(m->metadata_sha256);
    free(m->tarball);
    free(m->compress);
    free(m->vzforge_version);
    free(m->signer);
    free(m->source);
    free(m);
}

static void copy_hex(char *dst, const char *src)
{
    dst[0] = '\0';
    if (src) {
        strncpy(dst, src, 64);
        dst[64] = '\0';
    }
}

void vz_manifest_add_pkg(struct vz_manifest *m, const char *name, const char *version,
                         const char *arch, const char *sha256, uint64_t size)
{
    m->pkgs = vz_xrealloc(m->pkgs, sizeof(*m->pkgs) * (m->n_pkgs + 1));
    struct vz_manifest_pkg *p = &m->pkgs[m->n_pkgs++];
    p->name = vz_xstrdup(name);
    p->version = vz_xstrdup(version ? version : "");
    p->arch = vz_xstrdup(arch ? arch : "");
    copy_hex(p->sha256, sha256);
    p->size = size;
}

void vz_manifest_add_repo(struct vz_manifest *m, const char *name, const char *suite,
                          const char *date, const char *release_sha256)
{
    m->repos = vz_xrealloc(m->repos, sizeof(*m->repos) * (m->n_repos + 1));
    struct vz_manifest_repo *r = &m->repos[m->n_repos++];
    r->name = vz_xstrdup(name);
    r->suite = vz_xstrdup(suite ? suite : "");
    r->date = vz_xstrdup(date ? date : "");
    copy_hex(r->release_sha256, release_sha256);
}

int64_t vz_build_time(void)
{
    const char *s = getenv("SOURCE_DATE_EPOCH");
    if (s && *s) {
        char *end = NULL;
        errno = 0;
        long long v = strtoll(s, &end, 10);
        if (!errno && end && !*end && v >= 0)
            return v;
        vz_warn("ignoring SOURCE_DATE_EPOCH='%s': not a number of seconds", s);
    }
    return (int64_t)time(NULL);
}

static int cmp_pkg(const void *a, const void *b)
{
    const struct vz_manifest_pkg *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    if (!c)
        c = strcmp(x->arch, y->arch);
    if (!c)
        c = strcmp(x->version, y->version);
    return c;
}

static int cmp_repo(const void *a, const void *b)
{
    const struct vz_manifest_repo *x = a, *y = b;
    return strcmp(x->name, y->name);
}

static const char *nn(const char *s)
{
    return s ? s : "";
}

int vz_manifest_serialize(const struct vz_manifest *m, char **text, size_t *len, vz_error_t *err)
{
    /* sort copies, so the caller's order (install order) is left alone */
    struct vz_manifest_pkg *pkgs = vz_xmalloc(sizeof(*pkgs) * (m->n_pkgs + 1));
    if (m->n_pkgs)
        memcpy(pkgs, m->pkgs, sizeof(*pkgs) * m->n_pkgs);
    qsort(pkgs, m->n_pkgs, sizeof(*pkgs), cmp_pkg);
    struct vz_manifest_repo *repos = vz_xmalloc(sizeof(*repos) * (m->n_repos + 1));
    if (m->n_repos)
        memcpy(repos, m->repos, sizeof(*repos) * m->n_repos);
    qsort(repos, m->n_repos, sizeof(*repos), cmp_repo);

    json_t *jp = json_array();
    for (size_t i = 0; i < m->n_pkgs; i++)
        json_array_append_new(jp, json_pack("{s:s, s:s, s:s, s:s, s:I}", "name", pkgs[i].name,
                                            "version", pkgs[i].version, "arch", pkgs[i].arch,
                                            "sha256", pkgs[i].sha256, "size",
                                            (json_int_t)pkgs[i].size));
    json_t *jr = json_array();
    for (size_t i = 0; i < m->n_repos; i++)
        json_array_append_new(jr, json_pack("{s:s, s:s, s:s, s:s}", "name", repos[i].name,
                                            "suite", repos[i].suite, "date", repos[i].date,
                                            "release_sha256", repos[i].release_sha256));
    free(pkgs);
    free(repos);

    char date[32] = "";
    time_t t = (time_t)m->build_time;
    struct tm tm;
    if (gmtime_r(&t, &tm))
        strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", &tm);

    json_t *tar = json_pack("{s:s, s:s, s:I, s:s}", "file", nn(m->tarball), "compression",
                            nn(m->compress), "size", (json_int_t)m->tar_size, "sha256",
                            m->tar_sha256);
    json_t *root = json_pack("{s:i, s:s, s:s, s:o, s:o, s:o, s:s, s:I, s:s, s:s, s:s}",
                             "format", m->format, "template", nn(m->template_name),
                             "metadata_sha256", nn(m->metadata_sha256), "repositories", jr,
                             "packages", jp, "tarball", tar, "vzforge_version",
                             nn(m->vzforge_version), "build_time", (json_int_t)m->build_time,
                             "build_date", date, "signer", nn(m->signer), "source",
                             nn(m->source));
    if (!root)
        return vz_error_set(err, VZ_EFAIL, 0, "manifest of %s: cannot build JSON (bad UTF-8?)",
                            nn(m->template_name));
    char *s = json_dumps(root, JSON_INDENT(2) | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
    json_decref(root);
    if (!s)
        return vz_error_set(err, VZ_EFAIL, 0, "manifest of %s: cannot serialise",
                            nn(m->template_name));
    *text = vz_xasprintf("%s\n", s);
    free(s);
    if (len)
        *len = strlen(*text);
    return 0;
}

static int is_hex64(const char *s, bool empty_ok)
{
    if (empty_ok && !*s)
        return 1;
    if (strlen(s) != 64)
        return 0;
    for (; *s; s++)
        if (!strchr("0123456789abcdef", *s))
            return 0;
    return 1;
}

static int get_str(json_t *o, const char *key, const char *where, char **out, vz_error_t *err)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_string(v))
        return vz_error_set(err, VZ_ECORRUPT, 0, "manifest: %s%s\"%s\" missing or not a string",
                            where, *where ? " " : "", key);
    *out = vz_xstrdup(json_string_value(v));
    return 0;
}

static int get_u64(json_t *o, const char *key, const char *where, uint64_t *out, vz_error_t *err)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return vz_error_set(err, VZ_ECORRUPT, 0,
                            "manifest: %s%s\"%s\" missing or not a non-negative integer", where,
                            *where ? " " : "", key);
    *out = (uint64_t)json_integer_value(v);
    return 0;
}

static int get_hex(json_t *o, const char *key, const char *where, char *out, bool empty_ok,
                   vz_error_t *err)
{
    cleanup_free char *s = NULL;
    if (get_str(o, key, where, &s, err) < 0)
        return -1;
    if (!is_hex64(s, empty_ok))
        return vz_error_set(err, VZ_ECORRUPT, 0, "manifest: %s%s\"%s\" is not a sha256 hex digest",
                            where, *where ? " " : "", key);
    memcpy(out, s, strlen(s) + 1);
    return 0;
}

static int parse_root(json_t *root, struct vz_manifest *m, vz_error_t *err)
{
    json_t *f = json_object_get(root, "format");
    if (!json_is_integer(f))
        return vz_error_set(err, VZ_ECORRUPT, 0, "manifest: \"format\" missing");
    if (json_integer_value(f) != VZ_MANIFEST_FORMAT)
        return vz_error_set(err, VZ_ECORRUPT, 0,
                            "manifest format %lld is not supported by vzforge %s (knows %d)",
                            (long long)json_integer_value(f), VZ_VERSION, VZ_MANIFEST_FORMAT);
    m->format = VZ_MANIFEST_FORMAT;
    uint64_t bt = 0;
    if (get_str(root, "template", "", &m->template_name, err) < 0 ||
        get_str(root, "metadata_sha256", "", &m->metadata_sha256, err) < 0 ||
        get_str(root, "vzforge_version", "", &m->vzforge_version, err) < 0 ||
        get_str(root, "signer", "", &m->signer, err) < 0 ||
        get_str(root, "source", "", &m->source, err) < 0 ||
        get_u64(root, "build_time", "", &bt, err) < 0)
        return -1;
    m->build_time = (int64_t)bt;
    json_t *tar = json_object_get(root, "tarball");
    if (!json_is_object(tar))
        return vz_error_set(err, VZ_ECORRUPT, 0, "manifest: \"tarball\" missing");
    if (get_str(tar, "file", "tarball", &m->tarball, err) < 0 ||
        get_str(tar, "compression", "tarball", &m->compress, err) < 0 ||
        get_u64(tar, "size", "tarball", &m->tar_size, err) < 0 ||
        get_hex(tar, "sha256", "tarball", m->tar_sha256, false, err) < 0)
        return -1;
    if (!vz_safe_name(m->tarball))
        return vz_error_set(err, VZ_ECORRUPT, 0, "manifest: tarball file name '%s' is not a plain name",
                            m->tarball);
    json_t *a = json_object_get(root, "packages");
    if (!json_is_array(a))
        return vz_error_set(err, VZ_ECORRUPT, 0, "manifest: \"packages\" missing");
    size_t i;
    json_t *v;
    json_array_foreach(a, i, v) {
        char where[48];
        snprintf(where, sizeof(where), "packages[%zu]", i);
        cleanup_free char *n = NULL, *ver = NULL, *arch = NULL;
        char sha[65];
        uint64_t size = 0;
        if (!json_is_object(v) || get_str(v, "name", where, &n, err) < 0 ||
            get_str(v, "version", where, &ver, err) < 0 ||
            get_str(v, "arch", where, &arch, err) < 0 ||
            get_hex(v, "sha256", where, sha, true, err) < 0 ||
            get_u64(v, "size", where, &size, err) < 0)
            return *err ? -1 : vz_error_set(err, VZ_ECORRUPT, 0, "manifest: %s not an object", where);
        vz_manifest_add_pkg(m, n, ver, arch, sha, size);
    }
    a = json_object_get(root, "repositories");
    if (!json_is_array(a))
        return vz_error_set(err, VZ_ECORRUPT, 0, "manifest: \"repositories\" missing");
    json_array_foreach(a, i, v) {
        char where[48];
        snprintf(where, sizeof(where), "repositories[%zu]", i);
        cleanup_free char *n = NULL, *suite = NULL, *date = NULL;
        char sha[65];
        if (!json_is_object(v) || get_str(v, "name", where, &n, err) < 0 ||
            get_str(v, "suite", where, &suite, err) < 0 ||
            get_str(v, "date", where, &date, err) < 0 ||
            get_hex(v, "release_sha256", where, sha, true, err) < 0)
            return *err ? -1 : vz_error_set(err, VZ_ECORRUPT, 0, "manifest: %s not an object", where);
        vz_manifest_add_repo(m, n, suite, date, sha);
    }
    return 0;
}

int vz_manifest_parse(const char *text, size_t len, struct vz_manifest **out, vz_error_t *err)
{
    json_error_t je;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (!root)
        return vz_error_set(err, VZ_ECORRUPT, 0, "manifest: line %d column %d: %s", je.line,
                            je.column, je.text);
    if (!json_is_object(root)) {
        json_decref(root);
        return vz_error_set(err, VZ_ECORRUPT, 0, "manifest: not a JSON object");
    }
    struct vz_manifest *m = vz_xcalloc(1, sizeof(*m));
    int r = parse_root(root, m, err);
    json_decref(root);
    if (r < 0) {
        vz_manifest_free(m);
        return -1;
    }
    *out = m;
    return 0;
}
