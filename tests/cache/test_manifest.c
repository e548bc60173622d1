#include <criterion/criterion.h>
#include <string.h>

#include "cache/manifest.h"
#include "common/common.h"
#include "util.h"

static const char *const H1 = "1111111111111111111111111111111111111111111111111111111111111111";
static const char *const H2 = "2222222222222222222222222222222222222222222222222222222222222222";

static struct vz_manifest *sample(int reverse)
{
    setenv("SOURCE_DATE_EPOCH", "1700000000", 1);
    struct vz_manifest *m = vz_manifest_new("debian-12-x86_64-minimal");
    free(m->metadata_sha256);
    m->metadata_sha256 = vz_xstrdup(H1);
    const char *names[] = { "libc6", "base-files", "dpkg", "zlib1g" };
    for (int k = 0; k < 4; k++) {
        int i = reverse ? 3 - k : k;
        vz_manifest_add_pkg(m, names[i], "1.0-1", "amd64", H2, 1000 + (uint64_t)i);
    }
    if (reverse) {
        vz_manifest_add_repo(m, "updates", "bookworm-updates", "Sat, 01 Jun 2024 00:00:00 UTC", H1);
        vz_manifest_add_repo(m, "main", "bookworm", "Sat, 01 Jun 2024 00:00:00 UTC", H2);
    } else {
        vz_manifest_add_repo(m, "main", "bookworm", "Sat, 01 Jun 2024 00:00:00 UTC", H2);
        vz_manifest_add_repo(m, "updates", "bookworm-updates", "Sat, 01 Jun 2024 00:00:00 UTC", H1);
    }
    m->tarball = vz_xstrdup("debian-12-x86_64-minimal.tar.zst");
    m->compress = vz_xstrdup("zst");
    m->tar_size = 123456789012ull;
    memcpy(m->tar_sha256, H1, 65);
    m->signer = vz_xstrdup("0123456789abcdef");
    return m;
}

TestSuite(manifest, .timeout = 300);

Test(manifest, canonical_whatever_the_input_order)
{
    struct vz_manifest *a = sample(0), *b = sample(1);
    char *ta = NULL, *tb = NULL;
    size_t la = 0, lb = 0;
    vz_error_t err = NULL;
    cr_assert_eq(vz_manifest_serialize(a, &ta, &la, &err), 0);
    cr_assert_eq(vz_manifest_serialize(b, &tb, &lb, &err), 0);
    cr_assert_str_eq(ta, tb);
    cr_assert_eq(la, strlen(ta));
    cr_assert_eq(ta[la - 1], '\n');
    /* keys sorted, packages sorted by name */
    const char *p1 = strstr(ta, "\"base-files\""), *p2 = strstr(ta, "\"dpkg\""),
               *p3 = strstr(ta, "\"libc6\""), *p4 = strstr(ta, "\"zlib1g\"");
    cr_assert(p1 && p2 && p3 && p4 && p1 < p2 && p2 < p3 && p3 < p4);
    cr_assert(strstr(ta, "\"build_time\": 1700000000"));
    cr_assert(strstr(ta, "\"build_date\": \"2023-11-14T22:13:20Z\""));
    cr_assert(strstr(ta, "\"size\": 123456789012"));
    cr_assert(strstr(ta, "\"format\": 1"));
    cr_assert(strstr(ta, "\"vzforge_version\": \"" VZ_VERSION "\""));
    const char *k1 = strstr(ta, "\"build_date\""), *k2 = strstr(ta, "\"format\""),
               *k3 = strstr(ta, "\"vzforge_version\"");
    cr_assert(k1 < k2 && k2 < k3, "top-level keys sorted");
    free(ta);
    free(tb);
    vz_manifest_free(a);
    vz_manifest_free(b);
}

Test(manifest, round_trip_gives_the_same_bytes)
{
    struct vz_manifest *a = sample(1);
    char *ta = NULL, *tb = NULL;
    size_t la = 0, lb = 0;
    vz_error_t err = NULL;
    cr_assert_eq(vz_manifest_serialize(a, &ta, &la, &err), 0);
    struct vz_manifest *b = NULL;
    cr_assert_eq(vz_manifest_parse(ta, la, &b, &err), 0, "%s", vzt_errmsg(&err));
    cr_assert_str_eq(b->template_name, "debian-12-x86_64-minimal");
    cr_assert_eq(b->n_pkgs, 4);
    cr_assert_eq(b->n_repos, 2);
    cr_assert_eq(b->tar_size, 123456789012ull);
    cr_assert_str_eq(b->tar_sha256, H1);
    cr_assert_eq(b->build_time, 1700000000);
    cr_assert_str_eq(b->signer, "0123456789abcdef");
    cr_assert_eq(vz_manifest_serialize(b, &tb, &lb, &err), 0);
    cr_assert_str_eq(ta, tb);
    free(ta);
    free(tb);
    vz_manifest_free(a);
    vz_manifest_free(b);
}

static void expect_parse_error(const char *text, const char *msg)
{
    struct vz_manifest *m = NULL;
    vz_error_t err = NULL;
    cr_assert_eq(vz_manifest_parse(text, strlen(text), &m, &err), -1);
    cr_assert_eq(err->status, VZ_ECORRUPT);
    cr_assert_str_eq(err->msg, msg);
    vz_error_release(&err);
}

Test(manifest, bad_manifests_name_the_field)
{
    struct vz_manifest *a = sample(0);
    char *t = NULL;
    vz_error_t err = NULL;
    cr_assert_eq(vz_manifest_serialize(a, &t, NULL, &err), 0);
    char *bad = vz_xstrdup(t);
    char *p = strstr(bad, "\"compression\"");
    memcpy(p, "\"compressioN\"", 13);
    expect_parse_error(bad, "manifest: tarball \"compression\" missing or not a string");
    free(bad);
    bad = vz_xstrdup(t);
    p = strstr(bad, H2); /* first package's sha256 */
    p[10] = 'x';
    expect_parse_error(bad, "manifest: packages[0] \"sha256\" is not a sha256 hex digest");
    free(bad);
    bad = vz_xstrdup(t);
    p = strstr(bad, "\"format\": 1");
    p[10] = '7';
    expect_parse_error(bad, "manifest format 7 is not supported by vzforge " VZ_VERSION
                            " (knows 1)");
    free(bad);
    bad = vz_xstrdup(t);
    p = strstr(bad, "debian-12-x86_64-minimal.tar.zst");
    memcpy(p, "../", 3);
    expect_parse_error(bad, "manifest: tarball file name '../ian-12-x86_64-minimal.tar.zst' is "
                            "not a plain name");
    free(bad);
    expect_parse_error("{\"format\": 1,", "manifest: line 1 column 13: string or '}' expected near end of file");
    free(t);
    vz_manifest_free(a);
}
