/* vpscore/cgroup-systemd.c: a container's delegated scope on a host where
 * systemd is PID 1 on a pure cgroup v2 tree (cgroup-internal.h, "systemd
 * mode"; docs/runtime.md, "cgroups on a systemd host").
 *
 * systemd owns that tree: a process that mkdirs or writes below its root
 * behind its back has its groups removed, moved or its limits rewritten
 * at the next daemon-reload. A unit with Delegate=yes is the documented way
 * out: systemd makes the unit's group and never touches what is below it.
 * So each container gets a transient scope, vz-CTID.scope in vz.slice,
 * asked for through the manager's D-Bus API (StartTransientUnit), and the
 * runtime owns everything below it.
 *
 * A scope is made around processes (PIDs=), and systemd collects it as
 * soon as it is empty: the scope is made around a holder, a child of the
 * caller that only waits, which keeps it until the container's init is in
 * (vz_cgroup_settled) and then dies.
 *
 * libsystemd is dlopen()ed here, on first use, and not linked: only a
 * systemd host needs it, and loading it (and libgcrypt, liblz4, ...) cost
 * every vzctl command about 0.6 ms. */
#include "vpscore/cgroup-internal.h"

#include <dlfcn.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <systemd/sd-bus.h>
#include <time.h>
#include <unistd.h>

#define SD_DEST "org.freedesktop.systemd1"
#define SD_PATH "/org/freedesktop/systemd1"
#define SD_MANAGER "org.freedesktop.systemd1.Manager"
#define JOB_WAIT_USEC (30ULL * 1000000ULL)

#define SD_SYMS(X) X(sd_bus_open_system) X(sd_bus_match_signal) X(sd_bus_message_new_method_call) \
    X(sd_bus_message_append) X(sd_bus_message_open_container) X(sd_bus_message_close_container) \
    X(sd_bus_call) X(sd_bus_message_read) X(sd_bus_process) X(sd_bus_wait) X(sd_bus_error_is_set) \
    X(sd_bus_error_has_name) X(sd_bus_error_get_errno) X(sd_bus_error_free) X(sd_bus_message_unref) \
    X(sd_bus_slot_unref) X(sd_bus_flush_close_unref) X(sd_bus_new) X(sd_bus_set_address) X(sd_bus_start) \
    X(sd_bus_unref) X(sd_bus_get_property_string)

#define SD_FIELD(f) __typeof__(f) *f;
static struct {
    SD_SYMS(SD_FIELD)
} L;

