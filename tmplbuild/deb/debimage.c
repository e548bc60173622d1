/* tmplbuild/deb/debimage.c: a .deb re-made in memory (see debimage.h). */
#include <archive.h>
#include <archive_entry.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "common/common.h"
#include "tmplbuild/deb/debimage.h"

/* ---- one image ---- */

static la_ssize_t buf_write(struct archive *a, void *ctx, const void *p, size_t n)
{
    (void)a;
    vz_buf_add(ctx, p, n);
    return (la_ssize_t)n;
}

/* All of the current entry's bytes from in (raw member or decoded stream). */
static bool read_all(struct archive *in, struct vz_buf *b)
{
    char chunk[65536];
    la_ssize_t n;
    while ((n = archive_read_data(in, chunk, sizeof(chunk))) > 0)
        vz_buf_add(b, chunk, (size_t)n);
    return n == 0;
}

/* b as one zstd frame at `level` (libarchive's raw writer), into out. */
static bool zstd_encode(const struct vz_buf *b, int level, struct vz_buf *out)
{
    struct archive *w = archive_write_new();
    char opt[48];
    snprintf(opt, sizeof(opt), "zstd:compression-level=%d", level);
    struct archive_entry *e = archive_entry_new();
    archive_entry_set_pathname(e, "data.tar");
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_size(e, (la_int64_t)b->len);
    bool ok = archive_write_set_format_raw(w) == ARCHIVE_OK &&
              archive_write_add_filter_zstd(w) == ARCHIVE_OK &&
              archive_write_set_options(w, opt) == ARCHIVE_OK &&
              archive_write_set_bytes_per_block(w, 0) == ARCHIVE_OK &&
              archive_write_open(w, out, NULL, buf_write, NULL) == ARCHIVE_OK &&
              archive_write_header(w, e) == ARCHIVE_OK &&
              (b->len == 0 || archive_write_data(w, b->data, b->len) == (la_ssize_t)b->len) &&
              archive_write_close(w) == ARCHIVE_OK;
    archive_entry_free(e);
    archive_write_free(w);
    return ok;
}

/* The ar member in `ar` (its header just read), decompressed. */
static bool decode_member(struct archive *ar, struct vz_buf *out)
{
    struct vz_buf raw = VZ_BUF_INIT;
    vz_buf_init(&raw);
    bool ok = read_all(ar, &raw);
    struct archive *in = ok ? archive_read_new() : NULL;
    if (in) {
        archive_read_support_filter_all(in);
        archive_read_support_format_raw(in);
        struct archive_entry *e;
        ok = archive_read_open_memory(in, raw.data, raw.len) == ARCHIVE_OK &&
             archive_read_next_header(in, &e) == ARCHIVE_OK && read_all(in, out);
        archive_read_free(in);
    }
    vz_buf_release(&raw);
    return ok;
}

static bool add_member(struct archive *w, const char *name, time_t mtime, const struct vz_buf *b)
{
    struct archive_entry *e = archive_entry_new();
    archive_entry_set_pathname(e, name);
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_mtime(e, mtime, 0);
    archive_entry_set_size(e, (la_int64_t)b->len);
    bool ok = archive_write_header(w, e) == ARCHIVE_OK &&
              (b->len == 0 || archive_write_data(w, b->data, b->len) == (la_ssize_t)b->len);
    archive_entry_free(e);
    return ok;
}

void *vz_deb_image(const char *deb, size_t *len)
{
    return vz_deb_image_as(deb, 0, len);
}

static void *image_of(const char *deb, const void *mem, size_t mem_len, int zstd_level, size_t *len);

void *vz_deb_image_as(const char *deb, int zstd_level, size_t *len)
{
    return image_of(deb, NULL, 0, zstd_level, len);
}

void *vz_deb_image_recode(const void *image, size_t image_len, int zstd_level, size_t *len)
{
    return image_of(NULL, image, image_len, zstd_level, len);
}

/* The image of the package in file deb, or in memory (mem). */
static void *image_of(const char *deb, const void *mem, size_t mem_len, int zstd_level, size_t *len)
{
    struct vz_buf img = VZ_BUF_INIT;
    vz_buf_init(&img);
    struct archive *ar = archive_read_new();
    struct archive *w = archive_write_new();
    archive_read_support_format_ar(ar);
    archive_write_set_format_ar_svr4(w);
    archive_write_set_bytes_per_block(w, 0);
    bool ok = (mem ? archive_read_open_memory(ar, mem, mem_len)
                   : archive_read_open_filename(ar, deb, 256 * 1024)) == ARCHIVE_OK &&
              archive_write_open(w, &img, NULL, buf_write, NULL) == ARCHIVE_OK;
    struct archive_entry *e;
    int r = ARCHIVE_OK;
    bool data_seen = false;
    while (ok && (r = archive_read_next_header(ar, &e)) == ARCHIVE_OK) {
        cleanup_free char *name = vz_xstrdup(archive_entry_pathname(e));
        time_t mtime = archive_entry_mtime(e);
        struct vz_buf data = VZ_BUF_INIT;
        vz_buf_init(&data);
        /* "data.tar.xz" becomes "data.tar"; an uncompressed data.tar and
         * every other member are copied as they are */
        bool compressed_data = strncmp(name, "data.tar.", 9) == 0;
        data_seen = data_seen || strncmp(name, "data.tar", 8) == 0;
        ok = compressed_data ? decode_member(ar, &data) : read_all(ar, &data);
        if (ok && data_seen && zstd_level > 0) {
            struct vz_buf z = VZ_BUF_INIT;
            vz_buf_init(&z);
            ok = zstd_encode(&data, zstd_level, &z) && add_member(w, "data.tar.zst", mtime, &z);
            vz_buf_release(&z);
        } else {
            ok = ok && add_member(w, compressed_data ? "data.tar" : name, mtime, &data);
        }
        vz_buf_release(&data);
        if (data_seen)
            break; /* vz_deb_read stops at data.tar too */
    }
    /* anything but a well-formed package: no image (reading the file says why) */
    ok = ok && data_seen && (r == ARCHIVE_OK || r == ARCHIVE_EOF) && archive_write_close(w) == ARCHIVE_OK;
    archive_write_free(w);
    archive_read_free(ar);
    if (!ok) {
        vz_buf_release(&img);
        return NULL;
    }
    return vz_buf_detach(&img, len);
}

