/* veth networking, entirely inside a network namespace each test makes
 * first (unshare(CLONE_NEWNET) in the test's own process): the "host" is
 * that namespace, each "container" a child in a further namespace. No
 * interface of the real host is touched and no packet leaves. */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/common.h"
#include "vpscore/net.h"
#include "vpscore/rootfs.h"

#define PORT 7777

struct ct {
    pid_t pid;
    int cmd;   /* write commands */
    int reply; /* read replies */
};

static void child_loop(int cmd, int reply)
{
    char c;
    while (read(cmd, &c, 1) == 1) {
        if (c == 'L') { /* listen on any address, serve one greeting */
            int s = socket(AF_INET, SOCK_STREAM, 0);
            int one = 1;
            setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
            struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(PORT) };
            if (bind(s, (void *)&a, sizeof(a)) < 0 || listen(s, 4) < 0)
                _exit(2);
            if (write(reply, "R", 1) != 1)
                _exit(2);
            int f = accept(s, NULL, NULL);
            if (f < 0 || write(f, "hello from ct", 13) != 13)
                _exit(3);
            close(f);
            close(s);
        } else if (c == 'M') { /* the same on IPv6 */
            int s = socket(AF_INET6, SOCK_STREAM, 0);
            int one = 1;
            setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
            struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_port = htons(PORT) };
            if (bind(s, (void *)&a, sizeof(a)) < 0 || listen(s, 4) < 0)
                _exit(2);
            if (write(reply, "R", 1) != 1)
                _exit(2);
            int f = accept(s, NULL, NULL);
            if (f < 0 || write(f, "hello from ct", 13) != 13)
                _exit(3);
            close(f);
            close(s);
        } else if (c == 'C') { /* connect to the 4-byte IPv4 address that follows */
            struct in_addr ip;
            if (read(cmd, &ip, 4) != 4)
                _exit(4);
            int s = socket(AF_INET, SOCK_STREAM, 0);
            struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(PORT), .sin_addr = ip };
            char buf[32] = { 0 };
            char ok = 'N';
            if (connect(s, (void *)&a, sizeof(a)) == 0 && read(s, buf, sizeof(buf) - 1) == 13 &&
                strcmp(buf, "hello from ct") == 0)
                ok = 'Y';
            close(s);
            if (write(reply, &ok, 1) != 1)
                _exit(5);
        } else
            _exit(0);
    }
    _exit(0);
}

static struct ct spawn_ct(void)
{
    int c[2], r[2];
    cr_assert_eq(pipe(c), 0);
    cr_assert_eq(pipe(r), 0);
    pid_t p = fork();
    cr_assert_geq(p, 0);
    if (p == 0) {
        close(c[1]);
        close(r[0]);
        if (unshare(CLONE_NEWNET) < 0)
            _exit(1);
        if (write(r[1], "U", 1) != 1)
            _exit(1);
        child_loop(c[0], r[1]);
    }
    close(c[0]);
    close(r[1]);
    char u = 0;
    cr_assert_eq(read(r[0], &u, 1), 1);
    cr_assert_eq(u, 'U');
    return (struct ct){ p, c[1], r[0] };
}

static void stop_ct(struct ct *ct)
{
    kill(ct->pid, SIGKILL);
    waitpid(ct->pid, NULL, 0);
    close(ct->cmd);
    close(ct->reply);
}

static char *run_out(char *const argv[])
{
    struct vz_buf out = VZ_BUF_INIT;
    vz_buf_init(&out);
    vz_error_t err = NULL;
    struct vz_run_opts o = { .out = &out, .errbuf = &out };
    cr_assert_eq(vz_run_ok(argv, &o, &err), 0, "%s", err ? err->msg : "");
    return vz_buf_detach(&out, NULL);
}

static void in_test_netns(void)
{
    cr_assert_eq(unshare(CLONE_NEWNET), 0, "unshare(CLONE_NEWNET): %s (tests need root)", strerror(errno));
    vz_error_t err = NULL;
    /* the "host" address: on lo of the test's namespace */
    char *a1[] = { "ip", "link", "set", "lo", "up", NULL };
    char *a2[] = { "ip", "addr", "add", "10.55.9.1/32", "dev", "lo", NULL };
    cr_assert_eq(vz_run_ok(a1, NULL, &err), 0);
    cr_assert_eq(vz_run_ok(a2, NULL, &err), 0);
}

TestSuite(net, .init = in_test_netns, .timeout = 300);

