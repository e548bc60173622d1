/* vpscore/ctconf.c: CTIDs, container paths, locks, limits from a conf. */
#include "vpscore/ctconf.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

int vz_ctid_check(const char *ctid, vz_error_t *err)
{
    if (ctid == NULL || *ctid == '\0')
        return vz_error_set(err, VZ_EBADARG, 0, "empty CTID: give a number (101) or a name (web1)");
    size_t n = strlen(ctid);
    if (n > VZ_CTID_MAX)
        return vz_error_set(err, VZ_EBADARG, 0, "CTID '%.20s...' is %zu characters; at most %d",
                            ctid, n, VZ_CTID_MAX);
    int digits = 1;
    for (const char *p = ctid; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (!isascii(c) || !(isalnum(c) || c == '-' || c == '_' || c == '.'))
            return vz_error_set(err, VZ_EBADARG, 0,
                                "CTID '%s': character '%c' not allowed (use letters, digits, '-', '_', '.')",
                                ctid, isprint(c) ? c : '?');
        if (!isdigit(c))
            digits = 0;
    }
    if (!isalnum((unsigned char)ctid[0]))
        return vz_error_set(err, VZ_EBADARG, 0, "CTID '%s' must start with a letter or digit", ctid);
    if (strstr(ctid, ".."))
        return vz_error_set(err, VZ_EBADARG, 0, "CTID '%s' must not contain '..'", ctid);
    if (digits) {
        if (ctid[0] == '0')
            return vz_error_set(err, VZ_EBADARG, 0,
                                "CTID '%s': 0 is the host and numbers have no leading zeros", ctid);
        if (n > 10 || strtoll(ctid, NULL, 10) > 2147483647LL)
            return vz_error_set(err, VZ_EBADARG, 0, "CTID %s is above 2147483647", ctid);
    }
    return 0;
}

char *vz_ct_expand(const char *s, const char *ctid)
{
    struct vz_buf b = VZ_BUF_INIT;
    vz_buf_init(&b);
    static const char *const vars[] = { "${VEID}", "$VEID", "${CTID}", "$CTID" };
    while (*s) {
        size_t i;
        for (i = 0; i < VZ_ARRAY_SIZE(vars); i++)
            if (strncmp(s, vars[i], strlen(vars[i])) == 0)
                break;
        if (i < VZ_ARRAY_SIZE(vars)) {
            vz_buf_adds(&b, ctid);
            s += strlen(vars[i]);
        } else
            vz_buf_addc(&b, *s++);
    }
    return vz_buf_detach(&b, NULL);
}

static char *from_global(const char *key, const char *dflt, const char *ctid)
{
    const char *v = vz_conf_get(vz_global_conf(), key);
    cleanup_free char *e = vz_ct_expand(v && *v ? v : dflt, ctid);
    return vz_root_path(e);
}

char *vz_ct_default_private(const char *ctid) { return from_global("VE_PRIVATE", "/vz/private/$VEID", ctid); }
char *vz_ct_default_root(const char *ctid) { return from_global("VE_ROOT", "/vz/root/$VEID", ctid); }

char *vz_ct_conf_path(const char *ctid)
{
    cleanup_free char *rel = vz_xasprintf("/etc/vz/conf/%s.conf", ctid);
    return vz_root_path(rel);
}

char *vz_ct_lock_path(const char *ctid)
{
    cleanup_free char *rel = vz_xasprintf("/vz/lock/%s.lck", ctid);
    return vz_root_path(rel);
}

char *vz_ct_pid_path(const char *ctid)
{
    cleanup_free char *rel = vz_xasprintf("/vz/run/%s.pid", ctid);
    return vz_root_path(rel);
}

char *vz_ct_pid_tmp_path(const char *ctid)
{
    cleanup_free char *rel = vz_xasprintf("/vz/run/%s.pid.tmp", ctid);
    return vz_root_path(rel);
}

int vz_ct_lock(const char *ctid, int *fd, vz_error_t *err)
{
    if (vz_ctid_check(ctid, err) < 0)
        return -1;
    cleanup_free char *p = vz_ct_lock_path(ctid);
    cleanup_free char *what = vz_xasprintf("container %s", ctid);
    struct vz_flock_req req = { p, what, false, 0, "; retry when it finishes" };
    return vz_flock_take(&req, fd, err);
}

int vz_ct_load(const char *ctid, struct vz_ct *ct, vz_error_t *err)
{
    memset(ct, 0, sizeof(*ct));
    if (vz_ctid_check(ctid, err) < 0)
        return -1;
    ct->ctid = vz_xstrdup(ctid);
    ct->conf_path = vz_ct_conf_path(ctid);
    if (vz_conf_load(&ct->conf, ct->conf_path, err) < 0) {
        int missing = (*err)->errnum == ENOENT;
        if (missing) {
            vz_error_release(err);
            vz_error_set(err, VZ_ENOCTCONF, 0, "container %s does not exist (no %s)", ctid, ct->conf_path);
        }
        vz_ct_release(ct);
        return -1;
    }
    const char *priv = vz_conf_get(&ct->conf, "VE_PRIVATE");
    const char *root = vz_conf_get(&ct->conf, "VE_ROOT");
    ct->private_dir = priv && *priv ? vz_ct_expand(priv, ctid) : vz_ct_default_private(ctid);
    ct->root_dir = root && *root ? vz_ct_expand(root, ctid) : vz_ct_default_root(ctid);
    return 0;
}

