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
 */
#ifndef VZ_TMPLBUILD_IMPORT_H
#define VZ_TMPLBUILD_IMPORT_H

#include <stdbool.h>

#include "cache/manifest.h"
#include "common/common.h"
#include "tmplbuild/pack.h"

int vz_import_tarball(const char *file, const char *name, const struct vz_pack_opts *opts,
                      int lock_timeout_s, struct vz_pack_result *res, vz_error_t *err);

/* The extraction step alone: unpack the archive file into the existing
 * directory dest with the checks above; nothing is written outside dest.
 * *had_root is set when the archive has an entry for the root itself.
 * On failure dest holds what was extracted so far (the caller removes it). */
int vz_import_extract(const char *file, const char *dest, bool *had_root, vz_error_t *err);

/* Add the installed packages of a dpkg status file to m. A missing file
 * is VZ_EFAIL with errnum ENOENT. */
int vz_import_dpkg_status(const char *status_path, struct vz_manifest *m, vz_error_t *err);

#endif
