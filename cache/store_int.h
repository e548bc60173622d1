/* cache/store_int.h: what store.c and landing.c share; not for other modules. */
#ifndef VZ_CACHE_STORE_INT_H
#define VZ_CACHE_STORE_INT_H

#include <stdbool.h>

#include "common/common.h"

extern const char *const vz_cache_exts[3]; /* "zst", "gz", "xz" */
bool vz_cache_valid_compress(const char *c);
int vz_fsync_dir(const char *dir, vz_error_t *err);
/* Remove what belongs to NAME but is not part of a visible cache (temps of
 * an interrupted writer; without a manifest, the remains of an interrupted
 * landing). Called with the template lock held. */
int vz_cache_remove_stale(const char *name, const char *dir, vz_error_t *err);

#endif
