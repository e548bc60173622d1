/* cmd/vzctl_setopts.c: the table of vzctl set's options (vzctl_setopts.h). */
#include "cmd/vzctl_setopts.h"

#include "cmd/cli.h"

#include <stdlib.h>
#include <string.h>

enum { S_HOSTNAME = VZCTL_SETOPT_BASE, S_IPADD, S_IPDEL, S_NAMESERVER, S_SEARCHDOMAIN, S_RAM, S_SWAP, S_CPUS,
       S_CPULIMIT, S_CPUUNITS, S_NUMPROC, S_ONBOOT, S_DISABLED, S_NAME, S_DESCRIPTION, S_BOOTORDER, S_USERPASSWD,
       S_SAVE, S_DEVNODES, S_SECCOMP, S_NETIF_ADD, S_NETIF_DEL, S_DEVICES, S_FEATURES, S_CAPABILITY, S_IFNAME, S_MAC, S_HOST_IFNAME, S_HOST_MAC, S_BRIDGE, S_MAC_FILTER,
       S_DISKSPACE, S_DISKINODES, S_PHYSPAGES, S_SWAPPAGES };

const struct option vzctl_set_options[] = {
    { "hostname", required_argument, NULL, S_HOSTNAME },
    { "ipadd", required_argument, NULL, S_IPADD },
    { "ipdel", required_argument, NULL, S_IPDEL },
    { "nameserver", required_argument, NULL, S_NAMESERVER },
    { "searchdomain", required_argument, NULL, S_SEARCHDOMAIN },
    { "ram", required_argument, NULL, S_RAM },
    { "swap", required_argument, NULL, S_SWAP },
    { "physpages", required_argument, NULL, S_PHYSPAGES },
    { "swappages", required_argument, NULL, S_SWAPPAGES },
    { "cpus", required_argument, NULL, S_CPUS },
    { "cpulimit", required_argument, NULL, S_CPULIMIT },
    { "cpuunits", required_argument, NULL, S_CPUUNITS },
    { "numproc", required_argument, NULL, S_NUMPROC },
    { "onboot", required_argument, NULL, S_ONBOOT },
    { "disabled", required_argument, NULL, S_DISABLED },
    { "name", required_argument, NULL, S_NAME },
    { "description", required_argument, NULL, S_DESCRIPTION },
    { "bootorder", required_argument, NULL, S_BOOTORDER },
    { "userpasswd", required_argument, NULL, S_USERPASSWD },
    { "save", no_argument, NULL, S_SAVE },
    { "devnodes", required_argument, NULL, S_DEVNODES },
    { "seccomp", required_argument, NULL, S_SECCOMP },
    { "devices", required_argument, NULL, S_DEVICES },
    { "features", required_argument, NULL, S_FEATURES },
    { "capability", required_argument, NULL, S_CAPABILITY },
    { "netif_add", required_argument, NULL, S_NETIF_ADD },
    { "netif_del", required_argument, NULL, S_NETIF_DEL },
    { "ifname", required_argument, NULL, S_IFNAME },
    { "mac", required_argument, NULL, S_MAC },
    { "host_ifname", required_argument, NULL, S_HOST_IFNAME },
    { "host_mac", required_argument, NULL, S_HOST_MAC },
    { "bridge", required_argument, NULL, S_BRIDGE },
    { "mac_filter", required_argument, NULL, S_MAC_FILTER },
    { "diskspace", required_argument, NULL, S_DISKSPACE },
    { "diskinodes", required_argument, NULL, S_DISKINODES },
    VZ_CLI_COMMON_OPTS,
    { NULL, 0, NULL, 0 },
};

const struct option vzctl_create_options[] = {
    { "ostemplate", required_argument, NULL, VZCTL_CREATE_OSTEMPLATE },
    { "layout", required_argument, NULL, VZCTL_CREATE_OSTEMPLATE + 1 },
    { "config", required_argument, NULL, VZCTL_CREATE_OSTEMPLATE + 2 },
    { "private", required_argument, NULL, VZCTL_CREATE_OSTEMPLATE + 3 },
    { "root", required_argument, NULL, VZCTL_CREATE_OSTEMPLATE + 4 },
    { "privileged", no_argument, NULL, VZCTL_CREATE_OSTEMPLATE + 5 },
    { "json", no_argument, NULL, VZ_OPT_JSON },
    { NULL, 0, NULL, 0 },
};

