#include <criterion/criterion.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cache/lock.h"
#include "cache/sign.h"
#include "cache/store_int.h"
#include "cache/store.h"
#include "common/common.h"
#include "tmplbuild/pack.h"
#include "util.h"

#define NAME "debian-12-x86_64-minimal"

static const char *root;
static char *tree;

static void setup(void)
{
    root = vzt_root_setup();
    tree = vz_path_join(root, "buildroot");
    vzt_make_tree(tree, 0, 1600000000);
    setenv("SOURCE_DATE_EPOCH", "1700000000", 1);
    vz_log_level = VZ_LOG_WARN;
}

static void teardown(void)
{
    free(tree);
    vzt_root_teardown();
}

TestSuite(store, .init = setup, .fini = teardown, .timeout = 300);

static int build(const char *name, const char *compress, vz_error_t *err)
{
    struct vz_manifest *m = vz_manifest_new(name);
    vz_manifest_add_pkg(m, "base-files", "12.4", "amd64",
                        "2222222222222222222222222222222222222222222222222222222222222222", 70000);
    struct vz_pack_opts o = VZ_PACK_OPTS_INIT;
    o.compress = compress;
    int r = vz_pack_to_cache(tree, m, &o, 5, NULL, err);
    vz_manifest_free(m);
    return r;
}

static char *cpath(const char *file)
{
    char *dir = vz_template_path("cache");
    char *p = vz_path_join(dir, file);
    free(dir);
    return p;
}

Test(store, build_find_verify)
{
    vz_error_t err = NULL;
    cr_assert_eq(build(NAME, "zst", &err), 0, "%s", vzt_errmsg(&err));
    struct vz_cache_info *c = NULL;
    cr_assert_eq(vz_cache_find(NAME, &c, &err), 0, "%s", vzt_errmsg(&err));
    char *t = cpath(NAME ".tar.zst"), *m = cpath(NAME ".manifest"), *s = cpath(NAME ".manifest.sig");
    cr_assert_str_eq(c->tarball, t);
    cr_assert_str_eq(c->manifest_path, m);
    cr_assert_str_eq(c->sig_path, s);
    cr_assert_str_eq(c->compress, "zst");
    char hex[65];
    uint64_t size;
    cr_assert_eq(vz_sha256_file(t, hex, &size, &err), 0);
    cr_assert_str_eq(c->tar_sha256, hex);
    cr_assert_eq(c->tar_size, size);
    cr_assert_eq(vz_cache_verify_signature(c, &err), 0, "%s", vzt_errmsg(&err));
    cr_assert_eq(vz_cache_verify_tarball(c, &err), 0, "%s", vzt_errmsg(&err));
    char signer[17];
    cr_assert_eq(vz_cache_verify(NAME, signer, &err), 0, "%s", vzt_errmsg(&err));
    char own[17];
    cr_assert_eq(vz_key_ensure(own, &err), 0);
    cr_assert_str_eq(signer, own);
    /* exactly the three files, no temps */
    char *dir = vz_template_path("cache");
    cr_assert_eq(vzt_count_entries(dir), 3);
    struct vz_manifest *mf = NULL;
    cr_assert_eq(vz_cache_manifest(c, &mf, &err), 0);
    cr_assert_str_eq(mf->signer, own);
    cr_assert_eq(mf->build_time, 1700000000);
    cr_assert_eq(mf->n_pkgs, 1);
    vz_manifest_free(mf);
    vz_cache_info_free(c);
    /* rebuilding with another compression replaces the tarball */
    cr_assert_eq(build(NAME, "gz", &err), 0, "%s", vzt_errmsg(&err));
    cr_assert_eq(vzt_count_entries(dir), 3);
    cr_assert(!vz_file_exists(t));
    cr_assert_eq(vz_cache_verify(NAME, NULL, &err), 0, "%s", vzt_errmsg(&err));
    free(dir);
    free(t);
    free(m);
    free(s);
}

