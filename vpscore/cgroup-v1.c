/* vpscore/cgroup-v1.c: cgroup v1 back end: hierarchies mounted at
 * ROOT/<name> (cgroup-hier.c lists them). The group exists in every one,
 * controllers and named hierarchies alike; limits are written through the
 * controller's name (ROOT/memory, ROOT/cpu: a symlink to "cpu,cpuacct" where
 * the distribution co-mounts them). */
#include "vpscore/cgroup-internal.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char *v1_path(const struct vz_cgroup *cg, const char *ctrl)
{
    return vz_xasprintf("%s/%s/%s", cg->root, ctrl, cg->name);
}

static char *group_in(const struct vz_cgroup *cg, const struct vz_cg_hier *h)
{
    return vz_path_join(h->dir, cg->name);
}

static int ctrl_mounted(const struct vz_cgroup *cg, const char *ctrl)
{
    cleanup_free char *p = vz_path_join(cg->root, ctrl);
    return vz_is_dir(p);
}

static int v1_exists(const struct vz_cgroup *cg)
{
    for (size_t i = 0; i < cg->nhier; i++) {
        cleanup_free char *p = group_in(cg, &cg->hier[i]);
        if (vz_is_dir(p))
            return 1;
    }
    return 0;
}

static char **v1_group_dirs(const struct vz_cgroup *cg)
{
    char **v = NULL;
    for (size_t i = 0; i < cg->nhier; i++) {
        cleanup_free char *p = group_in(cg, &cg->hier[i]);
        if (vz_is_dir(p))
            vz_strv_push(&v, p);
    }
    return v;
}

static int v1_remove(struct vz_cgroup *cg, vz_error_t *err)
{
    int r = 0;
    for (size_t i = 0; i < cg->nhier; i++) {
        cleanup_free char *p = group_in(cg, &cg->hier[i]);
        vz_error_t e = NULL;
        if (vz_cg_tree_remove(p, &e) < 0 && r == 0) {
            *err = e;
            r = -1;
        } else
            vz_error_release(&e);
    }
    return r;
}

/* A new cpuset group starts with no CPU and no memory node, and no task
 * can join it: copy both from the parent, level by level (the parent
 * "vzforge" is a new group too the first time). */
static int cpuset_fill(const char *hdir, const char *rel, vz_error_t *err)
{
    static const char *const files[] = { "cpuset.cpus", "cpuset.mems" };
    cleanup_free char *path = vz_xstrdup(rel);
    for (char *slash = path;; slash++) {
        slash = strchr(slash, '/');
        if (slash)
            *slash = '\0';
        cleanup_free char *dir = vz_path_join(hdir, path);
        cleanup_free char *parent = vz_xstrdup(dir);
        *strrchr(parent, '/') = '\0';
        for (size_t i = 0; i < VZ_ARRAY_SIZE(files); i++) {
            cleanup_free char *mine = NULL, *theirs = NULL;
            cleanup_free char *f = vz_path_join(dir, files[i]);
            if (!vz_file_exists(f)) /* a fake tree */
                continue;
            if (vz_cg_read(dir, files[i], &mine, err) < 0)
                return -1;
            if (mine[0] != '\0')
                continue;
            if (vz_cg_read(parent, files[i], &theirs, err) < 0 || vz_cg_write(dir, files[i], theirs, err) < 0)
                return -1;
        }
        if (!slash)
            return 0;
        *slash = '/';
    }
}

static int v1_create(struct vz_cgroup *cg, vz_error_t *err)
{
    int made = 0;
    for (size_t i = 0; i < cg->nhier; i++) {
        const struct vz_cg_hier *h = &cg->hier[i];
        if (vz_cg_mkdir(h->dir, cg->name, err) < 0 ||
            ((h->kind & VZ_CGH_CPUSET) && cpuset_fill(h->dir, cg->name, err) < 0)) {
            vz_error_t e2 = NULL;
            v1_remove(cg, &e2);
            vz_error_release(&e2);
            return vz_error_wrap(err, "create cgroup %s in %s", cg->name, h->dir);
        }
        made++;
    }
    if (made == 0)
        return vz_error_set(err, VZ_ESYSTEM, ENOENT, "no cgroup v1 hierarchy is mounted under %s", cg->root);
    return 0;
}

static int need(const struct vz_cgroup *cg, const char *ctrl, const char *what, vz_error_t *err)
{
    cleanup_free char *p = v1_path(cg, ctrl);
    if (vz_is_dir(p))
        return 0;
    if (!ctrl_mounted(cg, ctrl))
        return vz_error_set(err, VZ_ESYSTEM, ENOENT, "%s needs the %s controller, not mounted under %s",
                            what, ctrl, cg->root);
    return vz_error_set(err, VZ_ESYSTEM, ENOENT, "%s: group %s does not exist (create it first)", what, p);
}

