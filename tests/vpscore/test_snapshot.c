/* vzctl snapshot* for real: busybox containers from a signed cache, the
 * overlay layout on the host's file system and the plain layout on a
 * btrfs image the test makes (in its own mount namespace, the image file
 * unlinked once mounted: nothing outlives the test process). */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <linux/btrfs.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "common/common.h"
#include "tests/lib/robust.h"
#include "tests/vpscore/fixture.h"
#include "tests/vpscore/fsimage.h"
#include "vpscore/mount.h"

#define NAME "test-1-x86_64-minimal"

static struct fx fx;
static char ctid[32];
static char *privdir;

#define OK(...)                                                                                                \
    do {                                                                                                       \
        char *o_ = NULL;                                                                                       \
        int s_ = fx_runl(&o_, __VA_ARGS__, NULL);                                                                  \
        cr_assert_eq(s_, 0, "%s", o_);                                                                         \
        free(o_);                                                                                              \
    } while (0)

static void setup_common(int btrfs)
{
    vzr_private_ns(CLONE_NEWNET);
    fx_setup_signed(&fx, "cp /bin/busybox usr/bin/busybox && for a in sh rm mkdir cat ls echo; do "
                         "ln -s busybox usr/bin/$a; done && mkdir -m 1777 tmp && mkdir -p srv/keep srv/gone && "
                         "echo t > srv/keep/t && echo g > srv/gone/g && echo h > etc/motd");
    privdir = fx_path(&fx, "vz/private");
    snprintf(ctid, sizeof(ctid), "%d", 400000 + (int)getpid() % 100000);
    if (btrfs)
        fx_image_btrfs(&fx, "300M");
}

static void teardown(void)
{
    char *out = NULL;
    fx_runl(&out, "vzctl", "stop", ctid, "--fast", NULL);
    free(out);
    fx_runl(&out, "vzctl", "destroy", ctid, NULL);
    free(out);
    const char *ids[] = { ctid, NULL };
    fx_image_umount(&fx, ids);
    free(privdir);
    fx_teardown(&fx);
}

static void setup_overlay(void) { setup_common(0); }
static void setup_btrfs(void) { setup_common(1); }

static char *inside(const char *script)
{
    char *out = NULL;
    int st = fx_runl(&out, "vzctl", "exec2", ctid, script, NULL);
    cr_assert_eq(st, 0, "%s: %s", script, out);
    return out;
}

static char *take(const char *name, int skip, double *frozen)
{
    char *out = NULL;
    int st = skip ? fx_runl(&out, "vzctl", "-q", "snapshot", ctid, "--name", name, "--skip-suspend", "--json", NULL)
                  : fx_runl(&out, "vzctl", "-q", "snapshot", ctid, "--name", name, "--json", NULL);
    cr_assert_eq(st, 0, "%s", out);
    json_t *j = json_loads(out, 0, NULL);
    cr_assert_not_null(j, "%s", out);
    char *id = vz_xstrdup(json_string_value(json_object_get(j, "id")));
    *frozen = json_real_value(json_object_get(j, "frozen_seconds"));
    json_decref(j);
    free(out);
    return id;
}

TestSuite(snapshot_overlay, .init = setup_overlay, .fini = teardown, .timeout = 300);

