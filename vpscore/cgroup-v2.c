/* vpscore/cgroup-v2.c: cgroup v2 (unified) back end: one tree at ROOT, the
 * group at ROOT/vzforge/CTID, controllers enabled top-down through
 * cgroup.subtree_control. Written against the kernel's cgroup-v2.rst. */
#include "vpscore/cgroup-internal.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const v2_wanted[] = { "memory", "cpu", "pids" };

static char *v2_path(const struct vz_cgroup *cg, const char *ctrl)
{
    (void)ctrl;
    return vz_xasprintf("%s/%s", cg->root, cg->name);
}

static int v2_exists(const struct vz_cgroup *cg)
{
    cleanup_free char *p = v2_path(cg, NULL);
    return vz_is_dir(p);
}

static int has_word(const char *list, const char *word)
{
    size_t n = strlen(word);
    for (const char *s = list; (s = strstr(s, word)) != NULL; s += n) {
        int start = s == list || s[-1] == ' ' || s[-1] == '+' || s[-1] == '\n';
        int end = s[n] == '\0' || s[n] == ' ' || s[n] == '\n';
        if (start && end)
            return 1;
    }
    return 0;
}

/* Enable in dir's cgroup.subtree_control every wanted controller that dir
 * has (its cgroup.controllers). One write, so a fake tree records them all. */
static int enable_controllers(const char *dir, vz_error_t *err)
{
    cleanup_free char *avail = NULL;
    vz_error_t e = NULL;
    if (vz_cg_read(dir, "cgroup.controllers", &avail, &e) < 0) {
        vz_error_release(&e);
        return 0; /* nothing to enable */
    }
    struct vz_buf b = VZ_BUF_INIT;
    vz_buf_init(&b);
    for (size_t i = 0; i < VZ_ARRAY_SIZE(v2_wanted); i++)
        if (has_word(avail, v2_wanted[i]))
            vz_buf_addf(&b, "%s+%s", b.len ? " " : "", v2_wanted[i]);
    int r = 0;
    if (b.len)
        r = vz_cg_write(dir, "cgroup.subtree_control", b.data, err);
    vz_buf_release(&b);
    return r;
}

/* The systemd layout: the scope systemd makes is the parent; the runtime
 * writes only below it. The holder that keeps the new scope alive moves
 * into "ct", so the scope holds no process and may enable controllers for
 * its children (the no-internal-process rule). */
static int v2_create_systemd(struct vz_cgroup *cg, vz_error_t *err)
{
    cleanup_free char *scope = vz_path_join(cg->root, cg->base);
    cleanup_free char *p = v2_path(cg, NULL);
    if (vz_cg_systemd_start(cg, err) < 0)
        return vz_error_wrap(err, "create cgroup %s", cg->name);
    if (mkdir(p, 0755) < 0 && errno != EEXIST)
        return vz_error_sys(err, "create cgroup %s", p);
    if (cg->holder > 0) {
        char v[32];
        snprintf(v, sizeof(v), "%d", (int)cg->holder);
        if (vz_cg_write(p, "cgroup.procs", v, err) < 0)
            return vz_error_wrap(err, "create cgroup %s", cg->name);
    }
    if (enable_controllers(scope, err) < 0)
        return vz_error_wrap(err, "create cgroup %s: enable controllers", cg->name);
    return 0;
}

static int v2_create(struct vz_cgroup *cg, vz_error_t *err)
{
    if (cg->systemd)
        return v2_create_systemd(cg, err);
    if (vz_cg_mkdir(cg->root, cg->base, err) < 0)
        return vz_error_wrap(err, "create cgroup %s", cg->name);
    cleanup_free char *base = vz_path_join(cg->root, cg->base);
    if (enable_controllers(cg->root, err) < 0 || enable_controllers(base, err) < 0)
        return vz_error_wrap(err, "create cgroup %s: enable controllers", cg->name);
    cleanup_free char *p = v2_path(cg, NULL);
    if (mkdir(p, 0755) < 0 && errno != EEXIST)
        return vz_error_sys(err, "create cgroup %s", p);
    return 0;
}

