/* vpscore/dump.c: vzdump: one container into one signed archive
 * (vpscore/dump.h). */
#include "vpscore/dump.h"
#include "vpscore/dump-internal.h"

#include "cache/sign.h"
#include "vpscore/ctconf.h"
#include "vpscore/runtime.h"
#include "vpscore/snapshot.h"
#include "vpscore/userns.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define COPY_BLOCK (256u * 1024u)

int vz_dump_mode_parse(const char *s, enum vz_dump_mode *m, vz_error_t *err)
{
    if (strcmp(s, "stop") == 0)
        *m = VZ_DUMP_STOP;
    else if (strcmp(s, "suspend") == 0)
        *m = VZ_DUMP_SUSPEND;
    else if (strcmp(s, "snapshot") == 0)
        *m = VZ_DUMP_SNAPSHOT;
    else
        return vz_error_set(err, VZ_EBADARG, 0, "--mode %s: use stop, suspend or snapshot", s);
    return 0;
}

static const char *mode_name(enum vz_dump_mode m)
{
    return m == VZ_DUMP_STOP ? "stop" : m == VZ_DUMP_SUSPEND ? "suspend" : "snapshot";
}

void vz_dump_result_release(struct vz_dump_result *r)
{
    free(r->archive);
    r->archive = NULL;
}

/* The archive being written and its manifest so far. */
struct writer {
    struct archive *a;
    json_t *entries;           /* [[path, digest], ...] in archive order */
    const struct vz_idmap *map;
    unsigned char *buf;
    uint64_t file_bytes;
    size_t skipped_dev, skipped_sock, overflow_ids, dropped_xattrs;
};

static int write_fail(struct writer *w, vz_error_t *err)
{
    return vz_error_set(err, VZ_ESYSTEM, archive_errno(w->a) > 0 ? archive_errno(w->a) : 0, "write archive: %s",
                        archive_error_string(w->a));
}

/* Header with its digest; the digest is finished by the caller once the
 * data went through it. */
static int put_header(struct writer *w, struct archive_entry *e, struct vz_dump_digest **d, vz_error_t *err)
{
    *d = vz_dump_digest_begin(e, err);
    if (*d == NULL)
        return -1;
    if (archive_write_header(w->a, e) < ARCHIVE_WARN) {
        vz_dump_digest_free(*d);
        *d = NULL;
        return write_fail(w, err);
    }
    return 0;
}

static void put_digest(struct writer *w, const char *path, struct vz_dump_digest *d)
{
    char hex[VZ_SHA256_HEX_LEN + 1];
    vz_dump_digest_end(d, hex);
    json_array_append_new(w->entries, json_pack("[s,s]", path, hex));
}

static int put_mem(struct writer *w, const char *path, const void *data, size_t len, vz_error_t *err)
{
    struct archive_entry *e = archive_entry_new();
    archive_entry_set_pathname(e, path);
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0600);
    archive_entry_set_size(e, (la_int64_t)len);
    archive_entry_set_mtime(e, time(NULL), 0);
    struct vz_dump_digest *d = NULL;
    int r = put_header(w, e, &d, err);
    archive_entry_free(e);
    if (r < 0)
        return -1;
    vz_dump_digest_data(d, 0, data, len);
    if (len && archive_write_data(w->a, data, len) != (la_ssize_t)len) {
        vz_dump_digest_free(d);
        return write_fail(w, err);
    }
    put_digest(w, path, d);
    return 0;
}

/* A file from the disk (the template cache with --full). */
static int put_file(struct writer *w, const char *path, const char *src, vz_error_t *err)
{
    cleanup_close int fd = open(src, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0)
        return vz_error_sys(err, "open %s", src);
    struct archive_entry *e = archive_entry_new();
    archive_entry_set_pathname(e, path);
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_size(e, st.st_size);
    archive_entry_set_mtime(e, st.st_mtime, 0);
    struct vz_dump_digest *d = NULL;
    int r = put_header(w, e, &d, err);
    archive_entry_free(e);
    if (r < 0)
        return -1;
    int64_t off = 0;
    for (;;) {
        ssize_t n = read(fd, w->buf, COPY_BLOCK);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            vz_dump_digest_free(d);
            return vz_error_sys(err, "read %s", src);
        }
        if (n == 0)
            break;
        vz_dump_digest_data(d, off, w->buf, (size_t)n);
        if (archive_write_data(w->a, w->buf, (size_t)n) != n) {
            vz_dump_digest_free(d);
            return write_fail(w, err);
        }
        off += n;
    }
    if (off != st.st_size) {
        vz_dump_digest_free(d);
        return vz_error_set(err, VZ_ESYSTEM, 0, "%s changed size while it was copied", src);
    }
    put_digest(w, path, d);
    return 0;
}

