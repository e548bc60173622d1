/* cache/lock.c: the cache's named locks, on common/lock.h's primitive. */
#include "cache/lock.h"

int vz_lock_template(const char *name, int timeout_s, struct vz_lock **out, vz_error_t *err)
{
    if (!vz_safe_name(name))
        return vz_error_set(err, VZ_EBADARG, 0, "'%s' is not a valid template name", name);
    cleanup_free char *file = vz_xasprintf("template-%s.lock", name);
    cleanup_free char *what = vz_xasprintf("template %s", name);
    return vz_lock_acquire(file, what, false, timeout_s, out, err);
}

int vz_lock_tree(const char *name, bool shared, int timeout_s, struct vz_lock **out,
                 vz_error_t *err)
{
    if (!vz_safe_name(name))
        return vz_error_set(err, VZ_EBADARG, 0, "'%s' is not a valid template name", name);
    cleanup_free char *file = vz_xasprintf("tree-%s.lock", name);
    cleanup_free char *what = vz_xasprintf("the shared tree of %s", name);
    return vz_lock_acquire(file, what, shared, timeout_s, out, err);
}

int vz_lock_pkgcache(bool shared, int timeout_s, struct vz_lock **out, vz_error_t *err)
{
    return vz_lock_acquire("pkgcache.lock", "the package cache", shared, timeout_s, out, err);
}
