/* vpscore/cgroup-internal.h: the table of functions behind vpscore/cgroup.h.
 * cgroup.c detects the version and calls through vz_cgroup_ops; cgroup-v1.c
 * and cgroup-v2.c each fill one table. Not for use outside vpscore/cgroup*.c. */
#ifndef VZ_VPSCORE_CGROUP_INTERNAL_H
#define VZ_VPSCORE_CGROUP_INTERNAL_H

#include "vpscore/cgroup.h"

struct vz_cgroup {
    const struct vz_cgroup_ops *ops;
    char *root;  /* /sys/fs/cgroup or a fake tree */
    char *base;  /* vz_cgroup_base(): "vzforge", or "vzforge-DEV-INODE" */
    char *name;  /* "BASE/CTID" */
    int version;
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
    /* the group's cgroup.procs file (the one that lists all its processes) */
    char *(*procs_path)(const struct vz_cgroup *cg);
    int (*remove)(struct vz_cgroup *cg, vz_error_t *err);
};

extern const struct vz_cgroup_ops vz_cgroup_v1_ops;
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
/* Wait (up to ms) until procs is empty. VZ_ETIMEOUT otherwise. */
int vz_cg_wait_empty(const char *procs, int ms, vz_error_t *err);
/* SIGKILL every pid listed in procs until it stays empty (bounded). */
int vz_cg_kill_loop(const char *procs, vz_error_t *err);
/* Quota in microseconds per 100 ms period for the limits; -1 = unlimited. */
int64_t vz_cg_quota_us(const struct vz_cgroup_limits *l);
#define VZ_CG_PERIOD_US 100000

#endif
