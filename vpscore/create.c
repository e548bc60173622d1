/* vpscore/create.c: vzctl create on disk (create.h). */
#include "vpscore/create.h"
#include "cache/lock.h"
#include "cache/tree_mark.h"
#include "vpscore/cgroup.h"
#include "vpscore/ctconf.h"
#include "vpscore/ctlist.h"
#include "vpscore/mount.h"
#include "vpscore/net.h"
#include "vpscore/quota.h"
#include "vpscore/rootfs.h"
#include "vpscore/runtime.h"
#include "vpscore/userns.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Present in a private area from its mkdir until the conf is saved: a create
 * killed in between leaves it, and the next create of the CTID starts over. */
#define CREATE_MARKER VZ_CREATE_MARKER

#ifndef VZ_DATADIR
#define VZ_DATADIR "/usr/local/share/vzforge"
#endif

static char *exe_dir_etc(void)
{
    cleanup_free char *dir = vz_self_dir();
    for (int up = 0; dir && up < 3; up++) {
        char *cand = vz_xasprintf("%s/etc/ve-basic.conf-sample", dir);
        int ok = vz_file_exists(cand);
        free(cand);
        if (ok)
            return vz_xasprintf("%s/etc", dir);
        char *slash = strrchr(dir, '/');
        if (slash == NULL)
            break;
        *slash = '\0';
    }
    return NULL;
}

char *vz_conf_sample_path(const char *name, vz_error_t *err)
{
    for (const char *p = name; *p; p++)
        if (!(isalnum((unsigned char)*p) || *p == '-' || *p == '_' || *p == '.') || (p == name && *p == '.')) {
            vz_error_set(err, VZ_EBADARG, 0, "--config '%s': a sample name is letters, digits, '-', '_', '.'", name);
            return NULL;
        }
    if (*name == '\0') {
        vz_error_set(err, VZ_EBADARG, 0, "--config: empty sample name");
        return NULL;
    }
    cleanup_free char *file = vz_xasprintf("ve-%s.conf-sample", name);
    cleanup_free char *local = vz_root_path("/etc/vz/conf");
    cleanup_free char *etcvz = vz_root_path("/etc/vz"); /* where `make install` puts the samples */
    const char *env = getenv("VZ_SAMPLES_DIR");
    cleanup_free char *src = exe_dir_etc();
    const char *dirs[] = { local, etcvz, env && *env ? env : NULL, src, VZ_DATADIR "/etc" };
    struct vz_buf tried = VZ_BUF_INIT;
    vz_buf_init(&tried);
    for (size_t i = 0; i < VZ_ARRAY_SIZE(dirs); i++) {
        if (dirs[i] == NULL)
            continue;
        char *p = vz_path_join(dirs[i], file);
        if (vz_file_exists(p)) {
            vz_buf_release(&tried);
            return p;
        }
        vz_buf_addf(&tried, "%s%s", tried.len ? ", " : "", p);
        free(p);
    }
    vz_error_set(err, VZ_EBADARG, 0, "--config %s: no %s (looked in %s)", name, file, tried.data);
    vz_buf_release(&tried);
    return NULL;
}

static char *joined(char *const *v)
{
    struct vz_buf b = VZ_BUF_INIT;
    vz_buf_init(&b);
    for (size_t i = 0; v && v[i]; i++)
        vz_buf_addf(&b, "%s%s", i ? " " : "", v[i]);
    return vz_buf_detach(&b, NULL);
}

/* Files create writes into the container's own tree. */
static int write_ct_files(const char *root, const struct vz_create_opts *o, vz_error_t *err)
{
    if (o->hostname) {
        cleanup_free char *h = vz_xasprintf("%s\n", o->hostname);
        if (vz_rootfs_write(root, "etc/hostname", h, strlen(h), 0644, err) < 0 ||
            vz_net_write_hosts(root, o->hostname, err) < 0)
            return -1;
    }
    return vz_net_write_resolv(root, o->nameserver, o->searchdomain, err);
}

struct create_undo {
    char *private_dir; /* removed on failure when set */
    char **made_dirs;  /* parents create made, deepest last: rmdir'ed on failure */
};

