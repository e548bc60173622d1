/* vpscore/cgroup.c: the front of cgroup handling: version detection, the
 * shared file helpers, and dispatch to cgroup-v1.c / cgroup-v2.c. */
#include "vpscore/cgroup-internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
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

/* systemd layout names (cgroup-internal.h): the scope's unit name tells a
 * scratch installation's containers from the host's by the identity
 * vz_cgroup_base() gives ("vzforge-DEV-INODE" -> "vz-DEV_INODE-CTID"). */
static void name_systemd(struct vz_cgroup *cg, const char *ctid)
{
    cleanup_free char *id = NULL;
    if (strcmp(cg->base, VZ_CGROUP_BASE) != 0) {
        id = vz_xstrdup(cg->base + strlen(VZ_CGROUP_BASE) + 1);
        for (char *c = id; *c; c++)
            if (*c == '-')
                *c = '_';
    }
    cg->systemd = 1;
    cg->slice = vz_xstrdup("vz.slice");
    cg->unit = id ? vz_xasprintf("vz-%s-%s.scope", id, ctid) : vz_xasprintf("vz-%s.scope", ctid);
    free(cg->base);
    cg->base = vz_xasprintf("%s/%s", cg->slice, cg->unit);
    cg->name = vz_xasprintf("%s/ct", cg->base);
}

static int open_layout(const char *root, int version, int systemd, const char *ctid, struct vz_cgroup **out,
                       vz_error_t *err)
{
    if (version != 1 && version != 2)
        return vz_error_set(err, VZ_EBADARG, 0, "cgroup version %d: must be 1 or 2", version);
    if (!vz_safe_name(ctid))
        return vz_error_set(err, VZ_EBADARG, 0, "cgroup name '%s' is not one path component", ctid);
    struct vz_cgroup *cg = vz_xcalloc(1, sizeof(*cg));
    cg->ops = version == 2 ? &vz_cgroup_v2_ops : &vz_cgroup_v1_ops;
    cg->version = version;
    cg->root = vz_xstrdup(root);
    cg->ctid = vz_xstrdup(ctid);
    cg->base = vz_cgroup_base();
    if (systemd && version == 2)
        name_systemd(cg, ctid);
    else
        cg->name = vz_xasprintf("%s/%s", cg->base, ctid);
    if (version == 1 && vz_cg_hierarchies(root, &cg->hier, &cg->nhier) < 0) {
        vz_cgroup_free(cg);
        return vz_error_sys(err, "read /proc/self/mountinfo (cgroup hierarchies under %s)", root);
    }
    *out = cg;
    return 0;
}

int vz_cgroup_open_at(const char *root, int version, const char *ctid,
                      struct vz_cgroup **out, vz_error_t *err)
{
    return open_layout(root, version, 0, ctid, out, err);
}

int vz_cgroup_open(const char *ctid, struct vz_cgroup **out, vz_error_t *err)
{
    const char *root = getenv("VZ_CGROUP_ROOT");
    /* a tree of the caller's choosing (tests) is laid out plainly */
    int systemd = root == NULL || *root == '\0';
    if (systemd)
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
    return open_layout(root, version, systemd && version == 2 && vz_cg_systemd_host(), ctid, out, err);
}

void vz_cgroup_free(struct vz_cgroup *cg)
{
    if (cg == NULL)
        return;
    vz_cg_systemd_drop_holder(cg);
    free(cg->root);
    free(cg->base);
    free(cg->name);
    free(cg->ctid);
    free(cg->unit);
    free(cg->slice);
    vz_cg_hierarchies_free(cg->hier, cg->nhier);
    free(cg);
}

int vz_cgroup_version(const struct vz_cgroup *cg) { return cg->version; }
char *vz_cgroup_path(const struct vz_cgroup *cg, const char *ctrl) { return cg->ops->path(cg, ctrl); }
int vz_cgroup_exists(const struct vz_cgroup *cg) { return cg->ops->exists(cg); }
int vz_cgroup_create(struct vz_cgroup *cg, vz_error_t *err) { return cg->ops->create(cg, err); }
int vz_cgroup_enter(struct vz_cgroup *cg, pid_t pid, vz_error_t *err) { return cg->ops->enter(cg, pid, err); }
int vz_cgroup_freeze(struct vz_cgroup *cg, int frozen, vz_error_t *err) { return cg->ops->freeze(cg, frozen, err); }
int vz_cgroup_frozen(const struct vz_cgroup *cg) { return cg->ops->frozen(cg); }
int vz_cgroup_kill(struct vz_cgroup *cg, vz_error_t *err)
{
    if (cg->ops->kill(cg, err) < 0)
        return vz_error_wrap(err, "kill the processes of cgroup %s", cg->name);
    return 0;
}
/* A scratch installation's parent group goes with its last container (the
 * host's own "vzforge" stays, as other runtimes' parent groups do). Best
 * effort: a group still under it (EBUSY, ENOTEMPTY) keeps it, and a create
 * that loses the race retries (vz_cg_mkdir). */
