/* vpscore/systemd.c: the cgroup tree, /run and /run/lock for a container
 * whose init is systemd (vpscore/systemd.h). */
#include "vpscore/systemd.h"
#include "vpscore/cgroup-internal.h"
#include "vpscore/ns.h"

#include <errno.h>
#include <fcntl.h>
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

/* The hierarchies the container has a group in (vz_cgroup_create made it
 * in every one, name=systemd included): mounted read-write for the named
 * systemd one, read-only for the controllers, so the limits stay the
 * admin's. The hybrid cgroup2 mount is left out: systemd runs in legacy
 * mode. */
static int list_mounts(const char *ctid, const char *cgroot, struct vz_systemd *sd, vz_error_t *err)
{
    struct vz_cg_hier *h = NULL;
    size_t n = 0;
    if (vz_cg_hierarchies(cgroot, &h, &n) < 0)
        return vz_error_sys(err, "read /proc/self/mountinfo");
    cleanup_free char *cgbase = vz_cgroup_base();
    int named = 0;
    for (size_t i = 0; i < n && sd->nmounts < VZ_SD_MAX_MOUNTS; i++) {
        cleanup_free char *group = vz_xasprintf("%s/%s/%s", h[i].dir, cgbase, ctid);
        if ((h[i].kind & VZ_CGH_UNIFIED) || !vz_is_dir(group))
            continue; /* the container has no group there: not shown */
        named |= (h[i].kind & VZ_CGH_SYSTEMD) != 0;
        snprintf(sd->mounts[sd->nmounts].name, sizeof(sd->mounts[0].name), "%s", h[i].name);
        snprintf(sd->mounts[sd->nmounts].opts, sizeof(sd->mounts[0].opts), "%s", h[i].ctrls);
        sd->mounts[sd->nmounts].read_only = !(h[i].kind & VZ_CGH_SYSTEMD);
        sd->nmounts++;
    }
    vz_cg_hierarchies_free(h, n);
    if (!named)
        return vz_error_set(err, VZ_ESYSTEM, 0,
                            "container %s: its init is systemd, which needs the named cgroup hierarchy "
                            "'systemd' on a cgroup v1 host, and the container has no group in one under %s "
                            "(mount -t cgroup -o none,name=systemd cgroup %s/systemd, then start again)",
                            ctid, cgroot, cgroot);
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
    if (list_mounts(ctid, cgroot, sd, err) < 0)
        return vz_error_wrap(err, "container %s: cgroups for systemd", ctid);
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