Test(store, missing_cache_is_enotemplate)
{
    vz_error_t err = NULL;
    struct vz_cache_info *c = NULL;
    cr_assert_eq(vz_cache_find("debian-99-x86_64", &c, &err), -1);
    cr_assert_eq(err->status, VZ_ENOTEMPLATE);
    char *dir = vz_template_path("cache");
    char *want = vz_xasprintf("no cache of template debian-99-x86_64 in %s (build it with 'vzpkg "
                              "create-cache debian-99-x86_64' or fetch it with 'vzpkg download "
                              "debian-99-x86_64')", dir);
    cr_assert_str_eq(err->msg, want);
    vz_error_release(&err);
    free(want);
    free(dir);
}

static void expect_verify_fail(const char *contains)
{
    vz_error_t err = NULL;
    cr_assert_eq(vz_cache_verify(NAME, NULL, &err), -1, "tampering not detected (%s)", contains);
    cr_assert(strstr(err->msg, contains), "message '%s' lacks '%s'", err->msg, contains);
    cr_assert(err->status == VZ_EVERIFY || err->status == VZ_ECORRUPT, "status %d", err->status);
    vz_error_release(&err);
}

Test(store, every_tampered_byte_is_reported)
{
    vz_error_t err = NULL;
    cr_assert_eq(build(NAME, "zst", &err), 0, "%s", vzt_errmsg(&err));
    char *t = cpath(NAME ".tar.zst"), *m = cpath(NAME ".manifest"), *s = cpath(NAME ".manifest.sig");
    char *key = vz_xmalloc(17);
    size_t sl = 0;
    char *stext = vzt_slurp(s, &sl);
    cr_assert_eq(vz_sig_key_id(stext, sl, key, &err), 0);
    free(stext);
    char *bad_sig = vz_xasprintf("cache " NAME ": manifest signature (%s): bad signature (key %s)",
                                 s, key);

    /* manifest: a byte inside a package name (still valid JSON) */
    size_t ml;
    char *mt = vzt_slurp(m, &ml);
    long off = strstr(mt, "base-files") - mt;
    vzt_flip_byte(m, off);
    expect_verify_fail(bad_sig);
    vzt_flip_byte(m, off);
    cr_assert_eq(vz_cache_verify(NAME, NULL, &err), 0, "%s", vzt_errmsg(&err));

    /* signature: a byte of the base64, picked so that the flipped byte is
     * still base64 (a, z, A, Z, + and / XOR 1 are not) */
    char *sig_now = vzt_slurp(s, &sl);
    long soff = 40;
    while (soff < (long)sl && !strchr("bcdefghijklmnopqrstuvwxyBCDEFGHIJKLMNOPQRSTUVWXY0123456789",
                                       sig_now[soff]))
        soff++;
    free(sig_now);
    vzt_flip_byte(s, soff);
    expect_verify_fail(bad_sig);
    vzt_flip_byte(s, soff);

    /* tarball: first, middle and last byte */
    struct stat st;
    stat(t, &st);
    long offs[] = { 0, st.st_size / 2, -1 };
    for (int i = 0; i < 3; i++) {
        vzt_flip_byte(t, offs[i]);
        char *w = vz_xasprintf("cache " NAME ": tarball %s has sha256 ", t);
        expect_verify_fail(w);
        expect_verify_fail("the manifest says");
        free(w);
        vzt_flip_byte(t, offs[i]);
    }
    cr_assert_eq(vz_cache_verify(NAME, NULL, &err), 0, "%s", vzt_errmsg(&err));

    /* truncations */
    vzt_truncate(t, st.st_size - 1);
    char *w = vz_xasprintf("cache " NAME ": tarball %s is %ld bytes, the manifest says %ld "
                           "(truncated or modified)", t, (long)st.st_size - 1, (long)st.st_size);
    expect_verify_fail(w);
    free(w);
    vzt_truncate(s, 50);
    expect_verify_fail("signature malformed");
    vzt_truncate(m, (long)ml / 2);
    expect_verify_fail("cache " NAME ": ");
    free(mt);
    free(bad_sig);
    free(key);
    free(t);
    free(m);
    free(s);
}

