/* cache/pkgs.h: the content-addressed package cache, template/pkgs/<sha256>.
 * A file exists there only after its sha256 matched (writers use
 * vz_fetch_many, which renames into place after verification). */
#ifndef VZ_CACHE_PKGS_H
#define VZ_CACHE_PKGS_H

#include <stdbool.h>

#include "common/common.h"

/* $VZ_ROOT/vz/template/pkgs/<sha256hex>. Allocated. */
char *vz_pkgcache_path(const char *sha256hex);
/* Create the directory if needed. */
int vz_pkgcache_init(vz_error_t *err);
int vz_pkgcache_has(const char *sha256hex);

/* A package's recoded copy (data.tar as zstd) is <sha256hex>.zdeb beside it
 * (tmplbuild/deb/recode.h); it goes with its package. */
#define VZ_PKGCACHE_RECODED ".zdeb"
/* Whether name is "<64 hex>" VZ_PKGCACHE_RECODED; sha gets the hex digits. */
bool vz_pkgcache_recoded_name(const char *name, char sha[65]);

#endif
