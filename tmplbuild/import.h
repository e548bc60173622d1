/* tmplbuild/import.h: a root-file-system tarball made elsewhere (mmdebstrap,
 * debootstrap + tar, an LXC image) -> a signed cache.
 *
 * The archive is extracted into a private temporary directory, refusing the
 * whole archive at the first entry that would escape the root: an absolute
 * path, a ".." component (in a path or a hard-link target), or a path that
 * goes through a symbolic link extracted earlier. Nothing is landed on a
 * refusal, and the temporary directory is removed on every path. The manifest
 * lists the packages of the root's var/lib/dpkg/status ("install ok
 * installed" entries; sha256 and size unknown), source "import:FILE"; the
 * tree is repacked reproducibly (tmplbuild/pack.h) and landed atomically.
 *
 * What the imported cache holds (docs/cache-format.md, "Import"):
 *   - no character or block device nodes: they are dropped (with one
 *     warning giving the count), and so are hard links to them; FIFOs,
 *     set-uid and set-gid files are kept; sockets are skipped;
 *   - at most max_size bytes of apparent file size in all (the sum of the
 *     entries' sizes, holes of sparse files included): the entry that
 *     would go over is named in a VZ_ECORRUPT error before anything of it
 *     is written, and nothing is landed;
 *   - sparse files stay sparse (sparse tar entries keep their holes; runs
 *     of zeros in plain entries become holes).
 */
#ifndef VZ_TMPLBUILD_IMPORT_H
#define VZ_TMPLBUILD_IMPORT_H

#include <stdbool.h>

#include "cache/manifest.h"
#include "common/common.h"
#include "tmplbuild/pack.h"

/* The default bound on what an import may expand to: 64 GiB of apparent
 * size. A root file system is a few GiB; a tarball that claims more is a
 * mistake or a sparse-file bomb (10 KB holding a 1 TiB file). */
#define VZ_IMPORT_MAX_SIZE_DEFAULT (64ULL << 30)

struct vz_import_result {
    uint64_t devices_dropped;   /* character and block device nodes */
    uint64_t apparent_bytes;    /* sum of the entries' sizes */
};

/* vz_import_tarball_limited(file, name, opts, lock, VZ_IMPORT_MAX_SIZE_DEFAULT,
 * res, NULL, err). */
int vz_import_tarball(const char *file, const char *name, const struct vz_pack_opts *opts,
                      int lock_timeout_s, struct vz_pack_result *res, vz_error_t *err);

/* max_size: bound on the sum of the entries' apparent sizes (0 = none).
 * ires may be NULL. */
int vz_import_tarball_limited(const char *file, const char *name, const struct vz_pack_opts *opts,
                              int lock_timeout_s, uint64_t max_size, struct vz_pack_result *res,
                              struct vz_import_result *ires, vz_error_t *err);

/* The extraction step alone: unpack the archive file into the existing
 * directory dest with the checks above; nothing is written outside dest.
 * *had_root is set when the archive has an entry for the root itself.
 * On failure dest holds what was extracted so far (the caller removes it). */
int vz_import_extract(const char *file, const char *dest, bool *had_root, vz_error_t *err);

/* Add the installed packages of a dpkg status file to m. A missing file
 * is VZ_EFAIL with errnum ENOENT. */
int vz_import_dpkg_status(const char *status_path, struct vz_manifest *m, vz_error_t *err);

#endif
