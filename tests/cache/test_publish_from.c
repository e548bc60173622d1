/* publish --from: builds published by per-template jobs into staging trees,
 * merged by another host (B, which trusts the jobs' key) into one published
 * tree. A bad staged build refuses the merge with nothing written. */
#include <criterion/criterion.h>
#include <string.h>
#include <unistd.h>

#include "cache/build_files.h"
#include "cache/index.h"
#include "cache/sign.h"
#include "cache/stage.h"
#include "cache/store.h"
#include "common/common.h"
#include "tmplbuild/pack.h"
#include "util.h"

static char *top, *root_a, *root_b, *tree;

/* A builds template name (content differs by hostname) at time sde and
 * publishes it into stage; returns the build's directory (allocated). */
static char *job(const char *stage, const char *name, const char *hostname, const char *sde)
{
    setenv("VZ_ROOT", root_a, 1);
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
    cr_assert_eq(vz_publish(stage, names, 3, &ids, &err), 0, "%s", vzt_errmsg(&err));
    cr_assert_not_null(ids[0]);
    char *bd = vz_xasprintf("%s/%s/%s", stage, name, ids[0]);
    vz_strv_free(ids);
    setenv("VZ_ROOT", root_b, 1);
    return bd;
}

/* As A (the job): sign build directory bd's list of files again, after the
 * test put exported files into it. */
static void relist(const char *bd, const char *name)
{
    char *base = vz_build_files_name(name);
    char *lp = vz_path_join(bd, base);
    size_t len = 0;
    char *text = vzt_slurp(lp, &len);
    struct vz_build_files *l = NULL;
    vz_error_t err = NULL;
    cr_assert_eq(vz_build_files_parse(text, len, &l, &err), 0, "%s", vzt_errmsg(&err));
    setenv("VZ_ROOT", root_a, 1);
    cr_assert_eq(vz_build_files_write(bd, name, l->id, l->tar_sha256, l->has_init, &err), 0,
                 "%s", vzt_errmsg(&err));
    setenv("VZ_ROOT", root_b, 1);
    vz_build_files_free(l);
    free(text);
    free(lp);
    free(base);
}

/* As B: merge the NULL-terminated staging trees into dir. */
static int merge(const char *dir, char *const *from, int keep, vz_error_t *err)
{
    setenv("VZ_ROOT", root_b, 1);
    struct vz_publish_opts o = { keep, false, 0, from, NULL, NULL };
    return vz_publish_with(dir, NULL, &o, NULL, err);
}

static struct vz_index *index_of(const char *dir)
{
    char *ip = vz_path_join(dir, "index.json");
    size_t il = 0;
    char *text = vzt_slurp(ip, &il);
    struct vz_index *ix = NULL;
    vz_error_t err = NULL;
    cr_assert_eq(vz_index_parse(text, il, &ix, &err), 0, "%s", vzt_errmsg(&err));
    free(text);
    free(ip);
    return ix;
}

static void setup(void)
{
    top = vzt_mkdtemp("pubfrom");
    root_a = vz_path_join(top, "A");
    root_b = vz_path_join(top, "B");
    tree = vz_path_join(top, "tree");
    vzt_make_tree(tree, 0, 1600000000);
    vz_log_level = VZ_LOG_WARN;
    /* A's key exists after its first signature; B trusts it */
    setenv("VZ_ROOT", root_a, 1);
    vz_error_t err = NULL;
    cr_assert_eq(vz_key_ensure(NULL, &err), 0, "%s", vzt_errmsg(&err));
    char *apub = vz_xasprintf("%s/etc/vz/keys/signing.pub", root_a);
    setenv("VZ_ROOT", root_b, 1);
    cr_assert_eq(vz_trust_add(apub, NULL, &err), 0, "%s", vzt_errmsg(&err));
    free(apub);
}

static void teardown(void)
{
    vz_error_t err = NULL;
    vz_rm_rf(top, &err);
    vz_error_release(&err);
    unsetenv("SOURCE_DATE_EPOCH");
    free(top);
    free(root_a);
    free(root_b);
    free(tree);
}

TestSuite(publish_from, .init = setup, .fini = teardown, .timeout = 300);

