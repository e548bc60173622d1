/* tmplbuild/rpm/rpm_repo.c: rpm-md repositories, verified, into the pool
 * (rpm_family.h).
 *
 * Trust runs as for deb (tmplbuild/repo.c): the one signed file comes first
 * and nothing else is parsed until it verified. Here that file is
 * repodata/repomd.xml with its detached repomd.xml.asc (what dnf checks with
 * repo_gpgcheck=1), checked by the same gpgv path as Debian's Release.gpg
 * (repo_sig.c, given only the template's key). repomd.xml then vouches for
 * primary and comps by sha256, and primary for every package by sha256;
 * rpm_install.c adds each package's own header signature.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <solv/chksum.h>
#include <solv/dataiterator.h>
#include <solv/pool.h>
#include <solv/repo.h>
#include <solv/repo_comps.h>
#include <solv/repo_repomdxml.h>
#include <solv/repo_rpmmd.h>
#include <solv/solv_xfopen.h>

#include "tmplbuild/fetch.h"
#include "tmplbuild/repo.h"
#include "tmplbuild/deb/repo_int.h"
#include "tmplbuild/rpm/rpm_family.h"

/* The cap on repomd.xml: a few KiB in practice; a hostile server must not
 * fill memory before the signature is checked. */
#define REPOMD_MAX (4u << 20)

static char *join(const char *base, const char *rel)
{
    size_t n = strlen(base);
    while (n && base[n - 1] == '/')
        n--;
    while (*rel == '/')
        rel++;
    return vz_xasprintf("%.*s/%s", (int)n, base, rel);
}

/* Keyed by the URL the repository is reached by: the baseurl that
 * answered, or the metalink/mirrorlist (whichever of its mirrors answers,
 * the .solv copy serves while the repomd.xml is the same). */
static char *repo_dir(const char *base, const struct vz_repo_def *d, const char *uri)
{
    char uh[65];
    if (d->metalink || d->mirrorlist)
        uri = d->metalink ? d->metalink : d->mirrorlist;
    vz_sha256_hex(uri, strlen(uri), uh);
    return vz_xasprintf("%s/%s-%s-%.8s", base, d->name, d->suite, uh);
}

/* What repomd.xml says about one of its files. */
struct md_entry {
    char *location;  /* "repodata/<sha>-primary.xml.gz" */
    char sha256[65];
    long long size;  /* -1 when not given */
};

static void md_entry_free(struct md_entry *e)
{
    free(e->location);
    memset(e, 0, sizeof(*e));
}

/* Find type in the repomd.xml loaded into the meta data of repo. 1 found,
 * 0 not listed, -1 listed without a sha256 (refused: nothing unverified). */
static int repomd_find(Repo *repo, const char *type, struct md_entry *out, vz_error_t *err)
{
    Pool *pool = repo->pool;
    Dataiterator di;
    int r = 0;
    dataiterator_init(&di, pool, repo, SOLVID_META, REPOSITORY_REPOMD_TYPE, type, SEARCH_STRING);
    dataiterator_prepend_keyname(&di, REPOSITORY_REPOMD);
    if (dataiterator_step(&di)) {
        dataiterator_setpos_parent(&di);
        const char *loc = pool_lookup_str(pool, SOLVID_POS, REPOSITORY_REPOMD_LOCATION);
        Id ctype = 0;
        const char *sum = pool_lookup_checksum(pool, SOLVID_POS, REPOSITORY_REPOMD_CHECKSUM, &ctype);
        unsigned long long size = pool_lookup_num(pool, SOLVID_POS, REPOSITORY_REPOMD_SIZE, 0);
        if (loc == NULL || strstr(loc, "..") || loc[0] == '/') {
            r = vz_error_set(err, VZ_ECORRUPT, 0, "repomd.xml: the %s file has no usable location",
                             type);
        } else if (sum == NULL || ctype != REPOKEY_TYPE_SHA256) {
            r = vz_error_set(err, VZ_EVERIFY, 0,
                             "repomd.xml gives no sha256 for its %s file (%s): refused, as "
                             "nothing is read that the signed repomd.xml does not vouch for",
                             type, sum ? solv_chksum_type2str(ctype) : "no checksum");
        } else {
            out->location = vz_xstrdup(loc);
            memcpy(out->sha256, sum, 65);
            out->size = size ? (long long)size : -1;
            r = 1;
        }
    }
    dataiterator_free(&di);
    return r;
}

