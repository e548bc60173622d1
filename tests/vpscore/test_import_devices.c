/* The attack of issue 11, item 3, for real: a root-fs tarball whose tree
 * holds a block device node of a host device (here a loop device over a
 * file with a secret in it) is imported with `vzpkg import`, a container is
 * created from it (overlay and plain) and started; root inside must not be
 * able to read the host device through the node. The import drops the node
 * (and says so), so the container has no such file. */
#include <criterion/criterion.h>
#include <errno.h>
#include <sched.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "common/common.h"
#include "tests/lib/rootfs.h"
#include "tests/vpscore/fixture.h"

#define NAME "devs-1-x86_64-minimal"
#define SECRET "host-disk-secret-4711"

static struct fx fx;
static char ctid[32];
static char loopdev[64];

static void setup(void)
{
    cr_assert_eq(unshare(CLONE_NEWNET | CLONE_NEWNS), 0, "unshare: %s", strerror(errno));
    cr_assert_eq(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), 0);
    fx_setup(&fx, NULL);
    snprintf(ctid, sizeof(ctid), "%d", 200000 + (int)getpid() % 100000);
    /* the "host disk": a loop device over a file holding the secret */
    char *img = fx_path(&fx, "disk.img");
    char *mk = vz_xasprintf("printf '%s' > %s && truncate -s 1M %s", SECRET, img, img);
    cr_assert_eq(system(mk), 0);
    vz_error_t err = NULL;
    struct vz_buf out = VZ_BUF_INIT;
    vz_buf_init(&out);
    char *ls[] = { "losetup", "-f", "--show", img, NULL };
    struct vz_run_opts o = { .out = &out };
    int st = -1;
    cr_assert_eq(vz_run(ls, &o, &st, &err), 0);
    cr_assert_eq(st, 0, "losetup failed");
    snprintf(loopdev, sizeof(loopdev), "%.*s", (int)strcspn(out.data, "\n"), out.data);
    vz_buf_release(&out);
    free(mk);
    free(img);
}

static void teardown(void)
{
    char *out = NULL;
    fx_rerunl(&out, "vzctl", "stop", ctid, "--fast", NULL);
    fx_rerunl(&out, "vzctl", "destroy", ctid, NULL);
    free(out);
    if (*loopdev) {
        char *cmd = vz_xasprintf("losetup -d %s", loopdev);
        if (system(cmd) != 0)
            cr_log_warn("could not detach %s", loopdev);
        free(cmd);
    }
    fx_teardown(&fx);
}

TestSuite(import_devices, .init = setup, .fini = teardown, .timeout = 120);

static void attack(const char *layout)
{
    struct stat st;
    cr_assert_eq(stat(loopdev, &st), 0, "%s: %s", loopdev, strerror(errno));
    /* the root-fs tarball, as tar makes it from a real root */
    char *src = fx_path(&fx, "src"), *tar = fx_path(&fx, "rootfs.tar");
    char *mk = vz_xasprintf("set -e; mkdir -p %1$s/usr/bin %1$s/etc %1$s/root && cd %1$s && ln -s usr/bin bin && "
                            "cp /bin/busybox usr/bin/ && for a in sh cat ls test; do ln -s busybox usr/bin/$a; done && "
                            "printf 'root:x:0:0:root:/root:/bin/sh\\n' > etc/passwd && "
                            "mknod root/disk b %2$u %3$u && tar -C %1$s -cf %4$s .",
                            src, major(st.st_rdev), minor(st.st_rdev), tar);
    cr_assert_eq(system(mk), 0);
    char *out = NULL;
    cr_assert_eq(fx_rerunl(&out, "vzpkg", "import", tar, "--name", NAME, NULL), 0, "%s", out);
    cr_assert(strstr(out, "rootfs.tar: 1 device node dropped"), "no warning: %s", out);
    cr_assert_eq(fx_rerunl(&out, "vzctl", "create", ctid, "--ostemplate", NAME, "--layout", layout, NULL), 0, "%s",
                 out);
    cr_assert_eq(fx_rerunl(&out, "vzctl", "start", ctid, NULL), 0, "%s", out);
    /* root inside tries the node it shipped */
    fx_rerunl(&out, "vzctl", "exec", ctid, "cat /root/disk", NULL);
    cr_assert_null(strstr(out, SECRET), "the container read the host's device through an imported node: %s",
                   out);
    cr_assert_eq(fx_rerunl(&out, "vzctl", "exec", ctid, "ls -A /root", NULL), 0, "%s", out);
    cr_assert_str_eq(out, "", "the device node is in the container");
    cr_assert_eq(fx_rerunl(&out, "vzctl", "stop", ctid, NULL), 0, "%s", out);
    cr_assert_eq(fx_rerunl(&out, "vzctl", "destroy", ctid, NULL), 0, "%s", out);
    free(out), free(mk), free(tar), free(src);
}

Test(import_devices, overlay_container_cannot_read_the_host_disk) { attack("overlay"); }
Test(import_devices, plain_container_cannot_read_the_host_disk) { attack("plain"); }
