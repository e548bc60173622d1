/* The device policy (vpscore/devices.h): parsing of OpenVZ's --devnodes,
 * and enforcement for real: the v1 devices controller on this host, and
 * the v2 BPF program in the hybrid cgroup2 hierarchy at
 * /sys/fs/cgroup/unified (a group there, the program attached, a process
 * moved in that opens device nodes made with mknod in a temp dir). */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/common.h"
#include "vpscore/cgroup.h"
#include "tests/lib/cghost.h"
#include "vpscore/devices-bpf.h"
#include "vpscore/devices.h"

static struct vz_cgroup *current;
static char tmp[64];

static void setup(void)
{
    snprintf(tmp, sizeof(tmp), "/tmp/vzt-dev-XXXXXX");
    cr_assert_not_null(mkdtemp(tmp));
}

static void teardown(void)
{
    vz_error_t err = NULL;
    if (current) {
        vz_cgroup_kill(current, &err);
        vz_error_release(&err);
        vz_cgroup_remove(current, &err);
        vz_error_release(&err);
        vz_cgroup_free(current);
        current = NULL;
    }
    vz_rm_rf(tmp, &err);
    vz_error_release(&err);
}

TestSuite(devices, .init = setup, .fini = teardown, .timeout = 300);

static int has(const struct vz_devices *d, const char *rule)
{
    char buf[48];
    for (size_t i = 0; i < d->nrules; i++)
        if (strcmp(vz_dev_rule_str(&d->rules[i], buf, sizeof(buf)), rule) == 0)
            return 1;
    return 0;
}

static const struct vz_dev_node *node(const struct vz_devices *d, const char *path)
{
    for (size_t i = 0; i < d->nnodes; i++)
        if (strcmp(d->nodes[i].path, path) == 0)
            return &d->nodes[i];
    return NULL;
}

Test(devices, default_set_and_devnodes)
{
    struct vz_devices d;
    vz_devices_default(&d);
    const char *want[] = { "c 1:3 rwm", "c 1:5 rwm", "c 1:7 rwm", "c 1:8 rwm", "c 1:9 rwm", "c 5:0 rwm",
                           "c 5:2 rwm", "c 136:* rwm", "c 10:229 rwm", "c 10:200 rwm" };
    cr_assert_eq(d.nrules, VZ_ARRAY_SIZE(want));
    for (size_t i = 0; i < VZ_ARRAY_SIZE(want); i++)
        cr_assert(has(&d, want[i]), "%s missing", want[i]);
    cr_assert_not(has(&d, "c 5:1 rwm"), "the host console is not in the default set");
    cr_assert_not_null(node(&d, "null"));
    cr_assert_str_eq(node(&d, "null")->host_path, "/dev/null");
    cr_assert_null(node(&d, "ptmx"), "ptmx comes from the container's devpts, not the host");

    vz_error_t err = NULL;
    cr_assert_eq(vz_devices_add(&d, "fuse:none", &err), 0, "%s", err ? err->msg : "");
    cr_assert_not(has(&d, "c 10:229 rwm"), "fuse:none revokes a default");
    cr_assert_null(node(&d, "fuse"));
    cr_assert_eq(vz_devices_add(&d, "loop-control:r", &err), 0, "%s", err ? err->msg : "");
    cr_assert(has(&d, "c 10:237 r"), "loop-control:r gives read only, no mknod");
    cr_assert_eq(node(&d, "loop-control")->from_devnodes, 1);
    cr_assert_eq(vz_devices_add(&d, "loop-control:rw", &err), 0);
    cr_assert(has(&d, "c 10:237 rw") && !has(&d, "c 10:237 r"), "a second value replaces the first");

    const char *bad[] = { "fuse", "fuse:rwx", "../etc/passwd:rw", "/dev/null:rw", "net/../null:rw",
                          "no-such-node:rw", "net:rw", ":rw" };
    for (size_t i = 0; i < VZ_ARRAY_SIZE(bad); i++) {
        cr_assert_lt(vz_devices_add(&d, bad[i], &err), 0, "%s accepted", bad[i]);
        cr_assert_eq(err->status, VZ_EBADARG);
        cr_assert_not_null(strstr(err->msg, "--devnodes"), "%s", err->msg);
        vz_error_release(&err);
    }

    struct vz_conf c;
    vz_conf_init(&c, "/x/101.conf");
    vz_conf_set(&c, "DEVNODES", "net/tun:none loop-control:rw");
    cr_assert_eq(vz_devices_from_conf(&c, &d, &err), 0, "%s", err ? err->msg : "");
    cr_assert(has(&d, "c 10:237 rw") && !has(&d, "c 10:200 rwm") && has(&d, "c 10:229 rwm"));
    vz_conf_set(&c, "DEVNODES", "net/tun:bogus");
    cr_assert_lt(vz_devices_from_conf(&c, &d, &err), 0);
    cr_assert_not_null(strstr(err->msg, "DEVNODES in /x/101.conf"), "%s", err->msg);
    vz_error_release(&err);
    vz_conf_release(&c);
}

