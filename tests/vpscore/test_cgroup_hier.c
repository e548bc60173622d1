/* A container's group in every cgroup hierarchy this host mounts (v1
 * controllers, name=systemd, the hybrid cgroup2 "unified" one), cpuset
 * filled so a task can join, and delegation (vz_cgroup_delegate) that gives
 * the container's root its systemd group and nothing that holds a limit.
 * On a cgroup v2 host (tests/lib/cghost.h) the same properties of the one
 * v2 group vz_cgroup_open makes there (a systemd scope's "ct" where systemd
 * is PID 1). */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <grp.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/common.h"
#include "vpscore/cgroup.h"
#include "tests/lib/cghost.h"

static struct vz_cgroup *current;

static void teardown(void)
{
    if (current) {
        vz_error_t err = NULL;
        vz_cgroup_kill(current, &err);
        vz_error_release(&err);
        vz_cgroup_remove(current, &err);
        vz_error_release(&err);
        vz_cgroup_free(current);
        current = NULL;
    }
}

TestSuite(cgroup_hier, .fini = teardown, .timeout = 300);

/* The group as the runtime makes it on this host (v1 or v2: *version) */
static struct vz_cgroup *make_host(const char *tag, int *version)
{
    *version = vzt_cg_host();
    if (*version == 1)
        cr_assert(vz_is_dir("/sys/fs/cgroup/cpuset") && vz_is_dir("/sys/fs/cgroup/devices"),
                  "a cgroup v1 host without the cpuset and devices hierarchies");
    char id[64];
    snprintf(id, sizeof(id), "vzt-%s-%d", tag, (int)getpid());
    vz_error_t err = NULL;
    if (*version == 1)
        cr_assert_eq(vz_cgroup_open_at("/sys/fs/cgroup", 1, id, &current, &err), 0, "%s", err ? err->msg : "");
    else
        cr_assert_eq(vz_cgroup_open(id, &current, &err), 0, "%s", err ? err->msg : "");
    cr_assert_eq(vz_cgroup_create(current, &err), 0, "%s", err ? err->msg : "");
    return current;
}

static pid_t sleeper(struct vz_cgroup *cg)
{
    pid_t c = fork();
    cr_assert_geq(c, 0);
    if (c == 0) {
        for (;;)
            pause();
    }
    vz_error_t err = NULL;
    cr_assert_eq(vz_cgroup_enter(cg, c, &err), 0, "%s", err ? err->msg : "");
    vz_cgroup_settled(cg);
    return c;
}

/* v2: one line "0::PATH", PATH the group below the root */
static void v2_in_own_group(struct vz_cgroup *cg, pid_t c)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)c);
    char *text = NULL, *g = vz_cgroup_path(cg, NULL);
    vz_error_t err = NULL;
    cr_assert_eq(vz_read_file(path, &text, NULL, &err), 0);
    char *want = vz_xasprintf("0::%s\n", g + strlen("/sys/fs/cgroup"));
    cr_assert_str_eq(text, want);
    free(text), free(g), free(want);
    cr_assert_eq(vz_cgroup_kill(cg, &err), 0, "%s", err ? err->msg : "");
    int st;
    cr_assert_eq(waitpid(c, &st, 0), c);
    cr_assert_eq(vz_cgroup_remove(cg, &err), 0, "%s", err ? err->msg : "");
    cr_assert_not(vz_cgroup_exists(cg));
}

/* /proc/PID/cgroup: one line per hierarchy, "ID:CTRLS:PATH"; none may be
 * the host's root group, every one must end in the container's group. */
