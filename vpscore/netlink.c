/* vpscore/netlink.c: minimal rtnetlink client (netlink.h). Messages are
 * built by hand from <linux/rtnetlink.h>: a handful of requests do not
 * justify a library the build does not have (libmnl/libnl headers). */
#include "vpscore/netlink.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <sched.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define BUFSZ 8192

struct req {
    struct nlmsghdr *h;
    char buf[BUFSZ] __attribute__((aligned(NLMSG_ALIGNTO)));
};

static void *req_init(struct req *r, uint16_t type, uint16_t flags, size_t payload)
{
    memset(r->buf, 0, sizeof(r->buf));
    r->h = (struct nlmsghdr *)r->buf;
    r->h->nlmsg_len = (uint32_t)NLMSG_LENGTH(payload); /* payload < BUFSZ */
    r->h->nlmsg_type = type;
    r->h->nlmsg_flags = NLM_F_REQUEST | flags;
    return NLMSG_DATA(r->h);
}

static struct rtattr *attr(struct req *r, unsigned short type, const void *data, size_t len)
{
    size_t off = NLMSG_ALIGN(r->h->nlmsg_len);
    struct rtattr *a = (struct rtattr *)(r->buf + off);
    a->rta_type = type;
    a->rta_len = (unsigned short)RTA_LENGTH(len);
    if (len)
        memcpy(RTA_DATA(a), data, len);
    r->h->nlmsg_len = (uint32_t)(off + RTA_ALIGN(a->rta_len));
    return a;
}

static struct rtattr *nest_start(struct req *r, unsigned short type)
{
    return attr(r, type, NULL, 0);
}

static void nest_end(struct req *r, struct rtattr *a)
{
    a->rta_len = (unsigned short)((char *)r->buf + r->h->nlmsg_len - (char *)a);
}

/* Send and wait for the ack (or the one reply when reply != NULL).
 * Returns 0 or -errno; never sets err. */
