/* vpscore/destroy.c: vzctl destroy (create.h). Kept apart from create.c so
 * that vzctl, which does not create (cmd/vzctl_spawn.c runs vzctl-create),
 * links no archive code. */
#include "vpscore/create.h"
#include "vpscore/ctconf.h"
#include "vpscore/fsflags.h"
#include "vpscore/mount.h"
#include "vpscore/net.h"
#include "vpscore/runtime.h"
#include "vpscore/runtime-internal.h"
#include "vpscore/snapshot.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A broken conf (VE_PRIVATE="/", or "/vz/private" without $VEID) must not
 * make destroy remove far more than one container. */
static int private_dir_sane(const struct vz_ct *ct, vz_error_t *err)
{
    char real[PATH_MAX];
    if (realpath(ct->private_dir, real) == NULL)
        return errno == ENOENT ? 0 : vz_error_sys(err, "resolve %s", ct->private_dir);
    int depth = 0;
    for (const char *p = real; *p; p++)
        depth += *p == '/' && p[1] != '\0';
    cleanup_free char *dflt = vz_ct_default_private(ct->ctid);
    char *slash = strrchr(dflt, '/');
    if (slash)
        *slash = '\0';
    char dreal[PATH_MAX];
    int is_parent = realpath(dflt, dreal) && strcmp(dreal, real) == 0;
    cleanup_free char *root = vz_root_path("/");
    char rreal[PATH_MAX];
    int is_root = realpath(root, rreal) && strcmp(rreal, real) == 0;
    if (depth < 2 || is_parent || is_root)
        return vz_error_set(err, VZ_EBADARG, 0,
                            "%s: VE_PRIVATE=\"%s\" is not one container's private area; refusing to remove it "
                            "(fix the conf, then destroy again)", ct->conf_path, ct->private_dir);
    return 0;
}

int vz_ct_destroy(const char *ctid, vz_error_t *err)
{
    if (vz_ctid_check(ctid, err) < 0)
        return -1;
    cleanup_close int lock = -1;
    struct vz_ct ct;
    if (vz_ct_open_locked(ctid, &ct, &lock, err) < 0)
        return vz_error_wrap(err, "destroy container %s", ctid);
    int r = -1;
    pid_t pid = 0;
    cleanup_free char *pidf = vz_ct_pid_path(ctid);
    cleanup_free char *pidtmp = vz_ct_pid_tmp_path(ctid);
    if (vz_ct_init_pid(ctid, &pid)) {
        vz_error_set(err, VZ_ERUNNING, 0, "container %s is running (pid %d): stop it first (vzctl stop %s)",
                     ctid, (int)pid, ctid);
        goto out;
    }
    /* An init that no pid file names (a start killed between "go" and the
     * pid file), or what a crashed start left (cgroups, veth, its root
     * mount): kill everything in the container's cgroup, in every
     * hierarchy, and release it all. */
    if (vz_rt_cgroup_exists(ctid) || vz_rt_cgroup_procs(ctid) > 0) {
        vz_info("container %s: releasing what a start left (processes in its cgroup, veth, root mount)", ctid);
        if (vz_rt_release(&ct, err) < 0)
            goto out;
    }
    /* robust: check before removing anything, or a mounted root (vzctl
     * mount) turns destroy into a half-destroy */
    if (vz_is_mountpoint(ct.root_dir) > 0) {
        vz_error_set(err, VZ_EMOUNTED, 0, "container %s is mounted on %s: unmount it first (vzctl umount %s)",
                     ctid, ct.root_dir, ctid);
        goto out;
    }
    /* every refusal is behind us: only now say what is being done */
    vz_info("Destroying container private area");
    if (vz_net_teardown(ctid, err) < 0)
        goto out;
    /* chattr +i/+a inside (a privileged container can) would stop the
     * removal half-way: clear them first, or remove nothing */
    long cleared = 0;
    if (private_dir_sane(&ct, err) < 0)
        goto out;
    if (vz_fsflags_clear_tree(ct.private_dir, &cleared, err) < 0) {
        vz_error_wrap(err, "nothing was removed");
        goto out;
    }
    if (cleared)
        vz_info("container %s: cleared the immutable/append-only flag of %ld files", ctid, cleared);
    if (vz_snapshot_remove_all(ct.private_dir, err) < 0 || vz_rm_rf(ct.private_dir, err) < 0)
        goto out;
    if (rmdir(ct.root_dir) < 0 && errno != ENOENT && errno != ENOTDIR) {
        vz_error_sys(err, "remove mount point %s (still mounted? vzctl umount %s)", ct.root_dir, ctid);
        goto out;
    }
    if (unlink(ct.conf_path) < 0 && errno != ENOENT) {
        vz_error_sys(err, "remove %s", ct.conf_path);
        goto out;
    }
    unlink(pidf);
    unlink(pidtmp);
    r = 0;
out:
    vz_ct_release(&ct);
    if (r < 0)
        return vz_error_wrap(err, "destroy container %s", ctid);
    return 0;
}
