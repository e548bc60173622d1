/* tmplbuild/deb/repo.c: fetch, verify and load a template's repositories (repo.h). */
#include "tmplbuild/repo.h"
#include "tmplbuild/fetch.h"
#include "tmplbuild/deb/repo_int.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

struct release_ctx {
    const struct vz_repo_def *def;
    const char *uri;      /* mirror that answered */
    char *repodir;        /* REPODATA/<name>-<suite>-<hash> */
    char *workdir;        /* repodir/.incoming-XXXXXX, removed at the end */
    char *text;           /* verified Release text */
    struct vz_buf raw;    /* the signed file as fetched (InRelease), if any */
    char sha256[65];      /* of the fetched (In)Release file */
    struct vz_release rel;
};

static char *dists_url(const char *uri, const char *suite, const char *file)
{
    size_t n = strlen(uri);
    while (n && uri[n - 1] == '/')
        n--;
    return vz_xasprintf("%.*s/dists/%s/%s", (int)n, uri, suite, file);
}

static void push_url(char ***v, const char *uri, const char *suite, const char *file)
{
    cleanup_free char *u = dists_url(uri, suite, file);
    vz_strv_push(v, u);
}

static int save(const char *dir, const char *name, const struct vz_buf *b, vz_error_t *err)
{
    cleanup_free char *p = vz_path_join(dir, name);
    return vz_atomic_write(p, b->data, b->len, 0644, err);
}

/* Fetch and verify (In)Release from one mirror. Returns -1 with *fetch_failed
 * set when the mirror did not deliver a Release at all (the caller tries the
 * next mirror); verification failures are final. */
static int fetch_release(struct release_ctx *c, const char *keyring, bool *fetch_failed,
                         vz_error_t *err)
{
    const struct vz_repo_def *d = c->def;
    cleanup_buf struct vz_buf inrel = VZ_BUF_INIT, rel = VZ_BUF_INIT, sig = VZ_BUF_INIT;
    vz_buf_init(&inrel);
    vz_buf_init(&rel);
    vz_buf_init(&sig);
    cleanup_free char *u_in = dists_url(c->uri, d->suite, "InRelease");
    cleanup_free char *u_rel = dists_url(c->uri, d->suite, "Release");
    cleanup_free char *u_sig = dists_url(c->uri, d->suite, "Release.gpg");
    *fetch_failed = false;

    if (d->allow_unsigned) {
        vz_warn("repository %s: signature NOT checked (allow_unsigned: true); anyone between "
                "you and %s can change what gets installed", d->name, c->uri);
        if (vz_fetch_to_buf(u_rel, &rel, NULL, err) < 0) {
            *fetch_failed = true;
            return -1;
        }
        vz_sha256_hex(rel.data, rel.len, c->sha256);
        c->text = vz_buf_detach(&rel, NULL);
        return 0;
    }

    vz_error_t in_err = NULL;
    if (vz_fetch_to_buf(u_in, &inrel, NULL, &in_err) == 0) {
        if (save(c->workdir, "InRelease", &inrel, err) < 0)
            return -1;
        cleanup_free char *in_path = vz_path_join(c->workdir, "InRelease");
        cleanup_free char *out_path = vz_path_join(c->workdir, "Release.signed");
        if (vz_sig_verify_clearsigned(d->keyring, in_path, out_path, u_in, c->workdir, err) < 0)
            return -1;
        size_t len;
        if (vz_read_file(out_path, &c->text, &len, err) < 0)
            return -1;
        vz_sha256_hex(inrel.data, inrel.len, c->sha256);
        vz_buf_release(&c->raw);
        c->raw = inrel;
        vz_buf_init(&inrel);
        return 0;
    }

    /* No InRelease: Release + detached Release.gpg, as older archives publish. */
    vz_debug("repository %s: %s; trying Release + Release.gpg", d->name, in_err->msg);
    if (vz_fetch_to_buf(u_rel, &rel, NULL, err) < 0) {
        vz_error_wrap(err, "no InRelease (%s), and no Release", in_err->msg);
        vz_error_release(&in_err);
        *fetch_failed = true;
        return -1;
    }
    vz_error_release(&in_err);
    vz_error_t sig_err = NULL;
    if (vz_fetch_to_buf(u_sig, &sig, NULL, &sig_err) < 0) {
        int r = vz_error_set(err, VZ_EVERIFY, 0,
                             "unsigned: neither InRelease nor Release.gpg at %s (%s); set "
                             "allow_unsigned: true in the YAML only for a repository you trust "
                             "by other means", c->uri, sig_err->msg);
        vz_error_release(&sig_err);
        return r;
    }
    if (save(c->workdir, "Release", &rel, err) < 0 || save(c->workdir, "Release.gpg", &sig, err) < 0)
        return -1;
    cleanup_free char *r_path = vz_path_join(c->workdir, "Release");
    cleanup_free char *s_path = vz_path_join(c->workdir, "Release.gpg");
    if (vz_sig_verify_detached(d->keyring, s_path, r_path, u_sig, c->workdir, err) < 0)
        return -1;
    vz_sha256_hex(rel.data, rel.len, c->sha256);
    c->text = vz_buf_detach(&rel, NULL);
    return 0;
}

