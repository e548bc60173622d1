/* vpscore/systemd.c: the cgroup tree, /run and /run/lock for a container
 * whose init is systemd (vpscore/systemd.h). */
#include "vpscore/systemd.h"
#include "vpscore/cgroup.h"
#include "vpscore/ns.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

static const char *cgroup_root(void)
{
    const char *r = getenv("VZ_CGROUP_ROOT");
    return r && *r ? r : "/sys/fs/cgroup";
}

int vz_systemd_is_init(const char *root)
{
    cleanup_close int dfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return 0;
    /* Resolve inside the root: /sbin/init -> /lib/systemd/systemd is an
     * absolute symlink of the container, not of the host. */
    struct open_how how = { .flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT };
    cleanup_close int fd = (int)syscall(SYS_openat2, dfd, "sbin/init", &how, sizeof(how));
    if (fd < 0)
        return 0;
    char link[64], target[PATH_MAX];
    snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, target, sizeof(target) - 1);
    if (n <= 0)
        return 0;
    target[n] = '\0';
    const char *base = strrchr(target, '/');
    return base && strcmp(base + 1, "systemd") == 0;
}

/* Keep the controller names and name=X of a cgroup v1 super block's
 * options ("rw,memory" -> "memory", "rw,xattr,name=systemd" ->
 * "none,name=systemd"). */
static void controllers_of(const char *super, char *out, size_t size)
{
    static const char *const not_ctrl[] = { "rw", "ro", "xattr", "noprefix", "clone_children",
                                            "cpuset_v2_mode", "favordynmods", "all", "none" };
    char buf[512];
    snprintf(buf, sizeof(buf), "%s", super);
    out[0] = '\0';
    char *save = NULL;
    for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        int skip = strncmp(t, "release_agent=", 14) == 0;
        for (size_t i = 0; i < VZ_ARRAY_SIZE(not_ctrl) && !skip; i++)
            skip = strcmp(t, not_ctrl[i]) == 0;
        if (skip)
            continue;
        if (strncmp(t, "name=", 5) == 0 && out[0] == '\0')
            snprintf(out, size, "none");
        size_t len = strlen(out);
        snprintf(out + len, size - len, "%s%s", len ? "," : "", t);
    }
}

/* Call fn for every cgroup v1 hierarchy mounted directly below root. */
static int each_v1_hierarchy(const char *root, int (*fn)(const char *mp, const char *ctrls, void *arg),
                             void *arg)
{
    cleanup_file FILE *f = fopen("/proc/self/mountinfo", "re");
    if (!f)
        return -1;
    size_t rlen = strlen(root);
    char line[4096];
    while (fgets(line, sizeof(line), f)) {
        /* id parent maj:min root mountpoint opts ... - fstype source super */
        char mp[PATH_MAX], fstype[32], super[512];
        const char *dash = strstr(line, " - ");
        if (!dash || sscanf(line, "%*s %*s %*s %*s %4095s", mp) != 1 ||
            sscanf(dash + 3, "%31s %*s %511s", fstype, super) != 2)
            continue;
        if (strcmp(fstype, "cgroup") != 0 || strncmp(mp, root, rlen) != 0 || mp[rlen] != '/' ||
            strchr(mp + rlen + 1, '/'))
            continue;
        char ctrls[128];
        controllers_of(super, ctrls, sizeof(ctrls));
        if (ctrls[0] && fn(mp, ctrls, arg) < 0)
            return -1;
    }
    return 0;
}

struct prep {
    const char *ctid;
    struct vz_systemd *sd;
    vz_error_t *err;
};