/* mkdir -p that records which directories it made. */
static int mkdir_p_track(const char *path, char ***made, vz_error_t *err)
{
    if (vz_is_dir(path)) /* the common case: one stat, no walk */
        return 0;
    cleanup_free char *p = vz_xstrdup(path);
    for (char *s = p + 1;; s++) {
        if (*s != '/' && *s != '\0')
            continue;
        char c = *s;
        *s = '\0';
        if (mkdir(p, 0755) == 0)
            vz_strv_push(made, p);
        else if (errno != EEXIST)
            return vz_error_sys(err, "mkdir %s", p);
        else if (!vz_is_dir(p))
            return vz_error_set(err, VZ_ESYSTEM, ENOTDIR, "mkdir %s", p);
        *s = c;
        if (c == '\0')
            return 0;
    }
}

static int check_opts(const struct vz_create_opts *o, const char **layout, vz_error_t *err)
{
    if (vz_ctid_check(o->ctid, err) < 0)
        return -1;
    if (o->hostname && vz_hostname_check(o->hostname, err) < 0)
        return -1;
    for (size_t i = 0; o->ipadd && o->ipadd[i]; i++) {
        char ip[INET6_ADDRSTRLEN];
        int plen;
        if (vz_net_addr_parse(o->ipadd[i], ip, sizeof(ip), &plen, err) < 0)
            return vz_error_wrap(err, "--ipadd");
    }
    for (size_t i = 0; o->ipadd && o->ipadd[i]; i++)
        if (vz_ct_ip_check_free(o->ipadd[i], o->ctid, err) < 0)
            return -1;
    for (size_t i = 0; o->nameserver && o->nameserver[i]; i++)
        if (vz_net_ip_check(o->nameserver[i], err) < 0) {
            (*err)->status = VZ_EBADDNS; /* OpenVZ's code for it, not its 71 */
            return vz_error_wrap(err, "--nameserver");
        }
    const char *l = o->layout;
    if (l == NULL || *l == '\0')
        l = vz_conf_get(vz_global_conf(), "VE_LAYOUT");
    if (l == NULL || *l == '\0' || strcmp(l, "simfs") == 0 || strcmp(l, "ploop") == 0)
        l = (l && *l) ? "plain" : (vz_fs_available("overlay") ? "overlay" : "plain");
    if (strcmp(l, "overlay") != 0 && strcmp(l, "plain") != 0 && strcmp(l, "image") != 0)
        return vz_error_set(err, VZ_EBADARG, 0, "--layout %s: use overlay, plain or image", l);
    if (strcmp(l, "plain") != 0 && !vz_fs_available("overlay"))
        return vz_error_set(err, VZ_EBADARG, 0,
                            "--layout overlay: this kernel has no overlay file system (not built in, and no overlay module could be loaded: install the kernel's modules, or use --layout plain)");
    int64_t soft, hard;
    if ((o->diskspace && vz_quota_parse("diskspace", o->diskspace, 1, &soft, &hard, err) < 0) ||
        (o->diskinodes && vz_quota_parse("diskinodes", o->diskinodes, 0, &soft, &hard, err) < 0))
        return -1;
    if (o->private_dir && o->private_dir[0] != '/')
        return vz_error_set(err, VZ_EBADARG, 0, "--private %s: must be an absolute path", o->private_dir);
    if (o->root_dir && o->root_dir[0] != '/')
        return vz_error_set(err, VZ_EBADARG, 0, "--root %s: must be an absolute path", o->root_dir);
    /* robust: the host's own root is never a container's (mount would hide
     * the host; destroy would remove it) */
    char real[PATH_MAX];
    if (o->root_dir && realpath(o->root_dir, real) && strcmp(real, "/") == 0)
        return vz_error_set(err, VZ_EBADARG, 0, "--root %s: that is the host's root directory", o->root_dir);
    if (o->private_dir && realpath(o->private_dir, real) && strcmp(real, "/") == 0)
        return vz_error_set(err, VZ_EBADARG, 0, "--private %s: that is the host's root directory",
                            o->private_dir);
    *layout = l;
    return 0;
}

static char *tree_path(const struct vz_cache_info *cache)
{
    cleanup_free char *dir = vz_template_path("unpacked");
    return vz_xasprintf("%s/%s-%s", dir, cache->name, cache->tar_sha256);
}

/* The shared read-only tree of a cache (overlay lower), unpacked with
 * unpack when missing. *path allocated; *reused = 1 when it existed.
 * (vzrestore lands overlay containers on it too: create.h.) */
