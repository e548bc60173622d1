/* --mac_filter (vpscore/netif.h) for real: a busybox container whose eth1
 * is on a bridge of a network namespace the test makes (bbns.h: nothing of
 * the real host's network is touched). From inside the container's network
 * namespace, as its root would, the test sends raw Ethernet frames, one
 * with a spoofed source MAC and one with the interface's own, and watches
 * the bridge on the "host" side: with the filter on (the default) only the
 * own one arrives; with --mac_filter off both do. */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/common.h"
#include "tests/vpscore/bbns.h"
#include "tests/vpscore/fixture.h"
#include "vpscore/ctconf.h"
#include "vpscore/netif.h"
#include "vpscore/runtime.h"

#define TMPL "bb-1-x86_64-minimal"
#define ETYPE 0x88B5 /* IEEE 802 local experimental: nothing else sends it */

static char vzroot[64];
static char ctid[32];

static void setup(void)
{
    bbns_setup("mf", TMPL, vzroot, sizeof(vzroot), ctid, sizeof(ctid));
    bbns_bridge(NULL);
}

static void teardown(void) { bbns_teardown(vzroot, ctid); }

TestSuite(macfilter, .init = setup, .fini = teardown, .timeout = 300);

static void mac_of(const char *s, uint8_t m[6])
{
    unsigned b[6];
    cr_assert_eq(sscanf(s, "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5]), 6, "%s", s);
    for (int i = 0; i < 6; i++)
        m[i] = (uint8_t)b[i];
}

/* The container's eth1 MAC, from its conf. */
static void ct_mac(uint8_t m[6])
{
    struct vz_netifs l;
    bbns_one_netif(ctid, &l);
    mac_of(l.v[0].mac, m);
}

/* In the network namespace of the container's init, as its root: a
 * broadcast frame from src out of eth1 with payload tag. */
static void send_from_inside(const uint8_t src[6], const char *tag)
{
    pid_t init = 0;
    cr_assert(vz_ct_init_pid(ctid, &init));
    pid_t p = fork();
    cr_assert_geq(p, 0);
    if (p == 0) {
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)init);
        int ns = open(path, O_RDONLY);
        if (ns < 0 || setns(ns, CLONE_NEWNET) < 0)
            _exit(10);
        int s = socket(AF_PACKET, SOCK_RAW, htons(ETYPE));
        unsigned idx = if_nametoindex("eth1");
        if (s < 0 || idx == 0)
            _exit(11);
        unsigned char f[64] = { 0 };
        memset(f, 0xff, 6);
        memcpy(f + 6, src, 6);
        f[12] = ETYPE >> 8;
        f[13] = ETYPE & 0xff;
        snprintf((char *)f + 14, sizeof(f) - 14, "%s", tag);
        struct sockaddr_ll to = { .sll_family = AF_PACKET, .sll_ifindex = (int)idx, .sll_halen = 6 };
        memset(to.sll_addr, 0xff, 6);
        _exit(sendto(s, f, sizeof(f), 0, (struct sockaddr *)&to, sizeof(to)) == (ssize_t)sizeof(f) ? 0 : 12);
    }
    int st = 0;
    cr_assert_eq(waitpid(p, &st, 0), p);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "sending %s from inside: status %d", tag, st);
}

/* What reaches the bridge device: a spoofed frame, then a real one, sent
 * in that order from the same port; reading until the real one arrives
 * says whether the spoofed one got through (no waiting on an absence). */
static int spoofed_frame_passes(void)
{
    int s = socket(AF_PACKET, SOCK_RAW, htons(ETYPE));
    cr_assert_geq(s, 0, "%m");
    struct sockaddr_ll at = { .sll_family = AF_PACKET, .sll_protocol = htons(ETYPE),
                              .sll_ifindex = (int)if_nametoindex("vzbr0") };
    cr_assert_eq(bind(s, (struct sockaddr *)&at, sizeof(at)), 0, "%m");
    struct timeval tv = { .tv_sec = 60 }; /* only the failure case waits */
    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    uint8_t own[6], fake[6] = { 0x02, 0x66, 0x61, 0x6b, 0x65, 0x01 };
    ct_mac(own);
    send_from_inside(fake, "vzt-spoofed");
    send_from_inside(own, "vzt-real");
    int spoofed = 0, real = 0;
    while (!real) {
        unsigned char f[128];
        ssize_t n = recv(s, f, sizeof(f), 0);
        cr_assert_gt(n, 14, "the frame with the container's own MAC never reached the bridge: %m");
        if (strcmp((char *)f + 14, "vzt-real") == 0) {
            real = 1;
            cr_assert_eq(memcmp(f + 6, own, 6), 0);
        } else if (strcmp((char *)f + 14, "vzt-spoofed") == 0) {
            spoofed = 1;
        }
    }
    close(s);
    return spoofed;
}

Test(macfilter, spoofed_source_mac_is_dropped_unless_turned_off)
{
    char *out = NULL;
    cr_assert_eq(fx_vzctl(&out, "create", ctid, "--ostemplate", TMPL, "--netif_add", "eth1,,,,vzbr0", NULL),
                 0, "%s", out);
    free(out);
    cr_assert_eq(fx_vzctl(&out, "start", ctid, NULL), 0, "%s", out);
    free(out);
    cr_expect_not(spoofed_frame_passes(), "a frame with a spoofed source MAC crossed the bridge (filter on)");

    /* off, live and saved as OpenVZ's NETIF key */
    cr_assert_eq(fx_vzctl(&out, "set", ctid, "--ifname", "eth1", "--mac_filter", "off", "--save", NULL), 0, "%s", out);
    free(out);
    struct vz_ct ct;
    vz_error_t err = NULL;
    cr_assert_eq(vz_ct_load(ctid, &ct, &err), 0);
    cr_expect_not_null(strstr(vz_conf_get(&ct.conf, "NETIF"), ",bridge=vzbr0,mac_filter=off"), "%s",
                       vz_conf_get(&ct.conf, "NETIF"));
    vz_ct_release(&ct);
    cr_expect(spoofed_frame_passes(), "with --mac_filter off the spoofed frame did not arrive: the test cannot "
                                      "tell the filter from a lost frame");

    /* on again */
    cr_assert_eq(fx_vzctl(&out, "set", ctid, "--ifname", "eth1", "--mac_filter", "on", "--save", NULL), 0, "%s", out);
    free(out);
    cr_expect_not(spoofed_frame_passes(), "a spoofed frame crossed the bridge after --mac_filter on");
    cr_assert_eq(vz_ct_load(ctid, &ct, &err), 0);
    cr_expect_not_null(strstr(vz_conf_get(&ct.conf, "NETIF"), ",mac_filter=on"), "%s", vz_conf_get(&ct.conf, "NETIF"));
    vz_ct_release(&ct);

    /* bad values and a missing --ifname are refused */
    cr_expect_eq(fx_vzctl(&out, "set", ctid, "--ifname", "eth1", "--mac_filter", "maybe", "--save", NULL),
                 21, "%s", out);
    free(out);
    cr_expect_eq(fx_vzctl(&out, "set", ctid, "--mac_filter", "off", "--save", NULL), 20, "%s", out);
    free(out);
    cr_assert_eq(fx_vzctl(&out, "stop", ctid, "--fast", NULL), 0, "%s", out);
    free(out);
}
