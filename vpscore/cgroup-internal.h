/* vpscore/cgroup-internal.h: the table of functions behind vpscore/cgroup.h.
 * cgroup.c detects the version and calls through vz_cgroup_ops; cgroup-v1.c
 * and cgroup-v2.c each fill one table. Not for use outside vpscore/cgroup*.c,
 * vpscore/devices*.c and vpscore/systemd.c (which mounts the hierarchies
 * vz_cg_hierarchies lists). */
#ifndef VZ_VPSCORE_CGROUP_INTERNAL_H
#define VZ_VPSCORE_CGROUP_INTERNAL_H

#include "vpscore/cgroup.h"

/* One cgroup v1 hierarchy mounted directly below the root (cgroup-hier.c). */
enum {
    VZ_CGH_CPUSET = 1,   /* cpuset.cpus/mems must be filled before a task enters */
    VZ_CGH_DEVICES = 2,  /* the v1 device policy lives here (devices.c) */
    VZ_CGH_FREEZER = 4,
    VZ_CGH_SYSTEMD = 8,  /* the named hierarchy name=systemd */
    VZ_CGH_UNIFIED = 16, /* a cgroup2 mount below a v1 root (hybrid hosts) */
};
struct vz_cg_hier {
    char *name;  /* directory below the root: "memory", "cpu,cpuacct", "systemd", "unified" */
    char *dir;   /* ROOT/name */
    char *ctrls; /* mount options naming it: "cpu,cpuacct", "none,name=systemd"; "" for cgroup2 */
    unsigned kind;
};
/* Every cgroup/cgroup2 mount directly below root (sorted by name); for a
 * fake tree without mounts, every directory. -1 when mountinfo is
 * unreadable. */
int vz_cg_hierarchies(const char *root, struct vz_cg_hier **list, size_t *n);
void vz_cg_hierarchies_free(struct vz_cg_hier *list, size_t n);

/* Two layouts of the group (docs/runtime.md, "cgroups"):
 *   plain:   ROOT/BASE/CTID, BASE = vz_cgroup_base(); the runtime makes
 *            every directory (v1, hybrid, v2 without systemd, fake trees);
 *   systemd: on a pure v2 host whose PID 1 is systemd, the runtime never
 *            writes outside a scope systemd made and delegated to it:
 *            ROOT/vz.slice/UNIT/ct, UNIT = "vz-CTID.scope" for the host's
 *            installation, "vz-DEV_INODE-CTID.scope" for a scratch one
 *            (cgroup-systemd.c). BASE is then "vz.slice/UNIT" (the scope,
 *            whose subtree_control enables controllers for "ct"), and "ct"
 *            the container's group, where limits are written (systemd
 *            rewrites the scope's own limits at will). */
struct vz_cgroup {
    const struct vz_cgroup_ops *ops;
    struct vz_cg_hier *hier; /* v1 only: read once by open */
    size_t nhier;
    char *root;  /* /sys/fs/cgroup or a fake tree */
    char *base;  /* plain: vz_cgroup_base(); systemd: "vz.slice/UNIT" */
    char *name;  /* plain: "BASE/CTID"; systemd: "BASE/ct" */
    char *ctid;
    int version;
    int systemd; /* the systemd layout */
    char *unit;  /* systemd: the scope's unit name */
    char *slice; /* systemd: "vz.slice" */
    pid_t holder; /* systemd: the process holding a new scope until init is in it */
};

struct vz_cgroup_ops {
    int version;
    char *(*path)(const struct vz_cgroup *cg, const char *ctrl);
    int (*exists)(const struct vz_cgroup *cg);
    int (*create)(struct vz_cgroup *cg, vz_error_t *err);
    int (*apply)(struct vz_cgroup *cg, const struct vz_cgroup_limits *l, vz_error_t *err);
    int (*enter)(struct vz_cgroup *cg, pid_t pid, vz_error_t *err);
    int (*freeze)(struct vz_cgroup *cg, int frozen, vz_error_t *err);
    int (*frozen)(const struct vz_cgroup *cg);
    int (*kill)(struct vz_cgroup *cg, vz_error_t *err);
    /* the group's directory in every hierarchy it exists in (a strv,
     * possibly empty): pids, kill and remove walk the trees below them */
    char **(*group_dirs)(const struct vz_cgroup *cg);
    int (*remove)(struct vz_cgroup *cg, vz_error_t *err);
};

/* cgroup-systemd.c. 1 when systemd is the running system manager
 * (/run/systemd/system) and $VZ_CGROUP_SYSTEMD is not "0". */
int vz_cg_systemd_host(void);
/* Have systemd start cg->unit in cg->slice, Delegate=yes, around a new
 * holder process (cg->holder); the scope's directory exists on return. */
int vz_cg_systemd_start(struct vz_cgroup *cg, vz_error_t *err);
/* Stop cg->unit and wait for it (its directory is gone then); a unit
 * systemd does not know is fine. */
int vz_cg_systemd_stop(const struct vz_cgroup *cg, vz_error_t *err);
/* Kill and reap the holder, if any. */
void vz_cg_systemd_drop_holder(struct vz_cgroup *cg);

extern const struct vz_cgroup_ops vz_cgroup_v1_ops;
/* cgroup-v1.c, for vz_cgroup_enter_self and vz_cgroup_open_unified_fd */
int vz_cgroup_v1_enter_self(struct vz_cgroup *cg, int skip_unified, vz_error_t *err);
char *vz_cgroup_v1_unified_dir(const struct vz_cgroup *cg);
extern const struct vz_cgroup_ops vz_cgroup_v2_ops;

/* Helpers shared by the back ends (cgroup.c). */
/* Write value to dir/file; the error names the file and value. */
int vz_cg_write(const char *dir, const char *file, const char *value, vz_error_t *err);
/* Read dir/file, trailing newline stripped. */
int vz_cg_read(const char *dir, const char *file, char **value, vz_error_t *err);
/* mkdir -p below root: root must exist; VZ_ESYSTEM otherwise. */
int vz_cg_mkdir(const char *root, const char *rel, vz_error_t *err);
/* Read a cgroup.procs file into an array. */
int vz_cg_read_pids(const char *procs, pid_t **pids, size_t *n, vz_error_t *err);
/* Append the pids of every cgroup.procs in the tree below (and of) dir;
 * a missing dir adds nothing. */
int vz_cg_tree_pids(const char *dir, pid_t **pids, size_t *n, vz_error_t *err);
/* rmdir the tree below (and with) dir, deepest first; missing is fine.
 * EBUSY names the processes still there. */
int vz_cg_tree_remove(const char *dir, vz_error_t *err);
/* Wait (up to ms) until the trees of dirs[0..n) hold no process. */
int vz_cg_wait_empty(char *const *dirs, size_t n, int ms, vz_error_t *err);
/* SIGKILL every process in the trees of dirs[0..n) until they stay empty
 * (bounded). */
int vz_cg_kill_loop(char *const *dirs, size_t n, vz_error_t *err);
/* Quota in microseconds per 100 ms period for the limits; -1 = unlimited. */
int64_t vz_cg_quota_us(const struct vz_cgroup_limits *l);
/* v1 cpu.shares for the limits' cpuunits (1000 = 1024, unset = 1024),
 * clamped to the kernel's 2..262144; v2 derives cpu.weight from it. */
int64_t vz_cg_shares(const struct vz_cgroup_limits *l);
#define VZ_CG_PERIOD_US 100000

#endif
