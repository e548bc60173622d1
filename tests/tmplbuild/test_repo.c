/* tmplbuild/repo: signatures, checksums, Valid-Until and the .solv cache,
 * against synthetic repositories served from file:// URLs. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <solv/pool.h>
#include <solv/repo.h>

#include "common/common.h"
#include "tests/lib/testrepo.h"
#include "tmplbuild/repo.h"

static char tmp[64];
static char *repodir, *datadir;

static void setup(void)
{
    strncpy(tmp, "/tmp/vzt-repo-XXXXXX", sizeof(tmp));
    cr_assert_not_null(mkdtemp(tmp));
    repodir = vz_path_join(tmp, "mirror");
    datadir = vz_path_join(tmp, "repodata");
}

static void teardown(void)
{
    vz_error_t err = NULL;
    vz_rm_rf(tmp, &err);
    vz_error_release(&err);
    free(repodir);
    free(datadir);
}

TestSuite(repo, .init = setup, .fini = teardown, .timeout = 300);

static struct vz_testrepo make_repo(const struct vz_testrepo_opts *o)
{
    struct vz_testrepo r;
    vz_error_t err = NULL;
    int rc = vz_testrepo_create(repodir, NULL, 0, o, &r, &err);
    cr_assert_eq(rc, 0, "%s", err ? err->msg : "");
    return r;
}

/* Load t into a fresh pool; returns 0 or -1 with *err. */
static int load(const struct vz_template *t, const struct vz_repo_opts *extra,
                struct vz_repo_stats *st, int *nsolv, vz_error_t *err)
{
    static const struct vz_fetch_opts fast = { .retries = 1, .backoff_ms = 1 };
    struct vz_repo_opts o = extra ? *extra : (struct vz_repo_opts){ 0 };
    o.repodata_dir = datadir;
    o.fetch = &fast;
    Pool *pool = pool_create();
    pool_setdisttype(pool, DISTTYPE_DEB);
    pool_setarch(pool, "amd64");
    struct vz_repo_state *states = NULL;
    int rc = vz_repo_load(pool, t, &o, &states, st, err);
    if (rc == 0) {
        cr_assert_str_eq(states[0].name, "main");
        cr_assert_str_eq(states[0].suite, "testing");
        cr_assert_not_null(states[0].date);
        cr_assert_eq(strlen(states[0].release_sha256), 64);
        vz_repo_states_free(states, t->n_repos);
    }
    if (nsolv)
        *nsolv = pool->nsolvables - 2;
    pool_free(pool);
    return rc;
}

Test(repo, inrelease_verified_and_index_loaded)
{
    struct vz_testrepo r = make_repo(NULL);
    struct vz_template *t = vz_testrepo_template(&r, NULL, NULL);
    struct vz_repo_stats st = { 0 };
    vz_error_t err = NULL;
    int n = 0;
    cr_assert_eq(load(t, NULL, &st, &n, &err), 0, "%s", err ? err->msg : "");
    size_t npk;
    vz_testrepo_default_pkgs(&npk);
    cr_assert_eq(n, (int)npk);
    cr_assert_eq(st.index_downloads, 1);
    cr_assert_eq(st.parses, 1);
    cr_assert_eq(st.solv_loads, 0);
    vz_testrepo_template_free(t);
    vz_testrepo_release(&r);
}

Test(repo, release_gpg_fallback_without_inrelease)
{
    struct vz_testrepo r = make_repo(&(struct vz_testrepo_opts){ .no_inrelease = true });
    struct vz_template *t = vz_testrepo_template(&r, NULL, NULL);
    vz_error_t err = NULL;
    cr_assert_eq(load(t, NULL, NULL, NULL, &err), 0, "%s", err ? err->msg : "");
    vz_testrepo_template_free(t);
    vz_testrepo_release(&r);
}

Test(repo, solv_copy_reused_when_release_unchanged)
{
    struct vz_testrepo r = make_repo(NULL);
    struct vz_template *t = vz_testrepo_template(&r, NULL, NULL);
    vz_error_t err = NULL;
    struct vz_repo_stats a = { 0 }, b = { 0 };
    int n1, n2;
    cr_assert_eq(load(t, NULL, &a, &n1, &err), 0, "%s", err ? err->msg : "");
    /* the index disappears from the mirror: a second run must not need it */
    cleanup_free char *xz = vz_testrepo_dists_path(&r, "main/binary-amd64/Packages.xz");
    cr_assert_eq(unlink(xz), 0);
    cr_assert_eq(load(t, NULL, &b, &n2, &err), 0, "%s", err ? err->msg : "");
    cr_assert_eq(b.index_downloads, 0);
    cr_assert_eq(b.parses, 0);
    cr_assert_eq(b.solv_loads, 1);
    cr_assert_eq(n1, n2);
    vz_testrepo_template_free(t);
    vz_testrepo_release(&r);
}

