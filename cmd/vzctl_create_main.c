/* vzctl-create: the body of `vzctl create`, which vzctl execs with its own
 * arguments (cmd/vzctl_spawn.c). Messages say "vzctl", as the user typed. */
#include "cmd/cli.h"
#include "cmd/vzctl.h"

static const struct vz_subcommand cmds[] = {
    { "create", vzctl_create, "create a container from an OS template cache" },
    { NULL, NULL, NULL },
};

int main(int argc, char **argv)
{
    return vz_cli_dispatch("vzctl", "Usage: vzctl-create [-q|-v] create CTID [OPTIONS] (run by vzctl create)\n",
                           cmds, argc, argv);
}
