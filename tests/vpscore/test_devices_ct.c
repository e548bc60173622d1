/* The device policy in a started container (busybox, plain layout):
 * default nodes work, a block device node cannot be made or opened, and
 * `vzctl set --devnodes` changes the running container's cgroup at once
 * and stores DEVNODES with --save. */
#include <criterion/criterion.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "common/common.h"
#include "tests/lib/ctfix.h"
#include "tests/lib/rootfs.h"
#include "tests/vpscore/fixture.h"
#include "vpscore/cgroup.h"
#include "vpscore/mount.h"
#include "vpscore/runtime.h"

static char vzroot[64];
static char ctid[32];
static char *priv;

static void setup(void)
{
    snprintf(ctid, sizeof(ctid), "vzd%d", (int)getpid());
    struct vzt_ctfix f;
    vzt_ctfix_setup(&f, "/tmp/vzt-dct-XXXXXX", ctid, NULL);
    memcpy(vzroot, f.vzroot, sizeof(vzroot));
    priv = f.priv;
    free(f.veroot);
}

static void teardown(void)
{
    vz_error_t err = NULL;
    if (vz_ct_init_pid(ctid, NULL) && vz_ct_stop(ctid, 1, &err) < 0)
        vz_error_release(&err);
    vz_rm_rf(vzroot, &err);
    vz_error_release(&err);
    free(priv);
}

TestSuite(devices_ct, .init = setup, .fini = teardown, .timeout = 300);

/* Nodes an imported tarball could carry (made here on the host in the
 * private area): a host block device (loop7, which the host's root can
 * open: the build machines' own disks are closed even to it), /dev/mem's
 * numbers, and null's. */
Test(devices_ct, device_nodes_in_the_root_do_not_open)
{
    cleanup_free char *disk = vz_path_join(priv, "tmp/disk");
    cleanup_free char *mem = vz_path_join(priv, "tmp/mem");
    cleanup_free char *null = vz_path_join(priv, "tmp/null");
    cr_assert_eq(mknod(disk, S_IFBLK | 0666, makedev(7, 7)), 0, "%s", strerror(errno));
    cr_assert_eq(mknod(mem, S_IFCHR | 0666, makedev(1, 1)), 0);
    cr_assert_eq(mknod(null, S_IFCHR | 0666, makedev(1, 3)), 0);
    cleanup_free char *o1 = NULL, *o2 = NULL;
    cr_assert_eq(fx_vzctl(&o1, "start", ctid, NULL), 0, "%s", o1);
    int rc = fx_vzctl(&o2, "exec2", ctid,
                   "echo hi > /tmp/null && echo null-ok; "
                   "head -c 512 /tmp/disk 2>&1 >/dev/null | sed 's/.*: //'; "
                   "head -c 1 /tmp/mem 2>&1 >/dev/null | sed 's/.*: //'; "
                   "head -c 4 /dev/urandom | wc -c; head -c 1 /dev/zero | wc -c; echo x > /dev/full; "
                   "echo full=$?", NULL);
    cr_assert_eq(rc, 0, "%s", o2);
    /* While the root allows device nodes (null opens: no nodev), what stops
     * the disk and mem is the device cgroup, with EPERM. With a nodev root
     * mount the refusal is EACCES, before the cgroup is asked. */
    const char *tail = "4\n1\nsh: write error: No space left on device\nfull=1\n";
    cleanup_free char *want_dev = vz_xasprintf("null-ok\nOperation not permitted\nOperation not permitted\n%s", tail);
    if (strncmp(o2, "null-ok\n", 8) == 0)
        cr_assert_str_eq(o2, want_dev);
    else {
        cleanup_free char *want_nodev = vz_xasprintf("Permission denied\nPermission denied\n%s", tail);
        cr_assert_not_null(strstr(o2, want_nodev), "%s", o2);
    }
}

Test(devices_ct, devnodes_live_and_saved)
{
    cleanup_free char *o1 = NULL, *o2 = NULL, *o3 = NULL, *o4 = NULL;
    cr_assert_eq(fx_vzctl(&o1, "start", ctid, NULL), 0, "%s", o1);
    cr_assert_eq(fx_vzctl(&o2, "set", ctid, "--devnodes", "loop-control:rw", "--save", NULL), 0, "%s", o2);
    cr_assert_eq(fx_vzctl(&o3, "set", ctid, "--devnodes", "fuse:none", "--save", NULL), 0, "%s", o3);
    struct vz_cgroup *cg = NULL;
    vz_error_t err = NULL;
    cr_assert_eq(vz_cgroup_open(ctid, &cg, &err), 0);
    if (vz_cgroup_version(cg) == 1) {
        char *dir = vz_cgroup_path(cg, "devices");
        char *f = vz_path_join(dir, "devices.list");
        char *list = NULL;
        cr_assert_eq(vz_read_file(f, &list, NULL, &err), 0);
        cr_assert_not_null(strstr(list, "c 10:237 rw\n"), "%s", list);
        cr_assert_null(strstr(list, "c 10:229"), "%s", list);
        cr_assert_not_null(strstr(list, "c 1:3 rwm"), "%s", list);
        free(list), free(f), free(dir);
    }
    vz_cgroup_free(cg);
    cleanup_free char *conf = vz_xasprintf("%s/etc/vz/conf/%s.conf", vzroot, ctid);
    cleanup_free char *text = NULL;
    cr_assert_eq(vz_read_file(conf, &text, NULL, &err), 0);
    cr_assert_not_null(strstr(text, "DEVNODES=\"loop-control:rw fuse:none\""), "%s", text);
    /* a bad value changes nothing and says why */
    cr_assert_eq(fx_vzctl(&o4, "set", ctid, "--devnodes", "../../etc/shadow:rw", "--save", NULL), 21, "%s", o4);
    cr_assert_not_null(strstr(o4, "is not a path below /dev"), "%s", o4);
}
