/* vpscore/quota.c: DISKSPACE/DISKINODES parsing and the choice of backend
 * (quota.h). */
#include "vpscore/quota.h"
#include "vpscore/quota-internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

/* One side of "SOFT:HARD": -1 unlimited; is_space takes K/M/G/T sizes
 * (bytes, rounded up to 1 KiB blocks) besides a plain block count. */
static int parse_one(const char *s, size_t n, int is_space, int64_t *out)
{
    char buf[32];
    if (n == 0 || n >= sizeof(buf))
        return -1;
    memcpy(buf, s, n);
    buf[n] = '\0';
    if (strcmp(buf, "unlimited") == 0) {
        *out = -1;
        return 0;
    }
    char *end;
    errno = 0;
    if (buf[0] < '0' || buf[0] > '9')
        return -1;
    unsigned long long x = strtoull(buf, &end, 10);
    if (errno)
        return -1;
    int shift = -1;
    if (*end == '\0')
        shift = 0;
    else if (is_space && end[1] == '\0')
        switch (*end | 0x20) {
        case 'k': shift = 10; break;
        case 'm': shift = 20; break;
        case 'g': shift = 30; break;
        case 't': shift = 40; break;
        case 'b': shift = 0; break; /* OpenVZ: a block count */
        }
    if (shift < 0)
        return -1;
    /* bytes to blocks; a bare number is blocks already */
    if (shift > 0) {
        if (x > (unsigned long long)(INT64_MAX >> shift))
            return -1;
        x = ((x << shift) + 1023) / 1024;
    }
    if (x > (unsigned long long)INT64_MAX / 1024) /* bytes of it must fit */
        return -1;
    *out = (int64_t)x;
    return 0;
}

int vz_quota_parse(const char *opt, const char *val, int is_space, int64_t *soft, int64_t *hard,
                   vz_error_t *err)
{
    const char *colon = strchr(val, ':');
    size_t n1 = colon ? (size_t)(colon - val) : strlen(val);
    int bad = parse_one(val, n1, is_space, soft) < 0 ||
              (colon ? parse_one(colon + 1, strlen(colon + 1), is_space, hard) < 0 : (*hard = *soft, 0));
    if (bad)
        return vz_error_set(err, VZ_EBADARG, 0, "--%s %s: want SOFT[:HARD], each %s or unlimited", opt, val,
                            is_space ? "a size (10G, 512M) or a count of 1 KiB blocks" : "a number of inodes");
    if (*hard >= 0 && (*soft < 0 || *soft > *hard))
        return vz_error_set(err, VZ_EBADARG, 0, "--%s %s: the soft limit is above the hard one", opt, val);
    if (*hard == 0)
        return vz_error_set(err, VZ_EBADARG, 0, "--%s %s: a limit of 0 leaves no room for anything "
                            "(unlimited: no limit)", opt, val);
    return 0;
}

char *vz_quota_format(int64_t soft, int64_t hard)
{
    char a[24], b[24];
    if (soft < 0)
        snprintf(a, sizeof(a), "unlimited");
    else
        snprintf(a, sizeof(a), "%" PRId64, soft);
    if (hard < 0)
        snprintf(b, sizeof(b), "unlimited");
    else
        snprintf(b, sizeof(b), "%" PRId64, hard);
    return vz_xasprintf("%s:%s", a, b);
}

int vz_quota_from_conf(const struct vz_conf *c, struct vz_quota_limits *l, vz_error_t *err)
{
    l->space_soft = l->space_hard = l->inodes_soft = l->inodes_hard = -1;
    const char *keys[] = { "DISKSPACE", "DISKINODES" };
    int64_t *out[][2] = { { &l->space_soft, &l->space_hard }, { &l->inodes_soft, &l->inodes_hard } };
    for (size_t i = 0; i < 2; i++) {
        const char *v = vz_conf_get(c, keys[i]);
        if (v == NULL || *v == '\0')
            continue;
        /* the conf holds blocks (OpenVZ); sizes are accepted as vzctl does */
        if (vz_quota_parse(keys[i], v, i == 0, out[i][0], out[i][1], err) < 0)
            return vz_error_wrap(err, "%s", c->path ? c->path : "conf");
    }
    return 0;
}

int vz_quota_any(const struct vz_quota_limits *l)
{
    return l->space_hard >= 0 || l->inodes_hard >= 0;
}

enum vz_quota_backend vz_quota_probe(const char *priv)
{
    if (vz_image_is(priv))
        return VZ_QUOTA_IMAGE;
    if (vz_btrfs_is(priv) && vz_btrfs_is_subvol(priv))
        return VZ_QUOTA_BTRFS;
    if (vz_project_on(priv))
        return VZ_QUOTA_PROJECT;
    return VZ_QUOTA_NONE;
}

