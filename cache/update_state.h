/* cache/update_state.h: the last `vzpkg status` / `update-cache` result of a
 * template, so that `vzpkg list --cached` can say whether an update is
 * available without touching the network.
 *
 * One small JSON file per template: TEMPLATE/repodata/status/NAME.json
 * (vz_template_path("repodata")), written atomically after every check:
 *
 *   { "template": "debian-12-x86_64-minimal",
 *     "checked": 1764160000,            seconds since the epoch
 *     "cache_sha256": "...",            tarball sha256 of the cache checked
 *     "resolved_sha256": "...",         vz_manifest_set_digest of the fresh set
 *     "metadata_sha256": "...",         of the template checked
 *     "updates": true,                  false: the cache was current
 *     "changes": 3,                     package changes found
 *     "metadata_changed": false,
 *     "vzforge_version": "0.1.0",       optional: who resolved
 *     "releases": {"main": "..."} }     optional: (In)Release sha256 per repository
 *
 * The result describes one cache: when the cache's tarball is no longer the
 * one checked (rebuilt, replaced, downloaded), the state is stale and
 * vz_update_state_available() says "unknown". A missing or unreadable state
 * file is "unknown" too (never checked): list must not fail over it.
 */
#ifndef VZ_CACHE_UPDATE_STATE_H
#define VZ_CACHE_UPDATE_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/common.h"

struct vz_update_state {
    char *template_name;
    int64_t checked;
    char cache_sha256[65];
    char resolved_sha256[65];
    char metadata_sha256[65];
    bool updates;
    size_t changes;
    bool metadata_changed;
    /* Added (optional in the file): the vzforge version that resolved, and
     * the sha256 of each repository's verified (In)Release it resolved
     * from. With "updates": false they let the next check conclude
     * "current" from unchanged Release files alone (tmplbuild/update.c). */
    char *vzforge_version;         /* NULL when absent */
    struct vz_update_release {
        char *name;
        char sha256[65];
    } *releases;
    size_t n_releases;
};

/* Append a release (strings copied). */
void vz_update_state_add_release(struct vz_update_state *s, const char *name, const char *sha256);

/* Path of NAME's state file (allocated). */
char *vz_update_state_path(const char *name);

/* Write s atomically (creating the status directory). */
int vz_update_state_write(const struct vz_update_state *s, vz_error_t *err);

/* Read NAME's state. Returns 1 with *out set, 0 with *out NULL when there is
 * none, -1 with *err when the file exists but cannot be read or parsed
 * (VZ_ECORRUPT naming the file and field). */
int vz_update_state_read(const char *name, struct vz_update_state **out, vz_error_t *err);
/* Frees s, its strings and releases (not for a caller-owned struct whose
 * strings are borrowed: use vz_update_state_release_list for those). */
void vz_update_state_free(struct vz_update_state *s);
/* Free only the releases list and version of s (what _add_release and the
 * caller's xstrdup allocated). */
void vz_update_state_release_list(struct vz_update_state *s);

/* Remove NAME's state (no error when there is none). */
int vz_update_state_remove(const char *name, vz_error_t *err);

/* "yes", "no" or "unknown": whether s (may be NULL) says an update of the
 * cache whose tarball has sha256 cache_sha256 is available. */
const char *vz_update_state_available(const struct vz_update_state *s, const char *cache_sha256);

#endif
