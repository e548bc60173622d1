/* vpscore/ctstate.c: is a container running, mounted; mount and umount;
 * suspend and resume (vpscore/runtime.h). */
#include "vpscore/cgroup.h"
#include "vpscore/idmap.h"
#include "vpscore/mount.h"
#include "vpscore/ns.h"
#include "vpscore/capability.h"
#include "vpscore/quota.h"
#include "vpscore/runtime.h"
#include "vpscore/runtime-internal.h"

#include <errno.h>
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

int vz_ct_init_pid(const char *ctid, pid_t *pid)
{
    cleanup_free char *path = vz_ct_pid_path(ctid);
    cleanup_free char *data = NULL;
    vz_error_t err = NULL;
    if (vz_read_file(path, &data, NULL, &err) < 0) {
        vz_error_release(&err);
        return 0;
    }
    long p = 0;
    unsigned long long start = 0;
    if (sscanf(data, "%ld %llu", &p, &start) != 2 || p <= 1 || start == 0)
        return 0;
    if (vz_proc_starttime((pid_t)p) != start)
        return 0;
    if (pid)
        *pid = (pid_t)p;
    return 1;
}

/* What the running container's cgroup says: frozen, memory events. */
static void cgroup_state(const char *ctid, struct vz_ct_state *st)
{
    struct vz_cgroup *cg = NULL;
    vz_error_t err = NULL;
    if (vz_cgroup_open(ctid, &cg, &err) < 0) {
        vz_error_release(&err);
        return;
    }
    st->suspended = vz_cgroup_frozen(cg);
    struct vz_cgroup_memev ev;
    vz_cgroup_memory_events(cg, &ev);
    st->oom = ev.oom;
    st->oom_kill = ev.oom_kill;
    st->mem_max = ev.max;
    vz_cgroup_free(cg);
}

int vz_ct_status(const char *ctid, struct vz_ct_state *st, vz_error_t *err)
{
    memset(st, 0, sizeof(*st));
    if (vz_ctid_check(ctid, err) < 0)
        return -1;
    struct vz_ct ct;
    vz_error_t e = NULL;
    if (vz_ct_load(ctid, &ct, &e) < 0) {
        if (e->status == VZ_ENOCTCONF) {
            vz_error_release(&e);
            return 0;
        }
        *err = e;
        return -1;
    }
    st->exists = vz_is_dir(ct.private_dir);
    st->mounted = vz_is_mountpoint(ct.root_dir);
    st->running = vz_ct_init_pid(ctid, &st->pid);
    st->oom = st->oom_kill = st->mem_max = -1;
    if (st->running)
        cgroup_state(ctid, st);
    vz_ct_release(&ct);
    return 0;
}

char *vz_ct_status_line(const char *ctid, const struct vz_ct_state *st)
{
    return vz_xasprintf("CTID %s %s %s %s%s", ctid, st->exists ? "exist" : "deleted",
                        st->mounted ? "mounted" : "unmounted", st->running ? "running" : "down",
                        st->suspended ? " suspended" : "");
}

/* Owner of the overlay's upper directory: the container's root, so that
 * the merged root directory is its own (as the idmapped lower shows it). */
static int own_upper(const char *upper, const struct vz_idmap *m, vz_error_t *err)
{
    struct stat st;
    if (stat(upper, &st) < 0)
        return vz_error_sys(err, "stat %s", upper);
    uid_t u = m->enabled ? m->uid : 0;
    gid_t g = m->enabled ? m->gid : 0;
    if ((st.st_uid != u || st.st_gid != g) && chown(upper, u, g) < 0)
        return vz_error_sys(err, "chown %s", upper);
    return 0;
}

/* The host sees every container root nosuid and nodev: a set-uid file or a
 * device node that root inside made is nothing to a host user (start gives
 * the container its own copy of the mount with set-uid allowed). */
#define HOST_VIEW_FLAGS (MS_NOSUID | MS_NODEV)

/* base: where upper/ and work/ are (the private area, or the image layout's
 * mounted image) */
static int mount_overlay_root(const struct vz_ct *ct, const char *base, const char *lower, const struct vz_idmap *m,
                              vz_error_t *err)
{
    cleanup_free char *upper = vz_path_join(base, "upper");
    cleanup_free char *work = vz_path_join(base, "work");
    if (vz_mkdir_p(upper, 0755, err) < 0 || vz_mkdir_p(work, 0700, err) < 0 || own_upper(upper, m, err) < 0)
        return -1;
    if (!m->enabled)
        return vz_mount_overlay(lower, upper, work, ct->root_dir, HOST_VIEW_FLAGS, err);
    /* The shared tree stays owned by host root on disk and shows as the
     * container's root through an idmapped copy, attached on a private
     * staging directory just long enough for overlayfs to take its own
     * reference to it. */
    cleanup_free char *stage = vz_path_join(ct->private_dir, "lower");
    if (mkdir(stage, 0700) < 0 && errno != EEXIST)
        return vz_error_sys(err, "mkdir %s", stage);
    if (vz_idmap_mount(lower, stage, m, err) < 0)
        return -1;
    int r = vz_mount_overlay(stage, upper, work, ct->root_dir, HOST_VIEW_FLAGS, err);
    vz_error_t e = NULL;
    if (vz_umount(stage, &e) < 0) {
        vz_warn("%s", e->msg);
        vz_error_release(&e);
    }
    return r;
}

