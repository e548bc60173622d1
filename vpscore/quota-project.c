/* vpscore/quota-project.c: ext4/XFS project quotas (quota.h). Probed: the
 * error says what the host lacks.
 *
 * The private area gets its own project id, the inode number of
 * VE_PRIVATE itself: unique on its file system while the directory exists
 * (ext4 inode numbers are 32-bit, as project ids are), so no registry
 * (/etc/projid) is needed and two containers never share one. Every file
 * and directory under it is tagged with the id and directories inherit it
 * (FS_XFLAG_PROJINHERIT), so what the container creates later, through
 * overlay's upper and work directories, is counted too. The kernel lets
 * only the initial user namespace change a file's project id or inherit
 * flag (fileattr_set_prepare), so root inside cannot move its files out. */
#include "vpscore/quota-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <fts.h>
#include <linux/fs.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/quota.h>
#include <sys/utsname.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <sys/syscall.h>

#ifndef XFS_SUPER_MAGIC
#define XFS_SUPER_MAGIC 0x58465342
#endif

int vz_project_fs(const char *path, const char **fsname)
{
    struct statfs sf;
    if (statfs(path, &sf) < 0)
        return 0;
    if (sf.f_type == EXT4_SUPER_MAGIC)
        *fsname = "ext4";
    else if (sf.f_type == XFS_SUPER_MAGIC)
        *fsname = "XFS";
    else
        return 0;
    return 1;
}

/* QCMD(cmd, PRJQUOTA) without its signed overflow: the Q_ commands are
 * 0x80000N, shifted past INT_MAX (UBSan stops a DEVELOPER=1 build there). */
static int prj_cmd(unsigned cmd)
{
    return (int)((cmd << SUBCMDSHIFT) | (PRJQUOTA & SUBCMDMASK));
}

/* Q_GETINFO of the project quotas of path's mount: 0, or -1 with errno
 * (ENOSYS: a kernel without quota support). quotactl_fd (5.14+) asks the
 * mount of path itself, no device name needed. */
static int prj_info(const char *path)
{
    cleanup_close int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    struct if_dqinfo info;
    return fd < 0 ? -1 : (int)syscall(SYS_quotactl_fd, fd, prj_cmd(Q_GETINFO), 0, &info);
}

int vz_project_on(const char *path)
{
    const char *fs;
    return vz_project_fs(path, &fs) && prj_info(path) == 0;
}

/* The kernel options that fs's project quotas need and this kernel's
 * config (/boot/config-RELEASE, else /proc/config.gz) says are not set,
 * as "CONFIG_A and CONFIG_B"; NULL when none is known to be missing or
 * the config cannot be read. Only on the error path: it may run zcat. */
static char *missing_options(const char *fs)
{
    struct utsname u;
    if (uname(&u) < 0)
        return NULL;
    cleanup_free char *boot = vz_xasprintf("/boot/config-%s", u.release);
    struct vz_buf cfg = VZ_BUF_INIT;
    vz_buf_init(&cfg);
    cleanup_free char *text = NULL;
    vz_error_t e = NULL;
    if (vz_read_file(boot, &text, NULL, &e) < 0) {
        vz_error_release(&e);
        char *argv[] = { "zcat", "/proc/config.gz", NULL };
        struct vz_run_opts o = { .out = &cfg, .quiet = 1 };
        int st = 0;
        if (access("/proc/config.gz", R_OK) < 0 || vz_run(argv, &o, &st, &e) < 0 || st != 0) {
            vz_error_release(&e);
            vz_buf_release(&cfg);
            return NULL;
        }
        text = vz_buf_detach(&cfg, NULL);
    }
    vz_buf_release(&cfg);
    const char *want_ext4[] = { "CONFIG_QUOTA", "CONFIG_QFMT_V2" };
    const char *want_xfs[] = { "CONFIG_XFS_QUOTA" };
    int xfs = fs[0] == 'X';
    const char **want = xfs ? want_xfs : want_ext4;
    size_t n = xfs ? 1 : 2;
    struct vz_buf miss = VZ_BUF_INIT;
    vz_buf_init(&miss);
    for (size_t i = 0; i < n; i++) {
        cleanup_free char *set = vz_xasprintf("\n%s=", want[i]);
        if (strstr(text, set) == NULL)
            vz_buf_addf(&miss, "%s%s", miss.len ? " and " : "", want[i]);
    }
    if (miss.len == 0) {
        vz_buf_release(&miss);
        return NULL;
    }
    return vz_buf_detach(&miss, NULL);
}

