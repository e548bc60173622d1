/* tmplbuild/update_cache.c: one template's update-cache (update_cache.h). */
#include "tmplbuild/update_cache.h"
#include "cache/lock.h"
#include "cache/store.h"
#include "tmplbuild/build.h"
#include "tmplbuild/incremental.h"
#include "tmplbuild/update.h"

const char *vz_update_action_str(enum vz_update_action a)
{
    static const char *const s[] = { "none", "built", "rebuilt", "incremental" };
    return s[a];
}

static void step(const struct vz_update_cache_opts *o, enum vz_update_step st, const struct vz_update_result *r)
{
    if (o->step)
        o->step(st, r, o->arg);
}

static int build_one(const char *name, const struct vz_update_cache_opts *o, bool force, vz_error_t *err)
{
    struct vz_build_opts bo = { .mirrors = o->mirrors, .jobs = o->jobs, .compress = o->compress,
                                .force = force, .lock_timeout_s = o->lock_timeout_s,
                                .allow_expired = o->allow_expired };
    struct vz_build_result res;
    if (vz_build_template(name, &bo, &res, err) < 0) {
        vz_build_result_release(&res);
        return -1;
    }
    char b[16];
    vz_info("%s: %zu packages, %s (%s) in %.1f s", res.template_name, res.packages, res.tarball,
            vz_human_bytes(res.tar_size, b), res.t.total);
    vz_build_result_release(&res);
    return 0;
}

/* There is no cache of name yet: build one. */
static int first_build(const char *name, const struct vz_update_cache_opts *o, vz_error_t *err)
{
    if (o->incremental)
        return vz_error_set(err, VZ_ENOTEMPLATE, 0,
                            "%s has no cache to update in place; run 'vzpkg update-cache %s' "
                            "without --incremental (or create-cache) to build one", name, name);
    struct vz_update_result r = { .action = VZ_UPD_BUILT, .name = name };
    step(o, VZ_UPD_DECIDED, &r);
    if (build_one(name, o, false, err) < 0)
        return -1;
    step(o, VZ_UPD_LANDED, &r);
    return vz_update_record_built(name, err);
}

int vz_update_cache(const char *name, const struct vz_update_cache_opts *o, vz_error_t *err)
{
    /* a build of this template running now: wait for it, then check */
    cleanup_lock struct vz_lock *lock = NULL;
    if (vz_update_lock(name, o->lock_timeout_s, &lock, err) < 0)
        return -1;
    struct vz_cache_info *ci = NULL;
    vz_error_t ferr = NULL;
    if (vz_cache_find(name, &ci, &ferr) < 0) {
        if (ferr->status != VZ_ENOTEMPLATE) {
            *err = ferr;
            return -1;
        }
        vz_error_release(&ferr);
        return first_build(name, o, err);
    }
    vz_cache_info_free(ci);

    struct vz_update_opts uo = { .mirrors = o->mirrors, .full = o->full, .allow_expired = o->allow_expired };
    struct vz_update_check *c = NULL;
    if (vz_update_check(name, &uo, &c, err) < 0)
        return -1;
    struct vz_update_result r = { .name = c->t->name, .packages = c->packages, .pending = c->diff };
    if (vz_cache_diff_unchanged(c->diff)) {
        r.action = VZ_UPD_NONE;
        step(o, VZ_UPD_DECIDED, &r);
        int rc = vz_update_record(c, err);
        vz_update_check_free(c);
        return rc;
    }
    r.action = o->incremental ? VZ_UPD_INCREMENTAL : VZ_UPD_REBUILT;
    step(o, VZ_UPD_DECIDED, &r);
    int rc;
    if (o->incremental) {
        struct vz_incremental_opts io = { .jobs = o->jobs, .compress = o->compress,
                                          .lock_timeout_s = o->lock_timeout_s };
        rc = vz_incremental_update(c, &io, err);
    } else {
        rc = build_one(c->t->name, o, c->cached != NULL, err);
    }
    if (rc == 0)
        rc = vz_update_diff_landed(c->t->name, c->cached, &r.diff, err);
    if (rc == 0) {
        step(o, VZ_UPD_LANDED, &r);
        rc = vz_update_record_built(c->t->name, err);
    }
    vz_cache_diff_free(r.diff);
    vz_update_check_free(c);
    return rc;
}
