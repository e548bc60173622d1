/* tmplbuild/download.c: verified download of a published cache. */
#include "tmplbuild/download.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "cache/index.h"
#include "cache/manifest.h"
#include "cache/sign.h"
#include "cache/store.h"
#include "tmplbuild/download_int.h"
#include "tmplbuild/fetch.h"

/* Directory part of a URL, with the trailing slash. */
static char *url_dir(const char *url)
{
    const char *s = strrchr(url, '/');
    return s ? vz_xasprintf("%.*s", (int)(s - url + 1), url) : vz_xstrdup("");
}

/* Fetch a small file into b, refused beyond max bytes, by the deadline. */
static int fetch_text(const char *url, struct vz_buf *b, size_t max, double deadline,
                      vz_error_t *err)
{
    vz_buf_reset(b);
    struct vz_fetch_opts fo = { .deadline = deadline, .min_rate = VZ_DOWNLOAD_MIN_RATE,
                                .max_bytes = max };
    if (vz_fetch_to_buf_opts(url, b, NULL, &fo, err) < 0)
        return -1;
    return 0;
}

/* What we know about the build to fetch, after the checks. */
struct target {
    char *name;
    char *base;       /* URL directory holding the three files */
    char *compress;
    char sha256[65];
    uint64_t size;
    struct vz_buf manifest, sig;
    double deadline; /* vz_now() time the whole download must end by */
};

static void target_release(struct target *t)
{
    free(t->name);
    free(t->base);
    free(t->compress);
    vz_buf_release(&t->manifest);
    vz_buf_release(&t->sig);
}

/* Fetch and check manifest + signature at t->base. */
static int check_manifest(struct target *t, const char *want_msha, bool insecure, vz_error_t *err)
{
    cleanup_free char *mu = vz_xasprintf("%s%s.manifest", t->base, t->name);
    cleanup_free char *su = vz_xasprintf("%s%s.manifest.sig", t->base, t->name);
    if (fetch_text(mu, &t->manifest, VZ_DOWNLOAD_MAX_INDEX, t->deadline, err) < 0 ||
        fetch_text(su, &t->sig, VZ_DOWNLOAD_MAX_SIG, t->deadline, err) < 0)
        return -1;
    if (want_msha) {
        char hex[65];
        vz_sha256_hex(t->manifest.data, t->manifest.len, hex);
        if (strcmp(hex, want_msha) != 0)
            return vz_error_set(err, VZ_EVERIFY, 0,
                                "manifest %s has sha256 %s, the signed index says %s (modified)",
                                mu, hex, want_msha);
    }
    if (insecure)
        vz_warn("WARNING: --insecure: the signature of manifest %s is NOT checked", mu);
    else if (vz_verify(t->manifest.data, t->manifest.len, t->sig.data, t->sig.len, NULL, err) < 0) {
        vz_error_restatus(err, VZ_EVERIFY);
        return vz_error_wrap(err, "manifest %s", mu);
    }
    struct vz_manifest *m = NULL;
    if (vz_manifest_parse(t->manifest.data, t->manifest.len, &m, err) < 0)
        return vz_error_wrap(err, "%s", mu);
    int r = 0;
    cleanup_free char *want_tar = vz_xasprintf("%s.tar.%s", t->name, m->compress);
    if (strcmp(m->template_name, t->name) != 0)
        r = vz_error_set(err, VZ_EVERIFY, 0, "manifest %s is for template %s, not %s", mu,
                         m->template_name, t->name);
    else if (strcmp(m->tarball, want_tar) != 0)
        r = vz_error_set(err, VZ_EVERIFY, 0, "manifest %s names tarball %s, expected %s", mu,
                         m->tarball, want_tar);
    else if (t->compress && strcmp(t->compress, m->compress) != 0)
        r = vz_error_set(err, VZ_EVERIFY, 0, "manifest %s: compression %s, the index says %s", mu,
                         m->compress, t->compress);
    else if (t->sha256[0] && (strcmp(t->sha256, m->tar_sha256) != 0 || t->size != m->tar_size))
        r = vz_error_set(err, VZ_EVERIFY, 0,
                         "manifest %s: tarball sha256/size differ from the signed index's", mu);
    if (r == 0) {
        free(t->compress);
        t->compress = vz_xstrdup(m->compress);
        memcpy(t->sha256, m->tar_sha256, 65);
        t->size = m->tar_size;
    }
    vz_manifest_free(m);
    return r;
}

