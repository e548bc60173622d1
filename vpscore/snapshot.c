/* vpscore/snapshot.c: take, list and delete snapshots (snapshot.h);
 * switch and mount are in snapshot-use.c. */
#include "vpscore/snapshot.h"
#include "vpscore/snapshot-internal.h"
#include "vpscore/cgroup.h"
#include "vpscore/ctconf.h"
#include "vpscore/mount.h"
#include "vpscore/quota-internal.h"
#include "vpscore/runtime.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int vz_snapshot_id_check(const char *id, vz_error_t *err)
{
    static const int dash[] = { 8, 13, 18, 23 };
    size_t n = strlen(id);
    int ok = n == 36;
    for (size_t i = 0; ok && i < n; i++) {
        int want_dash = i == (size_t)dash[0] || i == (size_t)dash[1] || i == (size_t)dash[2] || i == (size_t)dash[3];
        ok = want_dash ? id[i] == '-' : isxdigit((unsigned char)id[i]) != 0;
    }
    if (!ok)
        return vz_error_set(err, VZ_EBADARG, 0, "--id %s: want a UUID (8-4-4-4-12 hex digits)", id);
    return 0;
}

char *vz_snap_root(const char *priv)
{
    return vz_xasprintf("%s.snapshots", priv);
}

char *vz_snap_dir(const char *priv, const char *id)
{
    return vz_xasprintf("%s.snapshots/%s", priv, id);
}

int vz_snap_open(const char *ctid, struct vz_ct *ct, int *lock, vz_error_t *err)
{
    if (vz_ctid_check(ctid, err) < 0 || vz_ct_lock(ctid, lock, err) < 0)
        return -1;
    return vz_ct_load(ctid, ct, err);
}

int vz_snap_find(const struct vz_ct *ct, const char *id, char **dir, struct vz_conf *meta, vz_error_t *err)
{
    if (vz_snapshot_id_check(id, err) < 0)
        return -1;
    *dir = vz_snap_dir(ct->private_dir, id);
    cleanup_free char *conf = vz_path_join(*dir, "snapshot.conf");
    if (!vz_file_exists(conf)) {
        free(*dir);
        *dir = NULL;
        return vz_error_set(err, VZ_EBADARG, 0, "container %s has no snapshot %s (vzctl snapshot-list %s)",
                            ct->ctid, id, ct->ctid);
    }
    if (meta && vz_conf_load(meta, conf, err) < 0) {
        free(*dir);
        *dir = NULL;
        return -1;
    }
    return 0;
}

int vz_snap_copy(const char *src, const char *dst, vz_error_t *err)
{
    /* -a: owners, modes, times, hard links, device nodes (overlay's
     * whiteouts are 0:0 character devices) and xattrs, trusted.* included
     * (opaque directories, redirects) since we are root */
    char *argv[] = { "cp", "-a", "--reflink=auto", (char *)src, (char *)dst, NULL };
    struct vz_buf out = VZ_BUF_INIT;
    vz_buf_init(&out);
    struct vz_run_opts o = { .out = &out, .errbuf = &out };
    int r = vz_run_ok(argv, &o, err);
    vz_buf_release(&out);
    return r;
}

int vz_snap_rm(const char *dir, vz_error_t *err)
{
    cleanup_free char *data = vz_path_join(dir, "data");
    if (vz_btrfs_is_subvol(data) && vz_btrfs_subvol_delete(dir, "data", err) < 0)
        return -1;
    return vz_rm_rf(dir, err);
}

/* What the copy is of: the overlay's upper layer, or the whole private
 * area. *image_mounted: take mounted the image and unmounts it after. */
static char *source_of(const struct vz_ct *ct, int *image_mounted, vz_error_t *err)
{
    const char *layout = vz_conf_get(&ct->conf, "VE_LAYOUT");
    *image_mounted = 0;
    if (layout && strcmp(layout, "image") == 0) {
        cleanup_free char *mnt = vz_image_mnt(ct->private_dir);
        if (vz_is_mountpoint(mnt) <= 0) {
            if (vz_image_mount(ct->private_dir, err) < 0)
                return NULL;
            *image_mounted = 1;
        }
        return vz_path_join(mnt, "upper");
    }
    if (layout && strcmp(layout, "overlay") == 0)
        return vz_path_join(ct->private_dir, "upper");
    return vz_xstrdup(ct->private_dir);
}

