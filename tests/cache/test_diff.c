/* cache/diff: version comparison, package-set changes, set digests. */
#include <criterion/criterion.h>
#include <string.h>

#include "cache/diff.h"
#include "common/common.h"

static const char *const MA = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
static const char *const MB = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

/* ---- vz_deb_version_cmp ---- */

static int sign(int v)
{
    return v < 0 ? -1 : v > 0;
}

static void expect_cmp(const char *a, const char *b, int want)
{
    cr_expect_eq(sign(vz_deb_version_cmp(a, b)), want, "cmp(%s, %s) != %d", a, b, want);
    cr_expect_eq(sign(vz_deb_version_cmp(b, a)), -want, "cmp(%s, %s) != %d", b, a, -want);
}

TestSuite(debversion, .timeout = 300);

Test(debversion, numbers_compare_numerically)
{
    expect_cmp("1.0", "1.1", -1);
    expect_cmp("1.9", "1.10", -1);
    expect_cmp("10.0-1", "9.0-1", 1);
    expect_cmp("01", "1", 0);
    expect_cmp("1.0", "1.0", 0);
    expect_cmp("1.0", "1.0.1", -1);
}

Test(debversion, epochs_win_over_everything)
{
    expect_cmp("1:0.9", "2.0", 1);
    expect_cmp("0:1.0", "1.0", 0);
    expect_cmp("2:1.0", "10:0.1", -1);
}

Test(debversion, revisions_and_hyphens_in_upstream)
{
    expect_cmp("1.0-1", "1.0-2", -1);
    expect_cmp("1.0-1", "1.0-1.1", -1);
    expect_cmp("1.0", "1.0-0", 0);
    /* the last hyphen starts the revision: upstream 1.0-2 vs 1.0-10 */
    expect_cmp("1.0-2-3", "1.0-10-1", -1);
    expect_cmp("2.36-9+deb12u4", "2.36-9+deb12u7", -1);
    expect_cmp("2.36-9+deb12u10", "2.36-9+deb12u9", 1);
}

Test(debversion, tilde_sorts_before_the_end)
{
    expect_cmp("1.0~rc1", "1.0", -1);
    expect_cmp("1.0~~", "1.0~", -1);
    expect_cmp("1.0~rc1", "1.0~rc2", -1);
    expect_cmp("1.0~rc1-1", "1.0-1", -1);
}

Test(debversion, letters_before_other_characters)
{
    expect_cmp("1.0a", "1.0", 1);
    expect_cmp("1.0a", "1.0+", -1);
    expect_cmp("1.0+b1", "1.0", 1);
    expect_cmp("1.0+", "1.0.", -1);
    expect_cmp("1.0a", "1.0b", -1);
}

/* ---- the diff ---- */

static struct vz_manifest *mf(const char *meta, const char *const *pkgs)
{
    /* pkgs: "name arch version [sha-letter]" */
    struct vz_manifest *m = vz_manifest_new("test-1-x86_64-minimal");
    free(m->metadata_sha256);
    m->metadata_sha256 = vz_xstrdup(meta);
    for (size_t i = 0; pkgs && pkgs[i]; i++) {
        char name[64], arch[16], ver[64], sl[2] = "";
        int n = sscanf(pkgs[i], "%63s %15s %63s %1s", name, arch, ver, sl);
        cr_assert(n >= 3, "bad fixture %s", pkgs[i]);
        char sha[65] = "";
        if (n == 4) {
            memset(sha, sl[0], 64);
            sha[64] = '\0';
        }
        vz_manifest_add_pkg(m, name, ver, arch, sha, 100);
    }
    return m;
}

static void expect_changes(const struct vz_cache_diff *d, const char *const *want)
{
    size_t n = 0;
    while (want[n])
        n++;
    for (size_t i = 0; i < d->n_changes && i < n; i++) {
        cleanup_free char *s = vz_pkg_change_str(&d->changes[i]);
        cr_expect_str_eq(s, want[i], "change %zu", i);
    }
    cr_assert_eq(d->n_changes, n, "%zu changes, expected %zu", d->n_changes, n);
}

#define L(...) ((const char *const[]){ __VA_ARGS__, NULL })

TestSuite(diff, .timeout = 300);

