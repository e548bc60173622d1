/* cmd/vzctl_ct.c: vzctl destroy and set: a container's life on disk after
 * create. Argument parsing and messages only; the work is in
 * vpscore/create.h (vz_ct_destroy) and vpscore/ctset.h. */
#include "cmd/cli.h"
#include "cmd/vzctl.h"
#include "cmd/vzctl_setopts.h"

#include "vpscore/create.h"
#include "vpscore/ctname.h"
#include "vpscore/ctset.h"

const char vzctl_destroy_usage[] =
    "Usage: vzctl destroy CTID\n"
    "Remove a stopped container: its cgroups, network pair, private area, mount point and conf.\n"
    "Exit codes: 14 no such container, 32 running (stop it first), 9 locked.\n";

int vzctl_destroy(int argc, char **argv)
{
    static const struct option opts[] = { VZ_CLI_COMMON_OPTS, { NULL, 0, NULL, 0 } };
    int c;
    while ((c = vz_cli_getopt(argc, argv, "hqv", opts)) != -1)
        vz_cli_common_opt(c, vzctl_destroy_usage);
    int rc = 0;
    const char *arg = vz_cli_one_ctid(argc, argv, vzctl_destroy_usage, &rc);
    if (arg == NULL)
        return rc;
    cleanup_free char *ctid = vz_ct_resolve(arg); /* a CTID or a container's --name */
    vz_error_t err = NULL;
    if (vz_ct_destroy(ctid, &err) < 0)
        return vz_cli_fail(&err);
    vz_info("Container private area was destroyed");
    return 0;
}

const char vzctl_set_usage[] =
    "Usage: vzctl set CTID [OPTIONS] [--save]\n"
    "On a running container the change applies at once; --save also stores it in the conf.\n"
    "A stopped container needs --save (except --userpasswd, which writes /etc/shadow inside).\n"
    VZCTL_SET_OPTIONS_USAGE
    "Exit codes: 20 bad usage or an unsaved change to a stopped container, 21 bad value,\n"
    "14 no such container, 9 locked (docs/exit-codes.md).\n";

int vzctl_set(int argc, char **argv)
{
    cleanup_free struct option *opts = vzctl_setopts_join(NULL);
    struct vzctl_setargs a = { 0 };
    int c;
    while ((c = vz_cli_getopt(argc, argv, "hqv", opts)) != -1)
        if (!vzctl_setopt(c, optarg, &a))
            vz_cli_common_opt(c, vzctl_set_usage);
    int rc = 0;
    const char *arg = vz_cli_one_ctid(argc, argv, vzctl_set_usage, &rc);
    if (arg == NULL) {
        vzctl_setargs_release(&a);
        return rc;
    }
    cleanup_free char *ctid = vz_ct_resolve(arg);
    vz_error_t err = NULL;
    rc = vz_ct_set(ctid, &a.o, &err) < 0 ? vz_cli_fail(&err) : 0;
    if (rc == 0 && a.o.save)
        vz_info("Saved parameters for container %s", ctid);
    vzctl_setargs_release(&a);
    return rc;
}
