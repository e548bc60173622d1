/* tests/lib/reaper.c: vzt_mkroot, vzt_reap_stale and the PRE_ALL hook
 * that calls it (reaper.h). */
#include "tests/lib/reaper.h"

#include <criterion/criterion.h>
#include <criterion/hooks.h>
#include <dirent.h>
#include <errno.h>
#include <glob.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/common.h"
#include "vpscore/ns.h"

#define OWNER ".vzt-owner"

char *vzt_mkroot(char *tmpl)
{
    if (mkdtemp(tmpl) == NULL)
        return NULL;
    cleanup_free char *path = vz_path_join(tmpl, OWNER);
    cleanup_free char *rec = vz_xasprintf("%d %llu\n", (int)getpid(), vz_proc_starttime(getpid()));
    vz_error_t err = NULL;
    if (vz_atomic_write(path, rec, strlen(rec), 0644, &err) < 0) {
        fprintf(stderr, "vzt_mkroot: %s\n", err->msg);
        vz_error_release(&err);
    }
    return tmpl;
}

/* True when dir has an owner record whose process is gone. */
static int orphaned(const char *dir)
{
    cleanup_free char *path = vz_path_join(dir, OWNER);
    cleanup_free char *rec = NULL;
    vz_error_t err = NULL;
    if (vz_read_file(path, &rec, NULL, &err) < 0) {
        vz_error_release(&err);
        return 0;
    }
    int pid = 0;
    unsigned long long t = 0;
    if (sscanf(rec, "%d %llu", &pid, &t) != 2 || pid <= 0)
        return 0;
    if (kill(pid, 0) < 0 && errno == ESRCH)
        return 1;
    unsigned long long now = vz_proc_starttime(pid);
    return now != 0 && t != 0 && now != t;
}

/* $VZ_BUILD/bin/vzctl, else the one beside this binary (build/tests/..). */
static char *vzctl_path(void)
{
    const char *b = getenv("VZ_BUILD");
    if (b && *b)
        return vz_xasprintf("%s/bin/vzctl", b);
    cleanup_free char *self = vz_self_dir();
    return self ? vz_xasprintf("%s/../bin/vzctl", self) : NULL;
}

/* vzctl -q ARGS with VZ_ROOT=root, output dropped; its exit status. */
static int vzctl(const char *bin, const char *root, const char *a1, const char *a2, const char *a3)
{
    char **env = NULL;
    for (char **e = environ; *e; e++)
        if (strncmp(*e, "VZ_ROOT=", 8) != 0)
            vz_strv_push(&env, *e);
    char *rootvar = vz_xasprintf("VZ_ROOT=%s", root);
    vz_strv_push(&env, rootvar);
    free(rootvar);
    char *argv[] = { (char *)bin, "-q", (char *)a1, (char *)a2, (char *)a3, NULL };
    struct vz_run_opts o = { .env = env, .quiet = 1 };
    int st = -1;
    vz_error_t err = NULL;
    if (vz_run(argv, &o, &st, &err) < 0)
        vz_error_release(&err);
    vz_strv_free(env);
    return st;
}

/* Kill what is left in the cgroup tree at path and remove it, deepest
 * first; 0 when it is gone. */
static int remove_cgroup(const char *path)
{
    DIR *d = opendir(path);
    if (d == NULL)
        return errno == ENOENT ? 0 : -1;
    int rc = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (de->d_type != DT_DIR || !strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        cleanup_free char *sub = vz_path_join(path, de->d_name);
        if (remove_cgroup(sub) < 0)
            rc = -1;
    }
    closedir(d);
    for (int tries = 0; tries < 50; tries++) {
        if (rmdir(path) == 0 || errno == ENOENT)
            return rc;
        if (errno != EBUSY)
            return -1;
        cleanup_free char *procs = vz_path_join(path, "cgroup.procs");
        cleanup_free char *list = NULL;
        vz_error_t err = NULL;
        if (vz_read_file(procs, &list, NULL, &err) < 0) {
            vz_error_release(&err);
            return -1;
        }
        for (char *p = list, *end; *p; p = end) {
            long pid = strtol(p, &end, 10);
            if (end == p)
                break;
            if (pid > 1)
                kill((pid_t)pid, SIGKILL);
        }
        usleep(20000);
    }
    return -1;
}

