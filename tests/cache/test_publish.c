/* publish -> serve on 127.0.0.1 -> download into a second VZ_ROOT; every
 * artifact tampered in turn must be refused with nothing written. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cache/index.h"
#include "cache/sign.h"
#include "cache/store.h"
#include "common/common.h"
#include "tests/lib/httpd.h"
#include "tmplbuild/download.h"
#include "tmplbuild/pack.h"
#include "util.h"

static char *top, *root_a, *root_b, *pub, *tree;
static struct vz_httpd *srv;
static char id1[64];

static void use_root(const char *r)
{
    setenv("VZ_ROOT", r, 1);
}

static void build_and_publish(const char *name, const char *hostname, const char *sde)
{
    use_root(root_a);
    setenv("SOURCE_DATE_EPOCH", sde, 1);
    char *h = vz_path_join(tree, "etc/hostname");
    vzt_write(h, hostname);
    free(h);
    struct vz_manifest *m = vz_manifest_new(name);
    vz_error_t err = NULL;
    cr_assert_eq(vz_pack_to_cache(tree, m, NULL, 0, NULL, &err), 0, "%s", vzt_errmsg(&err));
    vz_manifest_free(m);
    char *names[] = { (char *)name, NULL };
    char **ids = vz_xcalloc(1, sizeof(char *));
    cr_assert_eq(vz_publish(pub, names, 3, &ids, &err), 0, "%s", vzt_errmsg(&err));
    if (ids[0])
        snprintf(id1, sizeof(id1), "%s", ids[0]);
    vz_strv_free(ids);
    use_root(root_b);
}

static void setup(void)
{
    top = vzt_mkdtemp("pub");
    root_a = vz_path_join(top, "A");
    root_b = vz_path_join(top, "B");
    pub = vz_path_join(top, "pub");
    tree = vz_path_join(top, "tree");
    vzt_make_tree(tree, 0, 1600000000);
    vz_log_level = VZ_LOG_WARN;
    build_and_publish("t1", "one\n", "1700000000");
    /* B trusts A's key */
    char *apub = vz_xasprintf("%s/etc/vz/keys/signing.pub", root_a);
    vz_error_t err = NULL;
    use_root(root_b);
    cr_assert_eq(vz_trust_add(apub, NULL, &err), 0, "%s", vzt_errmsg(&err));
    free(apub);
    srv = vz_httpd_start(pub);
}

static void teardown(void)
{
    vz_httpd_stop(srv);
    vz_error_t err = NULL;
    vz_rm_rf(top, &err);
    vz_error_release(&err);
    free(top);
    free(root_a);
    free(root_b);
    free(pub);
    free(tree);
}

TestSuite(publish, .init = setup, .fini = teardown, .timeout = 300);

static int download(const char *name, vz_error_t *err)
{
    char *iu = vz_httpd_url(srv, "/index.json");
    /* lock timeout generous: concurrent tests wait for each other */
    struct vz_download_opts o = { iu, false, 1, 1, 120, 0 };
    int r = vz_download(name, &o, NULL, err);
    free(iu);
    return r;
}

/* Nothing of t1 in B: no cache, no temp, no partial download. */
static void assert_nothing_written(void)
{
    use_root(root_b);
    vz_error_t err = NULL;
    struct vz_cache_info *c = NULL;
    cr_assert_eq(vz_cache_find("t1", &c, &err), -1, "a cache was landed");
    vz_error_release(&err);
    char *cache = vz_template_path("cache"), *tmp = vz_template_path("tmp");
    cr_assert(vzt_count_entries(cache) <= 0, "files left in %s", cache);
    cr_assert(vzt_count_entries(tmp) <= 0, "files left in %s", tmp);
    free(cache);
    free(tmp);
}