static int v1_set_memory(struct vz_cgroup *cg, const struct vz_cgroup_limits *l, vz_error_t *err)
{
    cleanup_free char *mem = v1_path(cg, "memory");
    char lim[32], sw[32];
    if (l->ram >= 0)
        snprintf(lim, sizeof(lim), "%lld", (long long)l->ram);
    else
        snprintf(lim, sizeof(lim), "-1");
    /* memsw is the limit of ram+swap; swap unset with ram set means no swap
     * (OpenVZ's SWAPPAGES default is 0). */
    if (l->ram < 0)
        snprintf(sw, sizeof(sw), "-1");
    else
        snprintf(sw, sizeof(sw), "%lld", (long long)(l->ram + (l->swap > 0 ? l->swap : 0)));
    cleanup_free char *memsw = vz_path_join(mem, "memory.memsw.limit_in_bytes");
    int have_memsw = vz_file_exists(memsw);
    /* memsw must stay >= limit: raise memsw first when growing, limit first
     * when shrinking. Try one order, then the other. */
    vz_error_t e1 = NULL;
    if (vz_cg_write(mem, "memory.limit_in_bytes", lim, &e1) == 0) {
        if (!have_memsw)
            return 0;
        return vz_cg_write(mem, "memory.memsw.limit_in_bytes", sw, err);
    }
    if (!have_memsw) {
        *err = e1;
        return -1;
    }
    vz_error_release(&e1);
    if (vz_cg_write(mem, "memory.memsw.limit_in_bytes", sw, err) < 0)
        return -1;
    return vz_cg_write(mem, "memory.limit_in_bytes", lim, err);
}

/* A controller section applies when its group exists; a limit that needs a
 * controller whose group is missing is an error, an unset one is skipped. */
static int section(const struct vz_cgroup *cg, const char *ctrl, int wanted, const char *what,
                   vz_error_t *err)
{
    cleanup_free char *p = v1_path(cg, ctrl);
    if (vz_is_dir(p))
        return 1;
    if (!wanted)
        return 0;
    return need(cg, ctrl, what, err);
}

static int v1_apply(struct vz_cgroup *cg, const struct vz_cgroup_limits *l, vz_error_t *err)
{
    char v[64];
    int r = section(cg, "memory", l->ram >= 0 || l->swap >= 0, "--ram/--swap", err);
    if (r < 0 || (r > 0 && v1_set_memory(cg, l, err) < 0))
        return -1;

    int64_t quota = vz_cg_quota_us(l);
    r = section(cg, "cpu", quota >= 0 || l->cpuunits > 0, "--cpulimit/--cpus/--cpuunits", err);
    if (r < 0)
        return -1;
    if (r > 0) {
        cleanup_free char *cpu = v1_path(cg, "cpu");
        snprintf(v, sizeof(v), "%d", VZ_CG_PERIOD_US);
        if (vz_cg_write(cpu, "cpu.cfs_period_us", v, err) < 0)
            return -1;
        snprintf(v, sizeof(v), "%lld", (long long)quota);
        if (vz_cg_write(cpu, "cpu.cfs_quota_us", v, err) < 0)
            return -1;
        snprintf(v, sizeof(v), "%lld", (long long)vz_cg_shares(l));
        if (vz_cg_write(cpu, "cpu.shares", v, err) < 0)
            return -1;
    }

    r = section(cg, "pids", l->numproc >= 0, "--numproc", err);
    if (r < 0)
        return -1;
    if (r > 0) {
        cleanup_free char *pids = v1_path(cg, "pids");
        if (l->numproc >= 0)
            snprintf(v, sizeof(v), "%lld", (long long)l->numproc);
        else
            snprintf(v, sizeof(v), "max");
        if (vz_cg_write(pids, "pids.max", v, err) < 0)
            return -1;
    }
    return 0;
}

/* Every hierarchy, or the process stays in the host's root group of the
 * ones left out (and a cgroup mount inside would show that root group). */
/* 1 when the calling process has one thread (read from /proc/self/stat's
 * num_threads would do as well; status is simpler to parse). */
static int single_threaded(void)
{
    cleanup_free char *st = NULL;
    vz_error_t e = NULL;
    if (vz_read_file("/proc/self/status", &st, NULL, &e) < 0) {
        vz_error_release(&e);
        return 0;
    }
    const char *t = strstr(st, "\nThreads:");
    return t && atoi(t + strlen("\nThreads:")) == 1;
}

/* Moving a whole process (cgroup.procs) takes the kernel's global
 * threadgroup lock for writing, and its first writer waits for an RCU grace
 * period: 5-15 ms on our hosts, the largest single cost of a start or an
 * exec. A thread that moves itself through "tasks" ("0": the writer) skips
 * that lock (kernel/cgroup/cgroup.c, cgroup_procs_write_start: a single
 * thread that is current cannot exit or exec under us): 0.3 ms for every
 * hierarchy together. For a single-threaded process that is the whole
 * process, so start's and exec's helpers, which move themselves before
 * they fork, take that path. The cgroup2 hierarchy of a hybrid host has no
 * such file; it keeps the cgroup.procs write. */
