/* tmplbuild/deb/predecode: data.tar decompressed ahead gives the same
 * package as the file (control, members, paths and every entry's bytes),
 * and the decoder process hands out exactly those images, once each. */
#include <archive.h>
#include <archive_entry.h>
#include <criterion/criterion.h>
#include <openssl/evp.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/common.h"
#include "tests/lib/testrepo.h"
#include "tests/tmplbuild/install_fixture.h"
#include "tmplbuild/deb/deb.h"
#include "tmplbuild/deb/debimage.h"
#include "tmplbuild/deb/predecode.h"

static char tmp[64];
static struct vz_testrepo repo;
static const char *const names[] = { "busybox-sh", "base-files", "base-passwd", "dpkg-alts",
                                     "mawk-t",     "libt1",      "newapi",      "pager-a",
                                     "tools-t",    "editor-t" };
#define N VZ_ARRAY_SIZE(names)
static char *debs[N];

static void setup(void)
{
    snprintf(tmp, sizeof(tmp), "/tmp/vzt-predecode-XXXXXX");
    cr_assert_not_null(mkdtemp(tmp));
    cleanup_free char *dir = vz_path_join(tmp, "repo");
    vz_error_t err = NULL;
    cr_assert_eq(vz_testrepo_create(dir, NULL, 0, NULL, &repo, &err), 0, "%s",
                 err ? err->msg : "");
    for (size_t i = 0; i < N; i++) {
        debs[i] = install_find_deb(repo.dir, names[i]);
        cr_assert_not_null(debs[i], "no .deb for %s", names[i]);
    }
}

static void teardown(void)
{
    for (size_t i = 0; i < N; i++) {
        free(debs[i]);
        debs[i] = NULL;
    }
    vz_testrepo_release(&repo);
    vz_error_t err = NULL;
    vz_rm_rf(tmp, &err);
    vz_error_release(&err);
}

TestSuite(predecode, .init = setup, .fini = teardown, .timeout = 120);

/* A sink that records "path type mode size sha256" per entry. */
static int record(void *ctx, struct archive *in, struct archive_entry *e, const char *path,
                  const struct vz_deb_info *info, vz_error_t *err)
{
    (void)info;
    (void)err;
    struct vz_buf *b = ctx;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    EVP_DigestInit_ex(md, EVP_sha256(), NULL);
    char chunk[8192];
    la_ssize_t n;
    while ((n = archive_read_data(in, chunk, sizeof(chunk))) > 0)
        EVP_DigestUpdate(md, chunk, (size_t)n);
    unsigned char d[32];
    unsigned dl = 0;
    EVP_DigestFinal_ex(md, d, &dl);
    EVP_MD_CTX_free(md);
    char hex[65];
    vz_hex_encode(d, dl, hex);
    const char *link = archive_entry_symlink(e) ? archive_entry_symlink(e)
                       : archive_entry_hardlink(e) ? archive_entry_hardlink(e) : "";
    vz_buf_addf(b, "%s %o %lld %s %s\n", path, (unsigned)archive_entry_mode(e),
                (long long)archive_entry_size(e), hex, link);
    return 0;
}

/* Everything vz_deb_read gives, as text. */
static char *describe(const char *deb, const void *image, size_t len)
{
    struct vz_buf b = VZ_BUF_INIT;
    vz_buf_init(&b);
    struct vz_deb_sink sink = { record, &b };
    struct vz_deb_info *info = NULL;
    vz_error_t err = NULL;
    cr_assert_eq(vz_deb_read_image(deb, image, len, &sink, &info, &err), 0, "%s: %s", deb,
                 err ? err->msg : "");
    cr_assert_str_eq(info->path, deb);
    vz_buf_addf(&b, "%s%s %s %s\n", info->control, info->package, info->version, info->arch);
    for (size_t i = 0; i < info->n_members; i++) {
        vz_buf_addf(&b, "member %s %o %zu\n", info->members[i].name, info->members[i].mode,
                    info->members[i].len);
        vz_buf_add(&b, info->members[i].data, info->members[i].len);
    }
    for (size_t i = 0; i < info->n_files; i++)
        vz_buf_addf(&b, "file %s\n", info->files[i]);
    vz_deb_info_free(info);
    return vz_buf_detach(&b, NULL);
}

Test(predecode, image_reads_as_the_file_with_data_tar_decompressed)
{
    bool some_compressed = false;
    for (size_t i = 0; i < N; i++) {
        size_t len = 0;
        cleanup_free char *img = vz_deb_image(debs[i], &len);
        cr_assert_not_null(img, "no image of %s", debs[i]);
        cleanup_free char *want = describe(debs[i], NULL, 0);
        cleanup_free char *got = describe(debs[i], img, len);
        cr_assert_str_eq(got, want, "%s", names[i]);
        /* the image holds "data.tar" (ar names end in "/" in the SysV form) */
        cr_assert_not_null(memmem(img, len, "data.tar/", 9), "%s", names[i]);
        struct stat st;
        cr_assert_eq(stat(debs[i], &st), 0);
        some_compressed = some_compressed || (off_t)len > st.st_size;
    }
    cr_assert(some_compressed, "no test package had a compressed data.tar");
}

Test(predecode, unreadable_package_has_no_image)
{
    cleanup_free char *bad = vz_path_join(tmp, "bad.deb");
    vz_error_t err = NULL;
    cr_assert_eq(vz_atomic_write(bad, "!<arch>\nnot really", 17, 0644, &err), 0);
    size_t len = 0;
    cr_assert_null(vz_deb_image(bad, &len));
    cleanup_free char *missing = vz_path_join(tmp, "missing.deb");
    cr_assert_null(vz_deb_image(missing, &len));
}

/* Whatever the decoder's progress: every package of the order has its image
 * (within the budget), one outside the order has none, a second take has
 * none, and stop kills and reaps the decoder. */
static void take_all(size_t budget, unsigned delay_us)
{
    size_t order[N];
    for (size_t k = 0; k < N; k++)
        order[k] = N - 1 - k; /* skip debs[0]: outside the order */
    const char *list[N];
    for (size_t i = 0; i < N; i++)
        list[i] = debs[i];
    struct vz_predecode *p = vz_predecode_start(list, N, order, N - 1, budget, NULL);
    cr_assert_not_null(p);
    for (size_t k = 0; k < N; k++) {
        size_t i = k < N - 1 ? order[k] : 0;
        usleep(delay_us);
        size_t len = 0;
        void *img = vz_predecode_take(p, i, &len);
        if (i == 0)
            cr_assert_null(img);
        else if (budget > (1u << 20))
            cr_assert_not_null(img, "%s", names[i]);
        if (img) {
            size_t want_len = 0;
            cleanup_free char *want = vz_deb_image(debs[i], &want_len);
            cr_assert_eq(len, want_len, "%s", names[i]);
            cr_assert_eq(memcmp(img, want, len), 0, "%s", names[i]);
        }
        free(img);
        /* a second take has nothing */
        cr_assert_null(vz_predecode_take(p, i, &len));
    }
    vz_predecode_stop(p);
}

Test(predecode, decoder_hands_out_the_package_images)
{
    take_all(1, 0);
    take_all(1, 20000);
    take_all(64u << 20, 20000);
    /* stopped before anything was taken */
    size_t order[] = { 1, 2, 3 };
    const char *list[N];
    for (size_t i = 0; i < N; i++)
        list[i] = debs[i];
    vz_predecode_stop(vz_predecode_start(list, N, order, 3, 1u << 20, NULL));
}