static void expect_refusal_body(const char *path, enum vz_httpd_fault_kind kind, int64_t arg,
                                const char *body, size_t blen, const char *contains)
{
    if (body)
        vz_httpd_alt(srv, path, body, blen, 0);
    else
        vz_httpd_fault(srv, path, kind, arg, 0);
    vz_error_t err = NULL;
    cr_assert_eq(download("t1", &err), -1, "tampered %s accepted", path);
    cr_assert(strstr(err->msg, contains), "%s: message '%s' lacks '%s'", path, err->msg, contains);
    cr_assert_eq(strncmp(err->msg, "download t1: ", 13), 0, "%s", err->msg);
    cr_assert_eq(err->status, VZ_EVERIFY, "%s: status %d (%s)", path, err->status, err->msg);
    vz_error_release(&err);
    vz_httpd_clear(srv, path);
    assert_nothing_written();
}

static void expect_refusal(const char *path, enum vz_httpd_fault_kind kind, int64_t arg,
                           const char *contains)
{
    expect_refusal_body(path, kind, arg, NULL, 0, contains);
}

Test(publish, download_lands_a_verified_copy)
{
    vz_error_t err = NULL;
    cr_assert_eq(download("t1", &err), 0, "%s", vzt_errmsg(&err));
    cr_assert_eq(vz_cache_verify("t1", NULL, &err), 0, "%s", vzt_errmsg(&err));
    struct vz_cache_info *c = NULL;
    cr_assert_eq(vz_cache_find("t1", &c, &err), 0);
    char *orig = vz_xasprintf("%s/t1/%s/t1.tar.zst", pub, id1);
    char hex[65];
    uint64_t size;
    cr_assert_eq(vz_sha256_file(orig, hex, &size, &err), 0);
    cr_assert_str_eq(c->tar_sha256, hex);
    vz_cache_info_free(c);
    /* a second download is a no-op and fetches no tarball */
    char *tpath = vz_xasprintf("/t1/%s/t1.tar.zst", id1);
    unsigned hits = vz_httpd_hits(srv, tpath);
    cr_assert_eq(download("t1", &err), 1, "%s", vzt_errmsg(&err));
    cr_assert_eq(vz_httpd_hits(srv, tpath), hits);
    char *tmp = vz_template_path("tmp");
    cr_assert_eq(vzt_count_entries(tmp), 0);
    free(tmp);
    free(tpath);
    free(orig);
}

Test(publish, every_tampered_artifact_is_refused_and_nothing_written)
{
    char *key = vz_xmalloc(17);
    char *sig = vz_path_join(pub, "index.json.sig");
    size_t sl = 0;
    char *stext = vzt_slurp(sig, &sl);
    vz_error_t err = NULL;
    cr_assert_eq(vz_sig_key_id(stext, sl, key, &err), 0);
    char *iu = vz_httpd_url(srv, "/index.json");
    char *bad_index = vz_xasprintf("index %s: bad signature (key %s)", iu, key);
    char *mpath = vz_xasprintf("/t1/%s/t1.manifest", id1);
    char *spath = vz_xasprintf("/t1/%s/t1.manifest.sig", id1);
    char *tpath = vz_xasprintf("/t1/%s/t1.tar.zst", id1);
    char *murl = vz_httpd_url(srv, mpath);
    char *bad_manifest_hash = vz_xasprintf("manifest %s has sha256 ", murl);
    char *bad_manifest_sig = vz_xasprintf("manifest %s: bad signature (key %s)", murl, key);

    expect_refusal("/index.json", VZ_HTTPD_CORRUPT, 100, bad_index);
    expect_refusal("/index.json", VZ_HTTPD_TRUNCATE, 200, bad_index);
    /* signature: one bit of a base64 letter flipped (stays base64: 'B'..'Y'),
     * and a byte replaced by a non-base64 one (the server's CORRUPT: ^0xff) */
    int off = 8 + 16 + 1;
    while (!(stext[off] >= 'B' && stext[off] <= 'Y'))
        off++;
    char *flipped = vz_xstrdup(stext);
    flipped[off] ^= 1;
    expect_refusal_body("/index.json.sig", 0, 0, flipped, sl, bad_index);
    expect_refusal("/index.json.sig", VZ_HTTPD_CORRUPT, off, "signature malformed");
    expect_refusal("/index.json.sig", VZ_HTTPD_TRUNCATE, 60, "signature malformed");
    expect_refusal(mpath, VZ_HTTPD_CORRUPT, 50, bad_manifest_hash);
    expect_refusal(mpath, VZ_HTTPD_TRUNCATE, 100, bad_manifest_hash);
    char *msig = vz_xasprintf("%s/t1/%s/t1.manifest.sig", pub, id1);
    size_t msl = 0;
    char *mstext = vzt_slurp(msig, &msl);
    mstext[off] ^= 1;
    if (!(mstext[off] >= 'A' && mstext[off] <= 'Z'))
        mstext[off] = mstext[off + 1] == 'Q' ? 'R' : 'Q';
    expect_refusal_body(spath, 0, 0, mstext, msl, bad_manifest_sig);
    expect_refusal(spath, VZ_HTTPD_CORRUPT, off, "signature malformed");
    expect_refusal(spath, VZ_HTTPD_TRUNCATE, 60, "signature malformed");
    free(mstext);
    free(msig);
    free(flipped);
    expect_refusal(tpath, VZ_HTTPD_CORRUPT, 10, "sha256 mismatch");
    expect_refusal(tpath, VZ_HTTPD_TRUNCATE, 10, "size mismatch");
    /* and after all that, the untampered tree still downloads */
    cr_assert_eq(download("t1", &err), 0, "%s", vzt_errmsg(&err));
    free(bad_manifest_sig);
    free(bad_manifest_hash);
    free(murl);
    free(tpath);
    free(spath);
    free(mpath);
    free(bad_index);
    free(iu);
    free(stext);
    free(sig);
    free(key);
}