static int load_libsystemd(vz_error_t *err)
{
    static int loaded;
    if (loaded)
        return 0;
    void *h = dlopen("libsystemd.so.0", RTLD_NOW | RTLD_LOCAL);
    if (h == NULL)
        return vz_error_set(err, VZ_ESYSTEM, ENOENT, "systemd is PID 1 but libsystemd.so.0 cannot be loaded "
                            "(%s): install libsystemd0, or set VZ_CGROUP_SYSTEMD=0", dlerror());
#define SD_LOAD(f)                                                                         \
    if ((*(void **)&L.f = dlsym(h, #f)) == NULL) {                                          \
        dlclose(h);                                                                        \
        return vz_error_set(err, VZ_ESYSTEM, ENOENT, "libsystemd.so.0 has no %s", #f);     \
    }
    SD_SYMS(SD_LOAD)
#undef SD_LOAD
    loaded = 1;
    return 0;
}

int vz_cg_systemd_host(void)
{
    /* sd_booted()'s test, without asking the bus: this directory exists
     * only while systemd is the running system manager */
    const char *off = getenv("VZ_CGROUP_SYSTEMD");
    if (off && strcmp(off, "0") == 0)
        return 0;
    struct stat st;
    return lstat("/run/systemd/system", &st) == 0 && S_ISDIR(st.st_mode);
}

/* sd_bus_call() queues what arrives while it waits for the reply, and
 * sd_bus_process() dispatches it later: the handler always knows the job. */
struct job_wait {
    const char *path; /* the job we wait for */
    char result[32];  /* "done", "failed", "canceled", ... once removed */
    int removed;
};

static int on_job_removed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
    (void)ret_error;
    struct job_wait *w = userdata;
    uint32_t id;
    const char *path, *unit, *result;
    if (L.sd_bus_message_read(m, "uoss", &id, &path, &unit, &result) < 0)
        return 0;
    if (w->path && strcmp(path, w->path) == 0) {
        snprintf(w->result, sizeof(w->result), "%s", result);
        w->removed = 1;
    }
    return 0;
}

static int bus_fail(vz_error_t *err, int r, const sd_bus_error *e, const char *what, const char *unit)
{
    if (e && L.sd_bus_error_is_set(e))
        return vz_error_set(err, VZ_ESYSTEM, L.sd_bus_error_get_errno(e), "systemd: %s %s: %s", what, unit,
                            e->message ? e->message : e->name);
    return vz_error_set(err, VZ_ESYSTEM, -r, "systemd: %s %s: %s", what, unit, strerror(-r));
}

/* As systemctl does for root: systemd's private socket first (no D-Bus
 * daemon in between, and a host without one works too), else the system
 * bus. *direct: the private socket, whose messages name no sender. */
static int open_bus(sd_bus **out, int *direct)
{
    sd_bus *b = NULL;
    *direct = 0;
    if (geteuid() == 0 && L.sd_bus_new(&b) >= 0) {
        if (L.sd_bus_set_address(b, "unix:path=/run/systemd/private") >= 0 && L.sd_bus_start(b) >= 0) {
            *out = b;
            *direct = 1;
            return 0;
        }
        L.sd_bus_unref(b);
    }
    return L.sd_bus_open_system(out);
}

/* Call Manager.METHOD(unit, "fail", what append adds), then wait until
 * the job it queued is removed. *gone (when not NULL) is set, and 0
 * returned, when systemd answers that there is no such unit; *exists (when
 * not NULL) is set, and -1 returned, when it answers that it already has
 * one of that name. */
typedef int (*append_fn)(sd_bus_message *m, const void *ctx);

/* Scopes are ordered Before=vz.service, so that at shutdown (and at
 * `systemctl stop vz`) systemd stops them only after vz.service's stop-all
 * has shut the containers down cleanly. During that stop-all, a scope's
 * stop job waits for vz.service's to end: waiting for it there would
 * deadlock, so a stop then only queues it (the scope is empty by then). */
static int vz_service_stopping(sd_bus *bus)
{
    char *state = NULL;
    sd_bus_error e = SD_BUS_ERROR_NULL;
    int r = L.sd_bus_get_property_string(bus, SD_DEST, "/org/freedesktop/systemd1/unit/vz_2eservice",
                                         "org.freedesktop.systemd1.Unit", "ActiveState", &e, &state);
    int stopping = r >= 0 && state && strcmp(state, "deactivating") == 0;
    free(state);
    L.sd_bus_error_free(&e);
    return stopping;
}

static int call_job(const char *method, const char *unit, append_fn append, const void *ctx, int *gone,
                    int *exists, vz_error_t *err)
{
    sd_bus *bus = NULL;
    sd_bus_message *m = NULL, *reply = NULL;
    sd_bus_slot *slot = NULL;
    sd_bus_error e = SD_BUS_ERROR_NULL;
    struct job_wait w = { 0 };
    int rc = -1;
    if (load_libsystemd(err) < 0)
        return -1;
    int direct = 0;
    int r = open_bus(&bus, &direct);
    if (r < 0) {
        bus_fail(err, r, NULL, "connect to the system bus for", unit);
        goto out;
    }
    /* subscribe before the call: the job may finish before the reply is read */
    r = L.sd_bus_match_signal(bus, &slot, direct ? NULL : SD_DEST, SD_PATH, SD_MANAGER, "JobRemoved",
                              on_job_removed, &w);
    if (r >= 0)
        r = L.sd_bus_message_new_method_call(bus, &m, SD_DEST, SD_PATH, SD_MANAGER, method);
    if (r >= 0)
        r = L.sd_bus_message_append(m, "ss", unit, strcmp(method, "StopUnit") == 0 ? "replace" : "fail");
    if (r >= 0 && append)
        r = append(m, ctx);
    if (r < 0) {
        bus_fail(err, r, NULL, method, unit);
        goto out;
    }
    r = L.sd_bus_call(bus, m, 0, &e, &reply);
    if (r < 0) {
        if (gone && L.sd_bus_error_has_name(&e, "org.freedesktop.systemd1.NoSuchUnit")) {
            *gone = 1;
            rc = 0;
        } else {
            if (exists && L.sd_bus_error_has_name(&e, "org.freedesktop.systemd1.UnitExists"))
                *exists = 1;
            bus_fail(err, r, &e, method, unit);
        }
        goto out;
    }
    const char *job = NULL;
    if ((r = L.sd_bus_message_read(reply, "o", &job)) < 0) {
        bus_fail(err, r, NULL, method, unit);
        goto out;
    }
    w.path = job;
    if (strcmp(method, "StopUnit") == 0 && vz_service_stopping(bus)) {
        rc = 0; /* queued; its stop runs once vz.service's has ended */
        goto out;
    }
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    while (!w.removed) {
        r = L.sd_bus_process(bus, NULL);
        if (r < 0) {
            bus_fail(err, r, NULL, "wait for the job of", unit);
            goto out;
        }
        if (r > 0)
            continue;
        struct timespec t;
        clock_gettime(CLOCK_MONOTONIC, &t);
        /* signed: tv_nsec may be below t0's */
        int64_t us = (int64_t)(t.tv_sec - t0.tv_sec) * 1000000 + ((int64_t)t.tv_nsec - (int64_t)t0.tv_nsec) / 1000;
        uint64_t spent = us > 0 ? (uint64_t)us : 0;
        if (spent >= JOB_WAIT_USEC) {
            vz_error_set(err, VZ_ETIMEOUT, 0, "systemd: %s %s: job %s not done after 30 s", method, unit, job);
            goto out;
        }
        r = L.sd_bus_wait(bus, JOB_WAIT_USEC - spent);
        if (r < 0) {
            bus_fail(err, r, NULL, "wait for the job of", unit);
            goto out;
        }
    }
    if (strcmp(w.result, "done") != 0) {
        vz_error_set(err, VZ_ESYSTEM, 0, "systemd: %s %s: the job ended '%s' (journalctl -u %s)", method, unit,
                     w.result, unit);
        goto out;
    }
    rc = 0;
out:
    L.sd_bus_error_free(&e);
    L.sd_bus_message_unref(reply);
    L.sd_bus_message_unref(m);
    L.sd_bus_slot_unref(slot);
    L.sd_bus_flush_close_unref(bus);
    return rc;
}

struct scope_props {
    const char *slice;
    const char *desc;
    pid_t pid;
};

static int append_scope(sd_bus_message *m, const void *ctx)
{
    const struct scope_props *p = ctx;
    int r = L.sd_bus_message_open_container(m, 'a', "(sv)");
    /* Delegate: the subtree below the scope is ours. CollectMode: a scope
     * whose processes were killed (a failed result) goes too, so that the
     * next start can make one of the same name. */
    if (r >= 0)
        r = L.sd_bus_message_append(m, "(sv)(sv)(sv)(sv)(sv)(sv)", "Slice", "s", p->slice, "Description", "s",
                                  p->desc, "Delegate", "b", 1, "CollectMode", "s", "inactive-or-failed", "PIDs", "au",
                                  1, (uint32_t)p->pid, "Before", "as", 1, "vz.service");
    if (r >= 0)
        r = L.sd_bus_message_close_container(m);
    if (r >= 0)
        r = L.sd_bus_message_append(m, "a(sa(sv))", 0);
    return r;
}

/* The holder: a child that waits to be killed, and dies with its parent. */
static pid_t spawn_holder(vz_error_t *err)
{
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0)
        return vz_error_sys(err, "fork the cgroup holder");
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(0);
        /* nothing of vzctl's (its container lock) lives on in it */
        syscall(SYS_close_range, 3U, ~0U, 0U);
        for (;;)
            pause();
    }
    return pid;
}

