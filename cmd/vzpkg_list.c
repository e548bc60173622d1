/* cmd/vzpkg_list.c: `vzpkg list` and `vzpkg info`: what the metadata defines
 * and which templates are cached. Output formats: docs/template-metadata.md. */
#include "cmd/cli.h"
#include "cmd/vzpkg.h"
#include "cache/store.h"
#include "cache/update_state.h"
#include "metadata/metadata.h"

#include <ctype.h>
#include <string.h>
#include <time.h>

/* --- list ----------------------------------------------------------------- */

const char vzpkg_list_usage[] =
    "Usage: vzpkg list [-A|--available|-c|--cached] [--json]\n"
    "List OS templates.\n"
    "  (no option)    every template the metadata defines, whether it is cached, its summary\n"
    "  --available    templates the metadata defines: NAME SUMMARY\n"
    "  --cached       caches in TEMPLATE/cache: name, size, build date, packages, signer\n"
    "                 (key ID), and whether an update is available as the last 'vzpkg status'\n"
    "                 or 'update-cache' found it (no network; 'unknown' if never checked);\n"
    "                 a tarball dropped in by hand is listed with '?' and a warning that\n"
    "                 names the 'vzpkg import' adopting it\n"
    "  --json         print a JSON array instead\n"
    "  -q, -v, -h     quiet, verbose, this help\n"
    "Metadata: the shipped distros directory and $VZ_ROOT/etc/vz/distros (local overrides).\n";

static const struct vz_cache_file *find_cached(const struct vz_cache_file *c, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(c[i].name, name) == 0)
            return &c[i];
    return NULL;
}

static const struct vz_template_entry *find_entry(const struct vz_template_entry *e, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(e[i].name, name) == 0)
            return &e[i];
    return NULL;
}

static int name_width(const struct vz_template_entry *e, size_t ne, const struct vz_cache_file *c, size_t nc)
{
    size_t w = 4;
    for (size_t i = 0; i < ne; i++)
        w = strlen(e[i].name) > w ? strlen(e[i].name) : w;
    for (size_t i = 0; i < nc; i++)
        w = strlen(c[i].name) > w ? strlen(c[i].name) : w;
    return (int)w;
}

/* One row of `list --cached`: what the signed manifest says, and the last
 * status result. A cache whose manifest cannot be read is still listed,
 * with a warning, so a broken cache does not hide. */
struct cached_row {
    char *name, *file, *signer, *date, *update;
    uint64_t size;
    int64_t build_time, checked;
    size_t packages;
    bool ok;
};

static void cached_row(const char *name, struct cached_row *row)
{
    memset(row, 0, sizeof(*row));
    row->name = vz_xstrdup(name);
    struct vz_cache_info *ci = NULL;
    struct vz_manifest *m = NULL;
    vz_error_t err = NULL;
    if (vz_cache_find(name, &ci, &err) < 0 || vz_cache_manifest(ci, &m, &err) < 0) {
        vz_warn("%s", err->msg);
        vz_error_release(&err);
        row->file = ci ? NULL : vz_cache_unadopted(name); /* its cache_file in --json */
        row->update = vz_xstrdup("unknown");
        vz_cache_info_free(ci);
        return;
    }
    row->ok = true;
    row->file = vz_xstrdup(ci->tarball);
    row->size = m->tar_size;
    row->build_time = m->build_time;
    row->packages = m->n_pkgs;
    row->signer = vz_xstrdup(m->signer && *m->signer ? m->signer : "-");
    char buf[32];
    time_t bt = (time_t)m->build_time;
    struct tm tm;
    strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M UTC", gmtime_r(&bt, &tm));
    row->date = vz_xstrdup(buf);
    struct vz_update_state *st = NULL;
    if (vz_update_state_read(name, &st, &err) < 0) {
        vz_warn("%s", err->msg);
        vz_error_release(&err);
    }
    row->update = vz_xstrdup(vz_update_state_available(st, ci->tar_sha256));
    row->checked = st && strcmp(row->update, "unknown") ? st->checked : 0;
    vz_update_state_free(st);
    vz_manifest_free(m);
    vz_cache_info_free(ci);
}