int vz_download_index(const struct vz_download_opts *o, double deadline, char **url,
                      struct vz_index **out, vz_error_t *err)
{
    char *iu = vz_download_index_url(o);
    if (!iu)
        return vz_error_set(err, VZ_EUSAGE, 0,
                            "no index to download from: pass --index URL or set INDEX_URL in "
                            "vz.conf");
    cleanup_free char *su = vz_xasprintf("%s.sig", iu);
    struct vz_buf it = VZ_BUF_INIT, st = VZ_BUF_INIT;
    vz_buf_init(&it);
    vz_buf_init(&st);
    int r = -1;
    /* a publisher replaces index.json and its .sig one after the other: a
     * mismatch may be that window, so look once more before refusing */
    for (int attempt = 0; attempt < 2; attempt++) {
        vz_error_release(err);
        if (fetch_text(iu, &it, VZ_DOWNLOAD_MAX_INDEX, deadline, err) < 0 ||
            fetch_text(su, &st, VZ_DOWNLOAD_MAX_SIG, deadline, err) < 0)
            break;
        r = vz_index_accept(iu, it.data, it.len, st.data, st.len, o->insecure, out, err);
        if (r == 0 || !strstr((*err)->msg, "bad signature"))
            break;
        usleep(200000);
    }
    vz_buf_release(&it);
    vz_buf_release(&st);
    if (r < 0) {
        free(iu);
        return -1;
    }
    *url = iu;
    return 0;
}

int vz_download_text(const char *url, struct vz_buf *b, size_t max, double deadline,
                     vz_error_t *err)
{
    return fetch_text(url, b, max, deadline, err);
}

char *vz_download_url_dir(const char *url)
{
    return url_dir(url);
}

static int from_index(const char *name, const struct vz_download_opts *o, struct target *t,
                      vz_error_t *err)
{
    cleanup_free char *iu = vz_download_index_url(o);
    if (!iu)
        return vz_error_set(err, VZ_EUSAGE, 0,
                            "no index to download %s from: pass --index URL or set INDEX_URL in "
                            "vz.conf", name);
    free(iu);
    iu = NULL;
    struct vz_index *ix = NULL;
    if (vz_download_index(o, t->deadline, &iu, &ix, err) < 0)
        return -1;
    const struct vz_index_build *b = vz_index_latest(ix, name);
    if (!b) {
        struct vz_buf have = VZ_BUF_INIT;
        vz_buf_init(&have);
        for (size_t i = 0; i < ix->n; i++)
            if (i == 0 || strcmp(ix->builds[i].name, ix->builds[i - 1].name))
                vz_buf_addf(&have, "%s%s", have.len ? ", " : "", ix->builds[i].name);
        vz_error_set(err, VZ_ENOTEMPLATE, 0, "template %s is not in index %s (it has: %s)", name,
                     iu, have.len ? have.data : "nothing");
        vz_buf_release(&have);
        vz_index_free(ix);
        return -1;
    }
    cleanup_free char *dir = url_dir(iu);
    t->name = vz_xstrdup(name);
    t->base = vz_xasprintf("%s%s/%s/", dir, name, b->id);
    t->compress = vz_xstrdup(b->compress);
    memcpy(t->sha256, b->sha256, 65);
    t->size = b->size;
    char msha[65];
    memcpy(msha, b->manifest_sha256, 65);
    vz_index_free(ix);
    return check_manifest(t, msha, o->insecure, err);
}

static int from_url(const char *url, const struct vz_download_opts *o, struct target *t,
                    vz_error_t *err)
{
    const char *base = strrchr(url, '/') ? strrchr(url, '/') + 1 : url;
    const char *exts[] = { ".tar.zst", ".tar.gz", ".tar.xz" };
    for (size_t i = 0; i < 3; i++)
        if (vz_str_ends_with(base, exts[i])) {
            t->name = vz_xasprintf("%.*s", (int)(strlen(base) - strlen(exts[i])), base);
            t->compress = vz_xstrdup(exts[i] + 5);
        }
    if (!t->name || !vz_safe_name(t->name))
        return vz_error_set(err, VZ_EBADARG, 0,
                            "%s: expected the URL of a cache tarball NAME.tar.zst (or .gz, .xz)",
                            url);
    t->base = url_dir(url);
    return check_manifest(t, NULL, o->insecure, err);
}

