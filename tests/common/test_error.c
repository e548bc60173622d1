#include <criterion/criterion.h>
#include <errno.h>

#include "common/common.h"

TestSuite(error, .timeout = 300);

Test(error, set_and_wrap_build_a_context_chain)
{
    vz_error_t err = NULL;
    cr_assert_eq(vz_error_set(&err, VZ_EFETCH, 0, "HTTP %d", 404), -1);
    cr_assert_eq(vz_error_wrap(&err, "fetch %s", "libc6"), -1);
    cr_assert_eq(vz_error_wrap(&err, "repository %s", "main"), -1);
    cr_assert_str_eq(err->msg, "repository main: fetch libc6: HTTP 404");
    cr_assert_eq(err->status, VZ_EFETCH);
    vz_error_release(&err);
    cr_assert_null(err);
}

Test(error, errno_is_appended_once)
{
    vz_error_t err = NULL;
    vz_error_set(&err, VZ_ESYSTEM, ENOENT, "open %s", "/x");
    vz_error_wrap(&err, "load");
    cr_assert_str_eq(err->msg, "load: open /x: No such file or directory");
    cr_assert_eq(err->errnum, ENOENT);
    vz_error_release(&err);
}

Test(error, status_strings_cover_vzctl_codes)
{
    cr_assert_str_eq(vz_status_str(VZ_ERUNNING), "container already running");
    cr_assert_eq(VZ_ENOTEMPLATE, 91);
    cr_assert_eq(VZ_ELOCKED, 9);
}
