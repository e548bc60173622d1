/* common/sha256mini.h: SHA-256 of a short string without OpenSSL.
 *
 * The runtime (vzctl start/exec/stop) hashes only container names (the host
 * end of a veth when "veth<CTID>.0" does not fit IFNAMSIZ). Linking
 * libcrypto for that made every vzctl process pay its load and init
 * (~1.6 ms CPU each, docs/runtime.md "Process start-up cost"), so the
 * runtime takes SHA-256 from libmd (Debian's libmd0, a few dozen KB that
 * libbsd already pulls onto most hosts) instead; everything
 * that hashes files or large buffers keeps common/hash.h (OpenSSL, with
 * the CPU's SHA instructions).
 *
 * What a caller may rely on: the digest is SHA-256, byte for byte what
 * vz_sha256_hex() gives for the same input (tests/common/test_sha256mini.c
 * checks it), so names derived from it before this file existed (the
 * veths of running containers) are unchanged. hex must hold 65 bytes
 * (64 lowercase hex digits and a NUL). No allocation; thread-safe. */
#ifndef VZ_COMMON_SHA256MINI_H
#define VZ_COMMON_SHA256MINI_H

#include <stddef.h>

void vz_sha256_mini_hex(const void *data, size_t len, char *hex);

#endif