Test(publish, manifest_signed_by_an_untrusted_key_is_refused)
{
    /* replace the published manifest's signature and the index by ones of
     * another key that B does not trust: the index is refused first */
    use_root(root_b);
    vz_error_t err = NULL;
    char *tdir = vz_trusted_dir();
    cr_assert_eq(vz_rm_rf(tdir, &err), 0);
    cr_assert_eq(download("t1", &err), -1);
    cr_assert(strstr(err->msg, "which is not trusted (trust it with 'vzpkg trust add KEYFILE'"),
              "%s", err->msg);
    cr_assert_eq(err->status, VZ_EVERIFY);
    vz_error_release(&err);
    assert_nothing_written();
    /* --insecure gets it, hashes still checked */
    char *iu = vz_httpd_url(srv, "/index.json");
    struct vz_download_opts o = { iu, true, 1, 1, 5, 0 };
    cr_assert_eq(vz_download("t1", &o, NULL, &err), 0, "%s", vzt_errmsg(&err));
    char *tpath = vz_xasprintf("/t1/%s/t1.tar.zst", id1);
    cr_assert_eq(vz_cache_remove("t1", 0, &err), 0);
    vz_httpd_fault(srv, tpath, VZ_HTTPD_CORRUPT, 10, 0);
    cr_assert_eq(vz_download("t1", &o, NULL, &err), -1);
    cr_assert(strstr(err->msg, "sha256 mismatch"), "%s", err->msg);
    vz_error_release(&err);
    free(tpath);
    free(iu);
    free(tdir);
}

Test(publish, older_index_replayed_after_a_newer_one_is_refused)
{
    char *ip = vz_path_join(pub, "index.json"), *sp = vz_path_join(pub, "index.json.sig");
    size_t il, sl;
    char *old_index = vzt_slurp(ip, &il), *old_sig = vzt_slurp(sp, &sl);
    /* a newer build, a newer index: B downloads it */
    build_and_publish("t1", "two\n", "1700000100");
    vz_error_t err = NULL;
    cr_assert_eq(download("t1", &err), 0, "%s", vzt_errmsg(&err));
    struct vz_cache_info *c = NULL;
    cr_assert_eq(vz_cache_find("t1", &c, &err), 0);
    char before[65];
    memcpy(before, c->tar_sha256, 65);
    vz_cache_info_free(c);
    /* an attacker serves the old (validly signed) index */
    vz_httpd_alt(srv, "/index.json", old_index, il, 0);
    vz_httpd_alt(srv, "/index.json.sig", old_sig, sl, 0);
    cr_assert_eq(download("t1", &err), -1, "replayed index accepted");
    cr_assert_eq(err->status, VZ_EVERIFY);
    cr_assert(strstr(err->msg, "is older than serial"), "%s", err->msg);
    cr_assert(strstr(err->msg, "(a replayed or rolled-back index); refusing"), "%s", err->msg);
    vz_error_release(&err);
    /* the newer cache is untouched */
    cr_assert_eq(vz_cache_find("t1", &c, &err), 0);
    cr_assert_str_eq(c->tar_sha256, before);
    vz_cache_info_free(c);
    free(old_index);
    free(old_sig);
    free(ip);
    free(sp);
}

