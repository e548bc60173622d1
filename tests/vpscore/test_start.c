/* Container runtime: start/stop/status/exec/mount on a busybox container
 * (plain layout: VE_PRIVATE is a busybox root). Real cgroups (v1 or v2 as
 * the host has them, group vzforge/<unique CTID>); every test runs in a
 * network namespace it creates first. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/common.h"
#include "tests/lib/cghost.h"
#include "tests/lib/ctfix.h"
#include "tests/lib/rootfs.h"
#include "tests/vpscore/fixture.h"
#include "vpscore/cgroup.h"
#include "vpscore/mount.h"
#include "vpscore/ns.h"
#include "vpscore/runtime.h"

static char vzroot[64];
static char ctid[32];
static char *priv, *veroot;
static int mounts_before;
static int privileged; /* the conf says PRIVILEGED="yes" (the tree is then not shifted) */

static void write_conf(const char *extra)
{
    cleanup_free char *conf = vz_xasprintf("%s/etc/vz/conf/%s.conf", vzroot, ctid);
    cleanup_free char *text = vz_xasprintf("VE_PRIVATE=\"%s\"\nVE_ROOT=\"%s\"\nVE_LAYOUT=\"plain\"\n"
                                           "HOSTNAME=\"ct-%s\"\nSTOP_TIMEOUT=\"3\"\n%s%s",
                                           priv, veroot, ctid, privileged ? "PRIVILEGED=\"yes\"\n" : VZT_LOCAL_ID_CONF,
                                           extra ? extra : "");
    vz_error_t err = NULL;
    cr_assert_eq(vz_atomic_write(conf, text, strlen(text), 0644, &err), 0);
}

static void setup(void)
{
    /* Own network and mount namespaces: veths and mounts of parallel tests
     * never mix, and the mount counts below are this test's alone. */
    snprintf(ctid, sizeof(ctid), "vzt%d", (int)getpid());
    struct vzt_ctfix f;
    vzt_ctfix_setup(&f, "/tmp/vzt-rt-XXXXXX", ctid, NULL);
    memcpy(vzroot, f.vzroot, sizeof(vzroot));
    priv = f.priv;
    veroot = f.veroot;
    write_conf(NULL);
    mounts_before = vzt_mount_count();
}

static void teardown(void)
{
    vz_error_t err = NULL;
    if (vz_ct_init_pid(ctid, NULL) && vz_ct_stop(ctid, 1, &err) < 0) {
        cr_log_error("teardown stop: %s", err->msg);
        vz_error_release(&err);
    }
    cr_expect_eq(vzt_mount_count(), mounts_before, "mounts left on the host");
    cr_expect_eq(vz_mounts_under(vzroot), 0, "mounts left under %s", vzroot);
    struct vz_cgroup *cg = NULL;
    if (vz_cgroup_open(ctid, &cg, &err) == 0) {
        cr_expect_eq(vz_cgroup_exists(cg), 0, "cgroup of %s left behind", ctid);
        vz_cgroup_remove(cg, &err);
        vz_error_release(&err);
        vz_cgroup_free(cg);
    }
    vz_rm_rf(vzroot, &err);
    vz_error_release(&err);
    free(priv);
    free(veroot);
}

TestSuite(start, .init = setup, .fini = teardown, .timeout = 300);

static void start_ok(void)
{
    vz_error_t err = NULL;
    cr_assert_eq(vz_ct_start(ctid, NULL, &err), 0, "start: %s", err ? err->msg : "");
}

/* vzctl exec2 CTID SCRIPT through the real binary; output merged. */
static int vzctl(char **out, const char *a1, const char *a2)
{
    char *argv[] = { "vzctl", (char *)a1, ctid, (char *)a2, NULL };
    return fx_run(argv, out);
}

static char *status_line(void)
{
    struct vz_ct_state st;
    vz_error_t err = NULL;
    cr_assert_eq(vz_ct_status(ctid, &st, &err), 0);
    return vz_ct_status_line(ctid, &st);
}

Test(start, start_status_double_start_stop_double_stop)
{
    start_ok();
    cleanup_free char *s1 = status_line();
    cleanup_free char *want1 = vz_xasprintf("CTID %s exist mounted running", ctid);
    cr_assert_str_eq(s1, want1);
    cr_assert(vz_is_mountpoint(veroot));

    /* The pid file: "PID STARTTIME", naming a live process. */
    cleanup_free char *pidfile = vz_xasprintf("%s/vz/run/%s.pid", vzroot, ctid);
    cleanup_free char *data = NULL;
    vz_error_t err = NULL;
    cr_assert_eq(vz_read_file(pidfile, &data, NULL, &err), 0);
    pid_t pid = 0;
    cr_assert(vz_ct_init_pid(ctid, &pid));
    cleanup_free char *want_pid = vz_xasprintf("%d %llu\n", (int)pid, vz_proc_starttime(pid));
    cr_assert_str_eq(data, want_pid);

    cr_assert_eq(vz_ct_start(ctid, NULL, &err), -1);
    cr_assert_eq(err->status, VZ_ERUNNING);
    cleanup_free char *m = vz_xasprintf("container %s is already running", ctid);
    cr_assert_str_eq(err->msg, m);
    vz_error_release(&err);

    cr_assert_eq(vz_ct_stop(ctid, 0, &err), 0, "stop: %s", err ? err->msg : "");
    cr_assert_eq(vz_proc_starttime(pid), 0, "init still alive after stop");
    cleanup_free char *s2 = status_line();
    cleanup_free char *want2 = vz_xasprintf("CTID %s exist unmounted down", ctid);
    cr_assert_str_eq(s2, want2);
    cr_assert(!vz_file_exists(pidfile));

    cr_assert_eq(vz_ct_stop(ctid, 0, &err), -1);
    cr_assert_eq(err->status, VZ_ENOTRUNNING);
    cleanup_free char *m2 = vz_xasprintf("container %s is not running", ctid);
    cr_assert_str_eq(err->msg, m2);
    vz_error_release(&err);
}

