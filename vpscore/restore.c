/* vpscore/restore.c: vzrestore: an archive into a new container (dump.h),
 * in one read (vz_ct_restore_once: extracted into a staging directory while
 * verified, renamed into place once everything matched the signed
 * manifest) or, for an archive that carries its template, in a second read
 * after dump_verify.c's first (vz_ct_restore). */
#include "vpscore/dump.h"
#include "vpscore/dump-internal.h"

#include "cache/lock.h"
#include "cache/unpack.h"
#include "vpscore/create.h"
#include "vpscore/ctconf.h"
#include "vpscore/ctlist.h"
#include "vpscore/ctname.h"
#include "vpscore/userns.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct extract {
    const char *archive;
    const struct vz_dump_info *info;
    const struct vz_idmap *map; /* NULL: ids as stored (privileged) */
    int overlay;
    size_t dropped;
    /* the destination and the caller's working directory, O_PATH: entries
     * are written relative to the destination (see extract_begin) */
    int dirfd, cwdfd;
};

/* libarchive's ARCHIVE_EXTRACT_SECURE_SYMLINKS checks every component of
 * an entry's path, one openat() each: with absolute paths under a private
 * area that is ten directories for every file, and 12 openat() a file was
 * two thirds of a restore's time (strace -c). So the entries go in
 * relative to the destination: the process works in it while libarchive
 * writes (extract_one, disk_close) and is back where it was in between,
 * so no other code sees the changed working directory. real has no
 * symlinks (realpath) and sits under a 0700 directory. */