int vz_ct_open_locked(const char *ctid, struct vz_ct *ct, int *lockfd, vz_error_t *err)
{
    if (vz_ct_lock(ctid, lockfd, err) < 0)
        return -1;
    if (vz_ct_load(ctid, ct, err) < 0) {
        close(*lockfd);
        *lockfd = -1;
        return -1;
    }
    return 0;
}

void vz_ct_release(struct vz_ct *ct)
{
    free(ct->ctid);
    free(ct->conf_path);
    if (ct->conf.path)
        vz_conf_release(&ct->conf);
    free(ct->private_dir);
    free(ct->root_dir);
    memset(ct, 0, sizeof(*ct));
}

int vz_parse_size(const char *s, int64_t *bytes)
{
    if (s == NULL || *s == '\0')
        return -1;
    if (strcmp(s, "unlimited") == 0 || strcmp(s, "max") == 0) {
        *bytes = -1;
        return 0;
    }
    if (!isdigit((unsigned char)*s)) /* strtoull would take " 5", "+5" and "-5" */
        return -1;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (end == s || errno)
        return -1;
    unsigned shift = 0;
    switch (toupper((unsigned char)*end)) {
    case '\0': break;
    case 'K': shift = 10; break;
    case 'M': shift = 20; break;
    case 'G': shift = 30; break;
    case 'T': shift = 40; break;
    default: return -1;
    }
    if (*end && end[1] != '\0' && !(toupper((unsigned char)end[1]) == 'B' && end[2] == '\0'))
        return -1;
    if (v > (unsigned long long)INT64_MAX >> shift)
        return -1;
    *bytes = (int64_t)(v << shift);
    return 0;
}

/* One side of "barrier:limit": a count, "unlimited" or "max" (-1). */
static int barlim_part(const char *p, size_t n, int64_t *v)
{
    if ((n == 9 && strncmp(p, "unlimited", 9) == 0) || (n == 3 && strncmp(p, "max", 3) == 0)) {
        *v = -1;
        return 0;
    }
    if (n == 0 || n > 19)
        return -1;
    unsigned long long x = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isdigit((unsigned char)p[i])) /* no space, sign or hex */
            return -1;
        x = x * 10 + (unsigned)(p[i] - '0');
    }
    if (x > (unsigned long long)INT64_MAX)
        return -1;
    /* OpenVZ's "unlimited" is LONG_MAX */
    *v = x == (unsigned long long)INT64_MAX ? -1 : (int64_t)x;
    return 0;
}

int vz_parse_barlim(const char *s, int64_t *limit)
{
    if (s == NULL)
        return -1;
    const char *colon = strchr(s, ':');
    int64_t barrier;
    if (colon && barlim_part(s, (size_t)(colon - s), &barrier) < 0)
        return -1;
    const char *l = colon ? colon + 1 : s;
    return barlim_part(l, strlen(l), limit);
}

/* One side of PHYSPAGES/SWAPPAGES: pages, or a size with a suffix. */
static int pages_part(const char *p, size_t n, int64_t *v)
{
    if (n && isalpha((unsigned char)p[n - 1]) && !(n == 9 && strncmp(p, "unlimited", 9) == 0) &&
        !(n == 3 && strncmp(p, "max", 3) == 0)) {
        cleanup_free char *sz = vz_xasprintf("%.*s", (int)n, p);
        int64_t bytes;
        if (vz_parse_size(sz, &bytes) < 0)
            return -1;
        *v = bytes < 0 ? -1 : bytes / sysconf(_SC_PAGESIZE);
        return 0;
    }
    return barlim_part(p, n, v);
}

int vz_parse_barlim_pages(const char *s, int64_t *pages)
{
    if (s == NULL)
        return -1;
    const char *colon = strchr(s, ':');
    int64_t barrier;
    if (colon && pages_part(s, (size_t)(colon - s), &barrier) < 0)
        return -1;
    const char *l = colon ? colon + 1 : s;
    return pages_part(l, strlen(l), pages);
}

int vz_ct_disabled(const struct vz_conf *c)
{
    const char *v = vz_conf_get(c, "DISABLED");
    return v && strcmp(v, "yes") == 0;
}

static int int_key(const struct vz_conf *c, const char *key, int *out, vz_error_t *err)
{
    const char *v = vz_conf_get(c, key);
    *out = -1;
    if (v == NULL || *v == '\0' || strcmp(v, "unlimited") == 0)
        return 0;
    char *end;
    long x = strtol(v, &end, 10);
    if (end == v || *end || x < 0 || x > 1000000)
        return vz_error_set(err, VZ_EBADARG, 0, "%s: %s=\"%s\" is not a number 0..1000000", c->path, key, v);
    *out = (int)x;
    return 0;
}

