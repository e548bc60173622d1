/* vzctl: create and run containers from template caches. */
#include "cmd/cli.h"

static int not_yet(int argc, char **argv)
{
    (void)argc;
    vz_error_t err = NULL;
    vz_error_set(&err, VZ_EFAIL, 0, "'%s' is not implemented yet", argv[0]);
    return vz_cli_fail(&err);
}

static const struct vz_subcommand cmds[] = {
    { "create", not_yet, "create a container from an OS template cache" },
    { "start", not_yet, "start a container" },
    { "stop", not_yet, "stop a container" },
    { NULL, NULL, NULL },
};

int main(int argc, char **argv)
{
    return vz_cli_dispatch("vzctl", "Usage: vzctl [-q|-v] COMMAND CTID [OPTIONS]\n", cmds, argc, argv);
}