int vz_ct_template_tree(const struct vz_cache_info *cache, vz_unpack_fn *unpack, char **path, int *reused,
                         vz_error_t *err)
{
    cleanup_free char *dir = vz_template_path("unpacked");
    cleanup_free char *final = tree_path(cache);
    *reused = 0;
    if (vz_is_dir(final)) {
        if (vz_tree_mark_check(final, cache, err) < 0) /* the tarball as signed? */
            return vz_error_wrap(err, "create from %s", cache->name);
        *reused = 1;
        *path = get_and_reset(&final);
        return 0;
    }
    /* closed to host users: a set-uid file of a template is nobody's way
     * to root on the host */
    if (vz_mkdir_p(dir, 0700, err) < 0 || chmod(dir, 0700) < 0) {
        if (*err == NULL)
            vz_error_sys(err, "chmod 0700 %s", dir);
        return vz_error_wrap(err, "shared tree of %s", cache->name);
    }
    struct stat tar_st; /* the tarball the unpack hashes, for the tree's record */
    if (vz_tree_mark_begin(cache, &tar_st, err) < 0)
        return vz_error_wrap(err, "shared tree of %s", cache->name);
    cleanup_free char *tmp = vz_xasprintf("%s/.%s.tmp.XXXXXX", dir, cache->name);
    if (mkdtemp(tmp) == NULL)
        return vz_error_sys(err, "shared tree of %s: mkdtemp %s", cache->name, tmp);
    if (chmod(tmp, 0755) < 0 ||
        unpack(cache->tarball, cache->tar_sha256, cache->tar_size, tmp, NULL, err) < 0 ||
        vz_tree_mark_land(final, cache, &tar_st, err) < 0) {
        if (*err == NULL)
            vz_error_sys(err, "chmod %s", tmp);
        vz_error_t e = NULL;
        if (vz_rm_rf(tmp, &e) < 0) {
            vz_warn("cannot remove %s: %s", tmp, e->msg);
            vz_error_release(&e);
        }
        return -1;
    }
    if (rename(tmp, final) < 0) {
        int e0 = errno;
        vz_error_t e = NULL;
        vz_rm_rf(tmp, &e);
        vz_error_release(&e);
        /* another create landed the same tree first: use theirs */
        if ((e0 == EEXIST || e0 == ENOTEMPTY) && vz_is_dir(final)) {
            *reused = 1;
            *path = get_and_reset(&final);
            return 0;
        }
        return vz_error_set(err, VZ_ESYSTEM, e0, "rename %s to %s", tmp, final);
    }
    *path = get_and_reset(&final);
    return 0;
}

/* The container does not exist yet (no conf; no private area, unless the
 * marker of an interrupted create says it is ours to redo), and its sample
 * config is there: *sample_path allocated. */
static int check_new(const struct vz_create_opts *o, char **sample_path, vz_error_t *err)
{
    cleanup_free char *conf_path = vz_ct_conf_path(o->ctid);
    if (vz_file_exists(conf_path))
        return vz_error_set(err, VZ_EPRIVATEEXISTS, 0, "container %s already exists (%s)", o->ctid, conf_path);
    cleanup_free char *priv = o->private_dir ? vz_ct_expand(o->private_dir, o->ctid) : vz_ct_default_private(o->ctid);
    cleanup_free char *marker = vz_path_join(priv, CREATE_MARKER);
    if (vz_file_exists(priv) && !vz_file_exists(marker)) /* a marker: see do_create's mkdir */
        return vz_error_set(err, VZ_EPRIVATEEXISTS, 0,
                            "private area %s already exists: destroy the old container or remove it", priv);
    /* the sample first: a typo in --config must not cost an unpack */
    const char *sample = o->config;
    if (sample == NULL || *sample == '\0')
        sample = vz_conf_get(vz_global_conf(), "CONFIGFILE");
    if (sample == NULL || *sample == '\0')
        sample = "basic";
    *sample_path = vz_conf_sample_path(sample, err);
    return *sample_path ? 0 : -1;
}

int vz_ct_create_check(const struct vz_create_opts *o, vz_error_t *err)
{
    const char *layout = NULL;
    cleanup_free char *sample_path = NULL;
    if (check_opts(o, &layout, err) < 0 || check_new(o, &sample_path, err) < 0)
        return vz_error_wrap(err, "create container %s", o->ctid);
    return 0;
}

/* --diskspace/--diskinodes over the sample's DISKSPACE/DISKINODES, into
 * conf, and enforced on the new private area priv. */
