/* vpscore/snapshot-use.c: snapshot-switch, snapshot-mount and
 * snapshot-umount (snapshot.h). */
#include "vpscore/snapshot.h"
#include "vpscore/snapshot-internal.h"
#include "vpscore/mount.h"
#include "vpscore/quota-internal.h"
#include "vpscore/runtime.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

/* The template build a snapshot stands on is still there. */
static int lower_present(const struct vz_conf *meta, const char *id, vz_error_t *err)
{
    const char *layout = vz_conf_get(meta, "LAYOUT");
    const char *lower = vz_conf_get(meta, "VE_LOWERDIR");
    if (layout && strcmp(layout, "plain") == 0)
        return 0;
    if (lower == NULL || !vz_is_dir(lower))
        return vz_error_set(err, VZ_ENOTEMPLATE, 0,
                            "snapshot %s stands on the template build %s, which is gone (vzpkg clean?): "
                            "create the cache %s again from the same packages", id, lower ? lower : "(unset)",
                            vz_conf_get(meta, "OSTEMPLATE") ? vz_conf_get(meta, "OSTEMPLATE") : "?");
    return 0;
}

/* Replace dir (the overlay's upper, or a plain private area) with a copy
 * of data: the copy is made beside it first, so that a failed copy leaves
 * dir as it was. */
static int replace_with(const char *dir, const char *data, vz_error_t *err)
{
    cleanup_free char *fresh = vz_xasprintf("%s.switch-new", dir);
    cleanup_free char *old = vz_xasprintf("%s.switch-old", dir);
    cleanup_free char *parent = vz_xstrdup(dir);
    *strrchr(parent, '/') = '\0';
    const char *name = strrchr(fresh, '/') + 1;
    vz_error_t e = NULL;
    /* remains of a switch killed half-way */
    if ((vz_file_exists(fresh) && vz_rm_rf(fresh, &e) < 0) || (vz_file_exists(old) && vz_rm_rf(old, &e) < 0)) {
        *err = e;
        return -1;
    }
    int subvol = vz_btrfs_is_subvol(dir) && vz_btrfs_is_subvol(data);
    if (subvol ? vz_btrfs_snapshot(data, parent, name, 0, err) < 0 : vz_snap_copy(data, fresh, err) < 0) {
        if (vz_rm_rf(fresh, &e) < 0)
            vz_error_release(&e);
        return -1;
    }
    if (rename(dir, old) < 0) {
        int en = errno;
        if (vz_rm_rf(fresh, &e) < 0)
            vz_error_release(&e);
        return vz_error_set(err, VZ_ESYSTEM, en, "rename %s", dir);
    }
    if (rename(fresh, dir) < 0) {
        int en = errno;
        if (rename(old, dir) < 0)
            vz_warn("cannot put %s back from %s: %s", dir, old, strerror(errno));
        return vz_error_set(err, VZ_ESYSTEM, en, "rename %s", fresh);
    }
    if (vz_rm_rf(old, &e) < 0) {
        vz_warn("switched; the old tree %s could not be removed: %s", old, e->msg);
        vz_error_release(&e);
    }
    return 0;
}

int vz_snapshot_switch(const char *ctid, const char *id, vz_error_t *err)
{
    cleanup_close int lock = -1;
    struct vz_ct ct;
    if (vz_snap_open(ctid, &ct, &lock, err) < 0)
        return -1;
    cleanup_free char *dir = NULL, *data = NULL, *veconf = NULL, *target = NULL, *mnt = NULL;
    struct vz_conf meta, snapconf;
    vz_conf_init(&meta, NULL);
    vz_conf_init(&snapconf, NULL);
    int r = -1, image_mounted = 0;
    if (vz_ct_init_pid(ctid, NULL)) {
        vz_error_set(err, VZ_ERUNNING, 0, "container %s is running: stop it first", ctid);
        goto out;
    }
    if (vz_is_mountpoint(ct.root_dir) > 0) {
        vz_error_set(err, VZ_EMOUNTED, 0, "container %s is mounted: vzctl umount %s first", ctid, ctid);
        goto out;
    }
    if (vz_snap_find(&ct, id, &dir, &meta, err) < 0 || lower_present(&meta, id, err) < 0)
        goto out;
    data = vz_path_join(dir, "data");
    veconf = vz_path_join(dir, "ve.conf");
    if (vz_conf_load(&snapconf, veconf, err) < 0)
        goto out;
    const char *layout = vz_conf_get(&meta, "LAYOUT");
    const char *now_layout = vz_conf_get(&ct.conf, "VE_LAYOUT");
    if (strcmp(layout ? layout : "plain", now_layout ? now_layout : "plain") != 0) {
        vz_error_set(err, VZ_EBADARG, 0, "snapshot %s is of the %s layout, the container is %s now", id,
                     layout ? layout : "plain", now_layout ? now_layout : "plain");
        goto out;
    }
    if (layout && strcmp(layout, "image") == 0) {
        if (vz_image_mount(ct.private_dir, err) < 0)
            goto out;
        image_mounted = 1;
        mnt = vz_image_mnt(ct.private_dir);
        target = vz_path_join(mnt, "upper");
    } else if (layout && strcmp(layout, "overlay") == 0) {
        target = vz_path_join(ct.private_dir, "upper");
    } else {
        target = vz_xstrdup(ct.private_dir);
    }
    if (replace_with(target, data, err) < 0)
        goto out;
    /* the conf as it was then, in the container's place (its own paths) */
    free(snapconf.path);
    snapconf.path = vz_xstrdup(ct.conf_path);
    if (vz_conf_save(&snapconf, err) < 0)
        goto out;
    /* a new subvolume (plain on btrfs) has a qgroup of its own: the limit
     * goes on it now, not only at the next start */
    struct vz_quota_limits l;
    if (vz_quota_from_conf(&snapconf, &l, err) < 0 || vz_quota_apply(ct.private_dir, &l, err) < 0)
        goto out;
    if (vz_snap_set_current(ct.private_dir, id, err) < 0)
        goto out;
    r = 0;
out:
    if (image_mounted) {
        vz_error_t e = NULL;
        if (vz_image_umount(ct.private_dir, &e) < 0) {
            vz_warn("%s", e->msg);
            vz_error_release(&e);
        }
    }
    vz_conf_release(&meta);
    vz_conf_release(&snapconf);
    vz_ct_release(&ct);
    if (r < 0)
        return vz_error_wrap(err, "switch container %s to snapshot %s", ctid, id);
    return 0;
}