const char *vz_quota_backend_name(enum vz_quota_backend b)
{
    return b == VZ_QUOTA_BTRFS ? "btrfs" : b == VZ_QUOTA_PROJECT ? "project" : b == VZ_QUOTA_IMAGE ? "image" : "none";
}

int vz_quota_mkprivate(const char *priv, vz_error_t *err)
{
    cleanup_free char *parent = vz_xstrdup(priv);
    char *slash = strrchr(parent, '/');
    if (slash && slash != parent)
        *slash = '\0';
    if (vz_btrfs_is(parent)) {
        if (vz_btrfs_subvol_create(priv, err) < 0)
            return -1;
        if (chmod(priv, 0700) < 0) {
            int e = errno;
            rmdir(priv); /* an empty subvolume goes with rmdir */
            return vz_error_set(err, VZ_ESYSTEM, e, "chmod %s", priv);
        }
        return 0;
    }
    if (mkdir(priv, 0700) < 0)
        return vz_error_set(err, errno == EEXIST ? VZ_EPRIVATEEXISTS : VZ_ESYSTEM, errno, "mkdir %s", priv);
    return 0;
}

int vz_quota_apply(const char *priv, const struct vz_quota_limits *l, vz_error_t *err)
{
    enum vz_quota_backend b = vz_quota_probe(priv);
    if (b == VZ_QUOTA_IMAGE)
        return vz_image_resize(priv, l, err);
    if (b == VZ_QUOTA_BTRFS) {
        if (l->inodes_hard >= 0)
            return vz_error_set(err, VZ_EBADARG, 0,
                                "DISKINODES: %s is on btrfs, whose qgroups limit bytes, not inodes: "
                                "set --diskinodes unlimited, or use --layout image", priv);
        return vz_btrfs_limit(priv, l->space_hard < 0 ? -1 : l->space_hard * 1024, err);
    }
    if (b == VZ_QUOTA_PROJECT)
        return vz_project_limit(priv, l, err);
    if (!vz_quota_any(l))
        return 0;
    const char *fs;
    if (vz_project_fs(priv, &fs)) /* says what the host lacks */
        return vz_project_refuse(priv, err);
    if (vz_btrfs_is(priv))
        return vz_error_set(err, VZ_EBADARG, 0,
                            "disk quota: %s is on btrfs but is no subvolume (made before vzforge made private "
                            "areas subvolumes): cannot limit it", priv);
    struct statfs sf;
    char fsname[32] = "this file system";
    if (statfs(priv, &sf) == 0)
        snprintf(fsname, sizeof(fsname), "file system type 0x%lx", (unsigned long)sf.f_type);
    return vz_error_set(err, VZ_EBADARG, 0,
                        "disk quota: %s is on %s, which offers no quota vzforge can use: put VE_PRIVATE on "
                        "btrfs, or on ext4/XFS with project quotas", priv, fsname);
}

int vz_quota_usage(const char *priv, struct vz_quota_usage *u, vz_error_t *err)
{
    u->space = u->inodes = -1;
    if (vz_quota_probe(priv) == VZ_QUOTA_IMAGE)
        return vz_image_usage(priv, u, err);
    if (vz_quota_probe(priv) == VZ_QUOTA_BTRFS) {
        int64_t bytes;
        if (vz_btrfs_usage(priv, &bytes, err) < 0)
            return -1;
        u->space = bytes < 0 ? -1 : (bytes + 1023) / 1024;
    }
    if (vz_quota_probe(priv) == VZ_QUOTA_PROJECT)
        return vz_project_usage(priv, u, err);
    return 0;
}

int vz_quota_escapable(const struct vz_conf *c, const char *priv)
{
    struct vz_quota_limits l;
    vz_error_t e = NULL;
    if (vz_quota_from_conf(c, &l, &e) < 0) {
        vz_error_release(&e);
        return 0;
    }
    const char *layout = vz_conf_get(c, "VE_LAYOUT");
    if (l.space_hard < 0 || (layout && strcmp(layout, "plain") != 0) || vz_quota_probe(priv) != VZ_QUOTA_BTRFS)
        return 0;
    const char *mode = vz_conf_get(c, "SECCOMP");
    const char *allow = vz_conf_get(c, "SECCOMP_ALLOW");
    if (mode && strcmp(mode, "unconfined") == 0)
        return 1;
    /* the word ioctl in the list (spaces or commas) */
    for (const char *p = allow; p && (p = strstr(p, "ioctl")) != NULL; p += 5)
        if ((p == allow || p[-1] == ' ' || p[-1] == ',') && (p[5] == '\0' || p[5] == ' ' || p[5] == ','))
            return 1;
    return 0;
}