Test(start, cli_exit_codes_and_exec_passthrough)
{
    cleanup_free char *o1 = NULL, *o2 = NULL, *o3 = NULL, *o4 = NULL, *o5 = NULL, *o6 = NULL, *o7 = NULL;
    /* The container outlives the vzctl process that started it. */
    cr_assert_eq(vzctl(&o1, "start", NULL), 0, "%s", o1);
    cr_assert_eq(vzctl(&o2, "start", NULL), 32, "%s", o2);
    cleanup_free char *m = vz_xasprintf("Starting container %s ...\nvzctl: error: container %s is already running\n",
                                        ctid, ctid);
    cr_assert_str_eq(o2, m);
    cr_assert_eq(vzctl(&o3, "exec2", "echo out; echo err >&2; hostname; exit 42"), 42, "%s", o3);
    cleanup_free char *want3 = vz_xasprintf("out\nerr\nct-%s\n", ctid);
    cr_assert_str_eq(o3, want3);
    cr_assert_eq(vzctl(&o4, "exec", "exit 3"), 8, "%s", o4);
    cleanup_free char *want4 = vz_xasprintf("vzctl: error: command in container %s exited with status 3\n", ctid);
    cr_assert_str_eq(o4, want4);
    cr_assert_eq(vzctl(&o5, "stop", "--fast"), 0, "%s", o5);
    cr_assert_eq(vzctl(&o6, "stop", NULL), 31, "%s", o6);
    cr_assert_eq(vzctl(&o7, "exec", "true"), 31, "%s", o7);
    /* -q silences the progress lines, as it does OpenVZ's vzctl */
    char *qstart[] = { "vzctl", "-q", "start", ctid, NULL }, *qstop[] = { "vzctl", "-q", "stop", ctid, "--fast", NULL };
    cleanup_free char *q1 = NULL, *q2 = NULL;
    cr_assert_eq(fx_run(qstart, &q1), 0, "%s", q1);
    cr_assert_str_empty(q1, "vzctl -q start printed: %s", q1);
    cr_assert_eq(fx_run(qstop, &q2), 0, "%s", q2);
    cr_assert_str_empty(q2, "vzctl -q stop printed: %s", q2);
}

Test(start, isolated_processes_hostname_mounts_caps)
{
    start_ok();
    cleanup_free char *out = NULL;
    /* pid 1 is the tiny init; the shell is the only other process. */
    cr_assert_eq(vzctl(&out, "exec2",
                       "cd /proc && echo [0-9]*; cat /proc/1/comm; hostname; "
                       "cut -d' ' -f5 /proc/self/mountinfo | grep -v -e '^/proc/' -e '^/dev/fuse$' -e '^/dev/net/tun$' "
                       "| tr '\\n' ' '; echo; "
                       "cat /proc/self/cgroup | grep -c -v ':/$'; "
                       "echo 1 > /proc/sys/kernel/ctrl-alt-del; date -s 2001-01-01 >/dev/null; "
                       "ls /proc/1/root/ 2>&1 | head -1"),
                 0, "%s", out);
    /* Line 1: "1 N" with N the shell's pid; then the rest, exactly. */
    cr_assert_eq(strncmp(out, "1 ", 2), 0, "got %s", out);
    /* in a user namespace the device nodes are the host's, bound (mknod is refused there) */
    cleanup_free char *want = vz_xasprintf("vzinit\nct-%s\n/ /proc /sys /dev /dev/null /dev/zero /dev/full "
                                           "/dev/random /dev/urandom /dev/tty /dev/console /dev/pts /dev/shm /dev/mqueue "
                                           "/sys/firmware \n0\n"
                                           "/bin/sh: can't create /proc/sys/kernel/ctrl-alt-del: Read-only file system\n"
                                           "date: can't set date: Operation not permitted\n"
                                           "ls: /proc/1/root/: Permission denied\n",
                                           ctid);
    char *nl = strchr(out, '\n');
    cr_assert(nl);
    cr_assert_str_eq(nl + 1, want, "got %s", out);
}

