/* vzctl-create: `vzctl create` with libarchive, for creates that unpack a
 * cache (plain layout, the first overlay container of a template); vzctl
 * execs it with its own arguments (cmd/vzctl_spawn.c). Messages say
 * "vzctl", as the user typed. */
#include "cache/unpack.h"
#include "cmd/cli.h"
#include "cmd/vzctl.h"
#include "cmd/vzctl_setopts.h"

static int create_unpacking(int argc, char **argv)
{
    return vzctl_create_cmd(argc, argv, vz_unpack_verified);
}

static const struct vz_subcommand cmds[] = {
    { "create", create_unpacking, "create a container from an OS template cache", vzctl_create_usage,
      vzctl_create_options, vzctl_set_options },
    { NULL, NULL, NULL, NULL, NULL, NULL },
};

int main(int argc, char **argv)
{
    vz_cli_usage_status = VZ_ESYNTAX; /* OpenVZ vzctl's code for a bad command line */
    return vz_cli_dispatch("vzctl", "Usage: vzctl-create [-q|-v] create CTID [OPTIONS] (run by vzctl create)\n",
                           cmds, argc, argv);
}