static void remove_scratch_base(const struct vz_cgroup *cg)
{
    if (cg->systemd || strcmp(cg->base, VZ_CGROUP_BASE) == 0)
        return;
    if (cg->version == 2) {
        cleanup_free char *p = vz_path_join(cg->root, cg->base);
        rmdir(p);
        return;
    }
    for (size_t i = 0; i < cg->nhier; i++) {
        cleanup_free char *p = vz_path_join(cg->hier[i].dir, cg->base);
        rmdir(p);
    }
}

int vz_cgroup_remove(struct vz_cgroup *cg, vz_error_t *err)
{
    vz_cg_systemd_drop_holder(cg); /* a group made and removed unused */
    if (cg->ops->remove(cg, err) < 0)
        return -1;
    /* systemd removes the scope's own directory when it stops the unit
     * (it would have collected the empty scope anyway: this makes it
     * synchronous, so that a start right after finds the name free) */
    if (cg->systemd)
        return vz_cg_systemd_stop(cg, err);
    remove_scratch_base(cg);
    return 0;
}

void vz_cgroup_settled(struct vz_cgroup *cg)
{
    vz_cg_systemd_drop_holder(cg);
}

/* like's group below cg's (host view: /proc/PID/cgroup's "0::/PATH"), or
 * NULL when it is not strictly inside */
static char *group_of(const struct vz_cgroup *cg, pid_t like)
{
    char f[64];
    snprintf(f, sizeof(f), "/proc/%d/cgroup", (int)like);
    cleanup_free char *text = NULL;
    vz_error_t e = NULL;
    if (vz_read_file(f, &text, NULL, &e) < 0) {
        vz_error_release(&e);
        return NULL;
    }
    char *line = strstr(text, "0::/");
    if (line == NULL || (line != text && line[-1] != '\n'))
        return NULL;
    line += 4;
    line[strcspn(line, "\n")] = '\0';
    size_t n = strlen(cg->name);
    if (strncmp(line, cg->name, n) != 0 || line[n] != '/' || strstr(line, "/../") || strstr(line, "/./"))
        return NULL;
    return vz_path_join(cg->root, line);
}

int vz_cgroup_open_fd(const struct vz_cgroup *cg, pid_t like)
{
    if (cg->version != 2)
        return -1;
    cleanup_free char *p = vz_cgroup_path(cg, NULL);
    cleanup_free char *ctl = NULL;
    vz_error_t e = NULL;
    if (like > 0 && vz_cg_read(p, "cgroup.subtree_control", &ctl, &e) == 0 && ctl[0] != '\0') {
        cleanup_free char *inner = group_of(cg, like);
        if (inner)
            return open(inner, O_PATH | O_DIRECTORY | O_CLOEXEC);
    }
    vz_error_release(&e);
    return open(p, O_PATH | O_DIRECTORY | O_CLOEXEC);
}

int vz_cgroup_open_unified_fd(const struct vz_cgroup *cg)
{
    if (cg->version != 1)
        return -1;
    cleanup_free char *dir = vz_cgroup_v1_unified_dir(cg);
    return dir ? open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC) : -1;
}

int vz_cgroup_enter_self(struct vz_cgroup *cg, int skip_unified, vz_error_t *err)
{
    if (cg->version == 1)
        return vz_cgroup_v1_enter_self(cg, skip_unified, err);
    return vz_cgroup_enter(cg, getpid(), err);
}

int vz_cgroup_apply(struct vz_cgroup *cg, const struct vz_cgroup_limits *l, vz_error_t *err)
{
    if (cg->ops->apply(cg, l, err) < 0)
        return vz_error_wrap(err, "cgroup %s", cg->name);
    return 0;
}

static int pid_cmp(const void *a, const void *b)
{
    pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;
    return x < y ? -1 : x > y;
}

/* Every hierarchy, every nested group: a process the container moved into
 * a group of its own (systemd does, in the hierarchies it may write) or
 * that sits in one hierarchy only still counts. */
