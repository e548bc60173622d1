/* vpscore/quota-image.c: the image layout (quota.h): an ext4 file system
 * in VE_PRIVATE/root.hdd of the DISKSPACE size, as OpenVZ's ploop, mounted
 * through a loop device on VE_PRIVATE/mnt, which holds the overlay's upper
 * and work directories. The space and inode limits are the file system's
 * own size and inode count: nothing inside can raise them. */
#include "vpscore/quota-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/loop.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "vpscore/mount.h"

char *vz_image_file(const char *priv)
{
    return vz_path_join(priv, VZ_IMAGE_FILE);
}

char *vz_image_mnt(const char *priv)
{
    return vz_path_join(priv, "mnt");
}

int vz_image_is(const char *priv)
{
    cleanup_free char *img = vz_image_file(priv);
    struct stat st;
    return lstat(img, &st) == 0 && S_ISREG(st.st_mode);
}

static int run_tool(char *const argv[], vz_error_t *err)
{
    struct vz_buf out = VZ_BUF_INIT;
    vz_buf_init(&out);
    struct vz_run_opts o = { .out = &out, .errbuf = &out };
    int r = vz_run_ok(argv, &o, err);
    vz_buf_release(&out);
    return r;
}

int vz_image_create(const char *priv, const struct vz_quota_limits *l, unsigned uid, unsigned gid, vz_error_t *err)
{
    if (l->space_hard < 0)
        return vz_error_set(err, VZ_EBADARG, 0,
                            "--layout image: the image needs a size: give --diskspace (DISKSPACE), not unlimited");
    if (l->space_hard < 8192)
        return vz_error_set(err, VZ_EBADARG, 0, "--layout image: DISKSPACE %" PRId64 " KiB is below the 8 MiB an "
                            "ext4 image needs", l->space_hard);
    cleanup_free char *img = vz_image_file(priv);
    int fd = open(img, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return vz_error_sys(err, "create %s", img);
    int r = ftruncate(fd, (off_t)l->space_hard * 1024); /* sparse: only what is written takes room */
    int e = errno;
    close(fd);
    if (r < 0)
        return vz_error_set(err, VZ_ESYSTEM, e, "size %s", img);
    char owner[64], inodes[32];
    snprintf(owner, sizeof(owner), "root_owner=%u:%u", uid, gid);
    snprintf(inodes, sizeof(inodes), "%" PRId64, l->inodes_hard);
    /* no reserved blocks: the whole size is the container's; -N: the
     * inode limit is the file system's inode count */
    char *argv[] = { "mkfs.ext4", "-q", "-F", "-m", "0", "-E", owner, "-N", inodes, img, NULL };
    if (l->inodes_hard < 0) {
        argv[7] = img;
        argv[8] = NULL;
    }
    if (run_tool(argv, err) < 0)
        return vz_error_wrap(err, "make the image %s", img);
    return 0;
}

/* A free loop device bound to the image, cleared by the kernel at the last
 * unmount (LO_FLAGS_AUTOCLEAR): a crash between here and the mount can
 * leave it, nothing later can. */
static int loop_attach(const char *img, char *dev, size_t devlen, vz_error_t *err)
{
    cleanup_close int ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
    if (ctl < 0)
        return vz_error_sys(err, "open /dev/loop-control");
    cleanup_close int ifd = open(img, O_RDWR | O_CLOEXEC);
    if (ifd < 0)
        return vz_error_sys(err, "open %s", img);
    for (int tries = 0; tries < 16; tries++) {
        int n = ioctl(ctl, LOOP_CTL_GET_FREE);
        if (n < 0)
            return vz_error_sys(err, "find a free loop device");
        snprintf(dev, devlen, "/dev/loop%d", n);
        int lfd = open(dev, O_RDWR | O_CLOEXEC);
        if (lfd < 0)
            return vz_error_sys(err, "open %s", dev);
        struct loop_config c;
        memset(&c, 0, sizeof(c));
        c.fd = (unsigned)ifd;
        c.info.lo_flags = LO_FLAGS_AUTOCLEAR;
        snprintf((char *)c.info.lo_file_name, sizeof(c.info.lo_file_name), "%s", img);
        if (ioctl(lfd, LOOP_CONFIGURE, &c) == 0)
            return lfd; /* held open until mounted: autoclear would fire at close */
        int e = errno;
        close(lfd);
        if (e != EBUSY) /* EBUSY: another process took it first */
            return vz_error_set(err, VZ_ESYSTEM, e, "attach %s to %s", img, dev);
    }
    return vz_error_set(err, VZ_ESYSTEM, EBUSY, "attach %s: no free loop device", img);
}

int vz_image_mount(const char *priv, vz_error_t *err)
{
    cleanup_free char *img = vz_image_file(priv);
    cleanup_free char *mnt = vz_image_mnt(priv);
    if (vz_is_mountpoint(mnt) > 0)
        return 0;
    if (mkdir(mnt, 0700) < 0 && errno != EEXIST)
        return vz_error_sys(err, "mkdir %s", mnt);
    char dev[32];
    int lfd = loop_attach(img, dev, sizeof(dev), err);
    if (lfd < 0)
        return -1;
    int r = mount(dev, mnt, "ext4", MS_NOSUID | MS_NODEV, "errors=remount-ro");
    int e = errno;
    close(lfd); /* mounted: the mount holds it; failed: autoclear frees it */
    if (r < 0)
        return vz_error_set(err, VZ_ESYSTEM, e, "mount the image %s (%s) on %s", img, dev, mnt);
    return 0;
}

int vz_image_umount(const char *priv, vz_error_t *err)
{
    cleanup_free char *mnt = vz_image_mnt(priv);
    if (vz_is_mountpoint(mnt) <= 0)
        return 0;
    return vz_umount(mnt, err);
}

int64_t vz_image_inodes(const char *priv)
{
    cleanup_free char *img = vz_image_file(priv);
    char *argv[] = { "tune2fs", "-l", img, NULL };
    struct vz_buf out = VZ_BUF_INIT;
    vz_buf_init(&out);
    struct vz_run_opts o = { .out = &out, .quiet = 1 };
    vz_error_t e = NULL;
    int st = 0;
    int64_t n = -1;
    if (vz_run(argv, &o, &st, &e) == 0 && st == 0) {
        const char *p = strstr(out.data, "\nInode count:");
        if (p)
            n = strtoll(p + 13, NULL, 10);
    }
    vz_error_release(&e);
    vz_buf_release(&out);
    return n;
}

int vz_image_resize(const char *priv, const struct vz_quota_limits *l, vz_error_t *err)
{
    cleanup_free char *img = vz_image_file(priv);
    cleanup_free char *mnt = vz_image_mnt(priv);
    struct stat st;
    if (stat(img, &st) < 0)
        return vz_error_sys(err, "stat %s", img);
    if (l->space_hard < 0)
        return vz_error_set(err, VZ_EBADARG, 0, "DISKSPACE: the image %s has a size: unlimited is not "
                            "possible with the image layout", img);
    int64_t have = vz_image_inodes(priv);
    if (l->inodes_hard >= 0 && l->inodes_hard != have)
        return vz_error_set(err, VZ_EBADARG, 0, "DISKINODES: the inode count of the image %s is fixed when it is "
                            "made (%" PRId64 ")", img, have);
    int64_t want = l->space_hard * 1024;
    if (want == (int64_t)st.st_size)
        return 0;
    /* root lacks CAP_SYS_RESOURCE on some hosts (ext4's online resize
     * wants it), and nothing may shrink under a running container */
    if (vz_is_mountpoint(mnt) > 0)
        return vz_error_set(err, VZ_EMOUNTED, 0, "DISKSPACE: the image %s is resized offline: stop the "
                            "container (and vzctl umount it) first", img);
    char size[32];
    snprintf(size, sizeof(size), "%" PRId64 "K", l->space_hard);
    char *fsck[] = { "e2fsck", "-f", "-p", img, NULL };
    char *resize[] = { "resize2fs", "-f", img, size, NULL };
    if (want > (int64_t)st.st_size && truncate(img, want) < 0)
        return vz_error_sys(err, "grow %s", img);
    if (run_tool(fsck, err) < 0 || run_tool(resize, err) < 0) {
        if (want > (int64_t)st.st_size && truncate(img, st.st_size) < 0)
            vz_warn("cannot give %s its old size back: %s", img, strerror(errno));
        return vz_error_wrap(err, "resize the image %s to %s", img, size);
    }
    if (want < (int64_t)st.st_size && truncate(img, want) < 0)
        return vz_error_sys(err, "shrink %s", img);
    return 0;
}

int vz_image_usage(const char *priv, struct vz_quota_usage *u, vz_error_t *err)
{
    cleanup_free char *mnt = vz_image_mnt(priv);
    struct statvfs sv;
    if (vz_is_mountpoint(mnt) <= 0) /* counted only while mounted */
        return 0;
    if (statvfs(mnt, &sv) < 0)
        return vz_error_sys(err, "statvfs %s", mnt);
    u->space = (int64_t)((sv.f_blocks - sv.f_bfree) * sv.f_frsize / 1024);
    u->inodes = (int64_t)(sv.f_files - sv.f_ffree);
    return 0;
}
