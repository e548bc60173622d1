/* vpscore/ctset.c: vzctl set (ctset.h). */
#include "vpscore/ctset.h"
#include "vpscore/cgroup.h"
#include "vpscore/create.h"
#include "vpscore/ctconf.h"
#include "vpscore/ctlist.h"
#include "vpscore/ctname.h"
#include "vpscore/capability.h"
#include "vpscore/devices.h"
#include "vpscore/features.h"
#include "vpscore/net.h"
#include "vpscore/netif.h"
#include "vpscore/mount.h"
#include "vpscore/quota.h"
#include "vpscore/rootfs.h"
#include "vpscore/runtime.h"
#include "vpscore/userns.h"

#include <arpa/inet.h>
#include <crypt.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <sys/random.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---- /etc/shadow ---- */

static int make_hash(const char *password, char **out, vz_error_t *err)
{
    static const char alphabet[] = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    unsigned char rnd[16];
    if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
        return vz_error_sys(err, "getrandom");
    char setting[3 + 16 + 2] = "$6$";
    for (int i = 0; i < 16; i++)
        setting[3 + i] = alphabet[rnd[i] & 63];
    setting[19] = '$';
    setting[20] = '\0';
    struct crypt_data cd;
    memset(&cd, 0, sizeof(cd));
    const char *h = crypt_r(password, setting, &cd);
    if (h == NULL || h[0] == '*' || strncmp(h, "$6$", 3) != 0)
        return vz_error_set(err, VZ_ESYSTEM, errno, "crypt(3) cannot make a SHA-512 hash");
    *out = vz_xstrdup(h);
    return 0;
}

int vz_shadow_set(const char *shadow, const char *user, const char *password, char **out, vz_error_t *err)
{
    if (*user == '\0' || strchr(user, ':') || strchr(user, '\n'))
        return vz_error_set(err, VZ_EBADARG, 0, "--userpasswd: '%s' is not a user name", user);
    if (strchr(password, '\n'))
        return vz_error_set(err, VZ_EBADARG, 0, "--userpasswd: the password contains a newline");
    cleanup_free char *hash = NULL;
    if (make_hash(password, &hash, err) < 0)
        return -1;
    long days = (long)(time(NULL) / 86400);
    struct vz_buf b = VZ_BUF_INIT;
    vz_buf_init(&b);
    size_t ulen = strlen(user);
    int found = 0;
    for (const char *line = shadow; *line;) {
        const char *nl = strchr(line, '\n');
        size_t n = nl ? (size_t)(nl - line) : strlen(line);
        if (!found && n > ulen && strncmp(line, user, ulen) == 0 && line[ulen] == ':') {
            /* user:HASH:LASTCHG:rest */
            const char *f2 = line + ulen + 1;
            const char *f3 = memchr(f2, ':', n - ulen - 1);
            const char *f4 = f3 ? memchr(f3 + 1, ':', (size_t)(line + n - f3 - 1)) : NULL;
            vz_buf_addf(&b, "%s:%s:%ld", user, hash, days);
            if (f4)
                vz_buf_add(&b, f4, (size_t)(line + n - f4));
            found = 1;
        } else
            vz_buf_add(&b, line, n);
        if (nl)
            vz_buf_addc(&b, '\n');
        line += n + (nl ? 1 : 0);
    }
    if (!found) {
        vz_buf_release(&b);
        return vz_error_set(err, VZ_EBADARG, 0,
                            "--userpasswd: user '%s' has no entry in the container's /etc/shadow (create the user first: vzctl exec CTID useradd %s)",
                            user, user);
    }
    *out = vz_buf_detach(&b, NULL);
    return 0;
}

/* ---- the container's file view ---- */

struct ct_view {
    char *write_root; /* where files are written */
    char *read_lower; /* overlay stopped: where missing files are read from */
    char *image_priv; /* image layout: the private area whose image view_open mounted */
};

static void view_release(struct ct_view *v)
{
    free(v->write_root);
    free(v->read_lower);
    if (v->image_priv) {
        vz_error_t e = NULL;
        if (vz_image_umount(v->image_priv, &e) < 0) {
            vz_warn("%s", e->msg);
            vz_error_release(&e);
        }
        free(v->image_priv);
    }
}

