/* cgroups for real on the host running the tests: the limit tests run the
 * variant for its layout (tests/lib/cghost.h): v1 controllers under
 * /sys/fs/cgroup/<ctrl> on a v1 host, the v2 group vz_cgroup_open() makes
 * on a v2 host (a systemd scope where systemd is PID 1); the v2 life cycle
 * runs on whatever cgroup2 hierarchy there is (the hybrid "unified" mount
 * of a v1 host has no controllers). Every group is named vzt-*-PID and
 * removed by the test. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/common.h"
#include "vpscore/cgroup.h"
#include "tests/lib/cghost.h"

/* dir/file's content (allocated; the test fails when it is unreadable) */
static char *read_in(const char *dir, const char *file)
{
    char *p = vz_path_join(dir, file);
    char *v = NULL;
    vz_error_t err = NULL;
    int r = vz_read_file(p, &v, NULL, &err);
    free(p);
    cr_assert_eq(r, 0, "%s", err ? err->msg : "");
    return v;
}

static int have_v1(void)
{
    return vz_is_dir("/sys/fs/cgroup/memory") && vz_is_dir("/sys/fs/cgroup/pids") &&
           vz_is_dir("/sys/fs/cgroup/freezer") && vz_is_dir("/sys/fs/cgroup/cpu");
}

static struct vz_cgroup *current; /* removed by teardown when a test fails */

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

TestSuite(cgroup_real, .fini = teardown, .timeout = 300);

/* The group as the runtime makes it on this host: v1 in every hierarchy,
 * or v2 (plain, or in a systemd scope) */
static struct vz_cgroup *open_real(const char *tag, int *version)
{
    *version = vzt_cg_host();
    if (*version == 1)
        cr_assert(have_v1(), "cgroup v1 memory/cpu/pids/freezer are not mounted under /sys/fs/cgroup");
    char id[64];
    snprintf(id, sizeof(id), "vzt-%s-%d", tag, (int)getpid());
    struct vz_cgroup *cg = NULL;
    vz_error_t err = NULL;
    if (*version == 1)
        cr_assert_eq(vz_cgroup_open_at("/sys/fs/cgroup", 1, id, &cg, &err), 0);
    else
        cr_assert_eq(vz_cgroup_open(id, &cg, &err), 0, "%s", err ? err->msg : "");
    current = cg;
    cr_assert_eq(vz_cgroup_create(cg, &err), 0, "%s", err ? err->msg : "");
    return cg;
}

static void close_cg(struct vz_cgroup *cg)
{
    vz_error_t err = NULL;
    cr_expect_eq(vz_cgroup_kill(cg, &err), 0, "%s", err ? err->msg : "");
    vz_error_release(&err);
    cr_expect_eq(vz_cgroup_remove(cg, &err), 0, "%s", err ? err->msg : "");
    vz_error_release(&err);
    cr_expect_not(vz_cgroup_exists(cg), "group left behind");
    vz_cgroup_free(cg);
    current = NULL;
}

/* fork a child that waits for a byte on a pipe, then runs fn */
static pid_t spawn_in(struct vz_cgroup *cg, void (*fn)(void))
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
        fn();
        _exit(0);
    }
    close(p[0]);
    vz_error_t err = NULL;
    cr_assert_eq(vz_cgroup_enter(cg, c, &err), 0, "%s", err ? err->msg : "");
    vz_cgroup_settled(cg); /* as start does once init is in */
    cr_assert_eq(write(p[1], "x", 1), 1);
    close(p[1]);
    return c;
}

static void hog(void)
{
    /* touch 256 MB, 1 MB at a time; the limit is 32 MB */
    for (int i = 0; i < 256; i++) {
        char *m = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (m == MAP_FAILED)
            _exit(3);
        memset(m, 1, 1 << 20);
    }
    _exit(0);
}

static void idler(void)
{
    pause();
    _exit(0);
}

