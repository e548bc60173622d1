/* tmplbuild/deb/resolve_prefer.c: make libsolv choose among alternatives as apt
 * and debootstrap do.
 *
 * libsolv, left alone, picks among the candidates of "a | b" by its own policy
 * (highest version, then name), not by the order the maintainer wrote. Debian
 * means the first alternative to be the default. So before solving we walk
 * the dependency graph from the install jobs the way apt does: each
 * requirement (Pre-Depends and Depends) not already met by a chosen package
 * is met by its first alternative that has an installable candidate; a real
 * package of that name wins over packages that merely Provide it. Every
 * package the walk chose gets a SOLVER_FAVOR job, which only steers the
 * solver's choices: consistency is still libsolv's to decide. Names with a
 * SOLVER_DISFAVOR job (usrmerge on merged-/usr builds) are skipped here too.
 */
#include "tmplbuild/resolve_int.h"

#include <solv/evr.h>
#include <solv/repo.h>

struct walk {
    Pool *pool;
    Map chosen;     /* solvable ids */
    Map disfavored; /* name ids */
    Queue todo;
};

/* Best installable candidate for dep: same-named packages first (highest
 * version), else the only provider; 0 if none or ambiguous. */
static Id candidate(struct walk *w, Id dep)
{
    Pool *pool = w->pool;
    Id name = dep;
    while (ISRELDEP(name))
        name = GETRELDEP(pool, name)->name;
    if (MAPTST(&w->disfavored, name))
        return 0;
    Id p, pp, best = 0, only = 0;
    int nprov = 0;
    FOR_PROVIDES(p, pp, dep) {
        Solvable *s = pool->solvables + p;
        if (!pool_installable(pool, s) || MAPTST(&w->disfavored, s->name))
            continue;
        nprov++;
        only = p;
        if (s->name == name &&
            (!best || pool_evrcmp(pool, s->evr, pool->solvables[best].evr, EVRCMP_COMPARE) > 0))
            best = p;
    }
    if (best)
        return best;
    return nprov == 1 ? only : 0;
}

static bool satisfied(struct walk *w, Id dep)
{
    Pool *pool = w->pool;
    Id p, pp;
    FOR_PROVIDES(p, pp, dep)
        if (MAPTST(&w->chosen, p))
            return true;
    return false;
}

static void choose(struct walk *w, Id p)
{
    if (p && !MAPTST(&w->chosen, p)) {
        MAPSET(&w->chosen, p);
        queue_push(&w->todo, p);
    }
}

static void meet(struct walk *w, Id dep)
{
    if (satisfied(w, dep))
        return;
    Pool *pool = w->pool;
    while (ISRELDEP(dep) && GETRELDEP(pool, dep)->flags == REL_OR) {
        Reldep *rd = GETRELDEP(pool, dep);
        Id c = candidate(w, rd->name);
        if (c) {
            choose(w, c);
            return;
        }
        dep = rd->evr;
    }
    choose(w, candidate(w, dep));
}

void vz_resolve_prefer_first_alternatives(Pool *pool, Queue *job)
{
    struct walk w = { .pool = pool };
    map_init(&w.chosen, pool->nsolvables);
    map_init(&w.disfavored, pool->ss.nstrings);
    queue_init(&w.todo);
    for (int i = 0; i + 1 < job->count; i += 2) {
        Id how = job->elements[i], what = job->elements[i + 1];
        if ((how & SOLVER_JOBMASK) == SOLVER_DISFAVOR || (how & SOLVER_JOBMASK) == SOLVER_LOCK)
            if ((how & SOLVER_SELECTMASK) == SOLVER_SOLVABLE_NAME)
                MAPSET(&w.disfavored, what);
    }
    for (int i = 0; i + 1 < job->count; i += 2) {
        Id how = job->elements[i], what = job->elements[i + 1];
        if ((how & SOLVER_JOBMASK) == SOLVER_INSTALL)
            choose(&w, candidate(&w, what));
    }
    for (int i = 0; i < w.todo.count; i++) {
        Solvable *s = pool->solvables + w.todo.elements[i];
        if (!s->requires)
            continue;
        for (Id *dp = s->repo->idarraydata + s->requires; *dp; dp++)
            if (*dp != SOLVABLE_PREREQMARKER)
                meet(&w, *dp);
    }
    for (int i = 0; i < w.todo.count; i++)
        queue_push2(job, SOLVER_FAVOR | SOLVER_SOLVABLE, w.todo.elements[i]);
    queue_free(&w.todo);
    map_free(&w.chosen);
    map_free(&w.disfavored);
}