Test(publish_from, two_jobs_merge_into_one_index_signed_by_the_merger)
{
    char *s1 = vz_path_join(top, "stage1"), *s2 = vz_path_join(top, "stage2");
    char *b1 = job(s1, "t1", "one\n", "1700000000");
    char *b2 = job(s2, "t2", "two\n", "1700000100");
    /* an exported format rides along with its build */
    char *oci = vz_path_join(b1, "oci/blobs/sha256/abc");
    vzt_write(oci, "layer");
    relist(b1, "t1");
    char *out = vz_path_join(top, "out");
    char *from[] = { s1, s2, NULL };
    vz_error_t err = NULL;
    cr_assert_eq(merge(out, from, 3, &err), 0, "%s", vzt_errmsg(&err));
    struct vz_index *ix = index_of(out);
    cr_assert_eq(ix->n, 2);
    cr_assert_str_eq(ix->builds[0].name, "t1");
    cr_assert_str_eq(ix->builds[1].name, "t2");
    cr_assert_str_eq(ix->builds[0].id, strrchr(b1, '/') + 1);
    cr_assert_str_eq(ix->builds[1].id, strrchr(b2, '/') + 1);
    /* signed by B's own key, and every file is the staged one */
    char kid[VZ_KEYID_LEN + 1];
    cr_assert_eq(vz_key_ensure(kid, &err), 0);
    cr_assert_str_eq(ix->signer, kid);
    char *ip = vz_path_join(out, "index.json"), *sp = vz_path_join(out, "index.json.sig");
    size_t il, sl;
    char *it = vzt_slurp(ip, &il), *st = vzt_slurp(sp, &sl);
    char signer[VZ_KEYID_LEN + 1];
    cr_assert_eq(vz_verify(it, il, st, sl, signer, &err), 0, "%s", vzt_errmsg(&err));
    cr_assert_str_eq(signer, kid);
    char *tp = vz_path_join(out, ix->builds[1].tarball);
    char hex[65];
    uint64_t size;
    cr_assert_eq(vz_sha256_file(tp, hex, &size, &err), 0);
    cr_assert_str_eq(hex, ix->builds[1].sha256);
    char *oci_out = vz_xasprintf("%s/t1/%s/oci/blobs/sha256/abc", out, ix->builds[0].id);
    size_t ol;
    char *ot = vzt_slurp(oci_out, &ol);
    cr_assert_eq(ol, 5);
    cr_assert_eq(memcmp(ot, "layer", 5), 0);
    /* the index covers it: the job's signed list, named with its sha256 */
    cr_assert_not_null(ix->builds[0].files);
    char *lp = vz_path_join(out, ix->builds[0].files);
    cr_assert_eq(vz_sha256_file(lp, hex, &size, &err), 0);
    cr_assert_str_eq(hex, ix->builds[0].files_sha256);
    cr_assert_eq(size, ix->builds[0].files_size);
    size_t ll;
    char *lt = vzt_slurp(lp, &ll);
    cr_assert(strstr(lt, "\"oci/blobs/sha256/abc\""), "%s", lt);
    cr_assert_eq(ix->builds[0].init, 0, "the test tree has no /sbin/init");
    free(lt);
    free(lp);
    /* merging the same stages again adds nothing and changes no build */
    char **pub = vz_xcalloc(1, sizeof(char *));
    struct vz_publish_opts o = { 3, false, 0, from, NULL, NULL };
    cr_assert_eq(vz_publish_with(out, NULL, &o, &pub, &err), 0, "%s", vzt_errmsg(&err));
    cr_assert_eq(vz_strv_len(pub), 0);
    vz_strv_free(pub);
    free(ot);
    free(oci_out);
    free(tp);
    free(it);
    free(st);
    free(ip);
    free(sp);
    vz_index_free(ix);
    free(out);
    free(oci);
    free(b1);
    free(b2);
    free(s1);
    free(s2);
}

Test(publish_from, merge_keeps_earlier_builds_and_prunes_to_keep)
{
    char *out = vz_path_join(top, "out");
    char *s1 = vz_path_join(top, "night1"), *s2 = vz_path_join(top, "night2");
    free(job(s1, "t1", "one\n", "1700000000"));
    free(job(s1, "t2", "two\n", "1700000000"));
    char *f1[] = { s1, NULL };
    vz_error_t err = NULL;
    cr_assert_eq(merge(out, f1, 1, &err), 0, "%s", vzt_errmsg(&err));
    /* night 2: only t2 changed */
    char *b2 = job(s2, "t2", "two again\n", "1700086400");
    char *f2[] = { s2, NULL };
    cr_assert_eq(merge(out, f2, 1, &err), 0, "%s", vzt_errmsg(&err));
    struct vz_index *ix = index_of(out);
    cr_assert_eq(ix->n, 2);
    cr_assert_eq(vz_index_latest(ix, "t1")->build_time, 1700000000, "t1 stays listed");
    cr_assert_str_eq(vz_index_latest(ix, "t2")->id, strrchr(b2, '/') + 1);
    char *t2 = vz_path_join(out, "t2");
    cr_assert_eq(vzt_count_entries(t2), 1, "the older t2 build is pruned");
    free(t2);
    vz_index_free(ix);
    free(b2);
    free(out);
    free(s1);
    free(s2);
}

