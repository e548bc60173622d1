/* cache/publish.c: write verified caches and a signed index into a static
 * tree (docs/publish.md). */
#include "cache/index.h"

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cache/build_files.h"
#include "cache/export/export.h"
#include "cache/sign.h"
#include "cache/stage.h"
#include "cache/store.h"
#include "cache/streams.h"
#include "common/lock.h"

/* ---- publisher side ---- */

static int cmp_desc(const void *a, const void *b)
{
    return strcmp(*(char *const *)b, *(char *const *)a);
}

static int cmp_asc(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted names of the subdirectories of dir (not starting with '.'). */
static char **subdirs(const char *dir, bool desc)
{
    char **v = vz_xcalloc(1, sizeof(char *));
    DIR *d = opendir(dir);
    if (!d)
        return v;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        cleanup_free char *p = vz_path_join(dir, de->d_name);
        if (vz_is_dir(p))
            vz_strv_push(&v, de->d_name);
    }
    closedir(d);
    qsort(v, vz_strv_len(v), sizeof(char *), desc ? cmp_desc : cmp_asc);
    return v;
}

/* A named cache, verified before anything is written into the tree. */
struct checked {
    struct vz_cache_info *c;
    struct vz_manifest *m;
    bool init; /* has /sbin/init */
};

static int check_one(const char *name, struct checked *k, vz_error_t *err)
{
    int r = vz_cache_find(name, &k->c, err);
    if (r == 0)
        r = vz_cache_verify_signature(k->c, err);
    if (r == 0)
        r = vz_cache_verify_tarball(k->c, err);
    if (r == 0)
        r = vz_cache_manifest(k->c, &k->m, err);
    /* a template without an init is published (it runs commands), but an
     * image server offering it to something that boots it fails late */
    bool init = true;
    if (r == 0)
        r = vz_export_probe(name, &init, err);
    if (r < 0)
        return vz_error_wrap(err, "publish %s (nothing was written)", name);
    k->init = init;
    if (!init)
        vz_warn("%s: %s", name, vz_export_noinit_note);
    return 0;
}

/* Copy one verified cache into dir/NAME/ID (no-op when already there); the
 * directories it made are added to made (undone if the publish fails). */
static int publish_one(const char *dir, const char *name, const struct checked *k,
                       const struct vz_publish_opts *o, char ***published, char ***made,
                       vz_error_t *err)
{
    char *const *formats = o->formats;
    const struct vz_cache_info *c = k->c;
    const struct vz_manifest *m = k->m;
    cleanup_free char *id = vz_xasprintf("%012lld-%.12s", (long long)m->build_time, m->tar_sha256);
    cleanup_free char *ndir = vz_path_join(dir, name);
    cleanup_free char *final = vz_path_join(ndir, id);
    cleanup_free char *tmp = vz_xasprintf("%s/.%s.tmp", ndir, id);
    if (vz_is_dir(final)) {
        vz_info("%s: build %s already published", name, id);
        return 0;
    }
    int r = 0;
    if (!vz_is_dir(ndir)) {
        r = vz_mkdir_p(ndir, 0755, err);
        if (r == 0)
            vz_strv_push(made, ndir);
    }
    if (r == 0)
        r = vz_rm_rf(tmp, err);
    if (r == 0 && mkdir(tmp, 0755) < 0)
        r = vz_error_sys(err, "create %s", tmp);
    const char *srcs[] = { c->tarball, c->manifest_path, c->sig_path };
    for (int i = 0; r == 0 && i < 3; i++) {
        const char *base = strrchr(srcs[i], '/') + 1;
        cleanup_free char *dst = vz_path_join(tmp, base);
        r = vz_copy_file(srcs[i], dst, err);
    }
    if (r == 0 && formats && formats[0]) {
        json_t *res = NULL;
        r = vz_export_with(name, formats, tmp, o->xz_level, &res, err);
        json_decref(res);
    }
    if (r == 0 && o->with)
        r = vz_stage_copy_tree(o->with, tmp, err);
    /* the list that the signed index covers the exports with (and that says
     * whether the template can boot) */
    if (r == 0)
        r = vz_build_files_write(tmp, name, id, m->tar_sha256, k->init, err);
    if (r == 0 && rename(tmp, final) < 0)
        r = vz_error_sys(err, "rename %s to %s", tmp, final);
    if (r < 0) {
        vz_error_t e = NULL;
        vz_rm_rf(tmp, &e);
        vz_error_release(&e);
        return vz_error_wrap(err, "publish %s", name);
    }
    vz_strv_push(made, final);
    vz_info("%s: published build %s", name, id);
    if (published)
        vz_strv_push(published, id);
    return 0;
}

