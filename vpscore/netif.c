/* vpscore/netif.c: veth interfaces on a host bridge (netif.h). */
#include "vpscore/netif.h"
#include "vpscore/net.h"
#include "vpscore/netlink.h"

#include "common/sha256mini.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

static int name_ok(const char *s)
{
    size_t n = strlen(s);
    return n > 0 && n < IF_NAMESIZE && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == n &&
           strcmp(s, ".") != 0 && strcmp(s, "..") != 0;
}

/* "xx:xx:xx:xx:xx:xx", unicast, not all zero. */
static int mac_parse(const char *s, uint8_t out[6])
{
    unsigned b[6];
    char tail;
    if (strlen(s) != 17 || sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5], &tail) != 6)
        return -1;
    unsigned any = 0;
    for (int i = 0; i < 6; i++) {
        out[i] = (uint8_t)b[i];
        any |= b[i];
    }
    return (out[0] & 1) || !any ? -1 : 0;
}

static void mac_format(const uint8_t m[6], char out[18])
{
    snprintf(out, 18, "%02X:%02X:%02X:%02X:%02X:%02X", m[0], m[1], m[2], m[3], m[4], m[5]);
}

/* A random unicast, locally administered address. */
static int mac_random(char out[18], vz_error_t *err)
{
    uint8_t m[6];
    if (getrandom(m, sizeof(m), 0) != (ssize_t)sizeof(m))
        return vz_error_sys(err, "getrandom");
    m[0] = (uint8_t)((m[0] & 0xfe) | 0x02);
    mac_format(m, out);
    return 0;
}

static int check_entry(const struct vz_netifs *l, const struct vz_netif *n, size_t self, vz_error_t *err)
{
    uint8_t m[6];
    if (!name_ok(n->ifname) || strcmp(n->ifname, "lo") == 0)
        return vz_error_set(err, VZ_EBADARG, 0, "netif ifname '%s': 1 to 15 of A-Z a-z 0-9 _ . -, not lo",
                            n->ifname);
    if (!name_ok(n->host_ifname))
        return vz_error_set(err, VZ_EBADARG, 0, "netif %s: host_ifname '%s': 1 to 15 of A-Z a-z 0-9 _ . -",
                            n->ifname, n->host_ifname);
    if (n->bridge[0] && !name_ok(n->bridge))
        return vz_error_set(err, VZ_EBADARG, 0, "netif %s: bridge '%s': 1 to 15 of A-Z a-z 0-9 _ . -", n->ifname,
                            n->bridge);
    if (mac_parse(n->mac, m) < 0 || mac_parse(n->host_mac, m) < 0)
        return vz_error_set(err, VZ_EBADARG, 0, "netif %s: mac '%s' / host_mac '%s': want a unicast XX:XX:XX:XX:XX:XX",
                            n->ifname, n->mac, n->host_mac);
    for (size_t i = 0; i < l->n; i++) {
        if (i == self)
            continue;
        if (strcmp(l->v[i].ifname, n->ifname) == 0 || strcmp(l->v[i].host_ifname, n->host_ifname) == 0)
            return vz_error_set(err, VZ_EBADARG, 0, "netif %s (host %s): the name is taken by netif %s (host %s)",
                                n->ifname, n->host_ifname, l->v[i].ifname, l->v[i].host_ifname);
    }
    return 0;
}

/* Copy field value [s, s+len) into out (size n); -1 when too long. */
static int field(char *out, size_t n, const char *s, size_t len)
{
    if (len >= n)
        return -1;
    memcpy(out, s, len);
    out[len] = '\0';
    return 0;
}

