/* --netif_add / --netif_del (vpscore/netif.h): OpenVZ's NETIF syntax, and
 * veth pairs whose host end joins a bridge, for real: a busybox container
 * started by the vzctl binary, the "host" being a network (and mount)
 * namespace the test makes first, with its own bridge. No interface of the
 * real host is touched and no packet leaves that namespace. */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cache/store.h"
#include "common/common.h"
#include "tests/lib/rootfs.h"
#include "tests/vpscore/bbns.h"
#include "tests/vpscore/fixture.h"
#include "tmplbuild/pack.h"
#include "vpscore/ctconf.h"
#include "vpscore/netif.h"
#include "vpscore/runtime.h"

#define TMPL "bb-1-x86_64-minimal"

/* ---- the syntax ---- */

TestSuite(netif_syntax, .timeout = 300);

Test(netif_syntax, openvz_netif_round_trips)
{
    const char *v = "ifname=eth0,mac=00:18:51:AA:BB:CC,host_ifname=veth101.0,host_mac=00:18:51:DD:EE:FF,"
                    "bridge=vmbr0;ifname=eth1,mac=02:00:00:00:00:01,host_ifname=veth101.1,host_mac=02:00:00:00:00:02";
    struct vz_netifs l;
    vz_error_t err = NULL;
    cr_assert_eq(vz_netif_parse_conf(v, &l, &err), 0, "%s", err ? err->msg : "");
    cr_assert_eq(l.n, 2);
    cr_expect_str_eq(l.v[0].bridge, "vmbr0");
    cr_expect_str_eq(l.v[1].bridge, "");
    cr_expect_str_eq(l.v[1].host_ifname, "veth101.1");
    char *back = vz_netif_format(&l);
    cr_expect_str_eq(back, v);
    free(back);
}

/* OpenVZ's mac_filter key: kept as written, only when it was set. */
Test(netif_syntax, mac_filter_round_trips)
{
    const char *v = "ifname=eth0,mac=02:00:00:00:00:01,host_ifname=veth101.1,host_mac=02:00:00:00:00:02,"
                    "bridge=vmbr0,mac_filter=off;ifname=eth1,mac=02:00:00:00:00:03,host_ifname=veth101.2,"
                    "host_mac=02:00:00:00:00:04,mac_filter=on";
    struct vz_netifs l;
    vz_error_t err = NULL;
    cr_assert_eq(vz_netif_parse_conf(v, &l, &err), 0, "%s", err ? err->msg : "");
    cr_expect_eq(l.v[0].mac_filter, 'n');
    cr_expect_eq(l.v[1].mac_filter, 'y');
    char *back = vz_netif_format(&l);
    cr_expect_str_eq(back, v);
    free(back);
    cr_expect_eq(vz_netif_parse_conf("ifname=eth0,mac=02:00:00:00:00:01,host_ifname=h,host_mac=02:00:00:00:00:02,"
                                     "mac_filter=yes", &l, &err), -1);
    cr_expect_eq(err->status, VZ_EBADARG);
    vz_error_release(&err);
}