/* VFS capability revision 3 (root id at byte 20) as revision 2 for an
 * archive: dropped when it is for another namespace's root than the
 * container's. */
static int caps_unshift(const void *val, size_t len, uint32_t root, unsigned char out[20])
{
    const unsigned char *p = val;
    uint32_t magic = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    if (len == 20 && (magic & 0xFF000000u) == 0x02000000u) {
        memcpy(out, p, 20);
        return 0;
    }
    if (len != 24 || (magic & 0xFF000000u) != 0x03000000u)
        return -1;
    uint32_t rid = (uint32_t)p[20] | (uint32_t)p[21] << 8 | (uint32_t)p[22] << 16 | (uint32_t)p[23] << 24;
    if (rid != root)
        return -1;
    memcpy(out, p, 20);
    out[3] = 0x02;
    return 0;
}

/* xattrs kept: user.*, trusted.overlay.* (overlay's whiteouts, opaque
 * directories) and file capabilities; POSIX ACLs and security labels are
 * the host's business (docs/backup.md). */
struct caps_arg {
    uint32_t root;
    unsigned char cap[20];
};

static int keep_xattr(const char *name, const void **val, size_t *len, void *arg)
{
    struct caps_arg *c = arg;
    if (strcmp(name, "security.capability") == 0) {
        if (caps_unshift(*val, *len, c->root, c->cap) < 0)
            return 0;
        *val = c->cap;
        *len = sizeof(c->cap);
        return 1;
    }
    return strncmp(name, "user.", 5) == 0 || strncmp(name, "trusted.overlay.", 16) == 0;
}

static void filter_xattrs(struct writer *w, struct archive_entry *e)
{
    struct caps_arg c = { .root = w->map->enabled ? w->map->uid : 0 };
    vz_dump_xattrs_filter(e, keep_xattr, &c, &w->dropped_xattrs);
}

/* Host ids of the container's range as the container sees them; an id
 * outside it (nothing the container itself could make) becomes the
 * overflow id 65534, as the kernel shows it inside. */
static int64_t unshift_id(struct writer *w, int64_t id, uint32_t base)
{
    if (!w->map->enabled)
        return id;
    if (id >= (int64_t)base && id < (int64_t)base + VZ_USERNS_SIZE)
        return id - base;
    w->overflow_ids++;
    return 65534;
}

static int copy_disk_data(struct writer *w, struct archive *disk, struct vz_dump_digest *d, const char *path,
                          vz_error_t *err)
{
    int64_t progress = 0;
    for (;;) {
        const void *buf;
        size_t size;
        la_int64_t off;
        int r = archive_read_data_block(disk, &buf, &size, &off);
        if (r == ARCHIVE_EOF)
            return 0;
        if (r < ARCHIVE_WARN)
            return vz_error_set(err, VZ_ESYSTEM, archive_errno(disk), "read %s: %s", path,
                                archive_error_string(disk));
        /* holes: the pax writer drops the zeros its sparse map covers */
        if (off > progress)
            memset(w->buf, 0, COPY_BLOCK);
        while (off > progress) {
            size_t n = off - progress > COPY_BLOCK ? COPY_BLOCK : (size_t)(off - progress);
            la_ssize_t wr = archive_write_data(w->a, w->buf, n);
            if (wr <= 0)
                return write_fail(w, err);
            progress += wr;
        }
        vz_dump_digest_data(d, off, buf, size);
        if (size && archive_write_data(w->a, buf, size) != (la_ssize_t)size)
            return write_fail(w, err);
        progress = off + (int64_t)size;
        w->file_bytes += size;
    }
}