Test(cgroup_hier, process_is_in_its_own_group_in_every_hierarchy)
{
    int ver;
    struct vz_cgroup *cg = make_host("all", &ver);
    pid_t c = sleeper(cg);
    if (ver == 2) {
        v2_in_own_group(cg, c);
        return;
    }
    char path[64], line[1024];
    snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)c);
    FILE *f = fopen(path, "re");
    cr_assert_not_null(f);
    char *mem = vz_cgroup_path(cg, "memory");
    const char *name = strstr(mem, "/vzforge");
    cr_assert_not_null(name, "%s", mem);
    int lines = 0, named = 0, cpuset = 0, devices = 0, blkio = 0, unified = 0;
    while (fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\n")] = '\0';
        const char *ctrls = strchr(line, ':') + 1;
        const char *where = strchr(ctrls, ':') + 1;
        cr_expect_str_eq(where, name, "hierarchy '%s': the process is in %s", line, where);
        named += strncmp(ctrls, "name=systemd:", 13) == 0;
        cpuset += strncmp(ctrls, "cpuset:", 7) == 0;
        devices += strncmp(ctrls, "devices:", 8) == 0;
        blkio += strncmp(ctrls, "blkio:", 6) == 0;
        unified += strncmp(ctrls, ":", 1) == 0;
        lines++;
    }
    fclose(f);
    cr_assert_gt(lines, 5);
    cr_assert_eq(named + cpuset + devices + blkio, 4, "a hierarchy is missing from %s", path);
    cr_assert_eq(unified, vz_file_exists("/sys/fs/cgroup/unified/cgroup.procs") ? 1 : 0);
    /* cpuset: the group was filled from its parent (or the write failed) */
    char *cs = vz_cgroup_path(cg, "cpuset");
    char *cpus = NULL;
    vz_error_t err = NULL;
    char *file = vz_path_join(cs, "cpuset.cpus");
    cr_assert_eq(vz_read_file(file, &cpus, NULL, &err), 0);
    cr_assert_gt(strlen(cpus), 1, "cpuset.cpus is empty");
    free(cpus), free(file), free(cs), free(mem);
    /* kill finds it through any hierarchy, remove takes every group */
    cr_assert_eq(vz_cgroup_kill(cg, &err), 0, "%s", err ? err->msg : "");
    int st;
    cr_assert_eq(waitpid(c, &st, 0), c);
    cr_assert_eq(vz_cgroup_remove(cg, &err), 0, "%s", err ? err->msg : "");
    cr_assert_not(vz_cgroup_exists(cg));
}

/* A process that sits in a nested group of one hierarchy only (as the
 * container's systemd puts its services in name=systemd) is found, killed,
 * and its group removed. */
Test(cgroup_hier, nested_group_in_one_hierarchy_is_killed_and_removed)
{
    int ver;
    struct vz_cgroup *cg = make_host("nest", &ver);
    pid_t c = sleeper(cg);
    /* v2: the one hierarchy; the nested group as the container's systemd makes it */
    char *sd = vz_cgroup_path(cg, ver == 1 ? "systemd" : NULL);
    char *sub = vz_path_join(sd, "system.slice/x.service");
    vz_error_t err = NULL;
    cr_assert_eq(vz_mkdir_p(sub, 0755, &err), 0, "%s", err ? err->msg : "");
    char v[32];
    snprintf(v, sizeof(v), "%d", (int)c);
    char *procs = vz_path_join(sub, "cgroup.procs");
    FILE *f = fopen(procs, "we");
    cr_assert_not_null(f);
    fputs(v, f);
    cr_assert_eq(fclose(f), 0);
    /* v1: gone from the memory group? no: only moved in name=systemd */
    pid_t *pids = NULL;
    size_t n = 0;
    cr_assert_eq(vz_cgroup_pids(cg, &pids, &n, &err), 0);
    cr_assert_eq(n, 1, "one process, listed once (got %zu)", n);
    free(pids);
    cr_assert_eq(vz_cgroup_kill(cg, &err), 0, "%s", err ? err->msg : "");
    int st;
    cr_assert_eq(waitpid(c, &st, 0), c);
    cr_assert_eq(vz_cgroup_remove(cg, &err), 0, "%s", err ? err->msg : "");
    cr_assert_not(vz_is_dir(sd), "%s left behind", sd);
    free(sd), free(sub), free(procs);
}