static int view_open(const struct vz_ct *ct, pid_t pid, struct ct_view *v, vz_error_t *err)
{
    memset(v, 0, sizeof(*v));
    if (pid > 0) {
        v->write_root = vz_xasprintf("/proc/%d/root", (int)pid);
        return 0;
    }
    const char *layout = vz_conf_get(&ct->conf, "VE_LAYOUT");
    int image = layout && strcmp(layout, "image") == 0;
    if (layout && (strcmp(layout, "overlay") == 0 || image)) {
        const char *lower = vz_conf_get(&ct->conf, "VE_LOWERDIR");
        if (lower == NULL || !vz_is_dir(lower))
            return vz_error_set(err, VZ_ENOPRIVATE, 0, "%s: VE_LOWERDIR %s is missing", ct->conf_path,
                                lower ? lower : "(unset)");
        cleanup_free char *mnt = vz_image_mnt(ct->private_dir);
        if (image && vz_is_mountpoint(mnt) <= 0) { /* stopped and not mounted: mount it while we write */
            if (vz_image_mount(ct->private_dir, err) < 0)
                return -1;
            v->image_priv = vz_xstrdup(ct->private_dir);
        }
        v->write_root = vz_path_join(image ? mnt : ct->private_dir, "upper");
        v->read_lower = vz_xstrdup(lower);
    } else
        v->write_root = vz_xstrdup(ct->private_dir);
    if (!vz_is_dir(v->write_root))
        return vz_error_set(err, VZ_ENOPRIVATE, 0, "container %s: private area %s is missing", ct->ctid,
                            v->write_root);
    return 0;
}

static int view_read(const struct ct_view *v, const char *rel, char **data, struct stat *st, int *from_lower,
                     vz_error_t *err)
{
    *from_lower = 0;
    if (vz_rootfs_read(v->write_root, rel, data, NULL, err) == 0) {
        vz_rootfs_stat(v->write_root, rel, st);
        return 0;
    }
    if (v->read_lower == NULL || (*err)->errnum != ENOENT)
        return -1;
    vz_error_release(err);
    *from_lower = 1;
    if (vz_rootfs_read(v->read_lower, rel, data, NULL, err) < 0)
        return -1;
    vz_rootfs_stat(v->read_lower, rel, st);
    return 0;
}

/* ---- live changes ---- */