/* Remove files of older Releases (names not starting with sha), and
 * .incoming-* work directories that a killed run left (older than an hour,
 * so a concurrent run's are left alone). */
static void prune(const char *repodir, const char *sha)
{
    cleanup_dir DIR *d = opendir(repodir);
    if (d == NULL)
        return;
    struct dirent *e;
    time_t now = time(NULL);
    while ((e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, ".incoming-", 10) == 0) {
            struct stat st;
            if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
                st.st_mtime < now - 3600) {
                cleanup_free char *p = vz_path_join(repodir, e->d_name);
                vz_error_t err = NULL;
                if (vz_rm_rf(p, &err) < 0)
                    vz_error_release(&err);
            }
            continue;
        }
        if (e->d_name[0] == '.' || strncmp(e->d_name, sha, 64) == 0)
            continue;
        if (unlinkat(dirfd(d), e->d_name, 0) == 0)
            vz_debug("repodata: removed stale %s/%s", repodir, e->d_name);
    }
}

/* A component name as part of a file name ("updates/main" -> "updates_main"). */
static char *file_part(const char *comp)
{
    char *s = vz_xstrdup(comp);
    for (char *p = s; *p; p++)
        if (*p == '/')
            *p = '_';
    return s;
}

static int load_component(Pool *pool, struct release_ctx *c, const char *comp, const char *arch,
                          const struct vz_repo_opts *o, struct vz_repo_stats *st, vz_error_t *err)
{
    const struct vz_repo_def *d = c->def;
    static const char *const exts[] = { ".xz", ".gz", "" };
    const struct vz_release_file *rf = NULL;
    for (size_t i = 0; i < VZ_ARRAY_SIZE(exts) && rf == NULL; i++) {
        cleanup_free char *p = vz_xasprintf("%s/binary-%s/Packages%s", comp, arch, exts[i]);
        rf = vz_release_find(&c->rel, p);
    }
    if (rf == NULL)
        return vz_error_set(err, VZ_EFETCH, 0,
                            "Release of %s lists no Packages index for %s/binary-%s (wrong "
                            "component or architecture?)", d->suite, comp, arch);

    cleanup_free char *rname = vz_xasprintf("%s/%s", d->name, comp);
    Repo *repo = repo_create(pool, rname);
    repo->appdata = (void *)d;
    cleanup_free char *fcomp = file_part(comp);
    cleanup_free char *solv = vz_xasprintf("%s/%s-%s-%s.solv", c->repodir, c->sha256, fcomp, arch);
    int r = vz_repo_index_load_solv(repo, solv, err);
    if (r < 0)
        return -1;
    if (r == 1) {
        if (st)
            st->solv_loads++;
        return 0;
    }

    const char *base = strrchr(rf->path, '/') + 1;
    cleanup_free char *dest = vz_xasprintf("%s/%s-%s-binary-%s-%s", c->repodir, c->sha256, fcomp,
                                           arch, base);
    if (!vz_file_exists(dest)) {
        /* the mirror that answered first, then the others */
        size_t nu = vz_strv_len(d->uris);
        cleanup_strv char **urls = NULL;
        push_url(&urls, c->uri, d->suite, rf->path);
        for (size_t i = 0; i < nu; i++)
            if (strcmp(d->uris[i], c->uri) != 0)
                push_url(&urls, d->uris[i], d->suite, rf->path);
        struct vz_fetch_item item = { .urls = urls, .dest = dest, .sha256 = rf->sha256,
                                      .size = (int64_t)rf->size, .label = rf->path };
        struct vz_fetch_opts fo = o && o->fetch ? *o->fetch : (struct vz_fetch_opts){ 0 };
        fo.jobs = 1;
        fo.stage = "index";
        if (vz_fetch_many(&item, 1, &fo, err) < 0)
            return -1; /* fetch names the file, the URL and what was wrong */
        if (st)
            st->index_downloads++;
    }
    if (vz_repo_index_parse(repo, dest, err) < 0)
        return -1;
    if (st)
        st->parses++;
    return vz_repo_index_write_solv(repo, solv, err);
}