/* Controllers usable in the group: those its parent enables for children. */
static int enabled(const struct vz_cgroup *cg, const char *ctrl)
{
    cleanup_free char *base = vz_path_join(cg->root, cg->base);
    cleanup_free char *ctl = NULL;
    vz_error_t e = NULL;
    if (vz_cg_read(base, "cgroup.subtree_control", &ctl, &e) < 0) {
        vz_error_release(&e);
        return 0;
    }
    return has_word(ctl, ctrl);
}

static int section(const struct vz_cgroup *cg, const char *ctrl, int wanted, const char *what,
                   vz_error_t *err)
{
    if (enabled(cg, ctrl))
        return 1;
    if (!wanted)
        return 0;
    return vz_error_set(err, VZ_ESYSTEM, ENOENT,
                        "%s needs the %s controller, which %s/%s does not enable for its children "
                        "(cgroup.subtree_control)", what, ctrl, cg->root, cg->base);
}

static void num_or_max(char *v, size_t n, int64_t x)
{
    if (x >= 0)
        snprintf(v, n, "%lld", (long long)x);
    else
        snprintf(v, n, "max");
}

static int v2_apply(struct vz_cgroup *cg, const struct vz_cgroup_limits *l, vz_error_t *err)
{
    cleanup_free char *p = v2_path(cg, NULL);
    char v[64];
    int r = section(cg, "memory", l->ram >= 0 || l->swap >= 0, "--ram/--swap", err);
    if (r < 0)
        return -1;
    if (r > 0) {
        num_or_max(v, sizeof(v), l->ram);
        if (vz_cg_write(p, "memory.max", v, err) < 0)
            return -1;
        /* v2 limits swap on its own; ram set and swap unset means no swap,
         * as OpenVZ's SWAPPAGES default of 0. */
        num_or_max(v, sizeof(v), l->swap >= 0 ? l->swap : (l->ram >= 0 ? 0 : -1));
        cleanup_free char *sw = vz_path_join(p, "memory.swap.max");
        /* memory.swap.max is absent when swap accounting is off: only an
         * explicit --swap makes that an error. */
        if (vz_file_exists(sw) || l->swap >= 0)
            if (vz_cg_write(p, "memory.swap.max", v, err) < 0)
                return -1;
    }
    int64_t quota = vz_cg_quota_us(l);
    r = section(cg, "cpu", quota >= 0 || l->cpuunits > 0, "--cpulimit/--cpus/--cpuunits", err);
    if (r < 0)
        return -1;
    if (r > 0) {
        if (quota >= 0)
            snprintf(v, sizeof(v), "%lld %d", (long long)quota, VZ_CG_PERIOD_US);
        else
            snprintf(v, sizeof(v), "max %d", VZ_CG_PERIOD_US);
        if (vz_cg_write(p, "cpu.max", v, err) < 0)
            return -1;
        /* shares (2..262144) -> weight (1..10000), the conversion runc and
         * crun use, so a cpuunits value means the same on v1 and v2. */
        int64_t shares = vz_cg_shares(l);
        int64_t weight = 1 + ((shares - 2) * 9999) / 262142;
        snprintf(v, sizeof(v), "%lld", (long long)weight);
        if (vz_cg_write(p, "cpu.weight", v, err) < 0)
            return -1;
    }
    r = section(cg, "pids", l->numproc >= 0, "--numproc", err);
    if (r < 0)
        return -1;
    if (r > 0) {
        num_or_max(v, sizeof(v), l->numproc);
        if (vz_cg_write(p, "pids.max", v, err) < 0)
            return -1;
    }
    return 0;
}

