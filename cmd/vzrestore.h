/* cmd/vzrestore.h: what vzrestore's main uses from its other file. */
#ifndef VZ_CMD_VZRESTORE_H
#define VZ_CMD_VZRESTORE_H

#include "cache/store.h"
#include "vpscore/dump.h"

/* The template an overlay archive needs: the store's (downloaded when
 * INDEX_URL is set), or the archive's own copy (--full) landed in the
 * store first; its signature checked. NULL *cache for a plain archive,
 * which needs none. (cmd/vzrestore_tmpl.c) */
int vzrestore_template(const char *archive, const struct vz_dump_info *info, struct vz_cache_info **cache,
                       vz_error_t *err);

#endif
