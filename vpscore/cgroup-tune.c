/* vpscore/cgroup-tune.c: favordynmods on the host's cgroup2 root
 * (vpscore/cgroup-tune.h says why). The change goes through fspick() and
 * fsconfig(): a reconfiguration of the super block alone, so the mount's
 * own flags (nosuid, nodev, noexec) stay as they are, and every super-block
 * option the host had is passed again, since cgroup2 applies the whole set
 * on a reconfigure. */
#include "vpscore/cgroup-tune.h"
#include "common/common.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef FSPICK_CLOEXEC
#define FSPICK_CLOEXEC 0x01
#define FSPICK_SYMLINK_NOFOLLOW 0x02
#define FSPICK_NO_AUTOMOUNT 0x04
#endif
#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif
#ifndef FSCONFIG_SET_FLAG
#define FSCONFIG_SET_FLAG 0
#define FSCONFIG_CMD_RECONFIGURE 7
#endif

int vz_cgroup2_mount(char **mnt, char **super, vz_error_t *err)
{
    *mnt = *super = NULL;
    cleanup_file FILE *f = fopen("/proc/self/mountinfo", "re");
    if (!f)
        return vz_error_sys(err, "read /proc/self/mountinfo");
    char line[4096];
    while (fgets(line, sizeof(line), f)) {
        /* id parent maj:min root mountpoint opts ... - fstype source super */
        char mp[PATH_MAX], fstype[32], opts[512];
        const char *dash = strstr(line, " - ");
        if (!dash || sscanf(line, "%*s %*s %*s %*s %4095s", mp) != 1 ||
            sscanf(dash + 3, "%31s %*s %511s", fstype, opts) != 2 || strcmp(fstype, "cgroup2") != 0)
            continue;
        /* the options without rw/ro: those belong to the mount */
        struct vz_buf b;
        vz_buf_init(&b);
        char *save = NULL;
        for (char *o = strtok_r(opts, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
            if (strcmp(o, "rw") == 0 || strcmp(o, "ro") == 0)
                continue;
            vz_buf_addf(&b, "%s%s", b.len ? "," : "", o);
        }
        *mnt = vz_xstrdup(mp);
        *super = vz_buf_detach(&b, NULL);
        return 1;
    }
    return 0;
}

static int has_opt(const char *list, const char *opt)
{
    size_t n = strlen(opt);
    for (const char *p = list; (p = strstr(p, opt)); p += n)
        if ((p == list || p[-1] == ',') && (p[n] == ',' || p[n] == '\0'))
            return 1;
    return 0;
}

int vz_cgroup_favors_dynmods(void)
{
    cleanup_free char *mnt = NULL, *super = NULL;
    vz_error_t e = NULL;
    int r = vz_cgroup2_mount(&mnt, &super, &e);
    vz_error_release(&e);
    return r == 1 && has_opt(super, "favordynmods");
}

int vz_cgroup_set_favor_dynmods(int on, vz_error_t *err)
{
    cleanup_free char *mnt = NULL, *super = NULL;
    int r = vz_cgroup2_mount(&mnt, &super, err);
    if (r < 0)
        return -1;
    if (r == 0)
        return vz_error_set(err, VZ_ESYSTEM, ENOENT,
                            "favordynmods: this host has no cgroup2 mount (pure cgroup v1); the kernel "
                            "sets it at boot with CONFIG_CGROUP_FAVOR_DYNMODS=y");
    if (has_opt(super, "favordynmods") == !!on)
        return 0;
    cleanup_close int fd = (int)syscall(SYS_fspick, AT_FDCWD, mnt,
                                        FSPICK_CLOEXEC | FSPICK_SYMLINK_NOFOLLOW | FSPICK_NO_AUTOMOUNT);
    if (fd < 0)
        return vz_error_sys(err, "favordynmods: fspick %s", mnt);
    char *save = NULL;
    for (char *o = strtok_r(super, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
        if (strcmp(o, "favordynmods") == 0)
            continue;
        if (syscall(SYS_fsconfig, fd, FSCONFIG_SET_FLAG, o, NULL, 0) < 0)
            return vz_error_sys(err, "favordynmods: keep option '%s' of %s", o, mnt);
    }
    if (on && syscall(SYS_fsconfig, fd, FSCONFIG_SET_FLAG, "favordynmods", NULL, 0) < 0)
        return vz_error_sys(err, "favordynmods: the kernel does not know the option (%s)", mnt);
    if (syscall(SYS_fsconfig, fd, FSCONFIG_CMD_RECONFIGURE, NULL, NULL, 0) < 0)
        return vz_error_sys(err, "favordynmods: reconfigure %s", mnt);
    return 0;
}

/* "auto": where vzctl migrates tasks, i.e. where the cgroup root is v1
 * (hybrid hosts included); a v2 root clones into the group instead. */
static int migrates(void)
{
    struct statfs sf;
    return statfs("/sys/fs/cgroup", &sf) == 0 && sf.f_type != CGROUP2_SUPER_MAGIC;
}

void vz_cgroup_tune_host(void)
{
    const char *v = vz_conf_get(vz_global_conf(), "CGROUP_FAVORDYNMODS");
    const char *fake = getenv("VZ_CGROUP_ROOT");
    if (!v || (fake && *fake))
        return;
    if (strcmp(v, "yes") != 0 && !(strcmp(v, "auto") == 0 && migrates()))
        return; /* "no", or anything else: the host's own choice stands */
    cleanup_free char *mnt = NULL, *super = NULL;
    vz_error_t e = NULL;
    int have = vz_cgroup2_mount(&mnt, &super, &e);
    vz_error_release(&e);
    if (have == 1 && has_opt(super, "favordynmods"))
        return;
    if (have != 1 && strcmp(v, "auto") == 0)
        return; /* a pure v1 host: nothing can carry it, and "auto" asked for no warning */
    if (vz_cgroup_set_favor_dynmods(1, &e) < 0) {
        vz_warn("CGROUP_FAVORDYNMODS=\"%s\" in vz.conf: %s", v, e->msg);
        vz_error_release(&e);
    }
}