static int prep_one(const char *mp, const char *ctrls, void *arg)
{
    struct prep *p = arg;
    struct vz_systemd *sd = p->sd;
    int named = strcmp(ctrls, "none,name=systemd") == 0;
    cleanup_free char *cgbase = vz_cgroup_base();
    cleanup_free char *group = vz_xasprintf("%s/%s/%s", mp, cgbase, p->ctid);
    if (named) {
        cleanup_free char *base = vz_xasprintf("%s/%s", mp, cgbase);
        if ((mkdir(base, 0755) < 0 && errno != EEXIST) || (mkdir(group, 0755) < 0 && errno != EEXIST))
            return vz_error_sys(p->err, "create cgroup %s for systemd", group);
        snprintf(sd->procs, sizeof(sd->procs), "%s/cgroup.procs", group);
    } else if (!vz_is_dir(group))
        return 0; /* the container has no group there: not shown */
    if (sd->nmounts == VZ_SD_MAX_MOUNTS)
        return 0;
    const char *name = strrchr(mp, '/') + 1;
    snprintf(sd->mounts[sd->nmounts].name, sizeof(sd->mounts[0].name), "%s", name);
    snprintf(sd->mounts[sd->nmounts].opts, sizeof(sd->mounts[0].opts), "%s", ctrls);
    sd->mounts[sd->nmounts].read_only = !named;
    sd->nmounts++;
    return 0;
}

int vz_systemd_prepare(const char *ctid, const char *root, struct vz_systemd *sd, vz_error_t *err)
{
    memset(sd, 0, sizeof(*sd));
    if (!vz_systemd_is_init(root))
        return 0;
    sd->enabled = 1;
    const char *cgroot = cgroup_root();
    struct statfs sf;
    if (statfs(cgroot, &sf) < 0)
        return vz_error_sys(err, "cgroup root %s (is cgroupfs mounted?)", cgroot);
    sd->cgroup_version = sf.f_type == CGROUP2_SUPER_MAGIC ? 2 : 1;
    if (sd->cgroup_version == 2)
        return 0;
    struct prep p = { ctid, sd, err };
    if (each_v1_hierarchy(cgroot, prep_one, &p) < 0) {
        if (*err == NULL)
            vz_error_sys(err, "read /proc/self/mountinfo");
        return vz_error_wrap(err, "container %s: cgroups for systemd", ctid);
    }
    if (sd->procs[0] == '\0')
        return vz_error_set(err, VZ_ESYSTEM, 0,
                            "container %s: its init is systemd, which needs the named cgroup hierarchy "
                            "'systemd' on a cgroup v1 host, and none is mounted under %s (mount -t cgroup "
                            "-o none,name=systemd cgroup %s/systemd)",
                            ctid, cgroot, cgroot);
    return 0;
}

