/* cache/landing_record.c: the landing record NAME.landing and rolling an
 * interrupted landing forward (docs/cache-format.md, "Landing").
 *
 * Why a record: the three files of a cache cannot be replaced by one rename,
 * and removing the old manifest first (as landing once did) loses the old
 * cache when the writer dies in between. Instead the writer writes all three
 * temps, fsyncs them, then creates NAME.landing: from that instant the new
 * cache is the committed one, and whoever holds the template lock next (the
 * writer itself, the next writer, a reader finding a dead writer's record)
 * finishes the renames. While the record exists readers do not read the
 * final names (they would see a mix): they finish or wait. */
#include "cache/store.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache/lock.h"
#include "cache/store_int.h"

char *vz_cache_landing_path(const char *dir, const char *name)
{
    return vz_xasprintf("%s/%s.landing", dir, name);
}

bool vz_cache_landing_exists(const char *dir, const char *name)
{
    cleanup_free char *p = vz_cache_landing_path(dir, name);
    struct stat st;
    return lstat(p, &st) == 0 || errno != ENOENT;
}

int vz_cache_write_synced(const char *path, const char *data, size_t len, vz_error_t *err)
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

int vz_cache_landing_record(const char *dir, const char *name, const char *ext, vz_error_t *err)
{
    cleanup_free char *p = vz_cache_landing_path(dir, name);
    cleanup_free char *tmp = vz_xasprintf("%s.tmp", p);
    cleanup_free char *text = vz_xasprintf("%s\n", ext);
    if (vz_cache_write_synced(tmp, text, strlen(text), err) < 0)
        return -1;
    if (rename(tmp, p) < 0) {
        vz_error_sys(err, "rename %s to %s", tmp, p);
        unlink(tmp);
        return -1;
    }
    return vz_fsync_dir(dir, err);
}

/* rename(from, to), where from already gone means it was renamed before. */
static int rename_if_there(const char *from, const char *to, vz_error_t *err)
{
    if (rename(from, to) == 0 || errno == ENOENT)
        return 0;
    return vz_error_sys(err, "rename %s to %s", from, to);
}

/* The compression the record names ("zst\n"), checked against the known ones. */
static int read_record(const char *dir, const char *name, char *ext, size_t extsz, vz_error_t *err)
{
    cleanup_free char *p = vz_cache_landing_path(dir, name);
    cleanup_free char *text = NULL;
    size_t len = 0;
    if (vz_read_file(p, &text, &len, err) < 0)
        return -1;
    size_t n = strcspn(text, "\n");
    text[n] = '\0';
    if (!vz_cache_valid_compress(text) || n >= extsz)
        return vz_error_set(err, VZ_ECORRUPT, 0, "landing record %s: '%.16s' is not zst, gz or xz",
                            p, text);
    memcpy(ext, text, n + 1);
    return 0;
}

int vz_cache_landing_finish(const char *dir, const char *name, const char *ext, vz_error_t *err)
{
    char rec_ext[8];
    if (ext == NULL) {
        if (read_record(dir, name, rec_ext, sizeof(rec_ext), err) < 0)
            return -1;
        ext = rec_ext;
    }
    cleanup_free char *tar = vz_xasprintf("%s/%s.tar.%s", dir, name, ext);
    cleanup_free char *tar_tmp = vz_xasprintf("%s.tmp", tar);
    cleanup_free char *sig = vz_xasprintf("%s/%s.manifest.sig", dir, name);
    cleanup_free char *sig_tmp = vz_xasprintf("%s.tmp", sig);
    cleanup_free char *man = vz_xasprintf("%s/%s.manifest", dir, name);
    cleanup_free char *man_tmp = vz_xasprintf("%s.tmp", man);
    /* The manifest goes last so that a reader that ignores the record (an
     * older vzforge) still sees the old manifest until everything is new. */
    if (rename_if_there(sig_tmp, sig, err) < 0)
        return -1;
    vz_cache_test_hook("sig-renamed");
    if (rename_if_there(tar_tmp, tar, err) < 0)
        return -1;
    vz_cache_test_hook("tarball-renamed");
    if (rename_if_there(man_tmp, man, err) < 0)
        return -1;
    if (vz_fsync_dir(dir, err) < 0)
        return -1;
    vz_cache_test_hook("manifest-renamed");
    /* a previous cache of this template with another compression */
    for (size_t i = 0; i < VZ_ARRAY_SIZE(vz_cache_exts); i++) {
        if (strcmp(vz_cache_exts[i], ext) == 0)
            continue;
        cleanup_free char *old = vz_xasprintf("%s/%s.tar.%s", dir, name, vz_cache_exts[i]);
        if (unlink(old) == 0)
            vz_debug("removed %s (replaced by %s.tar.%s)", old, name, ext);
        else if (errno != ENOENT)
            return vz_error_sys(err, "remove %s", old);
    }
    cleanup_free char *rec = vz_cache_landing_path(dir, name);
    if (unlink(rec) < 0 && errno != ENOENT)
        return vz_error_sys(err, "remove %s", rec);
    if (vz_fsync_dir(dir, err) < 0)
        return -1;
    vz_cache_test_hook("landed");
    return 0;
}

int vz_cache_landing_recover(const char *dir, const char *name, vz_error_t *err)
{
    if (!vz_cache_landing_exists(dir, name))
        return 0;
    vz_info("cache %s: finishing an interrupted landing", name);
    if (vz_cache_landing_finish(dir, name, NULL, err) < 0)
        return vz_error_wrap(err, "cache %s: finish the interrupted landing", name);
    return 0;
}

int vz_cache_landing_settle(const char *dir, const char *name, vz_error_t *err)
{
    struct vz_lock *lock cleanup_lock = NULL;
    vz_error_t lerr = NULL;
    if (vz_lock_template(name, 0, &lock, &lerr) < 0) {
        int st = lerr->status;
        if (st == VZ_ELOCKED) {
            vz_error_release(&lerr);
            return 1; /* the writer is alive and finishing: look again soon */
        }
        err[0] = lerr;
        return vz_error_wrap(err, "cache %s: an interrupted landing needs finishing, which takes "
                                  "the template lock (run 'vzpkg create-cache' or this command as root)",
                             name);
    }
    return vz_cache_landing_recover(dir, name, err);
}
