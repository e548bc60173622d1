/* End to end as an admin types it: a signed cache with busybox, vzctl create
 * (overlay layout, an address), start, exec, a TCP service reached from the
 * test's side, stop, destroy. The test runs in network and mount namespaces
 * it creates first: the veth and its routes live only there. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <jansson.h>
#include <errno.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "common/common.h"
#include "tests/lib/rootfs.h"
#include "tests/vpscore/fixture.h"
#include "vpscore/mount.h"
#include "vpscore/net.h"

#define NAME "test-1-x86_64-minimal"
#define ADDR "10.199.0.5"

static struct fx fx;
static char ctid[32];
static int mounts_before;

static void setup(void)
{
    cr_assert_eq(unshare(CLONE_NEWNET | CLONE_NEWNS), 0, "unshare: %s", strerror(errno));
    cr_assert_eq(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), 0);
    mounts_before = vzt_mount_count();
    /* The "host" needs an address of its own for the container to answer to. */
    vz_error_t err = NULL;
    char *a1[] = { "ip", "link", "set", "lo", "up", NULL };
    char *a2[] = { "ip", "addr", "add", "10.199.9.1/32", "dev", "lo", NULL };
    cr_assert_eq(vz_run_ok(a1, NULL, &err), 0);
    cr_assert_eq(vz_run_ok(a2, NULL, &err), 0);
    fx_setup_signed(&fx, "cp /bin/busybox usr/bin/busybox && for a in sh ip nc hostname cat echo ls grep sleep; "
                         "do ln -s busybox usr/bin/$a; done");
    snprintf(ctid, sizeof(ctid), "%d", 100000 + (int)getpid() % 100000);
}

static void teardown(void)
{
    char *stop[] = { "vzctl", "stop", ctid, "--fast", NULL };
    char *destroy[] = { "vzctl", "destroy", ctid, NULL };
    char *out = NULL;
    fx_run(stop, &out);
    free(out);
    fx_run(destroy, &out);
    free(out);
    fx_teardown(&fx);
}

TestSuite(e2e, .init = setup, .fini = teardown, .timeout = 300);

static int connect_read(const char *addr, int port, char *buf, size_t len)
{
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    inet_pton(AF_INET, addr, &a.sin_addr);
    struct timeval tv = { 1, 0 }; /* a lost SYN fails this try, not the whole run */
    setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    if (connect(s, (struct sockaddr *)&a, sizeof(a)) < 0) {
        close(s);
        return -1;
    }
    size_t got = 0;
    ssize_t r;
    while (got < len - 1 && (r = read(s, buf + got, len - 1 - got)) > 0)
        got += (size_t)r;
    buf[got] = '\0';
    close(s);
    return 0;
}

Test(e2e, create_start_serve_stop_destroy)
{
    char *out = NULL;
    cr_assert_eq(fx_rerunl(&out, "vzctl", "create", ctid, "--ostemplate", NAME, "--ipadd", ADDR, "--hostname", "web",
                     NULL),
                 0, "%s", out);
    cr_assert_eq(fx_rerunl(&out, "vzctl", "start", ctid, NULL), 0, "%s", out);
    /* status --json of a running container: its init's host pid */
    cr_assert_eq(fx_rerunl(&out, "vzctl", "status", ctid, "--json", NULL), 0, "%s", out);
    json_t *js = json_loads(out, 0, NULL);
    cr_assert_not_null(js, "not JSON: %s", out);
    cr_assert(json_is_true(json_object_get(js, "running")), "%s", out);
    cr_assert(json_is_true(json_object_get(js, "mounted")), "%s", out);
    cr_assert(json_is_true(json_object_get(js, "exist")), "%s", out);
    cr_assert(json_is_false(json_object_get(js, "suspended")), "%s", out);
    json_int_t ipid = json_integer_value(json_object_get(js, "init_pid"));
    cleanup_free char *procdir = vz_xasprintf("/proc/%lld", (long long)ipid);
    cr_assert(ipid > 1 && vz_is_dir(procdir), "init_pid %lld: %s", (long long)ipid, out);
    json_decref(js);
    cr_assert_eq(fx_rerunl(&out, "vzctl", "exec2", ctid, "ip -4 addr show eth0 | grep -c " ADDR "; hostname", NULL), 0,
                 "%s", out);
    cr_assert_str_eq(out, "1\nweb\n");

    /* A service inside, reached from the test's side through the veth. */
    cr_assert_eq(fx_rerunl(&out, "vzctl", "exec", ctid,
                     "nc -ll -p 7000 -e echo hello-from-ct </dev/null >/dev/null 2>&1 &", NULL),
                 0, "%s", out);
    char buf[64] = "";
    int ok = -1;
    for (int i = 0; i < 300 && ok < 0; i++) {
        ok = connect_read(ADDR, 7000, buf, sizeof(buf));
        if (ok < 0)
            usleep(10000);
    }
    cr_assert_eq(ok, 0, "could not connect to %s:7000 in the container: %s", ADDR, strerror(errno));
    cr_assert_str_eq(buf, "hello-from-ct\n");

    /* Writes land in the container's upper dir, never in the shared tree. */
    cr_assert_eq(fx_rerunl(&out, "vzctl", "exec2", ctid, "echo mine > /etc/motd", NULL), 0, "%s", out);
    cleanup_free char *upper = vz_xasprintf("%s/vz/private/%s/upper/etc/motd", fx.root, ctid);
    cr_assert(vz_file_exists(upper), "no %s", upper);

    cr_assert_eq(fx_rerunl(&out, "vzctl", "destroy", ctid, NULL), 32, "destroy of a running container: %s", out);
    cr_assert_eq(fx_rerunl(&out, "vzctl", "stop", ctid, NULL), 0, "%s", out);
    cr_assert(!vz_net_exists(ctid), "veth left after stop");
    cr_assert_eq(vzt_mount_count(), mounts_before, "mounts left after stop");
    cr_assert_eq(fx_rerunl(&out, "vzctl", "destroy", ctid, NULL), 0, "%s", out);
    cr_assert_eq(fx_rerunl(&out, "vzctl", "status", ctid, NULL), 0, "%s", out);
    cleanup_free char *want = vz_xasprintf("CTID %s deleted unmounted down\n", ctid);
    cr_assert_str_eq(out, want);
    free(out);
}
