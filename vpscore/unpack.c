/* vpscore/unpack.c: vz_ct_create, the create that unpacks with
 * cache/unpack.c. Its own file so that what links vz_ct_create_with alone
 * (vzctl) links no archive code. */
#include "cache/unpack.h"
#include "vpscore/create.h"

int vz_ct_create(const struct vz_create_opts *o, const struct vz_cache_info *cache,
                 struct vz_create_result *res, vz_error_t *err)
{
    return vz_ct_create_with(o, cache, vz_unpack_verified, res, err);
}
