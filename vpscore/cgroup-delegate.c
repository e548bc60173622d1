/* vpscore/cgroup-delegate.c: vz_cgroup_delegate() (vpscore/cgroup.h).
 *
 * Delegation as the kernel documents it (cgroup-v2.rst, "Model of
 * Delegation") and systemd's Delegate= does it: the delegatee gets write
 * access to the group's directory (so it can make sub-groups) and to the
 * files that organise processes and enable controllers below it, never to
 * the group's own resource files, which spend the parent's resources.
 *
 *   v2: the directory and the files /sys/kernel/cgroup/delegate lists
 *       (cgroup.procs, cgroup.threads, cgroup.subtree_control, and on newer
 *       kernels memory.oom.group, memory.reclaim); without that file the
 *       three the kernel has always documented.
 *   v1: only the named name=systemd hierarchy: its directory, cgroup.procs,
 *       tasks and cgroup.clone_children, which is what a container's systemd
 *       needs in "legacy" mode. The controller hierarchies stay the host
 *       root's (memory.limit_in_bytes, pids.max, cpu.*, cpuset.*, blkio.*,
 *       devices.*): the container sees them read-only and could not raise
 *       its limits even through a mount of its own. The hybrid cgroup2 group
 *       is not delegated either (systemd does not use it in legacy mode).
 */
#include "vpscore/cgroup-internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char *const v2_always[] = { "cgroup.procs", "cgroup.threads", "cgroup.subtree_control" };
static const char *const v1_named[] = { "cgroup.procs", "tasks", "cgroup.clone_children" };

static int chown_one(const char *dir, const char *file, uid_t uid, gid_t gid, int must, vz_error_t *err)
{
    cleanup_free char *p = file ? vz_path_join(dir, file) : vz_xstrdup(dir);
    if (lchown(p, uid, gid) == 0 || (!must && errno == ENOENT))
        return 0;
    return vz_error_sys(err, "delegate cgroup: chown %s to %d:%d", p, (int)uid, (int)gid);
}

static int delegate_v2(const char *dir, uid_t uid, gid_t gid, vz_error_t *err)
{
    if (chown_one(dir, NULL, uid, gid, 1, err) < 0)
        return -1;
    cleanup_free char *list = NULL;
    vz_error_t e = NULL;
    if (vz_read_file("/sys/kernel/cgroup/delegate", &list, NULL, &e) < 0) {
        vz_error_release(&e);
        for (size_t i = 0; i < VZ_ARRAY_SIZE(v2_always); i++)
            if (chown_one(dir, v2_always[i], uid, gid, i == 0, err) < 0)
                return -1;
        return 0;
    }
    char *save = NULL;
    for (char *t = strtok_r(list, "\n", &save); t; t = strtok_r(NULL, "\n", &save)) {
        if (strchr(t, '/') || t[0] == '.')
            continue; /* names only, never a path */
        /* memory.* exists only where the memory controller is enabled */
        if (chown_one(dir, t, uid, gid, 0, err) < 0)
            return -1;
    }
    return 0;
}

int vz_cgroup_delegate(struct vz_cgroup *cg, uid_t uid, gid_t gid, vz_error_t *err)
{
    if (cg->version == 2) {
        cleanup_free char *dir = vz_cgroup_path(cg, NULL);
        if (delegate_v2(dir, uid, gid, err) < 0)
            return vz_error_wrap(err, "cgroup %s", cg->name);
        return 0;
    }
    for (size_t i = 0; i < cg->nhier; i++) {
        if (!(cg->hier[i].kind & VZ_CGH_SYSTEMD))
            continue;
        cleanup_free char *dir = vz_path_join(cg->hier[i].dir, cg->name);
        if (chown_one(dir, NULL, uid, gid, 1, err) < 0)
            return vz_error_wrap(err, "cgroup %s", cg->name);
        for (size_t f = 0; f < VZ_ARRAY_SIZE(v1_named); f++)
            if (chown_one(dir, v1_named[f], uid, gid, f == 0, err) < 0)
                return vz_error_wrap(err, "cgroup %s", cg->name);
    }
    return 0;
}
