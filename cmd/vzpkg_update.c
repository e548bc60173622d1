/* vzpkg_update.c: placeholder until its issue lands; exits loudly, never pretends. */
#include "cmd/cli.h"
#include "cmd/vzpkg.h"

int vzpkg_update_cache(int argc, char **argv)
{
    (void)argc;
    vz_error_t err = NULL;
    vz_error_set(&err, VZ_EFAIL, 0, "'%s' is not implemented yet", argv[0]);
    return vz_cli_fail(&err);
}

int vzpkg_status(int argc, char **argv)
{
    (void)argc;
    vz_error_t err = NULL;
    vz_error_set(&err, VZ_EFAIL, 0, "'%s' is not implemented yet", argv[0]);
    return vz_cli_fail(&err);
}
