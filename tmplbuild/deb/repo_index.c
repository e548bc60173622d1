/* tmplbuild/deb/repo_index.c: a verified Packages index -> libsolv repo (+ .solv).
 *
 * libsolv's Debian parser keeps neither Priority nor Essential nor Size. A
 * second parse would double the cold cost, so the index is read once: the
 * decompressing reader (libarchive, any compression; on a thread of its own,
 * index_stream.h) hands libsolv its bytes through a FILE and, on the way, a
 * line scanner notes each stanza's Package, Priority, Essential and Size.
 * libsolv adds one solvable per stanza with a Package field, in order, so the k-th noted stanza belongs to
 * the k-th new solvable (checked by name). The values are stored as custom
 * keys, so the .solv copy carries them too.
 */
#include "tmplbuild/deb/index_stream.h"
#include "tmplbuild/deb/repo_int.h"
#include "tmplbuild/repo.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <solv/repo_deb.h>
#include <solv/repo_solv.h>
#include <solv/repo_write.h>

struct stanza {
    char *name;
    char *priority;
    unsigned long long size;
    bool essential;
};

struct scan {
    struct stanza *v;
    size_t n, cap;
    struct stanza cur;
    struct vz_buf line; /* carry of a line split across reads */
};

static void scan_end_stanza(struct scan *s)
{
    if (s->cur.name) {
        if (s->n == s->cap) {
            s->cap = s->cap ? s->cap * 2 : 4096;
            s->v = vz_xrealloc(s->v, s->cap * sizeof(*s->v));
        }
        s->v[s->n++] = s->cur;
    } else {
        free(s->cur.priority);
    }
    memset(&s->cur, 0, sizeof(s->cur));
}

static char *value(const char *l, size_t len, size_t skip)
{
    const char *v = l + skip;
    const char *e = l + len;
    while (v < e && (*v == ' ' || *v == '\t'))
        v++;
    while (e > v && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
        e--;
    return strndup(v, (size_t)(e - v));
}

static void scan_line(struct scan *s, const char *l, size_t len)
{
    if (len == 0) {
        scan_end_stanza(s);
        return;
    }
    switch (l[0]) {
    case 'P':
        if (len > 8 && memcmp(l, "Package:", 8) == 0) {
            free(s->cur.name);
            s->cur.name = value(l, len, 8);
        } else if (len > 9 && memcmp(l, "Priority:", 9) == 0) {
            free(s->cur.priority);
            s->cur.priority = value(l, len, 9);
        }
        break;
    case 'E':
        if (len > 10 && memcmp(l, "Essential:", 10) == 0) {
            cleanup_free char *v = value(l, len, 10);
            s->cur.essential = strcasecmp(v, "yes") == 0;
        }
        break;
    case 'S':
        if (len > 5 && memcmp(l, "Size:", 5) == 0) {
            cleanup_free char *v = value(l, len, 5);
            s->cur.size = strtoull(v, NULL, 10);
        }
        break;
    }
}

static void scan_feed(struct scan *s, const char *p, size_t n)
{
    const char *end = p + n;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (nl == NULL) {
            vz_buf_add(&s->line, p, (size_t)(end - p));
            return;
        }
        if (s->line.len) {
            vz_buf_add(&s->line, p, (size_t)(nl - p));
            scan_line(s, s->line.data, s->line.len);
            vz_buf_reset(&s->line);
        } else {
            scan_line(s, p, (size_t)(nl - p));
        }
        p = nl + 1;
    }
}

static void scan_free(struct scan *s)
{
    for (size_t i = 0; i < s->n; i++) {
        free(s->v[i].name);
        free(s->v[i].priority);
    }
    free(s->v);
    free(s->cur.name);
    free(s->cur.priority);
    vz_buf_release(&s->line);
}

static void scan_feed_cb(void *ctx, const char *buf, size_t n)
{
    scan_feed(ctx, buf, n);
}

int vz_repo_index_parse(Repo *repo, const char *path, vz_error_t *err)
{
    Pool *pool = repo->pool;
    struct scan sc;
    memset(&sc, 0, sizeof(sc));
    vz_buf_init(&sc.line);
    int ret = -1;
    /* the decoder thread feeds the scanner; libsolv parses here */
    struct vz_index_stream *is = NULL;
    FILE *f = NULL;
    if (vz_index_stream_open(path, scan_feed_cb, &sc, &is, &f, err) < 0)
        goto out;
    Id first = pool->nsolvables;
    repo_add_debpackages(repo, f, REPO_NO_INTERNALIZE);
    if (vz_index_stream_close(is, f, err) < 0)
        goto out;
    if (sc.line.len)
        scan_line(&sc, sc.line.data, sc.line.len);
    scan_end_stanza(&sc);

    Repodata *data = repo_last_repodata(repo);
    Id kprio = pool_str2id(pool, VZ_KEY_PRIORITY, 1);
    Id kess = pool_str2id(pool, VZ_KEY_ESSENTIAL, 1);
    size_t k = 0;
    for (Id p = first; p < pool->nsolvables; p++) {
        Solvable *s = pool->solvables + p;
        if (s->repo != repo)
            continue;
        if (k >= sc.n || strcmp(pool_id2str(pool, s->name), sc.v[k].name) != 0) {
            vz_error_set(err, VZ_ECORRUPT, 0,
                         "%s: stanza %zu (%s) does not line up with libsolv's parse (%s)", path,
                         k + 1, k < sc.n ? sc.v[k].name : "-", pool_id2str(pool, s->name));
            goto out;
        }
        if (sc.v[k].priority)
            repodata_set_poolstr(data, p, kprio, sc.v[k].priority);
        if (sc.v[k].essential)
            repodata_set_void(data, p, kess);
        if (sc.v[k].size)
            repodata_set_num(data, p, SOLVABLE_DOWNLOADSIZE, sc.v[k].size);
        k++;
    }
    repodata_internalize(data);
    ret = 0;
out:
    scan_free(&sc);
    return ret;
}

int vz_repo_index_write_solv(Repo *repo, const char *path, vz_error_t *err)
{
    cleanup_atomic struct vz_atomic_file af = { 0 };
    if (vz_atomic_open(&af, path, 0644, err) < 0)
        return -1;
    int fd = dup(af.fd);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (f == NULL) {
        if (fd >= 0)
            close(fd);
        return vz_error_sys(err, "open %s", af.tmppath);
    }
    int w = repo_write(repo, f);
    if (fflush(f) != 0 || w != 0) {
        int e = errno;
        fclose(f);
        return vz_error_set(err, VZ_ESYSTEM, e, "write %s: %s", path,
                            w ? pool_errstr(repo->pool) : "flush failed");
    }
    fclose(f);
    return vz_atomic_commit(&af, err);
}

int vz_repo_index_load_solv(Repo *repo, const char *path, vz_error_t *err)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        if (errno == ENOENT)
            return 0;
        return vz_error_sys(err, "open %s", path);
    }
    int r = repo_add_solv(repo, f, 0);
    fclose(f);
    if (r != 0) {
        /* written by another libsolv version, or damaged: parse again */
        vz_warn("%s: %s; parsing the index again", path, pool_errstr(repo->pool));
        repo_empty(repo, 1);
        unlink(path);
        return 0;
    }
    return 1;
}
