/* vpscore/snapshot-tree.c: the snapshot tree as OpenVZ keeps it (a parent
 * per snapshot, one current), for snapshot.c and snapshot-use.c.
 *
 * A snapshot's parent is the one that was current when it was taken
 * (PARENT in its snapshot.conf; none for the first, or for snapshots made
 * before vzforge kept a tree). The current one is what the container's
 * state stands on: the last taken or switched to, named in
 * VE_PRIVATE.snapshots/current (written atomically: a reader sees the old
 * or the new name, never half of one).
 * Deleting a snapshot gives its children its parent, and makes its parent
 * current when it was. */
#include "vpscore/snapshot.h"
#include "vpscore/snapshot-internal.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* snapshot.conf's key (not CTID.conf's: ctid.conf(5) does not list it) */
static const char PARENT_KEY[] = "PARENT";

char *vz_snap_current(const char *priv)
{
    cleanup_free char *root = vz_snap_root(priv);
    cleanup_free char *path = vz_path_join(root, "current");
    char *id = NULL;
    vz_error_t e = NULL;
    if (vz_read_file(path, &id, NULL, &e) < 0) {
        vz_error_release(&e);
        return NULL;
    }
    id[strcspn(id, "\n")] = '\0';
    cleanup_free char *conf = vz_xasprintf("%s/%s/snapshot.conf", root, id);
    if (vz_snapshot_id_check(id, &e) < 0 || !vz_file_exists(conf)) {
        vz_error_release(&e);
        free(id);
        return NULL;
    }
    return id;
}

int vz_snap_set_current(const char *priv, const char *id, vz_error_t *err)
{
    cleanup_free char *root = vz_snap_root(priv);
    cleanup_free char *path = vz_path_join(root, "current");
    if (id == NULL)
        return unlink(path) < 0 && errno != ENOENT ? vz_error_sys(err, "remove %s", path) : 0;
    cleanup_free char *line = vz_xasprintf("%s\n", id);
    return vz_atomic_write(path, line, strlen(line), 0600, err);
}

int vz_snap_detach(const char *priv, const char *id, vz_error_t *err)
{
    cleanup_free char *root = vz_snap_root(priv);
    cleanup_free char *myconf = vz_xasprintf("%s/%s/snapshot.conf", root, id);
    struct vz_conf me;
    if (vz_conf_load(&me, myconf, err) < 0)
        return -1;
    cleanup_free char *parent = vz_conf_get(&me, PARENT_KEY) ? vz_xstrdup(vz_conf_get(&me, PARENT_KEY)) : NULL;
    vz_conf_release(&me);
    DIR *d = opendir(root);
    if (d == NULL)
        return vz_error_sys(err, "open %s", root);
    struct dirent *de;
    int r = 0;
    while (r == 0 && (de = readdir(d)) != NULL) {
        vz_error_t e = NULL;
        if (vz_snapshot_id_check(de->d_name, &e) < 0 || strcmp(de->d_name, id) == 0) {
            vz_error_release(&e);
            continue;
        }
        cleanup_free char *path = vz_xasprintf("%s/%s/snapshot.conf", root, de->d_name);
        struct vz_conf c;
        if (!vz_file_exists(path))
            continue;
        if (vz_conf_load(&c, path, err) < 0) {
            r = -1;
            break;
        }
        const char *p = vz_conf_get(&c, PARENT_KEY);
        if (p && strcmp(p, id) == 0) {
            if (parent)
                vz_conf_set(&c, PARENT_KEY, parent);
            else
                vz_conf_unset(&c, PARENT_KEY);
            r = vz_conf_save(&c, err);
        }
        vz_conf_release(&c);
    }
    closedir(d);
    if (r < 0)
        return -1;
    cleanup_free char *cur = vz_snap_current(priv);
    if (cur && strcmp(cur, id) == 0)
        return vz_snap_set_current(priv, parent, err);
    return 0;
}
