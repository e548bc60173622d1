/* vpscore/net.c: veth pair + routed addresses over rtnetlink (net.h). */
#include "vpscore/net.h"
#include "vpscore/netlink.h"
#include "vpscore/rootfs.h"

#include "common/sha256mini.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define VZ_NET_GW6 "fe80::1"

void vz_net_veth_name(const char *ctid, char out[IF_NAMESIZE])
{
    if (strlen(ctid) + strlen("veth.0") < IF_NAMESIZE) {
        snprintf(out, IF_NAMESIZE, "veth%s.0", ctid);
        return;
    }
    char hex[65];
    vz_sha256_mini_hex(ctid, strlen(ctid), hex); /* not libcrypto: common/sha256mini.h */
    snprintf(out, IF_NAMESIZE, "vz%.10s.0", hex);
}

static int is_v6(const char *ip) { return strchr(ip, ':') != NULL; }

int vz_net_ip_check(const char *ip, vz_error_t *err)
{
    unsigned char a[16];
    if (ip == NULL || *ip == '\0')
        return vz_error_set(err, VZ_EBADIP, 0, "empty IP address");
    if (is_v6(ip)) {
        if (inet_pton(AF_INET6, ip, a) != 1)
            return vz_error_set(err, VZ_EBADIP, 0, "'%s' is not an IPv6 address", ip);
        static const unsigned char zero[16], lo[16] = { [15] = 1 };
        if (!memcmp(a, zero, 16) || !memcmp(a, lo, 16) || a[0] == 0xff)
            return vz_error_set(err, VZ_EBADIP, 0, "%s: unspecified, loopback or multicast", ip);
        return 0;
    }
    if (inet_pton(AF_INET, ip, a) != 1)
        return vz_error_set(err, VZ_EBADIP, 0,
                            "'%s' is not an IPv4 address (dotted quad, no /prefix)", ip);
    if (a[0] == 0 || a[0] == 127 || a[0] >= 224)
        return vz_error_set(err, VZ_EBADIP, 0, "%s: unspecified, loopback, multicast or reserved", ip);
    return 0;
}

int vz_net_addr_parse(const char *spec, char *ip, size_t iplen, int *plen, vz_error_t *err)
{
    const char *slash = spec ? strchr(spec, '/') : NULL;
    size_t n = slash ? (size_t)(slash - spec) : (spec ? strlen(spec) : 0);
    if (n + 1 > iplen || n >= INET6_ADDRSTRLEN)
        return vz_error_set(err, VZ_EBADIP, 0, "'%s' is not an IP address", spec ? spec : "");
    memcpy(ip, spec, n);
    ip[n] = '\0';
    if (vz_net_ip_check(ip, err) < 0)
        return -1;
    int max = is_v6(ip) ? 128 : 32;
    *plen = max;
    if (!slash)
        return 0;
    const char *p = slash + 1;
    struct in_addr mask;
    if (*p && strspn(p, "0123456789") == strlen(p) && strlen(p) <= 3 && atoi(p) <= max) {
        *plen = atoi(p);
        return 0;
    }
    if (max == 32 && strchr(p, '.') && inet_pton(AF_INET, p, &mask) == 1) {
        uint32_t m = ntohl(mask.s_addr);
        int bits = __builtin_popcount(m);
        if (m == (bits ? 0xffffffffu << (32 - bits) : 0)) { /* contiguous ones */
            *plen = bits;
            return 0;
        }
    }
    return vz_error_set(err, VZ_EBADIP, 0, "'%s': the part after '/' must be a prefix length 0..%d%s", spec, max,
                        max == 32 ? " or a netmask such as 255.255.255.0" : "");
}

int vz_net_addr_same(const char *a, const char *b)
{
    size_t na = strcspn(a, "/"), nb = strcspn(b, "/");
    return na == nb && strncmp(a, b, na) == 0;
}

static int write_sysctl(const char *path, const char *v, vz_error_t *err)
{
    cleanup_close int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0 || write(fd, v, strlen(v)) < 0)
        return vz_error_set(err, VZ_EIPADD, errno, "write %s", path);
    return 0;
}

int vz_net_exists(const char *ctid)
{
    char veth[IF_NAMESIZE];
    vz_net_veth_name(ctid, veth);
    return if_nametoindex(veth) != 0;
}

