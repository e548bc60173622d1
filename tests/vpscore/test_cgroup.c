/* cgroup v1 for real (a test group under each controller, removed after),
 * cgroup v2 against a fake tree (limit files) and against the unified
 * hierarchy these hosts mount at /sys/fs/cgroup/unified (create, enter,
 * freeze, kill, remove: no controllers are attached there). */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/common.h"
#include "vpscore/cgroup.h"
#include "vpscore/cgroup-internal.h"

static char tmp[64];
static char ctid[64];

static void setup(void)
{
    strncpy(tmp, "/tmp/vzt-cg-XXXXXX", sizeof(tmp));
    cr_assert_not_null(mkdtemp(tmp));
    snprintf(ctid, sizeof(ctid), "vzt-cg-%d", (int)getpid());
}

static void teardown(void)
{
    vz_error_t err = NULL;
    vz_rm_rf(tmp, &err);
    vz_error_release(&err);
}

TestSuite(cgroup, .init = setup, .fini = teardown, .timeout = 300);

static char *slurp(const char *dir, const char *file)
{
    char *v = NULL;
    vz_error_t err = NULL;
    if (vz_cg_read(dir, file, &v, &err) < 0) {
        cr_log_error("%s", err->msg);
        vz_error_release(&err);
        return vz_xstrdup("<missing>");
    }
    return v;
}

static void assert_file(const char *dir, const char *file, const char *want)
{
    char *v = slurp(dir, file);
    cr_assert_str_eq(v, want, "%s/%s: got '%s', want '%s'", dir, file, v, want);
    free(v);
}

Test(cgroup, quota_from_cpulimit_and_cpus)
{
    struct vz_cgroup_limits l = VZ_CGROUP_LIMITS_NONE;
    cr_assert_eq(vz_cg_quota_us(&l), -1);
    l.cpulimit = 50;
    cr_assert_eq(vz_cg_quota_us(&l), 50000);
    l.cpus = 2;
    cr_assert_eq(vz_cg_quota_us(&l), 50000);
    l.cpulimit = 350;
    cr_assert_eq(vz_cg_quota_us(&l), 200000);
    l.cpulimit = -1;
    l.cpus = 1;
    cr_assert_eq(vz_cg_quota_us(&l), 100000);
    l.cpus = -1;
    l.cpulimit = 0;
    cr_assert_eq(vz_cg_quota_us(&l), -1);
}

Test(cgroup, v2_fake_tree_limit_files)
{
    vz_error_t err = NULL;
    char *ctl = vz_path_join(tmp, "cgroup.controllers");
    cr_assert_eq(vz_atomic_write(ctl, "cpuset cpu io memory hugetlb pids rdma\n", 39, 0644, &err), 0);
    struct vz_cgroup *cg = NULL;
    cr_assert_eq(vz_cgroup_open_at(tmp, 2, "101", &cg, &err), 0);
    cr_assert_eq(vz_cgroup_version(cg), 2);
    cr_assert_eq(vz_cgroup_create(cg, &err), 0, "%s", err ? err->msg : "");
    char *base = vz_path_join(tmp, "vzforge");
    assert_file(tmp, "cgroup.subtree_control", "+memory +cpu +pids");
    /* the fake base has no cgroup.controllers of its own: seed it as the
     * kernel would after the root enabled them */
    char *bctl = vz_path_join(base, "cgroup.controllers");
    cr_assert_eq(vz_atomic_write(bctl, "cpu memory pids\n", 16, 0644, &err), 0);
    cr_assert_eq(vz_cgroup_create(cg, &err), 0, "create is idempotent");
    assert_file(base, "cgroup.subtree_control", "+memory +cpu +pids");
    char *p = vz_cgroup_path(cg, "memory");
    cr_assert(vz_is_dir(p));
    cr_assert(vz_cgroup_exists(cg));
    char *swp = vz_path_join(p, "memory.swap.max");
    cr_assert_eq(vz_atomic_write(swp, "max\n", 4, 0644, &err), 0);

    struct vz_cgroup_limits l = VZ_CGROUP_LIMITS_NONE;
    l.ram = 512LL << 20;
    l.swap = 128LL << 20;
    l.cpulimit = 150;
    l.cpus = 1;
    l.cpuunits = 1000;
    l.numproc = 64;
    cr_assert_eq(vz_cgroup_apply(cg, &l, &err), 0, "%s", err ? err->msg : "");
    assert_file(p, "memory.max", "536870912");
    assert_file(p, "memory.swap.max", "134217728");
    assert_file(p, "cpu.max", "100000 100000");
    assert_file(p, "cpu.weight", "39");
    assert_file(p, "pids.max", "64");

    l = (struct vz_cgroup_limits)VZ_CGROUP_LIMITS_NONE;
    l.ram = 256LL << 20; /* swap unset with ram: no swap */
    cr_assert_eq(vz_cgroup_apply(cg, &l, &err), 0);
    assert_file(p, "memory.max", "268435456");
    assert_file(p, "memory.swap.max", "0");
    assert_file(p, "cpu.max", "max 100000");
    assert_file(p, "pids.max", "max");

    cr_assert_eq(vz_cgroup_remove(cg, &err), 0, "%s", err ? err->msg : "");
    cr_assert_not(vz_is_dir(p));
    cr_assert_eq(vz_cgroup_remove(cg, &err), 0, "remove of a missing group succeeds");
    vz_cgroup_free(cg);
    free(p), free(swp), free(base), free(bctl), free(ctl);
}