void vz_cg_systemd_drop_holder(struct vz_cgroup *cg)
{
    if (cg->holder <= 0)
        return;
    kill(cg->holder, SIGKILL);
    while (waitpid(cg->holder, NULL, 0) < 0 && errno == EINTR)
        ;
    cg->holder = 0;
}

int vz_cg_systemd_stop(const struct vz_cgroup *cg, vz_error_t *err)
{
    int gone = 0;
    return call_job("StopUnit", cg->unit, NULL, NULL, &gone, NULL, err);
}

int vz_cg_systemd_start(struct vz_cgroup *cg, vz_error_t *err)
{
    cleanup_free char *scope_dir = vz_path_join(cg->root, cg->base);
    pid_t holder = spawn_holder(err);
    if (holder < 0)
        return -1;
    cleanup_free char *desc = vz_xasprintf("vzforge container %s", cg->ctid);
    struct scope_props p = { .slice = cg->slice, .desc = desc, .pid = holder };
    vz_error_t e = NULL;
    int exists = 0;
    int r = call_job("StartTransientUnit", cg->unit, append_scope, &p, NULL, &exists, &e);
    if (r < 0 && exists) {
        /* one left from a container that died on its own and was not
         * collected yet, or a failed stop: stop it (it is empty, or
         * vz_rt_cgroup_procs would have refused the start) and retry */
        vz_error_release(&e);
        if (vz_cg_systemd_stop(cg, &e) == 0)
            r = call_job("StartTransientUnit", cg->unit, append_scope, &p, NULL, NULL, &e);
    }
    if (r < 0) {
        kill(holder, SIGKILL);
        waitpid(holder, NULL, 0);
        *err = e;
        return -1;
    }
    cg->holder = holder;
    if (!vz_is_dir(scope_dir)) {
        vz_cg_systemd_drop_holder(cg);
        return vz_error_set(err, VZ_ESYSTEM, ENOENT, "systemd started %s but %s does not exist", cg->unit,
                            scope_dir);
    }
    return 0;
}