/* The outermost directory of path that does not exist yet (NULL when path
 * exists): what to remove if a publish that created the tree fails. */
static char *first_missing(const char *path)
{
    if (vz_file_exists(path))
        return NULL;
    char *cur = vz_xstrdup(path);
    for (;;) {
        char *slash = strrchr(cur, '/');
        while (slash && slash > cur && slash[1] == '\0') { /* trailing '/' */
            *slash = '\0';
            slash = strrchr(cur, '/');
        }
        if (!slash || slash == cur)
            return cur;
        *slash = '\0';
        if (vz_file_exists(cur)) {
            *slash = '/';
            return cur;
        }
    }
}

/* A publish that failed after DIR was touched: remove what it made. */
static void undo(const char *created, char **made)
{
    vz_error_t e = NULL;
    if (created) {
        if (vz_rm_rf(created, &e) < 0) {
            vz_warn("cannot remove %s: %s", created, e->msg);
            vz_error_release(&e);
        }
        return;
    }
    for (size_t i = vz_strv_len(made); i-- > 0;)
        if (vz_rm_rf(made[i], &e) < 0) {
            vz_warn("cannot remove %s: %s", made[i], e->msg);
            vz_error_release(&e);
        }
}

/* Index entry from a published build directory. */
static int read_build(const char *dir, const char *name, const char *id,
                      struct vz_index_build *b, vz_error_t *err)
{
    cleanup_free char *mp = vz_xasprintf("%s/%s/%s/%s.manifest", dir, name, id, name);
    cleanup_free char *text = NULL;
    size_t len = 0;
    if (vz_read_file(mp, &text, &len, err) < 0)
        return -1;
    struct vz_manifest *m = NULL;
    if (vz_manifest_parse(text, len, &m, err) < 0)
        return vz_error_wrap(err, "%s", mp);
    memset(b, 0, sizeof(*b));
    b->name = vz_xstrdup(name);
    b->id = vz_xstrdup(id);
    b->compress = vz_xstrdup(m->compress);
    b->tarball = vz_xasprintf("%s/%s/%s", name, id, m->tarball);
    b->manifest = vz_xasprintf("%s/%s/%s.manifest", name, id, name);
    b->signature = vz_xasprintf("%s/%s/%s.manifest.sig", name, id, name);
    b->size = m->tar_size;
    memcpy(b->sha256, m->tar_sha256, 65);
    vz_sha256_hex(text, len, b->manifest_sha256);
    b->build_time = m->build_time;
    b->packages = m->n_pkgs;
    b->signer = vz_xstrdup(m->signer);
    b->init = -1;
    /* the build's signed list of exported files, when it has one; the merge
     * or publish that made the directory checked or wrote it */
    cleanup_free char *lbase = vz_build_files_name(name);
    cleanup_free char *lrel = vz_xasprintf("%s/%s/%s", name, id, lbase);
    cleanup_free char *lp = vz_path_join(dir, lrel);
    cleanup_free char *ltext = NULL;
    size_t llen = 0;
    struct vz_build_files *l = NULL;
    int r = 0;
    if (vz_file_exists(lp)) {
        r = vz_read_file(lp, &ltext, &llen, err);
        if (r == 0 && vz_build_files_parse(ltext, llen, &l, err) < 0)
            r = vz_error_wrap(err, "%s", lp);
    }
    if (l) {
        b->files = vz_xstrdup(lrel);
        b->files_size = llen;
        vz_sha256_hex(ltext, llen, b->files_sha256);
        b->init = l->has_init ? 1 : 0;
        vz_build_files_free(l);
    }
    vz_manifest_free(m);
    if (r < 0) {
        free(b->name);
        free(b->id);
        free(b->compress);
        free(b->tarball);
        free(b->manifest);
        free(b->signature);
        free(b->signer);
    }
    return r;
}

