/* cache/store.c: template caches on disk: find, verify, list, remove.
 * Landing new caches is cache/landing.c. */
#include "cache/store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache/lock.h"
#include "cache/sign.h"
#include "cache/store_int.h"

const char *const vz_cache_exts[3] = { "zst", "gz", "xz" };

/* Same manifest file as when it was read? Inode numbers can be reused at
 * once by a new file, so the change time and size are compared too. */
static bool same_file(const struct stat *a, const struct stat *b)
{
    return a->st_ino == b->st_ino && a->st_dev == b->st_dev && a->st_size == b->st_size &&
           a->st_ctim.tv_sec == b->st_ctim.tv_sec && a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

bool vz_cache_valid_compress(const char *c)
{
    for (size_t i = 0; i < VZ_ARRAY_SIZE(vz_cache_exts); i++)
        if (strcmp(c, vz_cache_exts[i]) == 0)
            return true;
    return false;
}

int vz_fsync_dir(const char *dir, vz_error_t *err)
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
    free(c->manifest_st);
    free(c);
}

int vz_cache_open_tarball(const struct vz_cache_info *c, int *fd, vz_error_t *err)
{
    int f = open(c->tarball, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (f < 0)
        return vz_error_sys(err, "cache %s: open %s", c->name, c->tarball);
    struct stat now, tst;
    /* A writer records its landing before it touches the tarball and
     * replaces the manifest before it removes the record: no record and an
     * unchanged manifest prove the file we opened is the one it signs. */
    cleanup_free char *dir = vz_xstrdup(c->manifest_path);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    if (c->manifest_st &&
        (stat(c->manifest_path, &now) < 0 || !same_file(&now, c->manifest_st) ||
         vz_cache_landing_exists(slash ? dir : ".", c->name))) {
        close(f);
        return vz_error_set(err, VZ_ELOCKED, 0,
                            "cache %s was replaced while being opened; look it up again", c->name);
    }
    if (fstat(f, &tst) < 0 || (uint64_t)tst.st_size != c->tar_size) {
        close(f);
        return vz_error_set(err, VZ_EVERIFY, 0,
                            "cache %s: tarball %s is %llu bytes, the manifest says %llu "
                            "(truncated or modified)", c->name, c->tarball,
                            (unsigned long long)tst.st_size, (unsigned long long)c->tar_size);
    }
    *fd = f;
    return 0;
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

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* NAME.tar.{zst,gz,xz} in dir while NAME has no manifest and no landing
 * is under way: a tarball dropped in by hand. Allocated path, or NULL. */
static char *unadopted(const char *dir, const char *name)
{
    cleanup_free char *mpath = vz_xasprintf("%s/%s.manifest", dir, name);
    if (vz_file_exists(mpath) || vz_cache_landing_exists(dir, name))
        return NULL;
    for (size_t i = 0; i < VZ_ARRAY_SIZE(vz_cache_exts); i++) {
        char *t = vz_xasprintf("%s/%s.tar.%s", dir, name, vz_cache_exts[i]);
        struct stat st;
        if (stat(t, &st) == 0 && S_ISREG(st.st_mode))
            return t;
        free(t);
    }
    return NULL;
}

char *vz_cache_unadopted(const char *name)
{
    if (!vz_safe_name(name))
        return NULL;
    cleanup_free char *dir = vz_template_path("cache");
    return unadopted(dir, name);
}

/* The name an entry of the cache directory stands for, or NULL. */
typedef char *(*pick_fn)(const char *dir, const char *entry);

/* Every name pick finds in the cache directory, sorted, each once. */
static int scan_cache_dir(char ***names, pick_fn pick, vz_error_t *err)
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
        cleanup_free char *n = pick(dir, de->d_name);
        if (n)
            vz_strv_push(&v, n);
    }
    size_t n = vz_strv_len(v), k = 0;
    qsort(v, n, sizeof(char *), cmp_str);
    for (size_t i = 0; i < n; i++) {
        if (k && strcmp(v[k - 1], v[i]) == 0)
            free(v[i]);
        else
            v[k++] = v[i];
    }
    v[k] = NULL;
    *names = v;
    return 0;
}

/* NAME of "NAME.manifest". */
static char *pick_manifest(const char *dir, const char *entry)
{
    (void)dir;
    size_t l = strlen(entry), sl = strlen(".manifest");
    if (l <= sl || strcmp(entry + l - sl, ".manifest") != 0)
        return NULL;
    char *n = vz_xasprintf("%.*s", (int)(l - sl), entry);
    if (vz_safe_name(n))
        return n;
    free(n);
    return NULL;
}

