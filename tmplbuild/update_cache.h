/* tmplbuild/update_cache.h: `vzpkg update-cache` for one template: wait for
 * a build of it, find its cache, check it, and build, rebuild or upgrade it
 * in place when it is missing or stale; record the result.
 *
 * What a caller may rely on:
 *   - Holds vz_update_lock(name) throughout, so two updates of one
 *     template never both build: the second waits and finds it current.
 *   - No cache yet: built from scratch (VZ_ENOTEMPLATE naming the command
 *     that builds one when incremental was asked). A current cache: nothing
 *     is built; the check is recorded (vz_update_record). Otherwise a full
 *     rebuild, or with incremental the in-place upgrade
 *     (tmplbuild/incremental.h); the landed cache is recorded as current.
 *   - The old cache stays in place until the new one has landed.
 *   - step() is told twice per template (when not NULL): VZ_UPD_DECIDED
 *     once the action is known, before anything is built or recorded (so a
 *     caller can say what is about to happen), and VZ_UPD_LANDED after a
 *     build landed, before it is recorded (res->diff then says what changed;
 *     NULL for a first build). Nothing here prints.
 *   - Errors are those of the lock (VZ_ELOCKED), the check
 *     (tmplbuild/update.h) and the build (tmplbuild/build.h).
 */
#ifndef VZ_TMPLBUILD_UPDATE_CACHE_H
#define VZ_TMPLBUILD_UPDATE_CACHE_H

#include <stdbool.h>
#include <stddef.h>

#include "cache/diff.h"
#include "common/common.h"

enum vz_update_action {
    VZ_UPD_NONE,        /* current: nothing to do */
    VZ_UPD_BUILT,       /* there was no cache: built */
    VZ_UPD_REBUILT,     /* stale: rebuilt */
    VZ_UPD_INCREMENTAL, /* stale: upgraded in place */
};
/* "none", "built", "rebuilt", "incremental" (update-cache --json). */
const char *vz_update_action_str(enum vz_update_action a);

struct vz_update_result {
    enum vz_update_action action;
    const char *name;                 /* the template's name */
    size_t packages;                  /* of the fresh resolution (or the cache's); 0 for BUILT */
    const struct vz_cache_diff *pending; /* DECIDED of NONE/REBUILT/INCREMENTAL: the check's diff */
    struct vz_cache_diff *diff;       /* LANDED of REBUILT/INCREMENTAL: what the landed cache changed */
};

enum vz_update_step { VZ_UPD_DECIDED, VZ_UPD_LANDED };

struct vz_update_cache_opts {
    char **mirrors;       /* --mirror values, NULL-terminated or NULL */
    int jobs;             /* parallel downloads (0: the default) */
    const char *compress; /* NULL: zst */
    int lock_timeout_s;   /* wait for another build (0: 60) */
    bool allow_expired, incremental, full;
    void (*step)(enum vz_update_step step, const struct vz_update_result *r, void *arg);
    void *arg;
};

int vz_update_cache(const char *name, const struct vz_update_cache_opts *o, vz_error_t *err);

#endif
