/* vpscore/cgroup.c: the front of cgroup handling: version detection, the
 * shared file helpers, and dispatch to cgroup-v1.c / cgroup-v2.c. */
#include "vpscore/cgroup-internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

#define VZ_CGROUP_BASE "vzforge"

char *vz_cgroup_base(void)
{
    /* Named by the root directory's identity, not by its path: no hashing
     * on start's path, and two spellings of one directory (a symlink, a
     * trailing '/') are one installation. */
    const char *r = vz_root();
    struct stat st, slash;
    if (*r == '\0')
        return vz_xstrdup(VZ_CGROUP_BASE);
    if (stat(r, &st) < 0) /* no root, no container: a name that matches none */
        return vz_xasprintf("%s-noroot", VZ_CGROUP_BASE);
    if (stat("/", &slash) == 0 && st.st_dev == slash.st_dev && st.st_ino == slash.st_ino)
        return vz_xstrdup(VZ_CGROUP_BASE);
    return vz_xasprintf("%s-%llx-%llx", VZ_CGROUP_BASE, (unsigned long long)st.st_dev,
                        (unsigned long long)st.st_ino);
}

int vz_cgroup_open_at(const char *root, int version, const char *ctid,
                      struct vz_cgroup **out, vz_error_t *err)
{
    if (version != 1 && version != 2)
        return vz_error_set(err, VZ_EBADARG, 0, "cgroup version %d: must be 1 or 2", version);
    if (!vz_safe_name(ctid))
        return vz_error_set(err, VZ_EBADARG, 0, "cgroup name '%s' is not one path component", ctid);
    struct vz_cgroup *cg = vz_xcalloc(1, sizeof(*cg));
    cg->ops = version == 2 ? &vz_cgroup_v2_ops : &vz_cgroup_v1_ops;
    cg->version = version;
    cg->root = vz_xstrdup(root);
    cg->base = vz_cgroup_base();
    cg->name = vz_xasprintf("%s/%s", cg->base, ctid);
    *out = cg;
    return 0;
}

int vz_cgroup_open(const char *ctid, struct vz_cgroup **out, vz_error_t *err)
{
    const char *root = getenv("VZ_CGROUP_ROOT");
    if (root == NULL || *root == '\0')
        root = "/sys/fs/cgroup";
    int version = 0;
    const char *v = getenv("VZ_CGROUP_VERSION");
    if (v && *v)
        version = atoi(v);
    else {
        struct statfs sf;
        if (statfs(root, &sf) < 0)
            return vz_error_sys(err, "cgroup root %s (is cgroupfs mounted?)", root);
        version = sf.f_type == CGROUP2_SUPER_MAGIC ? 2 : 1;
    }
    return vz_cgroup_open_at(root, version, ctid, out, err);
}

void vz_cgroup_free(struct vz_cgroup *cg)
{
    if (cg == NULL)
        return;
    free(cg->root);
    free(cg->base);
    free(cg->name);
    free(cg);
}

int vz_cgroup_version(const struct vz_cgroup *cg) { return cg->version; }
char *vz_cgroup_path(const struct vz_cgroup *cg, const char *ctrl) { return cg->ops->path(cg, ctrl); }
int vz_cgroup_exists(const struct vz_cgroup *cg) { return cg->ops->exists(cg); }
int vz_cgroup_create(struct vz_cgroup *cg, vz_error_t *err) { return cg->ops->create(cg, err); }
int vz_cgroup_enter(struct vz_cgroup *cg, pid_t pid, vz_error_t *err) { return cg->ops->enter(cg, pid, err); }
int vz_cgroup_freeze(struct vz_cgroup *cg, int frozen, vz_error_t *err) { return cg->ops->freeze(cg, frozen, err); }
int vz_cgroup_frozen(const struct vz_cgroup *cg) { return cg->ops->frozen(cg); }
int vz_cgroup_kill(struct vz_cgroup *cg, vz_error_t *err) { return cg->ops->kill(cg, err); }
/* A scratch installation's parent group goes with its last container (the
 * host's own "vzforge" stays, as other runtimes' parent groups do). Best
 * effort: a group still under it (EBUSY, ENOTEMPTY) keeps it, and a create
 * that loses the race retries (vz_cg_mkdir). */
