/* tarout.c: a reproducible pax stream, compressed by zlib (gzip) or liblzma
 * (xz) rather than libarchive's filters, so that the tar bytes can be hashed
 * before compression too (an OCI layer's diff_id) in the same pass. */
#include <errno.h>
#include <fcntl.h>
#include <lzma.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "cache/export/export.h"
#include "cache/export/export_int.h"

struct vz_tarout {
    struct archive *a;
    enum vz_tarout_comp comp;
    int fd;
    char *path;
    z_stream z;
    lzma_stream x;
    bool zinit, xinit;
    struct vz_sha256 raw, out;
    uint64_t raw_n, out_n;
    int errnum;      /* write(2)'s errno */
    const char *cerr; /* the compressor's complaint */
    unsigned char buf[1 << 16];
};

static int write_all(struct vz_tarout *t, const void *p, size_t n)
{
    const char *c = p;
    vz_sha256_update(&t->out, p, n);
    t->out_n += n;
    while (n > 0) {
        ssize_t w = write(t->fd, c, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0) {
            t->errnum = errno;
            return -1;
        }
        c += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Push n bytes (finish: the end of the stream) through the compressor. */
static int compress_chunk(struct vz_tarout *t, const void *p, size_t n, bool finish)
{
    if (t->comp == VZ_TAROUT_GZ) {
        t->z.next_in = (Bytef *)p;
        t->z.avail_in = (uInt)n;
        for (;;) {
            t->z.next_out = t->buf;
            t->z.avail_out = sizeof(t->buf);
            int r = deflate(&t->z, finish ? Z_FINISH : Z_NO_FLUSH);
            if (r == Z_STREAM_ERROR) {
                t->cerr = "deflate failed";
                return -1;
            }
            if (write_all(t, t->buf, sizeof(t->buf) - t->z.avail_out) < 0)
                return -1;
            if (finish ? r == Z_STREAM_END : t->z.avail_in == 0)
                return 0;
        }
    }
    t->x.next_in = p;
    t->x.avail_in = n;
    for (;;) {
        t->x.next_out = t->buf;
        t->x.avail_out = sizeof(t->buf);
        lzma_ret r = lzma_code(&t->x, finish ? LZMA_FINISH : LZMA_RUN);
        if (r != LZMA_OK && r != LZMA_STREAM_END) {
            t->cerr = "xz encoder failed";
            return -1;
        }
        if (write_all(t, t->buf, sizeof(t->buf) - t->x.avail_out) < 0)
            return -1;
        if (finish ? r == LZMA_STREAM_END : t->x.avail_in == 0)
            return 0;
    }
}

static la_ssize_t tar_write_cb(struct archive *a, void *p, const void *buf, size_t n)
{
    struct vz_tarout *t = p;
    vz_sha256_update(&t->raw, buf, n);
    t->raw_n += n;
    if (compress_chunk(t, buf, n, false) < 0) {
        archive_set_error(a, t->errnum ? t->errnum : EIO, "%s",
                          t->errnum ? strerror(t->errnum) : t->cerr);
        return -1;
    }
    return (la_ssize_t)n;
}

static int fail(struct vz_tarout *t, vz_error_t *err, const char *what)
{
    return vz_error_set(err, VZ_ESYSTEM, t->errnum ? t->errnum : archive_errno(t->a),
                        "write %s: %s", t->path, t->cerr ? t->cerr : what);
}

int vz_tarout_open(const char *path, enum vz_tarout_comp comp, int level, struct vz_tarout **out,
                   vz_error_t *err)
{
    struct vz_tarout *t = vz_xcalloc(1, sizeof(*t));
    t->comp = comp;
    t->path = vz_xstrdup(path);
    t->fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (t->fd < 0) {
        int r = vz_error_sys(err, "create %s", path);
        free(t->path);
        free(t);
        return r;
    }
    vz_sha256_init(&t->raw, NULL);
    vz_sha256_init(&t->out, NULL);
    if (comp == VZ_TAROUT_GZ) {
        /* windowBits 15 + 16: a gzip wrapper whose header zlib writes with
         * no name and mtime 0, which is `gzip -n` */
        t->zinit = deflateInit2(&t->z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK;
    } else {
        /* liblzma's multi-threaded encoder with a fixed block size: blocks
         * are compressed independently, so the output depends on the block
         * size, never on the number of threads (as tmplbuild/pack.c's
         * zstd); one worker per CPU */
        lzma_stream x = LZMA_STREAM_INIT;
        t->x = x;
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        const char *tv = getenv("VZ_EXPORT_XZ_THREADS"); /* tests: any count, same bytes */
        if (tv && atoi(tv) > 0)
            cpus = atoi(tv);
        lzma_mt mt = { .flags = 0, .threads = cpus > 0 ? (uint32_t)cpus : 1,
                       .block_size = 8u << 20, .timeout = 0,
                       .preset = level >= 1 && level <= 9 ? (uint32_t)level : 6,
                       .check = LZMA_CHECK_CRC64 };
        t->xinit = lzma_stream_encoder_mt(&t->x, &mt) == LZMA_OK;
    }
    t->a = archive_write_new();
    if ((comp == VZ_TAROUT_GZ ? !t->zinit : !t->xinit) || !t->a ||
        archive_write_set_format_pax_restricted(t->a) != ARCHIVE_OK ||
        archive_write_set_bytes_per_block(t->a, 10240) != ARCHIVE_OK ||
        archive_write_set_bytes_in_last_block(t->a, 1) != ARCHIVE_OK ||
        archive_write_open(t->a, t, NULL, tar_write_cb, NULL) != ARCHIVE_OK) {
        int r = vz_error_set(err, VZ_ESYSTEM, 0, "write %s: cannot set up the %s writer", path,
                             comp == VZ_TAROUT_GZ ? "gzip" : "xz");
        vz_tarout_abort(t);
        return r;
    }
    *out = t;
    return 0;
}

struct archive *vz_tarout_archive(struct vz_tarout *t)
{
    return t->a;
}

int vz_tarout_add(struct vz_tarout *t, const char *path, const char *data, size_t len, int mode,
                  int64_t mtime, vz_error_t *err)
{
    struct archive_entry *e = archive_entry_new();
    archive_entry_set_pathname(e, path);
    archive_entry_set_filetype(e, data ? AE_IFREG : AE_IFDIR);
    archive_entry_set_perm(e, (mode_t)mode);
    archive_entry_set_uid(e, 0);
    archive_entry_set_gid(e, 0);
    archive_entry_set_mtime(e, mtime, 0);
    archive_entry_set_size(e, data ? (la_int64_t)len : 0);
    int r = 0;
    if (archive_write_header(t->a, e) != ARCHIVE_OK ||
        (data && len && archive_write_data(t->a, data, len) != (la_ssize_t)len))
        r = fail(t, err, archive_error_string(t->a));
    archive_entry_free(e);
    return r;
}

int vz_tarout_close(struct vz_tarout *t, struct vz_tarout_sum *sum, vz_error_t *err)
{
    int r = 0;
    if (archive_write_close(t->a) != ARCHIVE_OK || compress_chunk(t, NULL, 0, true) < 0)
        r = fail(t, err, archive_error_string(t->a));
    else if (fsync(t->fd) < 0)
        r = vz_error_sys(err, "fsync %s", t->path);
    if (r == 0) {
        sum->size = t->out_n;
        sum->raw_size = t->raw_n;
        vz_sha256_final(&t->out, NULL, sum->sha256);
        vz_sha256_final(&t->raw, NULL, sum->raw_sha256);
    }
    vz_tarout_abort(t);
    return r;
}

void vz_tarout_abort(struct vz_tarout *t)
{
    if (!t)
        return;
    if (t->a)
        archive_write_free(t->a);
    if (t->zinit)
        deflateEnd(&t->z);
    if (t->xinit)
        lzma_end(&t->x);
    vz_sha256_release(&t->raw);
    vz_sha256_release(&t->out);
    if (t->fd >= 0)
        close(t->fd);
    free(t->path);
    free(t);
}