int vz_systemd_enter(const struct vz_systemd *sd, pid_t pid, vz_error_t *err)
{
    if (!sd->enabled || sd->procs[0] == '\0')
        return 0;
    int fd = open(sd->procs, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return vz_error_sys(err, "open %s", sd->procs);
    char buf[32];
    int len = snprintf(buf, sizeof(buf), "%d", (int)pid);
    int ok = write(fd, buf, (size_t)len) == len;
    int e = errno;
    close(fd);
    if (!ok) {
        errno = e;
        return vz_error_sys(err, "move pid %d into %s", (int)pid, sd->procs);
    }
    return 0;
}

static int mount_or_fail(const char *src, const char *target, const char *type, unsigned long flags,
                         const char *data, int errfd)
{
    if (mkdir(target, 0755) < 0 && errno != EEXIST)
        return vz_child_fail(errfd, errno, "create mount point %s", target);
    if (mount(src, target, type, flags, data) < 0)
        return vz_child_fail(errfd, errno, "mount %s (%s) on %s", type, data ? data : "", target);
    return 0;
}

int vz_systemd_mount(const struct vz_systemd *sd, int errfd)
{
    if (!sd->enabled)
        return 0;
    const unsigned long common = MS_NOSUID | MS_NODEV;
    if (mount_or_fail("tmpfs", "/run", "tmpfs", common, "mode=755,size=20%", errfd) < 0 ||
        mount_or_fail("tmpfs", "/run/lock", "tmpfs", common | MS_NOEXEC, "mode=1777,size=5m", errfd) < 0)
        return -1;
    const char *cg = "/sys/fs/cgroup";
    if (sd->cgroup_version == 2)
        return mount_or_fail("cgroup2", cg, "cgroup2", common | MS_NOEXEC, NULL, errfd);
    /* /sys is read-only: mounting on its directories still works. */
    if (mount("tmpfs", cg, "tmpfs", common | MS_NOEXEC, "mode=755,size=64k") < 0)
        return vz_child_fail(errfd, errno, "mount tmpfs on %s", cg);
    for (int i = 0; i < sd->nmounts; i++) {
        char target[128];
        snprintf(target, sizeof(target), "%s/%s", cg, sd->mounts[i].name);
        unsigned long fl = common | MS_NOEXEC | (sd->mounts[i].read_only ? MS_RDONLY : 0);
        if (mount_or_fail("cgroup", target, "cgroup", fl, sd->mounts[i].opts, errfd) < 0)
            return -1;
        /* "cpu,cpuacct" is also reached as cpu and cpuacct, as on the host */
        if (strchr(sd->mounts[i].name, ',') && !strchr(sd->mounts[i].name, '=')) {
            char names[64];
            snprintf(names, sizeof(names), "%s", sd->mounts[i].name);
            char *save = NULL;
            for (char *t = strtok_r(names, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
                char l[128];
                snprintf(l, sizeof(l), "%s/%s", cg, t);
                if (symlink(sd->mounts[i].name, l) < 0 && errno != EEXIST)
                    return vz_child_fail(errfd, errno, "create symlink %s", l);
            }
        }
    }
    if (mount(NULL, cg, NULL, MS_REMOUNT | MS_RDONLY | common | MS_NOEXEC, "mode=755,size=64k") < 0)
        return vz_child_fail(errfd, errno, "remount %s read-only", cg);
    return 0;
}

/* nftw has no user argument. */
static int cleanup_keep_base;
static int cleanup_errno;

static int rm_group(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st;
    if (type != FTW_DP || (cleanup_keep_base && ftw->level == 0))
        return 0;
    if (rmdir(path) < 0 && errno != ENOENT && cleanup_errno == 0)
        cleanup_errno = errno;
    return 0;
}

static int remove_tree(const char *group, int keep_base, vz_error_t *err)
{
    if (!vz_is_dir(group))
        return 0;
    cleanup_keep_base = keep_base;
    cleanup_errno = 0;
    nftw(group, rm_group, 16, FTW_DEPTH | FTW_PHYS);
    if (cleanup_errno) {
        errno = cleanup_errno;
        return vz_error_sys(err, "remove the cgroups below %s", group);
    }
    return 0;
}

static int cleanup_one(const char *mp, const char *ctrls, void *arg)
{
    const char *ctid = ((void **)arg)[0];
    vz_error_t *err = ((void **)arg)[1];
    cleanup_free char *cgbase = vz_cgroup_base();
    cleanup_free char *group = vz_xasprintf("%s/%s/%s", mp, cgbase, ctid);
    int named = strcmp(ctrls, "none,name=systemd") == 0;
    /* a scratch parent goes in vz_cgroup_remove, which stop and start's
     * undo call after this */
    return remove_tree(group, !named, err);
}

int vz_systemd_cleanup(const char *ctid, vz_error_t *err)
{
    const char *cgroot = cgroup_root();
    struct statfs sf;
    if (statfs(cgroot, &sf) < 0)
        return 0;
    if (sf.f_type == CGROUP2_SUPER_MAGIC) {
        cleanup_free char *cgbase = vz_cgroup_base();
        cleanup_free char *group = vz_xasprintf("%s/%s/%s", cgroot, cgbase, ctid);
        return remove_tree(group, 1, err);
    }
    void *arg[2] = { (void *)ctid, err };
    if (each_v1_hierarchy(cgroot, cleanup_one, arg) < 0) {
        if (*err == NULL)
            vz_error_sys(err, "read /proc/self/mountinfo");
        return -1;
    }
    return 0;
}