int vz_ct_mount_root(const struct vz_ct *ct, vz_error_t *err)
{
    if (!vz_is_dir(ct->private_dir))
        return vz_error_set(err, VZ_ENOPRIVATE, 0,
                            "container %s: private area %s does not exist (create the container first)",
                            ct->ctid, ct->private_dir);
    if (vz_is_mountpoint(ct->root_dir))
        return vz_error_set(err, VZ_EMOUNTED, 0, "container %s is already mounted on %s", ct->ctid,
                            ct->root_dir);
    struct vz_idmap m;
    if (vz_idmap_from_conf(&ct->conf, ct->conf_path, &m, err) < 0)
        return -1;
    if (vz_ct_secure_parent(ct->root_dir, err) < 0 || vz_mkdir_p(ct->root_dir, 0755, err) < 0)
        return vz_error_wrap(err, "container %s", ct->ctid);
    const char *layout = vz_conf_get(&ct->conf, "VE_LAYOUT");
    const char *lower = vz_conf_get(&ct->conf, "VE_LOWERDIR");
    int image = layout && strcmp(layout, "image") == 0;
    int overlay = layout ? strcmp(layout, "overlay") == 0 || image : (lower && *lower);
    if (!overlay) {
        if (vz_mount_bind(ct->private_dir, ct->root_dir, HOST_VIEW_FLAGS, err) < 0)
            return vz_error_wrap(err, "container %s", ct->ctid);
        return 0;
    }
    if (!lower || !*lower)
        return vz_error_set(err, VZ_ENOPRIVATE, 0, "%s: VE_LAYOUT is overlay but VE_LOWERDIR is not set",
                            ct->conf_path);
    if (!vz_is_dir(lower))
        return vz_error_set(err, VZ_ENOPRIVATE, 0,
                            "container %s: template tree %s (VE_LOWERDIR) does not exist", ct->ctid, lower);
    if (!image) {
        if (mount_overlay_root(ct, ct->private_dir, lower, &m, err) < 0)
            return vz_error_wrap(err, "container %s", ct->ctid);
        return 0;
    }
    if (!vz_image_is(ct->private_dir))
        return vz_error_set(err, VZ_ENOPRIVATE, 0, "container %s: VE_LAYOUT is image but %s/%s is missing",
                            ct->ctid, ct->private_dir, VZ_IMAGE_FILE);
    if (vz_image_mount(ct->private_dir, err) < 0)
        return vz_error_wrap(err, "container %s", ct->ctid);
    cleanup_free char *mnt = vz_image_mnt(ct->private_dir);
    if (mount_overlay_root(ct, mnt, lower, &m, err) < 0) {
        vz_error_t e = NULL;
        if (vz_image_umount(ct->private_dir, &e) < 0)
            vz_error_release(&e);
        return vz_error_wrap(err, "container %s", ct->ctid);
    }
    return 0;
}

int vz_ct_umount_root(const struct vz_ct *ct, vz_error_t *err)
{
    if (vz_is_mountpoint(ct->root_dir) > 0 && vz_umount(ct->root_dir, err) < 0)
        return -1;
    return vz_image_umount(ct->private_dir, err);
}

int vz_rt_caps(const struct vz_conf *c, int *keep_sys_admin, uint64_t *off, vz_error_t *err)
{
    int on = 0;
    if (vz_caps_from_conf(c, off, &on, err) < 0)
        return -1;
    /* in its own user namespace, CAP_SYS_ADMIN acts on the container's own
     * namespaces only (systemd needs it to mount its file systems) */
    const char *priv = vz_conf_get(c, "PRIVILEGED");
    int privileged = priv && (strcmp(priv, "yes") == 0 || strcmp(priv, "on") == 0);
    *keep_sys_admin = privileged ? on : !(*off & (1ULL << CAP_SYS_ADMIN));
    return 0;
}

int vz_ct_mount(const char *ctid, vz_error_t *err)
{
    struct vz_ct ct;
    cleanup_close int lockfd = -1;
    if (vz_ct_open_locked(ctid, &ct, &lockfd, err) < 0)
        return -1;
    int rc = vz_ct_mount_root(&ct, err);
    vz_ct_release(&ct);
    return rc;
}

int vz_ct_umount(const char *ctid, vz_error_t *err)
{
    struct vz_ct ct;
    cleanup_close int lockfd = -1;
    if (vz_ct_open_locked(ctid, &ct, &lockfd, err) < 0)
        return -1;
    int rc = 0;
    if (vz_ct_init_pid(ctid, NULL))
        rc = vz_error_set(err, VZ_ERUNNING, 0, "container %s is running: stop it first", ctid);
    else if (!vz_is_mountpoint(ct.root_dir))
        rc = vz_error_set(err, VZ_ENOTMOUNTED, 0, "container %s is not mounted (%s)", ctid, ct.root_dir);
    else
        rc = vz_ct_umount_root(&ct, err);
    vz_ct_release(&ct);
    return rc;
}

int vz_ct_suspend(const char *ctid, int frozen, vz_error_t *err)
{
    struct vz_ct ct;
    cleanup_close int lockfd = -1;
    if (vz_ct_open_locked(ctid, &ct, &lockfd, err) < 0)
        return -1;
    vz_ct_release(&ct);
    if (!vz_ct_init_pid(ctid, NULL))
        return vz_error_set(err, VZ_ENOTRUNNING, 0, "container %s is not running", ctid);
    struct vz_cgroup *cg = NULL;
    if (vz_cgroup_open(ctid, &cg, err) < 0)
        return -1;
    int rc = vz_cgroup_freeze(cg, frozen, err);
    vz_cgroup_free(cg);
    if (rc < 0)
        return vz_error_wrap(err, "%s container %s", frozen ? "suspend" : "resume", ctid);
    return 0;
}