Test(snapshot_overlay, take_list_mount_switch_delete)
{
    OK("vzctl", "create", ctid, "--ostemplate", NAME, "--layout", "overlay");
    OK("vzctl", "start", ctid);
    /* a new file, a removed template file (whiteout) and a directory made
     * again (opaque) in the upper layer */
    free(inside("mkdir /data && echo one > /data/a && rm /etc/motd && rm -r /srv/gone && mkdir /srv/gone && "
                "echo new > /srv/gone/n"));
    double frozen = -1;
    char *id = take("first", 0, &frozen);
    cr_assert_gt(frozen, 0, "a running container was not frozen for the copy");
    /* it runs on, thawed */
    char *out = NULL;
    cr_assert_eq(fx_runl(&out, "vzctl", "status", ctid, "--json", NULL), 0);
    json_t *j = json_loads(out, 0, NULL);
    cr_assert(json_is_true(json_object_get(j, "running")) && json_is_false(json_object_get(j, "suspended")), "%s",
              out);
    json_decref(j);
    free(out);
    double frozen2 = -1;
    char *id2 = take("second", 1, &frozen2);
    cr_assert_eq(frozen2, 0, "--skip-suspend froze it");

    /* the copy of the upper layer kept overlay's own marks */
    char *rel = vz_xasprintf("vz/private/%s.snapshots/%s/data", ctid, id);
    char *data = fx_path(&fx, rel);
    free(rel);
    char *wh = vz_xasprintf("%s/etc/motd", data);
    struct stat st;
    cr_assert_eq(lstat(wh, &st), 0, "no whiteout for /etc/motd in the snapshot");
    cr_assert(S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0), "etc/motd is not a whiteout: mode %o", st.st_mode);
    free(wh);
    char *opq = vz_xasprintf("%s/srv/gone", data);
    char val[8] = "";
    ssize_t vl = lgetxattr(opq, "trusted.overlay.opaque", val, sizeof(val));
    cr_assert_eq(vl, 1, "no trusted.overlay.opaque on srv/gone: %m");
    cr_assert_eq(val[0], 'y');
    free(opq);
    free(data);

    cr_assert_eq(fx_runl(&out, "vzctl", "snapshot-list", ctid, "-H", "-o", "uuid,name", NULL), 0, "%s", out);
    char *want = vz_xasprintf("%-36s first\n%-36s second\n", id, id2);
    cr_assert_str_eq(out, want);
    free(want);
    free(out);
    /* the tree, as OpenVZ prints it: second's parent is first, second current */
    cr_assert_eq(fx_runl(&out, "vzctl", "snapshot-list", ctid, "-o", "parent_uuid,current,uuid", NULL), 0, "%s", out);
    want = vz_xasprintf("%-36s C UUID\n%-36s   %s\n%-36s * %s\n", "PARENT_UUID", "", id, id, id2);
    cr_assert_str_eq(out, want);
    free(want);
    free(out);
    cr_assert_eq(fx_runl(&out, "vzctl", "snapshot-list", ctid, "--json", NULL), 0, "%s", out);
    j = json_loads(out, 0, NULL);
    cr_assert_eq(json_array_size(j), 2, "%s", out);
    cr_assert_str_eq(json_string_value(json_object_get(json_array_get(j, 0), "ostemplate")), NAME);
    cr_assert_str_eq(json_string_value(json_object_get(json_array_get(j, 0), "layout")), "overlay");
    json_decref(j);
    free(out);

    /* the container moves on */
    free(inside("echo two > /data/b && rm /data/a && echo back > /etc/motd"));

    /* mounted: the whole tree as it was, read-only */
    char *mnt = fx_path(&fx, "snapmnt");
    cr_assert_eq(mkdir(mnt, 0700), 0);
    OK("vzctl", "snapshot-mount", ctid, "--id", id, "--target", mnt);
    char *a = vz_xasprintf("%s/data/a", mnt), *b = vz_xasprintf("%s/data/b", mnt), *motd = vz_xasprintf("%s/etc/motd", mnt);
    char *keep = vz_xasprintf("%s/srv/keep/t", mnt), *g = vz_xasprintf("%s/srv/gone/g", mnt);
    cr_assert(vz_file_exists(a) && !vz_file_exists(b) && !vz_file_exists(motd) && vz_file_exists(keep) &&
              !vz_file_exists(g), "snapshot-mount does not show the tree as it was");
    int fd = open(a, O_WRONLY);
    cr_assert(fd < 0 && errno == EROFS, "snapshot-mount is writable");
    st.st_mode = 0;
    cr_assert_eq(fx_runl(&out, "vzctl", "snapshot-delete", ctid, "--id", id, NULL), 41, "%s", out);
    free(out);
    OK("vzctl", "snapshot-umount", ctid, "--id", id);
    cr_assert_not(vz_is_mountpoint(mnt) > 0);

    /* switch: stopped only */
    cr_assert_eq(fx_runl(&out, "vzctl", "snapshot-switch", ctid, "--id", id, NULL), 32, "%s", out);
    free(out);
    OK("vzctl", "stop", ctid);
    OK("vzctl", "snapshot-switch", ctid, "--id", id);
    OK("vzctl", "start", ctid);
    out = inside("cat /data/a; ls /data; ls /etc/motd 2>&1; cat /srv/gone/n; ls /srv/gone; true");
    cr_assert_str_eq(out, "one\na\nls: /etc/motd: No such file or directory\nnew\nn\n");
    free(out);

    cr_assert_eq(fx_runl(&out, "vzctl", "snapshot-switch", ctid, "--id", "not-a-uuid", NULL), 21, "%s", out);
    free(out);
    /* switched to first: it is current, and a snapshot taken now is its
     * child, beside second (a branch) */
    char *id3 = take("third", 1, &frozen2);
    cr_assert_eq(fx_runl(&out, "vzctl", "snapshot-list", ctid, "-H", "-o", "parent_uuid,current,name", NULL), 0, "%s", out);
    want = vz_xasprintf("%-36s   first\n%-36s   second\n%-36s * third\n", "", id, id);
    cr_assert_str_eq(out, want);
    free(want);
    free(out);
    OK("vzctl", "stop", ctid);
    OK("vzctl", "snapshot-switch", ctid, "--id", id2);
    /* deleting first gives its children its parent (none) */
    OK("vzctl", "snapshot-delete", ctid, "--id", id);
    cr_assert_eq(fx_runl(&out, "vzctl", "snapshot-list", ctid, "-H", "-o", "name", NULL), 0, "%s", out);
    cr_assert_str_eq(out, "second\nthird\n");
    free(out);
    cr_assert_eq(fx_runl(&out, "vzctl", "snapshot-list", ctid, "--json", NULL), 0, "%s", out);
    j = json_loads(out, 0, NULL);
    cr_assert_eq(json_array_size(j), 2, "%s", out);
    cr_assert(json_is_null(json_object_get(json_array_get(j, 0), "parent_uuid")), "%s", out);
    cr_assert(json_is_null(json_object_get(json_array_get(j, 1), "parent_uuid")), "%s", out);
    cr_assert(json_is_true(json_object_get(json_array_get(j, 0), "current")), "switched to second: %s", out);
    cr_assert(json_is_false(json_object_get(json_array_get(j, 1), "current")), "%s", out);
    json_decref(j);
    free(out);
    /* deleting the current one makes its parent (none) current */
    OK("vzctl", "snapshot-delete", ctid, "--id", id2);
    cr_assert_eq(fx_runl(&out, "vzctl", "snapshot-list", ctid, "-H", "-o", "current,name", NULL), 0, "%s", out);
    cr_assert_str_eq(out, "  third\n");
    free(out);
    free(id3);
    /* destroy takes the rest */
    OK("vzctl", "destroy", ctid);
    char *snaps = vz_xasprintf("%s/%s.snapshots", privdir, ctid);
    cr_assert_not(vz_file_exists(snaps), "destroy left %s", snaps);
    free(snaps);
    free(a), free(b), free(motd), free(keep), free(g), free(mnt);
    free(id);
    free(id2);
}

