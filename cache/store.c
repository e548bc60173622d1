/* cache/store.c: template caches on disk: find, verify, list, remove, and
 * the landing protocol that makes tarball, manifest and signature appear
 * together (docs/cache-format.md, "Landing"). */
#include "cache/store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache/lock.h"
#include "cache/sign.h"

static const char *const exts[] = { "zst", "gz", "xz" };

void vz_cache_test_hook(const char *stage)
{
    const char *s = getenv("VZ_TEST_KILL_AT");
    if (s && strcmp(s, stage) == 0)
        raise(SIGKILL);
}

static bool valid_compress(const char *c)
{
    for (size_t i = 0; i < VZ_ARRAY_SIZE(exts); i++)
        if (strcmp(c, exts[i]) == 0)
            return true;
    return false;
}

static int fsync_dir(const char *dir, vz_error_t *err)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return vz_error_sys(err, "open %s", dir);
    int r = fsync(fd);
    int e = errno;
    close(fd);
    if (r < 0) {
        errno = e;
        return vz_error_sys(err, "fsync %s", dir);
    }
    return 0;
}

void vz_cache_info_free(struct vz_cache_info *c)
{
    if (!c)
        return;
    free(c->name);
    free(c->tarball);
    free(c->compress);
    free(c->manifest_path);
    free(c->sig_path);
    free(c->manifest_json);
    free(c->sig_text);
    free(c);
}

/* Read a whole open file. */
static int read_fd(int fd, const char *path, char **out, size_t *len, vz_error_t *err)
{
    struct vz_buf b = VZ_BUF_INIT;
    vz_buf_init(&b);
    char tmp[8192];
    for (;;) {
        ssize_t n = read(fd, tmp, sizeof(tmp));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            vz_buf_release(&b);
            return vz_error_sys(err, "read %s", path);
        }
        if (n == 0)
            break;
        vz_buf_add(&b, tmp, (size_t)n);
    }
    *out = vz_buf_detach(&b, len);
    return 0;
}

/* One consistent look at NAME's three files. 1 = retry (a writer landed a
 * new cache while we looked), 0 = done, -1 = error. */
