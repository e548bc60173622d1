/* vpscore/ctset.c: vzctl set (ctset.h). */
#include "vpscore/ctset.h"
#include "vpscore/cgroup.h"
#include "vpscore/create.h"
#include "vpscore/ctconf.h"
#include "vpscore/ctlist.h"
#include "vpscore/ctname.h"
#include "vpscore/devices.h"
#include "vpscore/net.h"
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
};

static void view_release(struct ct_view *v)
{
    free(v->write_root);
    free(v->read_lower);
}

static int view_open(const struct vz_ct *ct, pid_t pid, struct ct_view *v, vz_error_t *err)
{
    memset(v, 0, sizeof(*v));
    if (pid > 0) {
        v->write_root = vz_xasprintf("/proc/%d/root", (int)pid);
        return 0;
    }
    const char *layout = vz_conf_get(&ct->conf, "VE_LAYOUT");
    if (layout && strcmp(layout, "overlay") == 0) {
        const char *lower = vz_conf_get(&ct->conf, "VE_LOWERDIR");
        if (lower == NULL || !vz_is_dir(lower))
            return vz_error_set(err, VZ_ENOPRIVATE, 0, "%s: VE_LOWERDIR %s is missing", ct->conf_path,
                                lower ? lower : "(unset)");
        v->write_root = vz_path_join(ct->private_dir, "upper");
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
    const struct { const char *opt, *key, *val; } sizes[] = {
        { "ram", "PHYSPAGES", o->ram }, { "swap", "SWAPPAGES", o->swap } };
    for (size_t i = 0; i < VZ_ARRAY_SIZE(sizes); i++) {
        if (!sizes[i].val)
            continue;
        int64_t bytes;
        if (vz_parse_size(sizes[i].val, &bytes) < 0)
            return vz_error_set(err, VZ_EBADARG, 0, "--%s %s: want a size such as 512M, 2G or unlimited",
                                sizes[i].opt, sizes[i].val);
        if (size_sane(sizes[i].opt, sizes[i].val, bytes, i == 0, err) < 0)
            return -1;
        if (bytes < 0)
            snprintf(v, sizeof(v), "0:unlimited");
        else
            snprintf(v, sizeof(v), "0:%lld", (long long)((bytes + page - 1) / page));
        vz_conf_set(c, sizes[i].key, v);
        vz_conf_unset(c, i == 0 ? "RAM" : "SWAP");
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
            if (vz_net_ip_check(o->nameserver[i], err) < 0)
                return vz_error_wrap(err, "--nameserver");
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
                      const struct vz_cgroup_limits *old, const char *old_ips, vz_error_t *err)
{
    struct vz_cgroup_limits l;
    if (vz_ct_limits_from_conf(c, &l, err) < 0)
        return -1;
    if (o->ram || o->swap || o->cpus || o->cpulimit || o->cpuunits || o->numproc) {
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
    if (o->devnodes) { /* the cgroup at once; a new node shows in /dev at the next start */
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
    return 0;
}

int vz_ct_set(const char *ctid, const struct vz_set_opts *o, vz_error_t *err)
{
    if (vz_ctid_check(ctid, err) < 0)
        return -1;
    cleanup_close int lock = -1;
    if (vz_ct_lock(ctid, &lock, err) < 0)
        return -1;
    struct vz_ct ct;
    if (vz_ct_load(ctid, &ct, err) < 0)
        return -1;
    int r = -1, changed = 0;
    struct ct_view view = { NULL, NULL };
    pid_t pid = 0;
    int running = vz_ct_init_pid(ctid, &pid);
    struct vz_cgroup_limits old_limits;
    vz_error_t e_old = NULL;
    int have_old = vz_ct_limits_from_conf(&ct.conf, &old_limits, &e_old) == 0;
    vz_error_release(&e_old);
    cleanup_free char *old_ips = vz_xstrdup(vz_conf_get(&ct.conf, "IP_ADDRESS") ? vz_conf_get(&ct.conf, "IP_ADDRESS") : "");
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
    if (view_open(&ct, running ? pid : 0, &view, err) < 0)
        goto out;
    if (apply_files(o, &ct.conf, &view, err) < 0)
        goto out;
    if (running && apply_live(ctid, pid, o, &ct.conf, have_old ? &old_limits : NULL, old_ips, err) < 0)
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
