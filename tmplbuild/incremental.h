/* tmplbuild/incremental.h: `vzpkg update-cache --incremental`: upgrade a
 * cache in place, the Virtuozzo way, instead of rebuilding it.
 *
 *   1. the old cache's manifest signature is checked (the new cache is
 *      signed by this host on the strength of it);
 *   2. the packages that changed (added, upgraded, downgraded, rebuilt) are
 *      downloaded on the host into the package cache (tmplbuild/fetch): there
 *      is no network inside the sandbox;
 *   3. the old tarball is unpacked, hash checked while unpacking, into a
 *      build root TEMPLATE/build/NAME.XXXXXX (under the lock a build of the
 *      template takes, so a killed run's root is removed by the next build);
 *   4. the changed .debs are copied to the root's var/cache/apt/archives and
 *      installed with the root's own dpkg inside the vpscore sandbox
 *      (`dpkg --force-confold -i ...`: locally changed conffiles are kept),
 *      then packages no longer in the resolution are purged
 *      (`dpkg --purge ...`);
 *   5. the root is cleaned as a build's is (tmplbuild/build.h) and packed,
 *      signed and landed atomically with a manifest of the new plan
 *      (tmplbuild/pack.h): the old cache stays visible until then.
 *
 * Template hooks are not run again; a metadata change other than the
 * package list (hooks, environment, merged /usr) is not applied: a warning
 * says so, and the clean rebuild (no --incremental) applies everything.
 * An imported cache (manifest source "import:...") is refused with VZ_EBUILD:
 * the new manifest would list only the template's packages.
 * A cache without usr/bin/dpkg fails with VZ_EBUILD once unpacked, before
 * anything in it changed. The build root is removed on success and on
 * failure; the old cache stays visible throughout.
 */
#ifndef VZ_TMPLBUILD_INCREMENTAL_H
#define VZ_TMPLBUILD_INCREMENTAL_H

#include "tmplbuild/update.h"

struct vz_incremental_opts {
    int jobs;              /* parallel downloads; 0 = fetch's default */
    const char *compress;  /* NULL = the old cache's compression */
    int lock_timeout_s;    /* 0 = 60 */
};

int vz_incremental_update(const struct vz_update_check *c, const struct vz_incremental_opts *o,
                          vz_error_t *err);

#endif
