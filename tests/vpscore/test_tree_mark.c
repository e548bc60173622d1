/* The overlay layout's shared tree is only reused while the cache tarball
 * is still the one the signed manifest describes (cache/tree_mark.h). */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache/tree_mark.h"
#include "common/common.h"
#include "tests/vpscore/fixture.h"
#include "tmplbuild/pack.h"
#include "vpscore/create.h"

static struct fx fx;

static void setup(void) { fx_setup(&fx, NULL); }
static void teardown(void) { fx_teardown(&fx); }

TestSuite(tree_mark, .init = setup, .fini = teardown, .timeout = 300);

static int create(const char *ctid, vz_error_t *err)
{
    struct vz_create_opts o = { .ctid = ctid, .layout = "overlay" };
    struct vz_create_result res;
    return vz_ct_create(&o, &fx.cache, &res, err);
}

static char *tree(void)
{
    return vz_xasprintf("%s/vz/template/unpacked/test-1-x86_64-minimal-%s", fx.root, fx.cache.tar_sha256);
}

/* A refused create leaves no container behind. */
static void assert_no_ct(const char *ctid)
{
    char *priv = vz_xasprintf("vz/private/%s", ctid), *conf = vz_xasprintf("etc/vz/conf/%s.conf", ctid);
    cr_assert_eq(fx_count(&fx, priv), -1, "private area of %s left", ctid);
    char *p = fx_path(&fx, conf);
    cr_assert(!vz_file_exists(p), "conf of %s written", ctid);
    free(p), free(priv), free(conf);
}

Test(tree_mark, first_create_records_the_verified_tarball)
{
    vz_error_t err = NULL;
    cr_assert_eq(create("101", &err), 0, "%s", err ? err->msg : "");
    char *t = tree(), *m = vz_tree_mark_path(t);
    char *text = NULL;
    cr_assert_eq(vz_read_file(m, &text, NULL, &err), 0, "no record next to the tree");
    char *head = vz_xasprintf("vzforge-tree 1 sha256=%s size=%llu tarball=", fx.cache.tar_sha256,
                              (unsigned long long)fx.cache.tar_size);
    cr_assert_eq(strncmp(text, head, strlen(head)), 0, "%s", text);
    struct stat st;
    cr_assert_eq(stat(m, &st), 0);
    cr_assert_eq(st.st_mode & 07777, 0600);
    cr_assert_eq(st.st_uid, 0);
    free(head), free(text), free(m), free(t);
}

Test(tree_mark, a_tarball_changed_after_the_tree_was_made_is_refused)
{
    vz_error_t err = NULL;
    cr_assert_eq(create("101", &err), 0, "%s", err ? err->msg : "");
    /* one byte flipped, same size: found by hashing again, since the file
     * is not the one that was hashed any more */
    fx_tamper(&fx);
    cr_assert_eq(create("102", &err), -1, "a corrupt cache created a container");
    cr_assert_eq(err->status, VZ_EVERIFY, "%s", err->msg);
    cr_assert(strstr(err->msg, "is not what the signed manifest says") &&
              strstr(err->msg, "it changed after it was signed; rebuild it (vzpkg create-cache) or download it "
                               "again"), "%s", err->msg);
    vz_error_release(&err);
    assert_no_ct("102");
    /* the same byte back: the tarball is the signed one again */
    fx_tamper(&fx);
    cr_assert_eq(create("103", &err), 0, "%s", err ? err->msg : "");
    /* truncated: the size alone says so */
    cr_assert_eq(truncate(fx.cache.tarball, (off_t)(fx.cache.tar_size / 2)), 0);
    cr_assert_eq(create("104", &err), -1, "a truncated cache created a container");
    cr_assert_eq(err->status, VZ_EVERIFY, "%s", err->msg);
    cr_assert(strstr(err->msg, "(truncated or modified)"), "%s", err->msg);
    vz_error_release(&err);
    assert_no_ct("104");
}

Test(tree_mark, a_tampered_record_is_refused)
{
    vz_error_t err = NULL;
    cr_assert_eq(create("101", &err), 0, "%s", err ? err->msg : "");
    char *t = tree(), *m = vz_tree_mark_path(t);
    char *text = NULL;
    cr_assert_eq(vz_read_file(m, &text, NULL, &err), 0);
    const char *bad[] = { "", "garbage\n", NULL, NULL };
    /* another sha256, and a size that is not the manifest's */
    char *other = vz_xstrdup(text);
    char *hex = strstr(other, "sha256=") + 7;
    hex[0] = hex[0] == '0' ? '1' : '0';
    bad[2] = other;
    char *size = vz_xstrdup(text);
    char *sz = strstr(size, " size=") + 6;
    *sz = *sz == '9' ? '8' : (char)(*sz + 1);
    bad[3] = size;
    for (size_t i = 0; i < 4; i++) {
        cr_assert_eq(vz_atomic_write(m, bad[i], strlen(bad[i]), 0600, &err), 0);
        cr_assert_eq(create("102", &err), -1, "record '%s' accepted", bad[i]);
        cr_assert_eq(err->status, VZ_ECORRUPT, "%s", err->msg);
        char *want = vz_xasprintf("shared tree %s: its record %s does not match the signed manifest", t, m);
        cr_assert(strstr(err->msg, want), "%s", err->msg);
        free(want);
        vz_error_release(&err);
        assert_no_ct("102");
    }
    /* the record as it was: the tree is used again */
    cr_assert_eq(vz_atomic_write(m, text, strlen(text), 0600, &err), 0);
    cr_assert_eq(create("102", &err), 0, "%s", err ? err->msg : "");
    free(size), free(other), free(text), free(m), free(t);
}

