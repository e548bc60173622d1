/* vpscore/ctset.h: vzctl set: change a container's parameters.
 *
 * What a caller may rely on:
 *   - Options left NULL / -2 are not touched.
 *   - save = 1: the conf is rewritten (atomically, comments kept).
 *   - Running container (vz_ct_init_pid, runtime.h): cgroup limits are applied to
 *     its group, the hostname set in its UTS namespace (setns), addresses
 *     added/removed in its network namespace (net.h); files inside it
 *     (etc/hostname, etc/resolv.conf, etc/shadow) are written through
 *     /proc/PID/root, confined to its root (rootfs.h).
 *   - Stopped container: files are written into its tree (plain: VE_PRIVATE;
 *     overlay: VE_PRIVATE/upper, reading what upper lacks from VE_LOWERDIR).
 *     Conf changes without save on a stopped container change nothing and
 *     return VZ_EUSAGE with a hint to add --save (vzctl's behaviour).
 *   - --userpasswd needs no --save: it writes a SHA-512 crypt hash ("$6$",
 *     16-character salt from getrandom) into the container's etc/shadow.
 *     VZ_EBADARG when the user has no shadow entry.
 *   - --diskspace/--diskinodes are enforced on the private area at once,
 *     running or not (vpscore/quota.h), before the conf is saved; a limit
 *     the private area's file system cannot enforce is VZ_EBADARG and
 *     changes nothing.
 *   - Takes the per-container lock (VZ_ELOCKED).
 */
#ifndef VZ_VPSCORE_CTSET_H
#define VZ_VPSCORE_CTSET_H

#include <stdint.h>

#include "common/common.h"

struct vz_set_opts {
    const char *hostname;
    char **ipadd;           /* NULL-terminated */
    char **ipdel;           /* NULL-terminated; "all" removes every address */
    char **nameserver;      /* replaces NAMESERVER */
    char **searchdomain;    /* replaces SEARCHDOMAIN */
    const char *ram;        /* size: "512M" */
    const char *swap;
    /* vzctl 4.x's --physpages/--swappages: pages or sizes, "[BARRIER:]LIMIT"
     * (vz_parse_barlim_pages), written to PHYSPAGES/SWAPPAGES as given;
     * VZ_EUSAGE together with --ram/--swap */
    const char *physpages, *swappages;
    const char *cpus;
    const char *cpulimit;
    const char *cpuunits;
    const char *numproc;
    const char *onboot;     /* "yes" / "no" */
    const char *name;        /* NAME: another handle for the container (vpscore/ctname.h) */
    const char *description; /* DESCRIPTION: free text, one line */
    const char *disabled;    /* "yes" / "no": DISABLED; start refuses, start-all skips it */
    const char *bootorder;   /* 0..2147483647, higher starts first (vpscore/boot.h) */
    const char *userpasswd; /* "user:password" */
    char **devnodes;        /* NULL-terminated "DEV:r|w|rw|none" (vpscore/devices.h); merged into DEVNODES */
    const char *seccomp;    /* "default" / "unconfined" (docs/seccomp.md); needs save */
    char **devices;         /* NULL-terminated "c|b:MAJOR:MINOR:r|w|rw|none" (devices.h); merged into DEVICES */
    char **features;        /* NULL-terminated "NAME:on|off" (features.h); merged into FEATURES */
    char **capability;      /* NULL-terminated "NAME:on|off" (capability.h); merged into CAPABILITY; needs save */
    char **netif_add;       /* NULL-terminated "ifname[,mac,host_ifname,host_mac,bridge]" (vpscore/netif.h) */
    char **netif_del;       /* NULL-terminated ifname or "all" */
    /* OpenVZ's --ifname IF with --mac, --host_ifname, --host_mac, --bridge:
     * change those fields of netif IF (VZ_EBADARG when it has none) */
    const char *ifname, *mac, *host_ifname, *host_mac, *bridge;
    const char *mac_filter; /* "on"/"off" with --ifname: NETIF's mac_filter (vpscore/netif.h) */
    const char *diskspace;  /* "SOFT[:HARD]" (vpscore/quota.h): enforced on the private area at once */
    const char *diskinodes;
    int save;
};

int vz_ct_set(const char *ctid, const struct vz_set_opts *o, vz_error_t *err);

/* The checks of vz_ct_set's values (as with save = 1) against an empty conf,
 * for a container that does not exist yet (vzctl create): nothing is locked,
 * read or written. VZ_EBADARG as vz_ct_set would say it. */
int vz_ct_set_check(const char *ctid, const struct vz_set_opts *o, vz_error_t *err);

/* Replace user's hash in a shadow file's text; *out allocated. VZ_EBADARG
 * when user has no entry. Exposed for tests. */
int vz_shadow_set(const char *shadow, const char *user, const char *password, char **out, vz_error_t *err);

#endif