Test(publish, keep_prunes_old_builds_and_index_lists_newest_first)
{
    build_and_publish("t1", "two\n", "1700000100");
    build_and_publish("t1", "three\n", "1700000200");
    build_and_publish("t1", "four\n", "1700000300");
    /* 4 builds published with keep 3 */
    char *td = vz_path_join(pub, "t1");
    cr_assert_eq(vzt_count_entries(td), 3);
    char *ip = vz_path_join(pub, "index.json");
    size_t il;
    char *text = vzt_slurp(ip, &il);
    struct vz_index *ix = NULL;
    vz_error_t err = NULL;
    cr_assert_eq(vz_index_parse(text, il, &ix, &err), 0, "%s", vzt_errmsg(&err));
    cr_assert_eq(ix->n, 3);
    cr_assert_eq(ix->builds[0].build_time, 1700000300);
    cr_assert_eq(ix->builds[2].build_time, 1700000100);
    cr_assert_eq(vz_index_latest(ix, "t1"), &ix->builds[0]);
    /* the published files match what the index says */
    char *tp = vz_path_join(pub, ix->builds[0].tarball);
    char hex[65];
    uint64_t size;
    cr_assert_eq(vz_sha256_file(tp, hex, &size, &err), 0);
    cr_assert_str_eq(hex, ix->builds[0].sha256);
    cr_assert_eq(size, ix->builds[0].size);
    /* B gets the newest */
    cr_assert_eq(download("t1", &err), 0, "%s", vzt_errmsg(&err));
    struct vz_cache_info *c = NULL;
    cr_assert_eq(vz_cache_find("t1", &c, &err), 0);
    cr_assert_str_eq(c->tar_sha256, ix->builds[0].sha256);
    vz_cache_info_free(c);
    /* unknown template */
    cr_assert_eq(download("t9", &err), -1);
    char *iu = vz_httpd_url(srv, "/index.json");
    char *want = vz_xasprintf("download t9: template t9 is not in index %s (it has: t1)", iu);
    cr_assert_str_eq(err->msg, want);
    cr_assert_eq(err->status, VZ_ENOTEMPLATE);
    vz_error_release(&err);
    free(want);
    free(iu);
    free(tp);
    vz_index_free(ix);
    free(text);
    free(ip);
    free(td);
}

Test(publish, index_paths_cannot_point_elsewhere)
{
    const char *bad =
        "{\"format\": 1, \"serial\": 5, \"signer\": \"x\", \"templates\": {\"t1\": [{\"id\": "
        "\"1-a\", \"build_time\": 1, \"compression\": \"zst\", \"size\": 1, \"sha256\": "
        "\"1111111111111111111111111111111111111111111111111111111111111111\", \"tarball\": "
        "\"../../etc/shadow\", \"manifest\": \"t1/1-a/t1.manifest\", \"manifest_sha256\": "
        "\"1111111111111111111111111111111111111111111111111111111111111111\", \"signature\": "
        "\"t1/1-a/t1.manifest.sig\", \"packages\": 0, \"signer\": \"x\"}]}}";
    struct vz_index *ix = NULL;
    vz_error_t err = NULL;
    cr_assert_eq(vz_index_parse(bad, strlen(bad), &ix, &err), -1);
    cr_assert_str_eq(err->msg, "index: templates.t1[0]: paths must be t1/1-a/t1.tar.zst, "
                               "t1/1-a/t1.manifest and t1/1-a/t1.manifest.sig");
    vz_error_release(&err);
}

