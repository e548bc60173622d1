/* tmplbuild/update.h: is a template cache current? (`vzpkg status`,
 * `vzpkg update-cache`).
 *
 * vz_update_check() loads the template's metadata, finds its cache and
 * parses the cached manifest, re-reads the repository indexes (an unchanged
 * Release reuses the .solv copy: a warm check downloads only the Release
 * files and verifies them), resolves, and compares the cached manifest with
 * the manifest a build of that plan would get (cache/diff.h). It changes
 * nothing on disk except what the repository code keeps under repodata.
 *
 * Fast path: the resolution is a function of the metadata, the verified
 * Release files (which pin every index by hash) and the vzforge version.
 * When the metadata hash and the version are those of a resolution known to
 * match the cache (the cache's own manifest, or the last status record that
 * found it current), and each repository's mirror serves (In)Release bytes
 * whose sha256 equals the one that resolution used, the cache is current
 * without loading an index or solving. Equal sha256 means the very bytes
 * that were verified then, so nothing unverified is trusted; the kept
 * Release's Valid-Until is checked against now, and anything else (a fetch
 * failure, a new Release, --allow-expired) takes the full path.
 *
 * vz_update_record() writes the result for `vzpkg list --cached`
 * (cache/update_state.h); vz_update_record_built() the result of a rebuild
 * (the new cache is current by construction).
 *
 * Errors: VZ_ENOTEMPLATE (91) when the template has no cache (or no
 * metadata), with a message naming the command that creates it; otherwise
 * those of metadata, repositories and resolution (201, 202, 203, 204), and
 * VZ_ECORRUPT (206) for a cached manifest that does not parse.
 */
#ifndef VZ_TMPLBUILD_UPDATE_H
#define VZ_TMPLBUILD_UPDATE_H

#include <stdbool.h>

#include "cache/diff.h"
#include "cache/manifest.h"
#include "cache/store.h"
#include "metadata/metadata.h"
#include "tmplbuild/plan.h"

struct vz_update_opts {
    char **mirrors;          /* --mirror values, NULL-terminated or NULL */
    bool allow_expired;      /* accept a Release whose Valid-Until has passed */
    const char *distros_dir; /* NULL = shipped */
    bool full;               /* never take the fast path (always resolve) */
};

struct vz_family;
struct vz_update_check {
    struct vz_template *t;
    const struct vz_family *fam;   /* t's package family (tmplbuild/family.h) */
    struct vz_cache_info *cache;   /* the cache as found */
    struct vz_manifest *cached;    /* its manifest */
    struct vz_plan *plan;          /* the fresh resolution; NULL when quick */
    struct vz_manifest *fresh;     /* manifest a build of plan would carry (no tarball fields);
                                      NULL when quick */
    struct vz_cache_diff *diff;
    char resolved_sha256[65];      /* vz_manifest_set_digest(fresh) */
    double t_index, t_solve;       /* seconds */
    bool quick;                    /* current by the fast path (no resolution) */
    size_t packages;               /* packages of the fresh resolution (or the cache's) */
    char (*release_sha256)[65];    /* per t->repos entry: the (In)Release resolved from */
};

int vz_update_check(const char *name, const struct vz_update_opts *o,
                    struct vz_update_check **out, vz_error_t *err);
void vz_update_check_free(struct vz_update_check *c);

/* Take the lock a build of the template holds (tmplbuild/build.c), so that
 * a second update-cache of the same template waits for the first and then
 * finds the cache current instead of building it again. Re-entrant within
 * the process: the build called afterwards takes it again at once.
 * VZ_ELOCKED naming the holder after timeout_s (0 = 60). */
struct vz_lock;
int vz_update_lock(const char *name, int timeout_s, struct vz_lock **out, vz_error_t *err);

/* Record c's result (updates available or not) for the cache it checked. */
int vz_update_record(const struct vz_update_check *c, vz_error_t *err);

/* Record that the cache NAME, as it is now on disk, is current (after a
 * rebuild). */
int vz_update_record_built(const char *name, vz_error_t *err);

/* The diff between the manifest of the cache NAME as it is now on disk and
 * before (old), for printing what a rebuild changed. */
int vz_update_diff_landed(const char *name, const struct vz_manifest *old,
                          struct vz_cache_diff **out, vz_error_t *err);

#endif
