/* fuzz/util.h: what every libFuzzer harness of fuzz/ shares (docs/fuzzing.md).
 *
 * fuzz_init() makes a private scratch root under $TMPDIR (fuzz/run.sh points
 * TMPDIR at a directory it removes afterwards) and points VZ_ROOT,
 * VZ_DISTROS_DIR and VZ_APT_ROOT into it, so no harness reads or writes the
 * host's configuration; it also silences warnings (a fuzzer prints millions).
 * Call it from LLVMFuzzerInitialize.
 */
#ifndef VZ_FUZZ_UTIL_H
#define VZ_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* Scratch root (VZ_ROOT), created by fuzz_init(); removed at exit. */
extern const char *fuzz_root;

void fuzz_init(void);

/* The input as a NUL-terminated string (allocated; NULs inside are kept, so
 * strlen() may be shorter than size). */
char *fuzz_str(const uint8_t *data, size_t size);

/* The input as a readable file without touching the disk: a memfd, named
 * by its /proc/self/fd path (written to path, which holds 64 bytes).
 * Returns the descriptor (close it), aborts on failure. */
int fuzz_memfd(const uint8_t *data, size_t size, char path[64]);

/* Abort with a message: a harness's own check failed (a finding). */
void fuzz_fail(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

#endif
