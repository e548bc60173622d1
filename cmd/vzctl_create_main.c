/* vzctl-create: `vzctl create` with libarchive, for creates that unpack a
 * cache (plain layout, the first overlay container of a template); vzctl
 * execs it with its own arguments (cmd/vzctl_spawn.c). Messages say
 * "vzctl", as the user typed. */
#include "cmd/cli.h"
#include "cmd/vzctl.h"

static int create_unpacking(int argc, char **argv)
{
    return vzctl_create_cmd(argc, argv, vz_unpack_verified);
}

static const struct vz_subcommand cmds[] = {
    { "create", create_unpacking, "create a container from an OS template cache" },
    { NULL, NULL, NULL },
};

int main(int argc, char **argv)
{
    return vz_cli_dispatch("vzctl", "Usage: vzctl-create [-q|-v] create CTID [OPTIONS] (run by vzctl create)\n",
                           cmds, argc, argv);
}