static int set_disk_limits(const struct vz_create_opts *o, struct vz_conf *conf, const char *priv, const char *layout,
                           vz_error_t *err)
{
    const char *vals[] = { o->diskspace, o->diskinodes };
    const char *keys[] = { "DISKSPACE", "DISKINODES" };
    for (size_t i = 0; i < 2; i++) {
        int64_t soft, hard;
        if (vals[i] == NULL)
            continue;
        if (vz_quota_parse(i == 0 ? "diskspace" : "diskinodes", vals[i], i == 0, &soft, &hard, err) < 0)
            return -1;
        cleanup_free char *q = vz_quota_format(soft, hard);
        vz_conf_set(conf, keys[i], q);
    }
    struct vz_quota_limits l;
    if (vz_quota_from_conf(conf, &l, err) < 0)
        return -1;
    if (strcmp(layout, "image") == 0) { /* the limits are the image's size and inode count */
        if (vz_image_create(priv, &l, 0, 0, err) < 0)
            return -1;
        int64_t n = vz_image_inodes(priv); /* rounded by mkfs: the conf says what holds */
        if (l.inodes_hard >= 0 && n > 0) {
            cleanup_free char *q = vz_quota_format(l.inodes_soft < n ? l.inodes_soft : n, n);
            vz_conf_set(conf, "DISKINODES", q);
        }
        return 0;
    }
    return vz_quota_apply(priv, &l, err);
}

/* The image layout's overlay directories, in the image (quota.h). */
static int image_dirs(const char *priv, const struct vz_create_opts *o, const struct vz_idmap *map,
                      vz_error_t *err)
{
    if (vz_image_mount(priv, err) < 0)
        return -1;
    cleanup_free char *mnt = vz_image_mnt(priv);
    cleanup_free char *upper = vz_path_join(mnt, "upper");
    cleanup_free char *work = vz_path_join(mnt, "work");
    int r = -1;
    if (mkdir(upper, 0755) < 0 || mkdir(work, 0700) < 0 || (map->enabled && chown(upper, map->uid, map->gid) < 0))
        vz_error_sys(err, "mkdir %s/{upper,work}", mnt);
    else
        r = write_ct_files(upper, o, err);
    vz_error_t e = NULL;
    if (vz_image_umount(priv, r < 0 ? &e : err) < 0) {
        if (r < 0)
            vz_error_release(&e);
        r = -1;
    }
    return r;
}

