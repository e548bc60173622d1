/* tmplbuild/incremental.c: upgrade a cache in place (see incremental.h). */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache/lock.h"
#include "cache/pkgs.h"
#include "cache/unpack.h"
#include "tmplbuild/binfmt.h"
#include "tmplbuild/build.h"
#include "tmplbuild/family.h"
#include "tmplbuild/fetch.h"
#include "tmplbuild/incremental.h"
#include "tmplbuild/pack.h"
#include "vpscore/sandbox.h"

#define ARCHIVES "var/cache/apt/archives"

static const struct vz_pkg *plan_pkg(const struct vz_plan *p, const char *name, const char *arch)
{
    for (size_t i = 0; i < p->n; i++)
        if (!strcmp(p->pkgs[i].name, name) && !strcmp(p->pkgs[i].arch, arch))
            return &p->pkgs[i];
    return NULL;
}

/* The plan's packages that the root must (re)install: every change but
 * removals. The returned plan borrows c->plan's entries (free only ->pkgs). */
static struct vz_plan changed_plan(const struct vz_update_check *c)
{
    struct vz_plan sub = { 0 };
    sub.pkgs = vz_xcalloc(c->diff->n_changes + 1, sizeof(*sub.pkgs));
    for (size_t i = 0; i < c->diff->n_changes; i++) {
        const struct vz_pkg_change *ch = &c->diff->changes[i];
        if (ch->kind == VZ_PKG_REMOVED)
            continue;
        const struct vz_pkg *p = plan_pkg(c->plan, ch->name, ch->new_arch);
        if (p) {
            sub.pkgs[sub.n++] = *p;
            sub.total_size += p->size;
        }
    }
    return sub;
}

static int run_dpkg(const char *root, char **argv, const char *what, vz_error_t *err)
{
    static char *const env[] = { "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                                 "HOME=/root", "LC_ALL=C", "DEBIAN_FRONTEND=noninteractive",
                                 NULL };
    cleanup_buf struct vz_buf out = VZ_BUF_INIT;
    vz_buf_init(&out);
    int status = -1;
    struct vz_sandbox_opts so = { .root = root, .argv = argv, .env = env, .out = &out };
    if (vz_sandbox_run(&so, &status, err) < 0)
        return vz_error_wrap(err, "%s", what);
    if (out.len)
        vz_debug("%s: %s", what, out.data);
    if (status) {
        const char *tail = out.len > 4000 ? out.data + out.len - 4000 : out.data;
        return vz_error_set(err, VZ_EBUILD, 0, "%s failed with exit status %d%s%s", what, status,
                            out.len ? "; its output:\n" : " (no output)", out.len ? tail : "");
    }
    return 0;
}

/* Copy the changed .debs into the root and install them, then purge the
 * packages that are gone. */
static int upgrade_root(const struct vz_update_check *c, const struct vz_plan *sub,
                        const char *root, vz_error_t *err)
{
    cleanup_free char *arch_dir = vz_path_join(root, ARCHIVES);
    if (vz_mkdir_p(arch_dir, 0755, err) < 0)
        return -1;
    char **argv = NULL;
    /* as the builder runs dpkg: the root is packed afterwards, fsyncs buy nothing */
    vz_strv_push(&argv, "dpkg");
    vz_strv_push(&argv, "--force-unsafe-io");
    vz_strv_push(&argv, "--force-confold");
    vz_strv_push(&argv, "-i");
    for (size_t i = 0; i < sub->n; i++) {
        const struct vz_pkg *p = &sub->pkgs[i];
        cleanup_free char *base = vz_xasprintf("%s_%s_%s.deb", p->name, p->version, p->arch);
        /* an epoch's ':' is not wanted in a file name */
        for (char *s = base; *s; s++)
            if (*s == ':')
                *s = '%';
        cleanup_free char *src = vz_pkgcache_path(p->sha256);
        cleanup_free char *dst = vz_path_join(arch_dir, base);
        if (vz_copy_file(src, dst, err) < 0) {
            vz_strv_free(argv);
            return vz_error_wrap(err, "package %s %s", p->name, p->version);
        }
        cleanup_free char *in_root = vz_xasprintf("/" ARCHIVES "/%s", base);
        vz_strv_push(&argv, in_root);
    }
    int r = 0;
    if (sub->n)
        r = run_dpkg(root, argv, "dpkg -i of the changed packages", err);
    vz_strv_free(argv);
    if (r < 0 || c->diff->n_removed == 0)
        return r;
    argv = NULL;
    vz_strv_push(&argv, "dpkg");
    vz_strv_push(&argv, "--force-unsafe-io");
    vz_strv_push(&argv, "--purge");
    for (size_t i = 0; i < c->diff->n_changes; i++)
        if (c->diff->changes[i].kind == VZ_PKG_REMOVED)
            vz_strv_push(&argv, c->diff->changes[i].name);
    r = run_dpkg(root, argv, "dpkg --purge of the packages no longer resolved", err);
    vz_strv_free(argv);
    return r;
}

