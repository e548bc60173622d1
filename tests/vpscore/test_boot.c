/* start-all / stop-all (vpscore/boot.h, vzctl start-all/stop-all) on real
 * busybox containers (tests/lib/ctfix.h): order by BOOTORDER, ONBOOT and
 * DISABLED, a failing container among good ones, two runs at once, a
 * container that ignores its shutdown signal. Each test's containers are
 * vzt<pid><letter>, so parallel tests never share a cgroup. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/common.h"
#include "tests/lib/ctfix.h"
#include "tests/vpscore/fixture.h"
#include "vpscore/boot.h"
#include "vpscore/cgroup.h"
#include "vpscore/ctset.h"
#include "vpscore/mount.h"
#include "vpscore/runtime.h"

#define MAXCT 4
static struct vzt_ctfix fix;
static char ids[MAXCT][32];
static int nct;

/* Container i (letter 'a' + i) with extra conf lines. */
static const char *add_ct(const char *conf)
{
    cr_assert_lt(nct, MAXCT);
    char *id = ids[nct];
    snprintf(id, sizeof(ids[0]), "vzt%d%c", (int)getpid(), 'a' + nct);
    if (nct == 0)
        vzt_ctfix_setup(&fix, "/tmp/vzt-boot-XXXXXX", id, conf);
    else
        vzt_ctfix_add(&fix, id, conf);
    nct++;
    return id;
}

static int running(const char *ctid)
{
    return vz_ct_init_pid(ctid, NULL);
}

/* pid is a live process (a zombie is dead: reaped here if it is ours, as
 * when this test process is the inits' subreaper). */
static int alive(pid_t pid)
{
    char path[64], buf[512];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "re");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *rp = strrchr(buf, ')');
    if (rp && rp[1] == ' ' && rp[2] == 'Z') {
        waitpid(pid, NULL, WNOHANG);
        return 0;
    }
    return 1;
}

static int cgroup_left(const char *ctid)
{
    struct vz_cgroup *cg = NULL;
    vz_error_t err = NULL;
    if (vz_cgroup_open(ctid, &cg, &err) < 0) {
        vz_error_release(&err);
        return 0;
    }
    int r = vz_cgroup_exists(cg);
    vz_cgroup_free(cg);
    return r;
}

static void teardown(void)
{
    vz_error_t err = NULL;
    if (nct == 0)
        return;
    for (int i = 0; i < nct; i++) {
        if (running(ids[i]) && vz_ct_stop(ids[i], 1, &err) < 0) {
            cr_log_error("teardown stop %s: %s", ids[i], err->msg);
            vz_error_release(&err);
        }
        cr_expect_not(cgroup_left(ids[i]), "cgroup of %s left behind", ids[i]);
    }
    cr_expect_eq(vz_mounts_under(fix.vzroot), 0, "mounts left under %s", fix.vzroot);
    vz_rm_rf(fix.vzroot, &err);
    vz_error_release(&err);
    vzt_ctfix_release(&fix);
    nct = 0;
}

TestSuite(boot, .fini = teardown, .timeout = 300);

/* What the events said, in order, and what was true when they came. */
struct rec {
    enum vz_boot_kind kind;
    char ctid[32];
    int status;
    int wave;
    long bootorder; /* -1: none */
    int running_then[MAXCT]; /* at this event, was container i running? */
};
struct log {
    struct rec r[32];
    int n;
};

static void on_event(const struct vz_boot_event *ev, void *ud)
{
    struct log *l = ud;
    cr_assert_lt(l->n, 32);
    struct rec *r = &l->r[l->n++];
    r->kind = ev->kind;
    snprintf(r->ctid, sizeof(r->ctid), "%s", ev->ctid);
    r->status = ev->status;
    r->wave = ev->wave;
    r->bootorder = ev->has_order ? ev->bootorder : -1;
    for (int i = 0; i < nct; i++)
        r->running_then[i] = running(ids[i]);
}

static int find(const struct log *l, enum vz_boot_kind kind, const char *ctid)
{
    for (int i = 0; i < l->n; i++)
        if (l->r[i].kind == kind && strcmp(l->r[i].ctid, ctid) == 0)
            return i;
    return -1;
}

static void run_all(int start, const struct vz_boot_opts *base, struct log *l, struct vz_boot_result *res)
{
    struct vz_boot_opts o = base ? *base : (struct vz_boot_opts){ 0 };
    o.event = on_event;
    o.ud = l;
    memset(l, 0, sizeof(*l));
    vz_error_t err = NULL;
    int rc = start ? vz_boot_start_all(&o, res, &err) : vz_boot_stop_all(&o, res, &err);
    cr_assert_eq(rc, 0, "%s", err ? err->msg : "");
}