Test(diff, identical_sets_in_any_order_are_unchanged)
{
    struct vz_manifest *a = mf(MA, L("b amd64 1.0 x", "a all 2.0 y", "c amd64 3.0 z"));
    struct vz_manifest *b = mf(MA, L("c amd64 3.0 z", "a all 2.0 y", "b amd64 1.0 x"));
    vz_manifest_add_repo(a, "main", "bookworm", "Mon, 01 Jan 2024 00:00:00 UTC", MA);
    vz_manifest_add_repo(b, "main", "bookworm", "Tue, 02 Jan 2024 00:00:00 UTC", MB);
    struct vz_cache_diff *d = vz_cache_diff(a, b);
    cr_assert(vz_cache_diff_unchanged(d));
    cr_assert_eq(d->n_changes, 0);
    cr_assert_not(d->metadata_changed);
    char da[65], db[65];
    vz_manifest_set_digest(a, da);
    vz_manifest_set_digest(b, db);
    cr_assert_str_eq(da, db, "a new Release with the same packages keeps the digest");
    vz_cache_diff_free(d);
    vz_manifest_free(a);
    vz_manifest_free(b);
}

Test(diff, upgrade_downgrade_add_remove_sorted_by_name)
{
    struct vz_manifest *a = mf(MA, L("zlib amd64 1.2 a", "foo amd64 1.0 a", "gone all 0.1 a",
                                     "bar amd64 2.0 a", "same amd64 5 a"));
    struct vz_manifest *b = mf(MA, L("same amd64 5 a", "new amd64 0.9-1 b", "foo amd64 1.1 b",
                                     "bar amd64 1.9 b", "zlib amd64 1:1.0 b"));
    struct vz_cache_diff *d = vz_cache_diff(a, b);
    expect_changes(d, L("downgraded bar 2.0 -> 1.9", "upgraded foo 1.0 -> 1.1",
                        "removed gone 0.1", "added new 0.9-1", "upgraded zlib 1.2 -> 1:1.0"));
    cr_assert_eq(d->n_upgraded, 2);
    cr_assert_eq(d->n_downgraded, 1);
    cr_assert_eq(d->n_added, 1);
    cr_assert_eq(d->n_removed, 1);
    cr_assert_eq(d->n_rebuilt, 0);
    cr_assert_not(vz_cache_diff_unchanged(d));
    cr_assert_not(d->metadata_changed);
    struct vz_pkg_change *foo = &d->changes[1];
    cr_assert_eq(foo->kind, VZ_PKG_UPGRADED);
    cr_assert_str_eq(foo->old_version, "1.0");
    cr_assert_str_eq(foo->new_version, "1.1");
    cr_assert_null(d->changes[2].new_version);
    cr_assert_null(d->changes[3].old_version);
    vz_cache_diff_free(d);
    vz_manifest_free(a);
    vz_manifest_free(b);
}

Test(diff, metadata_change_alone)
{
    struct vz_manifest *a = mf(MA, L("foo amd64 1.0 a"));
    struct vz_manifest *b = mf(MB, L("foo amd64 1.0 a"));
    struct vz_cache_diff *d = vz_cache_diff(a, b);
    cr_assert(d->metadata_changed);
    cr_assert_eq(d->n_changes, 0);
    cr_assert_not(vz_cache_diff_unchanged(d));
    cr_assert_str_eq(d->old_metadata_sha256, MA);
    cr_assert_str_eq(d->new_metadata_sha256, MB);
    char da[65], db[65];
    vz_manifest_set_digest(a, da);
    vz_manifest_set_digest(b, db);
    cr_assert_str_neq(da, db);
    vz_cache_diff_free(d);
    vz_manifest_free(a);
    vz_manifest_free(b);
}

Test(diff, same_version_new_file_is_rebuilt_unless_a_hash_is_unknown)
{
    struct vz_manifest *a = mf(MA, L("foo amd64 1.0 a", "bar amd64 2.0"));
    struct vz_manifest *b = mf(MA, L("foo amd64 1.0 b", "bar amd64 2.0 c"));
    struct vz_cache_diff *d = vz_cache_diff(a, b);
    expect_changes(d, L("rebuilt foo 1.0 (new package file)"));
    cr_assert_eq(d->changes[0].kind, VZ_PKG_REBUILT);
    cr_assert_eq(d->n_rebuilt, 1);
    vz_cache_diff_free(d);
    vz_manifest_free(a);
    vz_manifest_free(b);
}

