/* cache/store_int.h: what store.c and landing.c share; not for other modules. */
#ifndef VZ_CACHE_STORE_INT_H
#define VZ_CACHE_STORE_INT_H

#include <stdbool.h>

#include "common/common.h"

extern const char *const vz_cache_exts[3]; /* "zst", "gz", "xz" */
bool vz_cache_valid_compress(const char *c);
int vz_fsync_dir(const char *dir, vz_error_t *err);
/* Remove what belongs to NAME but is not part of a visible cache (temps of
 * an interrupted writer; without a manifest, the remains of an interrupted
 * landing). Called with the template lock held. */
int vz_cache_remove_stale(const char *name, const char *dir, vz_error_t *err);

/* --- landing_record.c: NAME.landing (docs/cache-format.md, "Landing") --- */
/* Create (or truncate) path, write data and fsync it. */
int vz_cache_write_synced(const char *path, const char *data, size_t len, vz_error_t *err);
char *vz_cache_landing_path(const char *dir, const char *name);
/* Does NAME.landing exist (or cannot be looked at)? Then the final names
 * may be a mix of two caches and must not be read. */
bool vz_cache_landing_exists(const char *dir, const char *name);
/* Create NAME.landing naming the new tarball's compression, atomically and
 * durably: the commit point of a landing (all three temps fsynced before). */
int vz_cache_landing_record(const char *dir, const char *name, const char *ext, vz_error_t *err);
/* With the template lock held: rename each temp still there onto its final
 * name (signature, tarball, manifest last), remove tarballs of another
 * compression, then the record. ext NULL: read it from the record.
 * Idempotent, so a crash inside it is finished by the next call. */
int vz_cache_landing_finish(const char *dir, const char *name, const char *ext, vz_error_t *err);
/* With the template lock held: finish a landing whose record exists (a
 * writer died after its commit point); 0 when there was none. */
int vz_cache_landing_recover(const char *dir, const char *name, vz_error_t *err);
/* For readers, who hold no lock: try the template lock once; if free (the
 * writer is dead) finish the landing and return 0; if held (a live writer
 * is inside its landing) return 1 (look again soon); -1 on error. */
int vz_cache_landing_settle(const char *dir, const char *name, vz_error_t *err);

#endif