Test(cgroup, v2_missing_controller_names_it)
{
    vz_error_t err = NULL;
    char *ctl = vz_path_join(tmp, "cgroup.controllers");
    cr_assert_eq(vz_atomic_write(ctl, "cpu\n", 4, 0644, &err), 0);
    struct vz_cgroup *cg = NULL;
    cr_assert_eq(vz_cgroup_open_at(tmp, 2, "102", &cg, &err), 0);
    cr_assert_eq(vz_cgroup_create(cg, &err), 0);
    struct vz_cgroup_limits l = VZ_CGROUP_LIMITS_NONE;
    l.numproc = 10;
    cr_assert_lt(vz_cgroup_apply(cg, &l, &err), 0);
    cr_assert_not_null(strstr(err->msg, "--numproc needs the pids controller"), "%s", err->msg);
    vz_error_release(&err);
    vz_cgroup_free(cg);
    free(ctl);
}

Test(cgroup, v1_fake_tree_memsw_and_cpu)
{
    vz_error_t err = NULL;
    const char *ctrls[] = { "memory", "cpu", "pids" };
    for (int i = 0; i < 3; i++) {
        char *d = vz_path_join(tmp, ctrls[i]);
        cr_assert_eq(vz_mkdir_p(d, 0755, &err), 0);
        free(d);
    }
    struct vz_cgroup *cg = NULL;
    cr_assert_eq(vz_cgroup_open_at(tmp, 1, "103", &cg, &err), 0);
    cr_assert_eq(vz_cgroup_create(cg, &err), 0);
    char *mem = vz_cgroup_path(cg, "memory");
    char *memsw = vz_path_join(mem, "memory.memsw.limit_in_bytes");
    cr_assert_eq(vz_atomic_write(memsw, "-1", 2, 0644, &err), 0);
    struct vz_cgroup_limits l = VZ_CGROUP_LIMITS_NONE;
    l.ram = 1 << 20;
    l.swap = 1 << 20;
    l.cpuunits = 500;
    l.cpulimit = 25;
    cr_assert_eq(vz_cgroup_apply(cg, &l, &err), 0, "%s", err ? err->msg : "");
    assert_file(mem, "memory.limit_in_bytes", "1048576");
    assert_file(mem, "memory.memsw.limit_in_bytes", "2097152");
    char *cpu = vz_cgroup_path(cg, "cpu");
    assert_file(cpu, "cpu.cfs_quota_us", "25000");
    assert_file(cpu, "cpu.cfs_period_us", "100000");
    assert_file(cpu, "cpu.shares", "512");
    char *pids = vz_cgroup_path(cg, "pids");
    assert_file(pids, "pids.max", "max");
    /* freezer is not mounted in this tree: freeze says so */
    cr_assert_lt(vz_cgroup_freeze(cg, 1, &err), 0);
    cr_assert_not_null(strstr(err->msg, "needs the freezer controller, not mounted"), "%s", err->msg);
    vz_error_release(&err);
    cr_assert_eq(vz_cgroup_remove(cg, &err), 0);
    cr_assert_not(vz_is_dir(mem));
    vz_cgroup_free(cg);
    free(mem), free(memsw), free(cpu), free(pids);
}

