/* tmplbuild/update.c: cached manifest vs a fresh resolution (see update.h). */
#include <string.h>
#include <time.h>

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
    free(c);
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
    if (strcmp(c->t->family, "deb") != 0)
        return vz_error_set(err, VZ_EMETADATA, 0, "%s: family '%s' cannot be built (only deb)",
                            c->t->source_path, c->t->family);
    struct vz_resolve_opts ro = { .repo = { .allow_expired = o && o->allow_expired } };
    struct vz_resolve_stats st = { 0 };
    if (vz_resolve(c->t, &ro, &c->plan, &st, err) < 0)
        return -1;
    c->t_index = st.t_index;
    c->t_solve = st.t_solve;
    vz_debug("%s: index %.3f s (%u from .solv, %u parsed, %u index downloads), solve %.3f s",
             name, st.t_index, st.repo.solv_loads, st.repo.parses, st.repo.index_downloads,
             st.t_solve);
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
    return vz_update_state_write(&s, err);
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