/* The container's own files: every entry under base as files/REL. */
static int put_tree(struct writer *w, const char *base, vz_error_t *err)
{
    struct archive *disk = archive_read_disk_new();
    archive_read_disk_set_symlink_physical(disk);
    archive_read_disk_set_behavior(disk, ARCHIVE_READDISK_NO_TRAVERSE_MOUNTS | ARCHIVE_READDISK_NO_ACL |
                                             ARCHIVE_READDISK_NO_FFLAGS);
    struct archive_entry_linkresolver *lr = archive_entry_linkresolver_new();
    archive_entry_linkresolver_set_strategy(lr, ARCHIVE_FORMAT_TAR_PAX_INTERCHANGE);
    struct archive_entry *e = archive_entry_new();
    struct vz_buf path = VZ_BUF_INIT;
    vz_buf_init(&path);
    size_t blen = strlen(base);
    int r = -1;
    if (archive_read_disk_open(disk, base) != ARCHIVE_OK) {
        vz_error_set(err, VZ_ESYSTEM, archive_errno(disk), "read %s: %s", base, archive_error_string(disk));
        goto out;
    }
    for (;;) {
        archive_entry_clear(e);
        int h = archive_read_next_header2(disk, e);
        if (h == ARCHIVE_EOF)
            break;
        if (h == ARCHIVE_WARN)
            vz_warn("%s", archive_error_string(disk));
        else if (h < ARCHIVE_WARN) {
            vz_error_set(err, VZ_ESYSTEM, archive_errno(disk), "read %s: %s", base, archive_error_string(disk));
            goto out;
        }
        archive_read_disk_descend(disk);
        const char *full = archive_entry_pathname(e);
        if (full == NULL || strncmp(full, base, blen) != 0 || (full[blen] != '\0' && full[blen] != '/')) {
            vz_error_set(err, VZ_ESYSTEM, 0, "read %s: unexpected entry %s", base, full ? full : "(null)");
            goto out;
        }
        vz_buf_reset(&path);
        unsigned t = archive_entry_filetype(e);
        /* the path as the archive gives it back: a directory as "NAME/" */
        vz_buf_addf(&path, "%s%s%s", VZ_DUMP_FILES, full + blen, t == AE_IFDIR ? "/" : "");
        if (t == AE_IFSOCK) {
            w->skipped_sock++;
            continue;
        }
        if ((t == AE_IFCHR && (archive_entry_rdevmajor(e) || archive_entry_rdevminor(e))) || t == AE_IFBLK) {
            w->skipped_dev++; /* only overlay's whiteouts (char 0:0) are kept */
            continue;
        }
        archive_entry_copy_pathname(e, path.data);
        archive_entry_copy_sourcepath(e, full); /* kept for the data read */
        archive_entry_set_uid(e, unshift_id(w, archive_entry_uid(e), w->map->uid));
        archive_entry_set_gid(e, unshift_id(w, archive_entry_gid(e), w->map->gid));
        archive_entry_set_uname(e, NULL);
        archive_entry_set_gname(e, NULL);
        filter_xattrs(w, e);
        struct archive_entry *le = e, *spare = NULL;
        archive_entry_linkify(lr, &le, &spare); /* tar: le is e, with a hard link to an earlier one */
        if (le == NULL)
            continue;
        struct vz_dump_digest *d = NULL;
        if (put_header(w, le, &d, err) < 0)
            goto out;
        if (t == AE_IFREG && archive_entry_hardlink(le) == NULL && archive_entry_size(le) > 0 &&
            copy_disk_data(w, disk, d, full, err) < 0) {
            vz_dump_digest_free(d);
            goto out;
        }
        put_digest(w, path.data, d);
    }
    r = 0;
out:
    vz_buf_release(&path);
    archive_entry_free(e);
    archive_entry_linkresolver_free(lr);
    archive_read_free(disk);
    return r;
}

static char *default_dumpdir(void)
{
    const char *d = vz_conf_get(vz_global_conf(), "DUMPDIR");
    return vz_root_path(d && *d ? d : "/vz/dump");
}

/* The template build a container stands on: overlay from VE_LOWERDIR
 * (NAME-SHA256), plain from the store's current cache of OSTEMPLATE. */
