/* cmd/cache_stub_until_merge.c: TEMPORARY. The cache store (cache/store.c,
 * branch `cache`) is not merged yet; these weak definitions let vzctl link
 * and fail loudly. DELETE THIS FILE when merging `cache`: a weak definition
 * in a directly linked object keeps the archive's real one from being used. */
#include "cache/store.h"

__attribute__((weak)) int vz_cache_find(const char *name, struct vz_cache_info **out, vz_error_t *err)
{
    (void)out;
    return vz_error_set(err, VZ_ENOTEMPLATE, 0,
                        "OS template %s: the cache store is not built into this vzctl yet", name);
}

__attribute__((weak)) int vz_cache_verify_signature(const struct vz_cache_info *c, vz_error_t *err)
{
    return vz_error_set(err, VZ_EVERIFY, 0, "%s: signature check not built in", c->name);
}

__attribute__((weak)) void vz_cache_info_free(struct vz_cache_info *c)
{
    (void)c;
}