Test(tree_mark, a_tree_without_a_record_is_adopted_once_the_tarball_hashes_right)
{
    vz_error_t err = NULL;
    cr_assert_eq(create("101", &err), 0, "%s", err ? err->msg : "");
    char *t = tree(), *m = vz_tree_mark_path(t);
    char *text = NULL;
    cr_assert_eq(vz_read_file(m, &text, NULL, &err), 0);
    /* as a tree of an older vzforge: no record */
    cr_assert_eq(unlink(m), 0);
    cr_assert_eq(create("102", &err), 0, "%s", err ? err->msg : "");
    char *again = NULL;
    cr_assert_eq(vz_read_file(m, &again, NULL, &err), 0, "no record written on adoption");
    cr_assert_str_eq(again, text);
    /* but not when the tarball is not the signed one */
    cr_assert_eq(unlink(m), 0);
    fx_tamper(&fx);
    cr_assert_eq(create("103", &err), -1);
    cr_assert_eq(err->status, VZ_EVERIFY, "%s", err->msg);
    vz_error_release(&err);
    cr_assert(!vz_file_exists(m), "a record was written for a tarball that does not verify");
    assert_no_ct("103");
    free(again), free(text), free(m), free(t);
}

TestSuite(sparse, .init = setup, .fini = teardown, .timeout = 300);

Test(sparse, a_file_with_holes_stays_sparse_in_the_tree_and_the_private_area)
{
    /* a cache packed by the store from a tree with 4 GiB of hole */
    char *tree_dir = fx_path(&fx, "sparse-tree");
    char *f = vz_path_join(tree_dir, "var/sparse");
    vz_error_t err = NULL;
    char *var = vz_path_join(tree_dir, "var");
    cr_assert_eq(vz_mkdir_p(var, 0755, &err), 0);
    int fd = open(f, O_WRONLY | O_CREAT, 0644);
    cr_assert_geq(fd, 0);
    cr_assert_eq(pwrite(fd, "x", 1, 1LL << 31), 1); /* one byte of data in the middle */
    cr_assert_eq(ftruncate(fd, 4LL << 30), 0);
    close(fd);
    setenv("SOURCE_DATE_EPOCH", "1700000000", 1);
    struct vz_manifest *m = vz_manifest_new("sparse-1");
    struct vz_pack_result pr;
    cr_assert_eq(vz_pack_to_cache(tree_dir, m, NULL, 5, &pr, &err), 0, "%s", err ? err->msg : "");
    vz_manifest_free(m);
    cr_assert_lt(pr.size, 64 * 1024, "the holes went into the tarball: %llu bytes", (unsigned long long)pr.size);
    struct vz_cache_info *c = NULL;
    cr_assert_eq(vz_cache_find("sparse-1", &c, &err), 0, "%s", err ? err->msg : "");

    struct vz_create_opts o = { .ctid = "101", .layout = "overlay" };
    cr_assert_eq(vz_ct_create(&o, c, NULL, &err), 0, "%s", err ? err->msg : "");
    char *t = vz_xasprintf("%s/vz/template/unpacked/sparse-1-%s/var/sparse", fx.root, c->tar_sha256);
    o.ctid = "102";
    o.layout = "plain";
    cr_assert_eq(vz_ct_create(&o, c, NULL, &err), 0, "%s", err ? err->msg : "");
    char *p = fx_path(&fx, "vz/private/102/var/sparse");
    const char *files[] = { t, p };
    for (size_t i = 0; i < 2; i++) {
        struct stat st;
        cr_assert_eq(stat(files[i], &st), 0, "%s", files[i]);
        cr_assert_eq(st.st_size, 4LL << 30);
        cr_assert_lt((long long)st.st_blocks * 512, 1 << 20, "%s: holes written: %lld blocks", files[i],
                     (long long)st.st_blocks);
        char b = 0;
        int rfd = open(files[i], O_RDONLY);
        cr_assert_eq(pread(rfd, &b, 1, 1LL << 31), 1);
        cr_assert_eq(b, 'x');
        close(rfd);
    }
    vz_cache_info_free(c);
    free(p), free(t), free(var), free(f), free(tree_dir);
}
