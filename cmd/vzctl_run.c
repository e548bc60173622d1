/* vzctl_run.c: placeholder until its issue lands; exits loudly, never pretends. */
#include "cmd/cli.h"
#include "cmd/vzctl.h"

int vzctl_start(int argc, char **argv)
{
    (void)argc;
    vz_error_t err = NULL;
    vz_error_set(&err, VZ_EFAIL, 0, "'%s' is not implemented yet", argv[0]);
    return vz_cli_fail(&err);
}

int vzctl_stop(int argc, char **argv)
{
    (void)argc;
    vz_error_t err = NULL;
    vz_error_set(&err, VZ_EFAIL, 0, "'%s' is not implemented yet", argv[0]);
    return vz_cli_fail(&err);
}

int vzctl_restart(int argc, char **argv)
{
    (void)argc;
    vz_error_t err = NULL;
    vz_error_set(&err, VZ_EFAIL, 0, "'%s' is not implemented yet", argv[0]);
    return vz_cli_fail(&err);
}

int vzctl_status(int argc, char **argv)
{
    (void)argc;
    vz_error_t err = NULL;
    vz_error_set(&err, VZ_EFAIL, 0, "'%s' is not implemented yet", argv[0]);
    return vz_cli_fail(&err);
}

int vzctl_enter(int argc, char **argv)
{
    (void)argc;
    vz_error_t err = NULL;
    vz_error_set(&err, VZ_EFAIL, 0, "'%s' is not implemented yet", argv[0]);
    return vz_cli_fail(&err);
}

int vzctl_exec(int argc, char **argv)
{
    (void)argc;
    vz_error_t err = NULL;
    vz_error_set(&err, VZ_EFAIL, 0, "'%s' is not implemented yet", argv[0]);
    return vz_cli_fail(&err);
}

int vzctl_exec2(int argc, char **argv)
{
    (void)argc;
    vz_error_t err = NULL;
    vz_error_set(&err, VZ_EFAIL, 0, "'%s' is not implemented yet", argv[0]);
    return vz_cli_fail(&err);
}

int vzctl_mount(int argc, char **argv)
{
    (void)argc;
    vz_error_t err = NULL;
    vz_error_set(&err, VZ_EFAIL, 0, "'%s' is not implemented yet", argv[0]);
    return vz_cli_fail(&err);
}

int vzctl_umount(int argc, char **argv)
{
    (void)argc;
    vz_error_t err = NULL;
    vz_error_set(&err, VZ_EFAIL, 0, "'%s' is not implemented yet", argv[0]);
    return vz_cli_fail(&err);
}

int vzctl_suspend(int argc, char **argv)
{
    (void)argc;
    vz_error_t err = NULL;
    vz_error_set(&err, VZ_EFAIL, 0, "'%s' is not implemented yet", argv[0]);
    return vz_cli_fail(&err);
}

int vzctl_resume(int argc, char **argv)
{
    (void)argc;
    vz_error_t err = NULL;
    vz_error_set(&err, VZ_EFAIL, 0, "'%s' is not implemented yet", argv[0]);
    return vz_cli_fail(&err);
}

