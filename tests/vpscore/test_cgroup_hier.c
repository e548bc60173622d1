/* A container's group in every cgroup hierarchy this host mounts (v1
 * controllers, name=systemd, the hybrid cgroup2 "unified" one), cpuset
 * filled so a task can join, and delegation (vz_cgroup_delegate) that gives
 * the container's root its systemd group and nothing that holds a limit. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/common.h"
#include "vpscore/cgroup.h"

static struct vz_cgroup *current;

static void teardown(void)
{
    if (current) {
        vz_error_t err = NULL;
        vz_cgroup_kill(current, &err);
        vz_error_release(&err);
        vz_cgroup_remove(current, &err);
        vz_error_release(&err);
        vz_cgroup_free(current);
        current = NULL;
    }
}

TestSuite(cgroup_hier, .fini = teardown);

static struct vz_cgroup *make(const char *tag)
{
    cr_assert(vz_is_dir("/sys/fs/cgroup/cpuset") && vz_is_dir("/sys/fs/cgroup/devices"),
              "this test wants the cgroup v1 host these machines are");
    char id[64];
    snprintf(id, sizeof(id), "vzt-%s-%d", tag, (int)getpid());
    vz_error_t err = NULL;
    cr_assert_eq(vz_cgroup_open_at("/sys/fs/cgroup", 1, id, &current, &err), 0, "%s", err ? err->msg : "");
    cr_assert_eq(vz_cgroup_create(current, &err), 0, "%s", err ? err->msg : "");
    return current;
}

static pid_t sleeper(struct vz_cgroup *cg)
{
    pid_t c = fork();
    cr_assert_geq(c, 0);
    if (c == 0) {
        for (;;)
            pause();
    }
    vz_error_t err = NULL;
    cr_assert_eq(vz_cgroup_enter(cg, c, &err), 0, "%s", err ? err->msg : "");
    return c;
}

/* /proc/PID/cgroup: one line per hierarchy, "ID:CTRLS:PATH"; none may be
 * the host's root group, every one must end in the container's group. */
Test(cgroup_hier, process_is_in_its_own_group_in_every_hierarchy)
{
    struct vz_cgroup *cg = make("all");
    pid_t c = sleeper(cg);
    char path[64], line[1024];
    snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)c);
    FILE *f = fopen(path, "re");
    cr_assert_not_null(f);
    char *mem = vz_cgroup_path(cg, "memory");
    const char *name = strstr(mem, "/vzforge");
    cr_assert_not_null(name, "%s", mem);
    int lines = 0, named = 0, cpuset = 0, devices = 0, blkio = 0, unified = 0;
    while (fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\n")] = '\0';
        const char *ctrls = strchr(line, ':') + 1;
        const char *where = strchr(ctrls, ':') + 1;
        cr_expect_str_eq(where, name, "hierarchy '%s': the process is in %s", line, where);
        named += strncmp(ctrls, "name=systemd:", 13) == 0;
        cpuset += strncmp(ctrls, "cpuset:", 7) == 0;
        devices += strncmp(ctrls, "devices:", 8) == 0;
        blkio += strncmp(ctrls, "blkio:", 6) == 0;
        unified += strncmp(ctrls, ":", 1) == 0;
        lines++;
    }
    fclose(f);
    cr_assert_gt(lines, 5);
    cr_assert_eq(named + cpuset + devices + blkio, 4, "a hierarchy is missing from %s", path);
    cr_assert_eq(unified, vz_file_exists("/sys/fs/cgroup/unified/cgroup.procs") ? 1 : 0);
    /* cpuset: the group was filled from its parent (or the write failed) */
    char *cs = vz_cgroup_path(cg, "cpuset");
    char *cpus = NULL;
    vz_error_t err = NULL;
    char *file = vz_path_join(cs, "cpuset.cpus");
    cr_assert_eq(vz_read_file(file, &cpus, NULL, &err), 0);
    cr_assert_gt(strlen(cpus), 1, "cpuset.cpus is empty");
    free(cpus), free(file), free(cs), free(mem);
    /* kill finds it through any hierarchy, remove takes every group */
    cr_assert_eq(vz_cgroup_kill(cg, &err), 0, "%s", err ? err->msg : "");
    int st;
    cr_assert_eq(waitpid(c, &st, 0), c);
    cr_assert_eq(vz_cgroup_remove(cg, &err), 0, "%s", err ? err->msg : "");
    cr_assert_not(vz_cgroup_exists(cg));
}

/* A process that sits in a nested group of one hierarchy only (as the
 * container's systemd puts its services in name=systemd) is found, killed,
 * and its group removed. */
Test(cgroup_hier, nested_group_in_one_hierarchy_is_killed_and_removed)
{
    struct vz_cgroup *cg = make("nest");
    pid_t c = sleeper(cg);
    char *sd = vz_cgroup_path(cg, "systemd");
    char *sub = vz_path_join(sd, "system.slice/x.service");
    vz_error_t err = NULL;
    cr_assert_eq(vz_mkdir_p(sub, 0755, &err), 0, "%s", err ? err->msg : "");
    char v[32];
    snprintf(v, sizeof(v), "%d", (int)c);
    char *procs = vz_path_join(sub, "cgroup.procs");
    FILE *f = fopen(procs, "we");
    cr_assert_not_null(f);
    fputs(v, f);
    cr_assert_eq(fclose(f), 0);
    /* gone from the memory group? no: only moved in name=systemd */
    pid_t *pids = NULL;
    size_t n = 0;
    cr_assert_eq(vz_cgroup_pids(cg, &pids, &n, &err), 0);
    cr_assert_eq(n, 1, "one process, listed once (got %zu)", n);
    free(pids);
    cr_assert_eq(vz_cgroup_kill(cg, &err), 0, "%s", err ? err->msg : "");
    int st;
    cr_assert_eq(waitpid(c, &st, 0), c);
    cr_assert_eq(vz_cgroup_remove(cg, &err), 0, "%s", err ? err->msg : "");
    cr_assert_not(vz_is_dir(sd), "%s left behind", sd);
    free(sd), free(sub), free(procs);
}