Test(cgroup_real, memory_hog_killed_at_limit_host_untouched)
{
    int ver;
    struct vz_cgroup *cg = open_real("mem", &ver);
    struct vz_cgroup_limits l = VZ_CGROUP_LIMITS_NONE;
    l.ram = 32LL << 20;
    vz_error_t err = NULL;
    cr_assert_eq(vz_cgroup_apply(cg, &l, &err), 0, "%s", err ? err->msg : "");
    char *mem = vz_cgroup_path(cg, "memory");
    char *v = NULL;
    v = read_in(mem, ver == 1 ? "memory.limit_in_bytes" : "memory.max");
    cr_assert_eq(atoll(v), 32LL << 20);
    free(v);
    struct vz_cgroup_memev ev;
    cr_assert_eq(vz_cgroup_memory_events(cg, &ev), 0);
    cr_assert(ev.oom_kill == 0 && ev.max <= 0, "a new group has events: kills %lld max %lld",
              (long long)ev.oom_kill, (long long)ev.max);
    /* a second, idle member keeps the group alive after the kill: on a
     * systemd host an emptied scope is stopped and its group removed at
     * once (seen in the v2 guest), as a container's is when it dies */
    pid_t idle = spawn_in(cg, idler);
    pid_t c = spawn_in(cg, hog);
    int st = 0;
    cr_assert_eq(waitpid(c, &st, 0), c);
    cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL,
              "the hog was not OOM-killed (status 0x%x)", st);
    v = read_in(mem, ver == 1 ? "memory.oom_control" : "memory.events");
    cr_assert_not_null(strstr(v, "oom_kill 1"), "%s", v);
    free(v);
    /* what vzctl status --json shows */
    cr_assert_eq(vz_cgroup_memory_events(cg, &ev), 0);
    cr_assert_eq(ev.oom_kill, 1);
    if (ver == 2) {
        cr_assert_geq(ev.oom, 1);
        cr_assert_gt(ev.max, 0, "the limit was hit: max %lld", (long long)ev.max);
    } else
        cr_assert(ev.oom == -1 && ev.max == -1, "v1 counts no OOM events apart from kills");
    /* the test process itself (outside the group) is alive and can allocate */
    char *m = malloc(64 << 20);
    cr_assert_not_null(m);
    memset(m, 2, 64 << 20);
    free(m);
    free(mem);
    close_cg(cg);
    cr_assert_eq(waitpid(idle, &st, 0), idle);
}

static void bomb(void)
{
    /* bounded fork bomb: 200 children that sleep; numproc is 20 */
    int made = 0;
    for (int i = 0; i < 200; i++) {
        pid_t c = fork();
        if (c == 0) {
            pause();
            _exit(0);
        }
        if (c > 0)
            made++;
    }
    _exit(made >= 200 ? 1 : 0);
}

Test(cgroup_real, fork_bomb_stopped_at_numproc)
{
    int ver;
    struct vz_cgroup *cg = open_real("pids", &ver);
    struct vz_cgroup_limits l = VZ_CGROUP_LIMITS_NONE;
    l.numproc = 20;
    vz_error_t err = NULL;
    cr_assert_eq(vz_cgroup_apply(cg, &l, &err), 0, "%s", err ? err->msg : "");
    pid_t c = spawn_in(cg, bomb);
    int st = 0;
    cr_assert_eq(waitpid(c, &st, 0), c);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "fork bomb was not stopped (status 0x%x)", st);
    pid_t *pids = NULL;
    size_t n = 0;
    cr_assert_eq(vz_cgroup_pids(cg, &pids, &n, &err), 0);
    cr_assert_eq(n, 19, "want the 19 children left (20 - the parent that exited), got %zu", n);
    free(pids);
    char *p = vz_cgroup_path(cg, "pids");
    char *v = NULL;
    v = read_in(p, "pids.events");
    char *m = strstr(v, "max ");
    cr_assert_not_null(m, "pids.events: %s", v);
    cr_assert_gt(atoll(m + 4), 0, "pids.events records no refused fork: %s", v);
    free(v);
    free(p);
    close_cg(cg);
}

static void spin(void)
{
    for (;;)
        pause();
}

Test(cgroup_real, cpu_files_freeze_kill_remove)
{
    int ver;
    struct vz_cgroup *cg = open_real("cpu", &ver);
    struct vz_cgroup_limits l = VZ_CGROUP_LIMITS_NONE;
    l.cpulimit = 50;
    l.cpuunits = 2000;
    vz_error_t err = NULL;
    cr_assert_eq(vz_cgroup_apply(cg, &l, &err), 0, "%s", err ? err->msg : "");
    char *cpu = vz_cgroup_path(cg, "cpu");
    char *v = NULL;
    v = read_in(cpu, ver == 1 ? "cpu.cfs_quota_us" : "cpu.max");
    cr_assert_str_eq(v, ver == 1 ? "50000\n" : "50000 100000\n");
    free(v);
    /* 2048 shares; on v2 the weight runc and crun convert them to */
    v = read_in(cpu, ver == 1 ? "cpu.shares" : "cpu.weight");
    cr_assert_str_eq(v, ver == 1 ? "2048\n" : "79\n");
    free(v);
    free(cpu);
    pid_t c = spawn_in(cg, spin);
    cr_assert_eq(vz_cgroup_freeze(cg, 1, &err), 0, "%s", err ? err->msg : "");
    cr_assert_eq(vz_cgroup_freeze(cg, 0, &err), 0, "%s", err ? err->msg : "");
    /* remove refuses while the process is in it, and says why */
    cr_assert_lt(vz_cgroup_remove(cg, &err), 0);
    cr_assert_not_null(strstr(err->msg, "processes still in it"), "%s", err->msg);
    vz_error_release(&err);
    cr_assert_eq(vz_cgroup_kill(cg, &err), 0, "%s", err ? err->msg : "");
    int st = 0;
    cr_assert_eq(waitpid(c, &st, 0), c);
    cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
    close_cg(cg);
}

