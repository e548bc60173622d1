/* DISKSPACE/DISKINODES on ext4 project quotas (vpscore/quota-project.c)
 * for real: an ext4 image made with -O quota,project by the test, mounted
 * prjquota on the private areas' parent through a loop device, in the
 * test's own mount namespace (the image file is unlinked once mounted, the
 * loop device clears itself at unmount: a killed test leaves neither).
 *
 * A kernel without ext4 quota support (this build host's: CONFIG_QFMT_V2
 * off) refuses the mount: the suite then skips, saying so, and only then;
 * any other mount failure fails it. The cgroup-v2 guest (Debian's kernel)
 * has the support and runs it (docs/quota.md). */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <linux/fs.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/quota.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/common.h"
#include "tests/lib/robust.h"
#include "tests/vpscore/fixture.h"
#include "tests/vpscore/fsimage.h"
#include "vpscore/quota.h"

static struct fx fx;
static char *privdir;

#define NAME "test-1-x86_64-minimal"

static void teardown(void);

static void setup(void)
{
    fx_setup_signed(&fx, NULL);
    vzr_private_ns(0);
    privdir = fx_path(&fx, "vz/private");
    fx_image_make(&fx, "300M", "mkfs.ext4 -q -O quota,project");
    if (fx_image_mount(&fx, "prjquota", true) == 0)
        return;
    /* the one failure that is the host's, not vzforge's: a kernel built
     * without ext4's quota format */
    int nosupport = fx_sh("{ zcat /proc/config.gz 2>/dev/null || cat /boot/config-$(uname -r); } | "
                       "grep -q '^CONFIG_QFMT_V2='") == 1;
    cr_assert(nosupport, "mount -o loop,prjquota of an ext4 made with -O quota,project failed on a kernel that "
                         "has CONFIG_QFMT_V2");
    /* Criterion runs no .fini after a skip in .init */
    teardown();
    cr_skip_test("this kernel has no ext4 project quotas (CONFIG_QFMT_V2 not set; mount -o prjquota refused): "
                 "not tested here; the cgroup-v2 guest (tests/vm/run.sh) runs this suite");
}

static void teardown(void)
{
    const char *ids[] = { "201", "202", "203", NULL };
    fx_image_umount(&fx, ids);
    free(privdir);
    privdir = NULL;
    fx_teardown(&fx);
}

/* Write MiB chunks into path until a write fails or max_mib is written;
 * the bytes written, *errnum the failure's errno (0: none). A short write
 * is not the end: ext4 fills the last blocks the quota allows and fails
 * the next write (its block reservation may let a byte or a page more in
 * first). */
static long long fill(const char *path, int max_mib, int *errnum)
{
    static char chunk[1 << 20];
    memset(chunk, 'p', sizeof(chunk));
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    cr_assert_geq(fd, 0, "open %s: %m", path);
    long long total = 0, max = (long long)max_mib << 20;
    *errnum = 0;
    while (total < max) {
        size_t want = (size_t)(max - total < (long long)sizeof(chunk) ? max - total : (long long)sizeof(chunk));
        ssize_t w = write(fd, chunk, want);
        if (w < 0) {
            *errnum = errno;
            break;
        }
        total += w;
    }
    if (*errnum == 0 && fsync(fd) < 0)
        *errnum = errno;
    close(fd);
    return total;
}

/* Empty files made in dir until refused or max; how many, *errnum why. */
static int touch_many(const char *dir, int max, int *errnum)
{
    *errnum = 0;
    for (int i = 0; i < max; i++) {
        char *p = vz_xasprintf("%s/f%d", dir, i);
        int fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        free(p);
        if (fd < 0) {
            *errnum = errno;
            return i;
        }
        close(fd);
    }
    return max;
}

static json_t *status_disk(const char *ctid, json_t **root)
{
    char *out = NULL;
    cr_assert_eq(fx_runl(&out, "vzctl", "status", ctid, "--json", NULL), 0, "%s", out);
    *root = json_loads(out, 0, NULL);
    cr_assert_not_null(*root, "%s", out);
    free(out);
    return json_object_get(*root, "disk");
}