int vz_netif_parse_conf(const char *val, struct vz_netifs *l, vz_error_t *err)
{
    memset(l, 0, sizeof(*l));
    for (const char *e = val; e && *e;) {
        size_t elen = strcspn(e, ";");
        if (elen == 0) {
            e++;
            continue;
        }
        if (l->n == VZ_NETIF_MAX)
            return vz_error_set(err, VZ_EBADARG, 0, "NETIF: more than %d interfaces", VZ_NETIF_MAX);
        struct vz_netif *n = &l->v[l->n];
        memset(n, 0, sizeof(*n));
        for (const char *f = e; f < e + elen;) {
            size_t flen = strcspn(f, ",;");
            const char *eq = memchr(f, '=', flen);
            if (!eq)
                return vz_error_set(err, VZ_EBADARG, 0, "NETIF: '%.*s' is not KEY=VALUE", (int)flen, f);
            size_t klen = (size_t)(eq - f), vlen = flen - klen - 1;
            const struct { const char *key; char *dst; size_t size; } keys[] = {
                { "ifname", n->ifname, sizeof(n->ifname) }, { "mac", n->mac, sizeof(n->mac) },
                { "host_ifname", n->host_ifname, sizeof(n->host_ifname) },
                { "host_mac", n->host_mac, sizeof(n->host_mac) }, { "bridge", n->bridge, sizeof(n->bridge) },
            };
            size_t k = 0;
            if (klen == 10 && strncmp(f, "mac_filter", 10) == 0) {
                if (vlen == 2 && strncmp(eq + 1, "on", 2) == 0)
                    n->mac_filter = 'y';
                else if (vlen == 3 && strncmp(eq + 1, "off", 3) == 0)
                    n->mac_filter = 'n';
                else
                    return vz_error_set(err, VZ_EBADARG, 0, "NETIF: mac_filter '%.*s': on or off", (int)vlen, eq + 1);
                f += flen + (f[flen] == ',');
                continue;
            }
            while (k < VZ_ARRAY_SIZE(keys) && (strlen(keys[k].key) != klen || strncmp(keys[k].key, f, klen)))
                k++;
            if (k == VZ_ARRAY_SIZE(keys))
                vz_warn("NETIF: ignoring unknown key '%.*s'", (int)klen, f);
            else if (field(keys[k].dst, keys[k].size, eq + 1, vlen) < 0)
                return vz_error_set(err, VZ_EBADARG, 0, "NETIF: %s '%.*s' is too long", keys[k].key, (int)vlen, eq + 1);
            f += flen + (f[flen] == ',');
        }
        if (check_entry(l, n, l->n, err) < 0)
            return vz_error_wrap(err, "NETIF");
        l->n++;
        e += elen;
    }
    return 0;
}

char *vz_netif_format(const struct vz_netifs *l)
{
    struct vz_buf b = VZ_BUF_INIT;
    vz_buf_init(&b);
    for (size_t i = 0; i < l->n; i++) {
        const struct vz_netif *n = &l->v[i];
        vz_buf_addf(&b, "%sifname=%s,mac=%s,host_ifname=%s,host_mac=%s", i ? ";" : "", n->ifname, n->mac,
                    n->host_ifname, n->host_mac);
        if (n->bridge[0])
            vz_buf_addf(&b, ",bridge=%s", n->bridge);
        if (n->mac_filter)
            vz_buf_addf(&b, ",mac_filter=%s", n->mac_filter == 'y' ? "on" : "off");
    }
    return vz_buf_detach(&b, NULL);
}

/* veth<CTID>.<N> (or vz<hash>.<N>), N from 1, not used by another entry. */
static void host_name(const struct vz_netifs *l, const char *ctid, char out[IF_NAMESIZE])
{
    char hex[65];
    vz_sha256_mini_hex(ctid, strlen(ctid), hex); /* not libcrypto: common/sha256mini.h */
    for (unsigned k = 1;; k++) {
        int w = snprintf(out, IF_NAMESIZE, "veth%s.%u", ctid, k);
        if (w < 0 || w >= IF_NAMESIZE)
            snprintf(out, IF_NAMESIZE, "vz%.9s.%u", hex, k);
        size_t i = 0;
        while (i < l->n && strcmp(l->v[i].host_ifname, out) != 0)
            i++;
        if (i == l->n)
            return;
    }
}

int vz_netif_add(struct vz_netifs *l, const char *ctid, const char *arg, vz_error_t *err)
{
    struct vz_netif n;
    memset(&n, 0, sizeof(n));
    char *dst[] = { n.ifname, n.mac, n.host_ifname, n.host_mac, n.bridge };
    const size_t size[] = { sizeof(n.ifname), sizeof(n.mac), sizeof(n.host_ifname), sizeof(n.host_mac),
                            sizeof(n.bridge) };
    const char *p = arg;
    for (size_t k = 0; k < VZ_ARRAY_SIZE(dst); k++) {
        size_t len = strcspn(p, ",");
        if (field(dst[k], size[k], p, len) < 0)
            return vz_error_set(err, VZ_EBADARG, 0, "--netif_add %s: '%.*s' is too long", arg, (int)len, p);
        p += len;
        if (*p == '\0')
            break;
        p++;
        if (k == VZ_ARRAY_SIZE(dst) - 1 || strchr(p, ';'))
            return vz_error_set(err, VZ_EBADARG, 0, "--netif_add %s: want ifname[,mac,host_ifname,host_mac,bridge]", arg);
    }
    if (strchr(arg, ';') || strchr(arg, '='))
        return vz_error_set(err, VZ_EBADARG, 0, "--netif_add %s: want ifname[,mac,host_ifname,host_mac,bridge]", arg);
    size_t self = l->n;
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->v[i].ifname, n.ifname) == 0)
            self = i;
    if (self == l->n && l->n == VZ_NETIF_MAX)
        return vz_error_set(err, VZ_EBADARG, 0, "--netif_add %s: a container has at most %d", arg, VZ_NETIF_MAX);
    if (!n.host_ifname[0]) {
        struct vz_netifs others = *l; /* its own old name may be taken again */
        if (self < others.n)
            others.v[self].host_ifname[0] = '\0';
        host_name(&others, ctid, n.host_ifname);
    }
    if ((!n.mac[0] && mac_random(n.mac, err) < 0) || (!n.host_mac[0] && mac_random(n.host_mac, err) < 0))
        return -1;
    for (char *c = n.mac; *c; c++)
        *c = (char)(*c >= 'a' && *c <= 'f' ? *c - 32 : *c);
    for (char *c = n.host_mac; *c; c++)
        *c = (char)(*c >= 'a' && *c <= 'f' ? *c - 32 : *c);
    char routed[IF_NAMESIZE];
    vz_net_veth_name(ctid, routed);
    if (strcmp(n.host_ifname, routed) == 0)
        return vz_error_set(err, VZ_EBADARG, 0, "--netif_add %s: %s is the routed pair's host end (IP_ADDRESS)", arg,
                            routed);
    if (check_entry(l, &n, self, err) < 0)
        return vz_error_wrap(err, "--netif_add");
    l->v[self] = n;
    if (self == l->n)
        l->n++;
    return 0;
}