Test(net, veth_name_fits_ifnamsiz)
{
    char n[IF_NAMESIZE];
    vz_net_veth_name("101", n);
    cr_assert_str_eq(n, "veth101.0");
    vz_net_veth_name("a-very-long-container-name", n);
    cr_assert_eq(strncmp(n, "vz", 2), 0);
    cr_assert_eq(strlen(n), 14);
}

Test(net, ip_check)
{
    vz_error_t err = NULL;
    cr_assert_eq(vz_net_ip_check("10.0.0.1", &err), 0);
    cr_assert_eq(vz_net_ip_check("fd00::5", &err), 0);
    const char *bad[] = { "", "10.0.0.1/24", "300.1.1.1", "127.0.0.1", "0.0.0.0", "224.0.0.1",
                          "::1", "host", "10.0.0.1; reboot" };
    for (size_t i = 0; i < VZ_ARRAY_SIZE(bad); i++) {
        cr_assert_lt(vz_net_ip_check(bad[i], &err), 0, "%s accepted", bad[i]);
        cr_assert_eq(err->status, VZ_EBADIP);
        vz_error_release(&err);
    }
}

/* --ipadd ADDR/PREFIX and ADDR/NETMASK, as OpenVZ takes them. */
Test(net, address_specs)
{
    static const struct { const char *in, *ip; int plen; } ok[] = {
        { "10.0.0.2", "10.0.0.2", 32 }, { "10.0.0.2/24", "10.0.0.2", 24 },
        { "10.0.0.2/255.255.255.0", "10.0.0.2", 24 }, { "10.0.0.2/0", "10.0.0.2", 0 },
        { "fd00::5/64", "fd00::5", 64 }, { "fd00::5", "fd00::5", 128 },
    };
    vz_error_t err = NULL;
    for (size_t i = 0; i < VZ_ARRAY_SIZE(ok); i++) {
        char ip[64];
        int plen = -1;
        cr_assert_eq(vz_net_addr_parse(ok[i].in, ip, sizeof(ip), &plen, &err), 0, "%s: %s", ok[i].in,
                     err ? err->msg : "");
        cr_assert_str_eq(ip, ok[i].ip);
        cr_assert_eq(plen, ok[i].plen, "%s", ok[i].in);
    }
    static const char *const bad[] = { "10.0.0.2/33", "10.0.0.2/", "10.0.0.2/255.0.255.0", "fd00::5/129",
                                       "fd00::5/255.255.255.0", "127.0.0.1/8", "10.0.0.2/24x", "/24" };
    for (size_t i = 0; i < VZ_ARRAY_SIZE(bad); i++) {
        char ip[64];
        int plen;
        cr_assert_lt(vz_net_addr_parse(bad[i], ip, sizeof(ip), &plen, &err), 0, "%s accepted", bad[i]);
        cr_assert_eq(err->status, VZ_EBADIP);
        vz_error_release(&err);
    }
    cr_assert(vz_net_addr_same("10.0.0.2/24", "10.0.0.2"));
    cr_assert(!vz_net_addr_same("10.0.0.2", "10.0.0.22"));
}

/* A prefix is what the container sees on its link; the host still routes
 * only the address to it. */
Test(net, prefix_inside_and_host_routes_only_the_address)
{
    struct ct a = spawn_ct();
    vz_error_t err = NULL;
    char *ips[] = { "10.55.0.7/24", NULL };
    cr_assert_eq(vz_net_setup("101", a.pid, ips, &err), 0, "%s", err ? err->msg : "");
    char pidarg[32];
    snprintf(pidarg, sizeof(pidarg), "%d", (int)a.pid);
    char *r2[] = { "nsenter", "-t", pidarg, "-n", "ip", "-4", "addr", "show", "dev", "eth0", NULL };
    char *out = run_out(r2);
    cr_assert_not_null(strstr(out, "inet 10.55.0.7/24"), "container addresses: %s", out);
    free(out);
    char *r1[] = { "ip", "-4", "route", "show", "dev", "veth101.0", NULL };
    out = run_out(r1);
    cr_assert_not_null(strstr(out, "10.55.0.7 "), "host route: %s", out);
    cr_assert_null(strstr(out, "10.55.0.0/24"), "the host routes the whole prefix: %s", out);
    free(out);
    cr_assert_eq(vz_net_del_ip("101", a.pid, "10.55.0.7/24", &err), 0, "%s", err ? err->msg : "");
    out = run_out(r2);
    cr_assert_null(strstr(out, "10.55.0.7"), "address still there: %s", out);
    free(out);
    cr_assert_eq(vz_net_teardown("101", &err), 0, "%s", err ? err->msg : "");
    stop_ct(&a);
}

