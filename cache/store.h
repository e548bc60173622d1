/* cache/store.h: template caches on disk: template/cache/NAME.tar.{zst,gz,xz}
 * with NAME.manifest (JSON, docs/cache-format.md) and NAME.manifest.sig
 * (Ed25519 over the manifest bytes).
 *
 * What a consumer (vzctl create) may rely on: after vz_cache_find() and
 * vz_cache_verify_signature() succeed, info->tar_sha256 and info->tar_size are
 * the values the signed manifest states; the consumer must still hash the
 * tarball while reading it and refuse on mismatch.
 */
#ifndef VZ_CACHE_STORE_H
#define VZ_CACHE_STORE_H

#include <stdint.h>

#include "common/common.h"

struct vz_cache_info {
    char *name;          /* debian-12-x86_64-minimal */
    char *tarball;       /* full path */
    char *compress;      /* "zst", "gz" or "xz" */
    char *manifest_path; /* full path */
    char *sig_path;      /* full path */
    char tar_sha256[65]; /* from the manifest */
    uint64_t tar_size;   /* from the manifest */
    char *manifest_json; /* the manifest text, as signed */
};

/* Find NAME in template/cache/. VZ_ENOTEMPLATE when there is none. */
int vz_cache_find(const char *name, struct vz_cache_info **out, vz_error_t *err);
/* Check the manifest signature against $VZ_ROOT/etc/vz/keys/trusted/ (and the
 * host's own public key). VZ_EVERIFY naming what failed. */
int vz_cache_verify_signature(const struct vz_cache_info *c, vz_error_t *err);
void vz_cache_info_free(struct vz_cache_info *c);

#endif