static int load_one(Pool *pool, const struct vz_template *t, const struct vz_repo_def *d,
                    const char *base, const struct vz_repo_opts *o, struct vz_repo_state *state,
                    struct vz_repo_stats *st, vz_error_t *err)
{
    if (!d->allow_unsigned && (d->keyring == NULL || *d->keyring == '\0'))
        return vz_error_set(err, VZ_EVERIFY, 0,
                            "no keyring to verify its signature (set keyring: in the YAML)");
    if (d->uris == NULL || d->uris[0] == NULL)
        return vz_error_set(err, VZ_EMETADATA, 0, "no mirror URI");

    struct release_ctx c = { .def = d };
    cleanup_free char *relname = NULL, *inname = NULL; /* before any goto out */
    vz_buf_init(&c.raw);
    int ret = -1;
    vz_error_t last = NULL;
    for (size_t i = 0; d->uris[i]; i++) {
        c.uri = d->uris[i];
        char uh[65];
        vz_sha256_hex(c.uri, strlen(c.uri), uh);
        free(c.repodir);
        c.repodir = vz_xasprintf("%s/%s-%s-%.8s", base, d->name, d->suite, uh);
        if (vz_mkdir_p(c.repodir, 0755, err) < 0)
            goto out;
        cleanup_free char *wt = vz_path_join(c.repodir, ".incoming-XXXXXX");
        if (mkdtemp(wt) == NULL) {
            vz_error_sys(err, "mkdtemp %s", wt);
            goto out;
        }
        c.workdir = vz_xstrdup(wt);
        bool fetch_failed;
        vz_error_release(&last);
        int r = fetch_release(&c, d->keyring, &fetch_failed, &last);
        vz_error_t rm = NULL;
        if (vz_rm_rf(c.workdir, &rm) < 0)
            vz_error_release(&rm);
        free(c.workdir);
        c.workdir = NULL;
        if (r == 0)
            break;
        if (!fetch_failed || d->uris[i + 1] == NULL) {
            *err = get_and_reset(&last);
            goto out;
        }
        vz_warn("repository %s: %s; trying the next mirror", d->name, last->msg);
    }

