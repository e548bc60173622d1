/* cache/export/export_int.h: the pieces of an export (not for other callers).
 *
 *   source.c  the verified cache: find, signature, manifest, a walk over the
 *             tarball's entries that hashes the raw bytes and fails at the
 *             end when they are not what the manifest signs
 *   tarout.c  a pax writer whose bytes go through sha256 (uncompressed),
 *             zlib's gzip or liblzma's xz, sha256 again (compressed), to a file
 *   copy.c    one entry of the cache into a tarout (path prefix, overrides)
 *   oci.c, lxc.c, incus.c, rootfs.c: one format each
 */
#ifndef VZ_CACHE_EXPORT_INT_H
#define VZ_CACHE_EXPORT_INT_H

#include <archive.h>
#include <archive_entry.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "cache/manifest.h"
#include "cache/store.h"
#include "common/common.h"

/* ---- source.c ---- */
struct vz_export_src {
    struct vz_cache_info *cache;
    struct vz_manifest *m;
    const char *name;
    char signer[32];
    const char *arch;        /* kernel name: x86_64, aarch64, ... */
    const char *oci_arch;    /* GOARCH: amd64, arm64, ... */
    const char *oci_variant; /* "v8", "v7" or NULL */
    char *distro, *release, *variant; /* from NAME (distro-release-arch-variant) */
    bool has_init;           /* /sbin/init (or /usr/sbin/init behind a /sbin link) */
    bool has_sh;             /* /bin/sh likewise */
    int xz_level;            /* xz preset of the lxc tarballs, 1-9 (vz_export_with) */
};

int vz_export_src_open(const char *name, struct vz_export_src **out, vz_error_t *err);
void vz_export_src_free(struct vz_export_src *s);

/* Called for each entry; read its data from in. */
typedef int (*vz_export_entry_fn)(struct archive *in, struct archive_entry *e, void *ctx,
                                  vz_error_t *err);
/* One pass over the tarball; fails (VZ_EVERIFY) after the last entry when
 * the bytes read are not the signed ones. fn may be NULL (scan only: sets
 * has_init and has_sh). */
int vz_export_src_walk(struct vz_export_src *s, vz_export_entry_fn fn, void *ctx,
                       vz_error_t *err);

/* ---- tarout.c ---- */
enum vz_tarout_comp { VZ_TAROUT_GZ, VZ_TAROUT_XZ };

struct vz_tarout_sum {
    uint64_t size;          /* compressed bytes written */
    char sha256[65];        /* of the compressed bytes */
    uint64_t raw_size;      /* the tar stream before compression */
    char raw_sha256[65];
};

struct vz_tarout;
/* Write to a new file path (O_EXCL; mode 0644). level: the xz preset (1-9;
 * 0 = 6); gzip is always level 6. */
int vz_tarout_open(const char *path, enum vz_tarout_comp comp, int level, struct vz_tarout **out,
                   vz_error_t *err);
struct archive *vz_tarout_archive(struct vz_tarout *t);
/* A regular file (or, with data NULL, a directory) made by the export. */
int vz_tarout_add(struct vz_tarout *t, const char *path, const char *data, size_t len,
                  int mode, int64_t mtime, vz_error_t *err);
/* Finish the stream, fsync and close; fills sum. */
int vz_tarout_close(struct vz_tarout *t, struct vz_tarout_sum *sum, vz_error_t *err);
/* Close without finishing (error path); the file is left for the caller. */
void vz_tarout_abort(struct vz_tarout *t);

/* ---- copy.c ---- */
struct vz_export_override {
    const char *path;  /* "etc/hostname" (no "./") */
    const char *data;  /* replacement content */
    bool done;
};
struct vz_export_copy {
    struct vz_tarout *out;
    const char *prefix;                 /* "" or "rootfs/" */
    struct vz_export_override *ovr;     /* NULL or terminated by path NULL */
    int64_t mtime;                      /* for overrides that were not in the tree */
    unsigned long devices_skipped;
    const char *parent_ok;              /* overrides are added only where this dir exists */
    bool saw_parent;
    bool body;                          /* the current entry's data goes here */
    int64_t pos;                        /* bytes of it written */
};
/* Copy entries of the cache into several outputs with one read: the header
 * of e into each copy, then the body's blocks (libarchive hands them out
 * once) into each that takes a body, then the end of the entry. */
int vz_export_copy_entry(struct vz_export_copy *const *cs, size_t n, struct archive *in,
                         struct archive_entry *e, vz_error_t *err);
/* Add the overrides the tree did not have. */
int vz_export_copy_finish(struct vz_export_copy *c, vz_error_t *err);

/* ---- export.c: helpers for the formats ---- */
/* A file result {kind, path, size, sha256}. */
json_t *vz_export_file_json(const char *kind, const char *path, uint64_t size, const char *sha);
/* "2023-11-14T22:13:20Z" of t. */
void vz_export_time(int64_t t, char out[32]);

/* ---- the formats: each writes into dir under temp names, renames into
 * place only when all went well, and fills out (an object) ---- */
struct vz_export_job; /* the shared plain rootfs tarball, written once */
const char *vz_export_job_rootfs(const struct vz_export_job *j); /* its path */
const struct vz_tarout_sum *vz_export_job_rootfs_sum(const struct vz_export_job *j);

int vz_export_oci(struct vz_export_src *s, const struct vz_export_job *j, const char *dir,
                  json_t *out, vz_error_t *err);
int vz_export_rootfs(struct vz_export_src *s, const struct vz_export_job *j, const char *dir,
                     json_t *out, vz_error_t *err);
/* lxc and incus write their own tarballs in the shared pass: begin opens
 * them, the pass copies every entry into their copy, end finishes and
 * renames. */
struct vz_export_lxc;
int vz_export_lxc_begin(struct vz_export_src *s, const char *dir, struct vz_export_lxc **out,
                        vz_error_t *err);
struct vz_export_copy *vz_export_lxc_copy(struct vz_export_lxc *x);
int vz_export_lxc_end(struct vz_export_lxc *x, json_t *out, vz_error_t *err);
void vz_export_lxc_free(struct vz_export_lxc *x); /* removes temps left */

struct vz_export_incus;
int vz_export_incus_begin(struct vz_export_src *s, const char *dir, struct vz_export_incus **out,
                          vz_error_t *err);
struct vz_export_copy *vz_export_incus_copy(struct vz_export_incus *x);
int vz_export_incus_end(struct vz_export_incus *x, const struct vz_export_job *j, json_t *out,
                        vz_error_t *err);
void vz_export_incus_free(struct vz_export_incus *x);

/* A copy of src (a hard link when it can) at final, through a temp name. */
int vz_export_place(const char *src, const char *final, vz_error_t *err);
/* Rename tmp onto final (replacing a file or a directory tree). */
int vz_export_replace(const char *tmp, const char *final, vz_error_t *err);

#endif