/* pid into the group in every hierarchy; skip_unified: not the cgroup2
 * one of a hybrid host (the process was born there by CLONE_INTO_CGROUP). */
static int enter_hier(struct vz_cgroup *cg, pid_t pid, int skip_unified, vz_error_t *err)
{
    int self = pid == getpid() && single_threaded();
    char v[32];
    snprintf(v, sizeof(v), "%d", (int)pid);
    for (size_t i = 0; i < cg->nhier; i++) {
        int unified = (cg->hier[i].kind & VZ_CGH_UNIFIED) != 0;
        if (unified && skip_unified)
            continue;
        cleanup_free char *p = group_in(cg, &cg->hier[i]);
        if (!vz_is_dir(p))
            return vz_error_set(err, VZ_ESYSTEM, ENOENT, "move process %d into cgroup %s: %s does not exist "
                                "(was the hierarchy mounted after the container started?)", (int)pid, cg->name, p);
        int tasks = self && !unified;
        if (vz_cg_write(p, tasks ? "tasks" : "cgroup.procs", tasks ? "0" : v, err) < 0)
            return vz_error_wrap(err, "move process %d into cgroup %s", (int)pid, cg->name);
    }
    return 0;
}

static int v1_enter(struct vz_cgroup *cg, pid_t pid, vz_error_t *err)
{
    return enter_hier(cg, pid, 0, err);
}

int vz_cgroup_v1_enter_self(struct vz_cgroup *cg, int skip_unified, vz_error_t *err)
{
    return enter_hier(cg, getpid(), skip_unified, err);
}

/* The group's directory in the hybrid host's cgroup2 hierarchy, or NULL. */
char *vz_cgroup_v1_unified_dir(const struct vz_cgroup *cg)
{
    for (size_t i = 0; i < cg->nhier; i++)
        if (cg->hier[i].kind & VZ_CGH_UNIFIED)
            return group_in(cg, &cg->hier[i]);
    return NULL;
}

static int v1_freeze(struct vz_cgroup *cg, int frozen, vz_error_t *err)
{
    if (need(cg, "freezer", frozen ? "freeze" : "thaw", err) < 0)
        return -1;
    cleanup_free char *p = v1_path(cg, "freezer");
    const char *want = frozen ? "FROZEN" : "THAWED";
    if (vz_cg_write(p, "freezer.state", want, err) < 0)
        return -1;
    for (int i = 0; i < 2000; i++) { /* up to 10 s */
        cleanup_free char *st = NULL;
        if (vz_cg_read(p, "freezer.state", &st, err) < 0)
            return -1;
        if (strcmp(st, want) == 0)
            return 0;
        usleep(5000);
    }
    return vz_error_set(err, VZ_ETIMEOUT, 0, "cgroup %s: freezer.state did not reach %s in 10 s", p, want);
}

/* FREEZING counts: a process joining the group would stop as well. */
static int v1_frozen(const struct vz_cgroup *cg)
{
    cleanup_free char *p = v1_path(cg, "freezer");
    cleanup_free char *st = NULL;
    vz_error_t e = NULL;
    if (vz_cg_read(p, "freezer.state", &st, &e) < 0) {
        vz_error_release(&e); /* no freezer mounted, or no group */
        return 0;
    }
    return strcmp(st, "THAWED") != 0;
}

static int v1_kill(struct vz_cgroup *cg, vz_error_t *err)
{
    cleanup_strv char **dirs = v1_group_dirs(cg);
    size_t n = vz_strv_len(dirs);
    if (n == 0)
        return 0;
    /* Freeze first so nothing forks between reading the lists and killing;
     * SIGKILL is delivered to frozen tasks once they are thawed. The kill
     * loop then catches what sits outside the freezer group. */
    cleanup_free char *fz = v1_path(cg, "freezer");
    if (vz_is_dir(fz)) {
        vz_error_t e = NULL;
        if (v1_freeze(cg, 1, &e) == 0) {
            cleanup_free pid_t *pids = NULL;
            size_t np = 0;
            if (vz_cg_tree_pids(fz, &pids, &np, err) < 0)
                return -1;
            for (size_t i = 0; i < np; i++)
                kill(pids[i], SIGKILL);
            if (v1_freeze(cg, 0, err) < 0)
                return -1;
        }
        vz_error_release(&e);
    }
    return vz_cg_kill_loop(dirs, n, err);
}

const struct vz_cgroup_ops vz_cgroup_v1_ops = {
    .version = 1,
    .path = v1_path,
    .exists = v1_exists,
    .create = v1_create,
    .apply = v1_apply,
    .enter = v1_enter,
    .freeze = v1_freeze,
    .frozen = v1_frozen,
    .kill = v1_kill,
    .group_dirs = v1_group_dirs,
    .remove = v1_remove,
};
