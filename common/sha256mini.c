/* common/sha256mini.c: SHA-256 of a short string through libmd (see the
 * header for why the runtime does not use libcrypto for it). */
#include "common/sha256mini.h"

#include <sha2.h>
#include <stdint.h>

void vz_sha256_mini_hex(const void *data, size_t len, char *hex)
{
    /* libmd writes 64 lowercase hex digits and a NUL */
    SHA256Data((const uint8_t *)data, len, hex);
}