/* Every cgroup tree named base, in the v2 hierarchy and under each v1
 * controller; 0 when all are gone. */
static int remove_cgroups(const char *base)
{
    int rc = 0;
    cleanup_free char *v2 = vz_xasprintf("/sys/fs/cgroup/%s", base);
    if (remove_cgroup(v2) < 0)
        rc = -1;
    cleanup_free char *pat = vz_xasprintf("/sys/fs/cgroup/*/%s", base);
    glob_t g;
    if (glob(pat, GLOB_ONLYDIR, NULL, &g) == 0) {
        for (size_t i = 0; i < g.gl_pathc; i++)
            if (remove_cgroup(g.gl_pathv[i]) < 0)
                rc = -1;
        globfree(&g);
    }
    return rc;
}

/* Detach every mount at or below dir in this mount namespace. */
static void umount_below(const char *dir)
{
    cleanup_free char *mi = NULL;
    vz_error_t err = NULL;
    if (vz_read_file("/proc/self/mountinfo", &mi, NULL, &err) < 0) {
        vz_error_release(&err);
        return;
    }
    size_t len = strlen(dir);
    for (char *line = mi, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        char mp[4096];
        if (sscanf(line, "%*s %*s %*s %*s %4095s", mp) != 1)
            continue;
        if (strncmp(mp, dir, len) == 0 && (mp[len] == '/' || mp[len] == '\0'))
            umount2(mp, MNT_DETACH);
    }
}

static int reap_one(const char *dir, const char *bin)
{
    struct stat st;
    if (stat(dir, &st) < 0)
        return 0;
    cleanup_free char *pat = vz_xasprintf("%s/etc/vz/conf/*.conf", dir);
    glob_t g;
    if (bin && glob(pat, 0, NULL, &g) == 0) {
        for (size_t i = 0; i < g.gl_pathc; i++) {
            cleanup_free char *ct = vz_xstrdup(strrchr(g.gl_pathv[i], '/') + 1);
            ct[strlen(ct) - 5] = '\0';
            vzctl(bin, dir, "stop", ct, "--fast");
            vzctl(bin, dir, "umount", ct, NULL);
        }
        globfree(&g);
    }
    cleanup_free char *base = vz_xasprintf("vzforge-%llx-%llx", (unsigned long long)st.st_dev,
                                           (unsigned long long)st.st_ino);
    if (remove_cgroups(base) < 0) {
        fprintf(stderr, "vzt-reap: %s: cannot remove its cgroups (%s): left as it is\n", dir, base);
        return 0;
    }
    umount_below(dir);
    vz_error_t err = NULL;
    if (vz_rm_rf(dir, &err) < 0) {
        fprintf(stderr, "vzt-reap: %s\n", err->msg);
        vz_error_release(&err);
        return 0;
    }
    fprintf(stderr, "vzt-reap: removed %s, left by a test run that is gone\n", dir);
    return 1;
}

int vzt_reap_stale(void)
{
    glob_t g;
    if (glob("/tmp/vzt-*/" OWNER, 0, NULL, &g) != 0)
        return 0;
    cleanup_free char *bin = vzctl_path();
    if (bin && access(bin, X_OK) < 0) {
        free(bin);
        bin = NULL;
    }
    int n = 0;
    for (size_t i = 0; i < g.gl_pathc; i++) {
        cleanup_free char *dir = vz_xstrdup(g.gl_pathv[i]);
        *strrchr(dir, '/') = '\0';
        if (orphaned(dir))
            n += reap_one(dir, bin);
    }
    globfree(&g);
    return n;
}

ReportHook(PRE_ALL)(struct criterion_test_set *set)
{
    (void)set;
    vzt_reap_stale();
}