static int find_once(const char *name, const char *dir, struct vz_cache_info **out,
                     vz_error_t *err)
{
    cleanup_free char *mpath = vz_xasprintf("%s/%s.manifest", dir, name);
    cleanup_free char *spath = vz_xasprintf("%s/%s.manifest.sig", dir, name);
    cleanup_close int mfd = open(mpath, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (mfd < 0 && errno == ENOENT)
        return vz_error_set(err, VZ_ENOTEMPLATE, 0,
                            "no cache of template %s in %s (build it with 'vzpkg create-cache %s' "
                            "or fetch it with 'vzpkg download %s')", name, dir, name, name);
    if (mfd < 0)
        return vz_error_sys(err, "open %s", mpath);
    struct stat mst;
    if (fstat(mfd, &mst) < 0)
        return vz_error_sys(err, "stat %s", mpath);
    cleanup_free char *mtext = NULL, *stext = NULL;
    size_t mlen = 0, slen = 0;
    if (read_fd(mfd, mpath, &mtext, &mlen, err) < 0)
        return -1;
    vz_error_t e = NULL;
    int sr = vz_read_file(spath, &stext, &slen, &e);
    struct vz_manifest *m = NULL;
    int pr = vz_manifest_parse(mtext, mlen, &m, err);
    cleanup_free char *tpath = NULL;
    struct stat tst;
    int tr = -1;
    if (pr == 0) {
        tpath = vz_path_join(dir, m->tarball);
        tr = stat(tpath, &tst);
    }
    /* Did a writer replace the manifest while we read? Then the signature
     * or tarball we saw may belong to another build: look again. */
    struct stat now;
    if (stat(mpath, &now) < 0 || now.st_ino != mst.st_ino || now.st_dev != mst.st_dev) {
        vz_error_release(&e);
        vz_error_release(err);
        vz_manifest_free(m);
        return 1;
    }
    if (pr < 0) {
        vz_error_release(&e);
        return vz_error_wrap(err, "cache %s: %s", name, mpath);
    }
    cleanup_free char *want = vz_xasprintf("%s.tar.%s", name, m->compress);
    if (strcmp(m->tarball, want) != 0 || !valid_compress(m->compress)) {
        vz_error_release(&e);
        vz_error_set(err, VZ_ECORRUPT, 0, "cache %s: manifest names tarball '%s', expected '%s'",
                     name, m->tarball, want);
        vz_manifest_free(m);
        return -1;
    }
    if (sr < 0) {
        int en = e->errnum;
        vz_manifest_free(m);
        vz_error_release(&e);
        return vz_error_set(err, VZ_ECORRUPT, en, "cache %s: signature %s", name, spath);
    }
    if (tr < 0) {
        int en = errno;
        vz_manifest_free(m);
        return vz_error_set(err, VZ_ECORRUPT, en, "cache %s: tarball %s", name, tpath);
    }
    struct vz_cache_info *c = vz_xcalloc(1, sizeof(*c));
    c->name = vz_xstrdup(name);
    c->tarball = get_and_reset(&tpath);
    c->compress = vz_xstrdup(m->compress);
    c->manifest_path = get_and_reset(&mpath);
    c->sig_path = get_and_reset(&spath);
    memcpy(c->tar_sha256, m->tar_sha256, sizeof(c->tar_sha256));
    c->tar_size = m->tar_size;
    c->manifest_json = get_and_reset(&mtext);
    c->manifest_len = mlen;
    c->sig_text = get_and_reset(&stext);
    c->sig_len = slen;
    vz_manifest_free(m);
    *out = c;
    return 0;
}

int vz_cache_find(const char *name, struct vz_cache_info **out, vz_error_t *err)
{
    if (!vz_safe_name(name))
        return vz_error_set(err, VZ_EBADARG, 0, "'%s' is not a valid template name", name);
    cleanup_free char *dir = vz_template_path("cache");
    for (int attempt = 0; attempt < 20; attempt++) {
        int r = find_once(name, dir, out, err);
        if (r <= 0)
            return r;
        usleep(10000);
    }
    return vz_error_set(err, VZ_ELOCKED, 0, "cache %s keeps changing while being read; try again",
                        name);
}

int vz_cache_manifest(const struct vz_cache_info *c, struct vz_manifest **out, vz_error_t *err)
{
    if (vz_manifest_parse(c->manifest_json, c->manifest_len ? c->manifest_len
                                                           : strlen(c->manifest_json),
                          out, err) < 0)
        return vz_error_wrap(err, "cache %s", c->name);
    return 0;
}

int vz_cache_verify_signature(const struct vz_cache_info *c, vz_error_t *err)
{
    size_t mlen = c->manifest_len ? c->manifest_len : strlen(c->manifest_json);
    cleanup_free char *stext = NULL;
    const char *sig = c->sig_text;
    size_t slen = c->sig_len;
    if (!sig) {
        if (vz_read_file(c->sig_path, &stext, &slen, err) < 0)
            return vz_error_wrap(err, "cache %s: signature", c->name);
        sig = stext;
    }
    if (vz_verify(c->manifest_json, mlen, sig, slen, NULL, err) < 0) {
        vz_error_restatus(err, VZ_EVERIFY);
        return vz_error_wrap(err, "cache %s: manifest signature (%s)", c->name, c->sig_path);
    }
    struct vz_manifest *m = NULL;
    if (vz_manifest_parse(c->manifest_json, mlen, &m, err) < 0)
        return vz_error_wrap(err, "cache %s", c->name);
    int r = 0;
    if (strcmp(m->template_name, c->name) != 0)
        r = vz_error_set(err, VZ_EVERIFY, 0,
                         "cache %s: the signed manifest is for template %s (files renamed?)",
                         c->name, m->template_name);
    else if (strcmp(m->tar_sha256, c->tar_sha256) != 0 || m->tar_size != c->tar_size)
        r = vz_error_set(err, VZ_EVERIFY, 0, "cache %s: tarball hash differs from the manifest's",
                         c->name);
    vz_manifest_free(m);
    return r;
}

int vz_cache_verify_tarball(const struct vz_cache_info *c, vz_error_t *err)
{
    char hex[VZ_SHA256_HEX_LEN + 1];
    uint64_t size = 0;
    if (vz_sha256_file(c->tarball, hex, &size, err) < 0)
        return vz_error_wrap(err, "cache %s: tarball", c->name);
    if (size != c->tar_size)
        return vz_error_set(err, VZ_EVERIFY, 0,
                            "cache %s: tarball %s is %llu bytes, the manifest says %llu "
                            "(truncated or modified)", c->name, c->tarball,
                            (unsigned long long)size, (unsigned long long)c->tar_size);
    if (strcmp(hex, c->tar_sha256) != 0)
        return vz_error_set(err, VZ_EVERIFY, 0,
                            "cache %s: tarball %s has sha256 %s, the manifest says %s (modified)",
                            c->name, c->tarball, hex, c->tar_sha256);
    return 0;
}

int vz_cache_verify(const char *name, char *signer, vz_error_t *err)
{
    struct vz_cache_info *c = NULL;
    if (vz_cache_find(name, &c, err) < 0)
        return -1;
    int r = vz_cache_verify_signature(c, err);
    if (r == 0)
        r = vz_cache_verify_tarball(c, err);
    if (r == 0 && signer)
        r = vz_sig_key_id(c->sig_text, c->sig_len, signer, err);
    vz_cache_info_free(c);
    return r;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int vz_cache_list(char ***names, vz_error_t *err)
{
    cleanup_free char *dir = vz_template_path("cache");
    char **v = vz_xcalloc(1, sizeof(char *));
    cleanup_dir DIR *d = opendir(dir);
    if (!d && errno != ENOENT) {
        vz_strv_free(v);
        return vz_error_sys(err, "open %s", dir);
    }
    struct dirent *de;
    while (d && (de = readdir(d))) {
        size_t l = strlen(de->d_name);
        const char *suf = ".manifest";
        size_t sl = strlen(suf);
        if (l <= sl || strcmp(de->d_name + l - sl, suf) != 0)
            continue;
        cleanup_free char *n = vz_xstrdup(de->d_name);
        n[l - sl] = '\0';
        if (vz_safe_name(n))
            vz_strv_push(&v, n);
    }
    qsort(v, vz_strv_len(v), sizeof(char *), cmp_str);
    *names = v;
    return 0;
}

/* Files that belong to NAME but are not part of a visible cache: temps of
 * an interrupted writer, and (when there is no manifest) the remains of an
 * interrupted landing. Called with the template lock held. */
static int remove_stale(const char *name, const char *dir, vz_error_t *err)
{
    cleanup_free char *mpath = vz_xasprintf("%s/%s.manifest", dir, name);
    bool visible = vz_file_exists(mpath);
    char **paths = vz_xcalloc(1, sizeof(char *));
    for (size_t i = 0; i < VZ_ARRAY_SIZE(exts); i++) {
        cleanup_free char *a = vz_xasprintf("%s/%s.tar.%s.tmp", dir, name, exts[i]);
        cleanup_free char *b = vz_xasprintf("%s/%s.tar.%s.tmp.part", dir, name, exts[i]);
        cleanup_free char *c = vz_xasprintf("%s/%s.tar.%s", dir, name, exts[i]);
        vz_strv_push(&paths, a);
        vz_strv_push(&paths, b);
        if (!visible)
            vz_strv_push(&paths, c);
    }
    cleanup_free char *mt = vz_xasprintf("%s/%s.manifest.tmp", dir, name);
    cleanup_free char *st = vz_xasprintf("%s/%s.manifest.sig.tmp", dir, name);
    cleanup_free char *sg = vz_xasprintf("%s/%s.manifest.sig", dir, name);
    vz_strv_push(&paths, mt);
    vz_strv_push(&paths, st);
    if (!visible)
        vz_strv_push(&paths, sg);
    int r = 0;
    for (char **p = paths; *p; p++) {
        if (unlink(*p) == 0)
            vz_debug("removed stale %s", *p);
        else if (errno != ENOENT) {
            r = vz_error_sys(err, "remove stale %s", *p);
            break;
        }
    }
    vz_strv_free(paths);
    return r;
}

int vz_cache_remove(const char *name, int lock_timeout_s, vz_error_t *err)
{
    if (!vz_safe_name(name))
        return vz_error_set(err, VZ_EBADARG, 0, "'%s' is not a valid template name", name);
    struct vz_lock *lock cleanup_lock = NULL;
    if (vz_lock_template(name, lock_timeout_s, &lock, err) < 0)
        return -1;
    cleanup_free char *dir = vz_template_path("cache");
    cleanup_free char *mpath = vz_xasprintf("%s/%s.manifest", dir, name);
    bool had = false;
    if (unlink(mpath) == 0)
        had = true;
    else if (errno != ENOENT)
        return vz_error_sys(err, "remove %s", mpath);
    if (had && fsync_dir(dir, err) < 0)
        return -1;
    /* with the manifest gone, everything else is stale */
    for (size_t i = 0; !had && i < VZ_ARRAY_SIZE(exts); i++) {
        cleanup_free char *t = vz_xasprintf("%s/%s.tar.%s", dir, name, exts[i]);
        had = vz_file_exists(t);
    }
    if (remove_stale(name, dir, err) < 0)
        return -1;
    if (!had)
        return vz_error_set(err, VZ_ENOTEMPLATE, 0, "no cache of template %s in %s", name, dir);
    return 0;
}

struct vz_cache_txn {
    char *name;
    char *compress;
    char *dir;
    char *tarname;   /* NAME.tar.EXT */
    char *tar_tmp;
    char *tar_final;
    char *man_tmp, *man_final;
    char *sig_tmp, *sig_final;
    int fd;
    bool committed;
    struct vz_lock *lock;
};

void vz_cache_txn_free(struct vz_cache_txn *t)
{
    if (!t)
        return;
    if (t->fd >= 0)
        close(t->fd);
    if (!t->committed) {
        unlink(t->tar_tmp);
        cleanup_free char *part = vz_xasprintf("%s.part", t->tar_tmp);
        unlink(part);
        unlink(t->man_tmp);
        unlink(t->sig_tmp);
    }
    vz_lock_release(t->lock);
    free(t->name);
    free(t->compress);
    free(t->dir);
    free(t->tarname);
    free(t->tar_tmp);
    free(t->tar_final);
    free(t->man_tmp);
    free(t->man_final);
    free(t->sig_tmp);
    free(t->sig_final);
    free(t);
}

int vz_cache_begin(const char *name, const char *compress, int lock_timeout_s,
                   struct vz_cache_txn **out, vz_error_t *err)
{
    if (!vz_safe_name(name))
        return vz_error_set(err, VZ_EBADARG, 0, "'%s' is not a valid template name", name);
    if (!compress)
        compress = "zst";
    if (!valid_compress(compress))
        return vz_error_set(err, VZ_EBADARG, 0, "compression '%s': expected zst, gz or xz",
                            compress);
    struct vz_cache_txn *t = vz_xcalloc(1, sizeof(*t));
    t->fd = -1;
    t->committed = false;
    t->name = vz_xstrdup(name);
    t->compress = vz_xstrdup(compress);
    t->dir = vz_template_path("cache");
    t->tarname = vz_xasprintf("%s.tar.%s", name, compress);
    t->tar_final = vz_path_join(t->dir, t->tarname);
    t->tar_tmp = vz_xasprintf("%s.tmp", t->tar_final);
    t->man_final = vz_xasprintf("%s/%s.manifest", t->dir, name);
    t->man_tmp = vz_xasprintf("%s.tmp", t->man_final);
    t->sig_final = vz_xasprintf("%s/%s.manifest.sig", t->dir, name);
    t->sig_tmp = vz_xasprintf("%s.tmp", t->sig_final);
    if (vz_lock_template(name, lock_timeout_s, &t->lock, err) < 0 ||
        vz_mkdir_p(t->dir, 0755, err) < 0 || remove_stale(name, t->dir, err) < 0) {
        t->committed = true; /* nothing of ours to remove */
        vz_cache_txn_free(t);
        return -1;
    }
    t->fd = open(t->tar_tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (t->fd < 0) {
        vz_error_sys(err, "create %s", t->tar_tmp);
        vz_cache_txn_free(t);
        return -1;
    }
    vz_cache_test_hook("begun");
    *out = t;
    return 0;
}

int vz_cache_txn_fd(const struct vz_cache_txn *t)
{
    return t->fd;
}

const char *vz_cache_txn_tar_tmppath(const struct vz_cache_txn *t)
{
    return t->tar_tmp;
}

const char *vz_cache_txn_tarball_name(const struct vz_cache_txn *t)
{
    return t->tarname;
}

static int write_synced(const char *path, const char *data, size_t len, vz_error_t *err)
{
    cleanup_close int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0)
        return vz_error_sys(err, "create %s", path);
    size_t off = 0;
    while (off < len) {
        ssize_t n = write(fd, data + off, len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return vz_error_sys(err, "write %s", path);
        off += (size_t)n;
    }
    if (fsync(fd) < 0)
        return vz_error_sys(err, "fsync %s", path);
    return 0;
}

static int tmp_tar_size(struct vz_cache_txn *t, uint64_t *size, vz_error_t *err)
{
    struct stat st;
    if (stat(t->tar_tmp, &st) < 0)
        return vz_error_sys(err, "stat %s", t->tar_tmp);
    *size = (uint64_t)st.st_size;
    return 0;
}

/* The renames. Readers treat the manifest as the commit point: it is
 * removed first and renamed into place last. */
static int land(struct vz_cache_txn *t, const char *mtext, size_t mlen, const char *stext,
                size_t slen, vz_error_t *err)
{
    if (t->committed)
        return vz_error_set(err, VZ_EFAIL, 0, "cache %s: already committed", t->name);
    if (write_synced(t->man_tmp, mtext, mlen, err) < 0 ||
        write_synced(t->sig_tmp, stext, slen, err) < 0)
        return vz_error_wrap(err, "cache %s", t->name);
    {
        cleanup_close int fd = open(t->tar_tmp, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0 || fsync(fd) < 0)
            return vz_error_sys(err, "fsync %s", t->tar_tmp);
    }
    vz_cache_test_hook("temps-written");
    if (unlink(t->man_final) == 0) {
        if (fsync_dir(t->dir, err) < 0)
            return -1;
        vz_cache_test_hook("old-manifest-removed");
    } else if (errno != ENOENT) {
        return vz_error_sys(err, "remove old %s", t->man_final);
    }
    if (rename(t->tar_tmp, t->tar_final) < 0)
        return vz_error_sys(err, "rename %s to %s", t->tar_tmp, t->tar_final);
    vz_cache_test_hook("tarball-renamed");
    if (rename(t->sig_tmp, t->sig_final) < 0)
        return vz_error_sys(err, "rename %s to %s", t->sig_tmp, t->sig_final);
    vz_cache_test_hook("sig-renamed");
    if (fsync_dir(t->dir, err) < 0)
        return -1;
    if (rename(t->man_tmp, t->man_final) < 0)
        return vz_error_sys(err, "rename %s to %s", t->man_tmp, t->man_final);
    t->committed = true;
    if (fsync_dir(t->dir, err) < 0)
        return -1;
    /* a previous cache of this template with another compression */
    for (size_t i = 0; i < VZ_ARRAY_SIZE(exts); i++) {
        if (strcmp(exts[i], t->compress) == 0)
            continue;
        cleanup_free char *old = vz_xasprintf("%s/%s.tar.%s", t->dir, t->name, exts[i]);
        if (unlink(old) == 0)
            vz_debug("removed %s (replaced by %s)", old, t->tarname);
    }
    return 0;
}

int vz_cache_commit(struct vz_cache_txn *t, struct vz_manifest *m, vz_error_t *err)
{
    if (t->fd >= 0 && fsync(t->fd) < 0)
        return vz_error_sys(err, "fsync %s", t->tar_tmp);
    vz_cache_test_hook("packed");
    uint64_t size = 0;
    if (tmp_tar_size(t, &size, err) < 0)
        return -1;
    if (size != m->tar_size)
        return vz_error_set(err, VZ_EFAIL, 0,
                            "cache %s: %s holds %llu bytes but the manifest says %llu",
                            t->name, t->tar_tmp, (unsigned long long)size,
                            (unsigned long long)m->tar_size);
    char id[VZ_KEYID_LEN + 1];
    if (vz_key_ensure(id, err) < 0)
        return vz_error_wrap(err, "cache %s", t->name);
    free(m->tarball);
    m->tarball = vz_xstrdup(t->tarname);
    free(m->compress);
    m->compress = vz_xstrdup(t->compress);
    free(m->signer);
    m->signer = vz_xstrdup(id);
    if (strcmp(m->template_name, t->name) != 0)
        return vz_error_set(err, VZ_EFAIL, 0, "cache %s: manifest is for template %s", t->name,
                            m->template_name);
    cleanup_free char *text = NULL, *sig = NULL;
    size_t tlen = 0, slen = 0;
    if (vz_manifest_serialize(m, &text, &tlen, err) < 0 ||
        vz_sign(text, tlen, &sig, &slen, NULL, err) < 0)
        return vz_error_wrap(err, "cache %s", t->name);
    return land(t, text, tlen, sig, slen, err);
}

int vz_cache_commit_signed(struct vz_cache_txn *t, const char *manifest, size_t mlen,
                           const char *sig, size_t slen, vz_error_t *err)
{
    struct vz_manifest *m = NULL;
    if (vz_manifest_parse(manifest, mlen, &m, err) < 0)
        return -1;
    int r = 0;
    uint64_t size = 0;
    if (strcmp(m->template_name, t->name) != 0)
        r = vz_error_set(err, VZ_EVERIFY, 0, "manifest is for template %s, not %s",
                         m->template_name, t->name);
    else if (strcmp(m->tarball, t->tarname) != 0)
        r = vz_error_set(err, VZ_EVERIFY, 0, "manifest names tarball %s, expected %s",
                         m->tarball, t->tarname);
    else if ((r = tmp_tar_size(t, &size, err)) == 0 && size != m->tar_size)
        r = vz_error_set(err, VZ_EVERIFY, 0, "tarball is %llu bytes, the manifest says %llu",
                         (unsigned long long)size, (unsigned long long)m->tar_size);
    vz_manifest_free(m);
    if (r < 0)
        return r;
    return land(t, manifest, mlen, sig, slen, err);
}
