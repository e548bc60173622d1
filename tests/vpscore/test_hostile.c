/* Root inside a container is hostile (docs/security.md): each attack of
 * issue 11 run for real against a container started by vzctl, from the
 * inside with the static probe tests/progs/vzt-probe.c, and as an
 * unprivileged host user where the attack is that user's. Every test runs
 * in network and mount namespaces of its own. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/keyctl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/common.h"
#include "tests/lib/rootfs.h"
#include "tests/vpscore/fixture.h"
#include "tests/lib/cghost.h"
#include "vpscore/cgroup.h"
#include "vpscore/ctconf.h"
#include "vpscore/mount.h"

#define NAME "test-1-x86_64-minimal"
#define NOBODY 65534

static struct fx fx;
static char ctid[32];
static int mounts_before;

static char *probe_path(void)
{
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    cr_assert_gt(n, 0);
    exe[n] = '\0';
    *strrchr(exe, '/') = '\0'; /* build/tests */
    char *p = vz_xasprintf("%s/vzt-probe", exe);
    cr_assert(vz_file_exists(p), "%s is not built (make tests)", p);
    return p;
}

static void setup(void)
{
    cr_assert_eq(unshare(CLONE_NEWNET | CLONE_NEWNS), 0, "unshare: %s", strerror(errno));
    cr_assert_eq(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), 0);
    mounts_before = vzt_mount_count();
    cleanup_free char *probe = probe_path();
    cleanup_free char *sh = vz_xasprintf(
        "cp /bin/busybox usr/bin/busybox && for a in sh cp chmod ls cat head mkdir id; do ln -s busybox usr/bin/$a; "
        "done && cp %s usr/bin/vzt-probe && mkdir -m 1777 tmp && "
        /* a set-uid program in the template itself (as su or passwd are) */
        "cp %s usr/bin/suid-probe && chmod 4755 usr/bin/suid-probe",
        probe, probe);
    fx_setup_signed(&fx, sh);
    /* A host as admins have it: the prefix and /vz open to everyone, so
     * that only vzforge's own directory modes stand between a host user and
     * the containers' files. */
    cr_assert_eq(chmod(fx.root, 0755), 0);
    cleanup_free char *vz = fx_path(&fx, "vz");
    cleanup_free char *tmpl = fx_path(&fx, "vz/template");
    chmod(vz, 0755);
    chmod(tmpl, 0755);
    snprintf(ctid, sizeof(ctid), "%d", 200000 + (int)getpid() % 100000);
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
    cr_expect_eq(vzt_mount_count(), mounts_before, "mounts left behind");
    fx_teardown(&fx);
}

TestSuite(hostile, .init = setup, .fini = teardown, .timeout = 120);

static void vzctl_ok(const char *a1, const char *a2, const char *a3, const char *a4)
{
    char *argv[] = { "vzctl", (char *)a1, ctid, (char *)a2, (char *)a3, (char *)a4, NULL };
    char *out = NULL;
    int st = fx_run(argv, &out);
    cr_assert_eq(st, 0, "vzctl %s %s: %s", a1, ctid, out);
    free(out);
}

/* vzctl create + start with a layout */
static void up(const char *layout)
{
    char *argv[] = { "vzctl", "create", ctid, "--ostemplate", NAME, "--layout", (char *)layout, NULL };
    char *out = NULL;
    cr_assert_eq(fx_run(argv, &out), 0, "create: %s", out);
    free(out);
    vzctl_ok("start", NULL, NULL, NULL);
}

/* vzctl exec2 CTID 'script': output (allocated), status through *st */
static char *inside(const char *script, int *st)
{
    char *argv[] = { "vzctl", "exec2", ctid, (char *)script, NULL };
    char *out = NULL;
    int s = fx_run(argv, &out);
    if (st)
        *st = s;
    return out;
}

static char *conf_get(const char *key)
{
    struct vz_ct ct;
    vz_error_t err = NULL;
    cr_assert_eq(vz_ct_load(ctid, &ct, &err), 0, "%s", err ? err->msg : "");
    const char *v = vz_conf_get(&ct.conf, key);
    char *r = v ? vz_xstrdup(v) : NULL;
    vz_ct_release(&ct);
    return r;
}

/* Run path ARG as an unprivileged host user; its stdout in *out. Returns
 * 0 when it ran, or the errno execve failed with. */