/* The first of types that repomd.xml lists. */
static int repomd_find_any(Repo *repo, const char *const *types, struct md_entry *out,
                           vz_error_t *err)
{
    for (const char *const *t = types; *t; t++) {
        int r = repomd_find(repo, *t, out, err);
        if (r != 0)
            return r;
    }
    return 0;
}

struct rpm_ctx {
    const struct vz_repo_def *d;
    const char *uri;       /* the baseurl that answered */
    char **tries;          /* the baseurls in fail-over order */
    const struct vz_rpm_mirrors *ml; /* a metalink or mirrorlist's, or NULL */
    char *repodir;
    char sha256[65];       /* of repomd.xml */
    struct vz_buf repomd;  /* verified (or, repo_gpgcheck false, accepted) */
};

/* repomd.xml (+ .asc) from one baseurl, verified. *fetch_failed when the
 * mirror did not deliver repomd.xml (the caller tries the next one). */
static int fetch_repomd(struct rpm_ctx *c, const struct vz_fetch_opts *fo, bool *fetch_failed,
                        vz_error_t *err)
{
    const struct vz_repo_def *d = c->d;
    cleanup_free char *u_md = join(c->uri, "repodata/repomd.xml");
    cleanup_free char *u_asc = join(c->uri, "repodata/repomd.xml.asc");
    struct vz_fetch_opts o = fo ? *fo : (struct vz_fetch_opts){ 0 };
    o.max_bytes = REPOMD_MAX;
    *fetch_failed = false;
    vz_buf_release(&c->repomd);
    vz_buf_init(&c->repomd);
    if (vz_fetch_to_buf_opts(u_md, &c->repomd, NULL, &o, err) < 0) {
        *fetch_failed = true;
        return -1;
    }
    /* a metalink's hash before the signature: a mismatch is a stale (or
     * hostile) mirror, and the next one may be current */
    if (vz_rpm_mirrors_check(c->ml, c->repomd.data, c->repomd.len, u_md, err) < 0) {
        *fetch_failed = true;
        return -1;
    }
    if (!d->repo_gpgcheck) {
        vz_warn("repository %s: repomd.xml signature NOT checked (repo_gpgcheck: false): the "
                "set of packages offered is only as trustworthy as the connection to %s%s",
                d->name, c->uri, d->gpgcheck ? " (each package's signature is still checked)" : "");
        vz_sha256_hex(c->repomd.data, c->repomd.len, c->sha256);
        return 0;
    }
    cleanup_buf struct vz_buf asc = VZ_BUF_INIT;
    vz_buf_init(&asc);
    vz_error_t aerr = NULL;
    if (vz_fetch_to_buf_opts(u_asc, &asc, NULL, &o, &aerr) < 0) {
        int r = vz_error_set(err, VZ_EVERIFY, 0,
                             "unsigned: no repodata/repomd.xml.asc at %s (%s); set "
                             "repo_gpgcheck: false in the YAML only for a repository you trust by "
                             "other means", c->uri, aerr->msg);
        vz_error_release(&aerr);
        return r;
    }
    char tmpl[] = "/tmp/vzforge-repomd-XXXXXX";
    if (mkdtemp(tmpl) == NULL)
        return vz_error_sys(err, "mkdtemp %s", tmpl);
    cleanup_free char *p_md = vz_path_join(tmpl, "repomd.xml");
    cleanup_free char *p_asc = vz_path_join(tmpl, "repomd.xml.asc");
    int r = -1;
    if (vz_atomic_write(p_md, c->repomd.data, c->repomd.len, 0644, err) == 0 &&
        vz_atomic_write(p_asc, asc.data, asc.len, 0644, err) == 0)
        r = vz_sig_verify_detached(d->keyring, p_asc, p_md, u_asc, tmpl, err);
    vz_error_t rm = NULL;
    if (vz_rm_rf(tmpl, &rm) < 0)
        vz_error_release(&rm);
    if (r == 0)
        vz_sha256_hex(c->repomd.data, c->repomd.len, c->sha256);
    return r;
}

