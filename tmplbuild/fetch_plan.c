/* tmplbuild/fetch_plan.c: vz_fetch_plan(), a plan's packages into the
 * package cache. Each package's URLs are its repository's mirrors in order,
 * each joined with the package's Filename; the destination is its sha256 in
 * cache/pkgs, so a cached package is never downloaded again. */
#include "tmplbuild/fetch_int.h"
#include "cache/pkgs.h"

#include <stdlib.h>
#include <string.h>

static char *join_url(const char *base, const char *rel)
{
    size_t bl = strlen(base);
    while (bl > 0 && base[bl - 1] == '/')
        bl--;
    while (*rel == '/')
        rel++;
    return vz_xasprintf("%.*s/%s", (int)bl, base, rel);
}

int vz_fetch_plan(const struct vz_plan *plan, const struct vz_fetch_opts *opts, vz_error_t *err)
{
    if (vz_pkgcache_init(err) < 0)
        return -1;
    struct vz_fetch_item *items = vz_xcalloc(plan->n ? plan->n : 1, sizeof(*items));
    char **dests = vz_xcalloc(plan->n ? plan->n : 1, sizeof(char *));
    size_t n = 0;
    int ret = -1;
    for (size_t i = 0; i < plan->n; i++) {
        const struct vz_pkg *p = &plan->pkgs[i];
        if (p->repo == NULL || p->repo->uris == NULL || p->repo->uris[0] == NULL || p->filename == NULL) {
            vz_error_set(err, VZ_EFETCH, 0, "fetch %s: the plan gives no repository URI or file name",
                         p->name);
            goto out;
        }
        if (strlen(p->sha256) != VZ_SHA256_HEX_LEN) {
            vz_error_set(err, VZ_EVERIFY, 0, "fetch %s: the index gives no SHA256 for %s", p->name,
                         p->filename);
            goto out;
        }
        if (vz_pkgcache_has(p->sha256))
            continue;
        struct vz_fetch_item *it = &items[n];
        for (char **u = p->repo->uris; *u; u++) {
            char *url = join_url(*u, p->filename);
            vz_strv_push(&it->urls, url);
            free(url);
        }
        dests[n] = vz_pkgcache_path(p->sha256);
        it->dest = dests[n];
        it->sha256 = p->sha256;
        it->size = (int64_t)p->size;
        it->label = p->name;
        n++;
    }
    struct vz_fetch_opts o = { 0 };
    if (opts)
        o = *opts;
    if (o.stage == NULL)
        o.stage = "download";
    ret = vz_fetch_many(items, n, &o, err);
out:
    for (size_t i = 0; i < plan->n; i++) {
        vz_strv_free(items[i].urls);
        free(dests[i]);
    }
    free(items);
    free(dests);
    return ret;
}
