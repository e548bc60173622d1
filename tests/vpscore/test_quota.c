/* DISKSPACE/DISKINODES (vpscore/quota.h) for real: a btrfs file system made
 * by the test in an image on a loop device, mounted on the private areas'
 * parent in the test's own mount namespace. The image file is unlinked once
 * mounted and the loop device clears itself at unmount, so a test killed
 * at any point leaves neither behind (its mount namespace dies with it). */
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
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/common.h"
#include "tests/lib/robust.h"
#include "tests/vpscore/fixture.h"
#include "tests/vpscore/fsimage.h"
#include "vpscore/mount.h"
#include "vpscore/quota.h"

static struct fx fx;
static char *privdir;

#define NAME "test-1-x86_64-minimal"

static void setup_btrfs(void)
{
    fx_setup_signed(&fx, NULL);
    vzr_private_ns(0);
    privdir = fx_path(&fx, "vz/private");
    fx_image_btrfs(&fx, "400M");
}

static void teardown_btrfs(void)
{
    /* a failed test may leave a root mounted (vzctl mount) */
    const char *ids[] = { "101", "102", "103", NULL };
    fx_image_umount(&fx, ids);
    free(privdir);
    privdir = NULL;
    fx_teardown(&fx);
}

static void setup_plainfs(void) { fx_setup_signed(&fx, NULL); }
static void teardown_plainfs(void) { fx_teardown(&fx); }

static char *conf_text(const char *ctid)
{
    char *rel = vz_xasprintf("etc/vz/conf/%s.conf", ctid);
    char *p = fx_path(&fx, rel);
    char *d = NULL;
    vz_error_t err = NULL;
    cr_assert_eq(vz_read_file(p, &d, NULL, &err), 0);
    free(p);
    free(rel);
    return d;
}

/* Write MiB-sized chunks into path until the kernel refuses or max_mib is
 * reached; the bytes written, *errnum the refusal's errno (0: none). A short
 * write is not the refusal: POSIX leaves the error to the next write, which
 * is where kernel 6.1's btrfs gives EDQUOT (it stops a write short up to
 * ~520 KiB under a qgroup limit, and a 1-byte write after that still fits),
 * so the rest is written again until a write fails or all is written. */
static long long fill(const char *path, int max_mib, int *errnum)
{
    static char chunk[1 << 20];
    memset(chunk, 'q', sizeof(chunk));
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    cr_assert_geq(fd, 0, "open %s: %m", path);
    long long total = 0, want = (long long)max_mib << 20;
    *errnum = 0;
    while (total < want) {
        size_t len = (size_t)(want - total) < sizeof(chunk) ? (size_t)(want - total) : sizeof(chunk);
        ssize_t w = write(fd, chunk, len);
        if (w < 0) {
            *errnum = errno;
            break;
        }
        cr_assert_gt(w, 0, "write of %zu bytes returned 0", len);
        total += w;
    }
    if (*errnum == 0 && fsync(fd) < 0)
        *errnum = errno;
    close(fd);
    return total;
}

TestSuite(quota_parse, .timeout = 300);

Test(quota_parse, openvz_forms)
{
    int64_t s, h;
    vz_error_t err = NULL;
    cr_assert_eq(vz_quota_parse("diskspace", "10G:11G", 1, &s, &h, &err), 0);
    cr_assert_eq(s, 10485760);
    cr_assert_eq(h, 11534336);
    cr_assert_eq(vz_quota_parse("diskspace", "1048576", 1, &s, &h, &err), 0);
    cr_assert(s == 1048576 && h == 1048576);
    cr_assert_eq(vz_quota_parse("diskspace", "1000:unlimited", 1, &s, &h, &err), 0);
    cr_assert(s == 1000 && h == -1);
    cr_assert_eq(vz_quota_parse("diskinodes", "unlimited", 0, &s, &h, &err), 0);
    cr_assert(s == -1 && h == -1);
    cr_assert_eq(vz_quota_parse("diskspace", "1500", 1, &s, &h, &err), 0);
    char *f = vz_quota_format(1000, -1);
    cr_assert_str_eq(f, "1000:unlimited");
    free(f);
    const char *bad_space[] = { "", ":", "10X", "5:3", "0", "-1", "10G:", "1G:2G:3G", "99999999999999999999",
                                "unlimited:5" };
    for (size_t i = 0; i < sizeof(bad_space) / sizeof(bad_space[0]); i++) {
        cr_assert_lt(vz_quota_parse("diskspace", bad_space[i], 1, &s, &h, &err), 0, "%s accepted", bad_space[i]);
        cr_assert_eq(err->status, VZ_EBADARG);
        cr_assert_not_null(strstr(err->msg, "--diskspace"), "%s", err->msg);
        vz_error_release(&err);
    }
    /* inodes take no sizes */
    cr_assert_lt(vz_quota_parse("diskinodes", "10K", 0, &s, &h, &err), 0);
    vz_error_release(&err);
}

