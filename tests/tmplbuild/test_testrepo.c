/* The synthetic repository generator itself: what every end-to-end test relies on. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "common/common.h"
#include "tests/lib/testrepo.h"

static char tmp[64];

static void setup(void)
{
    strncpy(tmp, "/tmp/vzt-repo-XXXXXX", sizeof(tmp));
    cr_assert_not_null(mkdtemp(tmp));
}

static void teardown(void)
{
    vz_error_t err = NULL;
    vz_rm_rf(tmp, &err);
    vz_error_release(&err);
}

TestSuite(testrepo, .init = setup, .fini = teardown, .timeout = 300);

Test(testrepo, default_set_is_signed_and_indexed)
{
    struct vz_testrepo r;
    vz_error_t err = NULL;
    int rc = vz_testrepo_create(tmp, NULL, 0, NULL, &r, &err);
    cr_assert_eq(rc, 0, "%s", err ? err->msg : "");

    cleanup_free char *inrel = vz_testrepo_dists_path(&r, "InRelease");
    char *argv[] = { "gpgv", "--keyring", r.keyring, inrel, NULL };
    cr_assert_eq(vz_run_ok(argv, &(struct vz_run_opts){ .quiet = 1 }, &err), 0, "%s",
                 err ? err->msg : "");

    cleanup_free char *pk = vz_testrepo_dists_path(&r, "main/binary-amd64/Packages");
    cleanup_free char *idx = NULL;
    size_t len;
    cr_assert_eq(vz_read_file(pk, &idx, &len, &err), 0);
    cr_assert_not_null(strstr(idx, "Package: busybox-sh\n"));
    cr_assert_not_null(strstr(idx, "Provides: oldapi (= 2.0)\n"));
    cr_assert_not_null(strstr(idx, "Filename: pool/main/b/base-files/base-files_12.4_all.deb\n"));

    /* the .deb really holds busybox as /bin/sh's target */
    cleanup_free char *deb = vz_path_join(r.dir, "pool/main/b/busybox-sh/busybox-sh_1.36.1-1_amd64.deb");
    struct vz_buf out = VZ_BUF_INIT;
    vz_buf_init(&out);
    char *c[] = { "dpkg-deb", "-c", deb, NULL };
    cr_assert_eq(vz_run_ok(c, &(struct vz_run_opts){ .out = &out }, &err), 0);
    cr_assert_not_null(strstr(out.data, "./bin/sh -> busybox"));
    vz_buf_release(&out);

    cleanup_free char *rel = vz_testrepo_dists_path(&r, "Release");
    cleanup_free char *rtxt = NULL;
    cr_assert_eq(vz_read_file(rel, &rtxt, &len, &err), 0);
    cr_assert_not_null(strstr(rtxt, "main/binary-amd64/Packages.xz\n"));
    vz_testrepo_release(&r);
}
