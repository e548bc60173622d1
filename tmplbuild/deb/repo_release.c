/* tmplbuild/deb/repo_release.c: the fields of a Debian Release file vzforge uses. */
#include "tmplbuild/deb/repo_int.h"

#include <stdlib.h>
#include <string.h>

time_t vz_release_parse_date(const char *s)
{
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    /* "Sat, 10 Jun 2023 08:53:33 UTC"; the weekday is optional. */
    const char *p = strchr(s, ',') ? strchr(s, ',') + 1 : s;
    while (*p == ' ')
        p++;
    const char *end = strptime(p, "%d %b %Y %H:%M:%S", &tm);
    if (end == NULL)
        return 0;
    while (*end == ' ')
        end++;
    time_t t = timegm(&tm);
    /* numeric zone "+0100": Release files use UTC, but be exact if not */
    if ((*end == '+' || *end == '-') && strlen(end) >= 5) {
        int hh = (end[1] - '0') * 10 + (end[2] - '0');
        int mm = (end[3] - '0') * 10 + (end[4] - '0');
        int off = hh * 3600 + mm * 60;
        t += *end == '+' ? -off : off;
    }
    return t;
}

static char *field(const char *text, const char *name)
{
    size_t n = strlen(name);
    for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
        if (strncmp(l, name, n) == 0 && l[n] == ':') {
            const char *v = l + n + 1;
            while (*v == ' ' || *v == '\t')
                v++;
            size_t len = strcspn(v, "\n");
            while (len && (v[len - 1] == ' ' || v[len - 1] == '\r'))
                len--;
            return strndup(v, len);
        }
    }
    return NULL;
}

int vz_release_parse(const char *text, struct vz_release *r, vz_error_t *err)
{
    memset(r, 0, sizeof(*r));
    r->suite = field(text, "Suite");
    r->codename = field(text, "Codename");
    r->date = field(text, "Date");
    r->valid_until = field(text, "Valid-Until");
    if (r->date)
        r->date_t = vz_release_parse_date(r->date);
    if (r->valid_until) {
        r->valid_until_t = vz_release_parse_date(r->valid_until);
        if (r->valid_until_t == 0) {
            vz_release_free(r);
            return vz_error_set(err, VZ_EVERIFY, 0, "Release: unparsable Valid-Until date");
        }
    }
    const char *p = strstr(text, "\nSHA256:");
    if (p == NULL) {
        vz_release_free(r);
        return vz_error_set(err, VZ_EVERIFY, 0, "Release has no SHA256 list of index files");
    }
    p = strchr(p + 1, '\n');
    size_t cap = 0;
    while (p && p[1] == ' ') {
        const char *line = p + 2;
        p = strchr(line, '\n');
        size_t len = p ? (size_t)(p - line) : strlen(line);
        cleanup_free char *l = strndup(line, len);
        char hash[80], path[512];
        unsigned long long size;
        if (sscanf(l, "%79s %llu %511s", hash, &size, path) != 3 || strlen(hash) != 64)
            continue;
        if (r->n_files == cap) {
            cap = cap ? cap * 2 : 64;
            r->files = vz_xrealloc(r->files, cap * sizeof(*r->files));
        }
        struct vz_release_file *f = &r->files[r->n_files++];
        f->path = vz_xstrdup(path);
        memcpy(f->sha256, hash, 65);
        f->size = size;
    }
    return 0;
}

const struct vz_release_file *vz_release_find(const struct vz_release *r, const char *path)
{
    for (size_t i = 0; i < r->n_files; i++)
        if (strcmp(r->files[i].path, path) == 0)
            return &r->files[i];
    return NULL;
}

void vz_release_free(struct vz_release *r)
{
    free(r->suite);
    free(r->codename);
    free(r->date);
    free(r->valid_until);
    for (size_t i = 0; i < r->n_files; i++)
        free(r->files[i].path);
    free(r->files);
    memset(r, 0, sizeof(*r));
}
