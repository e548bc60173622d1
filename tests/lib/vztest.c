/* tests/lib/vztest.c: vzt_distro_setup / vzt_distro_teardown (vztest.h). */
#include "tests/lib/vztest.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/common.h"
#include "tests/lib/reaper.h"

void vzt_distro_setup(struct vzt_distro *d, const char *tag, const struct vzr_vztest_more *more,
                      const char *variants)
{
    memset(d, 0, sizeof(*d));
    snprintf(d->root, sizeof(d->root), "/tmp/vzt-%s-XXXXXX", tag);
    cr_assert_not_null(vzt_mkroot(d->root));
    cr_assert_not_null(getenv("VZ_BUILD"), "VZ_BUILD is not set: run through make check");
    vz_error_t err = NULL;
    cleanup_free char *rdir = vz_path_join(d->root, "mirror");
    cr_assert_eq(vz_testrepo_create(rdir, NULL, 0, NULL, &d->repo, &err), 0, "%s", err ? err->msg : "");
    cleanup_free char *ddir = vz_path_join(d->root, "distros");
    vzr_write_vztest_yaml(ddir, d->repo.keyring, more, variants);
    setenv("VZ_DISTROS_DIR", ddir, 1);
    setenv("VZ_ROOT", d->root, 1);
    setenv("VZ_APT_ROOT", d->root, 1);
    unsetenv("VZ_MIRROR_VZTEST");
    d->httpd = vz_httpd_start(d->repo.dir);
    d->mirror = vz_httpd_url(d->httpd, "");
}

void vzt_distro_teardown(struct vzt_distro *d)
{
    vz_httpd_stop(d->httpd);
    free(d->mirror);
    vz_testrepo_release(&d->repo);
    if (d->root[0]) {
        vz_error_t err = NULL;
        vz_rm_rf(d->root, &err);
        vz_error_release(&err);
    }
    memset(d, 0, sizeof(*d));
}