Test(diff, architecture_changes_are_shown)
{
    struct vz_manifest *a = mf(MA, L("foo amd64 1.0 a", "bar amd64 2.0 a"));
    struct vz_manifest *b = mf(MA, L("foo all 1.1 b", "bar all 2.0 a"));
    struct vz_cache_diff *d = vz_cache_diff(a, b);
    expect_changes(d, L("rebuilt bar 2.0 (amd64 -> all)", "upgraded foo 1.0 (amd64) -> 1.1 (all)"));
    vz_cache_diff_free(d);
    vz_manifest_free(a);
    vz_manifest_free(b);
}

Test(diff, multiarch_same_names_are_matched_by_architecture)
{
    struct vz_manifest *a = mf(MA, L("libx i386 1.0 a", "libx amd64 1.0 a", "liby amd64 1 a"));
    struct vz_manifest *b = mf(MA, L("libx amd64 1.1 b", "liby amd64 1 a", "liby i386 1 a"));
    struct vz_cache_diff *d = vz_cache_diff(a, b);
    expect_changes(d, L("upgraded libx:amd64 1.0 -> 1.1", "removed libx:i386 1.0",
                        "added liby:i386 1"));
    vz_cache_diff_free(d);
    vz_manifest_free(a);
    vz_manifest_free(b);
}

Test(diff, name_only_on_one_side_in_two_architectures)
{
    struct vz_manifest *a = mf(MA, L("liba amd64 1 a", "liba i386 1 a"));
    struct vz_manifest *b = mf(MA, L("libb amd64 2 a", "libb i386 2 a"));
    struct vz_cache_diff *d = vz_cache_diff(a, b);
    expect_changes(d, L("removed liba:amd64 1", "removed liba:i386 1", "added libb:amd64 2",
                        "added libb:i386 2"));
    vz_cache_diff_free(d);
    vz_manifest_free(a);
    vz_manifest_free(b);
}

Test(diff, imported_cache_against_metadata)
{
    /* an imported cache: no metadata hash, no package hashes */
    struct vz_manifest *a = mf("", L("foo amd64 1.0"));
    struct vz_manifest *b = mf(MA, L("foo amd64 1.0 a", "bar amd64 1 a"));
    struct vz_cache_diff *d = vz_cache_diff(a, b);
    cr_assert(d->metadata_changed);
    cr_assert_str_eq(d->old_metadata_sha256, "");
    expect_changes(d, L("added bar 1"));
    vz_cache_diff_free(d);
    vz_manifest_free(a);
    vz_manifest_free(b);
}

Test(diff, empty_sides)
{
    struct vz_manifest *e = mf(MA, NULL), *b = mf(MA, L("a amd64 1 a", "b amd64 2 a"));
    struct vz_cache_diff *d = vz_cache_diff(e, b);
    expect_changes(d, L("added a 1", "added b 2"));
    vz_cache_diff_free(d);
    d = vz_cache_diff(b, e);
    expect_changes(d, L("removed a 1", "removed b 2"));
    vz_cache_diff_free(d);
    d = vz_cache_diff(e, e);
    cr_assert(vz_cache_diff_unchanged(d));
    vz_cache_diff_free(d);
    vz_manifest_free(e);
    vz_manifest_free(b);
}

Test(diff, digest_follows_versions_and_hashes_not_order)
{
    struct vz_manifest *a = mf(MA, L("a amd64 1 a", "b amd64 2 a"));
    struct vz_manifest *b = mf(MA, L("a amd64 1 a", "b amd64 2.1 a"));
    struct vz_manifest *c = mf(MA, L("a amd64 1 a", "b amd64 2 c"));
    char da[65], db[65], dc[65];
    vz_manifest_set_digest(a, da);
    vz_manifest_set_digest(b, db);
    vz_manifest_set_digest(c, dc);
    cr_assert_eq(strlen(da), 64);
    cr_assert_str_neq(da, db);
    cr_assert_str_neq(da, dc);
    cr_assert_str_neq(db, dc);
    vz_manifest_free(a);
    vz_manifest_free(b);
    vz_manifest_free(c);
}

Test(diff, kind_names)
{
    cr_assert_str_eq(vz_pkg_change_kind_str(VZ_PKG_ADDED), "added");
    cr_assert_str_eq(vz_pkg_change_kind_str(VZ_PKG_REMOVED), "removed");
    cr_assert_str_eq(vz_pkg_change_kind_str(VZ_PKG_UPGRADED), "upgraded");
    cr_assert_str_eq(vz_pkg_change_kind_str(VZ_PKG_DOWNGRADED), "downgraded");
    cr_assert_str_eq(vz_pkg_change_kind_str(VZ_PKG_REBUILT), "rebuilt");
}
