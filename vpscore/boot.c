/* vpscore/boot.c: start-all / stop-all (vpscore/boot.h).
 *
 * The plan is a list of containers sorted into waves by BOOTORDER; each wave
 * runs through a pool of at most `jobs` child processes. Children, not
 * threads: the runtime forks, unshares and changes process-wide state while
 * it starts a container, none of which is safe beside other threads, and a
 * child that crashes costs one container, not the run. Children, not `vzctl
 * start` execs: the same isolation without an exec and a re-read of vz.conf
 * per container. */
#include "vpscore/boot.h"
#include "common/lock.h"
#include "vpscore/ctlist.h"
#include "vpscore/runtime.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum action { START, STOP };

struct item {
    char *ctid;
    int has_order;
    long order;
    int suspended;
    size_t index; /* in vz_ct_list's order: the tie-break */
};

/* What a child reports on its pipe: one fixed-size record. */
struct report {
    int status;
    char msg[2048];
};

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int is_yes(const char *v)
{
    return v && strcasecmp(v, "yes") == 0;
}

static void emit(const struct vz_boot_opts *o, enum vz_boot_kind kind, const struct item *it, int wave, int status,
                 const char *msg)
{
    if (!o->event)
        return;
    struct vz_boot_event ev = { .kind = kind, .ctid = it->ctid, .has_order = it->has_order,
                                .bootorder = it->order, .wave = wave, .status = status, .msg = msg };
    o->event(&ev, o->ud);
}

/* Higher BOOTORDER first, containers without one last, then vzlist's order. */
static int cmp_item(const void *a, const void *b)
{
    const struct item *x = a, *y = b;
    if (x->has_order != y->has_order)
        return x->has_order ? -1 : 1;
    if (x->has_order && x->order != y->order)
        return x->order > y->order ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

static int same_wave(const struct item *x, const struct item *y)
{
    return x->has_order == y->has_order && (!x->has_order || x->order == y->order);
}

static void parse_order(const struct vz_ct_entry *e, struct item *it)
{
    const char *v = vz_conf_get(&e->conf, "BOOTORDER");
    if (!v || !*v)
        return;
    char *end = NULL;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (errno || *end) {
        vz_warn("container %s: BOOTORDER=\"%s\" is not an integer; it is started last", e->ctid, v);
        return;
    }
    it->has_order = 1;
    it->order = n;
}

/* The containers this run acts on, sorted; skipped ones reported at once. */
static int plan(enum action act, const struct vz_boot_opts *o, struct vz_boot_result *res, struct item **out,
                size_t *nout, vz_error_t *err)
{
    struct vz_ct_entry *v = NULL;
    size_t n = 0;
    if (vz_ct_list(&v, &n, err) < 0)
        return vz_error_wrap(err, "list containers");
    struct item *items = calloc(n ? n : 1, sizeof(*items));
    if (!items)
        abort();
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        struct item it = { .ctid = v[i].ctid, .suspended = v[i].suspended, .index = i };
        parse_order(&v[i], &it);
        const char *skip = NULL;
        if (act == START) {
            if (o->onboot && !is_yes(vz_conf_get(&v[i].conf, "ONBOOT")))
                continue; /* not asked for: not reported either */
            if (is_yes(vz_conf_get(&v[i].conf, "DISABLED")))
                skip = "disabled (DISABLED=\"yes\")";
            else if (v[i].running)
                skip = "already running";
        } else if (!v[i].running) {
            continue;
        }
        if (skip) {
            emit(o, VZ_BOOT_SKIP, &it, 0, 0, skip);
            res->skipped++;
            continue;
        }
        v[i].ctid = NULL; /* the item owns it now */
        items[k++] = it;
    }
    vz_ct_list_free(v, n);
    qsort(items, k, sizeof(*items), cmp_item);
    *out = items;
    *nout = k;
    return 0;
}

static void write_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n > 0) {
        ssize_t w = write(fd, c, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;
        c += w;
        n -= (size_t)w;
    }
}