Test(publish, dropped_connection_resumes)
{
    char *tpath = vz_xasprintf("/t1/%s/t1.tar.zst", id1);
    vz_httpd_fault(srv, tpath, VZ_HTTPD_DROP, 100, 1);
    vz_error_t err = NULL;
    char *iu = vz_httpd_url(srv, "/index.json");
    struct vz_download_opts o = { iu, false, 3, 1, 5, 0 };
    cr_assert_eq(vz_download("t1", &o, NULL, &err), 0, "%s", vzt_errmsg(&err));
    cr_assert_eq(vz_cache_verify("t1", NULL, &err), 0, "%s", vzt_errmsg(&err));
    cr_assert_eq(vz_httpd_hits(srv, tpath), 2);
    cr_assert_eq(vz_httpd_range_hits(srv, tpath), 1, "second request did not resume");
    cr_assert_eq(vz_httpd_last_range_start(srv, tpath), 100);
    free(iu);
    free(tpath);
}

Test(publish, two_concurrent_downloads_land_once)
{
    /* slow the tarball so both processes overlap */
    char *tpath = vz_xasprintf("/t1/%s/t1.tar.zst", id1);
    vz_httpd_fault(srv, tpath, VZ_HTTPD_SLOW, 2, 0);
    pid_t kids[2];
    for (int i = 0; i < 2; i++) {
        kids[i] = fork();
        cr_assert(kids[i] >= 0);
        if (kids[i] == 0) {
            vz_error_t err = NULL;
            int r = download("t1", &err);
            _exit(r == 0 ? 10 : r == 1 ? 11 : 1);
        }
    }
    int codes[2];
    for (int i = 0; i < 2; i++) {
        int st;
        waitpid(kids[i], &st, 0);
        codes[i] = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    }
    /* one landed it (10), the other found it current (11): in any order */
    cr_assert(codes[0] + codes[1] == 21, "exit codes %d and %d", codes[0], codes[1]);
    vz_error_t err = NULL;
    cr_assert_eq(vz_cache_verify("t1", NULL, &err), 0, "%s", vzt_errmsg(&err));
    free(tpath);
}

Test(publish, cli_download_takes_the_index_url_from_vz_conf)
{
    const char *b = getenv("VZ_BUILD");
    cr_assert_not_null(b, "VZ_BUILD is not set: run through 'make check' or set VZ_BUILD=build");
    char *conf = vz_xasprintf("%s/etc/vz/vz.conf", root_b);
    char *iu = vz_httpd_url(srv, "/");
    char *text = vz_xasprintf("# test\nINDEX_URL=\"%s\"\n", iu);
    vzt_write(conf, text);
    use_root(root_b);
    char *bin = vz_xasprintf("%s/bin/vzpkg", b);
    char *argv[] = { bin, "-q", "download", "t1", NULL };
    struct vz_buf out, errb;
    vz_buf_init(&out);
    vz_buf_init(&errb);
    struct vz_run_opts o = { .out = &out, .errbuf = &errb };
    int st = -1;
    vz_error_t err = NULL;
    cr_assert_eq(vz_run(argv, &o, &st, &err), 0);
    cr_assert_eq(st, 0, "%s", errb.data);
    cr_assert_str_eq(out.data, "t1: downloaded and verified\n");
    vz_buf_reset(&out);
    cr_assert_eq(vz_run(argv, &o, &st, &err), 0);
    cr_assert_eq(st, 0, "%s", errb.data);
    cr_assert_str_eq(out.data, "t1: already up to date\n");
    vz_buf_release(&out);
    vz_buf_release(&errb);
    free(bin);
    free(text);
    free(iu);
    free(conf);
}

/* vzpkg download --json: the cache landed (or found current), nothing else
 * on stdout; a refusal prints its message on stderr and nothing on stdout. */
