/* cmd/vzctl_setopts.h: the options of `vzctl set`, one table that set and
 * create both parse with (OpenVZ's create takes set's parameters too), so
 * an option added to set is accepted by create without a second copy.
 *
 * What a caller may rely on:
 *   - vzctl_setopts_join(own) returns own's entries followed by every set
 *     option and the common -h/-q/-v ones (allocated, NULL-terminated; free
 *     it). The set options' values are >= VZCTL_SETOPT_BASE, so a command's
 *     own values must stay below it.
 *   - vzctl_setopt(c, arg, a) stores a set option's value in *a and returns
 *     1; 0 for a value that is not one of set's options. The strings point
 *     into argv; the lists are freed by vzctl_setargs_release.
 *   - VZCTL_SET_OPTIONS_USAGE is the usage text of those options.
 */
#ifndef VZ_CMD_VZCTL_SETOPTS_H
#define VZ_CMD_VZCTL_SETOPTS_H

#include <getopt.h>

#include "vpscore/ctset.h"

enum { VZCTL_SETOPT_BASE = 0x3000 };

/* The options tables (cmd/vzctl.c's command table shows them to --complete,
 * bash completion and the man-page test): set's (with -h/-q/-v), and
 * create's own, whose values run from VZCTL_CREATE_OSTEMPLATE in the order
 * ostemplate, layout, config, private, root, privileged (then --json).
 * create parses with vzctl_setopts_join(vzctl_create_options). */
enum { VZCTL_CREATE_OSTEMPLATE = 0x2000 };
extern const struct option vzctl_set_options[];
extern const struct option vzctl_create_options[];
extern const char vzctl_create_usage[];

struct vzctl_setargs {
    struct vz_set_opts o; /* its lists point at the ones below */
    char **ipadd, **ipdel, **nameserver, **searchdomain, **devnodes, **devices, **features, **capability, **netif_add,
        **netif_del;
};

struct option *vzctl_setopts_join(const struct option *own);
int vzctl_setopt(int c, const char *arg, struct vzctl_setargs *a);
void vzctl_setargs_release(struct vzctl_setargs *a);

#define VZCTL_SET_OPTIONS_USAGE                                                                   \
    "  --hostname H          host name (etc/hostname, etc/hosts)\n"                              \
    "  --ipadd A[/PREFIX]    add an address (repeat for more); --ipdel A|all removes\n"          \
    "  --nameserver A        DNS server (repeat; replaces NAMESERVER)\n"                          \
    "  --searchdomain D      DNS search domain (repeat; replaces SEARCHDOMAIN)\n"                 \
    "  --ram SIZE            memory limit: 512M, 2G, unlimited (PHYSPAGES)\n"                     \
    "  --swap SIZE           swap limit (SWAPPAGES)\n"                                            \
    "  --physpages [B:]L, --swappages [B:]L  the same in pages or sizes, as vzctl 4.x (0:256M)\n"  \
    "  --cpus N              CPUs it may use (0 or unlimited: all)\n"                             \
    "  --cpulimit PCT        percent of one CPU (0 = unlimited)\n"                                \
    "  --cpuunits N          CPU weight\n"                                                        \
    "  --numproc N           process limit (N, BARRIER:LIMIT, unlimited)\n"                       \
    "  --onboot yes|no       start-all --onboot starts it\n"                                      \
    "  --bootorder N         start-all starts higher first\n"                                     \
    "  --disabled yes|no     start refuses the container (exit 105), start-all skips it\n"        \
    "  --name NAME           a second handle; every vzctl command takes it for the CTID\n"       \
    "  --description TEXT    free text, one line\n"                                               \
    "  --userpasswd U:P      set user U's password in the container's etc/shadow\n"              \
    "  --devnodes DEV:r|w|rw|none  a device below /dev (net/tun, fuse) the container may use\n" \
    "  --devices c|b:MAJ:MIN:r|w|rw|none  the same by number (the host's node is bound in)\n"    \
    "  --features NAME:on|off  tun, fuse, ppp (their devices); bridge sit ipip ipgre sysfs (always on)\n" \
    "  --capability NAME:on|off  off removes a capability it keeps; on cannot grant a host one\n" \
    "                        (docs/security.md); from the next start, needs --save\n"           \
    "  --netif_add IF[,MAC,HOST_IF,HOST_MAC,BRIDGE]  a veth interface IF (repeat); its host end\n" \
    "                        HOST_IF (default veth<CTID>.<N>) joins host bridge BRIDGE\n"          \
    "  --netif_del IF|all    remove a veth interface\n"                                           \
    "  --ifname IF [--mac M] [--host_ifname H] [--host_mac HM] [--bridge B]  change those of IF\n" \
    "  --ifname IF --mac_filter on|off  the bridge drops IF's frames from another MAC (default on)\n" \
    "  --seccomp default|unconfined  the system call filter from the next start (docs/seccomp.md)\n" \
    "  --diskspace SOFT[:HARD], --diskinodes SOFT[:HARD]  disk limits of the private area (10G,\n" \
    "                        blocks of 1 KiB), enforced at once; refused (21) where the file system\n" \
    "                        cannot enforce them (docs/quota.md)\n" \
    "  --save                store the change in the conf\n"

#endif