Test(start, capabilities_and_sys_admin_opt_in)
{
    /* privileged: SYS_ADMIN is host root's, so it goes unless opted in */
    privileged = 1;
    write_conf(NULL);
    start_ok();
    cleanup_free char *o1 = NULL, *o2 = NULL;
    cr_assert_eq(vzctl(&o1, "exec2", "grep CapBnd /proc/self/status"), 0);
    unsigned long long caps = strtoull(strchr(o1, ':') + 1, NULL, 16);
    const int gone[] = { 16, 17, 19, 21, 22, 25, 27 }; /* MODULE RAWIO PTRACE ADMIN BOOT TIME MKNOD */
    for (size_t i = 0; i < VZ_ARRAY_SIZE(gone); i++)
        cr_assert_eq(caps & (1ULL << gone[i]), 0, "capability %d kept: %s", gone[i], o1);
    cr_assert_neq(caps & (1ULL << 12), 0, "CAP_NET_ADMIN (own netns) must stay: %s", o1);
    vz_error_t err = NULL;
    cr_assert_eq(vz_ct_stop(ctid, 1, &err), 0);

    write_conf("CAPABILITY=\"SYS_ADMIN:on\"\n");
    start_ok();
    cr_assert_eq(vzctl(&o2, "exec2", "grep CapBnd /proc/self/status"), 0);
    caps = strtoull(strchr(o2, ':') + 1, NULL, 16);
    cr_assert_neq(caps & (1ULL << 21), 0, "SYS_ADMIN:on ignored: %s", o2);
    cr_assert_eq(vz_ct_stop(ctid, 1, &err), 0);

    /* unprivileged: SYS_ADMIN of its own user namespace stays (systemd
     * mounts its file systems), the rest of the list goes as before */
    privileged = 0;
    write_conf(NULL);
    start_ok();
    cleanup_free char *o3 = NULL;
    cr_assert_eq(vzctl(&o3, "exec2", "grep CapBnd /proc/self/status; cat /proc/self/uid_map"), 0);
    caps = strtoull(strchr(o3, ':') + 1, NULL, 16);
    cr_assert_neq(caps & (1ULL << 21), 0, "SYS_ADMIN of the user namespace: %s", o3);
    for (size_t i = 0; i < VZ_ARRAY_SIZE(gone); i++)
        if (gone[i] != 21)
            cr_assert_eq(caps & (1ULL << gone[i]), 0, "capability %d kept: %s", gone[i], o3);
    cr_assert_not_null(strstr(o3, "3000000"), "not in its user namespace: %s", o3);
}

Test(start, stop_kills_daemons_and_the_cgroup_empties)
{
    start_ok();
    cleanup_free char *out = NULL;
    cr_assert_eq(vzctl(&out, "exec2", "setsid sh -c 'trap \"\" TERM; sleep 1000; true' </dev/null >/dev/null 2>&1 & "
                                     "sleep 1000 </dev/null >/dev/null 2>&1 &"),
                 0, "%s", out);
    struct vz_cgroup *cg = NULL;
    vz_error_t err = NULL;
    cr_assert_eq(vz_cgroup_open(ctid, &cg, &err), 0);
    pid_t *pids = NULL;
    size_t n = 0;
    for (int i = 0; i < 300; i++) { /* the background jobs start after exec2 returns */
        free(pids);
        pids = NULL;
        cr_assert_eq(vz_cgroup_pids(cg, &pids, &n, &err), 0);
        if (n >= 4)
            break;
        usleep(10000);
    }
    cr_assert_geq(n, 4, "init, two sleeps and a shell expected in the cgroup, got %zu", n);
    unsigned long long starts[16];
    for (size_t i = 0; i < n && i < 16; i++)
        starts[i] = vz_proc_starttime(pids[i]);
    cr_assert_eq(vz_ct_stop(ctid, 0, &err), 0, "%s", err ? err->msg : "");
    for (size_t i = 0; i < n && i < 16; i++)
        cr_assert(starts[i] == 0 || vz_proc_starttime(pids[i]) != starts[i], "pid %d survived stop", pids[i]);
    free(pids);
    vz_cgroup_free(cg);
}

Test(start, missing_private_bad_ctid_missing_conf_locked)
{
    vz_error_t err = NULL;
    cleanup_free char *moved = vz_xasprintf("%s.away", priv);
    cr_assert_eq(rename(priv, moved), 0);
    cr_assert_eq(vz_ct_start(ctid, NULL, &err), -1);
    cr_assert_eq(err->status, VZ_ENOPRIVATE);
    cleanup_free char *m = vz_xasprintf("container %s: private area %s does not exist", ctid, priv);
    cr_assert_str_eq(err->msg, m);
    vz_error_release(&err);
    cr_assert_eq(rename(moved, priv), 0);

    cr_assert_eq(vz_ct_start("../etc", NULL, &err), -1);
    cr_assert_eq(err->status, VZ_EBADARG);
    vz_error_release(&err);
    cr_assert_eq(vz_ct_start("4242424", NULL, &err), -1);
    cr_assert_eq(err->status, VZ_ENOCTCONF);
    vz_error_release(&err);

    int lockfd = -1;
    cr_assert_eq(vz_ct_lock(ctid, &lockfd, &err), 0);
    cr_assert_eq(vz_ct_start(ctid, NULL, &err), -1);
    cr_assert_eq(err->status, VZ_ELOCKED, "%s", err->msg);
    vz_error_release(&err);
    close(lockfd);
    cr_assert(!vz_ct_init_pid(ctid, NULL));
}