static int in_root(const struct vz_update_check *c, const struct vz_incremental_opts *o,
                   const struct vz_plan *sub, const char *root, vz_error_t *err)
{
    const struct vz_cache_info *ci = c->cache;
    vz_info("%s: unpacking %s", c->t->name, ci->tarball);
    double t0 = vz_now();
    if (vz_unpack_verified(ci->tarball, ci->tar_sha256, ci->tar_size, root, NULL, err) < 0)
        return vz_error_wrap(err, "unpack the old cache");
    double t1 = vz_now();
    cleanup_free char *dpkg = vz_path_join(root, "usr/bin/dpkg");
    struct stat st;
    if (lstat(dpkg, &st) < 0)
        return vz_error_set(err, VZ_EBUILD, 0,
                            "cache %s has no usr/bin/dpkg, so it cannot be upgraded in place; "
                            "run 'vzpkg update-cache %s' without --incremental", c->t->name,
                            c->t->name);
    if (upgrade_root(c, sub, root, err) < 0)
        return -1;
    double t2 = vz_now();
    if (c->fam->cleanup(root, NULL, err) < 0)
        return vz_error_wrap(err, "clean-up of %s", root);
    struct vz_manifest *m = vz_pack_manifest_new(c->t, c->plan);
    struct vz_pack_opts po = VZ_PACK_OPTS_INIT;
    po.compress = o && o->compress ? o->compress : ci->compress;
    double t3 = vz_now();
    int r = vz_pack_to_cache(root, m, &po, o && o->lock_timeout_s ? o->lock_timeout_s : 60, NULL,
                             err);
    vz_manifest_free(m);
    vz_debug("%s: unpack %.2f s, dpkg %.2f s, clean-up %.2f s, pack %.2f s", c->t->name, t1 - t0,
             t2 - t1, t3 - t2, vz_now() - t3);
    return r;
}

int vz_incremental_update(const struct vz_update_check *c, const struct vz_incremental_opts *o,
                          vz_error_t *err)
{
    int timeout = o && o->lock_timeout_s ? o->lock_timeout_s : 60;
    if (c->cached->source && strncmp(c->cached->source, "import", 6) == 0)
        return vz_error_set(err, VZ_EBUILD, 0,
                            "cache %s was imported (%s): its manifest after an in-place upgrade "
                            "would list only the template's packages; run 'vzpkg update-cache %s' "
                            "without --incremental to build it from the metadata",
                            c->t->name, c->cached->source, c->t->name);
    if (c->diff->metadata_changed)
        vz_warn("%s: the metadata changed; --incremental applies package changes only (hooks, "
                "environment and layout are not applied again): run update-cache without "
                "--incremental for a clean rebuild", c->t->name);
    if (vz_cache_verify_signature(c->cache, err) < 0 || vz_binfmt_check(c->t->arch, err) < 0)
        return vz_error_wrap(err, "update %s in place", c->t->name);

    struct vz_plan sub = changed_plan(c);
    struct vz_fetch_opts fo = { .jobs = o ? o->jobs : 0 };
    int r = sub.n ? c->fam->fetch(&sub, &fo, err) : 0;
    if (r < 0) {
        free(sub.pkgs);
        return -1;
    }

    cleanup_free char *dir = vz_template_path("build");
    cleanup_lock struct vz_lock *lock = NULL;
    cleanup_lock struct vz_lock *pl = NULL;
    cleanup_free char *root = vz_xasprintf("%s/%s.XXXXXX", dir, c->t->name);
    if (vz_mkdir_p(dir, 0700, err) < 0 || (chmod(dir, 0700) < 0 && vz_error_sys(err, "chmod 0700 %s", dir)) ||
        vz_update_lock(c->t->name, timeout, &lock, err) < 0 ||
        vz_lock_pkgcache(true, timeout, &pl, err) < 0) {
        free(sub.pkgs);
        return -1;
    }
    if (!mkdtemp(root)) {
        free(sub.pkgs);
        return vz_error_set(err, VZ_ESYSTEM, errno, "create build root in %s", dir);
    }
    chmod(root, 0755);
    r = in_root(c, o, &sub, root, err);
    free(sub.pkgs);
    vz_error_t rmerr = NULL;
    if (vz_rm_rf(root, &rmerr) < 0) {
        if (r == 0) {
            *err = rmerr;
            return -1;
        }
        vz_warn("%s", rmerr->msg);
        vz_error_release(&rmerr);
    }
    return r < 0 ? vz_error_wrap(err, "update %s in place", c->t->name) : 0;
}