Test(publish, cli_download_json)
{
    const char *b = getenv("VZ_BUILD");
    cr_assert_not_null(b, "VZ_BUILD is not set: run through 'make check' or set VZ_BUILD=build");
    use_root(root_b);
    char *bin = vz_xasprintf("%s/bin/vzpkg", b);
    char *iu = vz_httpd_url(srv, "/index.json");
    struct vz_buf out, errb;
    vz_buf_init(&out);
    vz_buf_init(&errb);
    struct vz_run_opts o = { .out = &out, .errbuf = &errb };
    const char *want_action[] = { "downloaded", "none" };
    for (int i = 0; i < 2; i++) {
        char *argv[] = { bin, "download", "t1", "--index", iu, "--json", NULL };
        int st = -1;
        vz_error_t err = NULL;
        vz_buf_reset(&out);
        vz_buf_reset(&errb);
        cr_assert_eq(vz_run(argv, &o, &st, &err), 0);
        cr_assert_eq(st, 0, "%s", errb.data);
        json_error_t je;
        json_t *j = json_loads(out.data, 0, &je);
        cr_assert_not_null(j, "not JSON (%s): '%s'", je.text, out.data);
        struct vz_cache_info *c = NULL;
        cr_assert_eq(vz_cache_find("t1", &c, &err), 0, "%s", vzt_errmsg(&err));
        cr_assert_str_eq(json_string_value(json_object_get(j, "name")), "t1");
        cr_assert_str_eq(json_string_value(json_object_get(j, "action")), want_action[i], "%s",
                         out.data);
        cr_assert_str_eq(json_string_value(json_object_get(j, "tarball")), c->tarball);
        cr_assert_str_eq(json_string_value(json_object_get(j, "tar_sha256")), c->tar_sha256);
        cr_assert_eq(json_integer_value(json_object_get(j, "tar_size")), (json_int_t)c->tar_size);
        cr_assert(json_is_false(json_object_get(j, "insecure")), "%s", out.data);
        cr_assert_eq(json_object_size(j), 6, "%s", out.data);
        vz_cache_info_free(c);
        json_decref(j);
    }
    char *argv[] = { bin, "download", "nosuch", "--index", iu, "--json", NULL };
    int st = -1;
    vz_error_t err = NULL;
    vz_buf_reset(&out);
    vz_buf_reset(&errb);
    cr_assert_eq(vz_run(argv, &o, &st, &err), 0);
    cr_assert_eq(st, VZ_ENOTEMPLATE, "%s", errb.data);
    cr_assert_str_empty(out.data);
    cr_assert(strstr(errb.data, "vzpkg: error: "), "%s", errb.data);
    vz_buf_release(&out);
    vz_buf_release(&errb);
    free(iu);
    free(bin);
}

Test(publish, last_accepted_index_is_kept_for_offline_update_checks)
{
    char *iu = vz_httpd_url(srv, "/index.json");
    struct vz_index *ix = NULL;
    vz_error_t err = NULL;
    cr_assert_eq(vz_index_cached(iu, &ix, &err), -1, "an index before any download");
    vz_error_release(&err);
    cr_assert_eq(download("t1", &err), 0, "%s", vzt_errmsg(&err));
    cr_assert_eq(vz_index_cached(iu, &ix, &err), 0, "%s", vzt_errmsg(&err));
    struct vz_cache_info *c = NULL;
    cr_assert_eq(vz_cache_find("t1", &c, &err), 0);
    char local[65];
    vz_sha256_hex(c->manifest_json, c->manifest_len, local);
    cr_assert_str_eq(vz_index_latest(ix, "t1")->manifest_sha256, local, "current: no update");
    vz_index_free(ix);
    /* a new build is published; only the next index fetch learns of it */
    build_and_publish("t1", "newer\n", "1700000500");
    cr_assert_eq(vz_index_cached(iu, &ix, &err), 0);
    cr_assert_str_eq(vz_index_latest(ix, "t1")->manifest_sha256, local);
    vz_index_free(ix);
    cr_assert_eq(download("t1", &err), 0, "%s", vzt_errmsg(&err));
    cr_assert_eq(vz_index_cached(iu, &ix, &err), 0);
    cr_assert_eq(vz_index_latest(ix, "t1")->build_time, 1700000500);
    vz_index_free(ix);
    vz_cache_info_free(c);
    free(iu);
}

/* A refused publish writes nothing into DIR: not a build of the names that
 * were fine, not a lock file, and not DIR itself when it did not exist. */
