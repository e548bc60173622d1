/* tests/lib/vztest.h: the synthetic distro "vztest" served for a suite that
 * runs vzpkg against it: a temporary VZ_ROOT, the test repository
 * (tests/lib/testrepo.h, default packages) in ROOT/mirror served on
 * 127.0.0.1 (tests/lib/httpd.h), and ROOT/distros/vztest-1.yaml
 * (vzr_vztest_yaml_more, tests/lib/robust.h). */
#ifndef VZ_TESTS_LIB_VZTEST_H
#define VZ_TESTS_LIB_VZTEST_H

#include "tests/lib/httpd.h"
#include "tests/lib/robust.h"
#include "tests/lib/testrepo.h"

struct vzt_distro {
    char root[64];           /* VZ_ROOT and VZ_APT_ROOT */
    struct vz_testrepo repo; /* ROOT/mirror */
    struct vz_httpd *httpd;  /* serving repo.dir */
    char *mirror;            /* its URL ("http://127.0.0.1:PORT") */
};

/* The above, in /tmp/vzt-TAG-XXXXXX (vzt_mkroot), with the YAML's extra
 * parts and variants; sets VZ_DISTROS_DIR, VZ_ROOT, VZ_APT_ROOT and unsets
 * VZ_MIRROR_VZTEST (the tests pass --mirror). cr_asserts, VZ_BUILD too. */
void vzt_distro_setup(struct vzt_distro *d, const char *tag, const struct vzr_vztest_more *more,
                      const char *variants);
/* Stops the server, removes the VZ_ROOT and frees d. */
void vzt_distro_teardown(struct vzt_distro *d);

#endif