/* One metadata file into the repodir, checked against repomd.xml. */
static int fetch_md_file(struct rpm_ctx *c, const struct md_entry *e, const char *what,
                         const struct vz_repo_opts *o, struct vz_repo_stats *st, char **dest,
                         vz_error_t *err)
{
    const char *base = strrchr(e->location, '/');
    base = base ? base + 1 : e->location;
    *dest = vz_xasprintf("%s/%s-%s", c->repodir, c->sha256, base);
    if (vz_file_exists(*dest))
        return 0;
    cleanup_strv char **urls = NULL;
    char *u = join(c->uri, e->location);
    vz_strv_push(&urls, u);
    free(u);
    for (char **m = c->tries; *m; m++)
        if (strcmp(*m, c->uri) != 0) {
            u = join(*m, e->location);
            vz_strv_push(&urls, u);
            free(u);
        }
    struct vz_fetch_item item = { .urls = urls, .dest = *dest, .sha256 = e->sha256,
                                  .size = e->size, .label = what };
    struct vz_fetch_opts fo = o && o->fetch ? *o->fetch : (struct vz_fetch_opts){ 0 };
    fo.jobs = 1;
    fo.stage = "index";
    if (st)
        st->index_downloads++;
    if (vz_fetch_many(&item, 1, &fo, err) < 0)
        return vz_error_wrap(err, "%s file listed by the %srepomd.xml of %s", what,
                             c->d->repo_gpgcheck ? "signed " : "", c->uri);
    return 0;
}

static int parse_into(Repo *repo, const char *path, bool comps, vz_error_t *err)
{
    FILE *f = solv_xfopen(path, "r");
    if (f == NULL)
        return vz_error_sys(err, "open %s", path);
    int r = comps ? repo_add_comps(repo, f, REPO_EXTEND_SOLVABLES)
                  : repo_add_rpmmd(repo, f, NULL, 0);
    fclose(f);
    if (r != 0)
        return vz_error_set(err, VZ_ECORRUPT, 0, "%s: %s", path, pool_errstr(repo->pool));
    return 0;
}

/* The repository's packages (and groups) into a new Repo of pool. */
static int load_packages(Pool *pool, struct rpm_ctx *c, const struct vz_template *t,
                         const struct vz_repo_opts *o, struct vz_repo_stats *st, vz_error_t *err)
{
    const struct vz_repo_def *d = c->d;
    /* repomd.xml into a scratch pool: only its file list is wanted */
    Pool *mp = pool_create();
    Repo *mr = repo_create(mp, "repomd");
    FILE *f = fmemopen(c->repomd.data, c->repomd.len, "r");
    int ret = -1;
    struct md_entry primary = { 0 }, group = { 0 };
    /* every cleanup variable before the first goto: the cleanup runs on
     * every path (clang refuses the jump otherwise; gcc would free garbage) */
    cleanup_free char *p_primary = NULL, *p_group = NULL, *solv = NULL;
    if (f == NULL) {
        vz_error_sys(err, "fmemopen");
        goto out;
    }
    int pr = repo_add_repomdxml(mr, f, 0);
    fclose(f);
    if (pr != 0) {
        vz_error_set(err, VZ_ECORRUPT, 0, "repomd.xml from %s: %s", c->uri, pool_errstr(mp));
        goto out;
    }
    static const char *const primary_types[] = { "primary", NULL };
    static const char *const group_types[] = { "group_gz", "group_xz", "group", NULL };
    int r = repomd_find_any(mr, primary_types, &primary, err);
    if (r == 0)
        vz_error_set(err, VZ_ECORRUPT, 0, "repomd.xml from %s lists no primary file", c->uri);
    if (r <= 0)
        goto out;
    /* the groups always, whether this template asks for one or not: the
     * .solv copy serves every template of the repository */
    if (repomd_find_any(mr, group_types, &group, err) < 0)
        goto out;

    Repo *repo = repo_create(pool, d->name);
    repo->appdata = (void *)d;
    solv = vz_xasprintf("%s/%s-%s.solv", c->repodir, c->sha256, t->distro_arch);
    r = vz_repo_index_load_solv(repo, solv, err);
    if (r < 0)
        goto out;
    if (r == 1) {
        if (st)
            st->solv_loads++;
        ret = 0;
        goto out;
    }
    if (fetch_md_file(c, &primary, "primary", o, st, &p_primary, err) < 0 ||
        (group.location && fetch_md_file(c, &group, "comps", o, st, &p_group, err) < 0))
        goto out;
    if (parse_into(repo, p_primary, false, err) < 0 ||
        (p_group && parse_into(repo, p_group, true, err) < 0))
        goto out;
    repo_internalize(repo);
    if (st)
        st->parses++;
    ret = vz_repo_index_write_solv(repo, solv, err);
out:
    md_entry_free(&primary);
    md_entry_free(&group);
    pool_free(mp);
    return ret;
}

