/* cache/lock.h: the cache's locks, on common/lock.h's primitive (re-entrant
 * within a process, the message naming the holder, --timeout).
 *
 * One lock per template ("template NAME": builds, landing, removal of that
 * template's cache) and one for the package cache ("package cache": shared
 * by builds, which only add files, exclusive for `vzpkg clean`). They are
 * files under $VZ_ROOT/vz/lock/ (template-NAME.lock, pkgcache.lock).
 * Names that are not one safe path component are VZ_EBADARG.
 */
#ifndef VZ_CACHE_LOCK_H
#define VZ_CACHE_LOCK_H

#include <stdbool.h>

#include "common/common.h"
#include "common/lock.h"

int vz_lock_template(const char *name, int timeout_s, struct vz_lock **out, vz_error_t *err);
int vz_lock_pkgcache(bool shared, int timeout_s, struct vz_lock **out, vz_error_t *err);
/* The shared read-only trees of template NAME (vz_template_path("unpacked")/
 * NAME-<sha256>, file tree-NAME.lock): `vzctl create` holds it shared from
 * before it unpacks or reuses the tree until the container's conf names it;
 * `vzpkg clean` takes it exclusive (timeout 0) before removing a tree and
 * keeps the trees of a template whose lock is busy. */
int vz_lock_tree(const char *name, bool shared, int timeout_s, struct vz_lock **out,
                 vz_error_t *err);

#endif
