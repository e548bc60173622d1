/* vpscore/net.c: veth pair + routed addresses through iproute2 (net.h). */
#include "vpscore/net.h"
#include "vpscore/rootfs.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define VZ_NET_GW6 "fe80::1"

void vz_net_veth_name(const char *ctid, char out[IF_NAMESIZE])
{
    if (strlen(ctid) + strlen("veth.0") < IF_NAMESIZE) {
        snprintf(out, IF_NAMESIZE, "veth%s.0", ctid);
        return;
    }
    char hex[65];
    vz_sha256_hex(ctid, strlen(ctid), hex);
    snprintf(out, IF_NAMESIZE, "vz%.10s.0", hex);
}

static int is_v6(const char *ip) { return strchr(ip, ':') != NULL; }

int vz_net_ip_check(const char *ip, vz_error_t *err)
{
    unsigned char a[16];
    if (ip == NULL || *ip == '\0')
        return vz_error_set(err, VZ_EBADARG, 0, "empty IP address");
    if (is_v6(ip)) {
        if (inet_pton(AF_INET6, ip, a) != 1)
            return vz_error_set(err, VZ_EBADARG, 0, "'%s' is not an IPv6 address", ip);
        static const unsigned char zero[16], lo[16] = { [15] = 1 };
        if (!memcmp(a, zero, 16) || !memcmp(a, lo, 16) || a[0] == 0xff)
            return vz_error_set(err, VZ_EBADARG, 0, "%s: unspecified, loopback or multicast", ip);
        return 0;
    }
    if (inet_pton(AF_INET, ip, a) != 1)
        return vz_error_set(err, VZ_EBADARG, 0,
                            "'%s' is not an IPv4 address (dotted quad, no /prefix)", ip);
    if (a[0] == 0 || a[0] == 127 || a[0] >= 224)
        return vz_error_set(err, VZ_EBADARG, 0, "%s: unspecified, loopback, multicast or reserved", ip);
    return 0;
}

/* Run `ip -batch -` with script on stdin; inside the network namespace of
 * pid when pid > 0 (setns in the forked child, then exec). */
