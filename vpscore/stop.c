/* vpscore/stop.c: vz_ct_stop() (vpscore/runtime.h).
 *
 * Killing a pid namespace's init kills every process in the namespace
 * before init is gone (the kernel does it), so "kill init, wait for it"
 * is a complete stop; the cgroup kill afterwards only catches what left the
 * namespace but stayed in the cgroup. A clean stop first asks init with the
 * signal its kind understands as "power off":
 *   vzforge's tiny init  SIGTERM
 *   systemd              SIGRTMIN+4 (poweroff.target)
 *   busybox init         SIGUSR2 (poweroff)
 *   anything else        SIGTERM (sysvinit ignores it; STOP_TIMEOUT then applies)
 */
#include "vpscore/cgroup.h"
#include "vpscore/mount.h"
#include "vpscore/net.h"
#include "vpscore/runtime.h"
#include "vpscore/runtime-internal.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int shutdown_signal(pid_t pid)
{
    char path[64], buf[256];
    snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
    FILE *f = fopen(path, "re");
    if (f) {
        int is_vzinit = fgets(buf, sizeof(buf), f) && strcmp(buf, "vzinit\n") == 0;
        fclose(f);
        if (is_vzinit)
            return SIGTERM;
    }
    snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
    ssize_t n = readlink(path, buf, sizeof(buf) - 1);
    if (n > 0) {
        buf[n] = '\0';
        const char *base = strrchr(buf, '/');
        base = base ? base + 1 : buf;
        if (strncmp(base, "systemd", 7) == 0)
            return SIGRTMIN + 4;
        if (strncmp(base, "busybox", 7) == 0)
            return SIGUSR2;
    }
    return SIGTERM;
}

static int stop_timeout(const struct vz_conf *c)
{
    const char *v = vz_conf_get(c, "STOP_TIMEOUT");
    if (!v)
        v = vz_conf_get(vz_global_conf(), "STOP_TIMEOUT");
    int t = v ? atoi(v) : 60;
    return t > 0 ? t : 60;
}

size_t vz_rt_cgroup_procs(const char *ctid)
{
    struct vz_cgroup *cg = NULL;
    vz_error_t e = NULL;
    if (vz_cgroup_open(ctid, &cg, &e) < 0) {
        vz_error_release(&e);
        return 0;
    }
    pid_t *pids = NULL;
    size_t n = 0;
    if (vz_cgroup_pids(cg, &pids, &n, &e) < 0) {
        vz_error_release(&e);
        n = 0;
    }
    free(pids);
    vz_cgroup_free(cg);
    return n;
}

int vz_rt_cgroup_exists(const char *ctid)
{
    struct vz_cgroup *cg = NULL;
    vz_error_t e = NULL;
    if (vz_cgroup_open(ctid, &cg, &e) < 0) {
        vz_error_release(&e);
        return 0;
    }
    int r = vz_cgroup_exists(cg);
    vz_cgroup_free(cg);
    return r;
}

/* Everything a started container holds on the host once its init is gone:
 * its other processes (every hierarchy, every nested group: also what never
 * was in the pid namespace, or an init nobody recorded), cgroups, veth, the
 * root mount, the pid file. */
