/* tmplbuild/deb/deb_table.c: the deb family's table (tmplbuild/family.h).
 *
 * Debian's code predates the table. In this folder: repositories (repo.c,
 * repo_index.c, repo_release.c, repo_sig.c: InRelease, gpgv, Packages),
 * alternatives as apt chooses them (resolve_prefer.c), install (install.c,
 * unpack.c, deb.c, dpkgdb.c, overlap.c) and the check of what a mirror serves
 * now (deb_served.c). Still in tmplbuild/: the dpkg status reader (import.c),
 * the image clean-up (build.c) and the in-place upgrade (incremental.c).
 * This file maps the operations onto them and holds what resolution does
 * differently for Debian: the minbase set and the usr-is-merged preference.
 */
#include <errno.h>
#include <string.h>

#include <solv/pool.h>
#include <solv/repo.h>
#include <solv/solver.h>

#include "tmplbuild/build.h"
#include "tmplbuild/deb/deb_family.h"
#include "tmplbuild/family.h"
#include "tmplbuild/import.h"
#include "tmplbuild/deb/install.h"
#include "tmplbuild/repo.h"
#include "tmplbuild/resolve_int.h"

/* Names of the base set (Debian's minbase): installable, Essential or
 * Priority required, found in a repository the base is read from
 * (vz_repo_def.base_excluded: Ubuntu's universe and later pockets are not). */
static void deb_base_set(Pool *pool, const struct vz_template *t, Queue *names)
{
    char *const *excludes = t->excludes;
    Map seen;
    map_init(&seen, pool->ss.nstrings);
    Id kprio = pool_str2id(pool, VZ_KEY_PRIORITY, 0);
    Id kess = pool_str2id(pool, VZ_KEY_ESSENTIAL, 0);
    Id required = pool_str2id(pool, "required", 0);
    for (Id p = 2; p < pool->nsolvables; p++) {
        Solvable *s = pool->solvables + p;
        if (s->repo == NULL || !pool_installable(pool, s) || MAPTST(&seen, s->name))
            continue;
        const struct vz_repo_def *d = s->repo->appdata;
        if (d && d->base_excluded) /* metadata.h: not a source of the base set */
            continue;
        bool ess = kess && solvable_lookup_void(s, kess);
        bool req = kprio && required && solvable_lookup_id(s, kprio) == required;
        if (!ess && !req)
            continue;
        if (vz_strv_contains(excludes, pool_id2str(pool, s->name)))
            continue;
        MAPSET(&seen, s->name);
        queue_push(names, s->name);
    }
    map_free(&seen);
}

static void prefer_usr_is_merged(Pool *pool, const struct vz_template *t, Queue *job)
{
    if (t->merged_usr == NULL || strcmp(t->merged_usr, "symlinks") != 0)
        return;
    Id id = pool_str2id(pool, "usr-is-merged", 0);
    if (id && vz_resolve_has_provider(pool, id))
        queue_push2(job, SOLVER_FAVOR | SOLVER_SOLVABLE_NAME, id);
    Id um = pool_str2id(pool, "usrmerge", 0);
    if (um && vz_resolve_has_provider(pool, um))
        queue_push2(job, SOLVER_DISFAVOR | SOLVER_SOLVABLE_NAME, um);
}

static void deb_prefer(Pool *pool, const struct vz_template *t, Queue *job)
{
    prefer_usr_is_merged(pool, t, job);
    vz_resolve_prefer_first_alternatives(pool, job);
}

static int deb_install(const struct vz_family_install *in, struct vz_install_timings *t,
                       vz_error_t *err)
{
    const struct vz_plan *plan = in->plan;
    const char **prio = vz_xcalloc(plan->n + 1, sizeof(char *));
    char **labels = vz_xcalloc(plan->n + 1, sizeof(char *));
    for (size_t i = 0; i < plan->n; i++) {
        prio[i] = plan->pkgs[i].priority;
        labels[i] = vz_xasprintf("%s %s (%s)", plan->pkgs[i].name, plan->pkgs[i].version,
                                 plan->pkgs[i].filename);
    }
    const char *mu = in->t->merged_usr;
    struct vz_install_opts io = {
        .root = in->root, .debs = in->files, .n = plan->n,
        .merged_usr = mu && strcmp(mu, "none") != 0,
        .merged_usr_shipped = mu && strcmp(mu, "packages") == 0,
        .arch = in->t->distro_arch, .jobs = in->jobs, .runner = in->runner,
        .environment = in->t->environment, .priorities = prio,
        .labels = (const char *const *)labels, .recode = true,
    };
    int r = vz_deb_install(&io, t, err);
    free(prio);
    vz_strv_free(labels);
    return r;
}

static int deb_read_installed(const char *root, struct vz_manifest *m, vz_error_t *err)
{
    cleanup_free char *status = vz_path_join(root, "var/lib/dpkg/status");
    return vz_import_dpkg_status(status, m, err);
}

/* etc/apt/sources.list naming the template's repositories, first mirror. */
static char *sources_list(const struct vz_template *t)
{
    struct vz_buf b = VZ_BUF_INIT;
    vz_buf_init(&b);
    for (size_t i = 0; i < t->n_repos; i++) {
        const struct vz_repo_def *r = &t->repos[i];
        vz_buf_addf(&b, "deb %s %s", r->uris[0], r->suite);
        for (char **c = r->components; c && *c; c++)
            vz_buf_addf(&b, " %s", *c);
        vz_buf_addc(&b, '\n');
    }
    return vz_buf_detach(&b, NULL);
}

static int deb_cleanup(const char *root, const struct vz_template *t, vz_error_t *err)
{
    cleanup_free char *sources = t ? sources_list(t) : NULL;
    return vz_build_cleanup_root(root, sources, err);
}

const struct vz_family vz_family_deb = {
    .name = "deb",
    .disttype = DISTTYPE_DEB,
    .repo_load = vz_repo_load,
    .served_current = vz_deb_served_current,
    .base_set = deb_base_set,
    .prefer = deb_prefer,
    .fetch = vz_fetch_plan,
    .install = deb_install,
    .read_installed = deb_read_installed,
    .cleanup = deb_cleanup,
};