Test(repo, solv_copy_keeps_priority_essential_and_size)
{
    struct vz_testrepo r = make_repo(NULL);
    struct vz_template *t = vz_testrepo_template(&r, NULL, NULL);
    vz_error_t err = NULL;
    for (int run = 0; run < 2; run++) {
        struct vz_repo_opts o = { .repodata_dir = datadir };
        Pool *pool = pool_create();
        pool_setdisttype(pool, DISTTYPE_DEB);
        pool_setarch(pool, "amd64");
        struct vz_repo_state *states = NULL;
        struct vz_repo_stats st = { 0 };
        cr_assert_eq(vz_repo_load(pool, t, &o, &states, &st, &err), 0, "%s", err ? err->msg : "");
        cr_assert_eq(st.solv_loads, (unsigned)run);
        int seen = 0;
        for (Id p = 2; p < pool->nsolvables; p++) {
            const char *name = pool_id2str(pool, pool->solvables[p].name);
            if (strcmp(name, "busybox-sh") == 0) {
                cr_assert_str_eq(vz_repo_priority(pool, p), "required");
                cr_assert(vz_repo_essential(pool, p));
                cr_assert_gt(vz_repo_size(pool, p), 100000);
                seen++;
            } else if (strcmp(name, "editor-t") == 0) {
                cr_assert_str_eq(vz_repo_priority(pool, p), "important");
                cr_assert(!vz_repo_essential(pool, p));
                seen++;
            }
        }
        cr_assert_eq(seen, 2);
        vz_repo_states_free(states, 1);
        pool_free(pool);
    }
    vz_testrepo_template_free(t);
    vz_testrepo_release(&r);
}

Test(repo, new_release_fetches_again_and_prunes_old_files)
{
    struct vz_testrepo r = make_repo(NULL);
    struct vz_template *t = vz_testrepo_template(&r, NULL, NULL);
    vz_error_t err = NULL;
    struct vz_repo_stats a = { 0 }, b = { 0 };
    cr_assert_eq(load(t, NULL, &a, NULL, &err), 0, "%s", err ? err->msg : "");
    /* same index, new Release (new Date): a new key, so a new download */
    struct vz_testrepo_opts o = { .date = time(NULL) + 60 };
    cr_assert_eq(vz_testrepo_write_release(&r, &o, &err), 0, "%s", err ? err->msg : "");
    cr_assert_eq(load(t, NULL, &b, NULL, &err), 0, "%s", err ? err->msg : "");
    cr_assert_eq(b.index_downloads, 1);
    cr_assert_eq(b.solv_loads, 0);
    /* only the new Release's files remain: .Release, .InRelease, index, .solv */
    struct vz_buf out = VZ_BUF_INIT;
    vz_buf_init(&out);
    cleanup_free char *cmd = vz_xasprintf("ls %s/*/ | wc -l", datadir);
    char *argv[] = { "sh", "-c", cmd, NULL };
    cr_assert_eq(vz_run_ok(argv, &(struct vz_run_opts){ .out = &out }, &err), 0);
    cr_assert_str_eq(out.data, "4\n");
    vz_buf_release(&out);
    vz_testrepo_template_free(t);
    vz_testrepo_release(&r);
}

Test(repo, bad_signature_refused)
{
    struct vz_testrepo r = make_repo(NULL);
    struct vz_template *t = vz_testrepo_template(&r, NULL, NULL);
    /* change one byte of the signed text */
    cleanup_free char *in = vz_testrepo_dists_path(&r, "InRelease");
    char *argv[] = { "sed", "-i", "s/^Label: vzforge-test/Label: vzforge-evil/", in, NULL };
    vz_error_t err = NULL;
    cr_assert_eq(vz_run_ok(argv, NULL, &err), 0);
    char kid[17];
    cr_assert_eq(vz_testrepo_keyid(false, kid, &err), 0);
    cr_assert_eq(load(t, NULL, NULL, NULL, &err), -1);
    cleanup_free char *want = vz_xasprintf(
        "repository main: %s/dists/testing/InRelease: BAD signature from key %s (vzforge test key "
        "0 <test0@vzforge.invalid>): the file was altered after signing (a broken mirror or an "
        "attack; try another mirror)", r.url, kid);
    cr_assert_str_eq(err->msg, want);
    cr_assert_eq(err->status, VZ_EVERIFY);
    vz_error_release(&err);
    vz_testrepo_template_free(t);
    vz_testrepo_release(&r);
}