/* OpenVZ's DISABLED="yes": start refuses with 105 and sets nothing up;
 * vzctl set --disabled no --save lets it start again. */
Test(start, disabled_container_is_refused_with_105)
{
    char *dis[] = { "vzctl", "set", ctid, "--disabled", "yes", "--save", NULL };
    cleanup_free char *o1 = NULL;
    cr_assert_eq(fx_run(dis, &o1), 0, "%s", o1);
    cleanup_free char *o2 = NULL;
    cr_assert_eq(vzctl(&o2, "start", NULL), 105, "%s", o2);
    cr_assert_not_null(strstr(o2, "--disabled no --save"), "%s", o2);
    cr_assert(!vz_ct_init_pid(ctid, NULL));
    cr_assert(!vz_is_mountpoint(veroot), "a refused start mounted the root");
    char *en[] = { "vzctl", "set", ctid, "--disabled", "no", "--save", NULL };
    cleanup_free char *o3 = NULL;
    cr_assert_eq(fx_run(en, &o3), 0, "%s", o3);
    start_ok();
    vz_error_t err = NULL;
    cr_assert_eq(vz_ct_stop(ctid, 0, &err), 0, "stop: %s", err ? err->msg : "");
}

Test(start, mount_umount_states)
{
    vz_error_t err = NULL;
    cr_assert_eq(vz_ct_mount(ctid, &err), 0);
    cleanup_free char *s = status_line();
    cleanup_free char *want = vz_xasprintf("CTID %s exist mounted down", ctid);
    cr_assert_str_eq(s, want);
    cr_assert_eq(vz_ct_mount(ctid, &err), -1);
    cr_assert_eq(err->status, VZ_EMOUNTED);
    vz_error_release(&err);
    /* start uses the existing mount; stop unmounts it. */
    start_ok();
    cr_assert_eq(vz_ct_umount(ctid, &err), -1);
    cr_assert_eq(err->status, VZ_ERUNNING);
    vz_error_release(&err);
    cr_assert_eq(vz_ct_stop(ctid, 1, &err), 0);
    cr_assert_eq(vz_ct_umount(ctid, &err), -1);
    cr_assert_eq(err->status, VZ_ENOTMOUNTED);
    vz_error_release(&err);
}

Test(start, busybox_init_as_sbin_init)
{
    cleanup_free char *init = vz_path_join(priv, "sbin/init");
    cr_assert_eq(symlink("/bin/busybox", init), 0);
    cleanup_free char *inittab = vz_path_join(priv, "etc/inittab");
    const char *tab = "::sysinit:/bin/touch /tmp/booted\n";
    vz_error_t err = NULL;
    cr_assert_eq(vz_atomic_write(inittab, tab, strlen(tab), 0644, &err), 0);
    start_ok();
    cleanup_free char *out = NULL;
    int st = 1;
    for (int i = 0; i < 200 && st != 0; i++) { /* sysinit runs right after init starts */
        free(out);
        out = NULL;
        st = vzctl(&out, "exec2", "test -e /tmp/booted && readlink /proc/1/exe");
        if (st)
            usleep(10000);
    }
    cr_assert_eq(st, 0, "busybox init did not run its sysinit: %s", out);
    cr_assert_str_eq(out, "/bin/busybox\n");
    /* busybox init cannot power off (no CAP_SYS_BOOT): stop kills it after STOP_TIMEOUT. */
    cr_assert_eq(vz_ct_stop(ctid, 0, &err), 0, "%s", err ? err->msg : "");
}

Test(start, suspend_and_resume)
{
    start_ok();
    vz_error_t err = NULL;
    cr_assert_eq(vz_ct_suspend(ctid, 1, &err), 0, "%s", err ? err->msg : "");
    cleanup_free char *s = status_line();
    cleanup_free char *want = vz_xasprintf("CTID %s exist mounted running suspended", ctid);
    cr_assert_str_eq(s, want);
    cleanup_free char *js = NULL;
    cr_assert_eq(vzctl(&js, "status", "--json"), 0, "%s", js);
    json_t *j = json_loads(js, 0, NULL);
    cr_assert_not_null(j, "not JSON: %s", js);
    cr_assert(json_is_true(json_object_get(j, "suspended")), "%s", js);
    cr_assert(json_is_true(json_object_get(j, "running")), "%s", js);
    cr_assert_gt(json_integer_value(json_object_get(j, "init_pid")), 1, "%s", js);
    json_decref(j);
    cr_assert_eq(vz_ct_suspend(ctid, 0, &err), 0);
    cleanup_free char *out = NULL;
    cr_assert_eq(vzctl(&out, "exec2", "echo alive"), 0);
    cr_assert_str_eq(out, "alive\n");
}