static int load_one(Pool *pool, const struct vz_template *t, const struct vz_repo_def *d,
                    const char *base, const struct vz_repo_opts *o, struct vz_repo_state *state,
                    struct vz_repo_stats *st, vz_error_t *err)
{
    if ((d->gpgcheck || d->repo_gpgcheck) && (d->keyring == NULL || *d->keyring == '\0'))
        return vz_error_set(err, VZ_EVERIFY, 0, "no gpgkey to verify its signatures");
    struct vz_rpm_mirrors ml = { 0 };
    struct rpm_ctx c = { .d = d, .tries = d->uris };
    if (d->metalink || d->mirrorlist) {
        if (vz_rpm_mirrors_fetch(d, t->distro_arch, o ? o->fetch : NULL, &ml, err) < 0)
            return -1;
        c.tries = ml.baseurls;
        c.ml = &ml;
    }
    if (c.tries == NULL || c.tries[0] == NULL)
        return vz_error_set(err, VZ_EMETADATA, 0, "no baseurl");
    cleanup_free char *kept = NULL; /* before any goto out */
    vz_buf_init(&c.repomd);
    vz_error_t last = NULL, mismatch = NULL;
    int ret = -1;
    for (size_t i = 0; c.tries[i]; i++) {
        c.uri = c.tries[i];
        bool failed;
        vz_error_release(&last);
        if (fetch_repomd(&c, o ? o->fetch : NULL, &failed, &last) == 0)
            break;
        /* the metalink's refusal outweighs a later dead mirror */
        if (failed && last->status == VZ_EVERIFY && mismatch == NULL)
            mismatch = get_and_reset(&last);
        if (!failed || c.tries[i + 1] == NULL) {
            *err = mismatch ? get_and_reset(&mismatch) : get_and_reset(&last);
            goto out;
        }
        vz_warn("repository %s: %s; trying the next %s", d->name,
                last ? last->msg : mismatch->msg, c.ml ? "mirror" : "baseurl");
    }
    if (c.ml) {
        /* packages are fetched from d->uris (fetch_plan.c): the list's
         * mirrors, the one that answered first */
        struct vz_repo_def *md = (struct vz_repo_def *)d;
        char **uris = NULL;
        vz_strv_push(&uris, c.uri);
        for (char **u = ml.baseurls; *u; u++)
            if (strcmp(*u, c.uri) != 0)
                vz_strv_push(&uris, *u);
        vz_strv_free(md->uris);
        md->uris = uris;
        c.tries = md->uris;
        c.uri = md->uris[0];
    }
    c.repodir = repo_dir(base, d, c.uri);
    if (vz_mkdir_p(c.repodir, 0755, err) < 0)
        goto out;
    /* the verified repomd.xml next to what it vouches for (served_current) */
    kept = vz_xasprintf("%s/%s.repomd.xml", c.repodir, c.sha256);
    if (vz_atomic_write(kept, c.repomd.data, c.repomd.len, 0644, err) < 0)
        goto out;
    if (load_packages(pool, &c, t, o, st, err) < 0)
        goto out;
    state->name = vz_xstrdup(d->name);
    state->suite = vz_xstrdup(d->suite);
    /* <revision>, as repomd.xml gives it, stands where a Release's Date does */
    const char *rev = strstr(c.repomd.data, "<revision>");
    if (rev) {
        rev += strlen("<revision>");
        state->date = vz_xasprintf("revision %.*s", (int)strcspn(rev, "<"), rev);
    }
    memcpy(state->release_sha256, c.sha256, 65);
    ret = 0;
out:
    vz_error_release(&last);
    vz_error_release(&mismatch);
    vz_rpm_mirrors_free(&ml);
    free(c.repodir);
    vz_buf_release(&c.repomd);
    return ret;
}