static int as_host_user(const char *path, const char *arg, char **out)
{
    int p[2];
    cr_assert_eq(pipe(p), 0);
    pid_t c = fork();
    cr_assert_geq(c, 0);
    if (c == 0) {
        dup2(p[1], 1);
        close(p[0]);
        if (setgroups(0, NULL) < 0 || setresgid(NOBODY, NOBODY, NOBODY) < 0 ||
            setresuid(NOBODY, NOBODY, NOBODY) < 0)
            _exit(200);
        char *const av[] = { (char *)path, (char *)arg, NULL };
        execv(path, av);
        printf("exec: %d\n", errno);
        fflush(stdout);
        _exit(100);
    }
    close(p[1]);
    char buf[4096];
    size_t len = 0;
    ssize_t n;
    while ((n = read(p[0], buf + len, sizeof(buf) - 1 - len)) > 0)
        len += (size_t)n;
    buf[len] = '\0';
    close(p[0]);
    int ws;
    waitpid(c, &ws, 0);
    cr_assert(WIFEXITED(ws));
    cr_assert_neq(WEXITSTATUS(ws), 200, "could not become uid %d", NOBODY);
    *out = vz_xstrdup(buf);
    if (WEXITSTATUS(ws) == 100)
        return atoi(buf + 6);
    return 0;
}

static int mount_has_flag(const char *path, const char *flag)
{
    cleanup_file FILE *f = fopen("/proc/self/mountinfo", "re");
    cr_assert_not_null(f);
    char line[4096];
    int found = 0, has = 0;
    while (fgets(line, sizeof(line), f)) {
        char mp[2048], opts[1024];
        if (sscanf(line, "%*s %*s %*s %*s %2047s %1023s", mp, opts) != 2 || strcmp(mp, path) != 0)
            continue;
        found = 1; /* the last (top) mount on path wins */
        has = strstr(opts, flag) != NULL;
    }
    cr_assert(found, "%s is not mounted", path);
    return has;
}

/* 1. A set-uid file made by root inside is no way to root for a host user:
 * not through the running root, not through the stopped private area. */
static void setuid_inside(const char *layout)
{
    up(layout);
    int st;
    cleanup_free char *o = inside("cp /usr/bin/vzt-probe /tmp/s && chmod 4755 /tmp/s && /tmp/s euid", &st);
    cr_assert_eq(st, 0, "%s", o);
    cr_assert_not_null(strstr(o, "euid: 0\n"), "root inside is uid 0 there: %s", o);
    cleanup_free char *root = conf_get("VE_ROOT");
    cleanup_free char *priv = conf_get("VE_PRIVATE");
    cleanup_free char *luid = conf_get("LOCAL_UID");
    cr_assert_not_null(luid, "an unprivileged container by default");
    cleanup_free char *s = vz_xasprintf("%s/tmp/s", root);
    struct stat sb;
    cr_assert_eq(stat(s, &sb), 0);
    cr_assert_eq(sb.st_uid, (uid_t)atol(luid), "the file belongs to the container's range, not host root");
    cr_assert(sb.st_mode & S_ISUID);

    /* the host user cannot reach it ... */
    cleanup_free char *out = NULL;
    cr_assert_eq(as_host_user(s, "euid", &out), EACCES, "a host user reached %s: %s", s, out);
    /* ... and if an admin opened the directory, the host's view is nosuid */
    cr_assert(mount_has_flag(root, "nosuid"), "host view of %s must be nosuid", root);
    cr_assert(mount_has_flag(root, "nodev"), "host view of %s must be nodev", root);
    cleanup_free char *rootdir = vz_xstrdup(root);
    *strrchr(rootdir, '/') = '\0';
    cr_assert_eq(chmod(rootdir, 0755), 0);
    cleanup_free char *out2 = NULL;
    cr_assert_eq(as_host_user(s, "euid", &out2), 0, "%s", out2);
    cr_assert_str_eq(out2, "euid: 65534\n", "set-uid honoured on the host's view");
    cr_assert_eq(chmod(rootdir, 0700), 0);

    /* stopped: the private area */
    vzctl_ok("stop", NULL, NULL, NULL);
    cleanup_free char *ps = vz_xasprintf("%s/%stmp/s", priv, strcmp(layout, "overlay") == 0 ? "upper/" : "");
    cleanup_free char *out3 = NULL;
    cr_assert_eq(as_host_user(ps, "euid", &out3), EACCES, "a host user reached %s: %s", ps, out3);
    /* even through an opened parent, the owner is the container's root,
     * never host root */
    cleanup_free char *privdir = vz_xstrdup(priv);
    *strrchr(privdir, '/') = '\0';
    cr_assert_eq(chmod(privdir, 0755), 0);
    cleanup_free char *out4 = NULL;
    int e = as_host_user(ps, "euid", &out4);
    cr_assert_eq(chmod(privdir, 0700), 0);
    if (e == 0)
        cr_assert_str_neq(out4, "euid: 0\n", "host root through a stopped container's private area");
}