/* In the child: start or stop one container, report, exit. */
static void __attribute__((noreturn)) child(enum action act, const struct item *it, int wait_s, int wfd,
                                            int lockfd)
{
    close(lockfd); /* the run's lock is the parent's alone */
    signal(SIGTERM, SIG_DFL); /* the parent's cancel handler is not ours */
    signal(SIGINT, SIG_DFL);
    vz_error_t e = NULL;
    int rc;
    /* Locked: another vzctl works on it (an admin's stop, status...); it
     * usually finishes within seconds. */
    for (int tries = 0;; tries++) {
        if (act == START) {
            rc = vz_ct_start(it->ctid, NULL, &e);
        } else {
            if (it->suspended && vz_ct_suspend(it->ctid, 0, &e) < 0)
                vz_error_release(&e); /* the stop reports what matters */
            rc = vz_ct_stop_within(it->ctid, wait_s, &e);
        }
        if (rc == 0 || e->status != VZ_ELOCKED || tries >= 300)
            break;
        vz_error_release(&e);
        usleep(100 * 1000);
    }
    struct report r = { 0 };
    if (rc < 0) {
        r.status = e->status ? e->status : VZ_EFAIL;
        snprintf(r.msg, sizeof(r.msg), "%s", e->msg);
    }
    write_all(wfd, &r, sizeof(r));
    _exit(0);
}

struct slot {
    pid_t pid;
    int fd;
    const struct item *it;
};