Test(publish, refused_publish_writes_nothing_into_dir)
{
    use_root(root_a);
    setenv("SOURCE_DATE_EPOCH", "1700000500", 1);
    char *h = vz_path_join(tree, "etc/hostname");
    vzt_write(h, "two\n");
    free(h);
    struct vz_manifest *m = vz_manifest_new("t2");
    vz_error_t err = NULL;
    cr_assert_eq(vz_pack_to_cache(tree, m, NULL, 0, NULL, &err), 0, "%s", vzt_errmsg(&err));
    vz_manifest_free(m);
    int before = vzt_count_entries(pub);
    char *names[] = { "t2", "no-such-template", NULL };
    cr_assert_eq(vz_publish(pub, names, 3, NULL, &err), -1);
    cr_assert(strstr(err->msg, "no-such-template"), "%s", err->msg);
    vz_error_release(&err);
    cr_assert_eq(vzt_count_entries(pub), before, "a refused publish changed %s", pub);
    char *t2 = vz_path_join(pub, "t2");
    cr_assert(!vz_file_exists(t2), "%s was written by a refused publish", t2);
    free(t2);
    char *fresh = vz_path_join(top, "new/pub");
    cr_assert_eq(vz_publish(fresh, names, 3, NULL, &err), -1);
    vz_error_release(&err);
    char *fresh_top = vz_path_join(top, "new");
    cr_assert(!vz_file_exists(fresh_top), "%s was created by a refused publish", fresh_top);
    /* the same names without the bad one publish fine, and leave no lock file */
    char *good[] = { "t2", NULL };
    cr_assert_eq(vz_publish(fresh, good, 3, NULL, &err), 0, "%s", vzt_errmsg(&err));
    char *lock = vz_path_join(fresh, ".publish.lock");
    cr_assert(!vz_file_exists(lock));
    free(lock);
    free(fresh);
    free(fresh_top);
}

/* --- a hostile server: replay through another URL spelling, endless and
 * slow answers (tmplbuild/download.h) --- */

/* The replay record used to be keyed by the URL as spelt: the old index
 * served under "//index.json" or "localhost" counted as a new index. It is
 * keyed by the signer and the index's name now. */
Test(publish, replay_through_another_spelling_of_the_url_is_refused)
{
    char *ip = vz_path_join(pub, "index.json"), *sp = vz_path_join(pub, "index.json.sig");
    size_t il, sl;
    char *old_index = vzt_slurp(ip, &il), *old_sig = vzt_slurp(sp, &sl);
    build_and_publish("t1", "two\n", "1700000100");
    vz_error_t err = NULL;
    cr_assert_eq(download("t1", &err), 0, "%s", vzt_errmsg(&err));
    struct vz_cache_info *c = NULL;
    cr_assert_eq(vz_cache_find("t1", &c, &err), 0);
    char before[65];
    memcpy(before, c->tar_sha256, 65);
    vz_cache_info_free(c);
    /* the old, validly signed index under other spellings of the same URL */
    vz_httpd_alt(srv, "//index.json", old_index, il, 0);
    vz_httpd_alt(srv, "//index.json.sig", old_sig, sl, 0);
    char *port = vz_xasprintf("%d", vz_httpd_port(srv));
    char *spellings[] = { vz_xasprintf("http://127.0.0.1:%s//index.json", port),
                          vz_xasprintf("http://localhost:%s//index.json", port) };
    for (size_t i = 0; i < 2; i++) {
        struct vz_download_opts o = { spellings[i], false, 1, 1, 120, 0 };
        cr_assert_eq(vz_download("t1", &o, NULL, &err), -1, "replay through %s accepted", spellings[i]);
        cr_assert_eq(err->status, VZ_EVERIFY, "%s: %s", spellings[i], err->msg);
        cr_assert(strstr(err->msg, "(a replayed or rolled-back index); refusing"), "%s", err->msg);
        cr_assert(strstr(err->msg, "for index 'pub'"), "%s", err->msg);
        vz_error_release(&err);
        free(spellings[i]);
    }
    cr_assert_eq(vz_cache_find("t1", &c, &err), 0);
    cr_assert_str_eq(c->tar_sha256, before);
    vz_cache_info_free(c);
    free(port);
    free(old_index);
    free(old_sig);
    free(ip);
    free(sp);
}