static int do_create(const struct vz_create_opts *o, const struct vz_cache_info *cache, const char *layout,
                     vz_unpack_fn *unpack, struct create_undo *u, struct vz_create_result *res,
                     vz_error_t *err)
{
    cleanup_free char *conf_path = vz_ct_conf_path(o->ctid);
    cleanup_free char *priv = o->private_dir ? vz_ct_expand(o->private_dir, o->ctid) : vz_ct_default_private(o->ctid);
    cleanup_free char *root = o->root_dir ? vz_ct_expand(o->root_dir, o->ctid) : vz_ct_default_root(o->ctid);
    cleanup_free char *sample_path = NULL;
    if (check_new(o, &sample_path, err) < 0) /* again: now under the container's lock */
        return -1;
    struct vz_conf conf;
    if (vz_conf_load(&conf, sample_path, err) < 0)
        return vz_error_wrap(err, "sample config");
    free(conf.path);
    conf.path = vz_xstrdup(conf_path);

    int r = -1;
    /* every cleanup variable before the first goto */
    cleanup_free char *lower = NULL, *upper = NULL, *work = NULL, *ips = NULL, *ns = NULL, *sd = NULL;
    cleanup_free char *incomplete = NULL;
    cleanup_free char *confdir = vz_root_path("/etc/vz/conf");
    struct vz_lock *ids_lock cleanup_lock = NULL; /* held until the conf records the range */
    struct vz_idmap map = { 0 };
    cleanup_free char *parent = vz_xstrdup(priv);
    char *slash = strrchr(parent, '/');
    if (slash && slash != parent)
        *slash = '\0';
    if (mkdir_p_track(parent, &u->made_dirs, err) < 0 || vz_ct_secure_parent(priv, err) < 0)
        goto out;
    if (!o->privileged && vz_userns_alloc(o->ctid, &map, &ids_lock, err) < 0)
        goto out;
    incomplete = vz_path_join(priv, CREATE_MARKER);
    /* a btrfs subvolume where the parent is on btrfs (vpscore/quota.h) */
    vz_error_t mk = NULL;
    int made = vz_quota_mkprivate(priv, &mk);
    if (made < 0 && mk->errnum == EEXIST && vz_file_exists(incomplete)) {
        /* The remains of a create killed before its conf was saved (we hold
         * the container's lock and no conf exists): start over. */
        vz_error_release(&mk);
        vz_warn("container %s: removing the remains of an interrupted create in %s", o->ctid, priv);
        if (vz_rm_rf(priv, err) < 0)
            goto out;
        made = vz_quota_mkprivate(priv, &mk);
    }
    if (made < 0) {
        if (mk->errnum == EEXIST) {
            vz_error_release(&mk);
            vz_error_set(err, VZ_EPRIVATEEXISTS, 0, "private area %s already exists", priv);
        } else {
            *err = mk;
        }
        goto out;
    }
    u->private_dir = vz_xstrdup(priv);
    if (vz_atomic_write(incomplete, "", 0, 0600, err) < 0)
        goto out;
    /* the limits hold from the first byte: an unpack that does not fit
     * fails here rather than leaving a container over its limit */
    if (set_disk_limits(o, &conf, priv, layout, err) < 0)
        goto out;

    if (strcmp(layout, "image") == 0) {
        if (vz_ct_template_tree(cache, unpack, &lower, &res->reused_tree, err) < 0 || image_dirs(priv, o, &map, err) < 0)
            goto out;
    } else if (strcmp(layout, "overlay") == 0) {
        if (vz_ct_template_tree(cache, unpack, &lower, &res->reused_tree, err) < 0)
            goto out;
        upper = vz_path_join(priv, "upper");
        work = vz_path_join(priv, "work");
        if (mkdir(upper, 0755) < 0 || mkdir(work, 0700) < 0 ||
            (map.enabled && chown(upper, map.uid, map.gid) < 0)) {
            vz_error_sys(err, "mkdir %s/{upper,work}", priv);
            goto out;
        }
        if (write_ct_files(upper, o, err) < 0)
            goto out;
    } else {
        if (unpack(cache->tarball, cache->tar_sha256, cache->tar_size, priv, &map, err) < 0)
            goto out;
        struct stat st;
        if (stat(priv, &st) < 0 || chmod(priv, 0755) < 0 ||
            (map.enabled && st.st_uid == 0 && chown(priv, map.uid, map.gid) < 0)) {
            vz_error_sys(err, "chmod %s", priv);
            goto out;
        }
        if (write_ct_files(priv, o, err) < 0)
            goto out;
    }

    vz_conf_set(&conf, "OSTEMPLATE", cache->name);
    vz_conf_set(&conf, "VE_ROOT", root);
    vz_conf_set(&conf, "VE_PRIVATE", priv);
    vz_conf_set(&conf, "VE_LAYOUT", layout);
    if (map.enabled) {
        char id[16];
        snprintf(id, sizeof(id), "%u", map.uid);
        vz_conf_set(&conf, "LOCAL_UID", id);
        snprintf(id, sizeof(id), "%u", map.gid);
        vz_conf_set(&conf, "LOCAL_GID", id);
        vz_conf_unset(&conf, "PRIVILEGED");
    } else {
        vz_conf_set(&conf, "PRIVILEGED", "yes");
        vz_conf_unset(&conf, "LOCAL_UID");
        vz_conf_unset(&conf, "LOCAL_GID");
    }
    if (lower)
        vz_conf_set(&conf, "VE_LOWERDIR", lower);
    else
        vz_conf_unset(&conf, "VE_LOWERDIR");
    if (o->hostname)
        vz_conf_set(&conf, "HOSTNAME", o->hostname);
    ips = joined(o->ipadd);
    ns = joined(o->nameserver);
    sd = joined(o->searchdomain);
    if (*ips)
        vz_conf_set(&conf, "IP_ADDRESS", ips);
    if (*ns)
        vz_conf_set(&conf, "NAMESERVER", ns);
    if (*sd)
        vz_conf_set(&conf, "SEARCHDOMAIN", sd);
    /* the limits in the sample must parse before the container exists */
    struct vz_cgroup_limits lim;
    if (vz_ct_limits_from_conf(&conf, &lim, err) < 0)
        goto out;
    if (!vz_is_dir(confdir) && vz_mkdir_p(confdir, 0755, err) < 0)
        goto out;
    if (vz_conf_save(&conf, err) < 0) /* atomic: the container now exists */
        goto out;
    unlink(incomplete);
    free(u->private_dir);
    u->private_dir = NULL;
    r = 0;
out:
    vz_conf_release(&conf);
    return r;
}