int vz_netif_del(struct vz_netifs *l, const char *ifname, vz_error_t *err)
{
    if (strcmp(ifname, "all") == 0) {
        l->n = 0;
        return 0;
    }
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->v[i].ifname, ifname) == 0) {
            memmove(&l->v[i], &l->v[i + 1], (l->n - i - 1) * sizeof(l->v[0]));
            l->n--;
            return 0;
        }
    return vz_error_set(err, VZ_EBADARG, 0, "--netif_del %s: the container has no such interface", ifname);
}

int vz_netif_setup(pid_t pid, const struct vz_netif *n, vz_error_t *err)
{
    uint8_t mac[6], hmac[6];
    if (mac_parse(n->mac, mac) < 0 || mac_parse(n->host_mac, hmac) < 0)
        return vz_error_set(err, VZ_EBADARG, 0, "netif %s: bad MAC address", n->ifname);
    struct vz_nl h, in;
    if (vz_nl_open(&h, 0, err) < 0)
        return -1;
    if (vz_nl_open(&in, pid, err) < 0) {
        vz_nl_close(&h);
        return -1;
    }
    int r = -1, made = 0, br = 0;
    if (n->bridge[0] && (br = vz_nl_ifindex(&h, n->bridge, err)) <= 0) {
        vz_error_wrap(err, "netif %s: bridge %s", n->ifname, n->bridge);
        goto out;
    }
    if (vz_nl_veth_add_mac(&h, n->host_ifname, hmac, n->ifname, mac, pid, err) < 0)
        goto out;
    made = 1;
    if (br && vz_nl_link_master(&h, n->host_ifname, br, err) < 0)
        goto out;
    /* the filter before the port is up: no frame passes unfiltered */
    int hidx;
    if (br && n->mac_filter != 'n' &&
        ((hidx = vz_nl_ifindex(&h, n->host_ifname, err)) <= 0 || vz_nl_brport_filter(&h, hidx, mac, err) < 0)) {
        vz_error_wrap(err, "netif %s: MAC filter (--mac_filter off turns it off)", n->ifname);
        goto out;
    }
    if (vz_nl_link_up(&h, n->host_ifname, err) < 0 || vz_nl_link_up(&in, n->ifname, err) < 0)
        goto out;
    r = 0;
out:
    if (r < 0 && made) {
        vz_error_t e = NULL;
        vz_nl_link_del(&h, n->host_ifname, &e); /* ours: made above */
        vz_error_release(&e);
    }
    vz_nl_close(&h);
    vz_nl_close(&in);
    return r;
}

int vz_netif_remove_live(pid_t pid, const char *ifname, vz_error_t *err)
{
    struct vz_nl in;
    if (vz_nl_open(&in, pid, err) < 0)
        return -1;
    int r = vz_nl_link_del(&in, ifname, err);
    vz_nl_close(&in);
    return r;
}

int vz_netif_start(pid_t pid, const char *netif, vz_error_t *err)
{
    struct vz_netifs l;
    if (vz_netif_parse_conf(netif, &l, err) < 0)
        return -1;
    for (size_t i = 0; i < l.n; i++) {
        if (vz_netif_setup(pid, &l.v[i], err) == 0)
            continue;
        /* the host ends made here: ours (created with NLM_F_EXCL above) */
        struct vz_nl h;
        vz_error_t e = NULL;
        if (vz_nl_open(&h, 0, &e) == 0) {
            for (size_t k = 0; k < i; k++)
                if (vz_nl_link_del(&h, l.v[k].host_ifname, &e) < 0)
                    vz_error_release(&e);
            vz_nl_close(&h);
        }
        vz_error_release(&e);
        return -1;
    }
    return 0;
}