static char *template_sha(const struct vz_ct *ct, const char *layout)
{
    const char *lower = vz_conf_get(&ct->conf, "VE_LOWERDIR");
    if (strcmp(layout, "overlay") == 0 && lower) {
        const char *dash = strrchr(lower, '-');
        if (dash && strlen(dash + 1) == VZ_SHA256_HEX_LEN)
            return vz_xstrdup(dash + 1);
    }
    const char *name = vz_conf_get(&ct->conf, "OSTEMPLATE");
    struct vz_cache_info *c = NULL;
    vz_error_t e = NULL;
    char *sha = NULL;
    if (name && vz_cache_find(name, &c, &e) == 0)
        sha = vz_xstrdup(c->tar_sha256);
    vz_error_release(&e);
    vz_cache_info_free(c);
    return sha ? sha : vz_xstrdup("");
}

static int add_template(struct writer *w, const char *name, const char *sha, vz_error_t *err)
{
    struct vz_cache_info *c = NULL;
    if (vz_cache_find(name, &c, err) < 0)
        return vz_error_wrap(err, "--full");
    int r = -1;
    /* declared before the first goto: a jump past a cleanup variable's
     * initialisation would free garbage (clang refuses it; gcc does not) */
    cleanup_free char *t = vz_xasprintf(VZ_DUMP_TMPL_DIR "%s.tar.%s", name, c->compress);
    cleanup_free char *m = vz_xasprintf(VZ_DUMP_TMPL_DIR "%s.manifest", name);
    cleanup_free char *s = vz_xasprintf(VZ_DUMP_TMPL_DIR "%s.manifest.sig", name);
    if (strcmp(c->tar_sha256, sha) != 0) {
        vz_error_set(err, VZ_ENOTEMPLATE, 0,
                     "--full: the cached %s is build %.12s, not %.12s that the container stands on", name,
                     c->tar_sha256, sha);
        goto out;
    }
    if (vz_cache_verify_signature(c, err) < 0 || put_mem(w, m, c->manifest_json, c->manifest_len, err) < 0 ||
        put_mem(w, s, c->sig_text, c->sig_len, err) < 0 || put_file(w, t, c->tarball, err) < 0)
        goto out;
    r = 0;
out:
    vz_cache_info_free(c);
    return r;
}

/* from: the directory whose files go under files/ (a snapshot's data/);
 * NULL: the container's own (overlay: the upper layer; plain: the private
 * area). */