Test(net, container_answers_on_its_address_and_ipdel_removes)
{
    struct ct a = spawn_ct();
    vz_error_t err = NULL;
    char *ips[] = { "10.55.0.2", "10.55.0.3", NULL };
    cr_assert_eq(vz_net_setup("101", a.pid, ips, &err), 0, "%s", err ? err->msg : "");
    cr_assert(vz_net_exists("101"));
    char *r1[] = { "ip", "route", "show", "10.55.0.2", NULL };
    char *out = run_out(r1);
    cr_assert_not_null(strstr(out, "10.55.0.2 dev veth101.0"), "host route: %s", out);
    free(out);
    char pidarg[32];
    snprintf(pidarg, sizeof(pidarg), "%d", (int)a.pid);
    char *r2[] = { "nsenter", "-t", pidarg, "-n", "ip", "-4", "addr", "show", "dev", "eth0", NULL };
    out = run_out(r2);
    cr_assert_not_null(strstr(out, "inet 10.55.0.2/32"), "container addresses: %s", out);
    cr_assert_not_null(strstr(out, "inet 10.55.0.3/32"), "container addresses: %s", out);
    free(out);

    /* TCP from the test's namespace (the host) to the container */
    cr_assert_eq(write(a.cmd, "L", 1), 1);
    char c = 0;
    cr_assert_eq(read(a.reply, &c, 1), 1);
    cr_assert_eq(c, 'R');
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(PORT) };
    inet_pton(AF_INET, "10.55.0.3", &sa.sin_addr);
    cr_assert_eq(connect(s, (void *)&sa, sizeof(sa)), 0, "connect to the container: %s", strerror(errno));
    char buf[32] = { 0 };
    cr_assert_eq(read(s, buf, sizeof(buf) - 1), 13);
    cr_assert_str_eq(buf, "hello from ct");
    close(s);

    cr_assert_eq(vz_net_del_ip("101", a.pid, "10.55.0.3", &err), 0, "%s", err ? err->msg : "");
    out = run_out(r2);
    cr_assert_null(strstr(out, "10.55.0.3"), "address still there: %s", out);
    cr_assert_not_null(strstr(out, "10.55.0.2"), "%s", out);
    free(out);
    char *r3[] = { "ip", "route", "show", NULL };
    out = run_out(r3);
    cr_assert_null(strstr(out, "10.55.0.3"), "route still there: %s", out);
    free(out);
    cr_assert_eq(vz_net_del_ip("101", a.pid, "10.55.0.3", &err), 0, "removing twice is fine");

    cr_assert_eq(vz_net_teardown("101", &err), 0, "%s", err ? err->msg : "");
    cr_assert_not(vz_net_exists("101"));
    cr_assert_eq(vz_net_teardown("101", &err), 0, "teardown of a missing pair is fine");
    stop_ct(&a);
}

Test(net, ipv6_host_reaches_container_via_link_local_gateway)
{
    vz_error_t err = NULL;
    char *a3[] = { "ip", "-6", "addr", "add", "fd00:55:9::1/128", "dev", "lo", NULL };
    cr_assert_eq(vz_run_ok(a3, NULL, &err), 0, "%s", err ? err->msg : "");
    struct ct a = spawn_ct();
    char *ips[] = { "10.55.0.31", "fd00:55::31", NULL };
    cr_assert_eq(vz_net_setup("401", a.pid, ips, &err), 0, "%s", err ? err->msg : "");
    cr_assert_eq(write(a.cmd, "M", 1), 1);
    char c = 0;
    cr_assert_eq(read(a.reply, &c, 1), 1);
    cr_assert_eq(c, 'R');
    int s = socket(AF_INET6, SOCK_STREAM, 0);
    struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_port = htons(PORT) };
    inet_pton(AF_INET6, "fd00:55::31", &sa.sin6_addr);
    cr_assert_eq(connect(s, (void *)&sa, sizeof(sa)), 0, "connect over IPv6: %s", strerror(errno));
    char buf[32] = { 0 };
    cr_assert_eq(read(s, buf, sizeof(buf) - 1), 13);
    cr_assert_str_eq(buf, "hello from ct");
    close(s);
    /* a second v6 address on the running container, then removed */
    cr_assert_eq(vz_net_add_ip("401", a.pid, "fd00:55::32", &err), 0, "%s", err ? err->msg : "");
    cr_assert_eq(vz_net_del_ip("401", a.pid, "fd00:55::32", &err), 0, "%s", err ? err->msg : "");
    char *r6[] = { "ip", "-6", "route", "show", NULL };
    char *out = run_out(r6);
    cr_assert_not_null(strstr(out, "fd00:55::31 dev veth401.0"), "%s", out);
    cr_assert_null(strstr(out, "fd00:55::32"), "%s", out);
    free(out);
    stop_ct(&a);
}