/* exec, exec2 and enter into a frozen container would join its frozen
 * cgroup and wait for a resume: they refuse at once with 31 instead (the
 * timeout is only the net that turns the old hang into a failure). */
Test(start, exec_and_enter_refuse_a_suspended_container, .timeout = 120)
{
    start_ok();
    vz_error_t err = NULL;
    cr_assert_eq(vz_ct_suspend(ctid, 1, &err), 0, "%s", err ? err->msg : "");
    cleanup_free char *want = vz_xasprintf(
        "vzctl: error: container %s is suspended: run 'vzctl resume %s' first\n", ctid, ctid);
    const char *cmds[][2] = { { "exec", "true" }, { "exec2", "echo x" }, { "enter", NULL } };
    for (size_t i = 0; i < VZ_ARRAY_SIZE(cmds); i++) {
        cleanup_free char *out = NULL;
        cr_expect_eq(vzctl(&out, cmds[i][0], cmds[i][1]), 31, "vzctl %s: %s", cmds[i][0], out);
        cr_expect_str_eq(out, want, "vzctl %s", cmds[i][0]);
    }
    /* the library says the same */
    char *argv[] = { "/bin/sh", "-c", "true", NULL };
    int st = -1;
    cr_assert_eq(vz_ct_exec(ctid, argv, &st, &err), -1);
    cr_expect_eq(err->status, VZ_ENOTRUNNING);
    cleanup_free char *msg = vz_xasprintf("container %s is suspended: run 'vzctl resume %s' first",
                                          ctid, ctid);
    cr_expect_str_eq(err->msg, msg);
    vz_error_release(&err);
    cr_assert_eq(vz_ct_enter(ctid, &st, &err), -1);
    cr_expect_eq(err->status, VZ_ENOTRUNNING);
    vz_error_release(&err);
    /* still suspended, untouched; once resumed, exec works again */
    cleanup_free char *s = status_line();
    cleanup_free char *ws = vz_xasprintf("CTID %s exist mounted running suspended", ctid);
    cr_assert_str_eq(s, ws);
    cleanup_free char *o = NULL;
    cr_assert_eq(vzctl(&o, "resume", NULL), 0, "%s", o);
    cleanup_free char *o2 = NULL;
    cr_assert_eq(vzctl(&o2, "exec2", "echo alive"), 0, "%s", o2);
    cr_assert_str_eq(o2, "alive\n");
}

Test(start, hundred_cycles_leave_nothing_behind)
{
    int procs = vzt_descendant_count();
    pid_t pids[100];
    unsigned long long starts[100];
    vz_error_t err = NULL;
    for (int i = 0; i < 100; i++) {
        start_ok();
        cr_assert(vz_ct_init_pid(ctid, &pids[i]));
        starts[i] = vz_proc_starttime(pids[i]);
        char *argv[] = { "true", NULL };
        int st = -1;
        cr_assert_eq(vz_ct_exec(ctid, argv, &st, &err), 0, "%s", err ? err->msg : "");
        cr_assert_eq(st, 0);
        cr_assert_eq(vz_ct_stop(ctid, i % 2, &err), 0, "%s", err ? err->msg : "");
    }
    for (int i = 0; i < 100; i++)
        cr_assert_neq(vz_proc_starttime(pids[i]), starts[i], "init of cycle %d still alive", i);
    cr_assert_eq(vzt_descendant_count(), procs);
    cr_assert_eq(vzt_mount_count(), mounts_before);
}

/* build/bin/vzctl with stdin data; output merged. */
static int vzctl_stdin(const char *in, char **out, char *const args[])
{
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    cr_assert_gt(n, 0);
    exe[n] = '\0';
    *strrchr(exe, '/') = '\0';
    *strrchr(exe, '/') = '\0';
    cleanup_free char *bin = vz_xasprintf("%s/bin/vzctl", exe);
    char *argv[8] = { bin };
    for (int i = 0; args[i] && i < 6; i++)
        argv[i + 1] = args[i];
    struct vz_buf b = VZ_BUF_INIT;
    vz_buf_init(&b);
    struct vz_run_opts o = { .stdin_data = in, .stdin_len = strlen(in), .out = &b, .errbuf = &b };
    int st = -1;
    vz_error_t err = NULL;
    cr_assert_eq(vz_run(argv, &o, &st, &err), 0);
    *out = vz_buf_detach(&b, NULL);
    return st;
}