TestSuite(quota_btrfs, .init = setup_btrfs, .fini = teardown_btrfs, .timeout = 300);

Test(quota_btrfs, create_enforces_and_set_changes_limit)
{
    char *out = NULL;
    int st = fx_runl(&out, "vzctl", "create", "101", "--ostemplate", NAME, "--diskspace", "20M:24M", NULL);
    cr_assert_eq(st, 0, "%s", out);
    free(out);
    char *conf = conf_text("101");
    cr_assert_not_null(strstr(conf, "DISKSPACE=\"20480:24576\""), "%s", conf);
    free(conf);
    char *priv = fx_path(&fx, "vz/private/101");
    cr_assert_eq(vz_quota_probe(priv), VZ_QUOTA_BTRFS, "private area is no subvolume");

    /* through the container's overlay root, as a process inside writes */
    cr_assert_eq(fx_runl(&out, "vzctl", "mount", "101", NULL), 0, "%s", out);
    free(out);
    char *big = fx_path(&fx, "vz/root/101/big");
    int e;
    long long n = fill(big, 80, &e);
    cr_assert_eq(e, EDQUOT, "wrote %lld bytes, errno %d: no EDQUOT at a 24M limit", n, e);
    cr_assert_lt(n, 30LL << 20, "wrote %lld bytes past a 24M limit", n);
    unlink(big);
    sync();

    /* vzlist and status --json show the limits and the backend's count */
    cr_assert_eq(fx_runl(&out, "vzlist", "-a", "-H", "-o", "ctid,diskspace.s,diskspace.h,diskinodes.h", NULL), 0);
    cr_assert_str_eq(out, "       101      20480      24576          -\n");
    free(out);
    cr_assert_eq(fx_runl(&out, "vzctl", "status", "101", "--json", NULL), 0, "%s", out);
    json_t *j = json_loads(out, 0, NULL);
    cr_assert_not_null(j, "%s", out);
    json_t *d = json_object_get(j, "disk");
    cr_assert_str_eq(json_string_value(json_object_get(d, "backend")), "btrfs");
    json_t *sp = json_object_get(d, "space");
    cr_assert_eq(json_integer_value(json_object_get(sp, "hard")), 24576);
    cr_assert(json_is_integer(json_object_get(sp, "usage")), "%s", out);
    cr_assert_lt(json_integer_value(json_object_get(sp, "usage")), 24576);
    cr_assert(json_is_null(json_object_get(json_object_get(d, "inodes"), "hard")));
    json_decref(j);
    free(out);

    /* a higher limit lets more in, at once (stopped container, --save) */
    cr_assert_eq(fx_runl(&out, "vzctl", "set", "101", "--diskspace", "60M", "--save", NULL), 0, "%s", out);
    free(out);
    n = fill(big, 40, &e);
    cr_assert_eq(e, 0, "40M refused under a 60M limit after %lld bytes: errno %d", n, e);
    unlink(big);
    sync();
    /* unlimited clears it */
    cr_assert_eq(fx_runl(&out, "vzctl", "set", "101", "--diskspace", "unlimited", "--save", NULL), 0, "%s", out);
    free(out);
    n = fill(big, 90, &e);
    cr_assert_eq(e, 0, "90M refused with no limit after %lld bytes: errno %d", n, e);
    unlink(big);
    conf = conf_text("101");
    cr_assert_not_null(strstr(conf, "DISKSPACE=\"unlimited:unlimited\""), "%s", conf);
    free(conf);
    cr_assert_eq(fx_runl(&out, "vzctl", "umount", "101", NULL), 0, "%s", out);
    free(out);
    /* destroy removes the subvolume */
    cr_assert_eq(fx_runl(&out, "vzctl", "destroy", "101", NULL), 0, "%s", out);
    free(out);
    cr_assert_not(vz_file_exists(priv));
    free(priv);
    free(big);
}