Test(net, two_containers_reach_each_other)
{
    struct ct a = spawn_ct(), b = spawn_ct();
    vz_error_t err = NULL;
    char *ipa[] = { "10.55.0.11", NULL };
    cr_assert_eq(vz_net_setup("201", a.pid, ipa, &err), 0, "%s", err ? err->msg : "");
    cr_assert_eq(vz_net_add_ip("202", b.pid, "10.55.0.12", &err), 0, "%s", err ? err->msg : "");
    cr_assert(vz_net_exists("202"), "add_ip on a container without veth creates it");
    cr_assert_eq(write(a.cmd, "L", 1), 1);
    char c = 0;
    cr_assert_eq(read(a.reply, &c, 1), 1);
    struct in_addr ip;
    inet_pton(AF_INET, "10.55.0.11", &ip);
    cr_assert_eq(write(b.cmd, "C", 1), 1);
    cr_assert_eq(write(b.cmd, &ip, 4), 4);
    cr_assert_eq(read(b.reply, &c, 1), 1);
    cr_assert_eq(c, 'Y', "container 202 could not reach 201");
    stop_ct(&a);
    stop_ct(&b);
    /* the kernel removes a pair with its namespace */
    for (int i = 0; i < 200 && (vz_net_exists("201") || vz_net_exists("202")); i++)
        usleep(10000);
    cr_assert_not(vz_net_exists("201"));
    cr_assert_not(vz_net_exists("202"));
}

Test(net, setup_failure_leaves_no_veth)
{
    vz_error_t err = NULL;
    /* a dead pid: the pair cannot be created in its namespace */
    pid_t p = fork();
    if (p == 0)
        _exit(0);
    waitpid(p, NULL, 0);
    char *ips[] = { "10.55.0.21", NULL };
    cr_assert_lt(vz_net_setup("301", p, ips, &err), 0);
    cr_assert_eq(err->status, VZ_EIPADD);
    cr_assert_not_null(strstr(err->msg, "network of container 301 (veth301.0)"), "%s", err->msg);
    vz_error_release(&err);
    cr_assert_not(vz_net_exists("301"));
}

Test(net, resolv_conf_written_inside_root)
{
    char tmp[] = "/tmp/vzt-net-XXXXXX";
    cr_assert_not_null(mkdtemp(tmp));
    vz_error_t err = NULL;
    char *ns[] = { "10.55.9.53", "10.55.9.54", NULL };
    char *sd[] = { "example.test", NULL };
    /* etc is an absolute symlink: seen from the host it points at the
     * host's /etc; resolved inside the root it is TMP/real-etc */
    char *etc = vz_path_join(tmp, "etc");
    char *inner = vz_path_join(tmp, "real-etc");
    cr_assert_eq(symlink("/real-etc", etc), 0);
    cr_assert_eq(mkdir(inner, 0755), 0);
    cr_assert_eq(vz_net_write_resolv(tmp, ns, sd, &err), 0, "%s", err ? err->msg : "");
    char *data = NULL;
    cr_assert_eq(vz_rootfs_read(tmp, "etc/resolv.conf", &data, NULL, &err), 0);
    cr_assert_str_eq(data, "# written by vzctl (NAMESERVER, SEARCHDOMAIN of the container's conf)\n"
                           "search example.test\nnameserver 10.55.9.53\nnameserver 10.55.9.54\n");
    free(data);
    char *landed = vz_path_join(inner, "resolv.conf");
    cr_assert(vz_file_exists(landed), "the write did not land inside the root");
    free(landed);
    data = NULL;
    int host_ours = vz_read_file("/etc/resolv.conf", &data, NULL, &err) == 0 && strstr(data, "written by vzctl");
    free(data);
    vz_error_release(&err);
    cr_assert_not(host_ours, "host /etc/resolv.conf was written");
    vz_rm_rf(tmp, &err);
    free(etc);
    free(inner);
}