/* nodes made in tmp: a block device (the host's loop0 numbers), /dev/mem's
 * numbers, and null's */
static void make_nodes(void)
{
    char p[128];
    snprintf(p, sizeof(p), "%s/blk", tmp);
    cr_assert_eq(mknod(p, S_IFBLK | 0600, makedev(7, 0)), 0, "mknod: %s", strerror(errno));
    snprintf(p, sizeof(p), "%s/mem", tmp);
    cr_assert_eq(mknod(p, S_IFCHR | 0600, makedev(1, 1)), 0);
    snprintf(p, sizeof(p), "%s/null", tmp);
    cr_assert_eq(mknod(p, S_IFCHR | 0666, makedev(1, 3)), 0);
}

static int open_errno(const char *name, int flags)
{
    char p[128];
    snprintf(p, sizeof(p), "%s/%s", tmp, name);
    int fd = open(p, flags | O_CLOEXEC);
    if (fd < 0)
        return errno;
    close(fd);
    return 0;
}

/* In the group: what the child could and could not do, as exit codes. */
static int probe(void)
{
    if (open_errno("null", O_RDWR) != 0)
        return 1;
    if (open("/dev/null", O_WRONLY) < 0)
        return 2;
    if (open_errno("blk", O_RDONLY) != EPERM)
        return 3;
    if (open_errno("mem", O_RDONLY) != EPERM)
        return 4;
    char p[128];
    snprintf(p, sizeof(p), "%s/blk2", tmp);
    if (mknod(p, S_IFBLK | 0600, makedev(8, 0)) == 0 || errno != EPERM)
        return 5;
    snprintf(p, sizeof(p), "%s/null2", tmp);
    if (mknod(p, S_IFCHR | 0600, makedev(1, 3)) < 0)
        return 6; /* mknod of an allowed node works: "m" */
    unlink(p);
    if (vz_file_exists("/dev/fuse") && open("/dev/fuse", O_RDWR) < 0)
        return 7;
    return 0;
}

static int run_in(struct vz_cgroup *cg)
{
    int p[2];
    cr_assert_eq(pipe(p), 0);
    pid_t c = fork();
    cr_assert_geq(c, 0);
    if (c == 0) {
        close(p[1]);
        char b;
        if (read(p[0], &b, 1) != 1)
            _exit(99);
        _exit(probe());
    }
    close(p[0]);
    vz_error_t err = NULL;
    cr_assert_eq(vz_cgroup_enter(cg, c, &err), 0, "%s", err ? err->msg : "");
    cr_assert_eq(write(p[1], "x", 1), 1);
    close(p[1]);
    int st = 0;
    cr_assert_eq(waitpid(c, &st, 0), c);
    cr_assert(WIFEXITED(st), "status 0x%x", st);
    return WEXITSTATUS(st);
}

static const char *const probe_says[] = {
    "all as expected", "a 1:3 node made in a temp dir did not open", "/dev/null did not open",
    "a block node opened (or failed otherwise than EPERM)", "a 1:1 (/dev/mem) node opened",
    "mknod of a block node worked", "mknod of 1:3 failed", "/dev/fuse did not open",
};

static const char *said(int r)
{
    return r >= 0 && r < (int)VZ_ARRAY_SIZE(probe_says) ? probe_says[r] : "child failed";
}

static struct vz_cgroup *group(const char *root, int version, const char *tag)
{
    char id[64];
    snprintf(id, sizeof(id), "vzt-%s-%d", tag, (int)getpid());
    vz_error_t err = NULL;
    cr_assert_eq(vz_cgroup_open_at(root, version, id, &current, &err), 0, "%s", err ? err->msg : "");
    cr_assert_eq(vz_cgroup_create(current, &err), 0, "%s", err ? err->msg : "");
    return current;
}

/* A real cgroup2 group for the BPF program: on a v2 host the one the
 * runtime makes (vz_cgroup_open: a systemd scope's "ct" where systemd is
 * PID 1), on a v1 host one in the hybrid unified hierarchy. */
static struct vz_cgroup *group2(const char *tag)
{
    if (vzt_cg_host() == 2) {
        char id[64];
        snprintf(id, sizeof(id), "vzt-%s-%d", tag, (int)getpid());
        vz_error_t err = NULL;
        cr_assert_eq(vz_cgroup_open(id, &current, &err), 0, "%s", err ? err->msg : "");
        cr_assert_eq(vz_cgroup_create(current, &err), 0, "%s", err ? err->msg : "");
        return current;
    }
    const char *root = vzt_cg2_root();
    cr_assert_not_null(root, "no cgroup2 hierarchy on this host");
    return group(root, 2, tag);
}

static void bpf_enforces_the_default_set(struct vz_cgroup *cg);

