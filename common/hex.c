/* common/hex.c: vz_hex_encode (common/hex.h). Its own file, away from
 * hash.c, so that a binary that only formats ids in hex (vzctl's random
 * names) does not link libcrypto: loading it costs every vzctl process
 * about 2 ms (docs/design.md, "Process start-up cost"). */
#include "common/hex.h"

void vz_hex_encode(const unsigned char *in, size_t len, char *out)
{
    static const char hx[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = hx[in[i] >> 4];
        out[2 * i + 1] = hx[in[i] & 15];
    }
    out[2 * len] = '\0';
}