/* "inherit" in vz.conf's NAMESERVER/SEARCHDOMAIN: the host's own, from its
 * resolv.conf lines starting with word ("nameserver", "search"). Addresses
 * a container cannot reach are left out: loopback (a host-local resolver
 * such as systemd-resolved's 127.0.0.53) and anything vz_net_ip_check
 * refuses (a scoped fe80::1%eth0). */
static void inherit_from_host(const char *word, int is_ns, char ***out)
{
    cleanup_free char *path = vz_root_path("/etc/resolv.conf");
    cleanup_free char *data = NULL;
    vz_error_t e = NULL;
    if (vz_read_file(path, &data, NULL, &e) < 0) {
        vz_error_release(&e);
        return;
    }
    size_t wl = strlen(word);
    for (char *save = NULL, *line = strtok_r(data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (strncmp(line, word, wl) != 0 || (line[wl] != ' ' && line[wl] != '\t'))
            continue;
        for (char *s2 = NULL, *t = strtok_r(line + wl, " \t", &s2); t; t = strtok_r(NULL, " \t", &s2)) {
            int ok = is_ns ? vz_net_ip_check(t, &e) == 0 && strncmp(t, "127.", 4) != 0 && strcmp(t, "::1") != 0
                           : vz_hostname_check(t, &e) == 0;
            vz_error_release(&e);
            if (ok && !vz_strv_contains(*out, t))
                vz_strv_push(out, t);
        }
    }
}

/* NAMESERVER / SEARCHDOMAIN of vz.conf for a create that gives none, as
 * OpenVZ applies them: a list of values, "inherit" among them for the
 * host's. NULL when vz.conf has none. */
static char **global_default(const char *key, const char *word, int is_ns)
{
    const char *v = vz_conf_get(vz_global_conf(), key);
    if (v == NULL || *v == '\0')
        return NULL;
    char **out = NULL;
    cleanup_free char *copy = vz_xstrdup(v);
    for (char *save = NULL, *t = strtok_r(copy, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
        if (strcmp(t, "inherit") == 0)
            inherit_from_host(word, is_ns, &out);
        else if (!vz_strv_contains(out, t))
            vz_strv_push(&out, t);
    }
    return out;
}

int vz_ct_create_with(const struct vz_create_opts *o, const struct vz_cache_info *cache, vz_unpack_fn *unpack,
                      struct vz_create_result *res, vz_error_t *err)
{
    struct vz_create_opts eff = *o;
    cleanup_strv char **ns = o->nameserver ? NULL : global_default("NAMESERVER", "nameserver", 1);
    cleanup_strv char **sd = o->searchdomain ? NULL : global_default("SEARCHDOMAIN", "search", 0);
    if (ns)
        eff.nameserver = ns;
    if (sd)
        eff.searchdomain = sd;
    o = &eff;
    struct vz_create_result dummy;
    if (res == NULL)
        res = &dummy;
    memset(res, 0, sizeof(*res));
    double t0 = vz_now();
    const char *layout = NULL;
    if (check_opts(o, &layout, err) < 0)
        return -1;
    cleanup_close int lock = -1;
    if (vz_ct_lock(o->ctid, &lock, err) < 0)
        return -1;
    /* `vzpkg clean` must not remove the shared tree between its unpack (or
     * reuse) and the conf that names it */
    struct vz_lock *tree_lock cleanup_lock = NULL;
    int shared = strcmp(layout, "plain") != 0; /* overlay, image: over the shared tree */
    if (shared && vz_lock_tree(cache->name, true, -1, &tree_lock, err) < 0)
        return vz_error_wrap(err, "create container %s", o->ctid);
    struct create_undo u = { NULL, NULL };
    int r = do_create(o, cache, layout, unpack, &u, res, err);
    if (r < 0 && u.private_dir) {
        vz_error_t e = NULL;
        if (vz_image_umount(u.private_dir, &e) < 0) /* image_dirs failed half-way */
            vz_error_release(&e);
        if (vz_rm_rf(u.private_dir, &e) < 0) {
            vz_warn("cannot remove %s after a failed create: %s", u.private_dir, e->msg);
            vz_error_release(&e);
        }
    }
    for (size_t i = u.made_dirs ? vz_strv_len(u.made_dirs) : 0; r < 0 && i-- > 0;)
        rmdir(u.made_dirs[i]);
    vz_strv_free(u.made_dirs);
    free(u.private_dir);
    if (r < 0)
        return vz_error_wrap(err, "create container %s", o->ctid);
    res->seconds = vz_now() - t0;
    return 0;
}
