/* tmplbuild/resolve_int.h: pieces of tmplbuild/resolve shared between its files. */
#ifndef VZ_TMPLBUILD_RESOLVE_INT_H
#define VZ_TMPLBUILD_RESOLVE_INT_H

#include <solv/pool.h>
#include <solv/queue.h>
#include <solv/solver.h>

#include "common/common.h"
#include "metadata/metadata.h"

/* resolve_prefer.c: walk Depends/Pre-Depends from the install jobs as apt
 * does (first installable alternative of "a | b", skipping names in
 * disfavor) and add SOLVER_FAVOR jobs for what that walk chose. */
void vz_resolve_prefer_first_alternatives(Pool *pool, Queue *job);

/* resolve.c: does anything provide dep? (needs whatprovides) */
bool vz_resolve_has_provider(Pool *pool, Id dep);

/* resolve_problems.c: VZ_ESOLVER error with one sentence per problem. */
int vz_resolve_problems_error(Solver *solv, const struct vz_template *t, int nprob,
                              int have_testcase, vz_error_t *err);
/* "bar (>= 2)", "a | b", "perl:any" */
void vz_dep_str(Pool *pool, Id dep, struct vz_buf *b);

#endif