static char *random_uuid(void)
{
    cleanup_free char *s = NULL;
    vz_error_t e = NULL;
    if (vz_read_file("/proc/sys/kernel/random/uuid", &s, NULL, &e) < 0) {
        vz_error_release(&e);
        return NULL;
    }
    s[strcspn(s, "\n")] = '\0';
    return get_and_reset(&s);
}

/* Freeze (or thaw) the running container's cgroup. */
static int freeze(const char *ctid, int on, vz_error_t *err)
{
    struct vz_cgroup *cg = NULL;
    if (vz_cgroup_open(ctid, &cg, err) < 0)
        return -1;
    int r = vz_cgroup_freeze(cg, on, err);
    vz_cgroup_free(cg);
    return r;
}

static int take_copy(const struct vz_ct *ct, const char *src, const char *dir, int frozen_needed, double *frozen,
                     vz_error_t *err)
{
    cleanup_free char *data = vz_path_join(dir, "data");
    const char *layout = vz_conf_get(&ct->conf, "VE_LAYOUT");
    int btrfs = (!layout || strcmp(layout, "plain") == 0) && vz_btrfs_is_subvol(src) && vz_btrfs_is(dir);
    double t0 = vz_now();
    if (frozen_needed && freeze(ct->ctid, 1, err) < 0)
        return vz_error_wrap(err, "freeze container %s for a consistent copy", ct->ctid);
    int r = btrfs ? vz_btrfs_snapshot(src, dir, "data", 1, err) : vz_snap_copy(src, data, err);
    if (frozen_needed) {
        vz_error_t e = NULL;
        if (freeze(ct->ctid, 0, &e) < 0) {
            if (r < 0)
                vz_error_release(&e);
            else {
                *err = e;
                r = -1;
            }
        }
        *frozen = vz_now() - t0;
    }
    return r;
}