/* Run fn as uid/gid 100000 (no capabilities): the container's root as the
 * host sees it. The child's exit status is fn's. */
static int as_delegatee(struct vz_cgroup *cg, int (*fn)(struct vz_cgroup *))
{
    pid_t c = fork();
    cr_assert_geq(c, 0);
    if (c == 0) {
        if (setgroups(0, NULL) < 0 || setgid(100000) < 0 || setuid(100000) < 0)
            _exit(90);
        _exit(fn(cg));
    }
    int st = 0;
    cr_assert_eq(waitpid(c, &st, 0), c);
    cr_assert(WIFEXITED(st), "status 0x%x", st);
    return WEXITSTATUS(st);
}

static int write_to(const char *dir, const char *file, const char *v)
{
    char *p = vz_path_join(dir, file);
    FILE *f = fopen(p, "we");
    free(p);
    if (!f)
        return -1;
    int ok = fputs(v, f) >= 0;
    return fclose(f) == 0 && ok ? 0 : -1;
}

/* what a container's systemd does on v1, and the limits it must not touch */
static int v1_delegatee(struct vz_cgroup *cg)
{
    char *sd = vz_cgroup_path(cg, "systemd");
    char *sub = vz_path_join(sd, "init.scope");
    char me[32];
    snprintf(me, sizeof(me), "%d", (int)getpid());
    if (mkdir(sub, 0755) < 0)
        return 1;
    if (write_to(sub, "cgroup.procs", me) < 0)
        return 2;
    char *mem = vz_cgroup_path(cg, "memory");
    char *pids = vz_cgroup_path(cg, "pids");
    char *devs = vz_cgroup_path(cg, "devices");
    if (write_to(mem, "memory.limit_in_bytes", "4294967296") == 0)
        return 3;
    if (write_to(pids, "pids.max", "max") == 0)
        return 4;
    if (write_to(devs, "devices.allow", "a") == 0)
        return 5;
    char *msub = vz_path_join(mem, "x");
    if (mkdir(msub, 0755) == 0)
        return 6;
    return 0;
}

static void v2_delegate_check(struct vz_cgroup *cg, int limits);

Test(cgroup_hier, delegate_gives_the_systemd_group_and_no_limit)
{
    int ver;
    struct vz_cgroup *cg = make_host("deleg", &ver);
    if (ver == 2) {
        v2_delegate_check(cg, 1);
        return;
    }
    vz_error_t err = NULL;
    struct vz_cgroup_limits l = VZ_CGROUP_LIMITS_NONE;
    l.numproc = 50;
    l.ram = 64LL << 20;
    cr_assert_eq(vz_cgroup_apply(cg, &l, &err), 0, "%s", err ? err->msg : "");
    /* before delegation the systemd group is not the delegatee's */
    cr_assert_eq(as_delegatee(cg, v1_delegatee), 1);
    cr_assert_eq(vz_cgroup_delegate(cg, 100000, 100000, &err), 0, "%s", err ? err->msg : "");
    cr_assert_eq(vz_cgroup_delegate(cg, 100000, 100000, &err), 0, "idempotent");
    int r = as_delegatee(cg, v1_delegatee);
    cr_assert_eq(r, 0, "delegatee step %d failed (1-2: systemd group not usable; 3-6: a limit was writable)", r);
    char *mem = vz_cgroup_path(cg, "memory");
    char *v = NULL;
    char *f = vz_path_join(mem, "memory.limit_in_bytes");
    cr_assert_eq(vz_read_file(f, &v, NULL, &err), 0);
    cr_assert_eq(atoll(v), 64LL << 20);
    free(v), free(f), free(mem);
    cr_assert_eq(vz_cgroup_remove(cg, &err), 0, "nested group removed: %s", err ? err->msg : "");
    cr_assert_not(vz_cgroup_exists(cg));
}