/* NAME of an unadopted "NAME.tar.EXT". */
static char *pick_unadopted(const char *dir, const char *entry)
{
    for (size_t i = 0; i < VZ_ARRAY_SIZE(vz_cache_exts); i++) {
        cleanup_free char *suf = vz_xasprintf(".tar.%s", vz_cache_exts[i]);
        size_t l = strlen(entry), sl = strlen(suf);
        if (l <= sl || strcmp(entry + l - sl, suf) != 0)
            continue;
        char *n = vz_xasprintf("%.*s", (int)(l - sl), entry);
        cleanup_free char *t = vz_safe_name(n) ? unadopted(dir, n) : NULL;
        if (t)
            return n;
        free(n);
    }
    return NULL;
}

int vz_cache_list_unadopted(char ***names, vz_error_t *err)
{
    return scan_cache_dir(names, pick_unadopted, err);
}

/* One consistent look at NAME's three files. 1 = retry (a writer landed a
 * new cache while we looked), 0 = done, -1 = error. */
static int find_once(const char *name, const char *dir, struct vz_cache_info **out,
                     vz_error_t *err)
{
    cleanup_free char *mpath = vz_xasprintf("%s/%s.manifest", dir, name);
    cleanup_free char *spath = vz_xasprintf("%s/%s.manifest.sig", dir, name);
    cleanup_close int mfd = open(mpath, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (mfd < 0 && errno == ENOENT) {
        cleanup_free char *dropped = unadopted(dir, name);
        if (dropped)
            return vz_error_set(err, VZ_ENOTEMPLATE, 0,
                                "%s has no signed manifest (a cache dropped in by hand?): adopt it with "
                                "'vzpkg import %s --name %s', which checks it and makes it a signed cache",
                                dropped, dropped, name);
        return vz_error_set(err, VZ_ENOTEMPLATE, 0,
                            "no cache of template %s in %s (build it with 'vzpkg create-cache %s' "
                            "or fetch it with 'vzpkg download %s')", name, dir, name, name);
    }
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
    /* Did a writer start landing or replace the manifest while we read?
     * Then the signature or tarball we saw may belong to another build: look
     * again. (The record is made before the first rename and removed after
     * the manifest's, so a landing that overlapped our reads shows as one
     * or the other.) */
    struct stat now;
    if (stat(mpath, &now) < 0 || !same_file(&now, &mst) || vz_cache_landing_exists(dir, name)) {
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
    if (strcmp(m->tarball, want) != 0 || !vz_cache_valid_compress(m->compress)) {
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
    c->manifest_st = vz_xmalloc(sizeof(struct stat));
    memcpy(c->manifest_st, &mst, sizeof(mst));
    vz_manifest_free(m);
    *out = c;
    return 0;
}

int vz_cache_find(const char *name, struct vz_cache_info **out, vz_error_t *err)
{
    if (!vz_safe_name(name))
        return vz_error_set(err, VZ_EBADARG, 0, "'%s' is not a valid template name", name);
    cleanup_free char *dir = vz_template_path("cache");
    /* A live writer's landing (renames and fsyncs) is short; a dead one's
     * is finished here. 3000 looks of 10 ms bound the wait for a landing. */
    int changed = 0;
    for (int attempt = 0; attempt < 3000 && changed < 20; attempt++) {
        int r = 0;
        if (vz_cache_landing_exists(dir, name))
            r = vz_cache_landing_settle(dir, name, err);
        if (r == 0) {
            r = find_once(name, dir, out, err);
            changed += r == 1;
        }
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
    char sid[VZ_KEYID_LEN + 1] = "";
    vz_sig_key_id(sig, slen, sid, err); /* parsed fine above */
    if (strcmp(m->template_name, c->name) != 0)
        r = vz_error_set(err, VZ_EVERIFY, 0,
                         "cache %s: the signed manifest is for template %s (files renamed?)",
                         c->name, m->template_name);
    else if (strcmp(m->signer, sid) != 0)
        r = vz_error_set(err, VZ_EVERIFY, 0,
                         "cache %s: the manifest names signer %s but is signed by key %s",
                         c->name, m->signer, sid);
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

int vz_cache_list(char ***names, vz_error_t *err)
{
    return scan_cache_dir(names, pick_manifest, err);
}

static int cmp_file(const void *a, const void *b)
{
    return strcmp(((const struct vz_cache_file *)a)->name, ((const struct vz_cache_file *)b)->name);
}

struct vz_cache_file *vz_cache_tarballs(size_t *n)
{
    cleanup_free char *dir = vz_template_path("cache");
    struct vz_cache_file *c = NULL;
    *n = 0;
    for (size_t s = 0; s < VZ_ARRAY_SIZE(vz_cache_exts); s++) {
        cleanup_dir DIR *d = opendir(dir);
        if (d == NULL)
            return c;
        cleanup_free char *suffix = vz_xasprintf(".tar.%s", vz_cache_exts[s]);
        struct dirent *de;
        while ((de = readdir(d)) != NULL) {
            if (de->d_name[0] == '.' || !vz_str_ends_with(de->d_name, suffix))
                continue;
            cleanup_free char *name =
                vz_xasprintf("%.*s", (int)(strlen(de->d_name) - strlen(suffix)), de->d_name);
            bool dup = false;
            for (size_t i = 0; i < *n; i++)
                dup |= strcmp(c[i].name, name) == 0;
            if (dup)
                continue;
            c = vz_xrealloc(c, (*n + 1) * sizeof(*c));
            c[(*n)++] = (struct vz_cache_file){ get_and_reset(&name), vz_path_join(dir, de->d_name) };
        }
    }
    if (*n)
        qsort(c, *n, sizeof(*c), cmp_file);
    return c;
}

void vz_cache_files_free(struct vz_cache_file *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].name);
        free(v[i].path);
    }
    free(v);
}

/* Files that belong to NAME but are not part of a visible cache: temps of
 * an interrupted writer, and (when there is no manifest) the remains of an
 * interrupted landing. Called with the template lock held, after
 * vz_cache_landing_recover() (the temps of a recorded landing are the new
 * cache, not leftovers). */
int vz_cache_remove_stale(const char *name, const char *dir, vz_error_t *err)
{
    cleanup_free char *mpath = vz_xasprintf("%s/%s.manifest", dir, name);
    bool visible = vz_file_exists(mpath);
    char **paths = vz_xcalloc(1, sizeof(char *));
    for (size_t i = 0; i < VZ_ARRAY_SIZE(vz_cache_exts); i++) {
        cleanup_free char *a = vz_xasprintf("%s/%s.tar.%s.tmp", dir, name, vz_cache_exts[i]);
        cleanup_free char *b = vz_xasprintf("%s/%s.tar.%s.tmp.part", dir, name, vz_cache_exts[i]);
        cleanup_free char *c = vz_xasprintf("%s/%s.tar.%s", dir, name, vz_cache_exts[i]);
        vz_strv_push(&paths, a);
        vz_strv_push(&paths, b);
        if (!visible)
            vz_strv_push(&paths, c);
    }
    cleanup_free char *lt = vz_xasprintf("%s/%s.landing.tmp", dir, name);
    vz_strv_push(&paths, lt);
    cleanup_free char *mt = vz_xasprintf("%s/%s.manifest.tmp", dir, name);
    cleanup_free char *st = vz_xasprintf("%s/%s.manifest.sig.tmp", dir, name);
    cleanup_free char *sg = vz_xasprintf("%s/%s.manifest.sig", dir, name);
    vz_strv_push(&paths, mt);
    vz_strv_push(&paths, st);
    if (!visible)
        vz_strv_push(&paths, sg);
    int r = 0;
    for (char **p = paths; *p; p++) {
        /* A tarball or signature without a manifest is not a temp: it
         * may be an OpenVZ cache copied in by hand. Say so when it goes. */
        bool temp = vz_str_ends_with(*p, ".tmp") || vz_str_ends_with(*p, ".part");
        if (unlink(*p) == 0) {
            if (temp)
                vz_debug("removed stale %s", *p);
            else
                vz_warn("removed %s: it had no %s.manifest, so it was no vzforge cache (a tarball "
                        "copied in by hand? `vzpkg import FILE --name NAME` adopts one)", *p, name);
        } else if (errno != ENOENT) {
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
    if (vz_cache_landing_recover(dir, name, err) < 0)
        return -1;
    if (unlink(mpath) == 0)
        had = true;
    else if (errno != ENOENT)
        return vz_error_sys(err, "remove %s", mpath);
    if (had && vz_fsync_dir(dir, err) < 0)
        return -1;
    /* with the manifest gone, everything else is stale */
    for (size_t i = 0; !had && i < VZ_ARRAY_SIZE(vz_cache_exts); i++) {
        cleanup_free char *t = vz_xasprintf("%s/%s.tar.%s", dir, name, vz_cache_exts[i]);
        had = vz_file_exists(t);
    }
    if (vz_cache_remove_stale(name, dir, err) < 0)
        return -1;
    if (!had)
        return vz_error_set(err, VZ_ENOTEMPLATE, 0, "no cache of template %s in %s", name, dir);
    return 0;
}