static int plen_of(const char *ip) { return is_v6(ip) ? 128 : 32; }

/* Host side of one address: the route to the address itself (never its
 * prefix: vz_net_addr_parse), and for IPv6 the link-local gateway the
 * container routes through. */
static int host_add(struct vz_nl *h, int hidx, const char *spec, vz_error_t *err)
{
    char ip[INET6_ADDRSTRLEN];
    int plen;
    if (vz_net_addr_parse(spec, ip, sizeof(ip), &plen, err) < 0)
        return -1;
    if (is_v6(ip) && vz_nl_addr(h, 1, hidx, VZ_NET_GW6, 64, err) < 0)
        return -1;
    return vz_nl_route(h, 1, hidx, ip, plen_of(ip), NULL, err);
}

/* Container side of one address, with its prefix. */
static int inside_add(struct vz_nl *in, int cidx, const char *spec, vz_error_t *err)
{
    char ip[INET6_ADDRSTRLEN];
    int plen;
    if (vz_net_addr_parse(spec, ip, sizeof(ip), &plen, err) < 0)
        return -1;
    if (vz_nl_addr(in, 1, cidx, ip, plen, err) < 0)
        return -1;
    if (is_v6(ip) && vz_nl_route(in, 1, cidx, NULL, 0, VZ_NET_GW6, err) < 0)
        return -1;
    return 0;
}

static int setup(const char *ctid, const char *veth, pid_t pid, char *const *ips, vz_error_t *err)
{
    struct vz_nl h, in;
    if (vz_nl_open(&h, 0, err) < 0)
        return -1;
    if (vz_nl_open(&in, pid, err) < 0) {
        vz_nl_close(&h);
        return -1;
    }
    int r = -1, made = 0, hidx, cidx;
    /* cleanup variables before the first goto */
    cleanup_free char *pa = vz_xasprintf("/proc/sys/net/ipv4/conf/%s/proxy_arp", veth);
    cleanup_free char *fw = vz_xasprintf("/proc/sys/net/ipv4/conf/%s/forwarding", veth);
    if (vz_nl_veth_add(&h, veth, "eth0", pid, err) < 0)
        goto out;
    made = 1;
    if (vz_nl_link_up(&h, veth, err) < 0 || (hidx = vz_nl_ifindex(&h, veth, err)) < 0)
        goto out;
    if (write_sysctl(pa, "1", err) < 0 || write_sysctl(fw, "1", err) < 0)
        goto out;
    if (vz_nl_link_up(&in, "lo", err) < 0 || vz_nl_link_up(&in, "eth0", err) < 0 ||
        (cidx = vz_nl_ifindex(&in, "eth0", err)) < 0)
        goto out;
    /* IPv4 default route on-link: the host side's proxy ARP answers */
    if (vz_nl_route(&in, 1, cidx, NULL, 0, NULL, err) < 0)
        goto out;
    for (size_t i = 0; ips && ips[i]; i++)
        if (host_add(&h, hidx, ips[i], err) < 0 || inside_add(&in, cidx, ips[i], err) < 0)
            goto out;
    r = 0;
out:
    if (r < 0 && made) {
        vz_error_t e = NULL;
        vz_nl_link_del(&h, veth, &e); /* takes the peer and its routes along */
        vz_error_release(&e);
    }
    vz_nl_close(&h);
    vz_nl_close(&in);
    (void)ctid;
    return r;
}

int vz_net_setup(const char *ctid, pid_t pid, char *const *ips, vz_error_t *err)
{
    char veth[IF_NAMESIZE];
    vz_net_veth_name(ctid, veth);
    char ip[INET6_ADDRSTRLEN];
    int plen;
    for (size_t i = 0; ips && ips[i]; i++)
        if (vz_net_addr_parse(ips[i], ip, sizeof(ip), &plen, err) < 0)
            return -1;
    if (setup(ctid, veth, pid, ips, err) < 0)
        return vz_error_wrap(err, "network of container %s (%s)", ctid, veth);
    return 0;
}