/* The host's own mechanism: the v1 devices controller, or on a v2 host the
 * BPF program in the group the runtime makes there */
Test(devices, host_enforces_the_default_set)
{
    if (vzt_cg_host() == 2) {
        make_nodes();
        bpf_enforces_the_default_set(group2("dh2"));
        return;
    }
    cr_assert(vz_is_dir("/sys/fs/cgroup/devices"), "no v1 devices controller on this v1 host");
    make_nodes();
    struct vz_cgroup *cg = group("/sys/fs/cgroup", 1, "dv1");
    /* without the policy the block node opens (the test can fail) */
    int before = run_in(cg);
    cr_assert_eq(before, 3, "without a policy: %s", said(before));
    vz_error_t err = NULL;
    cr_assert_eq(vz_cgroup_kill(cg, &err), 0);
    struct vz_devices d;
    vz_devices_default(&d);
    cr_assert_eq(vz_cgroup_devices(cg, &d, &err), 0, "%s", err ? err->msg : "");
    char *dir = vz_cgroup_path(cg, "devices");
    char *list = NULL;
    char *f = vz_path_join(dir, "devices.list");
    cr_assert_eq(vz_read_file(f, &list, NULL, &err), 0);
    cr_assert_not_null(strstr(list, "c 1:3 rwm"), "%s", list);
    cr_assert_null(strstr(list, "a *:* rwm"), "%s", list);
    free(list);
    int r = run_in(cg);
    cr_assert_eq(r, 0, "with the policy: %s", said(r));

    /* a running container's policy changes without a moment where null is
     * denied: a process in the group, fuse revoked live */
    pid_t c = fork();
    if (c == 0) {
        for (;;)
            pause();
    }
    cr_assert_eq(vz_cgroup_enter(cg, c, &err), 0);
    cr_assert_eq(vz_devices_add(&d, "fuse:none", &err), 0);
    cr_assert_eq(vz_cgroup_devices(cg, &d, &err), 0, "%s", err ? err->msg : "");
    cr_assert_eq(vz_read_file(f, &list, NULL, &err), 0);
    cr_assert_null(strstr(list, "c 10:229"), "fuse still allowed: %s", list);
    cr_assert_not_null(strstr(list, "c 1:3 rwm"), "%s", list);
    free(list);
    free(f), free(dir);
}

Test(devices, v2_bpf_program_enforces_the_default_set)
{
    make_nodes();
    bpf_enforces_the_default_set(group2("dv2"));
}

static void bpf_enforces_the_default_set(struct vz_cgroup *cg)
{
    int before = run_in(cg);
    cr_assert_eq(before, 3, "without a program: %s", said(before));
    vz_error_t err = NULL;
    struct vz_devices d;
    vz_devices_default(&d);
    cr_assert_eq(vz_cgroup_devices(cg, &d, &err), 0, "%s", err ? err->msg : "");
    char *dir = vz_cgroup_path(cg, NULL);
    cr_assert_eq(vz_devices_bpf_count(dir, &err), 1);
    /* the attaching process (this one) keeps no fd: the kernel holds it */
    int r = run_in(cg);
    cr_assert_eq(r, 0, "with the program: %s", said(r));
    /* a re-apply replaces the program, never stacks a second one */
    cr_assert_eq(vz_cgroup_devices(cg, &d, &err), 0, "%s", err ? err->msg : "");
    cr_assert_eq(vz_devices_bpf_count(dir, &err), 1);
    r = run_in(cg);
    cr_assert_eq(r, 0, "after the re-apply: %s", said(r));
    free(dir);
}

/* Access bits: a read-only rule lets read through and stops write. */
Test(devices, v2_bpf_read_only_rule)
{
    struct vz_cgroup *cg = group2("dro");
    struct vz_devices d = { 0 };
    d.rules[d.nrules++] = (struct vz_dev_rule){ 'c', 1, 3, VZ_DEV_R };
    vz_error_t err = NULL;
    cr_assert_eq(vz_cgroup_devices(cg, &d, &err), 0, "%s", err ? err->msg : "");
    int p[2];
    cr_assert_eq(pipe(p), 0);
    pid_t c = fork();
    if (c == 0) {
        char b;
        close(p[1]);
        if (read(p[0], &b, 1) != 1)
            _exit(99);
        int rd = open("/dev/null", O_RDONLY);
        int wr = open("/dev/null", O_WRONLY);
        int zero = open("/dev/zero", O_RDONLY);
        _exit(rd >= 0 && wr < 0 && errno == EPERM && zero < 0 ? 0 : 1 + (rd < 0) * 2 + (wr >= 0) * 4);
    }
    close(p[0]);
    cr_assert_eq(vz_cgroup_enter(cg, c, &err), 0);
    cr_assert_eq(write(p[1], "x", 1), 1);
    close(p[1]);
    int st = 0;
    cr_assert_eq(waitpid(c, &st, 0), c);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status 0x%x", st);
}
