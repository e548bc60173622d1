/* tmplbuild/resolve.h: a template's package set, resolved with libsolv.
 *
 * vz_resolve() loads the template's verified repositories (tmplbuild/repo.h)
 * into a libsolv pool (Debian dist type, the template's architecture plus
 * `all`) and solves the jobs:
 *
 *   base set   when t->base_required (Debian's minbase): every installable
 *              package with Essential: yes or Priority: required;
 *   packages   t->packages (names, or virtual names a package Provides);
 *   excludes   t->excludes are removed from the base set and locked: a package
 *              that needs one is a solver problem, never a silent install.
 *
 * Recommends are not followed (debootstrap and minbase do not follow them).
 * Where a dependency offers alternatives (a | b) the first installable one is
 * preferred, as apt and debootstrap do, with one documented exception: when
 * the builder creates merged /usr itself (t->merged_usr == "symlinks"),
 * usr-is-merged is preferred over usrmerge (docs/resolve.md says why).
 *
 * The plan lists packages in install order (libsolv's transaction order:
 * Pre-Depends and Depends before their dependents), every struct vz_pkg field
 * filled. Solver problems fail with VZ_ESOLVER and sentences such as
 *   package foo 1.0 requires bar (>= 2), but none of the candidates can be
 *   installed: no package provides it (available: bar 1.0)
 * With debug_solver_dir set, libsolv's testcase (testcase_write) is written
 * there whether or not the solve succeeded, to be replayed with `testsolv`.
 */
#ifndef VZ_TMPLBUILD_RESOLVE_H
#define VZ_TMPLBUILD_RESOLVE_H

#include "metadata/metadata.h"
#include "tmplbuild/plan.h"
#include "tmplbuild/repo.h"

struct vz_resolve_opts {
    struct vz_repo_opts repo;
    const char *debug_solver_dir; /* NULL = none */
};

struct vz_resolve_stats {
    struct vz_repo_stats repo;
    double t_index;   /* seconds spent loading repositories */
    double t_solve;   /* seconds spent solving and ordering */
    double cpu_index, cpu_solve; /* CPU seconds of the same (vz_cpu_now) */
    unsigned pool_solvables;
};

/* stats may be NULL. *out is freed with vz_plan_free(). */
int vz_resolve(const struct vz_template *t, const struct vz_resolve_opts *opts,
               struct vz_plan **out, struct vz_resolve_stats *stats, vz_error_t *err);

#endif
