/* tests/vpscore/fixture.h: a throwaway VZ_ROOT with a small template cache
 * (tar.zst made by tar + zstd from a tree the fixture writes), described by
 * a struct vz_cache_info as the cache store would after verifying the
 * signature. */
#ifndef VZ_TESTS_VPSCORE_FIXTURE_H
#define VZ_TESTS_VPSCORE_FIXTURE_H

#include "cache/store.h"

struct fx {
    char root[64];              /* VZ_ROOT */
    struct vz_cache_info cache; /* name "test-1-x86_64-minimal" */
};

/* mkdtemp, setenv VZ_ROOT, write the cache. extra_sh: shell run in the tree
 * before packing (may be NULL). */
void fx_setup(struct fx *f, const char *extra_sh);
void fx_teardown(struct fx *f);
/* Count entries (recursively) below VZ_ROOT/rel; -1 if missing. */
long fx_count(const struct fx *f, const char *rel);
char *fx_path(const struct fx *f, const char *rel);
/* Flip one byte in the middle of the tarball (hash no longer matches). */
void fx_tamper(struct fx *f);

#endif