/* Project id and flags of an open file: 0 or -1 with errno. */
static int prj_get(int fd, struct fsxattr *fa)
{
    memset(fa, 0, sizeof(*fa));
    return ioctl(fd, FS_IOC_FSGETXATTR, fa);
}

/* Tag the open file fd with project id (directories also inherit it). */
static int prj_tag(int fd, int isdir, uint32_t id)
{
    struct fsxattr fa;
    if (prj_get(fd, &fa) < 0)
        return -1;
    uint32_t want = fa.fsx_xflags | (isdir ? FS_XFLAG_PROJINHERIT : 0);
    if (fa.fsx_projid == id && fa.fsx_xflags == want)
        return 0;
    fa.fsx_projid = id;
    fa.fsx_xflags = want;
    return ioctl(fd, FS_IOC_FSSETXATTR, &fa);
}

/* The tree walk's state, passed down to every entry. */
struct prj_walk {
    int rootfd;     /* the private area, opened once by the caller */
    dev_t dev;      /* its file system: the walk never leaves it */
    size_t rootlen; /* strlen of its path, the prefix of every entry's */
    uint32_t id;
    int err;   /* errno of the entry that could not be tagged */
    char *bad; /* its path (allocated) */
};

/* One entry of the tree: opened beneath the private area without
 * following any symlink or crossing a mount, so that a running container
 * swapping a directory for a link while the walk runs cannot point it at a
 * host file. Only directories and regular files can be opened without side
 * effects (a device node would open the device); symlinks and special
 * files stay in project 0, a few inodes. 0, or -1 with w->err and w->bad. */
static int walk_one(struct prj_walk *w, const FTSENT *e)
{
    if (e->fts_info != FTS_F && e->fts_info != FTS_DP)
        return 0;
    if (e->fts_statp->st_dev != w->dev) /* a mount below: not ours to tag */
        return 0;
    if (e->fts_info == FTS_F && !S_ISREG(e->fts_statp->st_mode))
        return 0;
    const char *rel = e->fts_path + w->rootlen;
    while (*rel == '/')
        rel++;
    struct open_how how = {
        .flags = O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC,
        .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV,
    };
    cleanup_close int fd = *rel ? (int)syscall(SYS_openat2, w->rootfd, rel, &how, sizeof(how))
                                : fcntl(w->rootfd, F_DUPFD_CLOEXEC, 0);
    struct stat fst;
    if (fd < 0 || fstat(fd, &fst) < 0) {
        if (errno == ENOENT) /* removed meanwhile: nothing to count */
            return 0;
    } else if (!S_ISREG(fst.st_mode) && !S_ISDIR(fst.st_mode)) {
        return 0;
    } else if (prj_tag(fd, S_ISDIR(fst.st_mode), w->id) == 0) {
        return 0;
    }
    w->err = errno;
    w->bad = vz_xstrdup(e->fts_path);
    return -1;
}

/* Tag every regular file and directory under w's private area, path priv,
 * depth first (directories after what they hold, the private area itself
 * last, so a walk cut short is done again by the next call). 0, or -1 with
 * w->err (0: the walk itself failed, with errno) and w->bad. */
static int walk_tree(const char *priv, struct prj_walk *w)
{
    char *paths[] = { (char *)priv, NULL };
    FTS *fts = fts_open(paths, FTS_PHYSICAL | FTS_NOCHDIR | FTS_XDEV, NULL);
    if (fts == NULL)
        return -1;
    int r = 0;
    for (;;) {
        errno = 0;
        FTSENT *e = fts_read(fts);
        if (e == NULL) {
            r = errno ? -1 : 0;
            break;
        }
        if (walk_one(w, e) < 0) {
            r = -1;
            break;
        }
    }
    int e = errno;
    fts_close(fts);
    errno = e;
    return r;
}

/* The project id of the private area open as fd, path priv (its inode
 * number), its files tagged with it. */