Test(repo, signed_by_unknown_key_refused)
{
    struct vz_testrepo r = make_repo(NULL);
    struct vz_template *t = vz_testrepo_template(&r, NULL, NULL);
    vz_error_t err = NULL;
    cleanup_free char *other = vz_path_join(tmp, "other.gpg");
    cr_assert_eq(vz_testrepo_other_keyring(other, &err), 0, "%s", err ? err->msg : "");
    free(t->repos[0].keyring);
    t->repos[0].keyring = vz_xstrdup(other);
    char kid[17];
    cr_assert_eq(vz_testrepo_keyid(false, kid, &err), 0);
    cr_assert_eq(load(t, NULL, NULL, NULL, &err), -1);
    cleanup_free char *want = vz_xasprintf(
        "repository main: %s/dists/testing/InRelease: signed by key %s, which is not in keyring "
        "%s (wrong keyring in the template, or the archive has a new key)", r.url, kid, other);
    cr_assert_str_eq(err->msg, want);
    vz_error_release(&err);
    vz_testrepo_template_free(t);
    vz_testrepo_release(&r);
}

Test(repo, detached_signature_checked_too)
{
    struct vz_testrepo r = make_repo(&(struct vz_testrepo_opts){ .no_inrelease = true });
    struct vz_template *t = vz_testrepo_template(&r, NULL, NULL);
    cleanup_free char *rel = vz_testrepo_dists_path(&r, "Release");
    char *argv[] = { "sed", "-i", "s/^Label: vzforge-test/Label: vzforge-evil/", rel, NULL };
    vz_error_t err = NULL;
    cr_assert_eq(vz_run_ok(argv, NULL, &err), 0);
    cr_assert_eq(load(t, NULL, NULL, NULL, &err), -1);
    cleanup_free char *prefix = vz_xasprintf(
        "repository main: %s/dists/testing/Release.gpg: BAD signature from key ", r.url);
    cr_assert_eq(strncmp(err->msg, prefix, strlen(prefix)), 0, "%s", err->msg);
    vz_error_release(&err);
    vz_testrepo_template_free(t);
    vz_testrepo_release(&r);
}

Test(repo, unsigned_repository_refused)
{
    struct vz_testrepo r = make_repo(&(struct vz_testrepo_opts){ .unsigned_repo = true });
    struct vz_template *t = vz_testrepo_template(&r, NULL, NULL);
    vz_error_t err = NULL;
    cr_assert_eq(load(t, NULL, NULL, NULL, &err), -1);
    cleanup_free char *prefix = vz_xasprintf(
        "repository main: unsigned: neither InRelease nor Release.gpg at %s (", r.url);
    cr_assert_eq(strncmp(err->msg, prefix, strlen(prefix)), 0, "%s", err->msg);
    cr_assert(strstr(err->msg, "); set allow_unsigned: true in the YAML only for a repository you "
                               "trust by other means") != NULL, "%s", err->msg);
    cr_assert_eq(err->status, VZ_EVERIFY);
    vz_error_release(&err);
    vz_testrepo_template_free(t);
    vz_testrepo_release(&r);
}

Test(repo, allow_unsigned_accepts_with_warning)
{
    struct vz_testrepo r = make_repo(&(struct vz_testrepo_opts){ .unsigned_repo = true });
    struct vz_template *t = vz_testrepo_template(&r, NULL, NULL);
    t->repos[0].allow_unsigned = true;
    vz_error_t err = NULL;
    cr_assert_eq(load(t, NULL, NULL, NULL, &err), 0, "%s", err ? err->msg : "");
    vz_testrepo_template_free(t);
    vz_testrepo_release(&r);
}

Test(repo, missing_keyring_refused)
{
    struct vz_testrepo r = make_repo(NULL);
    struct vz_template *t = vz_testrepo_template(&r, NULL, NULL);
    free(t->repos[0].keyring);
    t->repos[0].keyring = vz_path_join(tmp, "nope.gpg");
    vz_error_t err = NULL;
    cr_assert_eq(load(t, NULL, NULL, NULL, &err), -1);
    cleanup_free char *want = vz_xasprintf(
        "repository main: keyring %s/nope.gpg cannot be read: No such file or directory (install it, or point `keyring:` in "
        "the template's YAML at the archive's public key)", tmp);
    cr_assert_str_eq(err->msg, want);
    vz_error_release(&err);
    vz_testrepo_template_free(t);
    vz_testrepo_release(&r);
}

