/* vzpkg_store.c: placeholder until its issue lands; exits loudly, never pretends. */
#include "cmd/cli.h"
#include "cmd/vzpkg.h"

int vzpkg_remove_cache(int argc, char **argv)
{
    (void)argc;
    vz_error_t err = NULL;
    vz_error_set(&err, VZ_EFAIL, 0, "'%s' is not implemented yet", argv[0]);
    return vz_cli_fail(&err);
}

int vzpkg_verify(int argc, char **argv)
{
    (void)argc;
    vz_error_t err = NULL;
    vz_error_set(&err, VZ_EFAIL, 0, "'%s' is not implemented yet", argv[0]);
    return vz_cli_fail(&err);
}

int vzpkg_clean(int argc, char **argv)
{
    (void)argc;
    vz_error_t err = NULL;
    vz_error_set(&err, VZ_EFAIL, 0, "'%s' is not implemented yet", argv[0]);
    return vz_cli_fail(&err);
}

int vzpkg_keygen(int argc, char **argv)
{
    (void)argc;
    vz_error_t err = NULL;
    vz_error_set(&err, VZ_EFAIL, 0, "'%s' is not implemented yet", argv[0]);
    return vz_cli_fail(&err);
}

int vzpkg_trust(int argc, char **argv)
{
    (void)argc;
    vz_error_t err = NULL;
    vz_error_set(&err, VZ_EFAIL, 0, "'%s' is not implemented yet", argv[0]);
    return vz_cli_fail(&err);
}

int vzpkg_import(int argc, char **argv)
{
    (void)argc;
    vz_error_t err = NULL;
    vz_error_set(&err, VZ_EFAIL, 0, "'%s' is not implemented yet", argv[0]);
    return vz_cli_fail(&err);
}

