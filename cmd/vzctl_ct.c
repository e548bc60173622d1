/* cmd/vzctl_ct.c: vzctl destroy and set: a container's life on disk after
 * create. Argument parsing and messages only; the work is in
 * vpscore/create.h (vz_ct_destroy) and vpscore/ctset.h. */
#include "cmd/cli.h"
#include "cmd/vzctl.h"

#include "vpscore/create.h"
#include "vpscore/ctname.h"
#include "vpscore/ctset.h"

enum { O_HOSTNAME = 0x2000, O_IPADD, O_NAMESERVER, O_SEARCHDOMAIN, O_IPDEL, O_RAM, O_SWAP, O_CPUS,
       O_CPULIMIT, O_CPUUNITS, O_NUMPROC, O_ONBOOT, O_DISABLED, O_NAME, O_DESCRIPTION, O_USERPASSWD, O_SAVE,
       O_DEVNODES, O_SECCOMP, O_BOOTORDER };

static const char destroy_usage[] =
    "Usage: vzctl destroy CTID\n"
    "Remove a stopped container: its cgroups, network pair, private area, mount point and conf.\n"
    "Exit codes: 14 no such container, 32 running (stop it first), 9 locked.\n";

int vzctl_destroy(int argc, char **argv)
{
    static const struct option opts[] = { VZ_CLI_COMMON_OPTS, { NULL, 0, NULL, 0 } };
    int c;
    while ((c = vz_cli_getopt(argc, argv, "hqv", opts)) != -1)
        vz_cli_common_opt(c, destroy_usage);
    int rc = 0;
    const char *arg = vz_cli_one_ctid(argc, argv, destroy_usage, &rc);
    if (arg == NULL)
        return rc;
    cleanup_free char *ctid = vz_ct_resolve(arg); /* a CTID or a container's --name */
    vz_error_t err = NULL;
    if (vz_ct_destroy(ctid, &err) < 0)
        return vz_cli_fail(&err);
    vz_info("Container private area was destroyed");
    return 0;
}

static const char set_usage[] =
    "Usage: vzctl set CTID [--hostname H] [--ipadd A]... [--ipdel A|all]... [--nameserver A]...\n"
    "                 [--searchdomain D]... [--ram SIZE] [--swap SIZE] [--cpus N] [--cpulimit PCT]\n"
    "                 [--cpuunits N] [--numproc N] [--onboot yes|no] [--userpasswd USER:PASS]\n"
    "                 [--disabled yes|no] [--devnodes DEV:r|w|rw|none]... [--name NAME]\n"
    "                 [--description TEXT] [--bootorder N] [--save]\n"
    "On a running container the change applies at once; --save also stores it in the conf.\n"
    "A stopped container needs --save (except --userpasswd, which writes /etc/shadow inside).\n"
    "Sizes: 512M, 2G, unlimited. --cpulimit: percent of one CPU (0 = unlimited).\n"
    "--name: a second handle; every vzctl command takes it in place of the CTID.\n"
    "--disabled yes: start refuses the container (exit 105) until --disabled no.\n"
    "--devnodes: a device below /dev (net/tun, fuse) the container may use; none revokes.\n"
    "--seccomp default|unconfined --save: the system call filter from the next start (docs/seccomp.md).\n"
    "--bootorder N: start-all starts higher first; --disabled yes: start-all skips it.\n";

int vzctl_set(int argc, char **argv)
{
    static const struct option opts[] = {
        { "hostname", required_argument, NULL, O_HOSTNAME },
        { "ipadd", required_argument, NULL, O_IPADD },
        { "ipdel", required_argument, NULL, O_IPDEL },
        { "nameserver", required_argument, NULL, O_NAMESERVER },
        { "searchdomain", required_argument, NULL, O_SEARCHDOMAIN },
        { "ram", required_argument, NULL, O_RAM },
        { "swap", required_argument, NULL, O_SWAP },
        { "cpus", required_argument, NULL, O_CPUS },
        { "cpulimit", required_argument, NULL, O_CPULIMIT },
        { "cpuunits", required_argument, NULL, O_CPUUNITS },
        { "numproc", required_argument, NULL, O_NUMPROC },
        { "onboot", required_argument, NULL, O_ONBOOT },
        { "disabled", required_argument, NULL, O_DISABLED },
        { "name", required_argument, NULL, O_NAME },
        { "description", required_argument, NULL, O_DESCRIPTION },
        { "bootorder", required_argument, NULL, O_BOOTORDER },
        { "userpasswd", required_argument, NULL, O_USERPASSWD },
        { "save", no_argument, NULL, O_SAVE },
        { "devnodes", required_argument, NULL, O_DEVNODES },
        { "seccomp", required_argument, NULL, O_SECCOMP },
        VZ_CLI_COMMON_OPTS,
        { NULL, 0, NULL, 0 },
    };
    struct vz_set_opts o = { 0 };
    cleanup_strv char **add = NULL, **del = NULL, **ns = NULL, **sd = NULL, **dn = NULL;
    int c;
    while ((c = vz_cli_getopt(argc, argv, "hqv", opts)) != -1) {
        switch (c) {
        case O_HOSTNAME: o.hostname = optarg; break;
        case O_IPADD: vz_strv_push(&add, optarg); break;
        case O_IPDEL: vz_strv_push(&del, optarg); break;
        case O_NAMESERVER: vz_strv_push(&ns, optarg); break;
        case O_SEARCHDOMAIN: vz_strv_push(&sd, optarg); break;
        case O_RAM: o.ram = optarg; break;
        case O_SWAP: o.swap = optarg; break;
        case O_CPUS: o.cpus = optarg; break;
        case O_CPULIMIT: o.cpulimit = optarg; break;
        case O_CPUUNITS: o.cpuunits = optarg; break;
        case O_NUMPROC: o.numproc = optarg; break;
        case O_ONBOOT: o.onboot = optarg; break;
        case O_DISABLED: o.disabled = optarg; break;
        case O_NAME: o.name = optarg; break;
        case O_DESCRIPTION: o.description = optarg; break;
        case O_BOOTORDER: o.bootorder = optarg; break;
        case O_USERPASSWD: o.userpasswd = optarg; break;
        case O_SAVE: o.save = 1; break;
        case O_DEVNODES: vz_strv_push(&dn, optarg); break;
        case O_SECCOMP: o.seccomp = optarg; break;
        default: vz_cli_common_opt(c, set_usage);
        }
    }
    int rc = 0;
    const char *arg = vz_cli_one_ctid(argc, argv, set_usage, &rc);
    if (arg == NULL)
        return rc;
    cleanup_free char *ctid = vz_ct_resolve(arg);
    o.ipadd = add;
    o.ipdel = del;
    o.nameserver = ns;
    o.searchdomain = sd;
    o.devnodes = dn;
    vz_error_t err = NULL;
    if (vz_ct_set(ctid, &o, &err) < 0)
        return vz_cli_fail(&err);
    if (o.save)
        vz_info("Saved parameters for container %s", ctid);
    return 0;
}