static int write_archive(const struct vz_dump_opts *o, const struct vz_ct *ct, const struct vz_idmap *map,
                         const char *from, const char *path, struct vz_dump_result *res, vz_error_t *err)
{
    const char *layout = vz_conf_get(&ct->conf, "VE_LAYOUT");
    if (layout == NULL || strcmp(layout, "overlay") != 0)
        layout = "plain";
    const char *tmpl = vz_conf_get(&ct->conf, "OSTEMPLATE");
    cleanup_free char *sha = template_sha(ct, layout);
    cleanup_free char *conf_text = NULL;
    size_t conf_len = 0;
    if (vz_read_file(ct->conf_path, &conf_text, &conf_len, err) < 0)
        return -1;
    struct vz_atomic_file f = { 0 };
    if (vz_atomic_open(&f, path, 0600, err) < 0)
        return -1;
    struct writer w = { .a = archive_write_new(), .entries = json_array(), .map = map };
    w.buf = vz_xmalloc(COPY_BLOCK);
    archive_write_set_format_pax(w.a); /* full pax: nanosecond times */
    const char *c = o->compress ? o->compress : "zstd";
    int r = -1;
    /* every cleanup variable before the first goto (see add_template) */
    cleanup_free char *base = from                              ? vz_xstrdup(from)
                              : strcmp(layout, "overlay") == 0 ? vz_path_join(ct->private_dir, "upper")
                                                               : vz_xstrdup(ct->private_dir);
    cleanup_free char *mtext = NULL;
    cleanup_free char *sig = NULL;
    if (strcmp(c, "zstd") == 0)
        archive_write_add_filter_zstd(w.a);
    else if (strcmp(c, "gzip") == 0)
        archive_write_add_filter_gzip(w.a);
    archive_write_set_bytes_in_last_block(w.a, 1);
    if (archive_write_open_fd(w.a, f.fd) != ARCHIVE_OK) {
        write_fail(&w, err);
        goto out;
    }
    if (put_mem(&w, VZ_DUMP_CONF, conf_text, conf_len, err) < 0 ||
        (o->full && add_template(&w, tmpl ? tmpl : "", sha, err) < 0) || put_tree(&w, base, err) < 0)
        goto out;
    res->entries = json_array_size(w.entries);
    json_t *m = json_pack("{s:s, s:s, s:I, s:s, s:s, s:b, s:s, s:s, s:b, s:I, s:o}", "format", VZ_DUMP_FORMAT,
                          "ctid", ct->ctid, "created", (json_int_t)time(NULL), "mode", mode_name(o->mode),
                          "layout", layout, "privileged", !map->enabled, "ostemplate", tmpl ? tmpl : "",
                          "template_sha256", sha, "full", o->full, "file_bytes", (json_int_t)w.file_bytes,
                          "entries", w.entries);
    w.entries = NULL;
    mtext = json_dumps(m, JSON_INDENT(1) | JSON_ENSURE_ASCII);
    json_decref(m);
    size_t sig_len = 0;
    if (mtext == NULL || vz_sign(mtext, strlen(mtext), &sig, &sig_len, NULL, err) < 0) {
        if (*err == NULL)
            vz_error_set(err, VZ_ESYSTEM, ENOMEM, "manifest");
        goto out;
    }
    /* the manifest and its signature are the last two entries; they are
     * not in the manifest's own list */
    json_t *tail = json_array();
    w.entries = tail;
    if (put_mem(&w, VZ_DUMP_MANIFEST, mtext, strlen(mtext), err) < 0 ||
        put_mem(&w, VZ_DUMP_SIG, sig, sig_len, err) < 0)
        goto out;
    if (archive_write_close(w.a) != ARCHIVE_OK) {
        write_fail(&w, err);
        goto out;
    }
    struct stat st;
    if (fstat(f.fd, &st) == 0)
        res->archive_bytes = (uint64_t)st.st_size;
    if (vz_atomic_commit(&f, err) < 0)
        goto out;
    res->file_bytes = w.file_bytes;
    if (w.skipped_dev || w.skipped_sock)
        vz_warn("container %s: %zu device node(s) and %zu socket(s) not archived (a container's /dev is made when "
                "it starts; sockets are made by their programs)", ct->ctid, w.skipped_dev, w.skipped_sock);
    if (w.overflow_ids)
        vz_warn("container %s: %zu owner(s) outside its id range archived as 65534 (nobody)", ct->ctid,
                w.overflow_ids);
    if (w.dropped_xattrs)
        vz_info("container %s: %zu extended attribute(s) outside user.*, trusted.overlay.* and file "
                "capabilities not archived", ct->ctid, w.dropped_xattrs);
    r = 0;
out:
    json_decref(w.entries);
    archive_write_free(w.a);
    free(w.buf);
    vz_atomic_abort(&f);
    return r;
}

static char *archive_name(const char *dir, const char *ctid, const char *compress)
{
    char stamp[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof(stamp), "%Y_%m_%d-%H_%M_%S", &tm);
    const char *ext = compress == NULL || strcmp(compress, "zstd") == 0 ? ".zst"
                      : strcmp(compress, "gzip") == 0                   ? ".gz"
                                                                        : "";
    return vz_xasprintf("%s/vzdump-openvz-%s-%s.tar%s", dir, ctid, stamp, ext);
}

/* --mode snapshot of a running container, as Proxmox's: a snapshot
 * (vpscore/snapshot.h: frozen only while the upper layer or private area is
 * copied, with --reflink where the file system shares extents, a read-only
 * subvolume snapshot on btrfs), the archive written from the snapshot's
 * data/ while the container runs on, and the snapshot deleted after, even
 * on failure: the snapshot tree is as it was. */