Test(netif_syntax, add_fills_in_and_del_removes)
{
    struct vz_netifs l = { .n = 0 };
    vz_error_t err = NULL;
    cr_assert_eq(vz_netif_add(&l, "101", "eth1,,,,vzbr0", &err), 0, "%s", err ? err->msg : "");
    cr_assert_eq(vz_netif_add(&l, "101", "eth2", &err), 0, "%s", err ? err->msg : "");
    cr_assert_eq(l.n, 2);
    cr_expect_str_eq(l.v[0].host_ifname, "veth101.1", "the routed pair has .0");
    cr_expect_str_eq(l.v[1].host_ifname, "veth101.2");
    cr_expect_str_eq(l.v[0].bridge, "vzbr0");
    uint8_t b0 = (uint8_t)strtoul(l.v[0].mac, NULL, 16);
    cr_expect_eq(b0 & 3, 2, "unicast, locally administered: %s", l.v[0].mac);
    cr_expect_str_neq(l.v[0].mac, l.v[0].host_mac);
    /* given parts kept (upper case, as OpenVZ writes them); a long CTID's host name fits */
    cr_assert_eq(vz_netif_add(&l, "101", "eth1,02:aa:bb:cc:dd:ee,myveth,02:aa:bb:cc:dd:ef,br1", &err), 0);
    cr_expect_eq(l.n, 2, "same ifname: replaced");
    cr_expect_str_eq(l.v[0].mac, "02:AA:BB:CC:DD:EE");
    cr_expect_str_eq(l.v[0].host_ifname, "myveth");
    struct vz_netifs m = { .n = 0 };
    cr_assert_eq(vz_netif_add(&m, "a-rather-long-container-id", "eth0", &err), 0);
    cr_expect_lt(strlen(m.v[0].host_ifname), IF_NAMESIZE);
    cr_expect_eq(strncmp(m.v[0].host_ifname, "vz", 2), 0, "%s", m.v[0].host_ifname);
    cr_assert_eq(vz_netif_del(&l, "eth1", &err), 0);
    cr_expect_eq(l.n, 1);
    cr_expect_str_eq(l.v[0].ifname, "eth2");
    cr_expect_eq(vz_netif_del(&l, "eth9", &err), -1);
    cr_expect_eq(err->status, VZ_EBADARG);
    vz_error_release(&err);
    cr_assert_eq(vz_netif_del(&l, "all", &err), 0);
    cr_expect_eq(l.n, 0);
}

Test(netif_syntax, bad_values_are_refused)
{
    const char *bad[] = {
        "lo", "", "eth/1", "eth1,01:00:5e:00:00:01", "eth1,00:00:00:00:00:00", "eth1,zz:00:00:00:00:01",
        "eth1,,veth101.0", /* the routed pair's host end */
        "eth1,,a-name-far-too-long", "eth1,,,,br 0", "eth1,,,,,extra", "ifname=eth1", "eth1;eth2",
        "a-name-far-too-long",
    };
    for (size_t i = 0; i < VZ_ARRAY_SIZE(bad); i++) {
        struct vz_netifs l = { .n = 0 };
        vz_error_t err = NULL;
        cr_expect_eq(vz_netif_add(&l, "101", bad[i], &err), -1, "accepted '%s'", bad[i]);
        if (err) {
            cr_expect_eq(err->status, VZ_EBADARG, "'%s': %s", bad[i], err->msg);
            vz_error_release(&err);
        }
    }
    struct vz_netifs l = { .n = 0 };
    vz_error_t err = NULL;
    cr_assert_eq(vz_netif_add(&l, "101", "eth1,,hostx", &err), 0);
    cr_expect_eq(vz_netif_add(&l, "101", "eth2,,hostx", &err), -1, "two entries share a host name");
    vz_error_release(&err);
}

/* ---- for real ---- */

static char vzroot[64];
static char ctid[32];
static char sysdir[96]; /* a sysfs of this network namespace (/sys shows the real host's) */