Test(repo, index_checksum_mismatch_refused)
{
    struct vz_testrepo r = make_repo(NULL);
    struct vz_template *t = vz_testrepo_template(&r, NULL, NULL);
    /* replace Packages.xz after Release was signed: same size, other bytes */
    cleanup_free char *xz = vz_testrepo_dists_path(&r, "main/binary-amd64/Packages.xz");
    char good[65], bad[65];
    vz_error_t err = NULL;
    cr_assert_eq(vz_sha256_file(xz, good, NULL, &err), 0);
    FILE *f = fopen(xz, "r+");
    cr_assert_not_null(f);
    fseek(f, 40, SEEK_SET);
    int c = fgetc(f);
    fseek(f, 40, SEEK_SET);
    fputc(c ^ 0xff, f);
    fclose(f);
    cr_assert_eq(vz_sha256_file(xz, bad, NULL, &err), 0);
    cr_assert_eq(load(t, NULL, NULL, NULL, &err), -1);
    cleanup_free char *want = vz_xasprintf(
        "repository main: fetch main/binary-amd64/Packages.xz: %s/dists/testing/main/binary-amd64/"
        "Packages.xz: sha256 mismatch (expected %s, got %s)", r.url, good, bad);
    cr_assert_str_eq(err->msg, want);
    cr_assert_eq(err->status, VZ_EVERIFY);
    vz_error_release(&err);
    /* nothing unverified is kept */
    struct vz_buf out = VZ_BUF_INIT;
    vz_buf_init(&out);
    cleanup_free char *cmd = vz_xasprintf("ls %s/*/ | grep -c Packages || true", datadir);
    char *argv[] = { "sh", "-c", cmd, NULL };
    cr_assert_eq(vz_run_ok(argv, &(struct vz_run_opts){ .out = &out }, &err), 0);
    cr_assert_str_eq(out.data, "0\n");
    vz_buf_release(&out);
    vz_testrepo_template_free(t);
    vz_testrepo_release(&r);
}

Test(repo, gz_used_when_no_xz)
{
    struct vz_testrepo r = make_repo(&(struct vz_testrepo_opts){ .indexes = 2 });
    struct vz_template *t = vz_testrepo_template(&r, NULL, NULL);
    vz_error_t err = NULL;
    int n = 0;
    cr_assert_eq(load(t, NULL, NULL, &n, &err), 0, "%s", err ? err->msg : "");
    cr_assert_gt(n, 10);
    vz_testrepo_template_free(t);
    vz_testrepo_release(&r);
}

Test(repo, expired_release_refused_unless_allowed)
{
    time_t now = time(NULL);
    struct vz_testrepo r = make_repo(&(struct vz_testrepo_opts){
        .date = 1700000000, .valid_until = 1700000000 + 7 * 86400 });
    struct vz_template *t = vz_testrepo_template(&r, NULL, NULL);
    vz_error_t err = NULL;
    struct vz_repo_opts o = { .now = now };
    cr_assert_eq(load(t, &o, NULL, NULL, &err), -1);
    cleanup_free char *want = vz_xasprintf(
        "repository main: Release of testing from %s expired on Tue, 21 Nov 2023 22:13:20 UTC "
        "(Valid-Until): the mirror is out of date or replays an old Release; use a current "
        "mirror, or pass --allow-expired to accept it", r.url);
    cr_assert_str_eq(err->msg, want);
    vz_error_release(&err);
    o.allow_expired = true;
    cr_assert_eq(load(t, &o, NULL, NULL, &err), 0, "%s", err ? err->msg : "");
    /* still valid at an earlier "now" */
    o.allow_expired = false;
    o.now = 1700000000 + 86400;
    cr_assert_eq(load(t, &o, NULL, NULL, &err), 0, "%s", err ? err->msg : "");
    vz_testrepo_template_free(t);
    vz_testrepo_release(&r);
}