int vz_snapshot_take(const char *ctid, const struct vz_snapshot_opts *o, char **idp, double *seconds,
                     double *frozen_seconds, vz_error_t *err)
{
    cleanup_close int lock = -1;
    struct vz_ct ct;
    *seconds = *frozen_seconds = 0;
    if (o->id && vz_snapshot_id_check(o->id, err) < 0)
        return -1;
    if ((o->name && strchr(o->name, '\n')) || (o->description && strchr(o->description, '\n')))
        return vz_error_set(err, VZ_EBADARG, 0, "--name, --description: one line only");
    if (vz_snap_open(ctid, &ct, &lock, err) < 0)
        return -1;
    int r = -1, image_mounted = 0;
    cleanup_free char *id = o->id ? vz_xstrdup(o->id) : random_uuid();
    cleanup_free char *root = vz_snap_root(ct.private_dir);
    cleanup_free char *dir = id ? vz_snap_dir(ct.private_dir, id) : NULL;
    cleanup_free char *src = NULL;
    /* every cleanup variable before the first goto: a jump past one's
     * initialisation would free garbage (clang refuses it; gcc does not) */
    cleanup_free char *metapath = dir ? vz_path_join(dir, "snapshot.conf") : NULL;
    cleanup_free char *veconf = dir ? vz_path_join(dir, "ve.conf") : NULL;
    cleanup_free char *parent = NULL;
    int made_dir = 0;
    struct vz_conf meta;
    vz_conf_init(&meta, NULL);
    if (id == NULL) {
        vz_error_set(err, VZ_ESYSTEM, errno, "no random UUID from the kernel");
        goto out;
    }
    if (!vz_is_dir(ct.private_dir)) {
        vz_error_set(err, VZ_ENOPRIVATE, 0, "container %s: private area %s does not exist", ctid, ct.private_dir);
        goto out;
    }
    if (mkdir(root, 0700) < 0 && errno != EEXIST) {
        vz_error_sys(err, "mkdir %s", root);
        goto out;
    }
    if (vz_is_dir(dir)) {
        if (vz_file_exists(metapath)) {
            vz_error_set(err, VZ_EBADARG, 0, "container %s has a snapshot %s already", ctid, id);
            goto out;
        }
        if (vz_snap_rm(dir, err) < 0) /* the remains of a take killed half-way */
            goto out;
    }
    if (mkdir(dir, 0700) < 0) {
        vz_error_sys(err, "mkdir %s", dir);
        goto out;
    }
    made_dir = 1;
    src = source_of(&ct, &image_mounted, err);
    if (src == NULL)
        goto out;
    pid_t pid;
    struct vz_ct_state st;
    int running = vz_ct_init_pid(ctid, &pid);
    int suspended = running && vz_ct_status(ctid, &st, err) == 0 && st.suspended;
    if (*err)
        goto out;
    double t0 = vz_now();
    if (take_copy(&ct, src, dir, running && !suspended && !o->skip_suspend, frozen_seconds, err) < 0)
        goto out;
    *seconds = vz_now() - t0;
    if (vz_copy_file(ct.conf_path, veconf, err) < 0)
        goto out;
    char date[32], stamp[32];
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    struct tm tm;
    strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now.tv_sec, &tm));
    /* the order of snapshots taken within one second */
    snprintf(stamp, sizeof(stamp), "%lld.%09ld", (long long)now.tv_sec, now.tv_nsec);
    const char *layout = vz_conf_get(&ct.conf, "VE_LAYOUT");
    parent = vz_snap_current(ct.private_dir);
    const char *keys[][2] = { { "ID", id }, { "PARENT", parent }, { "NAME", o->name }, { "DESCRIPTION", o->description }, { "DATE", date }, { "TIME", stamp },
                              { "LAYOUT", layout ? layout : "plain" },
                              { "OSTEMPLATE", vz_conf_get(&ct.conf, "OSTEMPLATE") },
                              { "VE_LOWERDIR", vz_conf_get(&ct.conf, "VE_LOWERDIR") } };
    meta.path = vz_xstrdup(metapath);
    for (size_t i = 0; i < VZ_ARRAY_SIZE(keys); i++)
        if (keys[i][1])
            vz_conf_set(&meta, keys[i][0], keys[i][1]);
    if (vz_conf_save(&meta, err) < 0) /* last: the snapshot now exists */
        goto out;
    vz_error_t ce = NULL;
    if (vz_snap_set_current(ct.private_dir, id, &ce) < 0) { /* the snapshot is whole: only the mark is missing */
        vz_warn("snapshot %s: cannot mark it current: %s", id, ce->msg);
        vz_error_release(&ce);
    }
    *idp = get_and_reset(&id);
    r = 0;
out:
    if (image_mounted) {
        vz_error_t e = NULL;
        if (vz_image_umount(ct.private_dir, &e) < 0) {
            vz_warn("%s", e->msg);
            vz_error_release(&e);
        }
    }
    if (r < 0 && made_dir) {
        vz_error_t e = NULL;
        if (vz_snap_rm(dir, &e) < 0) {
            vz_warn("cannot remove %s after a failed snapshot: %s", dir, e->msg);
            vz_error_release(&e);
        }
    }
    vz_conf_release(&meta);
    vz_ct_release(&ct);
    if (r < 0)
        return vz_error_wrap(err, "snapshot of container %s", ctid);
    return 0;
}

static int by_time(const void *a, const void *b)
{
    const struct vz_snapshot *x = a, *y = b;
    /* TIME is "SECONDS.NANOSECONDS" with 9 digits after the point: as
     * long as the seconds have the same number of digits (until 2286),
     * strcmp orders them */
    int c = strcmp(x->time ? x->time : "", y->time ? y->time : "");
    return c ? c : strcmp(x->id, y->id);
}