Test(quota_btrfs, inodes_refused_on_btrfs_and_nothing_changes)
{
    char *out = NULL;
    int st = fx_runl(&out, "vzctl", "create", "102", "--ostemplate", NAME, "--diskinodes", "1000", NULL);
    cr_assert_eq(st, 21, "%s", out);
    cr_assert_not_null(strstr(out, "qgroups limit bytes, not inodes"), "%s", out);
    free(out);
    cr_assert_eq(fx_count(&fx, "vz/private/102"), -1, "a refused create left its private area");
    cr_assert_eq(fx_runl(&out, "vzctl", "create", "102", "--ostemplate", NAME, "--diskspace", "30M", NULL), 0, "%s",
                 out);
    free(out);
    st = fx_runl(&out, "vzctl", "set", "102", "--diskspace", "40M", "--diskinodes", "5000", "--save", NULL);
    cr_assert_eq(st, 21, "%s", out);
    free(out);
    char *conf = conf_text("102");
    cr_assert_not_null(strstr(conf, "DISKSPACE=\"30720:30720\""), "%s", conf);
    cr_assert_null(strstr(conf, "DISKINODES"), "%s", conf);
    free(conf);
    /* and the 30M limit is what the kernel still holds */
    cr_assert_eq(fx_runl(&out, "vzctl", "mount", "102", NULL), 0, "%s", out);
    free(out);
    char *big = fx_path(&fx, "vz/root/102/big");
    int e;
    long long n = fill(big, 80, &e);
    cr_assert_eq(e, EDQUOT, "wrote %lld bytes, errno %d", n, e);
    cr_assert_lt(n, 36LL << 20, "wrote %lld bytes past a 30M limit", n);
    unlink(big);
    free(big);
    cr_assert_eq(fx_runl(&out, "vzctl", "umount", "102", NULL), 0, "%s", out);
    free(out);
}

/* Root inside a container has every capability of its own user namespace
 * only: the qgroup ioctls want CAP_SYS_ADMIN in the host's. */
Test(quota_btrfs, root_of_a_user_namespace_cannot_raise_or_drop_its_limit)
{
    char *out = NULL;
    cr_assert_eq(fx_runl(&out, "vzctl", "create", "103", "--ostemplate", NAME, "--diskspace", "20M", NULL), 0, "%s",
                 out);
    free(out);
    char *priv = fx_path(&fx, "vz/private/103/upper");
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        int fd = open(priv, O_RDONLY | O_DIRECTORY);
        if (fd < 0 || unshare(CLONE_NEWUSER) < 0)
            _exit(90);
        struct btrfs_ioctl_qgroup_limit_args l;
        memset(&l, 0, sizeof(l));
        l.lim.flags = BTRFS_QGROUP_LIMIT_MAX_RFER;
        l.lim.max_rfer = (__u64)-1;
        if (ioctl(fd, BTRFS_IOC_QGROUP_LIMIT, &l) == 0 || errno != EPERM)
            _exit(91);
        struct btrfs_ioctl_quota_ctl_args q;
        memset(&q, 0, sizeof(q));
        q.cmd = BTRFS_QUOTA_CTL_DISABLE;
        if (ioctl(fd, BTRFS_IOC_QUOTA_CTL, &q) == 0 || errno != EPERM)
            _exit(92);
        _exit(0);
    }
    int st;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child status %d (91: limit cleared, 92: quotas off)",
              WEXITSTATUS(st));
    free(priv);
    /* the limit holds */
    cr_assert_eq(fx_runl(&out, "vzctl", "mount", "103", NULL), 0, "%s", out);
    free(out);
    char *big = fx_path(&fx, "vz/root/103/big");
    int e;
    fill(big, 60, &e);
    cr_assert_eq(e, EDQUOT);
    unlink(big);
    free(big);
    cr_assert_eq(fx_runl(&out, "vzctl", "umount", "103", NULL), 0, "%s", out);
    free(out);
}

/* VZ_ROOT on this host's own file system (ext4 without quota support
 * here, or whatever the test machine has): no backend, so a limit is
 * refused and no container is made. */
TestSuite(quota_nofs, .init = setup_plainfs, .fini = teardown_plainfs, .timeout = 300);

