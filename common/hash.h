/* common/hash.h: SHA-256 through OpenSSL's EVP API.
 * Hex digests are 64 lowercase characters plus NUL (VZ_SHA256_HEX_LEN + 1). */
#ifndef VZ_COMMON_HASH_H
#define VZ_COMMON_HASH_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "common/hex.h" /* vz_hex_encode, for callers that include hash.h */

#define VZ_SHA256_LEN 32
#define VZ_SHA256_HEX_LEN 64

struct vz_sha256 {
    void *ctx; /* EVP_MD_CTX */
};

int vz_sha256_init(struct vz_sha256 *h, vz_error_t *err);
void vz_sha256_update(struct vz_sha256 *h, const void *data, size_t len);
/* Finish; writes the binary digest (32 bytes) and/or hex (65 bytes), either may be NULL. */
void vz_sha256_final(struct vz_sha256 *h, unsigned char *digest, char *hex);
void vz_sha256_release(struct vz_sha256 *h); /* safe after final */

/* One-shot helpers. hex must hold 65 bytes. */
void vz_sha256_hex(const void *data, size_t len, char *hex);
int vz_sha256_file(const char *path, char *hex, uint64_t *size, vz_error_t *err);

#endif
