/* vzlist: list containers. */
#include "cmd/cli.h"

int main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    vz_log_prog = "vzlist";
    vz_error_t err = NULL;
    vz_error_set(&err, VZ_EFAIL, 0, "vzlist is not implemented yet");
    return vz_cli_fail(&err);
}