int vz_net_add_ip(const char *ctid, pid_t pid, const char *ip, vz_error_t *err)
{
    char bare[INET6_ADDRSTRLEN];
    int plen;
    if (vz_net_addr_parse(ip, bare, sizeof(bare), &plen, err) < 0)
        return -1;
    if (!vz_net_exists(ctid)) {
        char *ips[] = { (char *)ip, NULL };
        return vz_net_setup(ctid, pid, ips, err);
    }
    char veth[IF_NAMESIZE];
    vz_net_veth_name(ctid, veth);
    struct vz_nl h, in;
    if (vz_nl_open(&h, 0, err) < 0)
        return vz_error_wrap(err, "add %s to container %s", ip, ctid);
    if (vz_nl_open(&in, pid, err) < 0) {
        vz_nl_close(&h);
        return vz_error_wrap(err, "add %s to container %s", ip, ctid);
    }
    int hidx, cidx, r = -1;
    if ((hidx = vz_nl_ifindex(&h, veth, err)) >= 0 && (cidx = vz_nl_ifindex(&in, "eth0", err)) >= 0 &&
        inside_add(&in, cidx, ip, err) == 0 && host_add(&h, hidx, ip, err) == 0)
        r = 0;
    vz_nl_close(&h);
    vz_nl_close(&in);
    if (r < 0)
        return vz_error_wrap(err, "add %s to container %s", ip, ctid);
    return 0;
}

int vz_net_del_ip(const char *ctid, pid_t pid, const char *spec, vz_error_t *err)
{
    char ip[INET6_ADDRSTRLEN];
    int plen;
    if (vz_net_addr_parse(spec, ip, sizeof(ip), &plen, err) < 0)
        return -1;
    char veth[IF_NAMESIZE];
    vz_net_veth_name(ctid, veth);
    int r = 0;
    /* an address or route already gone is not an error on removal */
    if (vz_net_exists(ctid)) {
        struct vz_nl h;
        if (vz_nl_open(&h, 0, err) < 0)
            return vz_error_wrap(err, "remove %s from container %s", ip, ctid);
        int hidx = vz_nl_ifindex(&h, veth, err);
        r = hidx < 0 ? -1 : vz_nl_route(&h, 0, hidx, ip, plen_of(ip), NULL, err);
        vz_nl_close(&h);
    }
    if (r == 0 && pid > 0) {
        struct vz_nl in;
        if (vz_nl_open(&in, pid, err) < 0)
            return vz_error_wrap(err, "remove %s from container %s", ip, ctid);
        vz_error_t e = NULL;
        int cidx = vz_nl_ifindex(&in, "eth0", &e);
        vz_error_release(&e); /* no eth0: nothing to remove inside */
        if (cidx > 0)
            r = vz_nl_addr(&in, 0, cidx, ip, plen, err);
        vz_nl_close(&in);
    }
    if (r < 0)
        return vz_error_wrap(err, "remove %s from container %s", ip, ctid);
    return 0;
}

int vz_net_teardown(const char *ctid, vz_error_t *err)
{
    if (!vz_net_exists(ctid))
        return 0;
    char veth[IF_NAMESIZE];
    vz_net_veth_name(ctid, veth);
    struct vz_nl h;
    if (vz_nl_open(&h, 0, err) < 0)
        return vz_error_wrap(err, "remove network of container %s", ctid);
    /* the kernel also removes the pair when the container's namespace dies,
     * asynchronously: "no such device" means it got there first */
    int r = vz_nl_link_del(&h, veth, err);
    vz_nl_close(&h);
    if (r < 0)
        return vz_error_wrap(err, "remove network of container %s", ctid);
    return 0;
}

int vz_net_write_resolv(const char *root, char *const *nameservers, char *const *search,
                        vz_error_t *err)
{
    size_t nn = nameservers ? vz_strv_len(nameservers) : 0;
    size_t ns = search ? vz_strv_len(search) : 0;
    if (nn == 0 && ns == 0)
        return 0;
    struct vz_buf b = VZ_BUF_INIT;
    vz_buf_init(&b);
    vz_buf_adds(&b, "# written by vzctl (NAMESERVER, SEARCHDOMAIN of the container's conf)\n");
    if (ns) {
        vz_buf_adds(&b, "search");
        for (size_t i = 0; i < ns; i++)
            vz_buf_addf(&b, " %s", search[i]);
        vz_buf_addc(&b, '\n');
    }
    for (size_t i = 0; i < nn; i++)
        vz_buf_addf(&b, "nameserver %s\n", nameservers[i]);
    int r = vz_rootfs_write(root, "etc/resolv.conf", b.data, b.len, 0644, err);
    vz_buf_release(&b);
    return r;
}
