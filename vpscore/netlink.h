/* vpscore/netlink.h: the few rtnetlink requests vpscore/net.c needs, on a
 * NETLINK_ROUTE socket of a chosen network namespace. Internal to vpscore.
 *
 * vz_nl_open(pid): pid 0 = the caller's namespace; otherwise the socket is
 * made inside the network namespace of pid (setns there and straight back:
 * the process is single-threaded while it does so; the socket keeps the
 * namespace it was created in). Every request waits for the kernel's answer;
 * a failure names the request and the object and carries the errno.
 */
#ifndef VZ_VPSCORE_NETLINK_H
#define VZ_VPSCORE_NETLINK_H

#include <stdint.h>
#include <sys/types.h>

#include "common/common.h"

struct vz_nl {
    int fd;
    uint32_t seq;
};

int vz_nl_open(struct vz_nl *nl, pid_t pid, vz_error_t *err);
void vz_nl_close(struct vz_nl *nl);

/* veth pair: name here, peer inside the network namespace of peer_pid. */
int vz_nl_veth_add(struct vz_nl *nl, const char *name, const char *peer, pid_t peer_pid, vz_error_t *err);
/* The same with the two ends' MAC addresses (6 bytes each; NULL: the
 * kernel's random one). */
int vz_nl_veth_add_mac(struct vz_nl *nl, const char *name, const uint8_t *mac, const char *peer,
                       const uint8_t *peer_mac, pid_t peer_pid, vz_error_t *err);
/* Enslave link name to the bridge (or other master) of ifindex master. */
int vz_nl_link_master(struct vz_nl *nl, const char *name, int master, vz_error_t *err);
/* Let only frames from source mac into the bridge through its port
 * ifindex: a static sticky fdb entry for mac on the port, learning off,
 * the port locked (IFLA_BRPORT_LOCKED). Set before the port goes up. */
int vz_nl_brport_filter(struct vz_nl *nl, int ifindex, const uint8_t mac[6], vz_error_t *err);
int vz_nl_link_del(struct vz_nl *nl, const char *name, vz_error_t *err);
int vz_nl_link_up(struct vz_nl *nl, const char *name, vz_error_t *err);
/* ifindex of name in the socket's namespace; 0 + err when missing. */
int vz_nl_ifindex(struct vz_nl *nl, const char *name, vz_error_t *err);

/* addr: textual IPv4/IPv6; add = 1 add (EEXIST is fine), 0 delete
 * (EADDRNOTAVAIL is fine). */
int vz_nl_addr(struct vz_nl *nl, int add, int ifindex, const char *addr, int prefixlen, vz_error_t *err);
/* dst NULL = default route; gw may be NULL (on-link). add = 1 replace,
 * 0 delete (ESRCH is fine). */
int vz_nl_route(struct vz_nl *nl, int add, int ifindex, const char *dst, int dst_len, const char *gw,
                vz_error_t *err);

#endif