Test(boot, onboot_starts_exactly_the_onboot_ones_higher_bootorder_first_and_stops_in_reverse)
{
    const char *low = add_ct("ONBOOT=\"yes\"\nBOOTORDER=\"10\"\n");
    const char *high = add_ct("ONBOOT=\"yes\"\nBOOTORDER=\"200\"\n");
    const char *off = add_ct("ONBOOT=\"no\"\nBOOTORDER=\"500\"\n");
    struct log l;
    struct vz_boot_result res;
    struct vz_boot_opts o = { .onboot = 1, .jobs = 4 };
    run_all(1, &o, &l, &res);
    cr_assert_eq(res.done, 2);
    cr_assert_eq(res.failed, 0);
    cr_assert_eq(res.skipped, 0);
    cr_assert(running(low) && running(high));
    cr_assert_not(running(off), "ONBOOT=no container was started");
    cr_assert_eq(find(&l, VZ_BOOT_BEGIN, off), -1);
    /* BOOTORDER 200 was running before BOOTORDER 10's start began */
    int b = find(&l, VZ_BOOT_BEGIN, low);
    cr_assert_geq(b, 0);
    cr_assert(l.r[b].running_then[1], "%s began before %s was up", low, high);
    cr_assert_lt(find(&l, VZ_BOOT_DONE, high), b);
    cr_assert_eq(l.r[find(&l, VZ_BOOT_DONE, high)].wave, 1);
    cr_assert_eq(l.r[find(&l, VZ_BOOT_DONE, low)].wave, 2);

    /* a second run finds them running */
    run_all(1, &o, &l, &res);
    cr_assert_eq(res.done, 0);
    cr_assert_eq(res.skipped, 2);

    pid_t pids[2];
    cr_assert(vz_ct_init_pid(low, &pids[0]) && vz_ct_init_pid(high, &pids[1]));
    run_all(0, NULL, &l, &res);
    cr_assert_eq(res.done, 2);
    cr_assert_eq(res.failed, 0);
    /* reverse: BOOTORDER 10 was down before BOOTORDER 200's stop began */
    b = find(&l, VZ_BOOT_BEGIN, high);
    cr_assert_geq(b, 0);
    cr_assert_not(l.r[b].running_then[0], "%s's stop began while %s still ran", high, low);
    for (int i = 0; i < 2; i++)
        cr_assert_not(alive(pids[i]), "init %d still there after stop-all", (int)pids[i]);
    for (int i = 0; i < nct; i++) {
        cr_assert_not(running(ids[i]));
        cr_assert_not(cgroup_left(ids[i]), "stop-all left the cgroup of %s", ids[i]);
    }
}

Test(boot, without_onboot_every_stopped_container_starts)
{
    add_ct("ONBOOT=\"yes\"\n");
    add_ct("ONBOOT=\"no\"\n");
    add_ct(NULL);
    struct log l;
    struct vz_boot_result res;
    run_all(1, NULL, &l, &res);
    cr_assert_eq(res.done, 3);
    for (int i = 0; i < nct; i++)
        cr_assert(running(ids[i]));
    /* no BOOTORDER anywhere: one wave */
    for (int i = 0; i < l.n; i++)
        cr_assert_eq(l.r[i].wave, 1);
}

/* A dangling /sbin/init: vz_ct_start refuses with VZ_EBROKENCT. */
static void break_ct(const char *ctid)
{
    cleanup_free char *init = vz_xasprintf("%s/vz/private/%s/sbin/init", fix.vzroot, ctid);
    cr_assert_eq(symlink("/nonexistent/init", init), 0);
}

Test(boot, a_failing_container_does_not_stop_the_others)
{
    const char *bad = add_ct("ONBOOT=\"yes\"\nBOOTORDER=\"100\"\n");
    const char *peer = add_ct("ONBOOT=\"yes\"\nBOOTORDER=\"100\"\n");
    const char *later = add_ct("ONBOOT=\"yes\"\n");
    break_ct(bad);
    struct log l;
    struct vz_boot_result res;
    struct vz_boot_opts o = { .onboot = 1 };
    run_all(1, &o, &l, &res);
    cr_assert_eq(res.failed, 1);
    cr_assert_eq(res.done, 2);
    int d = find(&l, VZ_BOOT_DONE, bad);
    cr_assert_geq(d, 0);
    cr_assert_eq(l.r[d].status, VZ_EBROKENCT);
    cr_assert_not(running(bad));
    cr_assert(running(peer), "the same wave's other container did not start");
    cr_assert(running(later), "the next wave did not run after a failure");
}