Test(start, exec_stdin_passthrough_and_enter_on_a_pty)
{
    start_ok();
    cleanup_free char *o1 = NULL, *o2 = NULL, *o3 = NULL;
    char *cat[] = { "exec2", ctid, "cat; exit 9", NULL };
    cr_assert_eq(vzctl_stdin("line1\nline2\n", &o1, cat), 9);
    cr_assert_str_eq(o1, "line1\nline2\n");
    char *dash[] = { "exec2", ctid, "-", NULL };
    cr_assert_eq(vzctl_stdin("echo from-stdin-script\nexit 4\n", &o2, dash), 4);
    cr_assert_str_eq(o2, "from-stdin-script\n");
    /* enter: a login shell whose terminal is a pty of the container's own devpts. */
    char *enter[] = { "enter", ctid, NULL };
    cr_assert_eq(vzctl_stdin("tty; ls /dev/pts | tr '\\n' ' '; echo; exit 3\n", &o3, enter), 3, "%s", o3);
    cr_assert(strstr(o3, "/dev/pts/0\r\n0 ptmx \r\n"), "got %s", o3);
    cleanup_free char *in = vz_xasprintf("entered into CT %s\n", ctid);
    cleanup_free char *outm = vz_xasprintf("exited from CT %s\n", ctid);
    cr_assert(strstr(o3, in) && strstr(o3, outm), "got %s", o3);
}

Test(start, limits_memory_hog_killed_fork_bomb_stopped)
{
    write_conf("RAM=\"32M\"\nSWAP=\"0\"\nNUMPROC=\"16\"\n");
    start_ok();
    cleanup_free char *o1 = NULL, *o2 = NULL, *o3 = NULL;
    /* dd allocates its 96 MiB block: over the limit, the kernel kills it (SIGKILL). */
    cr_assert_eq(vzctl(&o1, "exec2", "dd if=/dev/zero of=/dev/null bs=96M count=1 2>/dev/null; echo dd=$?"), 0,
                 "%s", o1);
    cr_assert_str_eq(o1, "dd=137\n");
    /* 40 background sleeps against a limit of 16 tasks: forks fail (busybox
     * sh then gives up: its status does not matter), the host does not care. */
    vzctl(&o2, "exec2", "for i in $(seq 40); do sleep 60 >/dev/null 2>&1 & done 2>/dev/null");
    struct vz_cgroup *cg = NULL;
    vz_error_t err = NULL;
    cr_assert_eq(vz_cgroup_open(ctid, &cg, &err), 0);
    pid_t *pids = NULL;
    size_t n = 0;
    cr_assert_eq(vz_cgroup_pids(cg, &pids, &n, &err), 0);
    cr_assert(n >= 8 && n <= 16, "%zu tasks in a container limited to 16", n);
    free(pids);
    vz_cgroup_free(cg);
    /* stop still works with the container full. */
    cr_assert_eq(vz_ct_stop(ctid, 1, &err), 0, "%s", err ? err->msg : "");
    (void)o3;
}

Test(start, exec_passes_no_caller_descriptor_into_the_container)
{
    start_ok();
    /* A host directory open without O_CLOEXEC at a known number. */
    int d = open("/", O_RDONLY | O_DIRECTORY);
    cr_assert_eq(dup2(d, 57), 57);
    close(d);
    int mfd = memfd_create("out", 0);
    int saved = dup(1);
    fflush(stdout);
    dup2(mfd, 1);
    char *argv[] = { "sh", "-c", "ls /proc/$$/fd | tr '\\n' ' '", NULL };
    int st = -1;
    vz_error_t err = NULL;
    int rc = vz_ct_exec(ctid, argv, &st, &err);
    dup2(saved, 1);
    close(saved);
    close(57);
    cr_assert_eq(rc, 0, "%s", err ? err->msg : "");
    cr_assert_eq(st, 0);
    char buf[256] = { 0 };
    cr_assert_gt(pread(mfd, buf, sizeof(buf) - 1, 0), 0);
    close(mfd);
    /* 0-2 are the caller's stdio; the shell may hold a pipe of its own
     * pipeline (3, 4) while ls looks; nothing of the caller's (57, the
     * test runner's descriptors) may appear. */
    cr_assert_eq(strncmp(buf, "0 1 2 ", 6), 0, "got %s", buf);
    char *save = NULL;
    for (char *t = strtok_r(buf, " ", &save); t; t = strtok_r(NULL, " ", &save))
        cr_assert_lt(atoi(t), 5, "descriptor %s of the caller reached the container", t);
}

Test(start, exec_runs_in_its_own_session_and_gets_signals_passed_on)
{
    start_ok();
    cleanup_free char *o1 = NULL;
    /* A session leader: the caller's terminal cannot be its controlling one. */
    cr_assert_eq(vzctl(&o1, "exec2", "test \"$(cut -d' ' -f6 /proc/$$/stat)\" = $$ && echo own-session"), 0,
                 "%s", o1);
    cr_assert_str_eq(o1, "own-session\n");

    /* SIGTERM to vzctl reaches the command inside. */
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    exe[n] = '\0';
    *strrchr(exe, '/') = '\0';
    *strrchr(exe, '/') = '\0';
    cleanup_free char *bin = vz_xasprintf("%s/bin/vzctl", exe);
    int p[2];
    cr_assert_eq(pipe(p), 0);
    pid_t child = fork();
    if (child == 0) {
        dup2(p[1], 1);
        close(p[0]);
        execl(bin, "vzctl", "exec2", ctid, "trap 'echo got-term; exit 7' TERM; touch /tmp/ready; "
              "while :; do sleep 0.05; done", (char *)NULL);
        _exit(126);
    }
    close(p[1]);
    cleanup_free char *ready = vz_path_join(priv, "tmp/ready");
    for (int i = 0; i < 500 && !vz_file_exists(ready); i++)
        usleep(10000);
    cr_assert(vz_file_exists(ready), "the command never started");
    kill(child, SIGTERM);
    int ws = 0;
    waitpid(child, &ws, 0);
    char buf[64] = { 0 };
    ssize_t r = read(p[0], buf, sizeof(buf) - 1);
    close(p[0]);
    cr_assert_gt(r, 0);
    cr_assert_str_eq(buf, "got-term\n");
    cr_assert(WIFEXITED(ws) && WEXITSTATUS(ws) == 7, "vzctl exec2 status %#x", ws);
}