/* The index's name: the base name of the published directory (resolved,
 * so "." and "pub/" name it too). Downloaders key replay protection by it
 * and the signer (cache/index.h). */
static char *index_name(const char *dir)
{
    cleanup_free char *real = realpath(dir, NULL);
    const char *p = real ? real : dir;
    const char *b = strrchr(p, '/');
    b = b && b[1] ? b + 1 : p;
    return vz_xstrdup(*b ? b : "/");
}

static uint64_t old_serial(const char *dir)
{
    cleanup_free char *p = vz_path_join(dir, "index.json");
    cleanup_free char *t = NULL;
    size_t len = 0;
    vz_error_t e = NULL;
    if (vz_read_file(p, &t, &len, &e) < 0) {
        vz_error_release(&e);
        return 0;
    }
    json_t *j = json_loadb(t, len, 0, NULL);
    json_int_t s = 0;
    if (!j || json_unpack(j, "{s:I}", "serial", &s) < 0)
        s = 0;
    json_decref(j);
    return s > 0 ? (uint64_t)s : 0;
}

int vz_publish(const char *dir, char *const *names, int keep, char ***published, vz_error_t *err)
{
    struct vz_publish_opts o = { keep, false, 0, NULL, NULL, NULL };
    return vz_publish_with(dir, names, &o, published, err);
}