static int ip_batch(pid_t pid, const char *script, int ignore_errors, vz_error_t *err)
{
    int ns = -1;
    if (pid > 0) {
        char p[64];
        snprintf(p, sizeof(p), "/proc/%d/ns/net", (int)pid);
        ns = open(p, O_RDONLY | O_CLOEXEC);
        if (ns < 0)
            return vz_error_sys(err, "open %s (is the container running?)", p);
    }
    int in[2], errp[2];
    if (pipe2(in, O_CLOEXEC) < 0) {
        if (ns >= 0)
            close(ns);
        return vz_error_sys(err, "pipe");
    }
    if (pipe2(errp, O_CLOEXEC) < 0) {
        close(in[0]);
        close(in[1]);
        if (ns >= 0)
            close(ns);
        return vz_error_sys(err, "pipe");
    }
    pid_t c = fork();
    if (c < 0) {
        int e = errno;
        close(in[0]), close(in[1]), close(errp[0]), close(errp[1]);
        if (ns >= 0)
            close(ns);
        return vz_error_set(err, VZ_ESYSTEM, e, "fork");
    }
    if (c == 0) {
        if (ns >= 0 && setns(ns, CLONE_NEWNET) < 0)
            _exit(125);
        dup2(in[0], 0);
        dup2(errp[1], 1);
        dup2(errp[1], 2);
        char *force[] = { "ip", "-force", "-batch", "-", NULL };
        char *strict[] = { "ip", "-batch", "-", NULL };
        execvp("ip", ignore_errors ? force : strict);
        _exit(127);
    }
    if (ns >= 0)
        close(ns);
    close(in[0]);
    close(errp[1]);
    size_t len = strlen(script), off = 0;
    while (off < len) {
        ssize_t w = write(in[1], script + off, len - off);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        off += (size_t)w;
    }
    close(in[1]);
    struct vz_buf out = VZ_BUF_INIT;
    vz_buf_init(&out);
    char buf[1024];
    ssize_t n;
    while ((n = read(errp[0], buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR))
        if (n > 0)
            vz_buf_add(&out, buf, (size_t)n);
    close(errp[0]);
    int st = 0;
    while (waitpid(c, &st, 0) < 0 && errno == EINTR)
        ;
    int r = 0;
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        while (out.len && out.data[out.len - 1] == '\n')
            out.data[--out.len] = '\0';
        if (WIFEXITED(st) && WEXITSTATUS(st) == 125)
            r = vz_error_set(err, VZ_EIPADD, 0, "cannot enter the network namespace of pid %d", (int)pid);
        else if (WIFEXITED(st) && WEXITSTATUS(st) == 127)
            r = vz_error_set(err, VZ_EIPADD, 0, "cannot run 'ip' (install iproute2)");
        else if (!ignore_errors)
            r = vz_error_set(err, VZ_EIPADD, 0, "ip%s: %s", pid > 0 ? " (in the container)" : "",
                             out.len ? out.data : "failed");
    }
    vz_buf_release(&out);
    return r;
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

/* Batch lines for one address: inside (address on eth0) and on the host
 * (route to it). No "-6" in batch mode: ip infers the family. */
static void ip_lines(struct vz_buf *host, struct vz_buf *in, const char *veth, const char *ip, int add)
{
    const char *plen = is_v6(ip) ? "128" : "32";
    /* nodad: the address is usable at once (a container's address is
     * unique by the admin's plan; DAD would make binding fail for ~1 s) */
    if (in)
        vz_buf_addf(in, "addr %s %s/%s dev eth0%s\n", add ? "add" : "del", ip, plen,
                    add && is_v6(ip) ? " nodad" : "");
    if (host)
        vz_buf_addf(host, "route %s %s/%s dev %s\n", add ? "replace" : "del", ip, plen, veth);
}

int vz_net_setup(const char *ctid, pid_t pid, char *const *ips, vz_error_t *err)
{
    char veth[IF_NAMESIZE];
    vz_net_veth_name(ctid, veth);
    for (size_t i = 0; ips && ips[i]; i++)
        if (vz_net_ip_check(ips[i], err) < 0)
            return -1;
    struct vz_buf host = VZ_BUF_INIT, in = VZ_BUF_INIT;
    vz_buf_init(&host);
    vz_buf_init(&in);
    vz_buf_addf(&host, "link add %s type veth peer name eth0 netns %d\n", veth, (int)pid);
    vz_buf_addf(&host, "link set %s up\n", veth);
    vz_buf_adds(&in, "link set lo up\nlink set eth0 up\nroute add default dev eth0\n");
    int have6 = 0;
    for (size_t i = 0; ips && ips[i]; i++)
        have6 |= is_v6(ips[i]);
    /* IPv6: the host side gets the link-local fe80::1 (the same on every
     * veth: it is per link), the container routes through it; no proxy NDP */
    if (have6) {
        vz_buf_addf(&host, "addr replace " VZ_NET_GW6 "/64 dev %s nodad\n", veth);
        vz_buf_adds(&in, "route replace default via " VZ_NET_GW6 " dev eth0\n");
    }
    /* addresses inside, routes on the host */
    struct vz_buf routes = VZ_BUF_INIT;
    vz_buf_init(&routes);
    for (size_t i = 0; ips && ips[i]; i++)
        ip_lines(&routes, &in, veth, ips[i], 1);
    int r = ip_batch(0, host.data, 0, err);
    if (r == 0) {
        cleanup_free char *pa = vz_xasprintf("/proc/sys/net/ipv4/conf/%s/proxy_arp", veth);
        cleanup_free char *fw = vz_xasprintf("/proc/sys/net/ipv4/conf/%s/forwarding", veth);
        if (write_sysctl(pa, "1", err) < 0 || write_sysctl(fw, "1", err) < 0)
            r = -1;
        if (r == 0)
            r = ip_batch(pid, in.data, 0, err);
        if (r == 0 && routes.len)
            r = ip_batch(0, routes.data, 0, err);
        if (r < 0) {
            vz_error_t e = NULL;
            vz_net_teardown(ctid, &e);
            vz_error_release(&e);
        }
    }
    vz_buf_release(&host);
    vz_buf_release(&in);
    vz_buf_release(&routes);
    if (r < 0)
        return vz_error_wrap(err, "network of container %s (%s)", ctid, veth);
    return 0;
}

int vz_net_add_ip(const char *ctid, pid_t pid, const char *ip, vz_error_t *err)
{
    if (vz_net_ip_check(ip, err) < 0)
        return -1;
    if (!vz_net_exists(ctid)) {
        char *ips[] = { (char *)ip, NULL };
        return vz_net_setup(ctid, pid, ips, err);
    }
    char veth[IF_NAMESIZE];
    vz_net_veth_name(ctid, veth);
    struct vz_buf host = VZ_BUF_INIT, in = VZ_BUF_INIT;
    vz_buf_init(&host);
    vz_buf_init(&in);
    ip_lines(&host, &in, veth, ip, 1);
    if (is_v6(ip)) {
        vz_buf_addf(&host, "addr replace " VZ_NET_GW6 "/64 dev %s nodad\n", veth);
        vz_buf_adds(&in, "route replace default via " VZ_NET_GW6 " dev eth0\n");
    }
    int r = ip_batch(pid, in.data, 0, err);
    if (r == 0)
        r = ip_batch(0, host.data, 0, err);
    vz_buf_release(&host);
    vz_buf_release(&in);
    if (r < 0)
        return vz_error_wrap(err, "add %s to container %s", ip, ctid);
    return 0;
}

int vz_net_del_ip(const char *ctid, pid_t pid, const char *ip, vz_error_t *err)
{
    if (vz_net_ip_check(ip, err) < 0)
        return -1;
    char veth[IF_NAMESIZE];
    vz_net_veth_name(ctid, veth);
    struct vz_buf host = VZ_BUF_INIT, in = VZ_BUF_INIT;
    vz_buf_init(&host);
    vz_buf_init(&in);
    ip_lines(&host, &in, veth, ip, 0);
    /* -force: an address already gone is not an error on removal */
    int r = ip_batch(0, host.data, 1, err);
    if (r == 0 && pid > 0)
        r = ip_batch(pid, in.data, 1, err);
    vz_buf_release(&host);
    vz_buf_release(&in);
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
    cleanup_free char *cmd = vz_xasprintf("link del %s\n", veth);
    if (ip_batch(0, cmd, 0, err) < 0) {
        /* the kernel removes the pair when the container's namespace dies,
         * asynchronously: it may vanish between the check and the delete */
        if (!vz_net_exists(ctid)) {
            vz_error_release(err);
            return 0;
        }
        return vz_error_wrap(err, "remove network of container %s", ctid);
    }
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