static int prj_assign(int fd, const char *priv, uint32_t *id, vz_error_t *err)
{
    struct stat st;
    struct fsxattr fa;
    if (fstat(fd, &st) < 0 || prj_get(fd, &fa) < 0)
        return vz_error_sys(err, "project quota: %s", priv);
    if (st.st_ino == 0 || st.st_ino >= UINT32_MAX)
        return vz_error_set(err, VZ_EBADARG, 0,
                            "project quota: %s has inode number %llu, beyond the 32-bit project ids "
                            "(XFS with inode64): use --layout image", priv, (unsigned long long)st.st_ino);
    *id = (uint32_t)st.st_ino;
    if (fa.fsx_projid == *id && (fa.fsx_xflags & FS_XFLAG_PROJINHERIT))
        return 0; /* tagged before; the root is tagged last, below */
    struct prj_walk w = { .rootfd = fd, .dev = st.st_dev, .rootlen = strlen(priv), .id = *id };
    if (walk_tree(priv, &w) < 0) {
        cleanup_free char *bad = w.bad;
        return vz_error_set(err, VZ_ESYSTEM, w.err ? w.err : errno, "project quota: tag %s with project %u",
                            bad ? bad : priv, *id);
    }
    return 0;
}

int vz_project_limit(const char *priv, const struct vz_quota_limits *l, vz_error_t *err)
{
    cleanup_close int fd = open(priv, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return vz_error_sys(err, "project quota: %s", priv);
    uint32_t id = 0;
    if (prj_assign(fd, priv, &id, err) < 0)
        return -1;
    struct dqblk q;
    memset(&q, 0, sizeof(q));
    /* 0 is "no limit" to the kernel; blocks are 1 KiB (QIF_DQBLKSIZE) */
    q.dqb_bhardlimit = l->space_hard < 0 ? 0 : (uint64_t)l->space_hard;
    q.dqb_bsoftlimit = l->space_soft < 0 ? 0 : (uint64_t)l->space_soft;
    q.dqb_ihardlimit = l->inodes_hard < 0 ? 0 : (uint64_t)l->inodes_hard;
    q.dqb_isoftlimit = l->inodes_soft < 0 ? 0 : (uint64_t)l->inodes_soft;
    q.dqb_valid = QIF_LIMITS;
    if (syscall(SYS_quotactl_fd, fd, prj_cmd(Q_SETQUOTA), id, &q) < 0)
        return vz_error_sys(err, "project quota: set the limits of project %u (%s)", id, priv);
    return 0;
}

int vz_project_usage(const char *priv, struct vz_quota_usage *u, vz_error_t *err)
{
    cleanup_close int fd = open(priv, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    struct fsxattr fa;
    if (fd < 0 || prj_get(fd, &fa) < 0)
        return vz_error_sys(err, "project quota: %s", priv);
    if (fa.fsx_projid == 0) /* never limited: nothing counts it */
        return 0;
    struct dqblk q;
    memset(&q, 0, sizeof(q));
    if (syscall(SYS_quotactl_fd, fd, prj_cmd(Q_GETQUOTA), fa.fsx_projid, &q) < 0)
        return vz_error_sys(err, "project quota: usage of project %u (%s)", fa.fsx_projid, priv);
    u->space = (int64_t)((q.dqb_curspace + 1023) / 1024);
    u->inodes = (int64_t)q.dqb_curinodes;
    return 0;
}

int vz_project_refuse(const char *path, vz_error_t *err)
{
    const char *fs = "ext4";
    vz_project_fs(path, &fs);
    long r = prj_info(path);
    int e = errno;
    cleanup_free char *missing = r < 0 ? missing_options(fs) : NULL;
    if (r < 0 && (e == ENOSYS || missing))
        return vz_error_set(err, VZ_EBADARG, 0,
                            "disk quota: %s is on %s, and this kernel has no %s project quotas (built without %s): "
                            "put VE_PRIVATE on btrfs, or use --layout image", path, fs, fs,
                            missing ? missing : fs[0] == 'X' ? "CONFIG_XFS_QUOTA" : "CONFIG_QUOTA");
    if (r < 0)
        return vz_error_set(err, VZ_EBADARG, e,
                            "disk quota: %s is on %s without project quotas on (mount it with prjquota; "
                            "ext4 also needs the project and quota features, tune2fs -O project,quota, and a "
                            "kernel with CONFIG_QUOTA and CONFIG_QFMT_V2; XFS CONFIG_XFS_QUOTA)", path, fs);
    return vz_error_set(err, VZ_EBADARG, 0, "disk quota: %s is on %s with project quotas on", path, fs);
}