int vz_publish_with(const char *dir, char *const *names, const struct vz_publish_opts *o,
                    char ***published, vz_error_t *err)
{
    int keep = o->keep;
    if (keep < 1)
        keep = 3;
    if (!dir || !*dir)
        return vz_error_set(err, VZ_EBADARG, 0, "publish: DIR is empty: give the directory to "
                                                "publish into");
    /* Everything that can be refused is checked before DIR is touched: the
     * caches (found, signature, tarball hash, manifest) and the signing key. */
    char **all = NULL;
    bool merging = o->from && o->from[0];
    if ((!names || !names[0]) && !merging) {
        if (vz_cache_list(&all, err) < 0)
            return -1;
        names = all;
        if (!all[0]) {
            vz_strv_free(all);
            return vz_error_set(err, VZ_ENOTEMPLATE, 0, "no caches to publish");
        }
    }
    size_t nn = names ? vz_strv_len((char **)names) : 0;
    struct checked *chk = vz_xcalloc(nn + 1, sizeof(*chk));
    int r = 0;
    for (size_t i = 0; r == 0 && i < nn; i++)
        r = check_one(names[i], &chk[i], err);
    /* the staging trees of a merge: every build checked, or none taken */
    struct vz_staged_build *staged = NULL;
    size_t ns = 0;
    for (char *const *f = o->from; r == 0 && merging && *f; f++) {
        struct vz_staged_build *s = NULL;
        size_t n = 0;
        r = vz_stage_check(*f, &s, &n, err);
        if (r < 0) {
            vz_error_wrap(err, "merge %s (nothing was written)", *f);
            break;
        }
        staged = vz_xrealloc(staged, sizeof(*staged) * (ns + n + 1));
        memcpy(staged + ns, s, sizeof(*s) * n);
        ns += n;
        free(s);
    }
    char kid[VZ_KEYID_LEN + 1];
    if (r == 0)
        r = vz_key_ensure(kid, err);
    cleanup_free char *created = r == 0 ? first_missing(dir) : NULL;
    if (r == 0 && vz_mkdir_p(dir, 0755, err) < 0)
        r = vz_error_wrap(err, "publish directory");
    /* one publisher at a time per tree: a lock on DIR itself, so that a
     * refused publish leaves no lock file behind */
    cleanup_close int lfd = -1;
    if (r == 0 && (lfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
        r = vz_error_sys(err, "open %s", dir);
    if (r == 0 && vz_flock_fd(lfd, false, false) != 0)
        r = vz_error_set(err, VZ_ELOCKED, 0, "%s: another 'vzpkg publish' is writing it", dir);
    char **made = vz_xcalloc(1, sizeof(char *));
    for (size_t i = 0; r == 0 && i < nn; i++)
        r = publish_one(dir, names[i], &chk[i], o, published, &made, err);
    for (size_t i = 0; r == 0 && i < ns; i++)
        r = vz_stage_copy(dir, &staged[i], published, &made, err);
    vz_staged_free(staged, ns);
    for (size_t i = 0; i < nn; i++) {
        vz_manifest_free(chk[i].m);
        vz_cache_info_free(chk[i].c);
    }
    free(chk);
    vz_strv_free(all);
    if (r < 0) {
        undo(created, made);
        vz_strv_free(made);
        return -1;
    }

    /* the index: every template directory, newest keep builds */
    struct vz_index ix = { .format = VZ_INDEX_FORMAT };
    char **prune = vz_xcalloc(1, sizeof(char *));
    char **tnames = subdirs(dir, false);
    for (char **t = tnames; r == 0 && *t; t++) {
        /* streams/: the simplestreams files (cache/streams.h); nightly/: the
         * nightly reports (ci/nightly); neither is a template */
        if (!vz_safe_name(*t) || !strcmp(*t, "streams") || !strcmp(*t, "nightly"))
            continue;
        cleanup_free char *td = vz_path_join(dir, *t);
        char **ids = subdirs(td, true);
        int kept = 0;
        for (char **id = ids; r == 0 && *id; id++) {
            if (kept >= keep) {
                char *p = vz_path_join(td, *id);
                vz_strv_push(&prune, p);
                free(p);
                continue;
            }
            struct vz_index_build b;
            vz_error_t e = NULL;
            if (read_build(dir, *t, *id, &b, &e) < 0) {
                vz_warn("skipping published build %s/%s: %s", *t, *id, e->msg);
                vz_error_release(&e);
                continue;
            }
            ix.builds = vz_xrealloc(ix.builds, sizeof(b) * (ix.n + 1));
            ix.builds[ix.n++] = b;
            kept++;
        }
        vz_strv_free(ids);
    }
    vz_strv_free(tnames);
    uint64_t now = (uint64_t)time(NULL), prev = old_serial(dir);
    ix.serial = prev + 1 > now ? prev + 1 : now;
    /* simplestreams before the signed index: both are complete before any
     * build directory is pruned */
    cleanup_free char *streams_index = vz_path_join(dir, "streams/v1/index.json");
    if (r == 0 && (o->simplestreams || vz_file_exists(streams_index))) {
        for (size_t i = 0; r == 0 && i < ix.n; i++)
            r = vz_streams_prepare(dir, &ix.builds[i], o->xz_level, err);
        if (r == 0)
            r = vz_streams_write(dir, &ix, (int64_t)now, err);
    }
    cleanup_free char *text = NULL, *sig = NULL;
    size_t tlen = 0, slen = 0;
    if (r == 0) {
        ix.signer = vz_xstrdup(kid);
        ix.name = index_name(dir);
        r = vz_index_serialize(&ix, &text, &tlen, err);
    }
    if (r == 0)
        r = vz_sign(text, tlen, &sig, &slen, NULL, err);
    cleanup_free char *ip = vz_path_join(dir, "index.json");
    cleanup_free char *sp = vz_path_join(dir, "index.json.sig");
    /* signature first: a client that sees the new index finds its signature */
    if (r == 0)
        r = vz_atomic_write(sp, sig, slen, 0644, err);
    if (r == 0)
        r = vz_atomic_write(ip, text, tlen, 0644, err);
    struct vz_index *heap = vz_xcalloc(1, sizeof(*heap));
    *heap = ix;
    vz_index_free(heap);
    if (r < 0)
        undo(created, made);
    vz_strv_free(made);
    /* prune only once the new index no longer names them */
    for (char **p = prune; r == 0 && *p; p++) {
        vz_error_t e = NULL;
        if (vz_rm_rf(*p, &e) < 0) {
            vz_warn("cannot prune %s: %s", *p, e->msg);
            vz_error_release(&e);
        } else {
            vz_info("pruned %s", *p);
        }
    }
    vz_strv_free(prune);
    return r;
}