Test(start, every_command_has_help_and_usage_errors)
{
    static const char *const cmds[] = { "start", "stop", "restart", "status", "enter", "exec",
                                        "exec2", "mount", "umount", "suspend", "resume" };
    for (size_t i = 0; i < VZ_ARRAY_SIZE(cmds); i++) {
        cleanup_free char *o1 = NULL, *o2 = NULL;
        char *help[] = { "vzctl", (char *)cmds[i], "--help", NULL };
        cr_assert_eq(fx_run(help, &o1), 0, "%s --help: %s", cmds[i], o1);
        cleanup_free char *head = vz_xasprintf("Usage: vzctl %s ", cmds[i]);
        cr_assert_eq(strncmp(o1, head, strlen(head)), 0, "%s --help printed %s", cmds[i], o1);
        char *none[] = { "vzctl", (char *)cmds[i], NULL };
        cr_assert_eq(fx_run(none, &o2), 20, "%s without CTID: %s", cmds[i], o2);
        cleanup_free char *msg = vz_xasprintf("vzctl: error: %s: missing CTID\n", cmds[i]);
        cr_assert_eq(strncmp(o2, msg, strlen(msg)), 0, "%s without CTID printed %s", cmds[i], o2);
    }
    cleanup_free char *o3 = NULL;
    char *bad[] = { "vzctl", "stop", ctid, "--bogus", NULL };
    cr_assert_eq(fx_run(bad, &o3), 20, "%s", o3);
}

Test(start, init_dying_on_its_own_then_stop_releases_and_start_works_again)
{
    start_ok();
    pid_t pid = 0;
    cr_assert(vz_ct_init_pid(ctid, &pid));
    cr_assert_eq(kill(pid, SIGKILL), 0);
    for (int i = 0; i < 500 && vz_proc_starttime(pid) != 0; i++)
        usleep(10000);
    cleanup_free char *s1 = status_line();
    cleanup_free char *want1 = vz_xasprintf("CTID %s exist mounted down", ctid);
    cr_assert_str_eq(s1, want1);
    /* stop: not running (31), but the mount, cgroup and pid file are released. */
    vz_error_t err = NULL;
    cr_assert_eq(vz_ct_stop(ctid, 0, &err), -1);
    cr_assert_eq(err->status, VZ_ENOTRUNNING, "%s", err->msg);
    vz_error_release(&err);
    cleanup_free char *s2 = status_line();
    cleanup_free char *want2 = vz_xasprintf("CTID %s exist unmounted down", ctid);
    cr_assert_str_eq(s2, want2);
    struct vz_cgroup *cg = NULL;
    cr_assert_eq(vz_cgroup_open(ctid, &cg, &err), 0);
    cr_assert_eq(vz_cgroup_exists(cg), 0, "cgroup left after the init died and stop ran");
    vz_cgroup_free(cg);
    start_ok();
    cr_assert_eq(vz_ct_stop(ctid, 1, &err), 0);
}

Test(start, no_bin_sh_is_a_broken_container_exit_47)
{
    start_ok();
    cleanup_free char *sh = vz_path_join(priv, "bin/sh"), *bash = vz_path_join(priv, "bin/bash");
    cr_assert_eq(unlink(sh), 0, "%s: %s", sh, strerror(errno));
    unlink(bash); /* when busybox has the applet */
    cleanup_free char *want = vz_xasprintf("vzctl: error: container %s: broken container: no /bin/sh: "
                                           "No such file or directory\n", ctid);
    cleanup_free char *o1 = NULL, *o2 = NULL, *o3 = NULL;
    cr_assert_eq(vzctl(&o1, "exec", "true"), 47, "%s", o1);
    cr_assert_str_eq(o1, want);
    cr_assert_eq(vzctl(&o2, "exec2", "true"), 47, "%s", o2);
    cr_assert_str_eq(o2, want);
    char *enter[] = { "enter", ctid, NULL };
    cr_assert_eq(vzctl_stdin("exit 0\n", &o3, enter), 47, "%s", o3);
    cr_assert(strstr(o3, want), "%s", o3);
    vz_error_t err = NULL;
    cr_assert_eq(vz_ct_stop(ctid, 1, &err), 0, "%s", err ? err->msg : "");
}

