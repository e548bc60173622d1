/* tmplbuild/build.h: `vzpkg create-cache`: one template from metadata to a
 * signed cache.
 *
 *   metadata -> repositories + resolve -> fetch into the package cache ->
 *   unpack + register + configure (tmplbuild/install, scripts in the vpscore
 *   sandbox) -> post-install hook (sandbox) -> clean-up -> pre-cache hook
 *   (host, $1 = build root) -> pack + sign + land (tmplbuild/pack, cache/)
 *
 * The build root is TEMPLATE/build/NAME.XXXXXX; it is removed when the build
 * ends, on success and on failure, and leftovers of a build that was killed
 * are removed by the next build of the same template (a lock,
 * $VZ_ROOT/vz/lock/build-NAME.lock, keeps two builds of one template apart). Nothing
 * is mounted in the host's mount namespace: the sandbox's mounts live and
 * die with its own namespace. A failing hook fails the build with the hook's
 * output in the message. docs/building.md has the decisions and why.
 */
#ifndef VZ_TMPLBUILD_BUILD_H
#define VZ_TMPLBUILD_BUILD_H

#include <stdbool.h>
#include <stdint.h>

#include "common/common.h"

struct vz_build_opts {
    char **mirrors;          /* --mirror values (metadata's syntax), NULL-terminated or NULL */
    int jobs;                /* parallel downloads; 0 = fetch's default */
    const char *compress;    /* "zst" (NULL), "gz", "xz" */
    bool force;              /* rebuild an existing cache */
    int lock_timeout_s;      /* waiting for another build of the template; 0 = 60 */
    const char *distros_dir; /* NULL = shipped */
    const char *apt_root;    /* NULL = "/" (host apt sources for mirror discovery) */
    bool allow_expired;      /* accept a Release whose Valid-Until has passed */
    const char *debug_solver_dir; /* write libsolv's testcase there; NULL = no */
};

struct vz_build_timings {
    double index, resolve, download, unpack, preinst, configure, hooks, cleanup, pack, total;
};

struct vz_build_result {
    char *template_name;
    size_t packages;
    uint64_t download_size;   /* bytes the plan names (fetched or already cached) */
    uint64_t installed_size;
    char *tarball;            /* full path of the landed tarball */
    uint64_t tar_size;
    char tar_sha256[65];
    struct vz_build_timings t;
    struct vz_build_timings cpu; /* CPU seconds per stage (vz_cpu_now): user + system, all threads and children */
};

/* Unshares the calling process's mount namespace (mounts made private) when
 * it can, and does not go back: a caller that mounts afterwards mounts in
 * that namespace, invisible to the host. Call it before any thread starts.
 * The build runs with umask 022 (the caller's is put back before it returns)
 * and so does everything it starts: the same modes whoever runs it. */
int vz_build_template(const char *name, const struct vz_build_opts *opts,
                      struct vz_build_result *res, vz_error_t *err);
void vz_build_result_release(struct vz_build_result *res);

/* Debian image clean-up of a finished root (exposed for tests): apt lists,
 * archives and binary caches, logs written during the build, machine-id
 * emptied, neutral hostname/resolv.conf/fstab, and an apt sources.list that
 * names the mirror the template was built from (`sources`, may be NULL). */
int vz_build_cleanup_root(const char *root, const char *sources, vz_error_t *err);

#endif
