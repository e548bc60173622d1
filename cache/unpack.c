/* cache/unpack.c: one pass over a cache tarball: read -> sha256 ->
 * libarchive decompress + extract (see unpack.h). */
#include "cache/unpack.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define VZ_UNPACK_BLOCK (1 << 20)

struct hashed_src {
    int fd;
    const char *path;
    struct vz_sha256 h;
    uint64_t n;
    int read_errno;
    unsigned char *buf;
};

static la_ssize_t src_read(struct archive *a, void *cd, const void **out)
{
    struct hashed_src *s = cd;
    for (;;) {
        ssize_t r = read(s->fd, s->buf, VZ_UNPACK_BLOCK);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            s->read_errno = errno;
            archive_set_error(a, errno, "read %s", s->path);
            return -1;
        }
        vz_sha256_update(&s->h, s->buf, (size_t)r);
        s->n += (uint64_t)r;
        *out = s->buf;
        return r;
    }
}

/* Entry names must stay below dest: relative, no ".." component. */
static int safe_member(const char *p)
{
    if (p == NULL || *p == '/')
        return 0;
    for (const char *s = p; *s;) {
        const char *e = strchr(s, '/');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        if (n == 2 && s[0] == '.' && s[1] == '.')
            return 0;
        if (!e)
            break;
        s = e + 1;
    }
    return 1;
}

static int copy_data(struct archive *in, struct archive *out)
{
    for (;;) {
        const void *buf;
        size_t size;
        la_int64_t off;
        int r = archive_read_data_block(in, &buf, &size, &off);
        if (r == ARCHIVE_EOF)
            return ARCHIVE_OK;
        if (r < ARCHIVE_WARN)
            return r;
        if (archive_write_data_block(out, buf, size, off) < ARCHIVE_WARN)
            return ARCHIVE_FATAL - 1; /* marks a write-side failure */
    }
}

/* A character or block device node from a cache (built by an older
 * vzforge, or by a trusted signer's build whose scripts made one) would
 * give the container the host's device: never unpacked. The runtime makes
 * the container's /dev. The entry's bytes still go through the hash. */
static bool drop_device_entry(struct archive_entry *e, size_t *dropped)
{
    unsigned t = archive_entry_filetype(e);
    if (t != AE_IFCHR && t != AE_IFBLK)
        return false;
    (*dropped)++;
    return true;
}

/* Hash the rest of the file and compare. 0 when it matches; otherwise
 * VZ_EVERIFY (the cause of any decompression error, too: a changed byte
 * usually breaks the compressed stream before the end is reached). */
static int finish_hash(struct archive *a, struct hashed_src *s, const char *sha256, uint64_t size,
                       vz_error_t *err)
{
    const void *dummy;
    for (;;) {
        la_ssize_t n = src_read(a, s, &dummy);
        if (n < 0)
            return vz_error_set(err, VZ_ESYSTEM, s->read_errno, "read %s", s->path);
        if (n == 0)
            break;
    }
    char hex[VZ_SHA256_HEX_LEN + 1];
    vz_sha256_final(&s->h, NULL, hex);
    if (sha256 && strcmp(hex, sha256) != 0)
        return vz_error_set(err, VZ_EVERIFY, 0,
                            "%s: sha256 is %s but the signed manifest says %s: the file changed after it was "
                            "signed; rebuild it (vzpkg create-cache) or download it again",
                            s->path, hex, sha256);
    if (size && s->n != size)
        return vz_error_set(err, VZ_EVERIFY, 0, "%s: %llu bytes but the signed manifest says %llu", s->path,
                            (unsigned long long)s->n, (unsigned long long)size);
    return 0;
}

/* VFS capability xattrs (linux/capability.h): revision 2 has no root id
 * and counts only for the initial user namespace's root; revision 3 names
 * the host uid that is root of the namespace it is for. */
#define VFS_CAP_REV_MASK 0xFF000000u
#define VFS_CAP_REV2 0x02000000u
#define VFS_CAP_REV3 0x03000000u
#define VFS_CAP_EFFECTIVE 0x000001u

static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_le32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