TestSuite(quota_project, .init = setup, .fini = teardown, .timeout = 600);

Test(quota_project, space_and_inodes_enforced_and_changed)
{
    char *out = NULL;
    int st = fx_runl(&out, "vzctl", "create", "201", "--ostemplate", NAME, "--diskspace", "20M:24M", "--diskinodes",
                 "1500:2000", NULL);
    cr_assert_eq(st, 0, "%s", out);
    free(out);
    char *priv = fx_path(&fx, "vz/private/201");
    cr_assert_eq(vz_quota_probe(priv), VZ_QUOTA_PROJECT);

    /* through the container's overlay root, as a process inside writes */
    cr_assert_eq(fx_runl(&out, "vzctl", "mount", "201", NULL), 0, "%s", out);
    free(out);
    char *big = fx_path(&fx, "vz/root/201/big");
    int e;
    long long n = fill(big, 80, &e);
    cr_assert_eq(e, EDQUOT, "wrote %lld bytes, errno %d: no EDQUOT at a 24M limit", n, e);
    cr_assert_lt(n, 25LL << 20, "wrote %lld bytes past a 24M limit", n);
    cr_assert_gt(n, 10LL << 20, "only %lld bytes under a 24M limit", n);
    unlink(big);
    char *many = fx_path(&fx, "vz/root/201/many");
    cr_assert_eq(mkdir(many, 0755), 0);
    int made = touch_many(many, 3000, &e);
    cr_assert_eq(e, EDQUOT, "%d files, errno %d: no EDQUOT at a 2000-inode limit", made, e);
    cr_assert(made > 1000 && made <= 2000, "%d files under a 2000-inode limit", made);

    json_t *root;
    json_t *d = status_disk("201", &root);
    cr_assert_str_eq(json_string_value(json_object_get(d, "backend")), "project");
    json_t *in = json_object_get(d, "inodes");
    cr_assert_eq(json_integer_value(json_object_get(in, "hard")), 2000);
    cr_assert_geq(json_integer_value(json_object_get(in, "usage")), made);
    cr_assert_leq(json_integer_value(json_object_get(in, "usage")), 2000);
    cr_assert_eq(json_integer_value(json_object_get(json_object_get(d, "space"), "hard")), 24576);
    json_decref(root);
    cr_assert_eq(fx_sh("rm -rf %s", many), 0);
    sync();

    /* a higher limit lets more in at once; unlimited clears both */
    cr_assert_eq(fx_runl(&out, "vzctl", "set", "201", "--diskspace", "60M", "--save", NULL), 0, "%s", out);
    free(out);
    n = fill(big, 40, &e);
    cr_assert_eq(e, 0, "40M refused under a 60M limit after %lld bytes: errno %d", n, e);
    unlink(big);
    cr_assert_eq(fx_runl(&out, "vzctl", "set", "201", "--diskspace", "unlimited", "--diskinodes", "unlimited", "--save",
                     NULL), 0, "%s", out);
    free(out);
    n = fill(big, 90, &e);
    cr_assert_eq(e, 0, "90M refused with no limit after %lld bytes: errno %d", n, e);
    unlink(big);
    cr_assert_eq(mkdir(many, 0755), 0);
    cr_assert_eq(touch_many(many, 3000, &e), 3000, "errno %d with no inode limit", e);
    cr_assert_eq(fx_runl(&out, "vzctl", "umount", "201", NULL), 0, "%s", out);
    free(out);
    cr_assert_eq(fx_runl(&out, "vzctl", "destroy", "201", NULL), 0, "%s", out);
    free(out);
    free(many);
    free(big);
    free(priv);
}

/* A container made without a limit already holds files when the first
 * one is set: they count against it (the tree is tagged then). */
