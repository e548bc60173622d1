/* common/hex.h: lower-case hex encoding. */
#ifndef VZ_COMMON_HEX_H
#define VZ_COMMON_HEX_H

#include <stddef.h>

/* out must hold 2 * len + 1 bytes; it is NUL-terminated. */
void vz_hex_encode(const unsigned char *in, size_t len, char *out);

#endif
