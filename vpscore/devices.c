/* vpscore/devices.c: the device policy (vpscore/devices.h): the default
 * allow-list and OpenVZ's --devnodes. */
#include "vpscore/devices.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

static const struct vz_dev_rule default_rules[] = {
    { 'c', 1, 3, VZ_DEV_RWM },   /* null (and the container's /dev/console) */
    { 'c', 1, 5, VZ_DEV_RWM },   /* zero */
    { 'c', 1, 7, VZ_DEV_RWM },   /* full */
    { 'c', 1, 8, VZ_DEV_RWM },   /* random */
    { 'c', 1, 9, VZ_DEV_RWM },   /* urandom */
    { 'c', 5, 0, VZ_DEV_RWM },   /* tty: the caller's controlling terminal */
    { 'c', 5, 2, VZ_DEV_RWM },   /* ptmx of the container's own devpts */
    { 'c', 136, VZ_DEV_ANY, VZ_DEV_RWM }, /* its ptys */
    { 'c', 10, 229, VZ_DEV_RWM }, /* fuse: FUSE mounts are allowed in a user namespace */
    { 'c', 10, 200, VZ_DEV_RWM }, /* net/tun: a tun device lives in the container's netns */
};

/* bound from the host when the container's /dev is made */
static const char *const default_nodes[] = { "null", "zero", "full", "random", "urandom", "tty", "fuse",
                                             "net/tun" };

static int find_rule(const struct vz_devices *d, char type, int major, int minor)
{
    for (size_t i = 0; i < d->nrules; i++)
        if (d->rules[i].type == type && d->rules[i].major == major && d->rules[i].minor == minor)
            return (int)i;
    return -1;
}

static int find_node(const struct vz_devices *d, const char *path)
{
    for (size_t i = 0; i < d->nnodes; i++)
        if (strcmp(d->nodes[i].path, path) == 0)
            return (int)i;
    return -1;
}

/* the host's node, or 0 when it is not a device node */
static int host_node(const char *path, struct vz_dev_node *n)
{
    struct stat st;
    memset(n, 0, sizeof(*n));
    snprintf(n->path, sizeof(n->path), "%s", path);
    snprintf(n->host_path, sizeof(n->host_path), "/dev/%s", path);
    if (stat(n->host_path, &st) < 0 || !(S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)))
        return 0;
    n->type = S_ISCHR(st.st_mode) ? 'c' : 'b';
    n->major = major(st.st_rdev);
    n->minor = minor(st.st_rdev);
    return 1;
}

void vz_devices_default(struct vz_devices *d)
{
    memset(d, 0, sizeof(*d));
    memcpy(d->rules, default_rules, sizeof(default_rules));
    d->nrules = VZ_ARRAY_SIZE(default_rules);
    for (size_t i = 0; i < VZ_ARRAY_SIZE(default_nodes); i++) {
        struct vz_dev_node n;
        if (!host_node(default_nodes[i], &n))
            continue;
        n.access = VZ_DEV_R | VZ_DEV_W;
        d->nodes[d->nnodes++] = n;
    }
}

/* A path below /dev, as vzctl(8) takes it: no "..", no leading '/'. */
static int dev_name_ok(const char *s, size_t len)
{
    if (len == 0 || len >= 64 || s[0] == '/' || s[len - 1] == '/')
        return 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
              c == '-' || c == '.' || c == '/' || c == ':'))
            return 0;
        if (c == '.' && (i == 0 || s[i - 1] == '/') && (i + 1 == len || s[i + 1] == '/' || s[i + 1] == '.'))
            return 0; /* "." or ".." as a component */
    }
    return 1;
}

int vz_devices_add(struct vz_devices *d, const char *spec, vz_error_t *err)
{
    const char *colon = strrchr(spec, ':');
    if (colon == NULL)
        return vz_error_set(err, VZ_EBADARG, 0, "--devnodes %s: want DEV:r|w|rw|none (DEV below /dev, "
                            "such as net/tun or fuse)", spec);
    const char *perm = colon + 1;
    unsigned access;
    if (strcmp(perm, "r") == 0)
        access = VZ_DEV_R;
    else if (strcmp(perm, "w") == 0)
        access = VZ_DEV_W;
    else if (strcmp(perm, "rw") == 0)
        access = VZ_DEV_R | VZ_DEV_W;
    else if (strcmp(perm, "none") == 0)
        access = 0;
    else
        return vz_error_set(err, VZ_EBADARG, 0, "--devnodes %s: access '%s' is not r, w, rw or none", spec, perm);
    size_t len = (size_t)(colon - spec);
    char name[64];
    if (!dev_name_ok(spec, len))
        return vz_error_set(err, VZ_EBADARG, 0, "--devnodes %s: '%.*s' is not a path below /dev", spec,
                            (int)(len < 200 ? len : 200), spec);
    snprintf(name, sizeof(name), "%.*s", (int)len, spec);
    struct vz_dev_node n;
    if (!host_node(name, &n))
        return vz_error_set(err, VZ_EBADARG, errno, "--devnodes %s: /dev/%s on the host is missing or not a "
                            "device node", spec, name);
    int r = find_rule(d, n.type, (int)n.major, (int)n.minor);
    int k = find_node(d, name);
    if (access == 0) { /* revoke: the rule and the node */
        if (r >= 0)
            d->rules[r] = d->rules[--d->nrules];
        if (k >= 0)
            d->nodes[k] = d->nodes[--d->nnodes];
        return 0;
    }
    if ((r < 0 && d->nrules == VZ_DEV_MAX) || (k < 0 && d->nnodes == VZ_DEV_MAX))
        return vz_error_set(err, VZ_EBADARG, 0, "--devnodes %s: more than %d devices", spec, VZ_DEV_MAX);
    /* no mknod: the node is bound from the host, never made inside */
    struct vz_dev_rule rule = { n.type, (int)n.major, (int)n.minor, access };
    if (r >= 0)
        d->rules[r] = rule;
    else
        d->rules[d->nrules++] = rule;
    n.access = access;
    n.from_devnodes = 1;
    if (k >= 0)
        d->nodes[k] = n;
    else
        d->nodes[d->nnodes++] = n;
    return 0;
}