/* A fake v1 tree (no mounts below it): every directory is a hierarchy, a
 * symlink is not (cpu -> cpu,cpuacct as distributions lay them out), the
 * group is made in each, and delegation chowns the systemd group only. */
Test(cgroup, v1_fake_tree_every_hierarchy_and_delegation)
{
    vz_error_t err = NULL;
    const char *dirs[] = { "cpu,cpuacct", "memory", "blkio", "devices", "systemd" };
    for (size_t i = 0; i < VZ_ARRAY_SIZE(dirs); i++) {
        char *d = vz_path_join(tmp, dirs[i]);
        cr_assert_eq(vz_mkdir_p(d, 0755, &err), 0);
        free(d);
    }
    char *link = vz_path_join(tmp, "cpu");
    cr_assert_eq(symlink("cpu,cpuacct", link), 0);
    struct vz_cgroup *cg = NULL;
    cr_assert_eq(vz_cgroup_open_at(tmp, 1, "104", &cg, &err), 0);
    cr_assert_eq(vz_cgroup_create(cg, &err), 0, "%s", err ? err->msg : "");
    for (size_t i = 0; i < VZ_ARRAY_SIZE(dirs); i++) {
        char *g = vz_xasprintf("%s/%s/vzforge/104", tmp, dirs[i]);
        cr_assert(vz_is_dir(g), "%s not made", g);
        free(g);
    }
    char *through_link = vz_cgroup_path(cg, "cpu");
    cr_assert(vz_is_dir(through_link), "limits reach cpu,cpuacct through the cpu symlink");
    cr_assert_eq(vz_cgroup_enter(cg, 12345, &err), 0, "%s", err ? err->msg : "");
    char *sd = vz_xasprintf("%s/systemd/vzforge/104", tmp);
    char *blk = vz_xasprintf("%s/blkio/vzforge/104", tmp);
    assert_file(sd, "cgroup.procs", "12345");
    assert_file(blk, "cgroup.procs", "12345");
    /* the fake tree's files are regular files: delegation can chown them */
    char *tasks = vz_path_join(sd, "tasks");
    cr_assert_eq(vz_atomic_write(tasks, "", 0, 0644, &err), 0);
    cr_assert_eq(vz_cgroup_delegate(cg, 100000, 100001, &err), 0, "%s", err ? err->msg : "");
    struct stat st;
    cr_assert_eq(stat(sd, &st), 0);
    cr_assert(st.st_uid == 100000 && st.st_gid == 100001, "systemd group not delegated");
    cr_assert_eq(stat(tasks, &st), 0);
    cr_assert_eq(st.st_uid, 100000);
    cr_assert_eq(stat(blk, &st), 0);
    cr_assert_eq(st.st_uid, 0, "a controller group was delegated");
    char *blkprocs = vz_path_join(blk, "cgroup.procs");
    cr_assert_eq(stat(blkprocs, &st), 0);
    cr_assert_eq(st.st_uid, 0);
    cr_assert_eq(vz_cgroup_remove(cg, &err), 0, "%s", err ? err->msg : "");
    cr_assert_not(vz_cgroup_exists(cg));
    vz_cgroup_free(cg);
    free(link), free(through_link), free(sd), free(blk), free(tasks), free(blkprocs);
}