Test(boot, disabled_containers_are_skipped)
{
    const char *dis = add_ct("ONBOOT=\"yes\"\nDISABLED=\"yes\"\n");
    const char *ok = add_ct("ONBOOT=\"yes\"\n");
    struct log l;
    struct vz_boot_result res;
    struct vz_boot_opts o = { .onboot = 1 };
    run_all(1, &o, &l, &res);
    cr_assert_eq(res.done, 1);
    cr_assert_eq(res.skipped, 1);
    cr_assert_not(running(dis));
    cr_assert(running(ok));
    cr_assert_geq(find(&l, VZ_BOOT_SKIP, dis), 0);
    cr_assert_eq(find(&l, VZ_BOOT_BEGIN, dis), -1);
    /* not without --onboot either */
    run_all(1, NULL, &l, &res);
    cr_assert_not(running(dis));
}

Test(boot, two_start_alls_at_once_start_each_container_once)
{
    add_ct("ONBOOT=\"yes\"\nBOOTORDER=\"2\"\n");
    add_ct("ONBOOT=\"yes\"\nBOOTORDER=\"1\"\n");
    add_ct("ONBOOT=\"yes\"\n");
    int p[2];
    cr_assert_eq(pipe(p), 0);
    pid_t kids[2];
    for (int k = 0; k < 2; k++) {
        kids[k] = fork();
        cr_assert_geq(kids[k], 0);
        if (kids[k] == 0) {
            struct vz_boot_opts o = { .onboot = 1 };
            struct vz_boot_result res;
            vz_error_t err = NULL;
            int rc = vz_boot_start_all(&o, &res, &err);
            int msg[3] = { rc, res.done, res.failed };
            if (write(p[1], msg, sizeof(msg)) != sizeof(msg))
                _exit(1);
            _exit(0);
        }
    }
    close(p[1]);
    int started = 0;
    for (int k = 0; k < 2; k++) {
        int msg[3];
        cr_assert_eq(read(p[0], msg, sizeof(msg)), (ssize_t)sizeof(msg));
        cr_assert_eq(msg[0], 0);
        cr_assert_eq(msg[2], 0, "a run failed (a container locked or already running?)");
        started += msg[1];
    }
    close(p[0]);
    for (int k = 0; k < 2; k++)
        cr_assert_eq(waitpid(kids[k], NULL, 0), kids[k]);
    cr_assert_eq(started, 3, "%d starts for 3 containers", started);
    for (int i = 0; i < nct; i++)
        cr_assert(running(ids[i]));
}

Test(boot, stop_all_kills_a_container_that_ignores_its_shutdown_signal)
{
    const char *stubborn = add_ct(NULL);
    const char *fine = add_ct(NULL);
    /* an init that has no handler: the kernel drops every signal from the
     * host to a pid namespace's init except SIGKILL */
    cleanup_free char *init = vz_xasprintf("%s/vz/private/%s/sbin/init", fix.vzroot, stubborn);
    const char *sh = "#!/bin/sh\nwhile :; do sleep 1; done\n";
    vz_error_t err = NULL;
    cr_assert_eq(vz_atomic_write(init, sh, strlen(sh), 0755, &err), 0);
    struct log l;
    struct vz_boot_result res;
    run_all(1, NULL, &l, &res);
    cr_assert_eq(res.done, 2);
    pid_t pid = 0;
    cr_assert(vz_ct_init_pid(stubborn, &pid));
    struct vz_boot_opts o = { .timeout = 1 };
    run_all(0, &o, &l, &res);
    cr_assert_eq(res.done, 2);
    cr_assert_eq(res.failed, 0);
    cr_assert_not(alive(pid), "the stubborn init %d is still there", (int)pid);
    cr_assert_not(running(stubborn));
    cr_assert_not(running(fine));
    cr_assert_not(cgroup_left(stubborn));
}

/* The command: --json records in the order things finished, exit 207 with
 * the failing container named on stderr. */
