/* cmd/vzctl_spawn.c: `vzctl create` runs the vzctl-create helper.
 *
 * Creating is the one vzctl command that unpacks archives and may download;
 * linking libarchive (and what it pulls in) into vzctl would make every
 * start, exec and stop load it too, several milliseconds a process. So vzctl
 * execs vzctl-create (next to vzctl in the build tree, LIBEXECDIR/vzforge
 * when installed) with the same arguments; the helper's exit code is the
 * command's. docs/design.md, "Process start-up cost". */
#include "cmd/cli.h"
#include "cmd/vzctl.h"

#include <errno.h>
#include <stdio.h>
#include <unistd.h>

int vzctl_create_exec(int argc, char **argv)
{
    vz_error_t err = NULL;
    cleanup_free char *helper = vz_cli_find_program("vzctl-create", VZ_LIBEXECDIR);
    if (helper == NULL) {
        vz_error_set(&err, VZ_ESYSTEM, ENOENT,
                     "vzctl-create, which does the work of vzctl create, is neither next to vzctl nor in %s "
                     "(reinstall vzforge: make install)", VZ_LIBEXECDIR);
        return vz_cli_fail(&err);
    }
    /* [helper, -q|-v, "create", args..., NULL]: global -q/-v were parsed by
     * vz_cli_dispatch before argv[0] ("create"), so pass them on */
    char **av = vz_xcalloc((size_t)argc + 3, sizeof(*av));
    int n = 0;
    av[n++] = helper;
    if (vz_cli_log_flag())
        av[n++] = (char *)vz_cli_log_flag();
    for (int i = 0; i < argc; i++)
        av[n++] = argv[i];
    fflush(NULL);
    execv(helper, av);
    vz_error_sys(&err, "run %s", helper);
    free(av);
    return vz_cli_fail(&err);
}
