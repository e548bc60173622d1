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
/* Remove the VZ_ROOT and free f; f is then empty, and a second call does
 * nothing (a suite that skips in its .init, where Criterion runs no .fini,
 * calls it there). */
void fx_teardown(struct fx *f);
/* As fx_setup, but the cache is made by the store (tmplbuild/pack.h): signed
 * with the host key the store creates under VZ_ROOT, found by vz_cache_find. */
void fx_setup_signed(struct fx *f, const char *extra_sh);
/* Run build/bin/PROG (PROG = argv[0]) with VZ_ROOT set; stdout+stderr merged
 * into *out (allocated); returns the exit status. */
int fx_run(char *const argv[], char **out);
/* fx_run of the arguments given, NULL-terminated (at most 63). */
int fx_runl(char **out, const char *a0, ...);
/* As fx_runl, after freeing *out (NULL or an earlier output): for a test
 * that keeps one out across its runs. */
int fx_rerunl(char **out, const char *a0, ...);
/* fx_run of "vzctl CMD CTID" and the arguments given, NULL-terminated. */
int fx_vzctl(char **out, const char *cmd, const char *ctid, ...);
/* Count entries (recursively) below VZ_ROOT/rel; -1 if missing. */
long fx_count(const struct fx *f, const char *rel);
char *fx_path(const struct fx *f, const char *rel);
/* Flip one byte in the middle of the tarball (hash no longer matches). */
void fx_tamper(struct fx *f);

#endif