Test(hostile, setuid_made_inside_plain) { setuid_inside("plain"); }
Test(hostile, setuid_made_inside_overlay) { setuid_inside("overlay"); }

/* A set-uid file of the shared template tree is never reachable by a host
 * user. */
Test(hostile, setuid_in_the_shared_tree)
{
    up("overlay");
    cleanup_free char *lower = conf_get("VE_LOWERDIR");
    cleanup_free char *p = vz_xasprintf("%s/usr/bin/suid-probe", lower);
    struct stat sb;
    cr_assert_eq(stat(p, &sb), 0);
    cr_assert(sb.st_mode & S_ISUID, "the template's own set-uid file is kept");
    cleanup_free char *out = NULL;
    cr_assert_eq(as_host_user(p, "euid", &out), EACCES, "a host user ran %s: %s", p, out);
    /* inside, it is the container's root's (the idmapped tree) and works */
    int st;
    cleanup_free char *o = inside("ls -ln /usr/bin/suid-probe; /usr/bin/suid-probe euid", &st);
    cr_assert_eq(st, 0, "%s", o);
    cr_assert_not_null(strstr(o, " 0        0 "), "owner inside: %s", o);
}

/* 2. Root inside cannot lift its own limits or write host-wide groups
 * through a cgroup hierarchy it mounts in namespaces of its own. */
static char *read_host(const char *path)
{
    char *d = NULL;
    vz_error_t err = NULL;
    if (vz_read_file(path, &d, NULL, &err) < 0) {
        vz_error_release(&err);
        return vz_xstrdup("(missing)");
    }
    return d;
}

Test(hostile, cgroup_limits_cannot_be_raised)
{
    char *argv[] = { "vzctl", "create", ctid, "--ostemplate", NAME, "--layout", "plain", NULL };
    char *out = NULL;
    cr_assert_eq(fx_run(argv, &out), 0, "create: %s", out);
    free(out);
    char *set[] = { "vzctl", "set", ctid, "--ram", "256M", "--numproc", "100", "--save", NULL };
    cr_assert_eq(fx_run(set, &out), 0, "set: %s", out);
    free(out);
    vzctl_ok("start", NULL, NULL, NULL);
    struct vz_cgroup *cg = NULL;
    vz_error_t err = NULL;
    cr_assert_eq(vz_cgroup_open(ctid, &cg, &err), 0);
    cleanup_free char *mem = vz_cgroup_path(cg, "memory");
    cleanup_free char *pids = vz_cgroup_path(cg, "pids");
    int ver = vzt_cg_host();
    cleanup_free char *memf = vz_xasprintf("%s/%s", mem, ver == 1 ? "memory.limit_in_bytes" : "memory.max");
    cleanup_free char *pidf = vz_xasprintf("%s/pids.max", pids);
    cleanup_free char *mem0 = read_host(memf), *pid0 = read_host(pidf);
    cr_assert_str_eq(mem0, "268435456\n");
    cr_assert_str_eq(pid0, "100\n");
    int st;
    if (ver == 2) {
        /* its own group is the root of the cgroup2 it mounts: delegated
         * for sub-groups, never for its limits */
        cleanup_free char *o1 = inside("vzt-probe cgroup2 memory.max max", &st);
        cr_assert_not_null(strstr(o1, "mount: ok"), "the container cannot mount its cgroup2: %s", o1);
        cr_assert_null(strstr(o1, "write: ok"), "raised its memory limit: %s", o1);
        cleanup_free char *o2 = inside("vzt-probe cgroup2 pids.max max", &st);
        cr_assert_null(strstr(o2, "write: ok"), "%s", o2);
        cleanup_free char *o3 = inside("vzt-probe cgroup2 cpu.max 'max 100000'", &st);
        cr_assert_null(strstr(o3, "write: ok"), "%s", o3);
        cleanup_free char *mem1 = read_host(memf), *pid1 = read_host(pidf);
        cr_assert_str_eq(mem1, mem0, "memory limit changed from inside");
        cr_assert_str_eq(pid1, pid0, "pids limit changed from inside");
        cr_log_info("memory: %s", o1);
        vz_cgroup_free(cg);
        return;
    }
    const char *blk = "/sys/fs/cgroup/blkio/blkio.throttle.read_bps_device";
    cleanup_free char *blk0 = read_host(blk);

    cleanup_free char *o1 = inside("vzt-probe cgroup memory memory.limit_in_bytes 4294967296", &st);
    cr_assert_neq(st, 0, "raised its memory limit: %s", o1);
    cr_assert_null(strstr(o1, "write: ok"), "%s", o1);
    cleanup_free char *o2 = inside("vzt-probe cgroup pids pids.max max", &st);
    cr_assert_null(strstr(o2, "write: ok"), "%s", o2);
    cleanup_free char *o3 = inside("vzt-probe cgroup blkio blkio.throttle.read_bps_device '8:0 1'", &st);
    cr_assert_null(strstr(o3, "write: ok"), "%s", o3);
    cleanup_free char *o4 = inside("vzt-probe cgroup cpuset +vzt-evil x", &st);
    cr_assert_null(strstr(o4, "mkdir: ok"), "%s", o4);

    cleanup_free char *mem1 = read_host(memf), *pid1 = read_host(pidf), *blk1 = read_host(blk);
    cr_assert_str_eq(mem1, mem0, "memory limit changed from inside");
    cr_assert_str_eq(pid1, pid0, "pids limit changed from inside");
    cr_assert_str_eq(blk1, blk0, "the host root group's blkio changed from inside");
    struct stat sb;
    cr_assert_neq(stat("/sys/fs/cgroup/cpuset/vzt-evil", &sb), 0, "a group made in the host's cpuset root");
    cr_log_info("memory: %s", o1);
    vz_cgroup_free(cg);
}

