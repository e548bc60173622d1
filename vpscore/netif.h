/* vpscore/netif.h: OpenVZ's veth interfaces (--netif_add / NETIF): a veth
 * pair per entry, its container end named as the admin asks, its host end
 * optionally enslaved to a host bridge (Proxmox's model). Beside the routed
 * eth0 of IP_ADDRESS (net.h), not instead of it.
 *
 * What a caller may rely on:
 *   - NETIF in CTID.conf is OpenVZ's form: entries separated by ';', each
 *     "ifname=I,mac=M,host_ifname=H,host_mac=HM,bridge=B,mac_filter=on|off"
 *     (bridge only when one was given, mac_filter only when it was set:
 *     --ifname I --mac_filter on|off). Every entry in the conf has all four names/addresses:
 *     --netif_add fills in what it was not given (random unicast, locally
 *     administered MACs; host end "veth<CTID>.<N>", N from 1: ".0" is the
 *     routed pair's, or "vz<hash>.<N>" when that would not fit IFNAMSIZ).
 *   - Names are 1..15 characters of [A-Za-z0-9_.-]; the container end is
 *     not "lo", two entries never share a container or host name, at most
 *     VZ_NETIF_MAX entries. VZ_EBADARG naming the field otherwise.
 *   - vz_netif_setup: the pair is made with its container end inside pid's
 *     network namespace, both ends up (the container's own network
 *     configuration gives it addresses, as with OpenVZ's veth), the host
 *     end enslaved to the bridge, which must exist (VZ_EIPADD otherwise).
 *     Undone on failure. The pair goes away with the container's network
 *     namespace; vz_netif_remove_live deletes one of a running container
 *     by its container-side name inside that namespace, so no host link is
 *     ever deleted by a name the conf gives.
 *   - MAC filter (OpenVZ's --mac_filter, on unless mac_filter=off): on a
 *     bridged entry the host end is a locked bridge port that does not
 *     learn, with one static sticky fdb entry, the container end's MAC, so
 *     the bridge drops every frame from the container whose source MAC is
 *     another (changed MAC, spoofed frames). It is the host's bridge
 *     state, in the host's network namespace: root inside cannot reach it.
 *     A bridge with vlan_filtering on is not supported with it (the entry
 *     has no VLAN). Unbridged entries have no other L2 peer to fool.
 *   - Security (docs/security.md): root inside still owns what it says in
 *     its own frames (ARP, addresses); with the filter off, its MAC too.
 */
#ifndef VZ_VPSCORE_NETIF_H
#define VZ_VPSCORE_NETIF_H

#include <net/if.h>
#include <sys/types.h>

#include "common/common.h"

#define VZ_NETIF_MAX 16

struct vz_netif {
    char ifname[IF_NAMESIZE];
    char mac[18];
    char host_ifname[IF_NAMESIZE];
    char host_mac[18];
    char bridge[IF_NAMESIZE]; /* "" for none */
    char mac_filter;          /* 'y' on, 'n' off, 0 not said: on (OpenVZ's default) */
};

struct vz_netifs {
    struct vz_netif v[VZ_NETIF_MAX];
    size_t n;
};

/* NETIF's value (NULL or "" = none) into l. VZ_EBADARG on a bad entry. */
int vz_netif_parse_conf(const char *val, struct vz_netifs *l, vz_error_t *err);
/* l as NETIF's value (allocated; "" for none). */
char *vz_netif_format(const struct vz_netifs *l);
/* --netif_add ifname[,mac,host_ifname,host_mac,bridge]: a new entry, the
 * missing parts filled in; replaces an entry of the same ifname. */
int vz_netif_add(struct vz_netifs *l, const char *ctid, const char *arg, vz_error_t *err);
/* --netif_del ifname|all. VZ_EBADARG when there is no such entry. */
int vz_netif_del(struct vz_netifs *l, const char *ifname, vz_error_t *err);

int vz_netif_setup(pid_t pid, const struct vz_netif *n, vz_error_t *err);
/* Every entry of NETIF's value netif (NULL: none) for the container whose
 * init is pid; all or none (the host ends made are deleted on failure). */
int vz_netif_start(pid_t pid, const char *netif, vz_error_t *err);
int vz_netif_remove_live(pid_t pid, const char *ifname, vz_error_t *err);

#endif