Test(store, renamed_cache_refused)
{
    vz_error_t err = NULL;
    cr_assert_eq(build(NAME, "zst", &err), 0, "%s", vzt_errmsg(&err));
    const char *sfx[] = { ".tar.zst", ".manifest", ".manifest.sig" };
    for (int i = 0; i < 3; i++) {
        char *fa = vz_xasprintf(NAME "%s", sfx[i]), *fb = vz_xasprintf("other%s", sfx[i]);
        char *a = cpath(fa), *b = cpath(fb);
        cr_assert_eq(rename(a, b), 0);
        free(a);
        free(b);
        free(fa);
        free(fb);
    }
    /* the manifest names NAME.tar.zst, not other.tar.zst */
    cr_assert_eq(vz_cache_verify("other", NULL, &err), -1);
    cr_assert_str_eq(err->msg, "cache other: manifest names tarball '" NAME
                               ".tar.zst', expected 'other.tar.zst'");
    vz_error_release(&err);
}

Test(store, list_and_remove)
{
    vz_error_t err = NULL;
    cr_assert_eq(build("b-tmpl", "zst", &err), 0, "%s", vzt_errmsg(&err));
    cr_assert_eq(build("a-tmpl", "gz", &err), 0, "%s", vzt_errmsg(&err));
    char **names = NULL;
    cr_assert_eq(vz_cache_list(&names, &err), 0);
    cr_assert_eq(vz_strv_len(names), 2);
    cr_assert_str_eq(names[0], "a-tmpl");
    cr_assert_str_eq(names[1], "b-tmpl");
    vz_strv_free(names);
    cr_assert_eq(vz_cache_remove("a-tmpl", 0, &err), 0, "%s", vzt_errmsg(&err));
    char *dir = vz_template_path("cache");
    cr_assert_eq(vzt_count_entries(dir), 3);
    cr_assert_eq(vz_cache_remove("a-tmpl", 0, &err), -1);
    cr_assert_eq(err->status, VZ_ENOTEMPLATE);
    vz_error_release(&err);
    free(dir);
}

/* Run a build in a child that SIGKILLs itself at stage; assert it died. */
static void build_killed_at(const char *stage)
{
    pid_t pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0) {
        setenv("VZ_TEST_KILL_AT", stage, 1);
        vz_error_t err = NULL;
        build(NAME, "zst", &err);
        _exit(42); /* the hook did not fire */
    }
    int st = 0;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "child of stage %s was not killed (status %d)",
              stage, st);
}

/* Landing stages before the commit point (the landing record) and after it
 * (cache/store.h). */
static const char *const before_commit[] = { "begun", "packed", "temps-written" };
static const char *const after_commit[] = { "landing-recorded", "sig-renamed", "tarball-renamed",
                                            "manifest-renamed", "landed" };

/* Nothing but the three files of one cache (no temps, no landing record). */
static void assert_only_cache_files(const char *what)
{
    char *dir = vz_template_path("cache");
    cr_assert_eq(vzt_count_entries(dir), 3, "%s: leftovers in %s", what, dir);
    free(dir);
}

Test(store, killed_before_the_commit_point_leaves_no_cache_and_next_run_succeeds)
{
    for (size_t i = 0; i < VZ_ARRAY_SIZE(before_commit); i++) {
        build_killed_at(before_commit[i]);
        vz_error_t err = NULL;
        struct vz_cache_info *c = NULL;
        cr_assert_eq(vz_cache_find(NAME, &c, &err), -1, "cache visible after kill at %s", before_commit[i]);
        cr_assert_eq(err->status, VZ_ENOTEMPLATE, "%s: %s", before_commit[i], err->msg);
        vz_error_release(&err);
        char **names = NULL;
        cr_assert_eq(vz_cache_list(&names, &err), 0);
        cr_assert_eq(vz_strv_len(names), 0);
        vz_strv_free(names);
    }
    vz_error_t err = NULL;
    cr_assert_eq(build(NAME, "zst", &err), 0, "%s", vzt_errmsg(&err));
    cr_assert_eq(vz_cache_verify(NAME, NULL, &err), 0, "%s", vzt_errmsg(&err));
    assert_only_cache_files("after the retry");
}