static int dump_from_snapshot(const struct vz_dump_opts *o, const struct vz_ct *ct, const struct vz_idmap *map,
                              struct vz_dump_result *res, vz_error_t *err)
{
    struct vz_snapshot_opts so = { .name = "vzdump", .description = "taken by vzdump --mode snapshot" };
    char *id = NULL;
    double secs = 0, frozen = 0;
    vz_info("Taking a snapshot of container %s for the backup (--mode snapshot)", o->ctid);
    if (vz_snapshot_take(o->ctid, &so, &id, &secs, &frozen, err) < 0)
        return -1;
    res->frozen_seconds = frozen;
    /* data/ of VE_PRIVATE.snapshots/ID, as snapshot.h lays it out */
    cleanup_free char *from = vz_xasprintf("%s.snapshots/%s/data", ct->private_dir, id);
    int r = -1;
    cleanup_close int lock = -1;
    if (vz_ct_lock(o->ctid, &lock, err) == 0) {
        vz_info("Creating archive %s (the container runs on)", res->archive);
        r = write_archive(o, ct, map, from, res->archive, res, err);
        close(lock);
        lock = -1;
    }
    vz_error_t e = NULL;
    if (vz_snapshot_delete(o->ctid, id, &e) < 0) {
        if (r == 0) {
            *err = e;
            r = -1;
        } else {
            vz_warn("container %s: %s", o->ctid, e->msg);
            vz_error_release(&e);
        }
    }
    free(id);
    return r;
}

int vz_ct_dump(const struct vz_dump_opts *o, struct vz_dump_result *res, vz_error_t *err)
{
    memset(res, 0, sizeof(*res));
    double t0 = vz_now();
    if (vz_ctid_check(o->ctid, err) < 0)
        return -1;
    const char *c = o->compress;
    if (c && strcmp(c, "zstd") != 0 && strcmp(c, "gzip") != 0 && strcmp(c, "0") != 0 && strcmp(c, "none") != 0)
        return vz_error_set(err, VZ_EBADARG, 0, "--compress %s: use zstd, gzip or 0 (none)", c);
    struct vz_ct ct;
    if (vz_ct_load(o->ctid, &ct, err) < 0)
        return -1;
    struct vz_idmap map;
    int r = -1, started = 0, thawed = 0;
    cleanup_free char *dir = o->dumpdir ? vz_xstrdup(o->dumpdir) : default_dumpdir();
    cleanup_close int lock = -1;
    struct vz_ct_state st;
    double tf = 0;
    if (vz_idmap_from_conf(&ct.conf, ct.conf_path, &map, err) < 0 || vz_ct_status(o->ctid, &st, err) < 0)
        goto out;
    if (!st.exists) {
        vz_error_set(err, VZ_ENOPRIVATE, 0, "container %s has no private area %s", o->ctid, ct.private_dir);
        goto out;
    }
    if (vz_mkdir_p(dir, 0700, err) < 0)
        goto out;
    res->archive = archive_name(dir, o->ctid, o->compress);
    if (o->mode == VZ_DUMP_SNAPSHOT && st.running) {
        r = dump_from_snapshot(o, &ct, &map, res, err);
        goto out;
    }
    if (st.running && !st.suspended) {
        tf = vz_now();
        if (o->mode == VZ_DUMP_STOP) {
            vz_info("Stopping container %s for the backup (--mode stop)", o->ctid);
            if (vz_ct_stop(o->ctid, 0, err) < 0)
                goto out;
            started = 1;
        } else {
            vz_info("Freezing container %s for the backup (--mode suspend)", o->ctid);
            if (vz_ct_suspend(o->ctid, 1, err) < 0)
                goto out;
            thawed = 1;
        }
    }
    if (vz_ct_lock(o->ctid, &lock, err) < 0) /* nobody starts or destroys it while it is copied */
        goto out;
    vz_info("Creating archive %s", res->archive);
    r = write_archive(o, &ct, &map, NULL, res->archive, res, err);
    close(lock);
    lock = -1;
out:
    /* undo: a container that ran before runs after, whatever happened */
    if (started || thawed) {
        vz_error_t e = NULL;
        int u = started ? vz_ct_start(o->ctid, NULL, &e) : vz_ct_suspend(o->ctid, 0, &e);
        if (u < 0) {
            if (r == 0) {
                *err = e;
                r = -1;
            } else {
                vz_warn("container %s: %s", o->ctid, e->msg);
                vz_error_release(&e);
            }
        }
        res->frozen_seconds = vz_now() - tf;
    }
    vz_ct_release(&ct);
    if (r < 0)
        return vz_error_wrap(err, "vzdump %s", o->ctid);
    res->seconds = vz_now() - t0;
    return 0;
}