Test(start, unusable_sbin_init_is_a_broken_container_exit_47)
{
    /* a dangling /sbin/init, then one that is not executable: start refuses
     * (never the tiny init in its place) and leaves nothing running */
    cleanup_free char *init = vz_path_join(priv, "sbin/init");
    cr_assert_eq(symlink("/lib/systemd/systemd", init), 0);
    cleanup_free char *o1 = NULL, *o2 = NULL, *o3 = NULL;
    cleanup_free char *want = vz_xasprintf("Starting container %s ...\nvzctl: error: start container %s: broken "
                                           "container: cannot execute /sbin/init of %s (fix it, or remove it to run "
                                           "the container under vzctl's own init): No such file or directory\n",
                                           ctid, ctid, veroot);
    cr_assert_eq(vzctl(&o1, "start", NULL), 47, "%s", o1);
    cr_assert_str_eq(o1, want);
    cr_assert_not(vz_ct_init_pid(ctid, NULL), "a container with a broken init is running");
    cr_assert_eq(unlink(init), 0);
    vz_error_t err = NULL;
    cr_assert_eq(vz_atomic_write(init, "#!/bin/sh\n", 10, 0644, &err), 0);
    cr_assert_eq(vzctl(&o2, "start", NULL), 47, "%s", o2);
    cr_assert(strstr(o2, "): Permission denied\n"), "%s", o2);
    /* removed: the tiny init runs */
    cr_assert_eq(unlink(init), 0);
    cr_assert_eq(vzctl(&o3, "start", NULL), 0, "%s", o3);
    cr_assert_eq(vz_ct_stop(ctid, 1, &err), 0, "%s", err ? err->msg : "");
}

Test(start, seccomp_filter_is_on_init_and_exec)
{
    start_ok();
    cleanup_free char *out = NULL;
    cr_assert_eq(vzctl(&out, "exec2", "grep Seccomp: /proc/1/status /proc/self/status"), 0, "%s", out);
    cr_assert_not_null(strstr(out, "/proc/1/status:Seccomp:\t2"), "%s", out);
    cr_assert_not_null(strstr(out, "/proc/self/status:Seccomp:\t2"), "%s", out);
    vz_error_t err = NULL;
    cr_assert_eq(vz_ct_stop(ctid, 1, &err), 0);
    write_conf("SECCOMP=\"unconfined\"\n");
    start_ok();
    free(out);
    out = NULL;
    cr_assert_eq(vzctl(&out, "exec2", "grep Seccomp: /proc/1/status /proc/self/status"), 0, "%s", out);
    cr_assert_not_null(strstr(out, "/proc/1/status:Seccomp:\t0"), "%s", out);
    cr_assert_not_null(strstr(out, "/proc/self/status:Seccomp:\t0"), "%s", out);
    cr_assert_eq(vz_ct_stop(ctid, 1, &err), 0);
    write_conf("SECCOMP_DENY=\"no_such_call\"\n");
    cr_assert_eq(vz_ct_start(ctid, NULL, &err), -1);
    cr_assert_eq(err->status, VZ_EBADARG, "%s", err->msg);
    cr_assert_not_null(strstr(err->msg, "no_such_call"), "%s", err->msg);
    vz_error_release(&err);
}

/* vzctl status --json counts the OOM kills in the container's cgroup, from
 * the kernel's own counters (v2 memory.events, v1 memory.oom_control): dd
 * with a 64 MB buffer under a 32 MB limit is killed. */
Test(start, status_json_counts_oom_kills)
{
    int ver = vzt_cg_host();
    write_conf("RAM=\"32M\"\n");
    start_ok();
    cleanup_free char *js = NULL;
    cr_assert_eq(vzctl(&js, "status", "--json"), 0, "%s", js);
    json_t *j = json_loads(js, 0, NULL);
    json_t *ev = json_object_get(j, "memory_events");
    cr_assert(json_is_object(ev), "%s", js);
    cr_assert_eq(json_integer_value(json_object_get(ev, "oom_kill")), 0, "%s", js);
    json_decref(j);
    cleanup_free char *out = NULL;
    cr_assert_neq(vzctl(&out, "exec2", "dd if=/dev/zero of=/dev/null bs=64M count=1"), 0, "dd ran: %s", out);
    free(js);
    js = NULL;
    cr_assert_eq(vzctl(&js, "status", "--json"), 0, "%s", js);
    j = json_loads(js, 0, NULL);
    ev = json_object_get(j, "memory_events");
    cr_assert_eq(json_integer_value(json_object_get(ev, "oom_kill")), 1, "%s", js);
    if (ver == 2) {
        cr_assert_geq(json_integer_value(json_object_get(ev, "oom")), 1, "%s", js);
        cr_assert_gt(json_integer_value(json_object_get(ev, "max")), 0, "%s", js);
    } else
        cr_assert(json_is_null(json_object_get(ev, "oom")) && json_is_null(json_object_get(ev, "max")), "%s", js);
    json_decref(j);
}