/* After the commit point the dead writer's cache is complete: the next
 * reader finishes the landing and finds it, verified. */
Test(store, killed_after_the_commit_point_the_reader_finishes_the_landing)
{
    for (size_t i = 0; i < VZ_ARRAY_SIZE(after_commit); i++) {
        build_killed_at(after_commit[i]);
        vz_error_t err = NULL;
        cr_assert_eq(vz_cache_verify(NAME, NULL, &err), 0, "%s: %s", after_commit[i], vzt_errmsg(&err));
        assert_only_cache_files(after_commit[i]);
        cr_assert_eq(vz_cache_remove(NAME, 0, &err), 0, "%s", vzt_errmsg(&err));
    }
}

/* The old cache, with gz compression so that the new zst one has other file
 * names; the tree then changes so that a rebuild differs. */
static struct vz_cache_info *old_cache(void)
{
    vz_error_t err = NULL;
    cr_assert_eq(build(NAME, "gz", &err), 0, "%s", vzt_errmsg(&err));
    struct vz_cache_info *old = NULL;
    cr_assert_eq(vz_cache_find(NAME, &old, &err), 0);
    char *f = vz_path_join(tree, "etc/hostname");
    vzt_write(f, "changed\n");
    free(f);
    return old;
}

/* The cache found, verified (signature and tarball): its tarball hash. */
static char *found_sha(const char *what)
{
    vz_error_t err = NULL;
    struct vz_cache_info *c = NULL;
    cr_assert_eq(vz_cache_find(NAME, &c, &err), 0, "%s: %s", what, vzt_errmsg(&err));
    cr_assert_eq(vz_cache_verify_signature(c, &err), 0, "%s: %s", what, vzt_errmsg(&err));
    cr_assert_eq(vz_cache_verify_tarball(c, &err), 0, "%s: %s", what, vzt_errmsg(&err));
    char *sha = vz_xstrdup(c->tar_sha256);
    vz_cache_info_free(c);
    return sha;
}

/* Killing the writer used to lose the old cache when it died between
 * removing the old manifest and renaming the new one. Now: old complete
 * cache before the commit point, new complete one after, at every stage. */
Test(store, killed_while_replacing_keeps_the_old_or_the_new_cache)
{
    for (size_t i = 0; i < VZ_ARRAY_SIZE(before_commit); i++) {
        struct vz_cache_info *old = old_cache();
        build_killed_at(before_commit[i]);
        char *sha = found_sha(before_commit[i]);
        cr_assert_str_eq(sha, old->tar_sha256, "%s: not the old cache", before_commit[i]);
        cr_assert_str_eq(old->compress, "gz");
        vz_error_t err = NULL;
        cr_assert_eq(vz_cache_remove(NAME, 0, &err), 0, "%s", vzt_errmsg(&err));
        free(sha);
        vz_cache_info_free(old);
        char *f = vz_path_join(tree, "etc/hostname");
        vzt_write(f, "again\n");
        free(f);
    }
    for (size_t i = 0; i < VZ_ARRAY_SIZE(after_commit); i++) {
        struct vz_cache_info *old = old_cache();
        build_killed_at(after_commit[i]);
        char *sha = found_sha(after_commit[i]);
        cr_assert_str_neq(sha, old->tar_sha256, "%s: still the old cache", after_commit[i]);
        struct vz_cache_info *c = NULL;
        vz_error_t err = NULL;
        cr_assert_eq(vz_cache_find(NAME, &c, &err), 0);
        cr_assert_str_eq(c->compress, "zst", "%s", after_commit[i]);
        vz_cache_info_free(c);
        /* the old gz tarball went with the landing */
        assert_only_cache_files(after_commit[i]);
        cr_assert_eq(vz_cache_remove(NAME, 0, &err), 0, "%s", vzt_errmsg(&err));
        free(sha);
        vz_cache_info_free(old);
    }
}

/* The one finishing a dead writer's landing can die too: the next one
 * finishes it (each step is idempotent). */
