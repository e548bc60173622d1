/* vpscore/cgroup-hier.c: which cgroup v1 hierarchies a container needs a
 * group in (cgroup-internal.h, vz_cg_hierarchies).
 *
 * Every hierarchy mounted directly below the root counts, not a fixed list
 * of controllers: a container left in the host's root group of any one of
 * them (cpuset, blkio, devices, name=systemd, ...) can write that root
 * group's files once it mounts the hierarchy itself. Co-mounted controllers
 * ("cpu,cpuacct") are one mount, so one group; the symlinks "cpu" and
 * "cpuacct" that distributions add next to it are not mounts and are not
 * listed. A cgroup2 mount below a v1 root (the hybrid "unified" hierarchy)
 * is listed too: the container gets a group there as well, so that a cgroup2
 * mount made inside shows nothing above it. */
#include "vpscore/cgroup-internal.h"

#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

/* Keep the controller names and name=X of a cgroup v1 super block's
 * options ("rw,memory" -> "memory", "rw,xattr,name=systemd" ->
 * "none,name=systemd"): the options a mount of the same hierarchy takes. */
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

static int has_ctrl(const char *ctrls, const char *want)
{
    size_t n = strlen(want);
    for (const char *s = ctrls; (s = strstr(s, want)) != NULL; s += n)
        if ((s == ctrls || s[-1] == ',') && (s[n] == '\0' || s[n] == ','))
            return 1;
    return 0;
}

static unsigned kind_of(const char *ctrls, int v2)
{
    if (v2)
        return VZ_CGH_UNIFIED;
    unsigned k = 0;
    if (has_ctrl(ctrls, "cpuset"))
        k |= VZ_CGH_CPUSET;
    if (has_ctrl(ctrls, "devices"))
        k |= VZ_CGH_DEVICES;
    if (has_ctrl(ctrls, "freezer"))
        k |= VZ_CGH_FREEZER;
    if (has_ctrl(ctrls, "name=systemd"))
        k |= VZ_CGH_SYSTEMD;
    return k;
}

static void add(struct vz_cg_hier **list, size_t *n, const char *root, const char *name,
                const char *ctrls, int v2)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp((*list)[i].name, name) == 0)
            return; /* mounted twice on one point: the same hierarchy */
    *list = vz_xrealloc(*list, (*n + 1) * sizeof(**list));
    struct vz_cg_hier *h = &(*list)[(*n)++];
    h->name = vz_xstrdup(name);
    h->dir = vz_path_join(root, name);
    h->ctrls = vz_xstrdup(ctrls);
    h->kind = kind_of(ctrls, v2);
}

/* The mounts directly below root, from mountinfo. */
static int from_mountinfo(const char *root, struct vz_cg_hier **list, size_t *n)
{
    cleanup_file FILE *f = fopen("/proc/self/mountinfo", "re");
    if (!f)
        return -1;
    size_t rlen = strlen(root);
    while (rlen > 1 && root[rlen - 1] == '/')
        rlen--;
    char line[4096];
    while (fgets(line, sizeof(line), f)) {
        /* id parent maj:min root mountpoint opts ... - fstype source super */
        char mp[PATH_MAX], fstype[32], super[512];
        const char *dash = strstr(line, " - ");
        if (!dash || sscanf(line, "%*s %*s %*s %*s %4095s", mp) != 1 ||
            sscanf(dash + 3, "%31s %*s %511s", fstype, super) != 2)
            continue;
        int v2 = strcmp(fstype, "cgroup2") == 0;
        if ((!v2 && strcmp(fstype, "cgroup") != 0) || strncmp(mp, root, rlen) != 0 || mp[rlen] != '/' ||
            mp[rlen + 1] == '\0' || strchr(mp + rlen + 1, '/'))
            continue;
        char ctrls[256] = "";
        if (!v2)
            controllers_of(super, ctrls, sizeof(ctrls));
        if (v2 || ctrls[0])
            add(list, n, root, mp + rlen + 1, ctrls, v2);
    }
    return 0;
}

/* A fake tree ($VZ_CGROUP_ROOT in tests): every real directory is a
 * hierarchy whose name says its controllers ("systemd" is name=systemd). */
static void from_directories(const char *root, struct vz_cg_hier **list, size_t *n)
{
    cleanup_dir DIR *d = opendir(root);
    struct dirent *de;
    while (d && (de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        cleanup_free char *p = vz_path_join(root, de->d_name);
        struct stat st;
        if (lstat(p, &st) < 0 || !S_ISDIR(st.st_mode))
            continue;
        if (strcmp(de->d_name, "systemd") == 0)
            add(list, n, root, de->d_name, "none,name=systemd", 0);
        else
            add(list, n, root, de->d_name, de->d_name, strcmp(de->d_name, "unified") == 0);
    }
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const struct vz_cg_hier *)a)->name, ((const struct vz_cg_hier *)b)->name);
}

int vz_cg_hierarchies(const char *root, struct vz_cg_hier **list, size_t *n)
{
    *list = NULL;
    *n = 0;
    if (from_mountinfo(root, list, n) < 0)
        return -1;
    if (*n == 0)
        from_directories(root, list, n);
    if (*n > 1) /* a stable order: enter and kill walk them the same way every time */
        qsort(*list, *n, sizeof(**list), by_name);
    return 0;
}

void vz_cg_hierarchies_free(struct vz_cg_hier *list, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(list[i].name);
        free(list[i].dir);
        free(list[i].ctrls);
    }
    free(list);
}