Test(boot, vzctl_start_all_json_and_exit_code)
{
    const char *bad = add_ct("ONBOOT=\"yes\"\nBOOTORDER=\"1\"\n");
    const char *first = add_ct("ONBOOT=\"yes\"\nBOOTORDER=\"9\"\n");
    add_ct("ONBOOT=\"no\"\n");
    break_ct(bad);
    char *out = NULL;
    char *argv[] = { "vzctl", "start-all", "--onboot", "--json", NULL };
    int st = fx_run(argv, &out);
    cr_assert_eq(st, VZ_EPARTIAL, "exit %d: %s", st, out);
    cleanup_free char *want = vz_xasprintf("vzctl: error: container %s failed to start (exit code 47)", bad);
    cr_assert(strstr(out, want), "%s", out);
    const char *js = strstr(out, "{\n"); /* after the error line on stderr */
    cr_assert(js, "%s", out);
    json_error_t je;
    json_t *j = json_loads(js, 0, &je);
    cr_assert(j, "%s: %s", je.text, js);
    cr_assert_eq(json_integer_value(json_object_get(j, "started")), 1);
    cr_assert_eq(json_integer_value(json_object_get(j, "failed")), 1);
    json_t *cts = json_object_get(j, "containers");
    cr_assert_eq(json_array_size(cts), 2);
    json_t *r0 = json_array_get(cts, 0), *r1 = json_array_get(cts, 1);
    cr_assert_str_eq(json_string_value(json_object_get(r0, "ctid")), first);
    cr_assert_str_eq(json_string_value(json_object_get(r0, "result")), "started");
    cr_assert_eq(json_integer_value(json_object_get(r0, "bootorder")), 9);
    cr_assert_str_eq(json_string_value(json_object_get(r1, "ctid")), bad);
    cr_assert_str_eq(json_string_value(json_object_get(r1, "result")), "failed");
    cr_assert_eq(json_integer_value(json_object_get(r1, "status")), VZ_EBROKENCT);
    json_decref(j);
    free(out);

    char *argv2[] = { "vzctl", "stop-all", NULL };
    st = fx_run(argv2, &out);
    cr_assert_eq(st, 0, "%s", out);
    cleanup_free char *said = vz_xasprintf("Container %s stopped", first);
    cr_assert(strstr(out, said), "%s", out);
    free(out);
    cr_assert_not(running(first));
}

Test(boot, vzctl_set_bootorder_and_disabled_are_what_start_all_reads)
{
    const char *a = add_ct(NULL);
    const char *b = add_ct(NULL);
    vz_error_t err = NULL;
    struct vz_set_opts bad = { .bootorder = "soon", .save = 1 };
    cr_assert_eq(vz_ct_set(a, &bad, &err), -1);
    cr_assert_eq(err->status, VZ_EBADARG);
    vz_error_release(&err);
    struct vz_set_opts so = { .bootorder = "5", .save = 1 };
    cr_assert_eq(vz_ct_set(a, &so, &err), 0, "%s", err ? err->msg : "");
    struct vz_set_opts sd = { .disabled = "yes", .save = 1 };
    cr_assert_eq(vz_ct_set(b, &sd, &err), 0, "%s", err ? err->msg : "");
    struct log l;
    struct vz_boot_result res;
    run_all(1, NULL, &l, &res);
    cr_assert_eq(res.done, 1);
    cr_assert_eq(res.skipped, 1);
    int d = find(&l, VZ_BOOT_DONE, a);
    cr_assert_geq(d, 0);
    cr_assert_eq(l.r[d].bootorder, 5);
    cr_assert_geq(find(&l, VZ_BOOT_SKIP, b), 0);
    cr_assert_not(running(b));
    /* --disabled no: started by the next run */
    struct vz_set_opts se = { .disabled = "no", .save = 1 };
    cr_assert_eq(vz_ct_set(b, &se, &err), 0, "%s", err ? err->msg : "");
    run_all(1, NULL, &l, &res);
    cr_assert_eq(res.done, 1);
    cr_assert(running(b));
}

/* What systemd's SIGTERM does to a start-all: nothing more is launched, and
 * what was not started is reported as failed. */
Test(boot, a_cancelled_start_all_launches_nothing_more_and_says_so)
{
    add_ct("BOOTORDER=\"2\"\n");
    add_ct("BOOTORDER=\"1\"\n");
    volatile sig_atomic_t cancel = 1;
    struct vz_boot_opts o = { .cancel = &cancel };
    struct log l;
    struct vz_boot_result res;
    run_all(1, &o, &l, &res);
    cr_assert_eq(res.done, 0);
    cr_assert_eq(res.failed, 2);
    for (int i = 0; i < nct; i++) {
        cr_assert_not(running(ids[i]));
        cr_assert_eq(find(&l, VZ_BOOT_BEGIN, ids[i]), -1);
        cr_assert_geq(find(&l, VZ_BOOT_DONE, ids[i]), 0);
    }
}