Test(store, a_killed_recovery_is_finished_by_the_next_reader)
{
    struct vz_cache_info *old = old_cache();
    build_killed_at("landing-recorded");
    const char *stages[] = { "sig-renamed", "tarball-renamed", "manifest-renamed" };
    for (size_t i = 0; i < VZ_ARRAY_SIZE(stages); i++) {
        pid_t pid = fork();
        cr_assert(pid >= 0);
        if (pid == 0) {
            setenv("VZ_TEST_KILL_AT", stages[i], 1);
            struct vz_cache_info *c = NULL;
            vz_error_t err = NULL;
            vz_cache_find(NAME, &c, &err);
            _exit(42);
        }
        int st = 0;
        cr_assert_eq(waitpid(pid, &st, 0), pid);
        cr_assert(WIFSIGNALED(st), "the reader did not reach %s (status %d)", stages[i], st);
    }
    char *sha = found_sha("after three killed recoveries");
    cr_assert_str_neq(sha, old->tar_sha256);
    assert_only_cache_files("after three killed recoveries");
    free(sha);
    vz_cache_info_free(old);
}

/* While a live writer holds the lock inside its landing, a reader does not
 * read the final names (they may be a mix) but waits for it to finish. */
Test(store, a_reader_waits_while_a_live_writer_lands)
{
    struct vz_cache_info *old = old_cache();
    build_killed_at("tarball-renamed"); /* a mix on disk: new sig and tarball, old manifest */
    int locked[2], go[2];
    cr_assert_eq(pipe(locked), 0);
    cr_assert_eq(pipe(go), 0);
    pid_t pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0) {
        /* the "writer": holds the template lock, then finishes the landing */
        struct vz_lock *lk = NULL;
        vz_error_t err = NULL;
        if (vz_lock_template(NAME, 0, &lk, &err) < 0)
            _exit(1);
        if (write(locked[1], "x", 1) != 1)
            _exit(2);
        char b;
        if (read(go[0], &b, 1) != 1) /* the parent's reader is about to start */
            _exit(3);
        usleep(200000);
        char *dir = vz_template_path("cache");
        _exit(vz_cache_landing_finish(dir, NAME, NULL, &err) == 0 ? 0 : 4);
    }
    char b;
    cr_assert_eq(read(locked[0], &b, 1), 1);
    cr_assert_eq(write(go[1], "y", 1), 1);
    char *sha = found_sha("a reader during a live landing");
    cr_assert_str_neq(sha, old->tar_sha256);
    int st = 0;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "writer status %d", st);
    free(sha);
    vz_cache_info_free(old);
}

Test(store, killed_by_another_process_mid_pack)
{
    /* a tree big enough that packing takes a while */
    char *big = vz_path_join(tree, "big");
    char *cmd = vz_xasprintf("head -c 64000000 /dev/urandom > %s", big);
    cr_assert_eq(system(cmd), 0);
    char *tmp = cpath(NAME ".tar.zst.tmp");
    pid_t pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0) {
        vz_error_t err = NULL;
        build(NAME, "zst", &err);
        _exit(0);
    }
    /* wait until the child has written some of the tarball, then kill it */
    struct stat st;
    for (int i = 0; i < 20000; i++) {
        if (stat(tmp, &st) == 0 && st.st_size > 0)
            break;
        usleep(1000);
    }
    kill(pid, SIGKILL);
    int status;
    waitpid(pid, &status, 0);
    vz_error_t err = NULL;
    struct vz_cache_info *c = NULL;
    if (WIFSIGNALED(status)) {
        cr_assert_eq(vz_cache_find(NAME, &c, &err), -1);
        cr_assert_eq(err->status, VZ_ENOTEMPLATE);
        vz_error_release(&err);
    }
    cr_assert_eq(build(NAME, "zst", &err), 0, "%s", vzt_errmsg(&err));
    cr_assert_eq(vz_cache_verify(NAME, NULL, &err), 0, "%s", vzt_errmsg(&err));
    char *dir = vz_template_path("cache");
    cr_assert_eq(vzt_count_entries(dir), 3);
    free(dir);
    free(tmp);
    free(cmd);
    free(big);
}