Test(cgroup_real, v2_enter_freeze_kill_remove)
{
    vzt_cg_host();
    const char *root = vzt_cg2_root();
    cr_assert_not_null(root, "no cgroup2 hierarchy on this host (neither the root nor a hybrid mount)");
    char id[64];
    snprintf(id, sizeof(id), "vzt-v2-%d", (int)getpid());
    struct vz_cgroup *cg = NULL;
    vz_error_t err = NULL;
    cr_assert_eq(vz_cgroup_open_at(root, 2, id, &cg, &err), 0);
    current = cg;
    cr_assert_eq(vz_cgroup_create(cg, &err), 0, "%s", err ? err->msg : "");
    struct vz_cgroup_limits none = VZ_CGROUP_LIMITS_NONE;
    cr_assert_eq(vz_cgroup_apply(cg, &none, &err), 0, "%s", err ? err->msg : "");
    pid_t c = spawn_in(cg, spin);
    pid_t *pids = NULL;
    size_t n = 0;
    cr_assert_eq(vz_cgroup_pids(cg, &pids, &n, &err), 0);
    cr_assert_eq(n, 1);
    cr_assert_eq(pids[0], c);
    free(pids);
    cr_assert_eq(vz_cgroup_freeze(cg, 1, &err), 0, "%s", err ? err->msg : "");
    cr_assert_eq(vz_cgroup_freeze(cg, 0, &err), 0, "%s", err ? err->msg : "");
    cr_assert_eq(vz_cgroup_kill(cg, &err), 0, "%s", err ? err->msg : "");
    int st = 0;
    cr_assert_eq(waitpid(c, &st, 0), c);
    cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
    close_cg(cg);
}

/* Two installations with the same CTID never share a cgroup: a scratch
 * VZ_ROOT gets a parent group of its own, removed with its last container;
 * the host's own (VZ_ROOT unset or "/") keeps "vzforge". */
Test(cgroup_real, scratch_roots_get_their_own_parent_group)
{
    if (vzt_cg_host() == 1)
        cr_assert(have_v1(), "cgroup v1 memory/cpu/pids/freezer are not mounted under /sys/fs/cgroup");
    char *saved = getenv("VZ_ROOT") ? vz_xstrdup(getenv("VZ_ROOT")) : NULL;
    char a[] = "/tmp/vzt-cgbase-XXXXXX", b[] = "/tmp/vzt-cgbase-XXXXXX";
    cr_assert_not_null(mkdtemp(a));
    cr_assert_not_null(mkdtemp(b));
    unsetenv("VZ_ROOT");
    cleanup_free char *host = vz_cgroup_base();
    setenv("VZ_ROOT", "/", 1);
    cleanup_free char *slash = vz_cgroup_base();
    cr_assert_str_eq(host, "vzforge");
    cr_assert_str_eq(slash, "vzforge");
    setenv("VZ_ROOT", b, 1);
    cleanup_free char *base_b = vz_cgroup_base();
    cleanup_free char *b_slash = vz_xasprintf("%s/", b); /* the same directory, spelt otherwise */
    setenv("VZ_ROOT", b_slash, 1);
    cleanup_free char *base_b2 = vz_cgroup_base();
    cr_assert_str_eq(base_b, base_b2);
    setenv("VZ_ROOT", a, 1);
    cleanup_free char *base_a = vz_cgroup_base();
    cr_assert_str_neq(base_a, base_b);
    cr_assert_eq(strncmp(base_a, "vzforge-", 8), 0, "%s", base_a);

    char id[64];
    snprintf(id, sizeof(id), "vzt-base-%d", (int)getpid());
    struct vz_cgroup *cg = NULL;
    vz_error_t err = NULL;
    cr_assert_eq(vz_cgroup_open(id, &cg, &err), 0, "%s", err ? err->msg : "");
    current = cg;
    cr_assert_eq(vz_cgroup_create(cg, &err), 0, "%s", err ? err->msg : "");
    /* v1 and plain v2: ROOT[/pids]/BASE/ID; a systemd host: a scope of
     * the scratch root's own, vz.slice/vz-DEV_INODE-ID.scope/ct */
    cleanup_free char *in_a = vz_cgroup_path(cg, "pids");
    cr_assert(vz_is_dir(in_a), "%s missing", in_a);
    unsetenv("VZ_ROOT");
    struct vz_cgroup *host_cg = NULL;
    cr_assert_eq(vz_cgroup_open(id, &host_cg, &err), 0);
    cleanup_free char *host_group = vz_cgroup_path(host_cg, "pids");
    vz_cgroup_free(host_cg);
    setenv("VZ_ROOT", a, 1);
    cr_assert_str_neq(in_a, host_group);
    cr_assert(!vz_is_dir(host_group), "the scratch root's group landed in the host's: %s", host_group);
    cr_assert_eq(vz_cgroup_remove(cg, &err), 0, "%s", err ? err->msg : "");
    vz_cgroup_free(cg);
    current = NULL;
    cleanup_free char *parent = vz_xstrdup(in_a);
    *strrchr(parent, '/') = '\0';
    cr_assert(!vz_is_dir(parent), "%s left after its last group", parent);
    if (saved)
        setenv("VZ_ROOT", saved, 1);
    else
        unsetenv("VZ_ROOT");
    free(saved);
    rmdir(a);
    rmdir(b);
}
