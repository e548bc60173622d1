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

/* Which shared trees the containers use: their directory names (last
 * path component), NULL-terminated, allocated (vz_strv_free). Fails when it
 * cannot tell. The runtime answers it (vpscore/ctlist.h,
 * vz_ct_trees_in_use); cache only asks. */
typedef int vz_trees_in_use_fn(char ***names, vz_error_t *err);

/* The shared read-only overlay trees, vz_template_path("unpacked")/
 * NAME-<sha256> (vpscore/create.h): removes each tree that in_use does not
 * name and that is not the tree of NAME's current cache (same tarball
 * sha256), plus the ".NAME.tmp.*" leftovers of interrupted creates. in_use
 * is asked once before anything is removed (its failure fails the whole
 * collection, nothing removed) and again before each removal (a create
 * that finished meanwhile). A tree is only removed while this process holds
 * vz_lock_tree(NAME) exclusive (timeout 0); a template whose lock is busy (a
 * `vzctl create` running) keeps all its trees. Counts are in trees (files)
 * and bytes of regular files (bytes); removed holds the directory names,
 * sorted. */
int vz_tree_gc(bool dry_run, vz_trees_in_use_fn *in_use, struct vz_gc_result *res, vz_error_t *err);

#endif