/* An index or signature that never ends used to be read into memory up to
 * 1 GiB. The server here stops at 64 MiB, well over the caps. */
Test(publish, endless_index_and_signature_are_refused_at_their_caps)
{
    const char *paths[] = { "/index.json", "/index.json.sig" };
    const char *caps[] = { "larger than 16 MiB (the limit for this file)",
                           "larger than 64 KiB (the limit for this file)" };
    for (size_t i = 0; i < 2; i++) {
        vz_httpd_fault(srv, paths[i], VZ_HTTPD_ENDLESS, 64 << 20, 0);
        vz_error_t err = NULL;
        cr_assert_eq(download("t1", &err), -1, "endless %s accepted", paths[i]);
        cr_assert_eq(err->status, VZ_EFETCH, "%s: %d %s", paths[i], err->status, err->msg);
        cr_assert(strstr(err->msg, caps[i]), "%s: %s", paths[i], err->msg);
        vz_error_release(&err);
        vz_httpd_clear(srv, paths[i]);
        assert_nothing_written();
    }
}

/* A server sending 2 bytes a second used to hold a download forever (it
 * never looks stalled). The deadline covers it, with exit 15. */
Test(publish, a_trickling_server_hits_the_deadline)
{
    vz_httpd_fault(srv, "/index.json", VZ_HTTPD_DRIP, 500, 0);
    char *iu = vz_httpd_url(srv, "/index.json");
    struct vz_download_opts o = { iu, false, 1, 1, 120, 2 };
    vz_error_t err = NULL;
    cr_assert_eq(vz_download("t1", &o, NULL, &err), -1, "a trickle was accepted");
    cr_assert_eq(err->status, VZ_ETIMEOUT, "%d %s", err->status, err->msg);
    char *want = vz_xasprintf("download t1: gave up after --timeout 2 s: %s: not done by the "
                              "deadline (--timeout)", iu);
    cr_assert_str_eq(err->msg, want);
    vz_error_release(&err);
    assert_nothing_written();
    /* the same through the command: exit 15 */
    const char *b = getenv("VZ_BUILD");
    cr_assert_not_null(b, "VZ_BUILD is not set: run through 'make check' or set VZ_BUILD=build");
    char *bin = vz_xasprintf("%s/bin/vzpkg", b);
    char *argv[] = { bin, "download", "t1", "--index", iu, "--timeout", "1", NULL };
    struct vz_buf out, errb;
    vz_buf_init(&out);
    vz_buf_init(&errb);
    struct vz_run_opts ro = { .out = &out, .errbuf = &errb };
    int st = -1;
    cr_assert_eq(vz_run(argv, &ro, &st, &err), 0);
    cr_assert_eq(st, VZ_ETIMEOUT, "exit %d: %s", st, errb.data);
    cr_assert(strstr(errb.data, "gave up after --timeout 1 s"), "%s", errb.data);
    vz_buf_release(&out);
    vz_buf_release(&errb);
    free(bin);
    free(want);
    free(iu);
}

/* The deadline covers the tarball too (the multi-transfer loop). */
Test(publish, a_trickling_tarball_hits_the_deadline)
{
    char *tpath = vz_xasprintf("/t1/%s/t1.tar.zst", id1);
    vz_httpd_fault(srv, tpath, VZ_HTTPD_DRIP, 500, 0);
    char *iu = vz_httpd_url(srv, "/index.json");
    struct vz_download_opts o = { iu, false, 1, 1, 120, 2 };
    vz_error_t err = NULL;
    cr_assert_eq(vz_download("t1", &o, NULL, &err), -1, "a trickling tarball was accepted");
    cr_assert_eq(err->status, VZ_ETIMEOUT, "%d %s", err->status, err->msg);
    cr_assert(strstr(err->msg, "download t1: gave up after --timeout 2 s: "), "%s", err->msg);
    cr_assert(strstr(err->msg, "not done by the deadline (--timeout)"), "%s", err->msg);
    vz_error_release(&err);
    struct vz_cache_info *c = NULL;
    cr_assert_eq(vz_cache_find("t1", &c, &err), -1, "a cache was landed");
    vz_error_release(&err);
    free(iu);
    free(tpath);
}