int vz_ct_limits_from_conf(const struct vz_conf *c, struct vz_cgroup_limits *l, vz_error_t *err)
{
    *l = (struct vz_cgroup_limits)VZ_CGROUP_LIMITS_NONE;
    const long page = sysconf(_SC_PAGESIZE);
    const char *v;
    if ((v = vz_conf_get(c, "PHYSPAGES")) && *v) {
        int64_t pages;
        if (vz_parse_barlim_pages(v, &pages) < 0)
            return vz_error_set(err, VZ_EBADARG, 0, "%s: PHYSPAGES=\"%s\": want PAGES or BARRIER:LIMIT "
                                "(pages, or sizes such as 0:256M)", c->path, v);
        l->ram = pages < 0 ? -1 : pages * page;
    } else if ((v = vz_conf_get(c, "RAM")) && *v) {
        if (vz_parse_size(v, &l->ram) < 0)
            return vz_error_set(err, VZ_EBADARG, 0, "%s: RAM=\"%s\": want a size such as 512M", c->path, v);
    }
    if ((v = vz_conf_get(c, "SWAPPAGES")) && *v) {
        int64_t pages;
        if (vz_parse_barlim_pages(v, &pages) < 0)
            return vz_error_set(err, VZ_EBADARG, 0, "%s: SWAPPAGES=\"%s\": want PAGES or BARRIER:LIMIT "
                                "(pages, or sizes such as 0:512M)", c->path, v);
        l->swap = pages < 0 ? -1 : pages * page;
    } else if ((v = vz_conf_get(c, "SWAP")) && *v) {
        if (vz_parse_size(v, &l->swap) < 0)
            return vz_error_set(err, VZ_EBADARG, 0, "%s: SWAP=\"%s\": want a size such as 256M", c->path, v);
    }
    if (int_key(c, "CPUS", &l->cpus, err) < 0 || int_key(c, "CPULIMIT", &l->cpulimit, err) < 0 ||
        int_key(c, "CPUUNITS", &l->cpuunits, err) < 0)
        return -1;
    if (l->cpus == 0)
        l->cpus = -1;
    if (l->cpulimit == 0)
        l->cpulimit = -1;
    if ((v = vz_conf_get(c, "NUMPROC")) && *v) {
        if (vz_parse_barlim(v, &l->numproc) < 0)
            return vz_error_set(err, VZ_EBADARG, 0, "%s: NUMPROC=\"%s\": want N or BARRIER:LIMIT", c->path, v);
    }
    return 0;
}

int vz_hostname_check(const char *h, vz_error_t *err)
{
    size_t n = h ? strlen(h) : 0;
    if (n == 0 || n > 253)
        return vz_error_set(err, VZ_EBADARG, 0, "hostname '%s': 1 to 253 characters", h ? h : "");
    size_t label = 0;
    for (const char *p = h; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '.') {
            if (label == 0 || p[-1] == '-')
                return vz_error_set(err, VZ_EBADARG, 0, "hostname '%s': empty label or label ending in '-'", h);
            label = 0;
            continue;
        }
        if (!(isascii(c) && (isalnum(c) || c == '-')) || (label == 0 && c == '-'))
            return vz_error_set(err, VZ_EBADARG, 0,
                                "hostname '%s': only letters, digits, '-' (not first) and '.' are allowed", h);
        if (++label > 63)
            return vz_error_set(err, VZ_EBADARG, 0, "hostname '%s': a label is longer than 63", h);
    }
    if (h[n - 1] == '-')
        return vz_error_set(err, VZ_EBADARG, 0, "hostname '%s' ends in '-'", h);
    return 0;
}

int vz_ct_secure_parent(const char *path, vz_error_t *err)
{
    cleanup_free char *dir = vz_xstrdup(path);
    char *slash = strrchr(dir, '/');
    if (slash == NULL || slash == dir)
        return vz_error_set(err, VZ_EBADARG, 0, "%s: a container's directory needs a parent other than /", path);
    *slash = '\0';
    if (vz_mkdir_p(dir, 0700, err) < 0)
        return -1;
    struct stat st;
    if (stat(dir, &st) < 0)
        return vz_error_sys(err, "stat %s", dir);
    if (st.st_uid != 0 && st.st_uid != geteuid())
        return vz_error_set(err, VZ_EPERM, 0,
                            "%s belongs to uid %u: containers' directories must live in a directory only root "
                            "can open (chown root %s, chmod 0700 %s)",
                            dir, (unsigned)st.st_uid, dir, dir);
    if ((st.st_mode & 07777) != 0700) {
        if (chmod(dir, 0700) < 0)
            return vz_error_sys(err, "chmod 0700 %s", dir);
        if (st.st_mode & 0077)
            vz_info("%s was mode %04o: made it 0700 so that no host user can reach a container's files", dir,
                    (unsigned)(st.st_mode & 07777));
    }
    return 0;
}
