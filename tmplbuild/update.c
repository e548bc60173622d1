/* tmplbuild/update.c: cached manifest vs a fresh resolution (see update.h). */
#include <string.h>
#include <time.h>

#include "cache/pkgs.h"
#include "tmplbuild/family.h"
#include "tmplbuild/fetch.h"

#include "cache/lock.h"
#include "cache/update_state.h"
#include "tmplbuild/pack.h"
#include "tmplbuild/resolve.h"
#include "tmplbuild/update.h"

void vz_update_check_free(struct vz_update_check *c)
{
    if (!c)
        return;
    vz_cache_diff_free(c->diff);
    vz_manifest_free(c->fresh);
    vz_plan_free(c->plan);
    vz_manifest_free(c->cached);
    vz_cache_info_free(c->cache);
    if (c->t)
        vz_template_free(c->t);
    free(c->release_sha256);
    free(c);
}

/* ---- fast path ---- */

/* Do the shas of a known resolution (names[i], shas[i]) cover every
 * repository with the served sha? */
static bool covers(const struct vz_template *t, char (*served)[65], const char *const *names,
                   const char *const *shas, size_t n)
{
    for (size_t r = 0; r < t->n_repos; r++) {
        bool found = false;
        for (size_t i = 0; i < n && !found; i++)
            found = !strcmp(names[i], t->repos[r].name) && !strcmp(shas[i], served[r]);
        if (!found)
            return false;
    }
    return true;
}

static bool quick_current(struct vz_update_check *c, const struct vz_update_opts *o)
{
    const struct vz_template *t = c->t;
    if ((o && o->allow_expired) || t->n_repos == 0)
        return false;
    const struct vz_manifest *m = c->cached;
    struct vz_update_state *st = NULL;
    vz_error_t err = NULL;
    if (vz_update_state_read(t->name, &st, &err) < 0)
        vz_error_release(&err);
    bool by_manifest = !strcmp(m->metadata_sha256, t->metadata_sha256) && m->vzforge_version &&
                       !strcmp(m->vzforge_version, VZ_VERSION) && m->n_repos;
    bool by_state = st && !st->updates && !strcmp(st->cache_sha256, c->cache->tar_sha256) &&
                    !strcmp(st->metadata_sha256, t->metadata_sha256) && st->vzforge_version &&
                    !strcmp(st->vzforge_version, VZ_VERSION) && st->n_releases;
    bool ok = by_manifest || by_state;
    char (*served)[65] = vz_xcalloc(t->n_repos, sizeof(*served));
    for (size_t r = 0; ok && r < t->n_repos; r++)
        ok = c->fam->served_current(&t->repos[r], served[r]);
    if (ok) {
        size_t n = by_manifest ? m->n_repos : 0, k = by_state ? st->n_releases : 0;
        const char **names = vz_xcalloc(n + k + 1, sizeof(char *));
        const char **shas = vz_xcalloc(n + k + 1, sizeof(char *));
        bool hit = false;
        for (size_t i = 0; i < n; i++) {
            names[i] = m->repos[i].name;
            shas[i] = m->repos[i].release_sha256;
        }
        hit = n && covers(t, served, names, shas, n);
        for (size_t i = 0; i < k; i++) {
            names[i] = st->releases[i].name;
            shas[i] = st->releases[i].sha256;
        }
        hit = hit || (k && covers(t, served, names, shas, k));
        free(names);
        free(shas);
        ok = hit;
    }
    vz_update_state_free(st);
    if (!ok) {
        free(served);
        return false;
    }
    c->quick = true;
    c->release_sha256 = served;
    c->packages = m->n_pkgs;
    c->diff = vz_cache_diff(m, m);
    vz_manifest_set_digest(m, c->resolved_sha256);
    vz_debug("%s: every Release unchanged since a resolution that matched the cache", t->name);
    return true;
}

