/* metadata/aptsources.c: mirrors from the host's apt sources, the last
 * source of {{mirror.NAME}} (see mirror.c for the order).
 *
 * Reads, under the apt root, etc/apt/sources.list, then
 * etc/apt/sources.list.d/NAME.list (one-line format) and NAME.sources
 * (deb822) in one alphabetical pass, as apt does. deb-src entries and
 * deb822 stanzas with "Enabled: no" are ignored.
 */
#include "metadata/internal.h"

#include <ctype.h>
#include <dirent.h>
#include <string.h>
#include <strings.h>

struct apt_entry {
    char *file;
    int line;
    char **uris, **suites, **components;
};

struct apt_sources {
    struct apt_entry *e;
    size_t n;
};

static void apt_sources_release(struct apt_sources *s)
{
    for (size_t i = 0; i < s->n; i++) {
        free(s->e[i].file);
        vz_strv_free(s->e[i].uris);
        vz_strv_free(s->e[i].suites);
        vz_strv_free(s->e[i].components);
    }
    free(s->e);
}

static void add_entry(struct apt_sources *s, const char *file, int line, char **uris, char **suites,
                      char **comps)
{
    s->e = vz_xrealloc(s->e, (s->n + 1) * sizeof(*s->e));
    s->e[s->n++] = (struct apt_entry){ vz_xstrdup(file), line, uris, suites, comps };
}

static void split_into(char ***v, const char *s)
{
    cleanup_free char *copy = vz_xstrdup(s);
    char *save = NULL;
    for (char *w = strtok_r(copy, " \t", &save); w; w = strtok_r(NULL, " \t", &save))
        vz_strv_push(v, w);
}

/* Call fn for each line of a file (NUL-terminated in place), with its number. */
static void each_line(char *data, void (*fn)(void *ctx, char *line, int lineno), void *ctx)
{
    int lineno = 0;
    for (char *p = data; p && *p;) {
        char *nl = strchr(p, '\n');
        if (nl)
            *nl = '\0';
        fn(ctx, p, ++lineno);
        p = nl ? nl + 1 : NULL;
    }
}

struct parse_ctx {
    struct apt_sources *s;
    const char *shown;
    /* deb822 stanza being read */
    char *types, *uris, *suites, *comps, *enabled;
    char **last;
    int stanza_line;
};

/* "deb [opts] URI SUITE COMP..." */
static void one_line(void *vctx, char *line, int lineno)
{
    struct parse_ctx *c = vctx;
    char *hash = strchr(line, '#');
    if (hash)
        *hash = '\0';
    char *ob = strchr(line, '['); /* drop the [options] block */
    if (ob) {
        char *cb = strchr(ob, ']');
        if (cb)
            memset(ob, ' ', (size_t)(cb - ob + 1));
    }
    cleanup_strv char **w = NULL;
    split_into(&w, line);
    if (vz_strv_len(w) < 3 || strcmp(w[0], "deb") != 0)
        return;
    char **uris = NULL, **suites = NULL, **comps = NULL;
    vz_strv_push(&uris, w[1]);
    vz_strv_push(&suites, w[2]);
    for (size_t i = 3; w[i]; i++)
        vz_strv_push(&comps, w[i]);
    add_entry(c->s, c->shown, lineno, uris, suites, comps);
}

static void stanza_flush(struct parse_ctx *c)
{
    if (c->types && c->uris && c->suites && (c->enabled == NULL || strcasecmp(c->enabled, "no") != 0)) {
        cleanup_strv char **tv = NULL;
        split_into(&tv, c->types);
        if (vz_strv_contains(tv, "deb")) {
            char **u = NULL, **su = NULL, **co = NULL;
            split_into(&u, c->uris);
            split_into(&su, c->suites);
            if (c->comps)
                split_into(&co, c->comps);
            add_entry(c->s, c->shown, c->stanza_line, u, su, co);
        }
    }
    free(c->types), free(c->uris), free(c->suites), free(c->comps), free(c->enabled);
    c->types = c->uris = c->suites = c->comps = c->enabled = NULL;
    c->last = NULL;
    c->stanza_line = 0;
}

/* deb822: stanzas separated by blank lines; continuation lines start with
 * white space; '#' starts a comment line. */
static void deb822_line(void *vctx, char *line, int lineno)
{
    struct parse_ctx *c = vctx;
    bool blank = true;
    for (char *q = line; *q; q++)
        blank &= isspace((unsigned char)*q) != 0;
    if (blank) {
        stanza_flush(c);
        return;
    }
    if (line[0] == '#')
        return;
    if (line[0] == ' ' || line[0] == '\t') {
        if (c->last && *c->last) {
            char *t = vz_xasprintf("%s %s", *c->last, line);
            free(*c->last);
            *c->last = t;
        }
        return;
    }
    char *colon = strchr(line, ':');
    if (colon == NULL)
        return;
    *colon = '\0';
    char *val = colon + 1;
    while (isspace((unsigned char)*val))
        val++;
    if (c->stanza_line == 0)
        c->stanza_line = lineno;
    char **slot = NULL;
    if (!strcasecmp(line, "Types")) slot = &c->types;
    else if (!strcasecmp(line, "URIs")) slot = &c->uris;
    else if (!strcasecmp(line, "Suites")) slot = &c->suites;
    else if (!strcasecmp(line, "Components")) slot = &c->comps;
    else if (!strcasecmp(line, "Enabled")) slot = &c->enabled;
    if (slot) {
        free(*slot);
        *slot = vz_xstrdup(val);
    }
    c->last = slot;
}

