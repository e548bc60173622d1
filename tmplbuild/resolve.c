/* tmplbuild/resolve.c: jobs, solve, install order (resolve.h). */
#include "tmplbuild/resolve.h"
#include "tmplbuild/family.h"
#include "tmplbuild/resolve_int.h"

#include <string.h>

#include <solv/policy.h>
#include <solv/pool.h>
#include <solv/poolarch.h>
#include <solv/repo.h>
#include <solv/solver.h>
#include <solv/testcase.h>
#include <solv/transaction.h>

bool vz_resolve_has_provider(Pool *pool, Id dep)
{
    Id p, pp;
    FOR_PROVIDES(p, pp, dep)
        return true;
    return false;
}

/* A name the template asks for: a package name, else a virtual name. */
static int add_wanted(Pool *pool, const struct vz_template *t, const char *name, Queue *job,
                      vz_error_t *err)
{
    Id id = pool_str2id(pool, name, 0);
    if (id && vz_resolve_has_provider(pool, id)) {
        Id p, pp;
        bool by_name = false;
        FOR_PROVIDES(p, pp, id)
            if (pool->solvables[p].name == id)
                by_name = true;
        queue_push2(job, SOLVER_INSTALL | (by_name ? SOLVER_SOLVABLE_NAME : SOLVER_SOLVABLE_PROVIDES), id);
        return 0;
    }
    return vz_error_set(err, VZ_ESOLVER, 0,
                        "package '%s' (in the package list of %s, %s) is not in any repository "
                        "of the template; check its spelling and the repositories' components",
                        name, t->name, t->source_path ? t->source_path : "metadata");
}

static int fill_plan(Pool *pool, Transaction *trans, struct vz_plan *plan, vz_error_t *err)
{
    Queue *steps = &trans->steps;
    plan->pkgs = vz_xcalloc(steps->count ? (size_t)steps->count : 1, sizeof(*plan->pkgs));
    for (int i = 0; i < steps->count; i++) {
        Id p = steps->elements[i];
        Solvable *s = pool->solvables + p;
        struct vz_pkg *k = &plan->pkgs[plan->n++];
        k->name = vz_xstrdup(pool_id2str(pool, s->name));
        k->version = vz_xstrdup(pool_id2str(pool, s->evr));
        k->arch = vz_xstrdup(pool_id2str(pool, s->arch));
        const char *loc = solvable_lookup_location(s, NULL);
        k->filename = loc ? vz_xstrdup(loc) : NULL;
        Id type = 0;
        const char *sum = solvable_lookup_checksum(s, SOLVABLE_CHECKSUM, &type);
        if (sum == NULL || type != REPOKEY_TYPE_SHA256 || loc == NULL)
            return vz_error_set(err, VZ_ECORRUPT, 0,
                                "package %s %s: the index gives no %s; the archive's Packages "
                                "file must list Filename and SHA256", k->name, k->version,
                                loc ? "SHA256" : "Filename");
        memcpy(k->sha256, sum, 65);
        k->size = vz_repo_size(pool, p);
        k->installed_size = solvable_lookup_num(s, SOLVABLE_INSTALLSIZE, 0);
        k->essential = vz_repo_essential(pool, p);
        const char *prio = vz_repo_priority(pool, p);
        k->priority = prio ? vz_xstrdup(prio) : NULL;
        const char *ma = solvable_lookup_str(s, SOLVABLE_MULTIARCH);
        k->multi_arch = ma ? vz_xstrdup(ma) : NULL;
        k->repo = s->repo->appdata;
        plan->total_size += k->size;
        plan->total_installed_size += k->installed_size;
    }
    return 0;
}

static int write_testcase(Solver *solv, const char *dir)
{
    vz_error_t err = NULL;
    if (vz_mkdir_p(dir, 0755, &err) < 0) {
        vz_warn("--debug-solver: %s", err->msg);
        vz_error_release(&err);
        return -1;
    }
    if (!testcase_write(solv, dir, TESTCASE_RESULT_TRANSACTION | TESTCASE_RESULT_PROBLEMS, NULL, NULL)) {
        vz_warn("--debug-solver: cannot write the testcase to %s: %s", dir,
                pool_errstr(solv->pool));
        return -1;
    }
    vz_info("solver testcase written to %s (replay: testsolv %s/testcase.t)", dir, dir);
    return 0;
}

int vz_resolve(const struct vz_template *t, const struct vz_resolve_opts *opts,
               struct vz_plan **out, struct vz_resolve_stats *stats, vz_error_t *err)
{
    static const struct vz_resolve_opts none;
    const struct vz_resolve_opts *o = opts ? opts : &none;
    const struct vz_family *fam = vz_family_of(t, err);
    if (!fam)
        return -1;

    double t0 = vz_now(), c0 = vz_cpu_now();
    Pool *pool = pool_create();
    pool_setdisttype(pool, fam->disttype);
    pool_setarch(pool, t->distro_arch);
    struct vz_plan *plan = vz_xcalloc(1, sizeof(*plan));
    Solver *solv = NULL;
    Transaction *trans = NULL;
    Queue job;
    queue_init(&job);
    int ret = -1;

    struct vz_repo_stats rs = { 0 };
    if (fam->repo_load(pool, t, &o->repo, &plan->repos, &rs, err) < 0)
        goto out;
    plan->n_repos = t->n_repos;
    pool_addfileprovides(pool);
    pool_createwhatprovides(pool);
    double t1 = vz_now(), c1 = vz_cpu_now();

    if (t->base_required) {
        Queue names;
        queue_init(&names);
        fam->base_set(pool, t, &names);
        for (int i = 0; i < names.count; i++)
            queue_push2(&job, SOLVER_INSTALL | SOLVER_SOLVABLE_NAME, names.elements[i]);
        queue_free(&names);
    }
    for (size_t i = 0; t->packages && t->packages[i]; i++) {
        if (vz_strv_contains(t->excludes, t->packages[i]))
            continue;
        if (add_wanted(pool, t, t->packages[i], &job, err) < 0)
            goto out;
    }
    for (size_t i = 0; t->excludes && t->excludes[i]; i++) {
        Id id = pool_str2id(pool, t->excludes[i], 0);
        if (id)
            queue_push2(&job, SOLVER_LOCK | SOLVER_SOLVABLE_NAME, id);
    }
    fam->prefer(pool, t, &job);

    solv = solver_create(pool);
    solver_set_flag(solv, SOLVER_FLAG_IGNORE_RECOMMENDED, 1);
    int nprob = solver_solve(solv, &job);
    if (o->debug_solver_dir)
        write_testcase(solv, o->debug_solver_dir);
    if (nprob) {
        vz_resolve_problems_error(solv, t, nprob, o->debug_solver_dir != NULL, err);
        goto out;
    }
    trans = solver_create_transaction(solv);
    transaction_order(trans, 0);
    if (fill_plan(pool, trans, plan, err) < 0)
        goto out;
    if (stats) {
        stats->repo = rs;
        stats->t_index = t1 - t0;
        stats->t_solve = vz_now() - t1;
        stats->cpu_index = c1 - c0;
        stats->cpu_solve = vz_cpu_now() - c1;
        stats->pool_solvables = (unsigned)pool->nsolvables;
    }
    *out = get_and_reset(&plan);
    ret = 0;
out:
    if (trans)
        transaction_free(trans);
    if (solv)
        solver_free(solv);
    queue_free(&job);
    pool_free(pool);
    vz_plan_free(plan);
    return ret;
}