static int set_live_hostname(pid_t pid, const char *h, vz_error_t *err)
{
    char p[64];
    snprintf(p, sizeof(p), "/proc/%d/ns/uts", (int)pid);
    int fd = open(p, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return vz_error_sys(err, "open %s", p);
    pid_t c = fork();
    if (c < 0) {
        close(fd);
        return vz_error_sys(err, "fork");
    }
    if (c == 0) {
        if (setns(fd, CLONE_NEWUTS) < 0)
            _exit(1);
        _exit(sethostname(h, strlen(h)) < 0 ? 2 : 0);
    }
    close(fd);
    int st = 0;
    while (waitpid(c, &st, 0) < 0 && errno == EINTR)
        ;
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
        return vz_error_set(err, VZ_ESYSTEM, 0, "set hostname %s in the UTS namespace of pid %d: %s", h,
                            (int)pid, WIFEXITED(st) && WEXITSTATUS(st) == 1 ? "setns failed" : "sethostname failed");
    return 0;
}

/* ---- options -> conf ---- */

/* The entry of the address list that names the same address as spec
 * ("10.0.0.2" finds "10.0.0.2/24"), or NULL. Allocated. */
static char *addr_entry(const char *list, const char *spec)
{
    cleanup_free char *copy = vz_xstrdup(list ? list : "");
    char *save = NULL;
    for (char *t = strtok_r(copy, " ", &save); t; t = strtok_r(NULL, " ", &save))
        if (vz_net_addr_same(t, spec))
            return vz_xstrdup(t);
    return NULL;
}

static char *addrs_without(const char *list, const char *spec)
{
    struct vz_buf b = VZ_BUF_INIT;
    vz_buf_init(&b);
    cleanup_free char *copy = vz_xstrdup(list ? list : "");
    char *save = NULL;
    for (char *t = strtok_r(copy, " ", &save); t; t = strtok_r(NULL, " ", &save))
        if (!vz_net_addr_same(t, spec))
            vz_buf_addf(&b, "%s%s", b.len ? " " : "", t);
    return vz_buf_detach(&b, NULL);
}

static char **split_words(const char *s)
{
    char **v = NULL;
    cleanup_free char *copy = vz_xstrdup(s ? s : "");
    char *save = NULL;
    for (char *t = strtok_r(copy, " ", &save); t; t = strtok_r(NULL, " ", &save))
        vz_strv_push(&v, t);
    return v ? v : vz_xcalloc(1, sizeof(char *));
}

static char *joined(char **v)
{
    struct vz_buf b = VZ_BUF_INIT;
    vz_buf_init(&b);
    for (size_t i = 0; v && v[i]; i++)
        vz_buf_addf(&b, "%s%s", i ? " " : "", v[i]);
    return vz_buf_detach(&b, NULL);
}

static int parse_int_opt(const char *opt, const char *v, int allow_pct, int64_t max, char *out, size_t outn,
                         vz_error_t *err)
{
    if (strcmp(v, "unlimited") == 0) {
        snprintf(out, outn, "0");
        return 0;
    }
    char *end;
    errno = 0;
    long long x = strtoll(v, &end, 10);
    if (allow_pct && *end == '%')
        end++;
    if (end == v || *end || errno || x < 0 || x > max)
        return vz_error_set(err, VZ_EBADARG, 0, "--%s %s: want a number 0..%lld", opt, v, (long long)max);
    snprintf(out, outn, "%lld", x);
    return 0;
}

/* --ram and --swap beyond what makes sense: a size without its unit
 * ("--ram 512": 512 bytes) would leave no room for a single process, and a
 * limit larger than the host's memory (and swap) is a typo, not a limit. */
#define VZ_RAM_MIN (16LL << 20)
static int size_sane(const char *opt, const char *val, int64_t bytes, int is_ram, vz_error_t *err)
{
    if (bytes < 0 || (!is_ram && bytes == 0))
        return 0;
    if (is_ram && bytes < VZ_RAM_MIN)
        return vz_error_set(err, VZ_EBADARG, 0, "--%s %s: %lld bytes is below the least a container can run "
                            "in (16M); sizes take a unit: 512M, 2G", opt, val, (long long)bytes);
    struct sysinfo si;
    if (sysinfo(&si) < 0)
        return 0;
    int64_t host = (int64_t)si.totalram * si.mem_unit + (is_ram ? 0 : (int64_t)si.totalswap * si.mem_unit);
    if (bytes > host)
        return vz_error_set(err, VZ_EBADARG, 0, "--%s %s: more than this host's %s (%lld MB); "
                            "use unlimited for no limit", opt, val, is_ram ? "memory" : "memory and swap",
                            (long long)(host >> 20));
    return 0;
}

static int devices_check(const char *spec, vz_error_t *err)
{
    struct vz_devices d;
    vz_devices_default(&d);
    return vz_devices_add_number(&d, spec, err);
}

/* --netif_del, then --netif_add, into NETIF. */
static int netifs_to_conf(const char *ctid, const struct vz_set_opts *o, struct vz_conf *c, vz_error_t *err)
{
    struct vz_netifs l;
    if (vz_netif_parse_conf(vz_conf_get(c, "NETIF"), &l, err) < 0)
        return -1;
    for (size_t i = 0; o->netif_del && o->netif_del[i]; i++)
        if (vz_netif_del(&l, o->netif_del[i], err) < 0)
            return -1;
    for (size_t i = 0; o->netif_add && o->netif_add[i]; i++)
        if (vz_netif_add(&l, ctid, o->netif_add[i], err) < 0)
            return -1;
    if (o->ifname) { /* the entry again, with the fields given replaced */
        size_t k = 0;
        while (k < l.n && strcmp(l.v[k].ifname, o->ifname) != 0)
            k++;
        if (k == l.n)
            return vz_error_set(err, VZ_EBADARG, 0, "--ifname %s: the container has no such interface "
                                "(--netif_add makes one)", o->ifname);
        const struct vz_netif *n = &l.v[k];
        char filter = n->mac_filter;
        if (o->mac_filter && strcmp(o->mac_filter, "on") != 0 && strcmp(o->mac_filter, "off") != 0)
            return vz_error_set(err, VZ_EBADARG, 0, "--mac_filter %s: on or off", o->mac_filter);
        if (o->mac_filter)
            filter = o->mac_filter[1] == 'n' ? 'y' : 'n';
        cleanup_free char *spec = vz_xasprintf("%s,%s,%s,%s,%s", n->ifname, o->mac ? o->mac : n->mac,
                                               o->host_ifname ? o->host_ifname : n->host_ifname,
                                               o->host_mac ? o->host_mac : n->host_mac, o->bridge ? o->bridge : n->bridge);
        if (vz_netif_add(&l, ctid, spec, err) < 0)
            return vz_error_wrap(err, "--ifname %s", o->ifname);
        l.v[k].mac_filter = filter; /* the entry keeps its index */
    } else if (o->mac || o->host_ifname || o->host_mac || o->bridge || o->mac_filter)
        return vz_error_set(err, VZ_EUSAGE, 0,
                            "--mac, --host_ifname, --host_mac, --bridge and --mac_filter need --ifname IF");
    cleanup_free char *v = vz_netif_format(&l);
    if (*v)
        vz_conf_set(c, "NETIF", v);
    else
        vz_conf_unset(c, "NETIF");
    return 0;
}

/* A running container's veth interfaces as the new conf says: the deleted
 * ones (all the old ones for "all") and those being replaced go first,
 * inside its namespace (netif.h: never a host link by a conf's name). */
static int apply_netifs(pid_t pid, const struct vz_set_opts *o, const struct vz_conf *c, const char *old_netif,
                        vz_error_t *err)
{
    struct vz_netifs now, old;
    if (vz_netif_parse_conf(vz_conf_get(c, "NETIF"), &now, err) < 0 ||
        vz_netif_parse_conf(old_netif, &old, err) < 0)
        return -1;
    for (size_t i = 0; o->netif_del && o->netif_del[i]; i++)
        for (size_t k = 0; k < old.n; k++)
            if ((strcmp(o->netif_del[i], "all") == 0 || strcmp(o->netif_del[i], old.v[k].ifname) == 0) &&
                vz_netif_remove_live(pid, old.v[k].ifname, err) < 0)
                return -1;
    for (size_t k = 0; o->ifname && k < now.n; k++)
        if (strcmp(now.v[k].ifname, o->ifname) == 0 &&
            (vz_netif_remove_live(pid, o->ifname, err) < 0 || vz_netif_setup(pid, &now.v[k], err) < 0))
            return -1;
    for (size_t i = 0; o->netif_add && o->netif_add[i]; i++) {
        size_t len = strcspn(o->netif_add[i], ",");
        for (size_t k = 0; k < now.n; k++) {
            if (strlen(now.v[k].ifname) != len || strncmp(now.v[k].ifname, o->netif_add[i], len) != 0)
                continue;
            if (vz_netif_remove_live(pid, now.v[k].ifname, err) < 0 || vz_netif_setup(pid, &now.v[k], err) < 0)
                return -1;
        }
    }
    return 0;
}

/* Apply options to conf; *conf_changed when a conf key changed. */
static int opts_to_conf(const char *ctid, const struct vz_set_opts *o, struct vz_conf *c, int *conf_changed,
                        vz_error_t *err)
{
    char v[64];
    const long page = sysconf(_SC_PAGESIZE);
    *conf_changed = 0;
    if (o->hostname) {
        if (vz_hostname_check(o->hostname, err) < 0)
            return -1;
        vz_conf_set(c, "HOSTNAME", o->hostname);
        *conf_changed = 1;
    }
    if ((o->ram && o->physpages) || (o->swap && o->swappages))
        return vz_error_set(err, VZ_EUSAGE, 0, "--%s and --%s set the same limit: give one",
                            o->ram && o->physpages ? "ram" : "swap",
                            o->ram && o->physpages ? "physpages" : "swappages");
    const struct { const char *opt, *key, *val; int pages; } sizes[] = {
        { "ram", "PHYSPAGES", o->ram, 0 }, { "swap", "SWAPPAGES", o->swap, 0 },
        { "physpages", "PHYSPAGES", o->physpages, 1 }, { "swappages", "SWAPPAGES", o->swappages, 1 } };
    for (size_t i = 0; i < VZ_ARRAY_SIZE(sizes); i++) {
        if (!sizes[i].val)
            continue;
        int is_ram = strcmp(sizes[i].key, "PHYSPAGES") == 0;
        int64_t bytes;
        if (sizes[i].pages) {
            int64_t pages;
            if (vz_parse_barlim_pages(sizes[i].val, &pages) < 0)
                return vz_error_set(err, VZ_EBADARG, 0, "--%s %s: want [BARRIER:]LIMIT in pages or sizes "
                                    "(65536, 0:256M, unlimited)", sizes[i].opt, sizes[i].val);
            bytes = pages < 0 ? -1 : pages * page;
        } else if (vz_parse_size(sizes[i].val, &bytes) < 0) {
            return vz_error_set(err, VZ_EBADARG, 0, "--%s %s: want a size such as 512M, 2G or unlimited",
                                sizes[i].opt, sizes[i].val);
        }
        if (size_sane(sizes[i].opt, sizes[i].val, bytes, is_ram, err) < 0)
            return -1;
        if (sizes[i].pages && strlen(sizes[i].val) >= sizeof(v))
            return vz_error_set(err, VZ_EBADARG, 0, "--%s: value too long", sizes[i].opt);
        if (sizes[i].pages)
            snprintf(v, sizeof(v), "%s", sizes[i].val); /* as given, as OpenVZ's vzctl keeps it */
        else if (bytes < 0)
            snprintf(v, sizeof(v), "0:unlimited");
        else
            snprintf(v, sizeof(v), "0:%lld", (long long)((bytes + page - 1) / page));
        vz_conf_set(c, sizes[i].key, v);
        vz_conf_unset(c, is_ram ? "RAM" : "SWAP");
        *conf_changed = 1;
    }
    const struct { const char *opt, *key, *val; int pct; int64_t max; } ints[] = {
        { "cpus", "CPUS", o->cpus, 0, 4096 },
        { "cpulimit", "CPULIMIT", o->cpulimit, 1, 409600 },
        { "cpuunits", "CPUUNITS", o->cpuunits, 0, 500000 },
    };
    for (size_t i = 0; i < VZ_ARRAY_SIZE(ints); i++) {
        if (!ints[i].val)
            continue;
        if (parse_int_opt(ints[i].opt, ints[i].val, ints[i].pct, ints[i].max, v, sizeof(v), err) < 0)
            return -1;
        long ncpu = sysconf(_SC_NPROCESSORS_CONF);
        if (strcmp(ints[i].key, "CPUS") == 0 && ncpu > 0 && atol(v) > ncpu)
            return vz_error_set(err, VZ_EBADARG, 0, "--cpus %s: this host has %ld CPUs (0 or unlimited: all of them)",
                                ints[i].val, ncpu);
        vz_conf_set(c, ints[i].key, v);
        *conf_changed = 1;
    }
    if (o->numproc) {
        int64_t n;
        if (vz_parse_barlim(o->numproc, &n) < 0)
            return vz_error_set(err, VZ_EBADARG, 0, "--numproc %s: want N, BARRIER:LIMIT or unlimited", o->numproc);
        if (n < 0)
            snprintf(v, sizeof(v), "unlimited:unlimited");
        else
            snprintf(v, sizeof(v), "%lld:%lld", (long long)n, (long long)n);
        vz_conf_set(c, "NUMPROC", v);
        *conf_changed = 1;
    }
    for (size_t i = 0; o->devnodes && o->devnodes[i]; i++) {
        struct vz_devices check;
        vz_devices_default(&check);
        if (vz_devices_add(&check, o->devnodes[i], err) < 0)
            return -1;
        cleanup_free char *merged = vz_devnodes_merge(vz_conf_get(c, "DEVNODES"), o->devnodes[i]);
        vz_conf_set(c, "DEVNODES", merged);
        *conf_changed = 1;
    }
    const struct {
        const char *key;
        char **specs;
        int (*check)(const char *, vz_error_t *);
    } lists[] = { { "DEVICES", o->devices, devices_check }, { "FEATURES", o->features, vz_feature_check },
                  { "CAPABILITY", o->capability, vz_cap_check } };
    for (size_t k = 0; k < VZ_ARRAY_SIZE(lists); k++)
        for (size_t i = 0; lists[k].specs && lists[k].specs[i]; i++) {
            if (lists[k].check(lists[k].specs[i], err) < 0)
                return -1;
            cleanup_free char *merged = k == 2 ? vz_cap_merge(vz_conf_get(c, lists[k].key), lists[k].specs[i])
                                               : vz_devnodes_merge(vz_conf_get(c, lists[k].key), lists[k].specs[i]);
            vz_conf_set(c, lists[k].key, merged);
            *conf_changed = 1;
        }
    if (o->capability && !o->save) /* fixed when a process enters the container */
        return vz_error_set(err, VZ_EUSAGE, 0, "--capability takes effect at the next start and exec: add --save");
    if (o->devices || o->features) { /* the whole policy as the next start will build it */
        struct vz_devices check;
        if (vz_devices_from_conf(c, &check, err) < 0)
            return -1;
    }
    if ((o->name || o->description) && !o->save)
        return vz_error_set(err, VZ_EUSAGE, 0, "--%s is only kept in the conf: add --save",
                            o->name ? "name" : "description");
    if (o->name) {
        if (vz_ct_name_check(o->name, err) < 0 || vz_ct_name_free(o->name, ctid, err) < 0)
            return -1;
        vz_conf_set(c, "NAME", o->name);
        *conf_changed = 1;
    }
    if (o->description) {
        if (strchr(o->description, '\n'))
            return vz_error_set(err, VZ_EBADARG, 0, "--description: one line only");
        vz_conf_set(c, "DESCRIPTION", o->description);
        *conf_changed = 1;
    }
    const struct { const char *opt, *key, *val; } flags[] = {
        { "onboot", "ONBOOT", o->onboot }, { "disabled", "DISABLED", o->disabled } };
    for (size_t i = 0; i < VZ_ARRAY_SIZE(flags); i++) {
        if (!flags[i].val)
            continue;
        if (strcmp(flags[i].val, "yes") != 0 && strcmp(flags[i].val, "no") != 0)
            return vz_error_set(err, VZ_EBADARG, 0, "--%s %s: yes or no", flags[i].opt, flags[i].val);
        vz_conf_set(c, flags[i].key, flags[i].val);
        *conf_changed = 1;
    }
    if (o->bootorder) {
        char *end = NULL;
        errno = 0;
        long n = strtol(o->bootorder, &end, 10);
        if (!*o->bootorder || strspn(o->bootorder, "0123456789") != strlen(o->bootorder) || errno ||
            n > 2147483647L)
            return vz_error_set(err, VZ_EBADARG, 0, "--bootorder %s: a number from 0 to 2147483647",
                                o->bootorder);
        vz_conf_set(c, "BOOTORDER", o->bootorder);
        *conf_changed = 1;
    }
    const struct { const char *opt, *key, *val; } disks[] = {
        { "diskspace", "DISKSPACE", o->diskspace }, { "diskinodes", "DISKINODES", o->diskinodes } };
    for (size_t i = 0; i < VZ_ARRAY_SIZE(disks); i++) {
        if (!disks[i].val)
            continue;
        int64_t soft, hard;
        if (vz_quota_parse(disks[i].opt, disks[i].val, i == 0, &soft, &hard, err) < 0)
            return -1;
        cleanup_free char *q = vz_quota_format(soft, hard);
        vz_conf_set(c, disks[i].key, q);
        *conf_changed = 1;
    }
    if (o->seccomp) {
        /* the filter is installed when a process enters the container and
         * cannot be changed under a running one */
        if (strcmp(o->seccomp, "default") != 0 && strcmp(o->seccomp, "unconfined") != 0)
            return vz_error_set(err, VZ_EBADARG, 0, "--seccomp %s: default or unconfined", o->seccomp);
        if (!o->save)
            return vz_error_set(err, VZ_EUSAGE, 0, "--seccomp takes effect at the next start: add --save");
        vz_conf_set(c, "SECCOMP", o->seccomp);
        *conf_changed = 1;
    }
    int netif = o->netif_add || o->netif_del || o->ifname || o->mac || o->host_ifname || o->host_mac || o->bridge ||
                o->mac_filter;
    if (netif && netifs_to_conf(ctid, o, c, err) < 0)
        return -1;
    *conf_changed |= netif;
    cleanup_free char *ips = vz_xstrdup(vz_conf_get(c, "IP_ADDRESS") ? vz_conf_get(c, "IP_ADDRESS") : "");
    for (size_t i = 0; o->ipdel && o->ipdel[i]; i++) {
        if (strcmp(o->ipdel[i], "all") == 0) {
            free(ips);
            ips = vz_xstrdup("");
        } else {
            char ip[INET6_ADDRSTRLEN];
            int plen;
            if (vz_net_addr_parse(o->ipdel[i], ip, sizeof(ip), &plen, err) < 0)
                return vz_error_wrap(err, "--ipdel");
            cleanup_free char *had = addr_entry(ips, o->ipdel[i]);
            if (!had)
                vz_warn("--ipdel %s: the container has no such address", o->ipdel[i]);
            char *n = addrs_without(ips, o->ipdel[i]);
            free(ips);
            ips = n;
        }
        *conf_changed = 1;
    }
    for (size_t i = 0; o->ipadd && o->ipadd[i]; i++) {
        char ip[INET6_ADDRSTRLEN];
        int plen;
        if (vz_net_addr_parse(o->ipadd[i], ip, sizeof(ip), &plen, err) < 0)
            return vz_error_wrap(err, "--ipadd");
        if (vz_ct_ip_check_free(o->ipadd[i], ctid, err) < 0)
            return -1;
        cleanup_free char *had = addr_entry(ips, o->ipadd[i]);
        if (had && strcmp(had, o->ipadd[i]) != 0)
            return vz_error_set(err, VZ_EBADARG, 0, "--ipadd %s: the container has %s already: "
                                "--ipdel it first to change its prefix", o->ipadd[i], had);
        if (!had) {
            char *n = vz_xasprintf("%s%s%s", ips, *ips ? " " : "", o->ipadd[i]);
            free(ips);
            ips = n;
        }
        *conf_changed = 1;
    }
    if (o->ipadd || o->ipdel)
        vz_conf_set(c, "IP_ADDRESS", ips);
    if (o->nameserver) {
        for (size_t i = 0; o->nameserver[i]; i++)
            if (vz_net_ip_check(o->nameserver[i], err) < 0) {
                (*err)->status = VZ_EBADDNS; /* OpenVZ's code for it, not its 71 */
                return vz_error_wrap(err, "--nameserver");
            }
        cleanup_free char *j = joined(o->nameserver);
        vz_conf_set(c, "NAMESERVER", j);
        *conf_changed = 1;
    }
    if (o->searchdomain) {
        for (size_t i = 0; o->searchdomain[i]; i++)
            if (vz_hostname_check(o->searchdomain[i], err) < 0)
                return vz_error_wrap(err, "--searchdomain");
        cleanup_free char *j = joined(o->searchdomain);
        vz_conf_set(c, "SEARCHDOMAIN", j);
        *conf_changed = 1;
    }
    struct vz_cgroup_limits l;
    return vz_ct_limits_from_conf(c, &l, err);
}

static int apply_files(const struct vz_set_opts *o, const struct vz_conf *c, const struct ct_view *v,
                       vz_error_t *err)
{
    if (o->hostname) {
        cleanup_free char *h = vz_xasprintf("%s\n", o->hostname);
        if (vz_rootfs_write(v->write_root, "etc/hostname", h, strlen(h), 0644, err) < 0 ||
            vz_net_write_hosts(v->write_root, o->hostname, err) < 0)
            return -1;
    }
    if (o->nameserver || o->searchdomain) {
        cleanup_strv char **ns = split_words(vz_conf_get(c, "NAMESERVER"));
        cleanup_strv char **sd = split_words(vz_conf_get(c, "SEARCHDOMAIN"));
        if (vz_net_write_resolv(v->write_root, ns, sd, err) < 0)
            return -1;
    }
    if (o->userpasswd) {
        const char *colon = strchr(o->userpasswd, ':');
        if (colon == NULL)
            return vz_error_set(err, VZ_EBADARG, 0, "--userpasswd: want USER:PASSWORD");
        cleanup_free char *user = vz_xasprintf("%.*s", (int)(colon - o->userpasswd), o->userpasswd);
        cleanup_free char *shadow = NULL, *updated = NULL;
        struct stat st;
        int lower = 0;
        memset(&st, 0, sizeof(st));
        if (view_read(v, "etc/shadow", &shadow, &st, &lower, err) < 0)
            return vz_error_wrap(err, "--userpasswd");
        if (vz_shadow_set(shadow, user, colon + 1, &updated, err) < 0)
            return -1;
        struct vz_idmap m;
        if (lower && vz_idmap_from_conf(c, c->path ? c->path : "CTID.conf", &m, err) < 0)
            return -1;
        if (lower && m.enabled) { /* the tree's ids on disk are the template's own: shift them */
            st.st_uid += m.uid;
            st.st_gid += m.gid;
        }
        if (vz_rootfs_write_like(v->write_root, "etc/shadow", updated, strlen(updated), 0640,
                                 lower ? &st : NULL, err) < 0)
            return -1;
    }
    return 0;
}

/* The limits are applied all or nothing: when the kernel refuses one (a
 * memory limit below what the container uses now, say), the ones already
 * written are put back to the values of the conf as it was (old). */
static int apply_live(const char *ctid, pid_t pid, const struct vz_set_opts *o, const struct vz_conf *c,
                      const struct vz_cgroup_limits *old, const char *old_ips, const char *old_netif,
                      vz_error_t *err)
{
    struct vz_cgroup_limits l;
    if (vz_ct_limits_from_conf(c, &l, err) < 0)
        return -1;
    if (o->ram || o->swap || o->physpages || o->swappages || o->cpus || o->cpulimit || o->cpuunits || o->numproc) {
        struct vz_cgroup *cg = NULL;
        if (vz_cgroup_open(ctid, &cg, err) < 0)
            return -1;
        int r = vz_cgroup_exists(cg) ? vz_cgroup_apply(cg, &l, err)
                                     : vz_error_set(err, VZ_ESYSTEM, ENOENT, "container %s has no cgroup", ctid);
        if (r < 0 && old && vz_cgroup_exists(cg)) {
            vz_error_t e2 = NULL;
            int back = vz_cgroup_apply(cg, old, &e2);
            cleanup_free char *m = vz_xstrdup((*err)->msg);
            int st = (*err)->status, en = (*err)->errnum;
            vz_error_release(err);
            if (back < 0)
                vz_error_set(err, st, en, "%s; putting the old limits back failed too: %s", m, e2->msg);
            else
                vz_error_set(err, st, en, "%s; no limit was changed", m);
            vz_error_release(&e2);
        }
        vz_cgroup_free(cg);
        if (r < 0)
            return -1;
    }
    if (o->devnodes || o->devices || o->features) { /* the cgroup at once; a new node shows in /dev at the next start */
        struct vz_devices d;
        struct vz_cgroup *cg = NULL;
        if (vz_devices_from_conf(c, &d, err) < 0 || vz_cgroup_open(ctid, &cg, err) < 0)
            return -1;
        int r = vz_cgroup_devices(cg, &d, err);
        vz_cgroup_free(cg);
        if (r < 0)
            return -1;
    }
    if (o->hostname && set_live_hostname(pid, o->hostname, err) < 0)
        return -1;
    for (size_t i = 0; o->ipdel && o->ipdel[i]; i++) {
        if (strcmp(o->ipdel[i], "all") == 0)
            continue;
        /* removed with the prefix it was added with */
        cleanup_free char *was = addr_entry(old_ips, o->ipdel[i]);
        if (vz_net_del_ip(ctid, pid, was ? was : o->ipdel[i], err) < 0)
            return -1;
    }
    if (o->ipdel && vz_strv_contains(o->ipdel, "all") && vz_net_teardown(ctid, err) < 0)
        return -1;
    for (size_t i = 0; o->ipadd && o->ipadd[i]; i++)
        if (vz_net_add_ip(ctid, pid, o->ipadd[i], err) < 0)
            return -1;
    if ((o->netif_add || o->netif_del || o->ifname) && apply_netifs(pid, o, c, old_netif, err) < 0)
        return -1;
    return 0;
}

int vz_ct_set_check(const char *ctid, const struct vz_set_opts *o, vz_error_t *err)
{
    struct vz_set_opts saved = *o;
    saved.save = 1;
    struct vz_conf c;
    vz_conf_init(&c, NULL);
    int changed = 0;
    int r = opts_to_conf(ctid, &saved, &c, &changed, err);
    if (r == 0 && o->userpasswd && !strchr(o->userpasswd, ':'))
        r = vz_error_set(err, VZ_EBADARG, 0, "--userpasswd: want USER:PASSWORD");
    vz_conf_release(&c);
    return r;
}

/* DISKSPACE/DISKINODES of the conf onto the private area. The backend
 * sets one limit at a time: when it refuses (DISKINODES on btrfs), the
 * old limits go back, so a refused set changes nothing. */
static int apply_quota(struct vz_ct *ct, const struct vz_quota_limits *old, vz_error_t *err)
{
    struct vz_quota_limits l;
    if (vz_quota_from_conf(&ct->conf, &l, err) < 0)
        return -1;
    if (vz_quota_apply(ct->private_dir, &l, err) == 0) {
        /* a resized image has more (or fewer) block groups, so inodes */
        int64_t n = l.inodes_hard >= 0 && vz_quota_probe(ct->private_dir) == VZ_QUOTA_IMAGE
                        ? vz_image_inodes(ct->private_dir) : -1;
        if (n > 0 && n != l.inodes_hard) {
            cleanup_free char *q = vz_quota_format(l.inodes_soft < n ? l.inodes_soft : n, n);
            vz_conf_set(&ct->conf, "DISKINODES", q);
            vz_info("DISKINODES is now %s: the image's inode count at its new size", q);
        }
        return 0;
    }
    vz_error_t e2 = NULL;
    if (vz_quota_apply(ct->private_dir, old, &e2) < 0)
        vz_error_release(&e2); /* old could not be enforced either: nothing was */
    return -1;
}

int vz_ct_set(const char *ctid, const struct vz_set_opts *o, vz_error_t *err)
{
    if (vz_ctid_check(ctid, err) < 0)
        return -1;
    cleanup_close int lock = -1;
    struct vz_ct ct;
    if (vz_ct_open_locked(ctid, &ct, &lock, err) < 0)
        return -1;
    int r = -1, changed = 0;
    struct ct_view view = { NULL, NULL, NULL };
    pid_t pid = 0;
    int running = vz_ct_init_pid(ctid, &pid);
    struct vz_cgroup_limits old_limits;
    vz_error_t e_old = NULL;
    int have_old = vz_ct_limits_from_conf(&ct.conf, &old_limits, &e_old) == 0;
    vz_error_release(&e_old);
    struct vz_quota_limits old_quota;
    vz_error_t e_q = NULL;
    if (vz_quota_from_conf(&ct.conf, &old_quota, &e_q) < 0) /* a broken old value: nothing to put back */
        old_quota.space_hard = old_quota.inodes_hard = old_quota.space_soft = old_quota.inodes_soft = -1;
    vz_error_release(&e_q);
    cleanup_free char *old_ips = vz_xstrdup(vz_conf_get(&ct.conf, "IP_ADDRESS") ? vz_conf_get(&ct.conf, "IP_ADDRESS") : "");
    cleanup_free char *old_netif = vz_xstrdup(vz_conf_get(&ct.conf, "NETIF"));
    if (opts_to_conf(ctid, o, &ct.conf, &changed, err) < 0)
        goto out;
    if (!running && changed && !o->save) {
        vz_error_set(err, VZ_EUSAGE, 0,
                     "container %s is not running: nothing applied; add --save to store the change in %s",
                     ctid, ct.conf_path);
        goto out;
    }
    if (!changed && !o->userpasswd) {
        vz_error_set(err, VZ_EUSAGE, 0, "nothing to set: give at least one parameter (vzctl set --help)");
        goto out;
    }
    /* before the view: the image layout resizes its image unmounted */
    if ((o->diskspace || o->diskinodes) && apply_quota(&ct, &old_quota, err) < 0)
        goto out;
    if (view_open(&ct, running ? pid : 0, &view, err) < 0)
        goto out;
    if (apply_files(o, &ct.conf, &view, err) < 0)
        goto out;
    if (running && apply_live(ctid, pid, o, &ct.conf, have_old ? &old_limits : NULL, old_ips, old_netif, err) < 0)
        goto out;
    if (o->save && changed && vz_conf_save(&ct.conf, err) < 0)
        goto out;
    r = 0;
out:
    view_release(&view);
    vz_ct_release(&ct);
    if (r < 0)
        return vz_error_wrap(err, "set container %s", ctid);
    return 0;
}
