/* vpscore/systemd.h: what a container whose init is systemd needs beyond
 * the common root (vpscore/mount.h), and its undo.
 *
 * systemd as pid 1 of a container (docs/runtime.md, "systemd as init") wants:
 *   - a cgroup tree at /sys/fs/cgroup that it may write to, rooted at the
 *     container's own group:
 *       cgroup v1 (and hybrid hosts): a tmpfs with the named `systemd`
 *       hierarchy read-write (the container gets its own group
 *       vzforge/CTID in it) and every controller hierarchy the container
 *       has a group in (vpscore/cgroup.h) read-only, so the limits stay the
 *       admin's and no nested group blocks the removal at stop; the tmpfs is
 *       then made read-only. The hybrid `unified` hierarchy is not shown:
 *       systemd runs in "legacy" mode.
 *       cgroup v2: the container's group, read-write, at /sys/fs/cgroup.
 *     The cgroup namespace of init is rooted at the container's group, so
 *     the mounts show only the container's subtree.
 *   - /run and /run/lock as tmpfs (systemd mounts them only with
 *     CAP_SYS_ADMIN, and refuses to boot without /run).
 *
 * Use, in vz_ct_start():
 *   host side, before the clone:  vz_systemd_prepare(ctid, root, &sd, err)
 *                                 (sd.enabled == 0: init is not systemd;
 *                                 the rest are then no-ops)
 *   child, after vz_mount_rootfs: vz_systemd_mount(&sd, errfd)
 * The groups systemd makes below the container's own are removed with it
 * by vz_cgroup_remove (vpscore/cgroup.h), which removes whole subtrees.
 */
#ifndef VZ_VPSCORE_SYSTEMD_H
#define VZ_VPSCORE_SYSTEMD_H

#include <limits.h>
#include <sys/types.h>

#include "common/common.h"

#define VZ_SD_MAX_MOUNTS 16

/* Fixed-size on purpose: the child reads it between clone() and exec(),
 * where nothing may be allocated. */
struct vz_systemd {
    int enabled;
    int cgroup_version;          /* 1 or 2 */
    int nmounts;
    struct {
        char name[64];           /* directory under /sys/fs/cgroup: "memory", "cpu,cpuacct", "systemd" */
        char opts[128];          /* "memory", "cpu,cpuacct", "none,name=systemd" */
        int read_only;
    } mounts[VZ_SD_MAX_MOUNTS];
};

/* 1 when the root's /sbin/init resolves (inside the root) to systemd. */
int vz_systemd_is_init(const char *root);

/* Host side, after vz_cgroup_create (which makes the container's group in
 * every hierarchy, the named systemd one included, and vz_cgroup_enter moves
 * init there): detect systemd in root; when found, list the mounts for the
 * child. *sd is always initialised. */
int vz_systemd_prepare(const char *ctid, const char *root, struct vz_systemd *sd, vz_error_t *err);

/* Child side, after vz_mount_rootfs() (never allocates). */
int vz_systemd_mount(const struct vz_systemd *sd, int errfd);

#endif