int vz_rt_release(const struct vz_ct *ct, vz_error_t *err)
{
    cleanup_free char *pidfile = vz_ct_pid_path(ct->ctid);
    struct vz_cgroup *cg = NULL;
    if (vz_cgroup_open(ct->ctid, &cg, err) < 0)
        return -1;
    /* Usually empty by now (everything was in the pid namespace): then skip
     * the freeze/kill/thaw round of vz_cgroup_kill. */
    pid_t *left = NULL;
    size_t nleft = 1;
    if (vz_cgroup_pids(cg, &left, &nleft, err) < 0) {
        vz_error_release(err);
        nleft = 1;
    }
    free(left);
    if ((nleft > 0 && vz_cgroup_kill(cg, err) < 0) || vz_cgroup_remove(cg, err) < 0) {
        vz_cgroup_free(cg);
        return vz_error_restatus(err, VZ_ESTOP);
    }
    vz_cgroup_free(cg);
    /* The kernel deletes the pair with the namespace, asynchronously: a
     * veth that vanished between the check and the removal is fine. */
    if (vz_net_exists(ct->ctid) && vz_net_teardown(ct->ctid, err) < 0) {
        if (vz_net_exists(ct->ctid))
            return -1;
        vz_error_release(err);
    }
    if (vz_ct_umount_root(ct, err) < 0)
        return -1;
    if (unlink(pidfile) < 0 && errno != ENOENT)
        return vz_error_sys(err, "remove %s", pidfile);
    cleanup_free char *tmp = vz_ct_pid_tmp_path(ct->ctid);
    unlink(tmp); /* what a start killed while writing the pid file left */
    return 0;
}

/* max_wait_s < 0: the container's STOP_TIMEOUT; 0: kill at once. */
static int stop_ct(const char *ctid, int max_wait_s, vz_error_t *err)
{
    struct vz_ct ct;
    cleanup_close int lockfd = -1;
    if (vz_ct_open_locked(ctid, &ct, &lockfd, err) < 0)
        return -1;
    int rc = -1;
    pid_t pid = 0;
    cleanup_free char *pidfile = vz_ct_pid_path(ctid);
    if (!vz_ct_init_pid(ctid, &pid)) {
        /* No init named by a pid file, but processes in the container's
         * cgroup: a start killed between "go" and writing the pid file left
         * an init nobody tracks. It runs: kill everything and release. */
        size_t untracked = vz_rt_cgroup_procs(ctid);
        if (untracked > 0) {
            vz_warn("container %s: no pid file, but %zu processes in its cgroup; killing them", ctid, untracked);
            if (vz_rt_release(&ct, err) < 0)
                goto out;
            rc = 0;
            goto out;
        }
        /* A pid file (or a cgroup) without its init: the container died on
         * its own, or its start did. Release what it left on the host, and
         * still say it was not running. */
        if ((vz_file_exists(pidfile) || vz_rt_cgroup_exists(ctid)) && vz_rt_release(&ct, err) < 0) {
            vz_error_wrap(err, "container %s is not running; releasing what it left", ctid);
            goto out;
        }
        vz_error_set(err, VZ_ENOTRUNNING, 0, "container %s is not running", ctid);
        goto out;
    }
    int gone = 0;
    if (max_wait_s != 0) {
        int t = stop_timeout(&ct.conf);
        if (max_wait_s > 0 && max_wait_s < t)
            t = max_wait_s;
        vz_debug("container %s: waiting up to %d s for init to exit", ctid, t);
        if (kill(pid, shutdown_signal(pid)) == 0 || errno == ESRCH)
            gone = vz_rt_wait_gone(pid, t * 1000) == 0;
    }
    if (!gone) {
        if (kill(pid, SIGKILL) < 0 && errno != ESRCH) {
            vz_error_set(err, VZ_ESTOP, errno, "container %s: kill its init (pid %d)", ctid, (int)pid);
            goto out;
        }
        if (vz_rt_wait_gone(pid, 30000) < 0) {
            vz_error_set(err, VZ_ESTOP, 0, "container %s: its init (pid %d) did not exit after SIGKILL", ctid,
                         (int)pid);
            goto out;
        }
    }
    if (vz_rt_release(&ct, err) < 0)
        goto out;
    rc = 0;
out:
    vz_ct_release(&ct);
    return rc;
}

int vz_ct_stop(const char *ctid, int fast, vz_error_t *err)
{
    return stop_ct(ctid, fast ? 0 : -1, err);
}

int vz_ct_stop_within(const char *ctid, int max_wait_s, vz_error_t *err)
{
    return stop_ct(ctid, max_wait_s < 0 ? 0 : max_wait_s, err);
}