int vz_rpm_repo_load(Pool *pool, const struct vz_template *t, const struct vz_repo_opts *opts,
                     struct vz_repo_state **states, struct vz_repo_stats *stats, vz_error_t *err)
{
    cleanup_free char *base = opts && opts->repodata_dir ? vz_xstrdup(opts->repodata_dir)
                                                         : vz_template_path("repodata");
    if (vz_mkdir_p(base, 0755, err) < 0)
        return -1;
    struct vz_repo_state *s = vz_xcalloc(t->n_repos ? t->n_repos : 1, sizeof(*s));
    for (size_t i = 0; i < t->n_repos; i++)
        if (load_one(pool, t, &t->repos[i], base, opts, &s[i], stats, err) < 0) {
            vz_repo_states_free(s, t->n_repos);
            return vz_error_wrap(err, "repository %s", t->repos[i].name);
        }
    /* base: required stands for the group: it must exist somewhere */
    if (t->base_required) {
        cleanup_free char *g = vz_xasprintf("group:%s", t->base_group);
        Id gid = pool_str2id(pool, g, 0);
        bool found = false;
        for (Id p = 2; gid && p < pool->nsolvables && !found; p++)
            found = pool->solvables[p].repo && pool->solvables[p].name == gid;
        if (!found) {
            vz_repo_states_free(s, t->n_repos);
            return vz_error_set(err, VZ_ESOLVER, 0,
                                "no repository of %s has the comps group '%s' (base_group, "
                                "for base: required): repomd.xml lists no group file, or it "
                                "has no group with that id", t->name, t->base_group);
        }
    }
    *states = s;
    return 0;
}

bool vz_rpm_served_current(const struct vz_repo_def *d, char out[65])
{
    vz_error_t err = NULL;
    struct vz_rpm_mirrors ml = { 0 };
    const char *first = d->uris ? d->uris[0] : NULL;
    if ((d->metalink || d->mirrorlist) && vz_rpm_mirrors_fetch(d, NULL, NULL, &ml, &err) < 0) {
        vz_debug("update check: %s", err->msg);
        vz_error_release(&err);
        return false;
    }
    bool ok = true;
    if (ml.metalink) {
        /* the metalink names the current repomd.xml itself */
        memcpy(out, ml.hashes[0].sha256, 65);
    } else {
        if (ml.baseurls)
            first = ml.baseurls[0];
        cleanup_buf struct vz_buf b = VZ_BUF_INIT;
        vz_buf_init(&b);
        cleanup_free char *url = first ? join(first, "repodata/repomd.xml") : NULL;
        ok = url && vz_fetch_to_buf(url, &b, NULL, &err) == 0;
        if (ok) {
            vz_sha256_hex(b.data, b.len, out);
        } else {
            vz_debug("update check: %s", err ? err->msg : "no baseurl");
            vz_error_release(&err);
        }
    }
    if (ok) {
        cleanup_free char *base = vz_template_path("repodata");
        cleanup_free char *dir = repo_dir(base, d, first ? first : "");
        cleanup_free char *kept = vz_xasprintf("%s/%s.repomd.xml", dir, out);
        ok = vz_file_exists(kept);
    }
    vz_rpm_mirrors_free(&ml);
    return ok;
}
