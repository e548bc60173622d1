/* cache/landing.c: writing a new cache so that tarball, manifest and
 * signature appear together or not at all (docs/cache-format.md, "Landing"). */
#include "cache/store.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache/lock.h"
#include "cache/sign.h"
#include "cache/store_int.h"


void vz_cache_test_hook(const char *stage)
{
    const char *s = getenv("VZ_TEST_KILL_AT");
    if (s && strcmp(s, stage) == 0)
        raise(SIGKILL);
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
    if (!vz_cache_valid_compress(compress))
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
        vz_mkdir_p(t->dir, 0755, err) < 0 || vz_cache_landing_recover(t->dir, name, err) < 0 ||
        vz_cache_remove_stale(name, t->dir, err) < 0) {
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

static int tmp_tar_size(struct vz_cache_txn *t, uint64_t *size, vz_error_t *err)
{
    struct stat st;
    if (stat(t->tar_tmp, &st) < 0)
        return vz_error_sys(err, "stat %s", t->tar_tmp);
    *size = (uint64_t)st.st_size;
    return 0;
}

/* Commit: temps written and fsynced, then the landing record (the commit
 * point), then the renames. The old cache stays whole and visible until the
 * record exists; from then on the new one is the cache, and a writer killed
 * in the renames is finished by whoever takes the lock next
 * (cache/landing_record.c). Readers never see neither, nor a mix. */
static int land(struct vz_cache_txn *t, const char *mtext, size_t mlen, const char *stext,
                size_t slen, vz_error_t *err)
{
    if (t->committed)
        return vz_error_set(err, VZ_EFAIL, 0, "cache %s: already committed", t->name);
    if (vz_cache_write_synced(t->man_tmp, mtext, mlen, err) < 0 ||
        vz_cache_write_synced(t->sig_tmp, stext, slen, err) < 0)
        return vz_error_wrap(err, "cache %s", t->name);
    {
        cleanup_close int fd = open(t->tar_tmp, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0 || fsync(fd) < 0)
            return vz_error_sys(err, "fsync %s", t->tar_tmp);
    }
    vz_cache_test_hook("temps-written");
    if (vz_cache_landing_record(t->dir, t->name, t->compress, err) < 0)
        return vz_error_wrap(err, "cache %s", t->name);
    /* From here the temps belong to the landing: never removed on error. */
    t->committed = true;
    vz_cache_test_hook("landing-recorded");
    if (vz_cache_landing_finish(t->dir, t->name, t->compress, err) < 0)
        return vz_error_wrap(err, "cache %s: landing (finished by the next run)", t->name);
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