static int check(const char *name, const struct vz_update_opts *o, struct vz_update_check *c,
                 vz_error_t *err)
{
    struct vz_metadata_opts mo = { .mirrors = o ? o->mirrors : NULL,
                                   .distros_dir = o ? o->distros_dir : NULL };
    if (vz_template_load(name, &mo, &c->t, err) < 0)
        return -1;
    if (vz_cache_find(c->t->name, &c->cache, err) < 0)
        return -1;
    if (vz_cache_manifest(c->cache, &c->cached, err) < 0)
        return -1;
    if (!(c->fam = vz_family_of(c->t, err)))
        return -1;
    double t0 = vz_now();
    if (!(o && o->full) && quick_current(c, o)) {
        c->t_index = vz_now() - t0;
        return 0;
    }
    struct vz_resolve_opts ro = { .repo = { .allow_expired = o && o->allow_expired } };
    struct vz_resolve_stats st = { 0 };
    if (vz_resolve(c->t, &ro, &c->plan, &st, err) < 0)
        return -1;
    c->t_index = st.t_index;
    c->t_solve = st.t_solve;
    vz_debug("%s: index %.3f s (%u from .solv, %u parsed, %u index downloads), solve %.3f s",
             name, st.t_index, st.repo.solv_loads, st.repo.parses, st.repo.index_downloads,
             st.t_solve);
    c->packages = c->plan->n;
    c->release_sha256 = vz_xcalloc(c->t->n_repos + 1, sizeof(*c->release_sha256));
    for (size_t r = 0; r < c->t->n_repos; r++)
        for (size_t i = 0; i < c->plan->n_repos; i++)
            if (!strcmp(c->plan->repos[i].name, c->t->repos[r].name))
                memcpy(c->release_sha256[r], c->plan->repos[i].release_sha256, 65);
    c->fresh = vz_pack_manifest_new(c->t, c->plan);
    vz_manifest_set_digest(c->fresh, c->resolved_sha256);
    c->diff = vz_cache_diff(c->cached, c->fresh);
    return 0;
}

int vz_update_check(const char *name, const struct vz_update_opts *o,
                    struct vz_update_check **out, vz_error_t *err)
{
    struct vz_update_check *c = vz_xcalloc(1, sizeof(*c));
    if (check(name, o, c, err) < 0) {
        vz_update_check_free(c);
        return -1;
    }
    *out = c;
    return 0;
}

int vz_update_lock(const char *name, int timeout_s, struct vz_lock **out, vz_error_t *err)
{
    if (!vz_safe_name(name))
        return vz_error_set(err, VZ_EBADARG, 0, "'%s' is not a valid template name", name);
    cleanup_free char *file = vz_xasprintf("build-%s.lock", name);
    cleanup_free char *what = vz_xasprintf("the build of %s", name);
    return vz_lock_acquire(file, what, false, timeout_s ? timeout_s : 60, out, err);
}

static void fill(struct vz_update_state *s, const char *name, const char *tar_sha256,
                 const char *resolved, const char *metadata)
{
    memset(s, 0, sizeof(*s));
    s->template_name = (char *)name;
    s->checked = (int64_t)time(NULL);
    snprintf(s->cache_sha256, sizeof(s->cache_sha256), "%s", tar_sha256);
    snprintf(s->resolved_sha256, sizeof(s->resolved_sha256), "%s", resolved);
    snprintf(s->metadata_sha256, sizeof(s->metadata_sha256), "%s", metadata ? metadata : "");
}

int vz_update_record(const struct vz_update_check *c, vz_error_t *err)
{
    struct vz_update_state s;
    fill(&s, c->t->name, c->cache->tar_sha256, c->resolved_sha256, c->t->metadata_sha256);
    s.updates = !vz_cache_diff_unchanged(c->diff);
    s.changes = c->diff->n_changes;
    s.metadata_changed = c->diff->metadata_changed;
    s.vzforge_version = vz_xstrdup(VZ_VERSION);
    for (size_t r = 0; r < c->t->n_repos && c->release_sha256; r++)
        if (c->release_sha256[r][0])
            vz_update_state_add_release(&s, c->t->repos[r].name, c->release_sha256[r]);
    int ret = vz_update_state_write(&s, err);
    vz_update_state_release_list(&s);
    return ret;
}

static int landed_manifest(const char *name, struct vz_cache_info **ci, struct vz_manifest **m,
                           vz_error_t *err)
{
    if (vz_cache_find(name, ci, err) < 0)
        return -1;
    return vz_cache_manifest(*ci, m, err);
}

int vz_update_record_built(const char *name, vz_error_t *err)
{
    struct vz_cache_info *ci = NULL;
    struct vz_manifest *m = NULL;
    int r = landed_manifest(name, &ci, &m, err);
    if (r == 0) {
        char digest[65];
        vz_manifest_set_digest(m, digest);
        struct vz_update_state s;
        fill(&s, name, ci->tar_sha256, digest, m->metadata_sha256);
        r = vz_update_state_write(&s, err);
    }
    vz_manifest_free(m);
    vz_cache_info_free(ci);
    return r;
}

int vz_update_diff_landed(const char *name, const struct vz_manifest *old,
                          struct vz_cache_diff **out, vz_error_t *err)
{
    struct vz_cache_info *ci = NULL;
    struct vz_manifest *m = NULL;
    int r = landed_manifest(name, &ci, &m, err);
    if (r == 0)
        *out = vz_cache_diff(old, m);
    vz_manifest_free(m);
    vz_cache_info_free(ci);
    return r;
}
