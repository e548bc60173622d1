/* cache/pkgs.h: the content-addressed package cache, template/pkgs/<sha256>.
 * A file exists there only after its sha256 matched (writers use
 * vz_fetch_many, which renames into place after verification). */
#ifndef VZ_CACHE_PKGS_H
#define VZ_CACHE_PKGS_H

#include "common/common.h"

/* $VZ_ROOT/vz/template/pkgs/<sha256hex>. Allocated. */
char *vz_pkgcache_path(const char *sha256hex);
/* Create the directory if needed. */
int vz_pkgcache_init(vz_error_t *err);
int vz_pkgcache_has(const char *sha256hex);

#endif