const char vzctl_create_usage[] =
    "Usage: vzctl create CTID --ostemplate NAME [--layout overlay|plain|image] [--config SAMPLE]\n"
    "                    [--private DIR] [--root DIR] [--privileged] [--json] [SET OPTIONS]\n"
    "Create container CTID from the signed template cache NAME.\n"
    "  --ostemplate NAME     template cache (vzpkg list -c)\n"
    "  --layout L            overlay (default where the kernel has it): share one read-only tree;\n"
    "                        plain: a private copy; image: overlay whose changes live in an ext4\n"
    "                        image of the --diskspace size (VE_PRIVATE/root.hdd, as OpenVZ's ploop)\n"
    "  --config SAMPLE       start from ve-SAMPLE.conf-sample (default: vz.conf CONFIGFILE or basic)\n"
    "  --private DIR         private area (default VE_PRIVATE of vz.conf, /vz/private/$VEID)\n"
    "  --root DIR            mount point (default VE_ROOT of vz.conf, /vz/root/$VEID)\n"
    "  --privileged          no user namespace: root inside is host root (trusted workloads only;\n"
    "                        not a security boundary, docs/security.md). Default: the container gets\n"
    "                        its own range of 65536 host ids (LOCAL_UID, LOCAL_GID)\n"
    "  --json                print the result as JSON\n"
    "Every option of vzctl set is taken too, and saved in the new conf (--save is implied):\n"
    VZCTL_SET_OPTIONS_USAGE
    "Exit codes: 20 bad usage, 21 bad argument or CTID, 44 container exists, 91 template not\n"
    "found, 204 signature or checksum mismatch, 9 locked (docs/exit-codes.md).\n";

struct option *vzctl_setopts_join(const struct option *own)
{
    size_t n = 0, m = 0;
    while (own && own[n].name)
        n++;
    while (vzctl_set_options[m].name)
        m++;
    struct option *all = vz_xcalloc(n + m + 1, sizeof(*all));
    if (n)
        memcpy(all, own, n * sizeof(*all));
    memcpy(all + n, vzctl_set_options, (m + 1) * sizeof(*all));
    return all;
}

int vzctl_setopt(int c, const char *arg, struct vzctl_setargs *a)
{
    struct vz_set_opts *o = &a->o;
    switch (c) {
    case S_HOSTNAME: o->hostname = arg; break;
    case S_IPADD: vz_strv_push(&a->ipadd, arg); break;
    case S_IPDEL: vz_strv_push(&a->ipdel, arg); break;
    case S_NAMESERVER: vz_strv_push(&a->nameserver, arg); break;
    case S_SEARCHDOMAIN: vz_strv_push(&a->searchdomain, arg); break;
    case S_RAM: o->ram = arg; break;
    case S_SWAP: o->swap = arg; break;
    case S_PHYSPAGES: o->physpages = arg; break;
    case S_SWAPPAGES: o->swappages = arg; break;
    case S_CPUS: o->cpus = arg; break;
    case S_CPULIMIT: o->cpulimit = arg; break;
    case S_CPUUNITS: o->cpuunits = arg; break;
    case S_NUMPROC: o->numproc = arg; break;
    case S_ONBOOT: o->onboot = arg; break;
    case S_DISABLED: o->disabled = arg; break;
    case S_NAME: o->name = arg; break;
    case S_DESCRIPTION: o->description = arg; break;
    case S_BOOTORDER: o->bootorder = arg; break;
    case S_USERPASSWD: o->userpasswd = arg; break;
    case S_SAVE: o->save = 1; break;
    case S_DEVNODES: vz_strv_push(&a->devnodes, arg); break;
    case S_SECCOMP: o->seccomp = arg; break;
    case S_DEVICES: vz_strv_push(&a->devices, arg); break;
    case S_FEATURES: vz_strv_push(&a->features, arg); break;
    case S_CAPABILITY: vz_strv_push(&a->capability, arg); break;
    case S_NETIF_ADD: vz_strv_push(&a->netif_add, arg); break;
    case S_NETIF_DEL: vz_strv_push(&a->netif_del, arg); break;
    case S_IFNAME: o->ifname = arg; break;
    case S_MAC: o->mac = arg; break;
    case S_HOST_IFNAME: o->host_ifname = arg; break;
    case S_HOST_MAC: o->host_mac = arg; break;
    case S_BRIDGE: o->bridge = arg; break;
    case S_MAC_FILTER: o->mac_filter = arg; break;
    case S_DISKSPACE: o->diskspace = arg; break;
    case S_DISKINODES: o->diskinodes = arg; break;
    default: return 0;
    }
    o->ipadd = a->ipadd;
    o->ipdel = a->ipdel;
    o->nameserver = a->nameserver;
    o->searchdomain = a->searchdomain;
    o->devnodes = a->devnodes;
    o->devices = a->devices;
    o->features = a->features;
    o->capability = a->capability;
    o->netif_add = a->netif_add;
    o->netif_del = a->netif_del;
    return 1;
}

void vzctl_setargs_release(struct vzctl_setargs *a)
{
    vz_strv_free(a->ipadd);
    vz_strv_free(a->ipdel);
    vz_strv_free(a->nameserver);
    vz_strv_free(a->searchdomain);
    vz_strv_free(a->devnodes);
    vz_strv_free(a->devices);
    vz_strv_free(a->features);
    vz_strv_free(a->capability);
    vz_strv_free(a->netif_add);
    vz_strv_free(a->netif_del);
    memset(a, 0, sizeof(*a));
}
