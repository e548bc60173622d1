/* tmplbuild/family.h: one table of operations per package family.
 *
 * The builder (build.c), the resolver (resolve.c), `vzpkg status` /
 * update-cache (update.c) and import never test a template's `family:`
 * themselves: they call vz_family_of() once and go through the table it
 * returns. Adding a family is a folder tmplbuild/<family>/ holding its
 * table and its code (the Makefile compiles every tmplbuild/<dir>/ *.c into
 * libtmplbuild) plus one line in family.c's list. docs/building.md, "Package
 * families", says what each operation must do.
 *
 * What a caller may rely on:
 *  - vz_family_of() either returns a table whose every operation is set, or
 *    fails with VZ_EMETADATA naming the template's file and its `family:`
 *    field (a family the schema accepts but this vzforge cannot build).
 *  - Operations follow the error contract (common/error.h): -1 with *err
 *    filled, 0 on success.
 *  - The generic stages around them (solving, fetching into the package
 *    cache, hooks, packing) are the same for every family.
 */
#ifndef VZ_TMPLBUILD_FAMILY_H
#define VZ_TMPLBUILD_FAMILY_H

#include <stdbool.h>
#include <stddef.h>

#include <solv/pool.h>
#include <solv/queue.h>

#include "cache/manifest.h"
#include "common/common.h"
#include "metadata/metadata.h"
#include "tmplbuild/fetch.h"
#include "tmplbuild/plan.h"
#include "tmplbuild/repo.h"

/* Runs a program inside a root (the builder passes the vpscore sandbox). */
struct vz_script_runner {
    /* Run argv (resolved inside root) with root as "/", env as the whole
     * environment, stdout+stderr captured into out. */
    int (*run)(void *ctx, const char *root, char *const argv[], char *const env[],
               struct vz_buf *out, int *status, vz_error_t *err);
    void *ctx;
};

/* Where an install spent its time (the builder's --timings). */
struct vz_install_timings {
    double unpack;     /* unpacking that needs no script (parallel) */
    double scripts;    /* pre-install scripts and the packages unpacked around them */
    double configure;  /* configuration (post-install scripts, triggers) */
    double unpack_cpu, scripts_cpu, configure_cpu; /* CPU seconds of the same (vz_cpu_now) */
    size_t packages;
};

/* What the builder hands a family's install operation. */
struct vz_family_install {
    const struct vz_template *t;
    const struct vz_plan *plan;
    const char *const *files;   /* per plan package, its verified file in the package cache */
    const char *root;           /* existing, empty directory */
    const struct vz_script_runner *runner;
    int jobs;                   /* unpack threads; 0 = online CPUs */
};

struct vz_family {
    const char *name;  /* the `family:` value: "deb" */
    int disttype;      /* libsolv's DISTTYPE_* for the pool */

    /* Fetch and verify every repository of t, load it into pool (whose
     * disttype and arch are set). Same contract as vz_repo_load (repo.h):
     * *states has t->n_repos entries; repos' appdata is their vz_repo_def;
     * each solvable carries a location, a SHA-256 checksum and, where the
     * format has them, vz_repo_size/priority/essential data. */
    int (*repo_load)(Pool *pool, const struct vz_template *t, const struct vz_repo_opts *opts,
                     struct vz_repo_state **states, struct vz_repo_stats *stats,
                     vz_error_t *err);

    /* The fast path of `vzpkg status` (update.h): the sha256 of the signed
     * top file of repository d (deb: its (In)Release) that d's first mirror
     * serves now, into out. True only when it was fetched and the verified
     * copy repo_load kept of that very file is still valid (not expired);
     * false sends the caller down the full resolution. */
    bool (*served_current)(const struct vz_repo_def *d, char out[65]);

    /* The names of the base set (t->base_required) into names, excluding
     * t->excludes. Called after the pool's whatprovides is built. */
    void (*base_set)(Pool *pool, const struct vz_template *t, Queue *names);

    /* Steer the solver the way the family's own installer chooses among
     * alternatives: add SOLVER_FAVOR / SOLVER_DISFAVOR jobs to job. */
    void (*prefer)(Pool *pool, const struct vz_template *t, Queue *job);

    /* Download the plan's packages into the package cache, verified
     * against the plan's checksums (cache/pkgs.h names them). */
    int (*fetch)(const struct vz_plan *plan, const struct vz_fetch_opts *opts, vz_error_t *err);

    /* Install the plan's files into in->root, scripts through in->runner,
     * so that the family's own tools inside the root see every package
     * installed and configured. */
    int (*install)(const struct vz_family_install *in, struct vz_install_timings *t,
                   vz_error_t *err);

    /* Add the packages the root's own database lists as installed to m.
     * Returns 0, or -1 with errnum ENOENT when the root has no database of
     * this family (so a caller can try the next family). */
    int (*read_installed)(const char *root, struct vz_manifest *m, vz_error_t *err);

    /* Make a finished root a template: remove what the build left (indexes,
     * downloaded packages, logs), neutral identity files, the package
     * manager's sources pointing at the template's repositories. t may be
     * NULL (an in-place upgrade: sources are kept as they are). */
    int (*cleanup)(const char *root, const struct vz_template *t, vz_error_t *err);
};

/* Set KEY=VALUE in a NULL-terminated environment, replacing KEY if present
 * (the builder's hooks and every family's scripts take the template's
 * `environment` this way). */
void vz_env_put(char ***env, const char *kv);

/* The table for t->family; VZ_EMETADATA naming t->source_path and the field
 * when there is none. */
const struct vz_family *vz_family_of(const struct vz_template *t, vz_error_t *err);

/* Every family, NULL-terminated (import tries each database in turn). */
const struct vz_family *const *vz_families(void);

/* The families, in family.c's list. */
extern const struct vz_family vz_family_deb;
extern const struct vz_family vz_family_rpm; /* tmplbuild/rpm/, docs/family-rpm.md */

#endif