static int v2_delegatee(struct vz_cgroup *cg)
{
    char *g = vz_cgroup_path(cg, NULL);
    char *sub = vz_path_join(g, "init.scope");
    char me[32];
    snprintf(me, sizeof(me), "%d", (int)getpid());
    if (mkdir(sub, 0755) < 0)
        return 1;
    if (write_to(sub, "cgroup.procs", me) < 0)
        return 2;
    /* the group's own limits (here the one every v2 group has) stay root's */
    if (write_to(g, "cgroup.max.descendants", "100000") == 0)
        return 3;
    char *mem = vz_path_join(g, "memory.max");
    if (vz_file_exists(mem) && write_to(g, "memory.max", "max") == 0)
        return 5;
    /* and the parent's cgroup.procs: it cannot leave its subtree */
    char *parent = vz_xstrdup(g);
    *strrchr(parent, '/') = '\0';
    if (write_to(parent, "cgroup.procs", me) == 0)
        return 4;
    return 0;
}

/* v1 host: the hybrid unified hierarchy; v2 host: the group the runtime
 * makes there */
Test(cgroup_hier, v2_delegate_in_the_unified_hierarchy)
{
    int ver;
    if (vzt_cg_host() == 2) {
        v2_delegate_check(make_host("d2", &ver), 1);
        return;
    }
    const char *root = vzt_cg2_root();
    cr_assert_not_null(root, "no cgroup2 hierarchy on this v1 host (the hybrid unified mount)");
    char id[64];
    snprintf(id, sizeof(id), "vzt-d2-%d", (int)getpid());
    vz_error_t err = NULL;
    cr_assert_eq(vz_cgroup_open_at(root, 2, id, &current, &err), 0);
    struct vz_cgroup *cg = current;
    cr_assert_eq(vz_cgroup_create(cg, &err), 0, "%s", err ? err->msg : "");
    v2_delegate_check(cg, 0); /* the hybrid hierarchy has no controllers */
}

static void v2_delegate_check(struct vz_cgroup *cg, int limits)
{
    vz_error_t err = NULL;
    struct vz_cgroup_limits l = VZ_CGROUP_LIMITS_NONE;
    l.numproc = 50;
    l.ram = 64LL << 20;
    if (limits)
        cr_assert_eq(vz_cgroup_apply(cg, &l, &err), 0, "%s", err ? err->msg : "");
    /* a process that keeps the group, as init does (a systemd scope goes
     * when it is empty) */
    pid_t keep = sleeper(cg);
    cr_assert_eq(as_delegatee(cg, v2_delegatee), 1, "usable before delegation");
    cr_assert_eq(vz_cgroup_delegate(cg, 100000, 100000, &err), 0, "%s", err ? err->msg : "");
    /* the delegatee needs a process in its group to move around */
    pid_t c = fork();
    cr_assert_geq(c, 0);
    if (c == 0) {
        char me[32];
        snprintf(me, sizeof(me), "%d", (int)getpid());
        char *g = vz_cgroup_path(cg, NULL);
        if (write_to(g, "cgroup.procs", me) < 0)
            _exit(80);
        if (setgroups(0, NULL) < 0 || setgid(100000) < 0 || setuid(100000) < 0)
            _exit(90);
        _exit(v2_delegatee(cg));
    }
    int st = 0;
    cr_assert_eq(waitpid(c, &st, 0), c);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "delegatee step %d failed", WEXITSTATUS(st));
    cr_assert_eq(vz_cgroup_kill(cg, &err), 0, "%s", err ? err->msg : "");
    cr_assert_eq(waitpid(keep, &st, 0), keep);
    cr_assert_eq(vz_cgroup_remove(cg, &err), 0, "%s", err ? err->msg : "");
    cr_assert_not(vz_cgroup_exists(cg));
}