int vz_archive_shift_entry(struct archive_entry *e, const struct vz_idmap *m)
{
    la_int64_t u = archive_entry_uid(e), g = archive_entry_gid(e);
    if (u < 0 || g < 0 || u >= (la_int64_t)m->count || g >= (la_int64_t)m->count)
        return -1;
    archive_entry_set_uid(e, (la_int64_t)m->uid + u);
    archive_entry_set_gid(e, (la_int64_t)m->gid + g);
    archive_entry_set_uname(e, NULL);
    archive_entry_set_gname(e, NULL);
    if (archive_entry_xattr_reset(e) == 0)
        return 0;
    /* rebuild the xattr list with security.capability as revision 3 */
    struct { char *name; void *val; size_t len; } x[32];
    int n = 0;
    const char *name;
    const void *val;
    size_t len;
    while (n < 32 && archive_entry_xattr_next(e, &name, &val, &len) == ARCHIVE_OK) {
        x[n].name = vz_xstrdup(name);
        x[n].len = len;
        if (strcmp(name, "security.capability") == 0 && len >= 20 &&
            (le32(val) & VFS_CAP_REV_MASK) == VFS_CAP_REV2) {
            unsigned char *c = vz_xmalloc(24);
            memcpy(c, val, 20);
            put_le32(c, VFS_CAP_REV3 | (le32(val) & VFS_CAP_EFFECTIVE));
            put_le32(c + 20, m->uid);
            x[n].val = c;
            x[n].len = 24;
        } else {
            x[n].val = vz_xmalloc(len ? len : 1);
            memcpy(x[n].val, val, len);
        }
        n++;
    }
    archive_entry_xattr_clear(e);
    for (int i = 0; i < n; i++) {
        archive_entry_xattr_add_entry(e, x[i].name, x[i].val, x[i].len);
        free(x[i].name);
        free(x[i].val);
    }
    return 0;
}

