/* tmplbuild/resolve_problems.c: libsolv problems as sentences a template
 * maintainer can act on, in Debian's own dependency syntax. */
#include "tmplbuild/resolve_int.h"

#include <string.h>

#include <solv/poolarch.h>
#include <solv/problems.h>
#include <solv/rules.h>

void vz_dep_str(Pool *pool, Id dep, struct vz_buf *b)
{
    if (!ISRELDEP(dep)) {
        vz_buf_adds(b, pool_id2str(pool, dep));
        return;
    }
    Reldep *rd = GETRELDEP(pool, dep);
    if (rd->flags == REL_OR) {
        vz_dep_str(pool, rd->name, b);
        vz_buf_adds(b, " | ");
        vz_dep_str(pool, rd->evr, b);
        return;
    }
    if (rd->flags == REL_MULTIARCH) {
        vz_dep_str(pool, rd->name, b);
        vz_buf_addf(b, ":%s", pool_id2str(pool, rd->evr));
        return;
    }
    static const char *const ops[8] = { NULL, ">>", "=", ">=", "<<", "!=", "<=", NULL };
    vz_dep_str(pool, rd->name, b);
    if (rd->flags > 0 && rd->flags < 8 && ops[rd->flags])
        vz_buf_addf(b, " (%s %s)", ops[rd->flags], pool_id2str(pool, rd->evr));
}

static void pkg_str(Pool *pool, Id p, struct vz_buf *b)
{
    Solvable *s = pool->solvables + p;
    vz_buf_addf(b, "%s %s", pool_id2str(pool, s->name), pool_id2str(pool, s->evr));
}

/* The plain name(s) a dependency is about, for "available: ..." hints. */
static void dep_names(Pool *pool, Id dep, Queue *names)
{
    while (ISRELDEP(dep)) {
        Reldep *rd = GETRELDEP(pool, dep);
        if (rd->flags == REL_OR) {
            dep_names(pool, rd->name, names);
            dep = rd->evr;
            continue;
        }
        dep = rd->name;
    }
    queue_push(names, dep);
}

static bool locked(Solver *solv, Id p)
{
    Queue *job = &solv->job;
    Pool *pool = solv->pool;
    for (int i = 0; i + 1 < job->count; i += 2)
        if ((job->elements[i] & SOLVER_JOBMASK) == SOLVER_LOCK &&
            (job->elements[i] & SOLVER_SELECTMASK) == SOLVER_SOLVABLE_NAME &&
            job->elements[i + 1] == pool->solvables[p].name)
            return true;
    return false;
}

static void requires_sentence(Solver *solv, Id source, Id dep, struct vz_buf *b)
{
    Pool *pool = solv->pool;
    vz_buf_adds(b, "package ");
    pkg_str(pool, source, b);
    vz_buf_adds(b, " requires ");
    vz_dep_str(pool, dep, b);
    vz_buf_adds(b, ", but none of the candidates can be installed: ");
    Id p, pp;
    int n = 0;
    FOR_PROVIDES(p, pp, dep) {
        vz_buf_adds(b, n++ ? ", " : "");
        pkg_str(pool, p, b);
        if (locked(solv, p))
            vz_buf_adds(b, " (excluded by the template)");
        else if (!pool_installable(pool, pool->solvables + p))
            vz_buf_addf(b, " (architecture %s)", pool_id2str(pool, pool->solvables[p].arch));
        else
            vz_buf_adds(b, " (conflicts with the rest of the set)");
    }
    if (n)
        return;
    vz_buf_adds(b, "no package provides it");
    Queue names;
    queue_init(&names);
    dep_names(pool, dep, &names);
    int m = 0;
    for (int i = 0; i < names.count; i++)
        FOR_PROVIDES(p, pp, names.elements[i]) {
            vz_buf_adds(b, m++ ? ", " : " (available: ");
            pkg_str(pool, p, b);
        }
    if (m)
        vz_buf_adds(b, ")");
    queue_free(&names);
}

static void rule_sentence(Solver *solv, Id rid, struct vz_buf *b)
{
    Pool *pool = solv->pool;
    Id source = 0, target = 0, dep = 0;
    SolverRuleinfo type = solver_ruleinfo(solv, rid, &source, &target, &dep);
    switch (type) {
    case SOLVER_RULE_PKG_REQUIRES:
    case SOLVER_RULE_PKG_NOTHING_PROVIDES_DEP:
        requires_sentence(solv, source, dep, b);
        return;
    case SOLVER_RULE_PKG_CONFLICTS:
        vz_buf_adds(b, "package ");
        pkg_str(pool, source, b);
        vz_buf_adds(b, " conflicts with ");
        vz_dep_str(pool, dep, b);
        vz_buf_adds(b, ", which ");
        pkg_str(pool, target, b);
        vz_buf_adds(b, " provides");
        return;
    case SOLVER_RULE_PKG_NOT_INSTALLABLE:
        vz_buf_adds(b, "package ");
        pkg_str(pool, source, b);
        vz_buf_addf(b, " cannot be installed (architecture %s)",
                    pool_id2str(pool, pool->solvables[source].arch));
        return;
    default:
        vz_buf_adds(b, solver_problemruleinfo2str(solv, type, source, target, dep));
        return;
    }
}

int vz_resolve_problems_error(Solver *solv, const struct vz_template *t, int nprob,
                              int have_testcase, vz_error_t *err)
{
    cleanup_buf struct vz_buf b = VZ_BUF_INIT;
    vz_buf_init(&b);
    vz_buf_addf(&b, "cannot resolve the packages of %s:", t->name);
    Queue rules;
    queue_init(&rules);
    for (Id pr = 1; pr <= nprob; pr++) {
        Id rid = solver_findproblemrule(solv, pr);
        struct vz_buf one = VZ_BUF_INIT;
        vz_buf_init(&one);
        rule_sentence(solv, rid, &one);
        if (nprob > 1)
            vz_buf_addf(&b, "\n  %d. %s", pr, one.data);
        else
            vz_buf_addf(&b, " %s", one.data);
        /* the other rules involved, when they add something */
        queue_empty(&rules);
        solver_findallproblemrules(solv, pr, &rules);
        for (int i = 0; i < rules.count; i++) {
            if (rules.elements[i] == rid)
                continue;
            Id s2, t2, d2;
            SolverRuleinfo ty = solver_ruleinfo(solv, rules.elements[i], &s2, &t2, &d2);
            if (ty != SOLVER_RULE_PKG_CONFLICTS && ty != SOLVER_RULE_PKG_REQUIRES &&
                ty != SOLVER_RULE_PKG_NOTHING_PROVIDES_DEP)
                continue;
            vz_buf_reset(&one);
            rule_sentence(solv, rules.elements[i], &one);
            vz_buf_addf(&b, "\n     (%s)", one.data);
        }
        vz_buf_release(&one);
    }
    queue_free(&rules);
    if (!have_testcase)
        vz_buf_adds(&b, "\n(run with --debug-solver DIR to write a testcase that libsolv's "
                        "testsolv replays)");
    return vz_error_set(err, VZ_ESOLVER, 0, "%s", b.data);
}