/* Read a child's report and reap it. */
static void finish(enum action act, const struct vz_boot_opts *o, struct slot *s, int wave,
                   struct vz_boot_result *res)
{
    struct report r = { 0 };
    size_t got = 0;
    while (got < sizeof(r)) {
        ssize_t n = read(s->fd, (char *)&r + got, sizeof(r) - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    close(s->fd);
    int ws = 0;
    while (waitpid(s->pid, &ws, 0) < 0 && errno == EINTR)
        ;
    if (got < sizeof(r)) {
        r.status = VZ_EFAIL;
        if (WIFSIGNALED(ws))
            snprintf(r.msg, sizeof(r.msg), "container %s: its %s process was killed by signal %d", s->it->ctid,
                     act == START ? "start" : "stop", WTERMSIG(ws));
        else
            snprintf(r.msg, sizeof(r.msg), "container %s: its %s process exited (status %d) without a report",
                     s->it->ctid, act == START ? "start" : "stop", WEXITSTATUS(ws));
    }
    r.msg[sizeof(r.msg) - 1] = '\0';
    /* Someone else (an admin, a run before the lock) got there first. */
    if ((act == START && r.status == VZ_ERUNNING) || (act == STOP && r.status == VZ_ENOTRUNNING)) {
        emit(o, VZ_BOOT_SKIP, s->it, wave, 0, act == START ? "already running" : "not running");
        res->skipped++;
    } else {
        emit(o, VZ_BOOT_DONE, s->it, wave, r.status, r.status ? r.msg : NULL);
        if (r.status)
            res->failed++;
        else
            res->done++;
    }
    s->pid = 0;
    s->fd = -1;
}

static void launch(enum action act, const struct vz_boot_opts *o, struct slot *s, const struct item *it, int wave,
                   long long deadline, int lockfd, struct vz_boot_result *res)
{
    int wait_s = -1; /* STOP_TIMEOUT */
    if (deadline) {
        long long left = deadline - now_ms();
        wait_s = left > 0 ? (int)((left + 999) / 1000) : 0;
    }
    emit(o, VZ_BOOT_BEGIN, it, wave, 0, NULL);
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0) {
        cleanup_free char *m = vz_xasprintf("container %s: pipe: %s", it->ctid, strerror(errno));
        emit(o, VZ_BOOT_DONE, it, wave, VZ_ESYSTEM, m);
        res->failed++;
        return;
    }
    fflush(NULL); /* the child must not write the parent's buffered output again */
    pid_t pid = fork();
    if (pid == 0) {
        close(p[0]);
        child(act, it, wait_s, p[1], lockfd);
    }
    close(p[1]);
    if (pid < 0) {
        cleanup_free char *m = vz_xasprintf("container %s: fork: %s", it->ctid, strerror(errno));
        close(p[0]);
        emit(o, VZ_BOOT_DONE, it, wave, VZ_ESYSTEM, m);
        res->failed++;
        return;
    }
    s->pid = pid;
    s->fd = p[0];
    s->it = it;
}

/* Run items[from..to) through a pool of jobs children. */
static void run_wave(enum action act, const struct vz_boot_opts *o, const struct item *items, size_t from,
                     size_t to, int wave, int jobs, long long deadline, int lockfd, struct vz_boot_result *res)
{
    struct slot *slots = calloc((size_t)jobs, sizeof(*slots));
    struct pollfd *pfd = calloc((size_t)jobs, sizeof(*pfd));
    if (!slots || !pfd)
        abort();
    size_t next = from;
    int active = 0;
    for (;;) {
        int cancelled = act == START && o->cancel && *o->cancel;
        for (int i = 0; i < jobs && next < to && !cancelled; i++)
            if (slots[i].pid == 0) {
                launch(act, o, &slots[i], &items[next++], wave, deadline, lockfd, res);
                active += slots[i].pid != 0;
            }
        if (active == 0)
            break;
        for (int i = 0; i < jobs; i++)
            pfd[i] = (struct pollfd){ .fd = slots[i].pid ? slots[i].fd : -1, .events = POLLIN };
        if (poll(pfd, (nfds_t)jobs, -1) < 0)
            continue; /* EINTR: a signal; look at cancel again */
        for (int i = 0; i < jobs; i++)
            if (slots[i].pid && pfd[i].revents) {
                finish(act, o, &slots[i], wave, res);
                active--;
            }
    }
    /* cancelled: what was not launched is reported, as a failure (the
     * admin asked for it to run) */
    for (; next < to; next++) {
        emit(o, VZ_BOOT_DONE, &items[next], wave, VZ_EFAIL, "not started: start-all was interrupted");
        res->failed++;
    }
    free(slots);
    free(pfd);
}

static int default_jobs(void)
{
    const char *v = vz_conf_get(vz_global_conf(), "VE_PARALLEL");
    int n = v ? atoi(v) : 0;
    if (n > 0)
        return n;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    return cpus > 0 ? (int)(cpus * 4) : 4;
}

/* $VZ_ROOT/vz/lock/_all.lck, waited for. */
static int lock_all(const struct vz_boot_opts *o, int *fd, vz_error_t *err)
{
    cleanup_free char *dir = vz_root_path("/vz/lock");
    cleanup_free char *p = vz_root_path("/vz/lock/_all.lck");
    if (!vz_is_dir(dir) && vz_mkdir_p(dir, 0755, err) < 0)
        return -1;
    cleanup_close int f = open(p, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (f < 0)
        return vz_error_sys(err, "open %s", p);
    int busy = vz_flock_fd(f, false, false);
    if (busy < 0)
        return vz_error_sys(err, "flock %s", p);
    if (busy == 1) {
        vz_info("waiting for another start-all or stop-all to finish (%s)", p);
        while (vz_flock_fd(f, false, true) < 0) {
            if (errno != EINTR)
                return vz_error_sys(err, "flock %s", p);
            if (o->cancel && *o->cancel)
                return vz_error_set(err, VZ_ELOCKED, 0, "interrupted while waiting for %s", p);
        }
    }
    *fd = get_and_reset_fd(&f);
    return 0;
}

static int run(enum action act, const struct vz_boot_opts *o, struct vz_boot_result *res, vz_error_t *err)
{
    memset(res, 0, sizeof(*res));
    cleanup_close int lockfd = -1;
    if (lock_all(o, &lockfd, err) < 0)
        return -1;
    struct item *items = NULL;
    size_t n = 0;
    if (plan(act, o, res, &items, &n, err) < 0)
        return -1;
    int jobs = o->jobs > 0 ? o->jobs : default_jobs();
    long long deadline = act == STOP && o->timeout > 0 ? now_ms() + (long long)o->timeout * 1000 : 0;
    /* wave boundaries, in start order */
    size_t nw = 0;
    size_t *bounds = calloc(n + 1, sizeof(*bounds));
    if (!bounds)
        abort();
    for (size_t i = 0; i < n; i++)
        if (i == 0 || !same_wave(&items[i - 1], &items[i]))
            bounds[nw++] = i;
    bounds[nw] = n;
    for (size_t w = 0; w < nw; w++) {
        size_t k = act == START ? w : nw - 1 - w;
        run_wave(act, o, items, bounds[k], bounds[k + 1], (int)w + 1, jobs, deadline, lockfd, res);
    }
    free(bounds);
    for (size_t i = 0; i < n; i++)
        free(items[i].ctid);
    free(items);
    return 0;
}

int vz_boot_start_all(const struct vz_boot_opts *o, struct vz_boot_result *res, vz_error_t *err)
{
    return run(START, o, res, err);
}

int vz_boot_stop_all(const struct vz_boot_opts *o, struct vz_boot_result *res, vz_error_t *err)
{
    return run(STOP, o, res, err);
}