int vz_snapshot_mount(const char *ctid, const char *id, const char *target, vz_error_t *err)
{
    cleanup_close int lock = -1;
    struct vz_ct ct;
    if (vz_snap_open(ctid, &ct, &lock, err) < 0)
        return -1;
    cleanup_free char *dir = NULL, *data = NULL, *mounted = NULL, *opts = NULL;
    struct vz_conf meta;
    vz_conf_init(&meta, NULL);
    int r = -1;
    char real[PATH_MAX];
    if (vz_snap_find(&ct, id, &dir, &meta, err) < 0 || lower_present(&meta, id, err) < 0)
        goto out;
    mounted = vz_path_join(dir, "mounted");
    if (vz_file_exists(mounted)) {
        vz_error_set(err, VZ_EMOUNTED, 0, "snapshot %s is mounted already", id);
        goto out;
    }
    if (realpath(target, real) == NULL || !vz_is_dir(real)) {
        vz_error_set(err, VZ_EBADARG, errno, "--target %s: want an existing directory", target);
        goto out;
    }
    data = vz_path_join(dir, "data");
    const char *layout = vz_conf_get(&meta, "LAYOUT");
    unsigned long flags = MS_RDONLY | MS_NOSUID | MS_NODEV;
    if (layout && strcmp(layout, "plain") != 0) {
        /* lower layers only: overlay is read-only then, and honours the
         * snapshot's whiteouts over the template's files */
        opts = vz_xasprintf("lowerdir=%s:%s", data, vz_conf_get(&meta, "VE_LOWERDIR"));
        if (mount("overlay", real, "overlay", flags, opts) < 0) {
            vz_error_sys(err, "mount snapshot %s on %s", id, real);
            goto out;
        }
    } else if (vz_mount_bind(data, real, flags, err) < 0) {
        goto out;
    }
    if (vz_atomic_write(mounted, real, strlen(real), 0600, err) < 0) {
        vz_error_t e = NULL;
        if (vz_umount(real, &e) < 0)
            vz_error_release(&e);
        goto out;
    }
    r = 0;
out:
    vz_conf_release(&meta);
    vz_ct_release(&ct);
    if (r < 0)
        return vz_error_wrap(err, "snapshot-mount %s %s", ctid, id);
    return 0;
}

int vz_snapshot_umount(const char *ctid, const char *id, vz_error_t *err)
{
    cleanup_close int lock = -1;
    struct vz_ct ct;
    if (vz_snap_open(ctid, &ct, &lock, err) < 0)
        return -1;
    cleanup_free char *dir = NULL, *mounted = NULL, *target = NULL;
    int r = vz_snap_find(&ct, id, &dir, NULL, err);
    if (r == 0) {
        mounted = vz_path_join(dir, "mounted");
        vz_error_t e = NULL;
        if (vz_read_file(mounted, &target, NULL, &e) < 0) {
            vz_error_release(&e);
            r = vz_error_set(err, VZ_ENOTMOUNTED, 0, "snapshot %s is not mounted", id);
        }
    }
    if (r == 0 && (r = vz_umount(target, err)) == 0 && unlink(mounted) < 0)
        r = vz_error_sys(err, "remove %s", mounted);
    vz_ct_release(&ct);
    return r;
}