Test(repo, unreachable_mirror_names_url)
{
    struct vz_testrepo r = make_repo(NULL);
    struct vz_template *t = vz_testrepo_template(&r, NULL, NULL);
    free(t->repos[0].uris[0]);
    t->repos[0].uris[0] = vz_xasprintf("file://%s/nowhere", tmp);
    vz_error_t err = NULL;
    cr_assert_eq(load(t, NULL, NULL, NULL, &err), -1);
    cr_assert_eq(strncmp(err->msg, "repository main: no InRelease (", 31), 0, "%s", err->msg);
    cr_assert(strstr(err->msg, "/nowhere/dists/testing/Release") != NULL, "%s", err->msg);
    vz_error_release(&err);
    /* a second mirror in the list is used */
    vz_strv_push(&t->repos[0].uris, r.url);
    cr_assert_eq(load(t, NULL, NULL, NULL, &err), 0, "%s", err ? err->msg : "");
    vz_testrepo_template_free(t);
    vz_testrepo_release(&r);
}

Test(repo, release_of_another_suite_refused)
{
    /* a correctly signed Release for "stable" served where "testing" should be */
    struct vz_testrepo r = make_repo(&(struct vz_testrepo_opts){ .suite = "stable" });
    cleanup_free char *from = vz_xasprintf("%s/dists/stable", r.dir);
    cleanup_free char *to = vz_xasprintf("%s/dists/testing", r.dir);
    cr_assert_eq(rename(from, to), 0);
    struct vz_template *t = vz_testrepo_template(&r, NULL, NULL);
    free(t->repos[0].suite);
    t->repos[0].suite = vz_xstrdup("testing");
    vz_error_t err = NULL;
    cr_assert_eq(load(t, NULL, NULL, NULL, &err), -1);
    cleanup_free char *want = vz_xasprintf(
        "repository main: the Release at %s is for suite stable (codename stable), not testing: "
        "the mirror serves the wrong distribution", r.url);
    cr_assert_str_eq(err->msg, want);
    cr_assert_eq(err->status, VZ_EVERIFY);
    vz_error_release(&err);
    vz_testrepo_template_free(t);
    vz_testrepo_release(&r);
}

Test(repo, one_good_signature_among_unknown_ones_is_enough)
{
    /* Debian signs InRelease with several keys; a keyring that holds one of
     * them verifies it, as with apt */
    struct vz_testrepo r = make_repo(&(struct vz_testrepo_opts){ .also_other_key = true });
    struct vz_template *t = vz_testrepo_template(&r, NULL, NULL);
    vz_error_t err = NULL;
    cr_assert_eq(load(t, NULL, NULL, NULL, &err), 0, "%s", err ? err->msg : "");
    vz_testrepo_template_free(t);
    vz_testrepo_release(&r);
}

Test(repo, two_signers_detached_one_known)
{
    struct vz_testrepo r = make_repo(&(struct vz_testrepo_opts){ .also_other_key = true,
                                                                 .no_inrelease = true });
    struct vz_template *t = vz_testrepo_template(&r, NULL, NULL);
    vz_error_t err = NULL;
    cr_assert_eq(load(t, NULL, NULL, NULL, &err), 0, "%s", err ? err->msg : "");
    vz_testrepo_template_free(t);
    vz_testrepo_release(&r);
}

/* An index without a single stanza (a pocket before its first update, as
 * Ubuntu's -updates on release day) is a repository of no packages, in each
 * form Release may list (xz, gz, plain), and again from its .solv copy. */
Test(repo, empty_index_is_a_repository_without_packages)
{
    static const struct vz_testpkg none[1];
    static const int forms[] = { 4, 2, 1 };
    for (size_t i = 0; i < VZ_ARRAY_SIZE(forms); i++) {
        struct vz_testrepo r;
        vz_error_t err = NULL;
        cleanup_free char *dir = vz_xasprintf("%s-%zu", repodir, i);
        struct vz_testrepo_opts o = { .indexes = forms[i] };
        cr_assert_eq(vz_testrepo_create(dir, none, 0, &o, &r, &err), 0, "%s", err ? err->msg : "");
        struct vz_template *t = vz_testrepo_template(&r, NULL, NULL);
        struct vz_repo_stats st = { 0 };
        int n = -1;
        cr_assert_eq(load(t, NULL, &st, &n, &err), 0, "form %d: %s", forms[i], err ? err->msg : "");
        cr_assert_eq(n, 0);
        cr_assert_eq(st.parses, 1);
        st = (struct vz_repo_stats){ 0 };
        n = -1;
        cr_assert_eq(load(t, NULL, &st, &n, &err), 0, "form %d: %s", forms[i], err ? err->msg : "");
        cr_assert_eq(n, 0);
        cr_assert_eq(st.solv_loads, 1);
        vz_testrepo_template_free(t);
        vz_testrepo_release(&r);
    }
}