static int v2_enter(struct vz_cgroup *cg, pid_t pid, vz_error_t *err)
{
    cleanup_free char *p = v2_path(cg, NULL);
    char v[32];
    snprintf(v, sizeof(v), "%d", (int)pid);
    if (vz_cg_write(p, "cgroup.procs", v, err) < 0)
        return vz_error_wrap(err, "move process %d into cgroup %s", (int)pid, cg->name);
    return 0;
}

static int v2_freeze(struct vz_cgroup *cg, int frozen, vz_error_t *err)
{
    cleanup_free char *p = v2_path(cg, NULL);
    if (vz_cg_write(p, "cgroup.freeze", frozen ? "1" : "0", err) < 0)
        return -1;
    const char *want = frozen ? "frozen 1" : "frozen 0";
    for (int i = 0; i < 2000; i++) { /* up to 10 s */
        cleanup_free char *ev = NULL;
        if (vz_cg_read(p, "cgroup.events", &ev, err) < 0)
            return -1;
        if (strstr(ev, want))
            return 0;
        usleep(5000);
    }
    return vz_error_set(err, VZ_ETIMEOUT, 0, "cgroup %s: cgroup.events did not show '%s' in 10 s", p, want);
}

/* cgroup.freeze is what was asked (1 as soon as a freeze starts), where
 * cgroup.events says "frozen 1" only once every task stopped. */
static int v2_frozen(const struct vz_cgroup *cg)
{
    cleanup_free char *p = v2_path(cg, NULL);
    cleanup_free char *v = NULL;
    vz_error_t e = NULL;
    if (vz_cg_read(p, "cgroup.freeze", &v, &e) < 0) {
        vz_error_release(&e);
        return 0;
    }
    return v[0] == '1';
}

static char **v2_group_dirs(const struct vz_cgroup *cg)
{
    char **v = NULL;
    cleanup_free char *p = v2_path(cg, NULL);
    if (vz_is_dir(p))
        vz_strv_push(&v, p);
    return v;
}

static int v2_kill(struct vz_cgroup *cg, vz_error_t *err)
{
    cleanup_strv char **dirs = v2_group_dirs(cg);
    if (dirs == NULL)
        return 0;
    cleanup_free char *kill_file = vz_path_join(dirs[0], "cgroup.kill");
    if (vz_file_exists(kill_file)) { /* Linux 5.14+: the kernel kills the whole tree */
        if (vz_cg_write(dirs[0], "cgroup.kill", "1", err) < 0)
            return -1;
        if (vz_cg_wait_empty(dirs, 1, 10000, err) == 0)
            return 0;
        vz_error_release(err);
    } else {
        /* cgroup.freeze is recursive: nothing in the tree forks meanwhile */
        vz_error_t e = NULL;
        if (v2_freeze(cg, 1, &e) == 0) {
            pid_t *pids = NULL;
            size_t n = 0;
            if (vz_cg_tree_pids(dirs[0], &pids, &n, &e) == 0)
                for (size_t i = 0; i < n; i++)
                    kill(pids[i], SIGKILL);
            free(pids);
            vz_error_release(&e);
            if (v2_freeze(cg, 0, err) < 0)
                return -1;
        }
        vz_error_release(&e);
    }
    return vz_cg_kill_loop(dirs, 1, err);
}

/* The container's own nested groups (a delegated subtree) go too. */
static int v2_remove(struct vz_cgroup *cg, vz_error_t *err)
{
    cleanup_free char *p = v2_path(cg, NULL);
    return vz_cg_tree_remove(p, err);
}

const struct vz_cgroup_ops vz_cgroup_v2_ops = {
    .version = 2,
    .path = v2_path,
    .exists = v2_exists,
    .create = v2_create,
    .apply = v2_apply,
    .enter = v2_enter,
    .freeze = v2_freeze,
    .frozen = v2_frozen,
    .kill = v2_kill,
    .group_dirs = v2_group_dirs,
    .remove = v2_remove,
};
