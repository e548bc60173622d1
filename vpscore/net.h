/* vpscore/net.h: a container's network: one veth pair, routed addresses.
 *
 * Model (close to OpenVZ's venet, built from a veth pair):
 *   - host side  "veth<CTID>.0" (or "vz<hash>.0" when that would exceed
 *     IFNAMSIZ), no address, proxy_arp=1 and forwarding=1 on that interface
 *     only (the host's global ip_forward is the admin's decision);
 *   - container side "eth0" in the container's network namespace, up, with
 *     lo up and a default route "dev eth0" (on-link: the host's proxy ARP
 *     answers), every --ipadd as a host address (/32, /128 for IPv6);
 *   - per address a host route "ADDR/32 dev veth<CTID>.0";
 *   - IPv6: addresses as /128 (no DAD), the host side also has the
 *     link-local fe80::1 and the container's default route goes via it
 *     (forwarding between containers needs the host's global IPv6
 *     forwarding, which Linux has no per-interface switch for).
 * So containers reach each other and the host routes to them without any
 * bridge or subnet. The pair is removed when the container's namespace dies
 * (the kernel deletes both ends); vz_net_teardown() removes a leftover host
 * side explicitly.
 *
 * Implementation: rtnetlink requests made in-process (vpscore/netlink.c):
 * a socket in the caller's namespace for the host side, one created inside
 * the container's namespace (setns there and straight back) for its side.
 * No program is run; a setup costs about 1-4 ms here (it was 7-11 ms with
 * two `ip -batch` execs).
 *
 * Every function acts in the caller's network namespace for the host side:
 * tests unshare(CLONE_NEWNET) first and never touch the real host.
 */
#ifndef VZ_VPSCORE_NET_H
#define VZ_VPSCORE_NET_H

#include <net/if.h>
#include <sys/types.h>

#include "common/common.h"

/* Host-side interface name for a container (fits IFNAMSIZ). */
void vz_net_veth_name(const char *ctid, char out[IF_NAMESIZE]);

/* Validate an address for --ipadd/--ipdel: IPv4 or IPv6, no prefix, not
 * unspecified/loopback/multicast. VZ_EBADIP (71, OpenVZ's "bad IP address") naming the address. */
int vz_net_ip_check(const char *ip, vz_error_t *err);

/* A container address as --ipadd and IP_ADDRESS give it, OpenVZ's forms:
 * "ADDR", "ADDR/PREFIX" (0..32, 0..128 for IPv6) or "ADDR/NETMASK"
 * (IPv4, contiguous). The address passes vz_net_ip_check; *plen is the
 * prefix inside the container (32/128 without one). The host routes only
 * the address itself (/32, /128) to the container, whatever the prefix:
 * the prefix is what the container thinks is on its link (reached
 * through the host's proxy ARP), never a claim on the neighbours. ip gets
 * the bare address (at least INET6_ADDRSTRLEN bytes). */
int vz_net_addr_parse(const char *spec, char *ip, size_t iplen, int *plen, vz_error_t *err);
/* 1 when the two specs name the same address (prefixes aside). */
int vz_net_addr_same(const char *a, const char *b);
/* Create the veth pair with its container end inside the network namespace
 * of pid, bring everything up and add ips (NULL-terminated, may be NULL;
 * address specs as above). Undone on failure. VZ_EIPADD on failure. */
int vz_net_setup(const char *ctid, pid_t pid, char *const *ips, vz_error_t *err);
/* Add / remove one address of a running container (veth must exist; add
 * creates it when missing). */
int vz_net_add_ip(const char *ctid, pid_t pid, const char *ip, vz_error_t *err);
int vz_net_del_ip(const char *ctid, pid_t pid, const char *ip, vz_error_t *err);
/* Delete the host end (and with it the pair); missing is fine. */
int vz_net_teardown(const char *ctid, vz_error_t *err);
/* Does the host side exist? */
int vz_net_exists(const char *ctid);

/* Write ROOT/etc/resolv.conf from nameservers and search domains (either
 * may be NULL/empty; both empty: nothing is written). root is the
 * container's root directory as seen from the host; symlinks are resolved
 * inside it, never out of it. */
int vz_net_write_resolv(const char *root, char *const *nameservers, char *const *search,
                        vz_error_t *err);

/* Put hostname into ROOT/etc/hosts as Debian does ("127.0.1.1 FQDN SHORT"),
 * replacing the 127.0.1.1 line of an earlier hostname and keeping every
 * other line; a root without /etc/hosts gets the localhost lines too. */
int vz_net_write_hosts(const char *root, const char *hostname, vz_error_t *err);

#endif