/* Each way a staged build can be wrong; the merge refuses it and the
 * published tree keeps its bytes (and a tree that did not exist is not made). */
Test(publish_from, a_bad_staged_build_refuses_the_merge_and_writes_nothing)
{
    char *out = vz_path_join(top, "out");
    char *s1 = vz_path_join(top, "stage1");
    free(job(s1, "t1", "one\n", "1700000000"));
    char *f1[] = { s1, NULL };
    vz_error_t err = NULL;
    cr_assert_eq(merge(out, f1, 3, &err), 0, "%s", vzt_errmsg(&err));
    char *ip = vz_path_join(out, "index.json");
    size_t l0;
    char *before = vzt_slurp(ip, &l0);

    const char *cases[] = { "tarball", "manifest", "id", "symlink", "unlisted", "export",
                            "list", "streams", "untrusted", NULL };
    for (int i = 0; cases[i]; i++) {
        char *s = vz_xasprintf("%s/bad-%s", top, cases[i]);
        char *b = job(s, "t2", cases[i], "1700000200");
        char *tar = vz_path_join(b, "t2.tar.zst"), *man = vz_path_join(b, "t2.manifest");
        if (!strcmp(cases[i], "tarball")) {
            vzt_flip_byte(tar, 100);
        } else if (!strcmp(cases[i], "manifest")) {
            vzt_flip_byte(man, 20);
        } else if (!strcmp(cases[i], "id")) {
            char *to = vz_xasprintf("%s/t2/001700000200-000000000000", s);
            cr_assert_eq(rename(b, to), 0);
            free(to);
        } else if (!strcmp(cases[i], "symlink")) {
            char *l = vz_path_join(b, "oci");
            cr_assert_eq(symlink("/etc", l), 0);
            free(l);
        } else if (!strcmp(cases[i], "streams")) {
            /* a simplestreams rootfs the merge would keep and offer to LXD */
            char *x = vz_path_join(b, "root.tar.xz");
            vzt_write(x, "planted");
            free(x);
        } else if (!strcmp(cases[i], "unlisted")) {
            /* an exported file the job's signed list does not name */
            char *x = vz_path_join(b, "oci/t2.oci/index.json");
            vzt_write(x, "{}");
            free(x);
        } else if (!strcmp(cases[i], "export") || !strcmp(cases[i], "list")) {
            char *x = vz_path_join(b, "t2.rootfs.tar.gz");
            vzt_write(x, "a rootfs tarball");
            relist(b, "t2");
            if (!strcmp(cases[i], "export")) {
                vzt_flip_byte(x, 3); /* changed after the job signed the list */
            } else {
                char *lp = vz_path_join(b, "t2.files.json");
                vzt_flip_byte(lp, 30);
                free(lp);
            }
            free(x);
        } else {
            /* t3 signed by a key B does not trust: A's new key (the last case) */
            setenv("VZ_ROOT", root_a, 1);
            char id[VZ_KEYID_LEN + 1];
            cr_assert_eq(vz_key_generate(true, id, &err), 0);
            free(job(s, "t3", "three\n", "1700000300"));
        }
        char *f[] = { s1, s, NULL };
        cr_assert_eq(merge(out, f, 3, &err), -1, "case %s was merged", cases[i]);
        cr_assert(strstr(err->msg, "nothing was written"), "%s: %s", cases[i], err->msg);
        cr_assert(err->status == VZ_EVERIFY || err->status == VZ_ECORRUPT, "%s: %d %s",
                  cases[i], err->status, err->msg);
        vz_error_release(&err);
        size_t l1;
        char *after = vzt_slurp(ip, &l1);
        cr_assert(l0 == l1 && !memcmp(before, after, l0), "case %s changed the index",
                  cases[i]);
        char *t2 = vz_path_join(out, "t2");
        cr_assert(!vz_file_exists(t2), "case %s: %s written", cases[i], t2);
        free(t2);
        /* and a tree that does not exist yet is not created */
        char *fresh = vz_path_join(top, "fresh");
        cr_assert_eq(merge(fresh, f, 3, &err), -1);
        vz_error_release(&err);
        cr_assert(!vz_file_exists(fresh));
        free(fresh);
        free(after);
        free(tar);
        free(man);
        free(b);
        free(s);
    }
    free(before);
    free(ip);
    free(out);
    free(s1);
}