/* The node below /dev whose type and number are (type, rdev), found by
 * walking /dev (not its pts, shm, mqueue, hugepages): "net/tun". */
static char *find_node_by_number(const char *dir, char type, dev_t rdev, int depth)
{
    DIR *d = opendir(dir);
    if (!d)
        return NULL;
    char *found = NULL;
    struct dirent *e;
    while (!found && (e = readdir(d))) {
        if (e->d_name[0] == '.' || (depth == 0 && (!strcmp(e->d_name, "pts") || !strcmp(e->d_name, "shm") ||
                                                   !strcmp(e->d_name, "mqueue") || !strcmp(e->d_name, "hugepages"))))
            continue;
        cleanup_free char *p = vz_path_join(dir, e->d_name);
        struct stat st;
        if (lstat(p, &st) < 0)
            continue;
        if (S_ISDIR(st.st_mode) && depth < 3)
            found = find_node_by_number(p, type, rdev, depth + 1);
        else if (((type == 'c' && S_ISCHR(st.st_mode)) || (type == 'b' && S_ISBLK(st.st_mode))) && st.st_rdev == rdev)
            found = vz_xstrdup(p + strlen("/dev/"));
    }
    closedir(d);
    return found;
}

int vz_devices_add_number(struct vz_devices *d, const char *spec, vz_error_t *err)
{
    char type = 0, perm[8] = "", tail;
    unsigned maj = 0, min = 0;
    if (strncmp(spec, "all:", 4) == 0 || strstr(spec, ":*"))
        return vz_error_set(err, VZ_EBADARG, 0, "--devices %s: not every device: name each one (a container with "
                            "the host's disks is the host's)", spec);
    if (sscanf(spec, "%c:%u:%u:%7[a-z]%c", &type, &maj, &min, perm, &tail) != 4 || (type != 'c' && type != 'b'))
        return vz_error_set(err, VZ_EBADARG, 0, "--devices %s: want c|b:MAJOR:MINOR:r|w|rw|none", spec);
    cleanup_free char *name = find_node_by_number("/dev", type, makedev(maj, min), 0);
    if (!name)
        return vz_error_set(err, VZ_EBADARG, 0, "--devices %s: the host has no such device below /dev (the "
                            "container gets the host's node: it cannot make one)", spec);
    cleanup_free char *as = vz_xasprintf("%s:%s", name, perm);
    if (vz_devices_add(d, as, err) < 0)
        return vz_error_wrap(err, "--devices %s", spec);
    return 0;
}

char *vz_devnodes_merge(const char *devnodes, const char *spec)
{
    size_t dev_len = (size_t)(strrchr(spec, ':') - spec) + 1; /* "DEV:" */
    struct vz_buf b = VZ_BUF_INIT;
    vz_buf_init(&b);
    cleanup_free char *copy = vz_xstrdup(devnodes ? devnodes : "");
    char *save = NULL;
    for (char *t = strtok_r(copy, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
        const char *colon = strrchr(t, ':');
        if (colon && (size_t)(colon - t) + 1 == dev_len && strncmp(t, spec, dev_len) == 0)
            continue;
        vz_buf_addf(&b, "%s%s", b.len ? " " : "", t);
    }
    vz_buf_addf(&b, "%s%s", b.len ? " " : "", spec);
    return vz_buf_detach(&b, NULL);
}

char *vz_dev_rule_str(const struct vz_dev_rule *r, char *buf, size_t size)
{
    char maj[16], min[16], acc[4];
    size_t a = 0;
    if (r->major == VZ_DEV_ANY)
        snprintf(maj, sizeof(maj), "*");
    else
        snprintf(maj, sizeof(maj), "%d", r->major);
    if (r->minor == VZ_DEV_ANY)
        snprintf(min, sizeof(min), "*");
    else
        snprintf(min, sizeof(min), "%d", r->minor);
    if (r->access & VZ_DEV_R)
        acc[a++] = 'r';
    if (r->access & VZ_DEV_W)
        acc[a++] = 'w';
    if (r->access & VZ_DEV_M)
        acc[a++] = 'm';
    acc[a] = '\0';
    snprintf(buf, size, "%c %s:%s %s", r->type, maj, min, acc);
    return buf;
}