static int wrap_error(vz_error_t *err, const char *what, int timeout_s)
{
    if ((*err)->status == VZ_ETIMEOUT)
        return vz_error_wrap(err, "download %s: gave up after --timeout %d s", what, timeout_s);
    return vz_error_wrap(err, "download %s", what);
}

/* Is the local cache of t->name already this build? */
static bool already_current(const struct target *t)
{
    struct vz_cache_info *c = NULL;
    vz_error_t e = NULL;
    bool same = false;
    if (vz_cache_find(t->name, &c, &e) == 0)
        same = c->manifest_len == t->manifest.len &&
               memcmp(c->manifest_json, t->manifest.data, t->manifest.len) == 0 &&
               vz_cache_verify_tarball(c, &e) == 0;
    vz_error_release(&e);
    vz_cache_info_free(c);
    return same;
}

int vz_download(const char *what, const struct vz_download_opts *o, char **name, vz_error_t *err)
{
    struct vz_download_opts defaults = { NULL, false, 0, 0, -1, 0 };
    if (!o)
        o = &defaults;
    int timeout_s = o->timeout_s > 0 ? o->timeout_s : VZ_DOWNLOAD_DEFAULT_TIMEOUT;
    struct target t;
    memset(&t, 0, sizeof(t));
    t.deadline = vz_now() + timeout_s;
    vz_buf_init(&t.manifest);
    vz_buf_init(&t.sig);
    bool is_url = strstr(what, "://") != NULL;
    int r = is_url ? from_url(what, o, &t, err) : from_index(what, o, &t, err);
    if (r < 0) {
        target_release(&t);
        return wrap_error(err, what, timeout_s);
    }
    if (already_current(&t)) {
        vz_info("%s: the local cache is already this build", t.name);
        if (name)
            *name = vz_xstrdup(t.name);
        target_release(&t);
        return 1;
    }
    struct vz_cache_txn *txn = NULL;
    cleanup_free char *tmpdir = vz_template_path("tmp");
    cleanup_free char *dest = vz_xasprintf("%s/download-%s", tmpdir, t.sha256);
    cleanup_free char *url = vz_xasprintf("%s%s.tar.%s", t.base, t.name, t.compress);
    r = vz_mkdir_p(tmpdir, 0700, err);
    /* the lock wait is part of the deadline too */
    int left = (int)(t.deadline - vz_now());
    int lock_s = left < 1 ? 1 : left;
    if (o->lock_timeout_s >= 0 && o->lock_timeout_s < lock_s)
        lock_s = o->lock_timeout_s;
    if (r == 0)
        r = vz_cache_begin(t.name, t.compress, lock_s, &txn, err);
    /* another download of the same template may have landed it while we
     * waited for the template lock */
    if (r == 0 && already_current(&t)) {
        vz_info("%s: landed by another process meanwhile", t.name);
        vz_cache_txn_free(txn);
        if (name)
            *name = vz_xstrdup(t.name);
        target_release(&t);
        return 1;
    }
    if (r == 0) {
        char *urls[] = { url, NULL };
        struct vz_fetch_item item = { urls, dest, t.sha256, (int64_t)t.size, t.name };
        struct vz_fetch_opts fo = { .jobs = 1, .retries = o->retries, .stage = "download",
                                    .backoff_ms = o->backoff_ms, .deadline = t.deadline,
                                    .min_rate = VZ_DOWNLOAD_MIN_RATE };
        r = vz_fetch_many(&item, 1, &fo, err);
    }
    /* the fetched file is verified; hand it to the transaction */
    if (r == 0 && rename(dest, vz_cache_txn_tar_tmppath(txn)) < 0)
        r = vz_error_sys(err, "rename %s", dest);
    if (r == 0)
        r = vz_cache_commit_signed(txn, t.manifest.data, t.manifest.len, t.sig.data, t.sig.len,
                                   err);
    if (r < 0)
        unlink(dest); /* verified but not landed: nothing stays behind */
    vz_cache_txn_free(txn);
    if (r == 0 && name)
        *name = vz_xstrdup(t.name);
    target_release(&t);
    if (r < 0)
        return wrap_error(err, what, timeout_s);
    return 0;
}