Test(quota_project, files_made_before_the_limit_count)
{
    char *out = NULL;
    cr_assert_eq(fx_runl(&out, "vzctl", "create", "202", "--ostemplate", NAME, NULL), 0, "%s", out);
    free(out);
    cr_assert_eq(fx_runl(&out, "vzctl", "mount", "202", NULL), 0, "%s", out);
    free(out);
    char *old = fx_path(&fx, "vz/root/202/old");
    int e;
    cr_assert_eq(fill(old, 12, &e), 12LL << 20);
    cr_assert_eq(e, 0);
    cr_assert_eq(fx_runl(&out, "vzctl", "set", "202", "--diskspace", "16M", "--save", NULL), 0, "%s", out);
    free(out);
    json_t *root;
    json_t *d = status_disk("202", &root);
    cr_assert_geq(json_integer_value(json_object_get(json_object_get(d, "space"), "usage")), 12 * 1024,
                  "the 12M written before the limit is not counted");
    json_decref(root);
    char *more = fx_path(&fx, "vz/root/202/more");
    long long n = fill(more, 16, &e);
    cr_assert_eq(e, EDQUOT, "wrote %lld more bytes over 12M under a 16M limit", n);
    cr_assert_lt(n, 5LL << 20, "wrote %lld bytes more over 12M under a 16M limit", n);
    unlink(more);
    free(more);
    free(old);
    cr_assert_eq(fx_runl(&out, "vzctl", "umount", "202", NULL), 0, "%s", out);
    free(out);
}

/* Root inside a container has every capability of its own user namespace
 * only: the kernel refuses it a file's project id and inherit flag, and
 * quotactl. */
Test(quota_project, root_of_a_user_namespace_cannot_leave_its_project)
{
    char *out = NULL;
    cr_assert_eq(fx_runl(&out, "vzctl", "create", "203", "--ostemplate", NAME, "--diskspace", "16M", NULL), 0, "%s",
                 out);
    free(out);
    char *upper = fx_path(&fx, "vz/private/203/upper");
    char *file = vz_xasprintf("%s/mine", upper);
    int fd0 = open(file, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    cr_assert_geq(fd0, 0);
    close(fd0);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        int fd = open(file, O_RDONLY);
        int dfd = open(upper, O_RDONLY | O_DIRECTORY);
        if (fd < 0 || dfd < 0 || unshare(CLONE_NEWUSER) < 0)
            _exit(90);
        struct fsxattr fa;
        if (ioctl(fd, FS_IOC_FSGETXATTR, &fa) < 0 || fa.fsx_projid == 0)
            _exit(91); /* not tagged at all */
        fa.fsx_projid = 0;
        if (ioctl(fd, FS_IOC_FSSETXATTR, &fa) == 0)
            _exit(92);
        if (ioctl(dfd, FS_IOC_FSGETXATTR, &fa) < 0)
            _exit(90);
        fa.fsx_xflags &= ~FS_XFLAG_PROJINHERIT;
        if (ioctl(dfd, FS_IOC_FSSETXATTR, &fa) == 0)
            _exit(93);
        struct dqblk q;
        memset(&q, 0, sizeof(q));
        q.dqb_valid = QIF_LIMITS;
        if (syscall(SYS_quotactl_fd, dfd, QCMD(Q_SETQUOTA, PRJQUOTA), fa.fsx_projid, &q) == 0 || errno != EPERM)
            _exit(94);
        _exit(0);
    }
    int st;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0,
              "child status %d (91: not tagged, 92: project id changed, 93: inherit flag cleared, 94: limit cleared)",
              WEXITSTATUS(st));
    /* the limit holds */
    cr_assert_eq(fx_runl(&out, "vzctl", "mount", "203", NULL), 0, "%s", out);
    free(out);
    char *big = fx_path(&fx, "vz/root/203/big");
    int e;
    fill(big, 40, &e);
    cr_assert_eq(e, EDQUOT);
    unlink(big);
    free(big);
    free(file);
    free(upper);
    cr_assert_eq(fx_runl(&out, "vzctl", "umount", "203", NULL), 0, "%s", out);
    free(out);
}