/* 3. Device nodes: none can be made, and one planted in the tree (as an
 * old import could have carried) opens nothing. */
Test(hostile, device_nodes_are_useless_inside)
{
    char *argv[] = { "vzctl", "create", ctid, "--ostemplate", NAME, "--layout", "plain", NULL };
    char *out = NULL;
    cr_assert_eq(fx_run(argv, &out), 0, "create: %s", out);
    free(out);
    cleanup_free char *priv = conf_get("VE_PRIVATE");
    cleanup_free char *luid = conf_get("LOCAL_UID");
    cleanup_free char *node = vz_xasprintf("%s/disk", priv);
    cr_assert_eq(mknod(node, S_IFBLK | 0600, makedev(7, 0)), 0, "%s", strerror(errno));
    cr_assert_eq(chown(node, (uid_t)atol(luid), (gid_t)atol(luid)), 0);
    vzctl_ok("start", NULL, NULL, NULL);
    int st;
    cleanup_free char *o = inside("vzt-probe open /disk; vzt-probe mknod /tmp/x; vzt-probe open /dev/null", &st);
    cr_assert_not_null(strstr(o, "open: EACCES\n") ? o : strstr(o, "open: EPERM\n"), "%s", o);
    cr_assert_not_null(strstr(o, "mknod: EPERM\n"), "%s", o);
    cr_assert_not_null(strstr(o, "open: ok\nread: ok\n"), "/dev/null must work: %s", o);
}

/* 4. The host root's keys are not the container's. */
Test(hostile, host_keyring_is_not_shared)
{
    char name[64];
    snprintf(name, sizeof(name), "vzt-key-%d", (int)getpid());
    long k = syscall(SYS_add_key, "user", name, "host-secret", strlen("host-secret"), KEY_SPEC_USER_KEYRING);
    cr_assert_geq(k, 0, "add_key: %s", strerror(errno));
    up("plain");
    int st;
    cleanup_free char *cmd = vz_xasprintf("vzt-probe keyring %s", name);
    cleanup_free char *o = inside(cmd, &st);
    syscall(SYS_keyctl, KEYCTL_UNLINK, k, KEY_SPEC_USER_KEYRING);
    cr_assert_null(strstr(o, "host-secret"), "the host's key read from inside: %s", o);
    cr_assert_null(strstr(o, "search: ok"), "%s", o);
}