static void setup(void)
{
    bbns_setup("nif", TMPL, vzroot, sizeof(vzroot), ctid, sizeof(ctid));
    snprintf(sysdir, sizeof(sysdir), "%s/sys", vzroot);
    cr_assert_eq(mkdir(sysdir, 0755), 0);
    cr_assert_eq(mount("sysfs", sysdir, "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL), 0, "%s", strerror(errno));
    /* this namespace's bridge, with an address the container can reach */
    bbns_bridge("10.77.0.1/24");
}

static void teardown(void)
{
    vz_error_t err = NULL;
    if (vz_ct_init_pid(ctid, NULL) && vz_ct_stop(ctid, 1, &err) < 0)
        vz_error_release(&err);
    if (sysdir[0] && umount2(sysdir, MNT_DETACH) < 0)
        return; /* never rm -rf into a mounted sysfs */
    vz_rm_rf(vzroot, &err);
    vz_error_release(&err);
}

TestSuite(netif, .init = setup, .fini = teardown, .timeout = 300);

static char *sysfs(const char *ifname, const char *file)
{
    cleanup_free char *p = vz_xasprintf("%s/class/net/%s/%s", sysdir, ifname, file);
    char *d = NULL;
    vz_error_t err = NULL;
    if (vz_read_file(p, &d, NULL, &err) < 0) {
        vz_error_release(&err);
        return NULL;
    }
    d[strcspn(d, "\n")] = '\0';
    return d;
}

static char *master_of(const char *ifname)
{
    cleanup_free char *p = vz_xasprintf("%s/class/net/%s/master", sysdir, ifname);
    char buf[256];
    ssize_t n = readlink(p, buf, sizeof(buf) - 1);
    if (n < 0)
        return NULL;
    buf[n] = '\0';
    return vz_xstrdup(strrchr(buf, '/') ? strrchr(buf, '/') + 1 : buf);
}

/* In the container's network namespace: IFNAME's MAC (into mac), then give
 * it 10.77.0.2/24 and serve one TCP greeting on port 7778; the test
 * connects from the "host" side through the bridge. */
static pid_t serve_inside(pid_t init, const char *ifname, int ready)
{
    pid_t p = fork();
    if (p != 0)
        return p;
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)init);
    int ns = open(path, O_RDONLY);
    if (ns < 0 || setns(ns, CLONE_NEWNET) < 0)
        _exit(10);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "ip addr add 10.77.0.2/24 dev %s", ifname);
    if (system(cmd) != 0)
        _exit(11);
    int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(7778) };
    inet_pton(AF_INET, "10.77.0.2", &a.sin_addr);
    if (bind(s, (void *)&a, sizeof(a)) < 0 || listen(s, 1) < 0 || write(ready, "R", 1) != 1)
        _exit(12);
    int f = accept(s, NULL, NULL);
    _exit(f >= 0 && write(f, "via bridge", 10) == 10 ? 0 : 13);
}

static int connect_through_bridge(void)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(7778) };
    inet_pton(AF_INET, "10.77.0.2", &a.sin_addr);
    char buf[16] = { 0 };
    int ok = connect(s, (void *)&a, sizeof(a)) == 0 && read(s, buf, sizeof(buf) - 1) == 10 &&
             strcmp(buf, "via bridge") == 0;
    close(s);
    return ok;
}