static void cached_row_release(struct cached_row *r)
{
    free(r->name);
    free(r->file);
    free(r->signer);
    free(r->date);
    free(r->update);
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void list_cached(const struct vz_template_entry *e, size_t ne, json_t *arr)
{
    char **names = NULL;
    vz_error_t err = NULL;
    if (vz_cache_list(&names, &err) < 0) {
        vz_warn("%s", err->msg);
        vz_error_release(&err);
        return;
    }
    /* tarballs dropped in by hand come too, each with the warning that
     * names the 'vzpkg import' adopting it (cached_row's vz_cache_find) */
    char **dropped = NULL;
    if (vz_cache_list_unadopted(&dropped, &err) < 0) {
        vz_warn("%s", err->msg);
        vz_error_release(&err);
    }
    for (char **p = dropped; p && *p; p++)
        vz_strv_push(&names, *p);
    vz_strv_free(dropped);
    size_t n = vz_strv_len(names);
    qsort(names, n, sizeof(*names), cmp_names);
    struct cached_row *rows = vz_xcalloc(n + 1, sizeof(*rows));
    int w = 4;
    for (size_t i = 0; i < n; i++) {
        cached_row(names[i], &rows[i]);
        w = (int)strlen(names[i]) > w ? (int)strlen(names[i]) : w;
    }
    if (!arr && n)
        printf("%-*s  %8s  %-20s  %8s  %-16s  %s\n", w, "NAME", "SIZE", "BUILT", "PACKAGES",
               "SIGNER", "UPDATE");
    for (size_t i = 0; i < n; i++) {
        const struct cached_row *r = &rows[i];
        const struct vz_template_entry *m = find_entry(e, ne, r->name);
        if (arr) {
            json_t *o = json_pack("{s:s, s:s?, s:s?, s:s}", "name", r->name, "cache_file",
                                  r->file, "summary", m ? m->summary : NULL, "update_available",
                                  r->update);
            /* false: a tarball dropped in by hand, no manifest yet ('vzpkg import' adopts it) */
            json_object_set_new(o, "adopted", json_boolean(r->ok || r->file == NULL));
            json_object_set_new(o, "size", r->ok ? json_integer((json_int_t)r->size) : json_null());
            json_object_set_new(o, "build_time",
                                r->ok ? json_integer((json_int_t)r->build_time) : json_null());
            json_object_set_new(o, "build_date", r->ok ? json_string(r->date) : json_null());
            json_object_set_new(o, "packages",
                                r->ok ? json_integer((json_int_t)r->packages) : json_null());
            json_object_set_new(o, "signer", r->ok && strcmp(r->signer, "-")
                                                 ? json_string(r->signer) : json_null());
            json_object_set_new(o, "checked",
                                r->checked ? json_integer((json_int_t)r->checked) : json_null());
            json_array_append_new(arr, o);
        } else if (r->ok) {
            char b[16];
            printf("%-*s  %8s  %-20s  %8zu  %-16s  %s\n", w, r->name, vz_human_bytes(r->size, b),
                   r->date, r->packages, r->signer, r->update);
        } else {
            printf("%-*s  %8s  %-20s  %8s  %-16s  %s\n", w, r->name, "?", "?", "?", "?", r->update);
        }
    }
    for (size_t i = 0; i < n; i++)
        cached_row_release(&rows[i]);
    free(rows);
    vz_strv_free(names);
}

enum { OPT_AVAILABLE = 0x2000, OPT_CACHED };

const struct option vzpkg_list_options[] = {
    VZ_CLI_COMMON_OPTS,
    { "available", no_argument, NULL, OPT_AVAILABLE },
    { "cached", no_argument, NULL, OPT_CACHED },
    { "json", no_argument, NULL, VZ_OPT_JSON },
    { NULL, 0, NULL, 0 },
};

int vzpkg_list(int argc, char **argv)
{
    const struct option *opts = vzpkg_list_options;
    bool available = false, cached_only = false, json = false;
    int c;
    while ((c = vz_cli_getopt(argc, argv, "hqvcA", opts)) != -1) {
        if (vz_cli_common_opt(c, vzpkg_list_usage))
            continue;
        if (c == OPT_AVAILABLE || c == 'A') /* -A, -c: Virtuozzo's vzpkg list */
            available = true;
        else if (c == 'c')
            cached_only = true;
        else if (c == OPT_AVAILABLE)
            available = true;
        else if (c == OPT_CACHED)
            cached_only = true;
        else if (c == VZ_OPT_JSON)
            json = true;
    }
    if (optind < argc)
        return vz_cli_usage_error(vzpkg_list_usage, "list takes no arguments ('%s')", argv[optind]);
    if (available && cached_only)
        return vz_cli_usage_error(vzpkg_list_usage, "--available and --cached exclude each other");

    vz_error_t err = NULL;
    struct vz_metadata_opts mopts = { .skip_mirrors = true };
    struct vz_template_entry *e = NULL;
    size_t ne = 0, nc = 0;
    if (vz_template_list(&mopts, &e, &ne, &err) < 0)
        return vz_cli_fail(&err);
    struct vz_cache_file *cl = available || cached_only ? NULL : vz_cache_tarballs(&nc);
    int w = name_width(e, ne, cl, nc);
    json_t *arr = json ? json_array() : NULL;

    if (cached_only) {
        list_cached(e, ne, arr);
    } else {
        /* metadata templates, plus caches whose metadata is gone */
        for (size_t i = 0; i < ne; i++) {
            const struct vz_cache_file *k = find_cached(cl, nc, e[i].name);
            if (json) {
                json_t *o = json_object();
                json_object_set_new(o, "name", json_string(e[i].name));
                json_object_set_new(o, "summary", json_string(e[i].summary));
                json_object_set_new(o, "source", json_string(e[i].source_path));
                if (!available) {
                    json_object_set_new(o, "cached", json_boolean(k != NULL));
                    json_object_set_new(o, "cache_file", k ? json_string(k->path) : json_null());
                }
                json_array_append_new(arr, o);
            } else if (available) {
                printf("%-*s  %s\n", w, e[i].name, e[i].summary);
            } else {
                printf("%-*s  %-6s  %s\n", w, e[i].name, k ? "cached" : "-", e[i].summary);
            }
        }
        for (size_t i = 0; !available && i < nc; i++) {
            if (find_entry(e, ne, cl[i].name))
                continue;
            if (json) {
                json_t *o = json_object();
                json_object_set_new(o, "name", json_string(cl[i].name));
                json_object_set_new(o, "summary", json_null());
                json_object_set_new(o, "source", json_null());
                json_object_set_new(o, "cached", json_true());
                json_object_set_new(o, "cache_file", json_string(cl[i].path));
                json_array_append_new(arr, o);
            } else {
                printf("%-*s  %-6s  %s\n", w, cl[i].name, "cached", "(no metadata)");
            }
        }
    }
    if (json)
        vz_cli_print_json(arr);
    vz_template_list_free(e, ne);
    vz_cache_files_free(cl, nc);
    return 0;
}

/* --- info ----------------------------------------------------------------- */

const char vzpkg_info_usage[] =
    "Usage: vzpkg info [--json] [--mirror URL|NAME=URL]... TEMPLATE [FIELD...]\n"
    "Show a template's metadata after 'extends' and variables are applied.\n"
    "Fields (Virtuozzo's names first):\n"
    "  name summary description packages repositories mirrorlist distribution\n"
    "  osrelease arch package_manager_type variant codename excludes environment\n"
    "  scripts family distro_arch base merged_usr source metadata_sha256\n"
    "  (family rpm also: rpmdb base_group)\n"
    "With one FIELD its value is printed alone, one list item per line.\n"
    "  --mirror URL       mirror for every {{mirror.NAME}} (NAME=URL: for one); repeat for fail-over\n"
    "  --json             print a JSON object\n"
    "  -q, -v, -h         quiet, verbose, this help\n"
    "Mirrors: --mirror, then VZ_MIRROR_<NAME>, MIRROR_<NAME> in vz.conf, the host's apt sources.\n";

enum fkind { F_STR, F_LIST, F_MAP };

struct fval {
    enum fkind kind;
    char *str;     /* F_STR, may be NULL */
    char **list;   /* F_LIST: lines */
    json_t *json;  /* the JSON form */
};

static void fval_str(struct fval *v, const char *s)
{
    v->kind = F_STR;
    v->str = s ? vz_xstrdup(s) : NULL;
    v->json = s ? json_string(s) : json_null();
}

static void fval_list(struct fval *v, char *const *l)
{
    v->kind = F_LIST;
    v->json = json_array();
    for (size_t i = 0; l && l[i]; i++) {
        vz_strv_push(&v->list, l[i]);
        json_array_append_new(v->json, json_string(l[i]));
    }
}

static json_t *strv_json(char *const *l)
{
    json_t *a = json_array();
    for (size_t i = 0; l && l[i]; i++)
        json_array_append_new(a, json_string(l[i]));
    return a;
}

/* family rpm: one line per repository as a dnf .repo file's keys */
static void rpm_repositories(const struct vz_template *t, struct fval *v)
{
    v->kind = F_LIST;
    v->json = json_array();
    for (size_t i = 0; i < t->n_repos; i++) {
        const struct vz_repo_def *r = &t->repos[i];
        /* a metalink or mirrorlist stands where the baseurl would */
        const char *key = r->metalink ? "metalink" : r->mirrorlist ? "mirrorlist" : "baseurl";
        const char *url = r->metalink ? r->metalink : r->mirrorlist ? r->mirrorlist : r->uris[0];
        cleanup_free char *line = vz_xasprintf(
            "[%s] %s=%s gpgkey=%s gpgcheck=%d repo_gpgcheck=%d", r->name, key, url,
            r->keyring ? r->keyring : "-", r->gpgcheck, r->repo_gpgcheck);
        vz_strv_push(&v->list, line);
        json_t *o = json_object();
        json_object_set_new(o, "name", json_string(r->name));
        json_object_set_new(o, "baseurls", strv_json(r->uris));
        if (r->metalink)
            json_object_set_new(o, "metalink", json_string(r->metalink));
        if (r->mirrorlist)
            json_object_set_new(o, "mirrorlist", json_string(r->mirrorlist));
        json_object_set_new(o, "gpgkey", r->keyring ? json_string(r->keyring) : json_null());
        json_object_set_new(o, "gpgcheck", json_boolean(r->gpgcheck));
        json_object_set_new(o, "repo_gpgcheck", json_boolean(r->repo_gpgcheck));
        json_array_append_new(v->json, o);
    }
}

static void field_value(const struct vz_template *t, const char *f, struct fval *v)
{
    memset(v, 0, sizeof(*v));
    if (!strcmp(f, "name")) fval_str(v, t->name);
    else if (!strcmp(f, "summary")) fval_str(v, t->summary);
    else if (!strcmp(f, "description")) fval_str(v, t->description);
    else if (!strcmp(f, "distribution")) fval_str(v, t->distribution);
    else if (!strcmp(f, "osrelease")) fval_str(v, t->release);
    else if (!strcmp(f, "codename")) fval_str(v, t->codename);
    else if (!strcmp(f, "arch")) fval_str(v, t->arch);
    else if (!strcmp(f, "distro_arch")) fval_str(v, t->distro_arch);
    else if (!strcmp(f, "variant")) fval_str(v, t->variant);
    else if (!strcmp(f, "family")) fval_str(v, t->family);
    else if (!strcmp(f, "package_manager_type")) fval_str(v, strcmp(t->family, "deb") ? "rpm" : "dpkg");
    else if (!strcmp(f, "base")) fval_str(v, t->base_required ? "required" : "none");
    else if (!strcmp(f, "merged_usr")) fval_str(v, t->merged_usr);
    else if (!strcmp(f, "rpmdb")) fval_str(v, t->rpmdb);
    else if (!strcmp(f, "base_group")) fval_str(v, t->base_group);
    else if (!strcmp(f, "source")) fval_str(v, t->source_path);
    else if (!strcmp(f, "metadata_sha256")) fval_str(v, t->metadata_sha256);
    else if (!strcmp(f, "packages")) fval_list(v, t->packages);
    else if (!strcmp(f, "excludes")) fval_list(v, t->excludes);
    else if (!strcmp(f, "environment")) {
        fval_list(v, t->environment);
        json_decref(v->json);
        v->json = json_object();
        for (char **e = t->environment; e && *e; e++) {
            char *eq = strchr(*e, '=');
            cleanup_free char *k = vz_xasprintf("%.*s", (int)(eq - *e), *e);
            json_object_set_new(v->json, k, json_string(eq + 1));
        }
    } else if (!strcmp(f, "scripts")) {
        v->kind = F_MAP;
        v->json = json_object();
        struct vz_buf b = VZ_BUF_INIT;
        vz_buf_init(&b);
        const char *names[] = { "pre-cache", "post-install" };
        const char *texts[] = { t->script_pre_cache, t->script_post_install };
        for (size_t i = 0; i < 2; i++) {
            if (texts[i] == NULL)
                continue;
            /* "NAME:" then the script indented, so several read apart */
            vz_buf_addf(&b, "%s:\n", names[i]);
            cleanup_free char *copy = vz_xstrdup(texts[i]);
            char *save = NULL;
            for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
                vz_buf_addf(&b, "  %s\n", l);
            json_object_set_new(v->json, names[i], json_string(texts[i]));
        }
        v->str = b.len ? vz_buf_detach(&b, NULL) : NULL;
        vz_buf_release(&b);
    } else if (!strcmp(f, "repositories") && t->rpmdb) {
        rpm_repositories(t, v);
    } else if (!strcmp(f, "repositories")) {
        /* apt's one-line format, usable as a sources.list line */
        v->kind = F_LIST;
        v->json = json_array();
        for (size_t i = 0; i < t->n_repos; i++) {
            const struct vz_repo_def *r = &t->repos[i];
            struct vz_buf b = VZ_BUF_INIT;
            vz_buf_init(&b);
            vz_buf_adds(&b, "deb ");
            if (r->keyring)
                vz_buf_addf(&b, "[signed-by=%s] ", r->keyring);
            else
                vz_buf_adds(&b, "[trusted=yes] ");
            vz_buf_addf(&b, "%s %s", r->uris[0], r->suite);
            for (char **c = r->components; c && *c; c++)
                vz_buf_addf(&b, " %s", *c);
            vz_strv_push(&v->list, b.data);
            vz_buf_release(&b);
            json_t *o = json_object();
            json_object_set_new(o, "name", json_string(r->name));
            json_object_set_new(o, "uris", strv_json(r->uris));
            json_object_set_new(o, "suite", json_string(r->suite));
            json_object_set_new(o, "components", strv_json(r->components));
            json_object_set_new(o, "keyring", r->keyring ? json_string(r->keyring) : json_null());
            json_object_set_new(o, "allow_unsigned", json_boolean(r->allow_unsigned));
            json_array_append_new(v->json, o);
        }
    } else if (!strcmp(f, "mirrorlist")) {
        v->kind = F_LIST;
        v->json = json_array();
        for (size_t i = 0; i < t->n_mirrors; i++) {
            const struct vz_mirror_var *m = &t->mirrors[i];
            for (char **u = m->uris; *u; u++) {
                cleanup_free char *line = vz_xasprintf("mirror.%s %s (from %s)", m->name, *u, m->origin);
                vz_strv_push(&v->list, line);
            }
            json_t *o = json_object();
            json_object_set_new(o, "name", json_string(m->name));
            json_object_set_new(o, "uris", strv_json(m->uris));
            json_object_set_new(o, "origin", json_string(m->origin));
            json_array_append_new(v->json, o);
        }
    }
}

static void fval_release(struct fval *v)
{
    free(v->str);
    vz_strv_free(v->list);
    json_decref(v->json);
}

static const char *const all_fields[] = {
    "name", "summary", "description", "distribution", "osrelease", "codename", "arch", "distro_arch",
    "variant", "family", "package_manager_type", "base", "merged_usr", "packages", "excludes",
    "environment", "scripts", "repositories", "mirrorlist", "source", "metadata_sha256",
};

/* All fields of an rpm template: all_fields and these, after merged_usr. */
static const char *const rpm_fields[] = {
    "name", "summary", "description", "distribution", "osrelease", "codename", "arch", "distro_arch",
    "variant", "family", "package_manager_type", "base", "base_group", "rpmdb", "merged_usr",
    "packages", "excludes", "environment", "scripts", "repositories", "mirrorlist", "source",
    "metadata_sha256",
};

static bool known_field(const char *f)
{
    for (size_t i = 0; i < VZ_ARRAY_SIZE(rpm_fields); i++)
        if (!strcmp(rpm_fields[i], f))
            return true;
    return false;
}

static void print_labelled(const char *f, const struct fval *v)
{
    if (v->kind == F_LIST) {
        printf("%s:\n", f);
        for (char **l = v->list; l && *l; l++)
            printf("  %s\n", *l);
    } else if (v->str && strchr(v->str, '\n')) {
        printf("%s:\n", f);
        cleanup_free char *copy = vz_xstrdup(v->str);
        char *save = NULL;
        for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
            printf("  %s\n", l);
    } else {
        printf("%s:%s%s\n", f, v->str ? " " : "", v->str ? v->str : "");
    }
}

static void print_raw(const struct fval *v)
{
    if (v->kind == F_LIST) {
        for (char **l = v->list; l && *l; l++)
            printf("%s\n", *l);
    } else if (v->str) {
        size_t n = strlen(v->str);
        printf("%s%s", v->str, n && v->str[n - 1] == '\n' ? "" : "\n");
    }
}

int vzpkg_mirror_opt(const char *value, char ***mirrors)
{
    vz_error_t err = NULL;
    if (vz_mirror_arg_check(value, &err) < 0)
        return vz_cli_fail(&err);
    vz_strv_push(mirrors, value);
    return 0;
}

enum { OPT_MIRROR = 0x2000 };

const struct option vzpkg_info_options[] = {
    VZ_CLI_COMMON_OPTS,
    { "json", no_argument, NULL, VZ_OPT_JSON },
    { "mirror", required_argument, NULL, OPT_MIRROR },
    { NULL, 0, NULL, 0 },
};

int vzpkg_info(int argc, char **argv)
{
    const struct option *opts = vzpkg_info_options;
    bool json = false;
    cleanup_strv char **mirrors = NULL;
    int c, rc;
    while ((c = vz_cli_getopt(argc, argv, "hqv", opts)) != -1) {
        if (vz_cli_common_opt(c, vzpkg_info_usage))
            continue;
        if (c == VZ_OPT_JSON) {
            json = true;
        } else if (c == OPT_MIRROR && (rc = vzpkg_mirror_opt(optarg, &mirrors)) != 0) {
            return rc;
        }
    }
    if (optind >= argc)
        return vz_cli_usage_error(vzpkg_info_usage, "info needs a TEMPLATE");
    const char *name = argv[optind++];
    char **fields = argv + optind;
    int nfields = argc - optind;
    bool need_mirrors = nfields == 0;
    for (int i = 0; i < nfields; i++) {
        if (!known_field(fields[i])) {
            const char *sug = vz_metadata_suggest(fields[i], all_fields, VZ_ARRAY_SIZE(all_fields));
            if (sug)
                return vz_cli_usage_error(vzpkg_info_usage, "unknown field '%s' (did you mean '%s'?)", fields[i], sug);
            return vz_cli_usage_error(vzpkg_info_usage, "unknown field '%s'", fields[i]);
        }
        need_mirrors |= !strcmp(fields[i], "repositories") || !strcmp(fields[i], "mirrorlist");
    }
    struct vz_metadata_opts mopts = { .mirrors = mirrors, .skip_mirrors = !need_mirrors };
    struct vz_template *t = NULL;
    vz_error_t err = NULL;
    bool no_mirror = false;
    if (vz_template_load(name, &mopts, &t, &err) < 0) {
        /* a plain `info NAME` of a template whose mirror this host does
         * not name (an rpm or Ubuntu template on a Debian host): if it
         * loads without its mirrors, the failure was theirs, so show the
         * rest and say why the repositories are missing */
        struct vz_metadata_opts bare = { .mirrors = mirrors, .skip_mirrors = true };
        vz_error_t e2 = NULL;
        if (nfields != 0 || vz_template_load(name, &bare, &t, &e2) < 0) {
            vz_error_release(&e2);
            return vz_cli_fail(&err);
        }
        vz_warn("%s; repositories and mirrorlist are not shown", err->msg);
        vz_error_release(&err);
        no_mirror = true;
    }

    bool rpm = t->rpmdb != NULL;
    const char *const *show = nfields ? (const char *const *)fields : rpm ? rpm_fields : all_fields;
    size_t nshow = nfields ? (size_t)nfields
                   : rpm   ? VZ_ARRAY_SIZE(rpm_fields)
                           : VZ_ARRAY_SIZE(all_fields);
    json_t *obj = json ? json_object() : NULL;
    for (size_t i = 0; i < nshow; i++) {
        if (no_mirror && (!strcmp(show[i], "repositories") || !strcmp(show[i], "mirrorlist")))
            continue;
        struct fval v;
        field_value(t, show[i], &v);
        if (json)
            json_object_set(obj, show[i], v.json);
        else if (nfields == 1)
            print_raw(&v);
        else
            print_labelled(show[i], &v);
        fval_release(&v);
    }
    if (json)
        vz_cli_print_json(obj);
    vz_template_free(t);
    return 0;
}