Test(store, signer_field_must_match_the_signing_key)
{
    vz_error_t err = NULL;
    cr_assert_eq(build(NAME, "zst", &err), 0, "%s", vzt_errmsg(&err));
    char *m = cpath(NAME ".manifest"), *s = cpath(NAME ".manifest.sig");
    size_t ml;
    char *text = vzt_slurp(m, &ml);
    struct vz_manifest *mf = NULL;
    cr_assert_eq(vz_manifest_parse(text, ml, &mf, &err), 0);
    char *real = vz_xstrdup(mf->signer);
    free(mf->signer);
    mf->signer = vz_xstrdup("0000000000000000");
    char *t2 = NULL, *sig = NULL;
    size_t l2, sl;
    cr_assert_eq(vz_manifest_serialize(mf, &t2, &l2, &err), 0);
    cr_assert_eq(vz_sign(t2, l2, &sig, &sl, NULL, &err), 0);
    vzt_write(m, t2);
    vzt_write(s, sig);
    cr_assert_eq(vz_cache_verify(NAME, NULL, &err), -1);
    char *want = vz_xasprintf("cache " NAME ": the manifest names signer 0000000000000000 but is "
                              "signed by key %s", real);
    cr_assert_str_eq(err->msg, want);
    vz_error_release(&err);
    free(want);
    free(real);
    free(t2);
    free(sig);
    free(text);
    vz_manifest_free(mf);
    free(m);
    free(s);
}

Test(store, open_tarball_detects_a_replacement_after_find)
{
    vz_error_t err = NULL;
    cr_assert_eq(build(NAME, "zst", &err), 0, "%s", vzt_errmsg(&err));
    struct vz_cache_info *c = NULL;
    cr_assert_eq(vz_cache_find(NAME, &c, &err), 0);
    int fd = -1;
    cr_assert_eq(vz_cache_open_tarball(c, &fd, &err), 0, "%s", vzt_errmsg(&err));
    close(fd);
    /* a rebuild lands between find and open */
    char *f = vz_path_join(tree, "etc/hostname");
    vzt_write(f, "rebuilt\n");
    cr_assert_eq(build(NAME, "zst", &err), 0, "%s", vzt_errmsg(&err));
    cr_assert_eq(vz_cache_open_tarball(c, &fd, &err), -1, "opened a tarball of another build");
    cr_assert_eq(err->status, VZ_ELOCKED);
    cr_assert_str_eq(err->msg, "cache " NAME " was replaced while being opened; look it up again");
    vz_error_release(&err);
    vz_cache_info_free(c);
    cr_assert_eq(vz_cache_find(NAME, &c, &err), 0);
    cr_assert_eq(vz_cache_open_tarball(c, &fd, &err), 0, "%s", vzt_errmsg(&err));
    close(fd);
    vz_cache_info_free(c);
    free(f);
}

/* A tarball without a manifest (an OpenVZ cache copied in by hand) is
 * replaced by the next build of that name, and the build says so. */
Test(store, build_over_a_hand_dropped_tarball_says_it_replaced_it)
{
    char *dir = vz_template_path("cache");
    vz_error_t err = NULL;
    cr_assert_eq(vz_mkdir_p(dir, 0755, &err), 0);
    char *t = cpath(NAME ".tar.gz");
    cr_assert_eq(vz_atomic_write(t, "not a vzforge cache", 19, 0644, &err), 0);
    char *log = vz_path_join(root, "store.log");
    vz_log_set_file(log, VZ_LOG_WARN);
    int r = build(NAME, "zst", &err);
    cr_assert_eq(r, 0, "%s", vzt_errmsg(&err));
    cr_assert_not(vz_file_exists(t), "the hand-dropped tarball is still there");
    char *text = NULL;
    cr_assert_eq(vz_read_file(log, &text, NULL, &err), 0, "%s", vzt_errmsg(&err));
    cr_assert(strstr(text, NAME ".tar.gz: it had no " NAME ".manifest"), "no warning in: %s", text);
    assert_only_cache_files("after the build");
    free(text);
    free(log);
    free(t);
    free(dir);
}
