/* tmplbuild/pack.h: a build root -> a reproducible tarball, and into the
 * cache store with a signed manifest.
 *
 * The tarball (pax format, libarchive) is the same byte for byte for the
 * same tree and the same SOURCE_DATE_EPOCH, however the tree was created:
 *   - entries in sorted order (each directory's names by strcmp, depth
 *     first), paths "./etc/passwd", the root itself as "./";
 *   - numeric uid/gid only, no user or group names;
 *   - mtimes clamped to SOURCE_DATE_EPOCH (whole seconds; no atime/ctime);
 *   - extended attributes (security.capability included) in name order;
 *   - hard links as tar hard links to the first path in walk order;
 *   - device nodes and FIFOs kept as they are; sockets skipped;
 *   - files with holes as sparse entries, data regions only (pack_sparse.h);
 *   - zstd multi-threaded (always the multi-threaded encoder, whose output
 *     does not depend on the thread count), gzip without a timestamp, or xz.
 * It refuses to cross into another file system (a mount left in the root).
 * The tarball is hashed while it is written: one pass.
 */
#ifndef VZ_TMPLBUILD_PACK_H
#define VZ_TMPLBUILD_PACK_H

#include <stdint.h>

#include "cache/manifest.h"
#include "common/common.h"
#include "metadata/metadata.h"
#include "tmplbuild/plan.h"

struct vz_pack_opts {
    const char *compress;       /* "zst" (NULL = zst), "gz", "xz" */
    int level;                  /* 0 = the format's default (zst 3, gz 6, xz 6) */
    int threads;                /* 0 = online CPUs */
    /* Clamp mtimes to this; < 0 = $SOURCE_DATE_EPOCH when set, else no clamping. */
    int64_t source_date_epoch;
};
#define VZ_PACK_OPTS_INIT { NULL, 0, 0, -1 }

struct vz_pack_result {
    uint64_t size;              /* bytes written */
    char sha256[65];            /* of the bytes written */
    uint64_t entries;
    uint64_t content_bytes;     /* regular-file bytes packed */
};

/* Pack the tree at root into out_fd (written from its current position). */
int vz_pack_tree(const char *root, int out_fd, const struct vz_pack_opts *opts,
                 struct vz_pack_result *res, vz_error_t *err);

/* A manifest for a build of tmpl from plan (packages in plan order, repo
 * state, metadata hash). The tarball fields are filled by vz_pack_to_cache. */
struct vz_manifest *vz_pack_manifest_new(const struct vz_template *tmpl,
                                         const struct vz_plan *plan);

/* The builder's last step: begin a cache transaction for m->template_name
 * (template lock, stale temps cleaned), pack root into it, set the tarball
 * fields of m, sign and land atomically. */
int vz_pack_to_cache(const char *root, struct vz_manifest *m, const struct vz_pack_opts *opts,
                     int lock_timeout_s, struct vz_pack_result *res, vz_error_t *err);

#endif
