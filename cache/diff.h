/* cache/diff.h: what changed between a cached template and a fresh
 * resolution of its metadata (`vzpkg status`, `vzpkg update-cache`).
 *
 * Both sides are manifests (cache/manifest.h): the cached one as stored, and
 * one made from a freshly resolved plan (tmplbuild/pack.h,
 * vz_pack_manifest_new). Only two things decide whether a cache is current:
 *
 *   - the resolved package set: every (name, architecture, version) and the
 *     sha256 of each .deb where both sides know it;
 *   - the metadata hash (the effective template, struct vz_template).
 *
 * Repository state (Release dates and hashes) does not: a new Release that
 * resolves to the same packages leaves the cache current.
 *
 * Packages are matched by name. When a name occurs once on each side the two
 * entries are compared (an architecture change, amd64 -> all, is an upgrade
 * or downgrade like any other); when a name occurs several times (Multi-Arch:
 * same in two architectures) entries are matched by architecture and the
 * unmatched ones are added or removed. Versions are compared as dpkg does
 * (vz_deb_version_cmp); the same version with a different .deb sha256 is
 * "rebuilt".
 *
 * Everything here is pure: no files, no network, no errors.
 */
#ifndef VZ_CACHE_DIFF_H
#define VZ_CACHE_DIFF_H

#include <stdbool.h>
#include <stddef.h>

#include "cache/manifest.h"

enum vz_pkg_change_kind {
    VZ_PKG_ADDED,
    VZ_PKG_REMOVED,
    VZ_PKG_UPGRADED,
    VZ_PKG_DOWNGRADED,
    VZ_PKG_REBUILT, /* same version, different .deb */
};

struct vz_pkg_change {
    enum vz_pkg_change_kind kind;
    char *name;
    char *old_version, *old_arch; /* NULL for VZ_PKG_ADDED */
    char *new_version, *new_arch; /* NULL for VZ_PKG_REMOVED */
    bool qualified; /* the name occurs in several architectures: shown as name:arch */
};

struct vz_cache_diff {
    bool metadata_changed;
    char *old_metadata_sha256;  /* "" for imported caches */
    char *new_metadata_sha256;
    struct vz_pkg_change *changes; /* sorted by name, then old/new architecture */
    size_t n_changes;
    size_t n_added, n_removed, n_upgraded, n_downgraded, n_rebuilt;
};

/* Compare cached (the stored manifest) with fresh (from the new plan).
 * *out is freed with vz_cache_diff_free(). Never fails. */
struct vz_cache_diff *vz_cache_diff(const struct vz_manifest *cached,
                                    const struct vz_manifest *fresh);
void vz_cache_diff_free(struct vz_cache_diff *d);

/* True when the cache is current: no package change, same metadata hash. */
bool vz_cache_diff_unchanged(const struct vz_cache_diff *d);

/* "added", "removed", "upgraded", "downgraded", "rebuilt". */
const char *vz_pkg_change_kind_str(enum vz_pkg_change_kind k);

/* One line, no newline (allocated):
 *   added foo 1.0
 *   removed foo 1.0
 *   upgraded foo 1.0 -> 1.1
 *   downgraded foo 1.1 -> 1.0
 *   rebuilt foo 1.0 (new package file)
 * The architecture is shown only where it tells entries apart or changed:
 *   "upgraded libx:amd64 1.0 -> 1.1" (a name present in several
 *   architectures), "upgraded foo 1.0 (amd64) -> 1.1 (all)". */
char *vz_pkg_change_str(const struct vz_pkg_change *c);

/* Digest of a manifest's resolved set and metadata hash: sha256 over the
 * metadata hash and the sorted "name arch version sha256" lines. Equal
 * digests mean vz_cache_diff finds nothing; state files (cache/update_state.h)
 * keep it to tell which resolution a status result was about. out holds 65
 * bytes. */
void vz_manifest_set_digest(const struct vz_manifest *m, char out[65]);

/* Compare two Debian version strings ([epoch:]upstream[-revision]) as dpkg
 * does (Debian Policy 5.6.12): < 0, 0, > 0. A missing epoch is 0; "~" sorts
 * before anything, even the end of the string; letters before non-letters. */
int vz_deb_version_cmp(const char *a, const char *b);

#endif