    if (vz_release_parse(c.text, &c.rel, err) < 0)
        goto out;
    /* A correctly signed Release of another suite (an older release, say)
     * must not stand in for this one: apt refuses it the same way. */
    if (!(c.rel.suite && strcmp(c.rel.suite, d->suite) == 0) &&
        !(c.rel.codename && strcmp(c.rel.codename, d->suite) == 0)) {
        vz_error_set(err, VZ_EVERIFY, 0,
                     "the Release at %s is for suite %s (codename %s), not %s: the mirror "
                     "serves the wrong distribution", c.uri, c.rel.suite ? c.rel.suite : "-",
                     c.rel.codename ? c.rel.codename : "-", d->suite);
        goto out;
    }
    time_t now = o && o->now ? o->now : time(NULL);
    if (c.rel.valid_until_t && c.rel.valid_until_t < now) {
        if (!(o && o->allow_expired)) {
            vz_error_set(err, VZ_EVERIFY, 0,
                         "Release of %s from %s expired on %s (Valid-Until): the mirror is out of "
                         "date or replays an old Release; use a current mirror, or pass "
                         "--allow-expired to accept it", d->suite, c.uri, c.rel.valid_until);
            goto out;
        }
        vz_warn("repository %s: Release expired on %s (Valid-Until), accepted because of "
                "--allow-expired", d->name, c.rel.valid_until);
    }
    /* keep the verified Release next to what it vouches for */
    relname = vz_xasprintf("%s.Release", c.sha256);
    struct vz_buf tb = { .data = c.text, .len = strlen(c.text) };
    if (save(c.repodir, relname, &tb, err) < 0)
        goto out;
    inname = vz_xasprintf("%s.InRelease", c.sha256);
    if (c.raw.len && save(c.repodir, inname, &c.raw, err) < 0)
        goto out;

    for (size_t i = 0; d->components && d->components[i]; i++)
        if (load_component(pool, &c, d->components[i], t->distro_arch, o, st, err) < 0)
            goto out;
    prune(c.repodir, c.sha256);

    state->name = vz_xstrdup(d->name);
    state->suite = vz_xstrdup(d->suite);
    state->date = c.rel.date ? vz_xstrdup(c.rel.date) : NULL;
    memcpy(state->release_sha256, c.sha256, 65);
    ret = 0;
out:
    vz_error_release(&last);
    free(c.repodir);
    free(c.text);
    vz_buf_release(&c.raw);
    vz_release_free(&c.rel);
    return ret;
}

int vz_repo_load(Pool *pool, const struct vz_template *t, const struct vz_repo_opts *opts,
                 struct vz_repo_state **states, struct vz_repo_stats *stats, vz_error_t *err)
{
    cleanup_free char *base = opts && opts->repodata_dir ? vz_xstrdup(opts->repodata_dir)
                                                         : vz_template_path("repodata");
    if (vz_mkdir_p(base, 0755, err) < 0)
        return -1;
    struct vz_repo_state *s = vz_xcalloc(t->n_repos ? t->n_repos : 1, sizeof(*s));
    for (size_t i = 0; i < t->n_repos; i++) {
        if (load_one(pool, t, &t->repos[i], base, opts, &s[i], stats, err) < 0) {
            vz_repo_states_free(s, t->n_repos);
            return vz_error_wrap(err, "repository %s", t->repos[i].name);
        }
    }
    *states = s;
    return 0;
}

void vz_repo_states_free(struct vz_repo_state *s, size_t n)
{
    if (s == NULL)
        return;
    for (size_t i = 0; i < n; i++) {
        free(s[i].name);
        free(s[i].suite);
        free(s[i].date);
    }
    free(s);
}

const char *vz_repo_priority(Pool *pool, Id p)
{
    Id k = pool_str2id(pool, VZ_KEY_PRIORITY, 0);
    return k ? solvable_lookup_str(pool->solvables + p, k) : NULL;
}

bool vz_repo_essential(Pool *pool, Id p)
{
    Id k = pool_str2id(pool, VZ_KEY_ESSENTIAL, 0);
    return k && solvable_lookup_void(pool->solvables + p, k);
}

unsigned long long vz_repo_size(Pool *pool, Id p)
{
    return solvable_lookup_num(pool->solvables + p, SOLVABLE_DOWNLOADSIZE, 0);
}