static void remove_scratch_base(const struct vz_cgroup *cg)
{
    if (strcmp(cg->base, VZ_CGROUP_BASE) == 0)
        return;
    if (cg->version == 2) {
        cleanup_free char *p = vz_path_join(cg->root, cg->base);
        rmdir(p);
        return;
    }
    cleanup_dir DIR *d = opendir(cg->root);
    struct dirent *de;
    while (d && (de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        cleanup_free char *p = vz_xasprintf("%s/%s/%s", cg->root, de->d_name, cg->base);
        rmdir(p);
    }
}

int vz_cgroup_remove(struct vz_cgroup *cg, vz_error_t *err)
{
    if (cg->ops->remove(cg, err) < 0)
        return -1;
    remove_scratch_base(cg);
    return 0;
}

int vz_cgroup_apply(struct vz_cgroup *cg, const struct vz_cgroup_limits *l, vz_error_t *err)
{
    if (cg->ops->apply(cg, l, err) < 0)
        return vz_error_wrap(err, "cgroup %s", cg->name);
    return 0;
}

int vz_cgroup_pids(struct vz_cgroup *cg, pid_t **pids, size_t *n, vz_error_t *err)
{
    cleanup_free char *procs = cg->ops->procs_path(cg);
    if (procs == NULL || !vz_file_exists(procs)) {
        *pids = NULL;
        *n = 0;
        return 0;
    }
    return vz_cg_read_pids(procs, pids, n, err);
}

/* ---- helpers for the back ends ---- */

int vz_cg_write(const char *dir, const char *file, const char *value, vz_error_t *err)
{
    cleanup_free char *p = vz_path_join(dir, file);
    /* O_TRUNC|O_CREAT only matters for fake trees; cgroupfs ignores both. */
    cleanup_close int fd = open(p, O_WRONLY | O_CLOEXEC | O_TRUNC | O_CREAT, 0644);
    if (fd < 0)
        return vz_error_sys(err, "open %s", p);
    size_t len = strlen(value);
    ssize_t w = write(fd, value, len);
    if (w < 0)
        return vz_error_sys(err, "write '%s' to %s", value, p);
    if ((size_t)w != len)
        return vz_error_set(err, VZ_ESYSTEM, EIO, "write '%s' to %s: short write", value, p);
    return 0;
}

int vz_cg_read(const char *dir, const char *file, char **value, vz_error_t *err)
{
    cleanup_free char *p = vz_path_join(dir, file);
    size_t n = 0;
    if (vz_read_file(p, value, &n, err) < 0)
        return -1;
    while (n > 0 && ((*value)[n - 1] == '\n' || (*value)[n - 1] == ' '))
        (*value)[--n] = '\0';
    return 0;
}

int vz_cg_mkdir(const char *root, const char *rel, vz_error_t *err)
{
    if (!vz_is_dir(root))
        return vz_error_set(err, VZ_ESYSTEM, ENOENT, "cgroup hierarchy %s is not mounted", root);
    cleanup_free char *p = vz_path_join(root, rel);
    /* a scratch installation's parent may vanish between vz_mkdir_p's mkdirs
     * when its last other container is removed (remove_scratch_base) */
    for (int tries = 0;; tries++) {
        vz_error_t e = NULL;
        if (vz_mkdir_p(p, 0755, &e) == 0)
            return 0;
        if (tries == 2 || e->errnum != ENOENT) {
            *err = e;
            return -1;
        }
        vz_error_release(&e);
    }
}

int vz_cg_read_pids(const char *procs, pid_t **pids, size_t *n, vz_error_t *err)
{
    cleanup_free char *data = NULL;
    *pids = NULL;
    *n = 0;
    if (vz_read_file(procs, &data, NULL, err) < 0)
        return -1;
    size_t cap = 0;
    for (char *s = data; *s;) {
        char *end;
        long v = strtol(s, &end, 10);
        if (end == s)
            break;
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            *pids = vz_xrealloc(*pids, cap * sizeof(pid_t));
        }
        (*pids)[(*n)++] = (pid_t)v;
        s = end;
        while (*s == '\n' || *s == ' ')
            s++;
    }
    return 0;
}

static void sleep_ms(int ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

int vz_cg_wait_empty(const char *procs, int ms, vz_error_t *err)
{
    for (int waited = 0;; waited += 5) {
        pid_t *pids = NULL;
        size_t n = 0;
        if (vz_cg_read_pids(procs, &pids, &n, err) < 0)
            return -1;
        free(pids);
        if (n == 0)
            return 0;
        if (waited >= ms)
            return vz_error_set(err, VZ_ETIMEOUT, 0, "%s: %zu processes still present after %d ms",
                                procs, n, ms);
        sleep_ms(5);
    }
}

int vz_cg_kill_loop(const char *procs, vz_error_t *err)
{
    /* Without a freezer a fork bomb could outrun one pass: repeat until empty.
     * Bounded: 2000 passes of 5 ms = 10 s. */
    for (int pass = 0; pass < 2000; pass++) {
        pid_t *pids = NULL;
        size_t n = 0;
        if (vz_cg_read_pids(procs, &pids, &n, err) < 0)
            return -1;
        for (size_t i = 0; i < n; i++)
            kill(pids[i], SIGKILL);
        free(pids);
        if (n == 0)
            return 0;
        sleep_ms(pass == 0 ? 1 : 5);
    }
    return vz_error_set(err, VZ_ETIMEOUT, 0, "%s: processes survive SIGKILL for 10 s", procs);
}

int64_t vz_cg_quota_us(const struct vz_cgroup_limits *l)
{
    int64_t pct = -1;
    if (l->cpulimit > 0)
        pct = l->cpulimit;
    if (l->cpus > 0 && (pct < 0 || 100LL * l->cpus < pct))
        pct = 100LL * l->cpus;
    if (pct < 0)
        return -1;
    int64_t q = pct * VZ_CG_PERIOD_US / 100;
    return q < 1000 ? 1000 : q; /* the kernel's minimum quota is 1 ms */
}