int vz_unpack_verified(const char *tarball, const char *sha256, uint64_t size, const char *dest,
                       const struct vz_idmap *shift, vz_error_t *err)
{
    if (shift && !shift->enabled)
        shift = NULL;
    char real[PATH_MAX];
    /* libarchive's symlink check walks every component of the full path:
     * give it one without symlinks (/vz may well be one). */
    if (realpath(dest, real) == NULL)
        return vz_error_sys(err, "unpack into %s", dest);
    struct hashed_src s = { .fd = -1, .path = tarball };
    s.fd = open(tarball, O_RDONLY | O_CLOEXEC);
    if (s.fd < 0)
        return vz_error_set(err, errno == ENOENT ? VZ_ENOTEMPLATE : VZ_ESYSTEM, errno, "open %s", tarball);
    posix_fadvise(s.fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    if (vz_sha256_init(&s.h, err) < 0) {
        close(s.fd);
        return -1;
    }
    s.buf = vz_xmalloc(VZ_UNPACK_BLOCK);
    struct archive *a = archive_read_new();
    struct archive *w = archive_write_disk_new();
    archive_read_support_filter_all(a);
    archive_read_support_format_tar(a);
    /* numeric owners (no lookup set), modes, times, xattrs (file
     * capabilities); never through symlinks, never "..". */
    archive_write_disk_set_options(w, ARCHIVE_EXTRACT_OWNER | ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_TIME |
                                          ARCHIVE_EXTRACT_XATTR | ARCHIVE_EXTRACT_SECURE_SYMLINKS |
                                          ARCHIVE_EXTRACT_SECURE_NODOTDOT);
    int r = 0, return_verified = 0;
    size_t nfiles = 0, ndev = 0;
    struct vz_buf path = VZ_BUF_INIT;
    vz_buf_init(&path);
    if (archive_read_open(a, &s, NULL, src_read, NULL) != ARCHIVE_OK) {
        r = vz_error_set(err, VZ_ECORRUPT, s.read_errno, "%s: %s", tarball, archive_error_string(a));
        goto out;
    }
    for (;;) {
        struct archive_entry *e;
        int h = archive_read_next_header(a, &e);
        if (h == ARCHIVE_EOF)
            break;
        if (h < ARCHIVE_WARN) {
            r = vz_error_set(err, VZ_ECORRUPT, s.read_errno, "%s: %s", tarball, archive_error_string(a));
            goto out;
        }
        const char *name = archive_entry_pathname(e);
        while (name && name[0] == '.' && name[1] == '/')
            name += 2;
        if (name && (strcmp(name, ".") == 0 || *name == '\0'))
            name = "";
        if (!safe_member(name)) {
            r = vz_error_set(err, VZ_ECORRUPT, 0, "%s: member '%s' would land outside the root", tarball,
                             archive_entry_pathname(e));
            goto out;
        }
        if (drop_device_entry(e, &ndev))
            continue;
        vz_buf_reset(&path);
        vz_buf_addf(&path, "%s%s%s", real, *name ? "/" : "", name);
        archive_entry_copy_pathname(e, path.data);
        const char *hl = archive_entry_hardlink(e);
        if (hl) {
            while (hl[0] == '.' && hl[1] == '/')
                hl += 2;
            if (!safe_member(hl)) {
                r = vz_error_set(err, VZ_ECORRUPT, 0, "%s: hard link '%s' points outside the root", tarball, hl);
                goto out;
            }
            vz_buf_reset(&path);
            vz_buf_addf(&path, "%s/%s", real, hl);
            archive_entry_copy_hardlink(e, path.data);
        }
        if (shift && vz_archive_shift_entry(e, shift) < 0) {
            r = vz_error_set(err, VZ_ECORRUPT, 0,
                             "%s: member '%s' is owned by %lld:%lld, outside the %u ids of a container's user "
                             "namespace",
                             tarball, name, (long long)archive_entry_uid(e), (long long)archive_entry_gid(e),
                             shift->count);
            goto out;
        }
        if (archive_write_header(w, e) < ARCHIVE_WARN) {
            /* a system call failed (errno > 0), or libarchive refused the
             * entry itself (through a symlink, ".."): an unsafe archive */
            int en = archive_errno(w);
            r = vz_error_set(err, en > 0 ? VZ_ESYSTEM : VZ_ECORRUPT, en > 0 ? en : 0, "unpack %s: %s", tarball,
                             archive_error_string(w));
            goto out;
        }
        if (archive_entry_size(e) > 0) {
            int c = copy_data(a, w);
            if (c == ARCHIVE_FATAL - 1) {
                r = vz_error_set(err, VZ_ESYSTEM, archive_errno(w), "unpack %s: %s", tarball,
                                 archive_error_string(w));
                goto out;
            }
            if (c < ARCHIVE_WARN) {
                r = vz_error_set(err, VZ_ECORRUPT, s.read_errno, "%s: %s", tarball, archive_error_string(a));
                goto out;
            }
        }
        if (archive_write_finish_entry(w) < ARCHIVE_WARN) {
            r = vz_error_set(err, VZ_ESYSTEM, archive_errno(w), "unpack %s: %s", tarball, archive_error_string(w));
            goto out;
        }
        nfiles++;
    }
    if (archive_write_close(w) < ARCHIVE_WARN) { /* directory modes and times */
        r = vz_error_set(err, VZ_ESYSTEM, archive_errno(w), "unpack %s: %s", tarball, archive_error_string(w));
        goto out;
    }
    /* hash what the decompressor did not need (padding after the end) */
    r = finish_hash(a, &s, sha256, size, err);
    if (r == 0 && ndev)
        vz_warn("%s: %zu device node%s not unpacked (a container's /dev is made when it starts)", tarball,
                ndev, ndev == 1 ? "" : "s");
    if (r == 0)
        vz_debug("unpacked %zu entries from %s (%llu bytes)", nfiles, tarball, (unsigned long long)s.n);
    return_verified = 1;
out:
    if (r < 0 && !return_verified && s.read_errno == 0 && (*err)->status == VZ_ECORRUPT) {
        /* a corrupt stream: was the file changed? say so rather than "corrupt" */
        vz_error_t v = NULL;
        if (finish_hash(a, &s, sha256, size, &v) < 0 && v->status == VZ_EVERIFY) {
            vz_error_release(err);
            *err = v;
        } else
            vz_error_release(&v);
    }
    vz_buf_release(&path);
    archive_read_free(a);
    archive_write_free(w);
    vz_sha256_release(&s.h);
    free(s.buf);
    close(s.fd);
    return r;
}