static void parse_sources_file(struct apt_sources *s, const char *path, bool deb822)
{
    cleanup_free char *data = NULL;
    vz_error_t err = NULL;
    if (vz_read_file(path, &data, NULL, &err) < 0) {
        vz_error_release(&err);
        return;
    }
    struct parse_ctx c = { .s = s, .shown = path };
    each_line(data, deb822 ? deb822_line : one_line, &c);
    stanza_flush(&c);
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Files of dir ending in suffix, sorted (apt reads them in this order). */
static char **dir_files(const char *dir, const char *suffix)
{
    char **v = NULL;
    cleanup_dir DIR *d = opendir(dir);
    if (d == NULL)
        return NULL;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] != '.' && vz_str_ends_with(de->d_name, suffix))
            vz_strv_push(&v, de->d_name);
    }
    if (v)
        qsort(v, vz_strv_len(v), sizeof(*v), name_cmp);
    return v;
}

static void apt_sources_load(struct apt_sources *s, const char *root)
{
    memset(s, 0, sizeof(*s));
    cleanup_free char *main_list = vz_path_join(root, "etc/apt/sources.list");
    parse_sources_file(s, main_list, false);
    cleanup_free char *dir = vz_path_join(root, "etc/apt/sources.list.d");
    cleanup_strv char **files = NULL;
    char **lists = dir_files(dir, ".list"), **srcs = dir_files(dir, ".sources");
    /* apt reads sources.list.d in one alphabetical pass over both kinds */
    for (char **p = lists; p && *p; p++)
        vz_strv_push(&files, *p);
    for (char **p = srcs; p && *p; p++)
        vz_strv_push(&files, *p);
    vz_strv_free(lists);
    vz_strv_free(srcs);
    if (files)
        qsort(files, vz_strv_len(files), sizeof(*files), name_cmp);
    for (char **p = files; p && *p; p++) {
        cleanup_free char *path = vz_path_join(dir, *p);
        parse_sources_file(s, path, vz_str_ends_with(*p, ".sources"));
    }
}

/* os-release ID of the host under root, or NULL. */
static char *host_os_id(const char *root)
{
    const char *cands[] = { "etc/os-release", "usr/lib/os-release" };
    for (size_t i = 0; i < VZ_ARRAY_SIZE(cands); i++) {
        cleanup_free char *p = vz_path_join(root, cands[i]);
        struct vz_conf c;
        vz_error_t err = NULL;
        if (vz_conf_load(&c, p, &err) < 0) {
            vz_error_release(&err);
            vz_conf_release(&c);
            continue;
        }
        const char *id = vz_conf_get(&c, "ID");
        char *r = id ? vz_xstrdup(id) : NULL;
        vz_conf_release(&c);
        if (r)
            return r;
    }
    return NULL;
}

static bool suite_wanted(const char *suite, const char *want, bool security)
{
    if (want)
        return strcmp(suite, want) == 0;
    /* fallback: a plain codename, or any <codename>-security */
    const char *dash = strchr(suite, '-');
    if (security)
        return dash && strcmp(dash, "-security") == 0;
    return dash == NULL && strchr(suite, '/') == NULL;
}

/* Collect URIs from the entries serving the suite; prefer those with "main". */
static char *apt_pick(const struct apt_sources *s, const char *want, bool security, char ***uris)
{
    char *origin = NULL;
    int passes = want ? 2 : 1; /* the fallback never takes an entry without main */
    for (int pass = 0; pass < passes && *uris == NULL; pass++)
        for (size_t i = 0; i < s->n; i++) {
            const struct apt_entry *e = &s->e[i];
            if (pass == 0 && !vz_strv_contains(e->components, "main"))
                continue;
            for (char **su = e->suites; su && *su; su++) {
                if (!suite_wanted(*su, want, security))
                    continue;
                bool added = false;
                for (char **u = e->uris; u && *u; u++)
                    if (md_is_url(*u)) {
                        md_push_uri(uris, *u);
                        added = true;
                    }
                if (added && origin == NULL)
                    origin = vz_xasprintf("%s:%d, suite %s", e->file, e->line, *su);
                break;
            }
        }
    return origin;
}

void md_mirror_from_apt(struct md_mirror_ctx *m, const char *name, char ***uris, char **origin)
{
    if (m->family == NULL || strcmp(m->family, "deb") != 0)
        return;
    bool security;
    size_t dl = strlen(m->distribution);
    if (strcmp(name, m->distribution) == 0)
        security = false;
    else if (strncmp(name, m->distribution, dl) == 0 && strcmp(name + dl, "_security") == 0)
        security = true;
    else
        return;
    struct apt_sources s;
    apt_sources_load(&s, m->apt_root);
    cleanup_free char *want = security ? vz_xasprintf("%s-security", m->codename) : vz_xstrdup(m->codename);
    *origin = apt_pick(&s, want, security, uris);
    if (*origin == NULL) {
        cleanup_free char *id = host_os_id(m->apt_root);
        if (id && strcmp(id, m->distribution) == 0) {
            char *o = apt_pick(&s, NULL, security, uris);
            if (o) {
                *origin = vz_xasprintf("%s: the host's %s archive, assumed to serve %s too", o, id, want);
                free(o);
            }
        }
    }
    apt_sources_release(&s);
}