int vz_cgroup_pids(struct vz_cgroup *cg, pid_t **pids, size_t *n, vz_error_t *err)
{
    *pids = NULL;
    *n = 0;
    cleanup_strv char **dirs = cg->ops->group_dirs(cg);
    for (size_t i = 0; dirs && dirs[i]; i++)
        if (vz_cg_tree_pids(dirs[i], pids, n, err) < 0) {
            free(*pids);
            *pids = NULL;
            *n = 0;
            return -1;
        }
    if (*n > 1) {
        qsort(*pids, *n, sizeof(pid_t), pid_cmp);
        size_t w = 1;
        for (size_t i = 1; i < *n; i++)
            if ((*pids)[i] != (*pids)[w - 1])
                (*pids)[w++] = (*pids)[i];
        *n = w;
    }
    return 0;
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

int vz_cg_tree_pids(const char *dir, pid_t **pids, size_t *n, vz_error_t *err)
{
    cleanup_dir DIR *d = opendir(dir);
    if (d == NULL)
        return errno == ENOENT || errno == ENOTDIR ? 0 : vz_error_sys(err, "open cgroup %s", dir);
    cleanup_free char *procs = vz_path_join(dir, "cgroup.procs");
    if (vz_file_exists(procs)) {
        pid_t *here = NULL;
        size_t nhere = 0;
        vz_error_t e = NULL;
        if (vz_cg_read_pids(procs, &here, &nhere, &e) < 0) {
            /* removed between the listing and the read */
            if (e->errnum != ENOENT && e->errnum != ENODEV) {
                *err = e;
                return -1;
            }
            vz_error_release(&e);
        }
        if (nhere) {
            *pids = vz_xrealloc(*pids, (*n + nhere) * sizeof(pid_t));
            memcpy(*pids + *n, here, nhere * sizeof(pid_t));
            *n += nhere;
        }
        free(here);
    }
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.' || de->d_type != DT_DIR)
            continue;
        cleanup_free char *sub = vz_path_join(dir, de->d_name);
        if (vz_cg_tree_pids(sub, pids, n, err) < 0)
            return -1;
    }
    return 0;
}

int vz_cg_tree_remove(const char *dir, vz_error_t *err)
{
    if (rmdir(dir) == 0 || errno == ENOENT)
        return 0;
    if (errno == EBUSY || errno == ENOTEMPTY) {
        /* nested groups (the container's own, or systemd's) go first */
        cleanup_dir DIR *d = opendir(dir);
        struct dirent *de;
        while (d && (de = readdir(d))) {
            if (de->d_name[0] == '.' || de->d_type != DT_DIR)
                continue;
            cleanup_free char *sub = vz_path_join(dir, de->d_name);
            if (vz_cg_tree_remove(sub, err) < 0)
                return -1;
        }
        if (rmdir(dir) == 0 || errno == ENOENT)
            return 0;
    }
    if (errno == EBUSY)
        return vz_error_sys(err, "remove cgroup %s (processes still in it: stop the container first)", dir);
    if (errno == ENOTEMPTY) /* only a fake tree (regular files) says this */
        return vz_rm_rf(dir, err);
    return vz_error_sys(err, "remove cgroup %s", dir);
}

static size_t count_procs(char *const *dirs, size_t ndirs, int do_kill, vz_error_t *err)
{
    size_t total = 0;
    for (size_t d = 0; d < ndirs; d++) {
        pid_t *pids = NULL;
        size_t n = 0;
        if (vz_cg_tree_pids(dirs[d], &pids, &n, err) < 0)
            return (size_t)-1;
        for (size_t i = 0; do_kill && i < n; i++)
            kill(pids[i], SIGKILL);
        free(pids);
        total += n;
    }
    return total;
}

int vz_cg_wait_empty(char *const *dirs, size_t ndirs, int ms, vz_error_t *err)
{
    for (int waited = 0;; waited += 5) {
        size_t n = count_procs(dirs, ndirs, 0, err);
        if (n == (size_t)-1)
            return -1;
        if (n == 0)
            return 0;
        if (waited >= ms)
            return vz_error_set(err, VZ_ETIMEOUT, 0, "%s: %zu processes still present after %d ms",
                                dirs[0], n, ms);
        sleep_ms(5);
    }
}

int vz_cg_kill_loop(char *const *dirs, size_t ndirs, vz_error_t *err)
{
    /* Without a freezer a fork bomb could outrun one pass: repeat until empty.
     * Bounded: 2000 passes of 5 ms = 10 s. */
    for (int pass = 0; pass < 2000; pass++) {
        size_t n = count_procs(dirs, ndirs, 1, err);
        if (n == (size_t)-1)
            return -1;
        if (n == 0)
            return 0;
        sleep_ms(pass == 0 ? 1 : 5);
    }
    return vz_error_set(err, VZ_ETIMEOUT, 0, "%s: processes survive SIGKILL for 10 s", ndirs ? dirs[0] : "");
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

int64_t vz_cg_shares(const struct vz_cgroup_limits *l)
{
    int64_t shares = l->cpuunits > 0 ? (int64_t)l->cpuunits * 1024 / 1000 : 1024;
    return shares < 2 ? 2 : shares > 262144 ? 262144 : shares;
}