Test(quota_nofs, limit_refused_where_it_cannot_be_enforced)
{
    char *out = NULL;
    char *vz = fx_path(&fx, "vz");
    cr_assert_eq(vz_mkdir_p(vz, 0755, NULL), 0);
    enum vz_quota_backend b = vz_quota_probe(vz);
    if (b == VZ_QUOTA_BTRFS)
        cr_skip_test("VZ_ROOT is on a btrfs subvolume here: the btrfs suite covers it");
    int st = fx_runl(&out, "vzctl", "create", "104", "--ostemplate", NAME, "--diskspace", "1G", NULL);
    cr_assert_eq(st, 21, "%s", out);
    cr_assert_not_null(strstr(out, "disk quota:"), "%s", out);
    /* ext4/XFS: the message names what the host lacks (here: the kernel's
     * CONFIG_QUOTA; a stock Debian host: the prjquota mount option) */
    struct statfs sfs;
    cr_assert_eq(statfs(vz, &sfs), 0);
    if (sfs.f_type == 0xEF53 || sfs.f_type == 0x58465342)
        cr_assert(strstr(out, "built without CONFIG_") || strstr(out, "prjquota") ||
                  strstr(out, "does not use project quotas yet"), "%s", out);
    free(out);
    free(vz);
    cr_assert_eq(fx_count(&fx, "vz/private/104"), -1, "a refused create left its private area");
    /* no limit: create works; a later limit is refused and not saved */
    cr_assert_eq(fx_runl(&out, "vzctl", "create", "104", "--ostemplate", NAME, NULL), 0, "%s", out);
    free(out);
    st = fx_runl(&out, "vzctl", "set", "104", "--diskspace", "1G", "--save", NULL);
    cr_assert_eq(st, 21, "%s", out);
    free(out);
    cr_assert_eq(fx_runl(&out, "vzlist", "-a", "-H", "-o", "diskspace,diskspace.h", NULL), 0);
    cr_assert_str_eq(out, "         -          -\n");
    free(out);
}

/* A running container, as root inside does it: writes through its own
 * root stop at the limit, and a subvolume of its own (which would have a
 * qgroup outside the limit) is refused by the seccomp filter. Plain layout:
 * the container's root is the subvolume itself. */
static char hctid[32];

static void setup_inside(int btrfs)
{
    vzr_private_ns(CLONE_NEWNET);
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    cr_assert_gt(n, 0);
    exe[n] = '\0';
    *strrchr(exe, '/') = '\0';
    char *sh_cmd = vz_xasprintf("cp /bin/busybox usr/bin/busybox && for a in sh rm sync; do ln -s busybox usr/bin/$a; "
                                "done && cp %s/vzt-probe usr/bin/vzt-probe && mkdir -m 1777 tmp", exe);
    fx_setup_signed(&fx, sh_cmd);
    free(sh_cmd);
    privdir = fx_path(&fx, "vz/private");
    snprintf(hctid, sizeof(hctid), "%d", 300000 + (int)getpid() % 100000);
    if (btrfs)
        fx_image_btrfs(&fx, "400M");
}

static void setup_hostile(void) { setup_inside(1); }

static void teardown_hostile(void)
{
    char *out = NULL;
    fx_runl(&out, "vzctl", "stop", hctid, "--fast", NULL);
    free(out);
    fx_runl(&out, "vzctl", "destroy", hctid, NULL);
    free(out);
    const char *ids[] = { hctid, NULL };
    fx_image_umount(&fx, ids);
    free(privdir);
    privdir = NULL;
    fx_teardown(&fx);
}

TestSuite(quota_inside, .init = setup_hostile, .fini = teardown_hostile, .timeout = 300);

static void inside_limit(const char *layout)
{
    char *out = NULL;
    cr_assert_eq(fx_runl(&out, "vzctl", "create", hctid, "--ostemplate", NAME, "--layout", layout, "--diskspace", "16M",
                     NULL), 0, "%s", out);
    free(out);
    cr_assert_eq(fx_runl(&out, "vzctl", "start", hctid, NULL), 0, "%s", out);
    free(out);
    int st = fx_runl(&out, "vzctl", "exec", hctid, "vzt-probe", "fill", "/big", "48", NULL);
    cr_assert_not_null(strstr(out, "fill: EDQUOT"), "48M written under a 16M limit: %s", out);
    free(out);
    fx_runl(&out, "vzctl", "exec", hctid, "rm", "/big", NULL);
    free(out);
    st = fx_runl(&out, "vzctl", "exec", hctid, "vzt-probe", "subvol", "/nested", NULL);
    /* overlay: not a btrfs directory to the container; plain: the filter */
    cr_assert_not_null(strstr(out, strcmp(layout, "plain") == 0 ? "subvol: EPERM" : "subvol: E"), "%s", out);
    cr_assert_null(strstr(out, "subvol: ok"), "%s", out);
    free(out);
    (void)st;
    /* the limit did not move */
    cr_assert_eq(fx_runl(&out, "vzlist", "-H", "-o", "diskspace.h", hctid, NULL), 0, "%s", out);
    cr_assert_str_eq(out, "     16384\n");
    free(out);
}

