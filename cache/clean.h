/* cache/clean.h: garbage collection of the package cache (template/pkgs/).
 *
 * Keeps every file whose sha256 a current cache's manifest lists, removes the
 * rest (with all: everything), and leftover partial downloads (*.part);
 * also the remains of interrupted `vzpkg download` and `vzpkg import` runs in
 * template/tmp/ (only those no running process holds).
 * Holds the package-cache lock exclusively, so it never races a build (builds
 * hold it shared while they fetch). Files whose names are not a sha256 (or a
 * partial download) are not ours and are left alone.
 */
#ifndef VZ_CACHE_CLEAN_H
#define VZ_CACHE_CLEAN_H

#include <stdbool.h>
#include <stdint.h>

#include "common/common.h"

struct vz_gc_result {
    uint64_t removed_files, removed_bytes;
    uint64_t kept_files, kept_bytes;
    char **removed;   /* file names, NULL-terminated */
};

int vz_pkgcache_gc(bool all, bool dry_run, int lock_timeout_s, struct vz_gc_result *res,
                   vz_error_t *err);
void vz_gc_result_release(struct vz_gc_result *res);

#endif