Test(netif, veth_on_a_bridge_through_the_cli)
{
    char *out = NULL;
    cr_assert_eq(fx_vzctl(&out, "create", ctid, "--ostemplate", TMPL, "--netif_add", "eth1,,,,vzbr0", NULL),
                 0, "%s", out);
    free(out);
    struct vz_netifs l;
    bbns_one_netif(ctid, &l);
    const struct vz_netif *n = &l.v[0];
    cleanup_free char *host = vz_xasprintf("veth%s.1", ctid);
    cr_assert_str_eq(n->host_ifname, host);

    cr_assert_eq(fx_vzctl(&out, "start", ctid, NULL), 0, "%s", out);
    free(out);
    pid_t init = 0;
    cr_assert(vz_ct_init_pid(ctid, &init));
    cleanup_free char *m = master_of(host), *hmac = sysfs(host, "address");
    cr_assert_not_null(m, "%s is on no bridge", host);
    cr_expect_str_eq(m, "vzbr0");
    cr_expect_eq(strcasecmp(hmac, n->host_mac), 0, "%s vs %s", hmac, n->host_mac);

    int p[2];
    cr_assert_eq(pipe(p), 0);
    pid_t srv = serve_inside(init, "eth1", p[1]);
    close(p[1]);
    char c = 0;
    cr_assert_eq(read(p[0], &c, 1), 1, "the listener inside did not start");
    close(p[0]);
    cr_expect(connect_through_bridge(), "no TCP through vzbr0 to the container's eth1");
    int ws = 0;
    waitpid(srv, &ws, 0);
    cr_expect(WIFEXITED(ws) && WEXITSTATUS(ws) == 0, "listener inside: status %d", ws);

    /* live: a second one joins the bridge, then leaves */
    cr_assert_eq(fx_vzctl(&out, "set", ctid, "--netif_add", "eth2,,,,vzbr0", "--save", NULL), 0, "%s", out);
    free(out);
    cleanup_free char *host2 = vz_xasprintf("veth%s.2", ctid);
    cleanup_free char *m2 = master_of(host2);
    cr_expect_str_eq(m2 ? m2 : "(none)", "vzbr0");
    cr_assert_eq(fx_vzctl(&out, "set", ctid, "--netif_del", "eth2", "--save", NULL), 0, "%s", out);
    free(out);
    cr_expect_eq(if_nametoindex(host2), 0u, "%s still there after --netif_del", host2);
    cr_expect_neq(if_nametoindex(host), 0u, "--netif_del eth2 took %s too", host);

    /* OpenVZ's --ifname IF --host_mac ...: that field of eth1 changed, live */
    char *mod[] = { "vzctl", "set", ctid, "--ifname", "eth1", "--host_mac", "02:11:22:33:44:55", "--save", NULL };
    cr_assert_eq(fx_run(mod, &out), 0, "%s", out);
    free(out);
    cleanup_free char *hmac2 = sysfs(host, "address"), *m3 = master_of(host);
    cr_expect_str_eq(hmac2 ? hmac2 : "(none)", "02:11:22:33:44:55");
    cr_expect_str_eq(m3 ? m3 : "(none)", "vzbr0");
    struct vz_ct ct;
    vz_error_t err = NULL;
    cr_assert_eq(vz_ct_load(ctid, &ct, &err), 0);
    cr_expect_not_null(strstr(vz_conf_get(&ct.conf, "NETIF"), "host_mac=02:11:22:33:44:55,bridge=vzbr0"), "%s",
                       vz_conf_get(&ct.conf, "NETIF"));
    vz_ct_release(&ct);
    cr_expect_eq(fx_vzctl(&out, "set", ctid, "--mac", "02:11:22:33:44:56", "--save", NULL),
                 20, "--mac without --ifname: %s", out);
    free(out);
    cr_expect_eq(fx_vzctl(&out, "set", ctid, "--ifname", "eth7", "--save", NULL), 21, "%s", out);
    free(out);

    cr_assert_eq(fx_vzctl(&out, "stop", ctid, "--fast", NULL), 0, "%s", out);
    free(out);
    /* the pair goes with the container's namespace (the kernel's cleanup
     * runs after the namespace's last user: wait for it) */
    for (int i = 0; i < 500 && if_nametoindex(host) != 0; i++)
        usleep(10000);
    cr_expect_eq(if_nametoindex(host), 0u, "%s left after stop", host);
    cr_expect_neq(if_nametoindex("vzbr0"), 0u);
}

/* A conf whose host_ifname names a link the host has (the bridge itself):
 * the start fails with 34 and that link is still there afterwards. */
Test(netif, host_name_of_an_existing_link_is_not_taken_over)
{
    char *out = NULL;
    cr_assert_eq(fx_vzctl(&out, "create", ctid, "--ostemplate", TMPL, "--netif_add", "eth1,,vzbr0,,vzbr0", NULL),
                 0, "%s", out);
    free(out);
    cr_assert_eq(fx_vzctl(&out, "start", ctid, NULL), 34, "%s", out);
    free(out);
    cr_expect_neq(if_nametoindex("vzbr0"), 0u, "the host's bridge was deleted");
    cr_expect(!vz_ct_init_pid(ctid, NULL), "left running");
    /* a bridge that does not exist: 34 as well, nothing left */
    cr_assert_eq(fx_vzctl(&out, "set", ctid, "--netif_del", "all", "--save", NULL), 0, "%s", out);
    free(out);
    cr_assert_eq(fx_vzctl(&out, "set", ctid, "--netif_add", "eth1,,,,nosuchbr", "--save", NULL), 0, "%s", out);
    free(out);
    cr_assert_eq(fx_vzctl(&out, "start", ctid, NULL), 34, "%s", out);
    cr_expect_not_null(strstr(out, "nosuchbr"), "%s", out);
    free(out);
    cleanup_free char *host = vz_xasprintf("veth%s.1", ctid);
    cr_expect_eq(if_nametoindex(host), 0u);
}