Test(publish_from, cli_from_merges_and_says_what_it_added)
{
    char *s1 = vz_path_join(top, "stage1");
    char *b1 = job(s1, "t1", "one\n", "1700000000");
    char *out = vz_path_join(top, "out");
    char *bin = vz_xasprintf("%s/bin/vzpkg", getenv("VZ_BUILD"));
    cr_assert(vz_file_exists(bin), "%s not built", bin);
    char *argv[] = { bin, "publish", out, "--from", s1, "--keep", "2", "--json", NULL };
    struct vz_buf ob = VZ_BUF_INIT;
    vz_buf_init(&ob);
    struct vz_run_opts ro = { .out = &ob };
    int status = -1;
    vz_error_t err = NULL;
    setenv("VZ_ROOT", root_b, 1);
    cr_assert_eq(vz_run(argv, &ro, &status, &err), 0, "%s", vzt_errmsg(&err));
    cr_assert_eq(status, 0);
    char *o = vz_buf_detach(&ob, NULL);
    cr_assert(strstr(o, strrchr(b1, '/') + 1), "%s", o);
    /* no local cache of B was published: B has none, and that is no error */
    struct vz_index *ix = index_of(out);
    cr_assert_eq(ix->n, 1);
    vz_index_free(ix);
    free(o);
    free(bin);
    free(out);
    free(b1);
    free(s1);
}

/* A merge SIGKILLed after copying a staged build, or after renaming it into
 * place, leaves index.json and index.json.sig byte for byte as they were;
 * the next merge finishes the job and leaves no temporary directory. */
Test(publish_from, a_merge_killed_midway_leaves_the_index_as_it_was)
{
    char *s1 = vz_path_join(top, "stage1"), *s2 = vz_path_join(top, "stage2");
    free(job(s1, "t1", "one\n", "1700000000"));
    char *b2 = job(s2, "t2", "two\n", "1700000100");
    char *out = vz_path_join(top, "out");
    char *f1[] = { s1, NULL };
    vz_error_t err = NULL;
    cr_assert_eq(merge(out, f1, 3, &err), 0, "%s", vzt_errmsg(&err));
    char *ip = vz_path_join(out, "index.json"), *sp = vz_path_join(out, "index.json.sig");
    size_t il0, sl0;
    char *i0 = vzt_slurp(ip, &il0), *s0 = vzt_slurp(sp, &sl0);
    char *bin = vz_xasprintf("%s/bin/vzpkg", getenv("VZ_BUILD"));
    char *argv[] = { bin, "-q", "publish", out, "--from", s2, NULL };
    const char *stages[] = { "merge-copied", "merge-renamed" };
    setenv("VZ_ROOT", root_b, 1);
    for (int i = 0; i < 2; i++) {
        setenv("VZ_TEST_KILL_AT", stages[i], 1);
        int st = -1;
        struct vz_run_opts ro = { .quiet = 1 };
        cr_assert_eq(vz_run(argv, &ro, &st, &err), 0, "%s", vzt_errmsg(&err));
        unsetenv("VZ_TEST_KILL_AT");
        cr_assert_eq(st, 128 + 9, "%s: not killed (exit %d)", stages[i], st);
        size_t il, sl;
        char *i1 = vzt_slurp(ip, &il), *s1b = vzt_slurp(sp, &sl);
        cr_assert(il == il0 && !memcmp(i1, i0, il), "%s: index.json changed", stages[i]);
        cr_assert(sl == sl0 && !memcmp(s1b, s0, sl), "%s: index.json.sig changed", stages[i]);
        free(i1);
        free(s1b);
    }
    int st = -1;
    struct vz_run_opts ro = { .quiet = 1 };
    cr_assert_eq(vz_run(argv, &ro, &st, &err), 0, "%s", vzt_errmsg(&err));
    cr_assert_eq(st, 0);
    struct vz_index *ix = index_of(out);
    cr_assert_eq(ix->n, 2);
    cr_assert_str_eq(vz_index_latest(ix, "t2")->id, strrchr(b2, '/') + 1);
    vz_index_free(ix);
    char *t2 = vz_path_join(out, "t2");
    cr_assert_eq(vzt_count_entries(t2), 1, "a temporary directory is left in %s", t2);
    free(t2);
    free(bin);
    free(i0);
    free(s0);
    free(ip);
    free(sp);
    free(out);
    free(b2);
    free(s1);
    free(s2);
}