TestSuite(snapshot_btrfs, .init = setup_btrfs, .fini = teardown, .timeout = 300);

Test(snapshot_btrfs, plain_is_a_readonly_subvolume_and_switch_keeps_the_limit)
{
    OK("vzctl", "create", ctid, "--ostemplate", NAME, "--layout", "plain", "--diskspace", "40M");
    OK("vzctl", "start", ctid);
    free(inside("echo one > /a"));
    double frozen;
    char *id = take("p1", 0, &frozen);
    cr_assert_gt(frozen, 0);
    char *data = vz_xasprintf("%s/%s.snapshots/%s/data", privdir, ctid, id);
    struct stat st;
    cr_assert_eq(stat(data, &st), 0);
    cr_assert_eq(st.st_ino, 256, "the snapshot is no subvolume");
    int fd = open(data, O_RDONLY | O_DIRECTORY);
    __u64 flags = 0;
    cr_assert_eq(ioctl(fd, BTRFS_IOC_SUBVOL_GETFLAGS, &flags), 0);
    close(fd);
    cr_assert(flags & BTRFS_SUBVOL_RDONLY, "the snapshot is writable");
    free(data);
    free(inside("echo two > /b && rm /a"));
    OK("vzctl", "stop", ctid);
    OK("vzctl", "snapshot-switch", ctid, "--id", id);
    /* the private area is a new subvolume with the old limit */
    char *out = NULL;
    cr_assert_eq(fx_runl(&out, "vzctl", "status", ctid, "--json", NULL), 0);
    json_t *j = json_loads(out, 0, NULL);
    json_t *sp = json_object_get(json_object_get(j, "disk"), "space");
    cr_assert_str_eq(json_string_value(json_object_get(json_object_get(j, "disk"), "backend")), "btrfs", "%s", out);
    cr_assert_eq(json_integer_value(json_object_get(sp, "hard")), 40960, "%s", out);
    json_decref(j);
    free(out);
    OK("vzctl", "start", ctid);
    out = inside("cat /a; ls /b 2>&1; true");
    cr_assert_str_eq(out, "one\nls: /b: No such file or directory\n");
    free(out);
    cr_assert_eq(fx_runl(&out, "vzctl", "exec", ctid, "busybox", "dd", "if=/dev/zero", "of=/big", "bs=1M", "count=80",
                     NULL), 8, "80M written under a 40M limit after switch: %s", out);
    free(out);
    OK("vzctl", "stop", ctid);
    OK("vzctl", "destroy", ctid);
    free(id);
}