static int talk(struct vz_nl *nl, struct req *r, struct req *reply)
{
    r->h->nlmsg_seq = ++nl->seq;
    if (!reply)
        r->h->nlmsg_flags |= NLM_F_ACK;
    struct sockaddr_nl to = { .nl_family = AF_NETLINK };
    if (sendto(nl->fd, r->buf, r->h->nlmsg_len, 0, (struct sockaddr *)&to, sizeof(to)) < 0)
        return -errno;
    for (;;) {
        char in[BUFSZ] __attribute__((aligned(NLMSG_ALIGNTO)));
        ssize_t n = recv(nl->fd, in, sizeof(in), 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        for (struct nlmsghdr *h = (struct nlmsghdr *)in; NLMSG_OK(h, (unsigned)n); h = NLMSG_NEXT(h, n)) {
            if (h->nlmsg_seq != nl->seq)
                continue;
            if (h->nlmsg_type == NLMSG_ERROR) {
                struct nlmsgerr *e = NLMSG_DATA(h);
                return e->error; /* 0 = ack */
            }
            if (reply && h->nlmsg_len <= sizeof(reply->buf)) {
                memcpy(reply->buf, h, h->nlmsg_len);
                reply->h = (struct nlmsghdr *)reply->buf;
                return 0;
            }
        }
    }
}

int vz_nl_open(struct vz_nl *nl, pid_t pid, vz_error_t *err)
{
    nl->fd = -1;
    nl->seq = 0;
    int self = -1, target = -1;
    if (pid > 0) {
        char p[64];
        snprintf(p, sizeof(p), "/proc/%d/ns/net", (int)pid);
        target = open(p, O_RDONLY | O_CLOEXEC);
        if (target < 0)
            return vz_error_set(err, VZ_EIPADD, errno, "open %s (is the container running?)", p);
        self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
        if (self < 0 || setns(target, CLONE_NEWNET) < 0) {
            int e = errno;
            close(target);
            if (self >= 0)
                close(self);
            return vz_error_set(err, VZ_EIPADD, e, "enter the network namespace of pid %d", (int)pid);
        }
    }
    nl->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    int e = errno;
    if (pid > 0) {
        /* back home before anything else can happen in this process */
        if (setns(self, CLONE_NEWNET) < 0)
            abort(); /* continuing in the container's namespace would be worse */
        close(self);
        close(target);
    }
    if (nl->fd < 0)
        return vz_error_set(err, VZ_EIPADD, e, "netlink socket");
    struct sockaddr_nl local = { .nl_family = AF_NETLINK };
    if (bind(nl->fd, (struct sockaddr *)&local, sizeof(local)) < 0) {
        e = errno;
        close(nl->fd);
        nl->fd = -1;
        return vz_error_set(err, VZ_EIPADD, e, "bind netlink socket");
    }
    return 0;
}

void vz_nl_close(struct vz_nl *nl)
{
    if (nl->fd >= 0)
        close(nl->fd);
    nl->fd = -1;
}

int vz_nl_veth_add(struct vz_nl *nl, const char *name, const char *peer, pid_t peer_pid, vz_error_t *err)
{
    return vz_nl_veth_add_mac(nl, name, NULL, peer, NULL, peer_pid, err);
}

int vz_nl_veth_add_mac(struct vz_nl *nl, const char *name, const uint8_t *mac, const char *peer,
                       const uint8_t *peer_mac, pid_t peer_pid, vz_error_t *err)
{
    struct req r;
    req_init(&r, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, sizeof(struct ifinfomsg));
    attr(&r, IFLA_IFNAME, name, strlen(name) + 1);
    if (mac)
        attr(&r, IFLA_ADDRESS, mac, 6);
    struct rtattr *li = nest_start(&r, IFLA_LINKINFO);
    attr(&r, IFLA_INFO_KIND, "veth", 4);
    struct rtattr *data = nest_start(&r, IFLA_INFO_DATA);
    struct rtattr *p = nest_start(&r, VETH_INFO_PEER);
    /* the peer's own ifinfomsg, then its attributes */
    size_t off = NLMSG_ALIGN(r.h->nlmsg_len);
    memset(r.buf + off, 0, sizeof(struct ifinfomsg));
    r.h->nlmsg_len = (uint32_t)(off + NLMSG_ALIGN(sizeof(struct ifinfomsg)));
    attr(&r, IFLA_IFNAME, peer, strlen(peer) + 1);
    if (peer_mac)
        attr(&r, IFLA_ADDRESS, peer_mac, 6);
    uint32_t ns = (uint32_t)peer_pid;
    attr(&r, IFLA_NET_NS_PID, &ns, sizeof(ns));
    nest_end(&r, p);
    nest_end(&r, data);
    nest_end(&r, li);
    int rc = talk(nl, &r, NULL);
    if (rc < 0)
        return vz_error_set(err, VZ_EIPADD, -rc, "create veth pair %s / %s (in pid %d's namespace)", name, peer,
                            (int)peer_pid);
    return 0;
}

int vz_nl_link_master(struct vz_nl *nl, const char *name, int master, vz_error_t *err)
{
    struct req r;
    struct ifinfomsg *ifi = req_init(&r, RTM_NEWLINK, 0, sizeof(struct ifinfomsg));
    ifi->ifi_family = AF_UNSPEC;
    attr(&r, IFLA_IFNAME, name, strlen(name) + 1);
    uint32_t m = (uint32_t)master;
    attr(&r, IFLA_MASTER, &m, sizeof(m));
    int rc = talk(nl, &r, NULL);
    if (rc < 0)
        return vz_error_set(err, VZ_EIPADD, -rc, "attach %s to bridge (ifindex %d)", name, master);
    return 0;
}

int vz_nl_brport_filter(struct vz_nl *nl, int ifindex, const uint8_t mac[6], vz_error_t *err)
{
    /* the one address first: a static, sticky entry that another port's
     * frames cannot move (learning would move a plain static one) */
    struct req r;
    struct ndmsg *nd = req_init(&r, RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_REPLACE, sizeof(struct ndmsg));
    nd->ndm_family = AF_BRIDGE;
    nd->ndm_ifindex = ifindex;
    nd->ndm_state = NUD_NOARP; /* "static"; NUD_PERMANENT would be "local" */
    nd->ndm_flags = NTF_MASTER | NTF_STICKY;
    attr(&r, NDA_LLADDR, mac, 6);
    int rc = talk(nl, &r, NULL);
    if (rc < 0)
        return vz_error_set(err, VZ_EIPADD, -rc, "bridge fdb entry for port ifindex %d", ifindex);
    /* then the port: no learning, and locked, so that a frame whose
     * source has no entry pointing at this port is dropped on entry */
    struct ifinfomsg *ifi = req_init(&r, RTM_SETLINK, 0, sizeof(struct ifinfomsg));
    ifi->ifi_family = AF_BRIDGE;
    ifi->ifi_index = ifindex;
    struct rtattr *pi = nest_start(&r, IFLA_PROTINFO | NLA_F_NESTED);
    uint8_t off = 0, on = 1;
    attr(&r, IFLA_BRPORT_LEARNING, &off, 1);
    attr(&r, IFLA_BRPORT_LOCKED, &on, 1);
    nest_end(&r, pi);
    rc = talk(nl, &r, NULL);
    if (rc < 0)
        return vz_error_set(err, VZ_EIPADD, -rc, "lock bridge port ifindex %d to its MAC address (kernel 5.18 or later)",
                            ifindex);
    return 0;
}

static int link_by_name(struct vz_nl *nl, uint16_t type, uint16_t flags, const char *name, unsigned up)
{
    struct req r;
    struct ifinfomsg *ifi = req_init(&r, type, flags, sizeof(struct ifinfomsg));
    ifi->ifi_family = AF_UNSPEC;
    if (up) {
        ifi->ifi_flags = IFF_UP;
        ifi->ifi_change = IFF_UP;
    }
    attr(&r, IFLA_IFNAME, name, strlen(name) + 1);
    return talk(nl, &r, NULL);
}

int vz_nl_link_del(struct vz_nl *nl, const char *name, vz_error_t *err)
{
    int rc = link_by_name(nl, RTM_DELLINK, 0, name, 0);
    if (rc < 0 && rc != -ENODEV)
        return vz_error_set(err, VZ_EIPADD, -rc, "delete link %s", name);
    return 0;
}

int vz_nl_link_up(struct vz_nl *nl, const char *name, vz_error_t *err)
{
    int rc = link_by_name(nl, RTM_NEWLINK, 0, name, 1);
    if (rc < 0)
        return vz_error_set(err, VZ_EIPADD, -rc, "set link %s up", name);
    return 0;
}

int vz_nl_ifindex(struct vz_nl *nl, const char *name, vz_error_t *err)
{
    struct req r, reply;
    struct ifinfomsg *ifi = req_init(&r, RTM_GETLINK, 0, sizeof(struct ifinfomsg));
    ifi->ifi_family = AF_UNSPEC;
    attr(&r, IFLA_IFNAME, name, strlen(name) + 1);
    int rc = talk(nl, &r, &reply);
    if (rc < 0)
        return vz_error_set(err, VZ_EIPADD, -rc, "find link %s", name);
    if (reply.h->nlmsg_type != RTM_NEWLINK)
        return vz_error_set(err, VZ_EIPADD, 0, "find link %s: unexpected netlink reply", name);
    struct ifinfomsg *got = NLMSG_DATA(reply.h);
    return got->ifi_index;
}

static int parse_addr(const char *s, unsigned char *out, int *family)
{
    if (inet_pton(AF_INET, s, out) == 1) {
        *family = AF_INET;
        return 4;
    }
    if (inet_pton(AF_INET6, s, out) == 1) {
        *family = AF_INET6;
        return 16;
    }
    return -1;
}

int vz_nl_addr(struct vz_nl *nl, int add, int ifindex, const char *addr, int prefixlen, vz_error_t *err)
{
    unsigned char a[16];
    int family = 0;
    int alen = parse_addr(addr, a, &family);
    if (alen < 0)
        return vz_error_set(err, VZ_EBADARG, 0, "'%s' is not an IP address", addr);
    struct req r;
    struct ifaddrmsg *ifa = req_init(&r, add ? RTM_NEWADDR : RTM_DELADDR, add ? NLM_F_CREATE | NLM_F_REPLACE : 0,
                                     sizeof(struct ifaddrmsg));
    ifa->ifa_family = (unsigned char)family;
    ifa->ifa_prefixlen = (unsigned char)prefixlen;
    ifa->ifa_index = (unsigned)ifindex;
    /* link-local fe80::/10 has link scope, everything else universe */
    ifa->ifa_scope = (family == AF_INET6 && a[0] == 0xfe && (a[1] & 0xc0) == 0x80) ? RT_SCOPE_LINK
                                                                                     : RT_SCOPE_UNIVERSE;
    /* no DAD: the address is usable at once (unique by the admin's plan) */
    ifa->ifa_flags = family == AF_INET6 ? IFA_F_NODAD : 0;
    attr(&r, IFA_LOCAL, a, (size_t)alen);
    attr(&r, IFA_ADDRESS, a, (size_t)alen);
    int rc = talk(nl, &r, NULL);
    if (rc < 0 && !(add && rc == -EEXIST) && !(!add && rc == -EADDRNOTAVAIL))
        return vz_error_set(err, VZ_EIPADD, -rc, "%s address %s/%d", add ? "add" : "delete", addr, prefixlen);
    return 0;
}

int vz_nl_route(struct vz_nl *nl, int add, int ifindex, const char *dst, int dst_len, const char *gw,
                vz_error_t *err)
{
    unsigned char d[16], g[16];
    int family = 0, gfam = 0, dlen = 0, glen = 0;
    if (dst && (dlen = parse_addr(dst, d, &family)) < 0)
        return vz_error_set(err, VZ_EBADARG, 0, "'%s' is not an IP address", dst);
    if (gw && (glen = parse_addr(gw, g, &gfam)) < 0)
        return vz_error_set(err, VZ_EBADARG, 0, "'%s' is not an IP address", gw);
    if (!dst)
        family = gw ? gfam : AF_INET;
    struct req r;
    struct rtmsg *rt = req_init(&r, add ? RTM_NEWROUTE : RTM_DELROUTE, add ? NLM_F_CREATE | NLM_F_REPLACE : 0,
                                sizeof(struct rtmsg));
    rt->rtm_family = (unsigned char)family;
    rt->rtm_dst_len = (unsigned char)(dst ? dst_len : 0);
    rt->rtm_table = RT_TABLE_MAIN;
    rt->rtm_protocol = RTPROT_BOOT;
    rt->rtm_type = RTN_UNICAST;
    rt->rtm_scope = gw ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
    if (dst)
        attr(&r, RTA_DST, d, (size_t)dlen);
    if (gw)
        attr(&r, RTA_GATEWAY, g, (size_t)glen);
    uint32_t oif = (uint32_t)ifindex;
    attr(&r, RTA_OIF, &oif, sizeof(oif));
    int rc = talk(nl, &r, NULL);
    if (rc < 0 && !(!add && rc == -ESRCH))
        return vz_error_set(err, VZ_EIPADD, -rc, "%s route %s/%d%s%s", add ? "add" : "delete",
                            dst ? dst : "default", dst ? dst_len : 0, gw ? " via " : "", gw ? gw : "");
    return 0;
}