static int extract_begin(struct extract *x, const char *real, vz_error_t *err)
{
    x->dirfd = open(real, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (x->dirfd < 0)
        return vz_error_sys(err, "restore into %s", real);
    x->cwdfd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (x->cwdfd < 0)
        return vz_error_sys(err, "restore: open the working directory");
    return 0;
}

static void extract_end(struct extract *x)
{
    if (x->dirfd >= 0)
        close(x->dirfd);
    if (x->cwdfd >= 0)
        close(x->cwdfd);
    x->dirfd = x->cwdfd = -1;
}

/* Into the destination, and back; back cannot fail on an open O_PATH
 * directory the process could enter before. */
static int enter_dest(struct extract *x, vz_error_t *err)
{
    return fchdir(x->dirfd) < 0 ? vz_error_sys(err, "restore: enter the destination") : 0;
}

static void leave_dest(struct extract *x)
{
    if (fchdir(x->cwdfd) < 0)
        vz_warn("restore: cannot return to the working directory: %s", strerror(errno));
}

/* What a restore writes back: user.*, file capabilities (shifted by
 * vz_archive_shift_entry in cache/unpack.h), and trusted.overlay.* in an upper layer only. */
static int keep_xattr(const char *name, const void **val, size_t *len, void *arg)
{
    const struct extract *x = arg;
    return strncmp(name, "user.", 5) == 0 || strcmp(name, "security.capability") == 0 ||
           (x->overlay && strncmp(name, "trusted.overlay.", 16) == 0);
}

static int write_data(struct archive *a, struct archive *w, struct vz_dump_digest *d, const char *path,
                      vz_error_t *err)
{
    for (;;) {
        const void *buf;
        size_t size;
        la_int64_t off;
        int r = archive_read_data_block(a, &buf, &size, &off);
        if (r == ARCHIVE_EOF)
            return 0;
        if (r < ARCHIVE_WARN)
            return vz_dump_corrupt(a, path, err);
        vz_dump_digest_data(d, off, buf, size);
        if (archive_write_data_block(w, buf, size, off) < ARCHIVE_WARN)
            return vz_error_set(err, VZ_ESYSTEM, archive_errno(w), "restore: %s", archive_error_string(w));
    }
}

/* One files/ entry under the destination (x->dirfd: extract_begin); its digest, of
 * the entry as the archive has it, into hex. */
static int extract_one(struct extract *x, struct archive *a, struct archive *w, struct archive_entry *e,
                       char *hex, vz_error_t *err)
{
    size_t fl = strlen(VZ_DUMP_FILES);
    cleanup_free char *name = vz_xstrdup(archive_entry_pathname(e));
    struct vz_dump_digest *d = vz_dump_digest_begin(e, err); /* the entry as the manifest has it */
    if (d == NULL)
        return -1;
    cleanup_free char *to = vz_xasprintf(".%s", name + fl);
    archive_entry_copy_pathname(e, to);
    if (archive_entry_hardlink(e)) {
        cleanup_free char *hl = vz_xasprintf(".%s", archive_entry_hardlink(e) + fl);
        archive_entry_copy_hardlink(e, hl);
    }
    int r = -1, in = 0;
    if (x->map && vz_archive_shift_entry(e, x->map) < 0) {
        vz_error_set(err, VZ_ECORRUPT, 0, "%s: %s is owned by %lld:%lld, outside a container's ids", x->archive,
                     name, (long long)archive_entry_uid(e), (long long)archive_entry_gid(e));
        goto out;
    }
    vz_dump_xattrs_filter(e, keep_xattr, x, &x->dropped);
    if (enter_dest(x, err) < 0)
        goto out;
    in = 1;
    if (archive_write_header(w, e) < ARCHIVE_WARN) {
        int en = archive_errno(w);
        vz_error_set(err, en > 0 ? VZ_ESYSTEM : VZ_ECORRUPT, en > 0 ? en : 0, "restore %s: %s", name,
                     archive_error_string(w));
        goto out;
    }
    if (archive_entry_size(e) > 0 && write_data(a, w, d, x->archive, err) < 0)
        goto out;
    if (archive_write_finish_entry(w) < ARCHIVE_WARN) {
        vz_error_set(err, VZ_ESYSTEM, archive_errno(w), "restore %s: %s", name, archive_error_string(w));
        goto out;
    }
    vz_dump_digest_end(d, hex);
    d = NULL;
    r = 0;
out:
    if (in)
        leave_dest(x);
    vz_dump_digest_free(d);
    return r;
}

/* The disk writer both ways of restoring use. */
static struct archive *disk_writer(void)
{
    struct archive *w = archive_write_disk_new();
    archive_write_disk_set_options(w, ARCHIVE_EXTRACT_OWNER | ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_TIME |
                                          ARCHIVE_EXTRACT_XATTR | ARCHIVE_EXTRACT_SECURE_SYMLINKS |
                                          ARCHIVE_EXTRACT_SECURE_NODOTDOT);
    return w;
}

/* Free the writer where its deferred fix-ups (directory modes and times,
 * relative paths) belong: in the destination, never the caller's
 * working directory. */
static void disk_free(struct extract *x, struct archive *w)
{
    int in = x->dirfd >= 0 && fchdir(x->dirfd) == 0;
    archive_write_free(w);
    if (in)
        leave_dest(x);
}

/* Directory modes and times, set last; what was not restored. */
static int disk_close(struct extract *x, struct archive *w, vz_error_t *err)
{
    if (enter_dest(x, err) < 0) /* the deferred directory fix-ups name relative paths */
        return -1;
    int r = archive_write_close(w);
    leave_dest(x);
    if (r < ARCHIVE_WARN)
        return vz_error_set(err, VZ_ESYSTEM, archive_errno(w), "restore: %s", archive_error_string(w));
    if (x->dropped)
        vz_info("%s: %zu extended attribute(s) not restored (only user.*, trusted.overlay.* and file capabilities "
                "are)", x->archive, x->dropped);
    return 0;
}

/* Second pass: every entry again against the verified list, files/ into
 * dest. */
static int extract_files(struct extract *x, const char *dest, vz_error_t *err)
{
    char real[PATH_MAX];
    if (realpath(dest, real) == NULL)
        return vz_error_sys(err, "restore into %s", dest);
    if (extract_begin(x, real, err) < 0) {
        extract_end(x);
        return -1;
    }
    struct archive *a;
    if (vz_dump_open(x->archive, &a, err) < 0) {
        extract_end(x);
        return -1;
    }
    struct archive *w = disk_writer();
    int r = -1;
    for (size_t i = 0;; i++) {
        struct archive_entry *e;
        int h = archive_read_next_header(a, &e);
        if (h < ARCHIVE_WARN) {
            vz_dump_corrupt(a, x->archive, err);
            goto out;
        }
        const char *want_path = NULL;
        const char *want = h == ARCHIVE_EOF ? NULL : vz_dump_list_digest(x->info->list, i, &want_path);
        if (want == NULL) { /* the manifest: the rest was checked by the first pass */
            if (h != ARCHIVE_EOF && strcmp(archive_entry_pathname(e), VZ_DUMP_MANIFEST) == 0)
                break;
            vz_error_set(err, VZ_EVERIFY, 0, "%s changed after it was verified", x->archive);
            goto out;
        }
        if (strcmp(archive_entry_pathname(e), want_path) != 0) {
            vz_error_set(err, VZ_EVERIFY, 0, "%s: entry %zu changed after it was verified", x->archive, i);
            goto out;
        }
        char hex[VZ_SHA256_HEX_LEN + 1];
        int files = strncmp(want_path, VZ_DUMP_FILES, strlen(VZ_DUMP_FILES)) == 0;
        if (files ? extract_one(x, a, w, e, hex, err) < 0
                  : vz_dump_read_entry(a, x->archive, e, hex, NULL, NULL, err) < 0)
            goto out;
        if (strcmp(hex, want) != 0) {
            vz_error_set(err, VZ_EVERIFY, 0, "%s: %s changed after it was verified", x->archive, want_path);
            goto out;
        }
    }
    if (disk_close(x, w, err) < 0)
        goto out;
    r = 0;
out:
    disk_free(x, w);
    archive_read_free(a);
    extract_end(x);
    return r;
}

/* The archive's conf for the new container: its own paths and ids; IP
 * addresses and a NAME another container has are refused or dropped. */
static int conf_of_text(const char *ctid, const char *text, size_t len, struct vz_conf *c, vz_error_t *err)
{
    cleanup_free char *dir = vz_root_path("/etc/vz/conf");
    if (vz_mkdir_p(dir, 0755, err) < 0)
        return -1;
    cleanup_free char *tmp = vz_xasprintf("%s/.%s.conf.restore.XXXXXX", dir, ctid);
    int fd = mkstemp(tmp);
    if (fd < 0)
        return vz_error_sys(err, "mkstemp %s", tmp);
    ssize_t n = write(fd, text, len);
    close(fd);
    int r = (size_t)n == len ? vz_conf_load(c, tmp, err) : vz_error_sys(err, "write %s", tmp);
    unlink(tmp);
    return r;
}

static int new_conf(const struct vz_restore_opts *o, const struct vz_dump_info *info, const char *conf_path,
                    struct vz_conf *c, vz_error_t *err)
{
    if (conf_of_text(o->ctid, info->conf_text, info->conf_len, c, err) < 0)
        return -1;
    free(c->path);
    c->path = vz_xstrdup(conf_path);
    const char *ips = vz_conf_get(c, "IP_ADDRESS");
    cleanup_free char *copy = ips ? vz_xstrdup(ips) : NULL;
    for (char *s = NULL, *ip = copy ? strtok_r(copy, " \t", &s) : NULL; ip; ip = strtok_r(NULL, " \t", &s)) {
        if (vz_ct_ip_check_free(ip, o->ctid, err) == 0)
            continue;
        if (!o->no_ip)
            return vz_error_wrap(err, "the archive's IP_ADDRESS (restore with --no-ip to leave them out)");
        vz_error_release(err);
        vz_warn("container %s: restored without IP_ADDRESS (--no-ip)", o->ctid);
        vz_conf_unset(c, "IP_ADDRESS");
        break;
    }
    const char *name = vz_conf_get(c, "NAME");
    if (name && *name && vz_ct_name_free(name, o->ctid, err) < 0) {
        vz_warn("container %s: NAME %s left out: %s", o->ctid, name, (*err)->msg);
        vz_error_release(err);
        vz_conf_unset(c, "NAME");
    }
    return 0;
}

/* The restored container's own keys, and the conf saved (atomically: the
 * container exists from then on). */
static int save_conf(struct vz_conf *c, const char *root, const char *priv, const struct vz_dump_info *info,
                     const char *lower, const struct vz_idmap *map, vz_error_t *err)
{
    vz_conf_set(c, "VE_ROOT", root);
    vz_conf_set(c, "VE_PRIVATE", priv);
    vz_conf_set(c, "VE_LAYOUT", info->layout);
    if (lower)
        vz_conf_set(c, "VE_LOWERDIR", lower);
    else
        vz_conf_unset(c, "VE_LOWERDIR");
    if (map->enabled) {
        char id[16];
        snprintf(id, sizeof(id), "%u", map->uid);
        vz_conf_set(c, "LOCAL_UID", id);
        snprintf(id, sizeof(id), "%u", map->gid);
        vz_conf_set(c, "LOCAL_GID", id);
        vz_conf_unset(c, "PRIVILEGED");
    } else {
        vz_conf_set(c, "PRIVILEGED", "yes");
        vz_conf_unset(c, "LOCAL_UID");
        vz_conf_unset(c, "LOCAL_GID");
    }
    return vz_conf_save(c, err);
}

/* The template tree an overlay archive stands on: the exact build. */
static int template_tree(const struct vz_dump_info *info, const struct vz_cache_info *cache,
                         struct vz_lock **tree_lock, char **lower, vz_error_t *err)
{
    if (cache == NULL || strcmp(cache->tar_sha256, info->template_sha256) != 0)
        return vz_error_set(err, VZ_ENOTEMPLATE, 0, "the container stands on template %s build %.12s, %s",
                            info->ostemplate, info->template_sha256,
                            cache ? "but this host's cache of it is another build (restore the dump made "
                                    "with --full, or download that build)"
                                  : "which this host does not have");
    int reused = 0;
    if (vz_lock_tree(cache->name, true, -1, tree_lock, err) < 0 ||
        vz_ct_template_tree(cache, vz_unpack_verified, lower, &reused, err) < 0)
        return -1;
    return 0;
}

static int check_absent(const char *ctid, const char *conf_path, const char *priv, vz_error_t *err)
{
    if (vz_file_exists(conf_path))
        return vz_error_set(err, VZ_EPRIVATEEXISTS, 0, "container %s already exists (%s)", ctid, conf_path);
    cleanup_free char *marker = vz_path_join(priv, VZ_CREATE_MARKER);
    if (vz_file_exists(priv) && !vz_file_exists(marker))
        return vz_error_set(err, VZ_EPRIVATEEXISTS, 0, "private area %s already exists", priv);
    if (vz_file_exists(priv)) { /* the remains of an interrupted create or restore: ours to redo */
        vz_warn("container %s: removing the remains of an interrupted create in %s", ctid, priv);
        return vz_rm_rf(priv, err);
    }
    return 0;
}

static int do_restore(const struct vz_restore_opts *o, const struct vz_dump_info *info,
                      const struct vz_cache_info *cache, char **made_priv, vz_error_t *err)
{
    int overlay = strcmp(info->layout, "overlay") == 0;
    cleanup_free char *conf_path = vz_ct_conf_path(o->ctid);
    cleanup_free char *priv = o->private_dir ? vz_ct_expand(o->private_dir, o->ctid) : vz_ct_default_private(o->ctid);
    cleanup_free char *root = o->root_dir ? vz_ct_expand(o->root_dir, o->ctid) : vz_ct_default_root(o->ctid);
    cleanup_free char *lower = NULL, *parent = vz_xstrdup(priv), *marker = vz_path_join(priv, VZ_CREATE_MARKER);
    cleanup_free char *dest = overlay ? vz_path_join(priv, "upper") : vz_xstrdup(priv);
    struct vz_lock *tree_lock cleanup_lock = NULL, *ids_lock cleanup_lock = NULL;
    struct vz_idmap map = { 0 };
    struct vz_conf c = { 0 };
    int r = -1;
    if (check_absent(o->ctid, conf_path, priv, err) < 0)
        return -1;
    if (overlay && template_tree(info, cache, &tree_lock, &lower, err) < 0)
        return -1;
    if (new_conf(o, info, conf_path, &c, err) < 0)
        goto out;
    char *slash = strrchr(parent, '/');
    if (slash && slash != parent)
        *slash = '\0';
    if (vz_mkdir_p(parent, 0700, err) < 0 || vz_ct_secure_parent(priv, err) < 0)
        goto out;
    if (!info->privileged && vz_userns_alloc(o->ctid, &map, &ids_lock, err) < 0)
        goto out;
    if (mkdir(priv, 0700) < 0) {
        vz_error_sys(err, "mkdir %s", priv);
        goto out;
    }
    *made_priv = vz_xstrdup(priv);
    if (vz_atomic_write(marker, "", 0, 0600, err) < 0)
        goto out;
    if (overlay) {
        cleanup_free char *work = vz_path_join(priv, "work");
        if (mkdir(dest, 0755) < 0 || mkdir(work, 0700) < 0) {
            vz_error_sys(err, "mkdir %s/{upper,work}", priv);
            goto out;
        }
    }
    struct extract x = { .archive = o->archive, .info = info, .map = map.enabled ? &map : NULL, .overlay = overlay,
                         .dirfd = -1, .cwdfd = -1 };
    if (extract_files(&x, dest, err) < 0)
        goto out;
    if (!overlay && chmod(dest, 0755) < 0) { /* the runtime's mount point mode, as create leaves it */
        vz_error_sys(err, "chmod %s", dest);
        goto out;
    }
    if (save_conf(&c, root, priv, info, lower, &map, err) < 0) /* the container now exists */
        goto out;
    unlink(marker);
    free(*made_priv);
    *made_priv = NULL;
    r = 0;
out:
    vz_conf_release(&c);
    return r;
}

int vz_ct_restore(const struct vz_restore_opts *o, const struct vz_dump_info *info,
                  const struct vz_cache_info *cache, vz_error_t *err)
{
    if (vz_ctid_check(o->ctid, err) < 0)
        return -1;
    if (o->private_dir && o->private_dir[0] != '/')
        return vz_error_set(err, VZ_EBADARG, 0, "--private %s: must be an absolute path", o->private_dir);
    if (o->root_dir && o->root_dir[0] != '/')
        return vz_error_set(err, VZ_EBADARG, 0, "--root %s: must be an absolute path", o->root_dir);
    cleanup_close int lock = -1;
    if (vz_ct_lock(o->ctid, &lock, err) < 0)
        return -1;
    char *made = NULL;
    int r = do_restore(o, info, cache, &made, err);
    if (r < 0 && made) { /* all or nothing */
        vz_error_t e = NULL;
        if (vz_rm_rf(made, &e) < 0) {
            vz_warn("cannot remove %s after a failed restore: %s", made, e->msg);
            vz_error_release(&e);
        }
    }
    free(made);
    if (r < 0)
        return vz_error_wrap(err, "restore container %s", o->ctid);
    return 0;
}

/* ---- one read: extract while verifying, into a staging directory ---- */

struct once {
    const struct vz_restore_opts *o;
    char *priv, *staging, *dest;
    char real[PATH_MAX];
    int overlay, privileged; /* what the (not yet verified) conf says */
    struct vz_idmap map;
    struct vz_lock *ids_lock;
    struct archive *w;
    struct extract x;
};

/* The first entry, the container's conf: the layout and ids it says decide
 * where and how the files go; the manifest must say the same (checked
 * after). The staging directory is a sibling of the private area, 0700
 * under its 0700 parent: no container and no host user sees it. */
static int once_conf(void *arg, const char *text, size_t len, vz_error_t *err)
{
    struct once *s = arg;
    struct vz_conf c = { 0 };
    if (conf_of_text(s->o->ctid, text, len, &c, err) < 0)
        return -1;
    const char *layout = vz_conf_get(&c, "VE_LAYOUT"), *priv = vz_conf_get(&c, "PRIVILEGED");
    s->overlay = layout && strcmp(layout, "overlay") == 0;
    s->privileged = priv && strcmp(priv, "yes") == 0;
    vz_conf_release(&c);
    cleanup_free char *parent = vz_xstrdup(s->priv);
    char *slash = strrchr(parent, '/');
    if (slash && slash != parent)
        *slash = '\0';
    if (vz_mkdir_p(parent, 0700, err) < 0 || vz_ct_secure_parent(s->priv, err) < 0)
        return -1;
    s->staging = vz_xasprintf("%s/.%s.restore.XXXXXX", parent, s->o->ctid);
    if (mkdtemp(s->staging) == NULL) {
        int e = errno;
        free(s->staging);
        s->staging = NULL;
        return vz_error_set(err, VZ_ESYSTEM, e, "restore: staging directory in %s", parent);
    }
    cleanup_free char *marker = vz_path_join(s->staging, VZ_CREATE_MARKER);
    if (vz_atomic_write(marker, "", 0, 0600, err) < 0)
        return -1;
    s->dest = s->overlay ? vz_path_join(s->staging, "upper") : vz_xstrdup(s->staging);
    if (s->overlay) {
        cleanup_free char *work = vz_path_join(s->staging, "work");
        if (mkdir(s->dest, 0755) < 0 || mkdir(work, 0700) < 0)
            return vz_error_sys(err, "mkdir %s/{upper,work}", s->staging);
    }
    if (!s->privileged && vz_userns_alloc(s->o->ctid, &s->map, &s->ids_lock, err) < 0)
        return -1;
    if (realpath(s->dest, s->real) == NULL)
        return vz_error_sys(err, "restore into %s", s->dest);
    if (extract_begin(&s->x, s->real, err) < 0)
        return -1;
    s->x.map = s->map.enabled ? &s->map : NULL;
    s->x.overlay = s->overlay;
    s->w = disk_writer();
    return 0;
}

static int once_files(void *arg, struct archive *a, struct archive_entry *e, char *hex, vz_error_t *err)
{
    struct once *s = arg;
    if (s->w == NULL) /* no conf entry first: the verifier refuses that before */
        return vz_error_set(err, VZ_ECORRUPT, 0, "%s: files before the conf", s->o->archive);
    int link = archive_entry_hardlink(e) != NULL;
    if (extract_one(&s->x, a, s->w, e, hex, err) == 0)
        return 0;
    /* a hard link has no data: it fails only when it names no file
     * extracted before it, which the two reads refuse as corrupt */
    if (link && (*err)->status == VZ_ESYSTEM)
        (*err)->status = VZ_ECORRUPT;
    return -1;
}

static int once_finish(struct once *s, const struct vz_dump_info *info, vz_restore_tmpl_fn *tmpl, vz_error_t *err)
{
    if (disk_close(&s->x, s->w, err) < 0)
        return -1;
    if (s->overlay != (strcmp(info->layout, "overlay") == 0) || s->privileged != info->privileged)
        return vz_error_set(err, VZ_EVERIFY, 0, "%s: the conf's layout or ids differ from the signed manifest's",
                            s->o->archive);
    struct vz_cache_info *cache = NULL;
    struct vz_lock *tree_lock cleanup_lock = NULL;
    cleanup_free char *lower = NULL;
    struct vz_conf c = { 0 };
    cleanup_free char *conf_path = vz_ct_conf_path(s->o->ctid);
    cleanup_free char *root = s->o->root_dir ? vz_ct_expand(s->o->root_dir, s->o->ctid)
                                             : vz_ct_default_root(s->o->ctid);
    cleanup_free char *marker = vz_path_join(s->priv, VZ_CREATE_MARKER);
    int r = -1;
    if (tmpl(s->o->archive, info, &cache, err) < 0 ||
        (s->overlay && template_tree(info, cache, &tree_lock, &lower, err) < 0) ||
        new_conf(s->o, info, conf_path, &c, err) < 0)
        goto out;
    if (!s->overlay && chmod(s->dest, 0755) < 0) { /* the runtime's mount point mode, as create leaves it */
        vz_error_sys(err, "chmod %s", s->dest);
        goto out;
    }
    if (check_absent(s->o->ctid, conf_path, s->priv, err) < 0)
        goto out;
    if (rename(s->staging, s->priv) < 0) { /* verified: now it may have its name */
        vz_error_sys(err, "rename %s to %s", s->staging, s->priv);
        goto out;
    }
    free(s->staging);
    s->staging = vz_xstrdup(s->priv); /* removed on failure from here on */
    if (save_conf(&c, root, s->priv, info, lower, &s->map, err) < 0)
        goto out;
    unlink(marker);
    r = 0;
out:
    vz_conf_release(&c);
    vz_cache_info_free(cache);
    return r;
}

int vz_ct_restore_once(const struct vz_restore_opts *o, struct vz_dump_info *info, vz_restore_tmpl_fn *tmpl,
                       vz_error_t *err)
{
    if (vz_ctid_check(o->ctid, err) < 0)
        return -1;
    if ((o->private_dir && o->private_dir[0] != '/') || (o->root_dir && o->root_dir[0] != '/'))
        return vz_error_set(err, VZ_EBADARG, 0, "--private/--root %s: must be an absolute path",
                            o->private_dir && o->private_dir[0] != '/' ? o->private_dir : o->root_dir);
    cleanup_close int lock = -1;
    if (vz_ct_lock(o->ctid, &lock, err) < 0)
        return -1;
    struct once s = { .o = o, .x = { .dirfd = -1, .cwdfd = -1 } };
    s.x.archive = o->archive;
    s.priv = o->private_dir ? vz_ct_expand(o->private_dir, o->ctid) : vz_ct_default_private(o->ctid);
    cleanup_free char *conf_path = vz_ct_conf_path(o->ctid);
    int r = check_absent(o->ctid, conf_path, s.priv, err);
    if (r == 0) {
        struct vz_dump_hooks hk = { .conf = once_conf, .files = once_files, .arg = &s };
        r = vz_dump_verify_hooked(o->archive, info, &hk, err);
        if (r == 0) {
            if (once_finish(&s, info, tmpl, err) < 0) {
                vz_dump_info_release(info);
                r = -1;
            }
        }
    }
    if (s.w)
        disk_free(&s.x, s.w);
    extract_end(&s.x);
    if (r != 0 && s.staging) { /* all or nothing: nothing of it was the container yet */
        vz_error_t e = NULL;
        if (vz_rm_rf(s.staging, &e) < 0) {
            vz_warn("cannot remove %s after a failed restore: %s", s.staging, e->msg);
            vz_error_release(&e);
        }
    }
    vz_lock_release(s.ids_lock);
    free(s.staging);
    free(s.dest);
    free(s.priv);
    if (r < 0)
        return vz_error_wrap(err, "restore container %s", o->ctid);
    return r;
}