int vz_snapshot_list(const char *ctid, struct vz_snapshot **out, size_t *n, vz_error_t *err)
{
    cleanup_close int lock = -1;
    struct vz_ct ct;
    *out = NULL;
    *n = 0;
    if (vz_snap_open(ctid, &ct, &lock, err) < 0)
        return -1;
    cleanup_free char *root = vz_snap_root(ct.private_dir);
    cleanup_free char *cur = vz_snap_current(ct.private_dir);
    vz_ct_release(&ct);
    DIR *d = opendir(root);
    if (d == NULL)
        return errno == ENOENT ? 0 : vz_error_sys(err, "open %s", root);
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        vz_error_t e = NULL;
        if (vz_snapshot_id_check(de->d_name, &e) < 0) {
            vz_error_release(&e);
            continue;
        }
        cleanup_free char *path = vz_xasprintf("%s/%s/snapshot.conf", root, de->d_name);
        struct vz_conf c;
        if (!vz_file_exists(path) || vz_conf_load(&c, path, &e) < 0) { /* a take killed half-way */
            vz_error_release(&e);
            continue;
        }
        *out = vz_xrealloc(*out, (*n + 1) * sizeof(**out));
        struct vz_snapshot *s = &(*out)[(*n)++];
        const char *keys[] = { "NAME", "DESCRIPTION", "DATE", "TIME", "LAYOUT", "OSTEMPLATE", "VE_LOWERDIR", "PARENT" };
        char **dst[] = { &s->name, &s->description, &s->date, &s->time, &s->layout, &s->ostemplate, &s->lowerdir,
                         &s->parent };
        s->id = vz_xstrdup(de->d_name);
        s->current = cur && strcmp(cur, s->id) == 0;
        for (size_t i = 0; i < VZ_ARRAY_SIZE(keys); i++)
            *dst[i] = vz_conf_get(&c, keys[i]) ? vz_xstrdup(vz_conf_get(&c, keys[i])) : NULL;
        vz_conf_release(&c);
    }
    closedir(d);
    if (*n)
        qsort(*out, *n, sizeof(**out), by_time);
    return 0;
}

void vz_snapshot_list_free(struct vz_snapshot *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].id);
        free(v[i].name);
        free(v[i].description);
        free(v[i].date);
        free(v[i].time);
        free(v[i].layout);
        free(v[i].ostemplate);
        free(v[i].lowerdir);
        free(v[i].parent);
    }
    free(v);
}

int vz_snapshot_delete(const char *ctid, const char *id, vz_error_t *err)
{
    cleanup_close int lock = -1;
    struct vz_ct ct;
    if (vz_snap_open(ctid, &ct, &lock, err) < 0)
        return -1;
    cleanup_free char *dir = NULL;
    int r = vz_snap_find(&ct, id, &dir, NULL, err);
    cleanup_free char *mounted = dir ? vz_path_join(dir, "mounted") : NULL;
    if (r == 0 && vz_file_exists(mounted))
        r = vz_error_set(err, VZ_EMOUNTED, 0, "snapshot %s is mounted: vzctl snapshot-umount %s --id %s first", id,
                         ctid, id);
    if (r == 0)
        r = vz_snap_detach(ct.private_dir, id, err);
    if (r == 0)
        r = vz_snap_rm(dir, err);
    vz_ct_release(&ct);
    return r;
}

int vz_snapshot_remove_all(const char *priv, vz_error_t *err)
{
    cleanup_free char *root = vz_snap_root(priv);
    DIR *d = opendir(root);
    if (d == NULL)
        return errno == ENOENT ? 0 : vz_error_sys(err, "open %s", root);
    struct dirent *de;
    int r = 0;
    while (r == 0 && (de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        if (strcmp(de->d_name, "current") == 0) {
            cleanup_free char *cur = vz_path_join(root, de->d_name);
            if (unlink(cur) < 0)
                r = vz_error_sys(err, "remove %s", cur);
            continue;
        }
        cleanup_free char *dir = vz_path_join(root, de->d_name);
        cleanup_free char *mounted = vz_path_join(dir, "mounted");
        cleanup_free char *target = NULL;
        vz_error_t e = NULL;
        if (vz_read_file(mounted, &target, NULL, &e) == 0 && vz_umount(target, &e) < 0)
            vz_warn("%s", e->msg);
        vz_error_release(&e);
        r = vz_snap_rm(dir, err);
    }
    closedir(d);
    if (r == 0 && rmdir(root) < 0 && errno != ENOENT)
        r = vz_error_sys(err, "remove %s", root);
    return r;
}