Test(quota_inside, plain_root_cannot_escape_its_limit) { inside_limit("plain"); }
Test(quota_inside, overlay_root_cannot_escape_its_limit) { inside_limit("overlay"); }

/* The image layout on whatever file system the test machine has: the
 * limits are the image's size and inode count. */
static void setup_image(void) { setup_inside(0); }

TestSuite(quota_image, .init = setup_image, .fini = teardown_hostile, .timeout = 300);

static json_t *status_disk(json_t **root)
{
    char *out = NULL;
    cr_assert_eq(fx_runl(&out, "vzctl", "status", hctid, "--json", NULL), 0, "%s", out);
    *root = json_loads(out, 0, NULL);
    cr_assert_not_null(*root, "%s", out);
    free(out);
    return json_object_get(*root, "disk");
}

Test(quota_image, image_holds_the_limits_and_resizes_offline)
{
    char *out = NULL;
    int st = fx_runl(&out, "vzctl", "create", hctid, "--ostemplate", NAME, "--layout", "image", NULL);
    cr_assert_eq(st, 21, "an image without a size: %s", out);
    cr_assert_not_null(strstr(out, "--diskspace"), "%s", out);
    free(out);
    cr_assert_eq(fx_runl(&out, "vzctl", "create", hctid, "--ostemplate", NAME, "--layout", "image", "--diskspace",
                     "32M", "--diskinodes", "2000", "--hostname", "img1", NULL), 0, "%s", out);
    free(out);
    char *rel = vz_xasprintf("vz/private/%s/root.hdd", hctid);
    char *img = fx_path(&fx, rel);
    free(rel);
    struct stat sb;
    cr_assert_eq(stat(img, &sb), 0);
    cr_assert_eq(sb.st_size, 32 << 20);
    cr_assert_eq(sb.st_mode & 0077, 0, "image mode %o", sb.st_mode);

    cr_assert_eq(fx_runl(&out, "vzctl", "start", hctid, NULL), 0, "%s", out);
    free(out);
    fx_runl(&out, "vzctl", "exec", hctid, "vzt-probe", "fill", "/big", "64", NULL);
    cr_assert_not_null(strstr(out, "fill: ENOSPC"), "64M into a 32M image: %s", out);
    free(out);
    fx_runl(&out, "vzctl", "exec", hctid, "rm", "/big", NULL);
    free(out);
    /* inodes: the image has 2000 (some used by the fs and the template's
     * changes), so 3000 files do not fit */
    fx_runl(&out, "vzctl", "exec2", hctid, "mkdir /m && i=0; while [ $i -lt 3000 ] && echo -n 2>/dev/null > /m/$i; do i=$((i+1)); done; "
        "echo made $i", NULL);
    long made = -1;
    char *m = strstr(out, "made ");
    cr_assert_not_null(m, "%s", out);
    made = atol(m + 5);
    cr_assert(made > 100 && made < 2000, "files made under a 2000-inode limit: %ld (%s)", made, out);
    free(out);
    json_t *root;
    json_t *d = status_disk(&root);
    cr_assert_str_eq(json_string_value(json_object_get(d, "backend")), "image");
    cr_assert_geq(json_integer_value(json_object_get(json_object_get(d, "inodes"), "usage")), made);
    cr_assert_eq(json_integer_value(json_object_get(json_object_get(d, "space"), "hard")), 32768);
    json_decref(root);
    /* the image and its loop device are nowhere inside */
    char *cmd = vz_xasprintf("vzt-probe open %s; ls /dev | grep loop; echo end", img);
    fx_runl(&out, "vzctl", "exec2", hctid, cmd, NULL);
    free(cmd);
    cr_assert_not_null(strstr(out, "open: ENOENT"), "%s", out);
    cr_assert_not_null(strstr(out, "\nend\n"), "%s", out);
    cr_assert_null(strstr(strstr(out, "open: ENOENT"), "loop"), "a loop device inside: %s", out);
    free(out);
    /* resized offline only */
    st = fx_runl(&out, "vzctl", "set", hctid, "--diskspace", "64M", "--save", NULL);
    cr_assert_eq(st, 41, "%s", out);
    free(out);
    cr_assert_eq(fx_runl(&out, "vzctl", "stop", hctid, "--fast", NULL), 0, "%s", out);
    free(out);
    char *mnt = vz_xasprintf("%s/%s/mnt", privdir, hctid);
    cr_assert_not(vz_is_mountpoint(mnt) > 0, "the image is still mounted after stop");
    cr_assert_eq(fx_sh("losetup -j %s | grep -q .", img), 1, "a loop device still holds the image after stop");
    st = fx_runl(&out, "vzctl", "set", hctid, "--diskinodes", "4000", "--save", NULL);
    cr_assert_eq(st, 21, "%s", out);
    free(out);
    cr_assert_eq(fx_runl(&out, "vzctl", "set", hctid, "--diskspace", "64M", "--hostname", "img2", "--save", NULL), 0,
                 "%s", out);
    free(out);
    cr_assert_eq(stat(img, &sb), 0);
    cr_assert_eq(sb.st_size, 64 << 20);
    cr_assert_not(vz_is_mountpoint(mnt) > 0, "set left the image mounted");
    cr_assert_eq(fx_runl(&out, "vzctl", "start", hctid, NULL), 0, "%s", out);
    free(out);
    fx_runl(&out, "vzctl", "exec", hctid, "vzt-probe", "fill", "/big", "40", NULL);
    cr_assert_not_null(strstr(out, "fill: ok"), "40M into the grown 64M image: %s", out);
    free(out);
    fx_runl(&out, "vzctl", "exec", hctid, "cat", "/etc/hostname", NULL);
    cr_assert_str_eq(out, "img2\n");
    free(out);
    /* a snapshot of the image layout is its upper layer, copied out of the
     * image (docs/snapshots.md); switching puts it back in */
    cr_assert_eq(fx_runl(&out, "vzctl", "-q", "snapshot", hctid, "--json", NULL), 0, "%s", out);
    json_t *sj = json_loads(out, 0, NULL);
    cr_assert_not_null(sj, "%s", out);
    char *sid = vz_xstrdup(json_string_value(json_object_get(sj, "id")));
    json_decref(sj);
    free(out);
    fx_runl(&out, "vzctl", "exec", hctid, "rm", "/big", NULL);
    free(out);
    cr_assert_eq(fx_runl(&out, "vzctl", "stop", hctid, "--fast", NULL), 0, "%s", out);
    free(out);
    cr_assert_eq(fx_runl(&out, "vzctl", "snapshot-switch", hctid, "--id", sid, NULL), 0, "%s", out);
    free(out);
    cr_assert_not(vz_is_mountpoint(mnt) > 0, "snapshot-switch left the image mounted");
    cr_assert_eq(fx_runl(&out, "vzctl", "start", hctid, NULL), 0, "%s", out);
    free(out);
    fx_runl(&out, "vzctl", "exec", hctid, "busybox", "stat", "-c", "%s", "/big", NULL);
    cr_assert_str_eq(out, "41943040\n", "the switched image lacks the snapshot's /big: %s", out);
    free(out);
    free(sid);
    cr_assert_eq(fx_runl(&out, "vzctl", "stop", hctid, "--fast", NULL), 0, "%s", out);
    free(out);
    cr_assert_eq(fx_runl(&out, "vzctl", "destroy", hctid, NULL), 0, "%s", out);
    free(out);
    cr_assert_not(vz_file_exists(img));
    free(mnt);
    free(img);
}

/* An admin who turns the filter off gets the hole back, and is told so at
 * start (the subvolume really is made). */
Test(quota_inside, unconfined_plain_container_is_warned_about)
{
    char *out = NULL;
    cr_assert_eq(fx_runl(&out, "vzctl", "create", hctid, "--ostemplate", NAME, "--layout", "plain", "--diskspace", "16M",
                     NULL), 0, "%s", out);
    free(out);
    cr_assert_eq(fx_runl(&out, "vzctl", "set", hctid, "--seccomp", "unconfined", "--save", NULL), 0, "%s", out);
    free(out);
    cr_assert_eq(fx_runl(&out, "vzctl", "start", hctid, NULL), 0, "%s", out);
    cr_assert_not_null(strstr(out, "which DISKSPACE does not limit"), "%s", out);
    free(out);
    fx_runl(&out, "vzctl", "exec", hctid, "vzt-probe", "subvol", "/nested", NULL);
    cr_assert_not_null(strstr(out, "subvol: ok"), "%s", out);
    free(out);
    fx_runl(&out, "vzctl", "exec", hctid, "rm", "-r", "/nested", NULL); /* an empty subvolume goes with rmdir */
    free(out);
}
