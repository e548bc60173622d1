/* vzpkg_build.c: placeholder until its issue lands; exits loudly, never pretends. */
#include "cmd/cli.h"
#include "cmd/vzpkg.h"

int vzpkg_create_cache(int argc, char **argv)
{
    (void)argc;
    vz_error_t err = NULL;
    vz_error_set(&err, VZ_EFAIL, 0, "'%s' is not implemented yet", argv[0]);
    return vz_cli_fail(&err);
}

int vzpkg_fetch(int argc, char **argv)
{
    (void)argc;
    vz_error_t err = NULL;
    vz_error_set(&err, VZ_EFAIL, 0, "'%s' is not implemented yet", argv[0]);
    return vz_cli_fail(&err);
}

