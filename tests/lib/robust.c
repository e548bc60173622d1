/* tests/lib/robust.c: see robust.h. */
#include "tests/lib/robust.h"
#include "vpscore/cgroup.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cache/store.h"
#include "common/common.h"
#include "tmplbuild/pack.h"

#define VZR_HANG_S 240

void vzr_init(void)
{
    cr_assert_eq(prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0), 0, "PR_SET_CHILD_SUBREAPER: %s",
                 strerror(errno));
}

static void drain(int fd, struct vz_buf *b, bool *open_)
{
    char tmp[65536];
    ssize_t n = read(fd, tmp, sizeof(tmp));
    if (n > 0)
        vz_buf_add(b, tmp, (size_t)n);
    else if (n == 0 || (errno != EINTR && errno != EAGAIN))
        *open_ = false;
}

/* { "$VZ_BUILD/bin/PROG", args..., NULL }; free argv[0] and argv. */
static char **build_argv(const char *prog, const char *const *args)
{
    const char *b = getenv("VZ_BUILD");
    cr_assert_not_null(b, "VZ_BUILD is not set: run through make check");
    char *bin = vz_xasprintf("%s/bin/%s", b, prog);
    cr_assert(vz_file_exists(bin), "%s is not built", bin);
    size_t n = 0;
    while (args[n])
        n++;
    char **argv = vz_xcalloc(n + 2, sizeof(char *));
    argv[0] = bin;
    for (size_t i = 0; i < n; i++)
        argv[i + 1] = (char *)args[i];
    return argv;
}

void vzr_run_env(struct vzr_res *r, const char *prog, const char *const *args,
                 const char *const *env)
{
    memset(r, 0, sizeof(*r));
    char **argv = build_argv(prog, args);
    int po[2], pe[2];
    cr_assert_eq(pipe2(po, O_CLOEXEC), 0);
    cr_assert_eq(pipe2(pe, O_CLOEXEC), 0);
    fflush(NULL);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        int nul = open("/dev/null", O_RDONLY);
        dup2(nul, 0);
        dup2(po[1], 1);
        dup2(pe[1], 2);
        for (size_t i = 0; env && env[i]; i++)
            putenv((char *)env[i]);
        /* A sanitizer report must be visible as such, whatever it exits with. */
        setenv("ASAN_OPTIONS", "abort_on_error=0:exitcode=250", 0);
        setenv("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1:exitcode=251", 0);
        execv(argv[0], argv);
        _exit(127);
    }
    free(argv[0]);
    free(argv);
    close(po[1]);
    close(pe[1]);
    struct vz_buf out = VZ_BUF_INIT, err = VZ_BUF_INIT;
    vz_buf_init(&out);
    vz_buf_init(&err);
    bool oo = true, eo = true;
    time_t deadline = time(NULL) + VZR_HANG_S;
    while (oo || eo) {
        struct pollfd p[2] = { { oo ? po[0] : -1, POLLIN, 0 }, { eo ? pe[0] : -1, POLLIN, 0 } };
        int pr = poll(p, 2, 1000);
        if (pr < 0 && errno != EINTR)
            break;
        if (p[0].revents)
            drain(po[0], &out, &oo);
        if (p[1].revents)
            drain(pe[0], &err, &eo);
        if (time(NULL) > deadline) {
            r->hung = true;
            kill(pid, SIGKILL);
            break;
        }
    }
    close(po[0]);
    close(pe[0]);
    int st = 0;
    if (r->hung) {
        waitpid(pid, &st, 0);
    } else {
        /* The pipes may close before the process ends (it closed them). */
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
            ;
    }
    if (WIFSIGNALED(st)) {
        r->code = -1;
        r->sig = WTERMSIG(st);
    } else {
        r->code = WEXITSTATUS(st);
    }
    r->out = vz_buf_detach(&out, NULL);
    r->err = vz_buf_detach(&err, NULL);
    if (!r->out)
        r->out = vz_xstrdup("");
    if (!r->err)
        r->err = vz_xstrdup("");
}

void vzr_run(struct vzr_res *r, const char *prog, const char *const *args)
{
    vzr_run_env(r, prog, args, NULL);
}

struct vzr_res vzr_runv(const char *prog, const char *const *args)
{
    struct vzr_res r;
    vzr_run(&r, prog, args);
    return r;
}

void vzr_res_release(struct vzr_res *r)
{
    free(r->out);
    free(r->err);
    memset(r, 0, sizeof(*r));
}

bool vzr_documented_code(int code)
{
#define VZR_X(name, num, msg) if (code == (num)) return true;
    VZ_STATUS_LIST(VZR_X)
#undef VZR_X
    return false;
}

static const char *clip(const char *s)
{
    static __thread char buf[2048];
    size_t n = strlen(s);
    if (n < sizeof(buf))
        return s;
    snprintf(buf, sizeof(buf), "%.1000s\n[...%zu bytes...]\n%s", s, n - 2000, s + n - 1000);
    return buf;
}

void vzr_assert_sane(const struct vzr_res *r, const char *what)
{
    cr_assert(!r->hung, "%s: still running after %d s (hang)\nstderr: %s", what, VZR_HANG_S,
              clip(r->err));
    cr_assert_eq(r->sig, 0, "%s: killed by signal %d (%s)\nstderr: %s", what, r->sig,
                 strsignal(r->sig), clip(r->err));
    const char *san[] = { "AddressSanitizer", "LeakSanitizer", "runtime error:",
                          "UndefinedBehaviorSanitizer" };
    for (size_t i = 0; i < VZ_ARRAY_SIZE(san); i++)
        cr_assert_null(strstr(r->err, san[i]), "%s: sanitizer report\n%s", what, clip(r->err));
    cr_assert(vzr_documented_code(r->code), "%s: exit code %d is not in docs/exit-codes.md\n"
              "stderr: %s", what, r->code, clip(r->err));
    /* a report (vzpkg verify) may say what failed on stdout */
    if (r->code != 0)
        cr_assert(r->err[0] != '\0' || r->out[0] != '\0', "%s: exit %d with no message", what,
                  r->code);
}

/* ---- state ---- */

static void list_add(struct vzr_list *l, char *s)
{
    l->v = vz_xrealloc(l->v, (l->n + 1) * sizeof(char *));
    l->v[l->n++] = s;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void list_sort(struct vzr_list *l)
{
    if (l->n)
        qsort(l->v, l->n, sizeof(char *), cmp_str);
}

static void list_free(struct vzr_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    memset(l, 0, sizeof(*l));
}

static void walk(struct vzr_list *l, const char *abs, const char *rel)
{
    cleanup_dir DIR *d = opendir(abs);
    if (!d)
        return;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        char *r = *rel ? vz_xasprintf("%s/%s", rel, de->d_name) : vz_xstrdup(de->d_name);
        cleanup_free char *a = vz_path_join(abs, de->d_name);
        struct stat st;
        if (lstat(a, &st) == 0 && S_ISDIR(st.st_mode))
            walk(l, a, r);
        list_add(l, r);
    }
}

static void read_mounts(struct vzr_list *l)
{
    cleanup_file FILE *f = fopen("/proc/self/mountinfo", "re");
    char line[8192];
    while (f && fgets(line, sizeof(line), f)) {
        char mp[4096];
        if (sscanf(line, "%*s %*s %*s %*s %4095s", mp) == 1)
            list_add(l, vz_xstrdup(mp));
    }
}

static const char *const *watched;

void vzr_watch(const char *const *ids)
{
    watched = ids;
}

/* Other test runs on the host create their own cgroups: with a watch list,
 * only cgroups one of whose path components is a watched id count. */
static bool is_watched(const char *path)
{
    if (!watched)
        return true;
    for (size_t i = 0; watched[i]; i++) {
        size_t n = strlen(watched[i]);
        for (const char *p = strstr(path, watched[i]); p; p = strstr(p + 1, watched[i]))
            if ((p == path || p[-1] == '/') && (p[n] == '\0' || p[n] == '/'))
                return true;
    }
    return false;
}

static void read_cgroups(struct vzr_list *l)
{
    /* this VZ_ROOT's parent group (vpscore/cgroup.h vz_cgroup_base) */
    cleanup_free char *base = vz_cgroup_base();
    cleanup_free char *v2 = vz_path_join("/sys/fs/cgroup", base);
    cleanup_free char *v2tag = vz_xasprintf("v2:%s", base);
    walk(l, v2, v2tag);
    cleanup_dir DIR *d = opendir("/sys/fs/cgroup");
    struct dirent *de;
    while (d && (de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        cleanup_free char *p = vz_xasprintf("/sys/fs/cgroup/%s/%s", de->d_name, base);
        cleanup_free char *tag = vz_xasprintf("%s:%s", de->d_name, base);
        struct stat st;
        if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
            list_add(l, vz_xstrdup(tag));
            walk(l, p, tag);
        }
    }
    /* systemd hosts: this VZ_ROOT's scopes, vz.slice/vz-ID-CTID.scope
     * (vpscore/cgroup.c name_systemd), listed as "scope:CTID" so that the
     * watch list and the directories-only filter below see the CTID */
    if (strcmp(base, "vzforge") != 0) {
        cleanup_free char *id = vz_xstrdup(base + strlen("vzforge") + 1);
        for (char *c = id; *c; c++)
            if (*c == '-')
                *c = '_';
        cleanup_free char *prefix = vz_xasprintf("vz-%s-", id);
        cleanup_dir DIR *sd = opendir("/sys/fs/cgroup/vz.slice");
        while (sd && (de = readdir(sd))) {
            size_t n = strlen(de->d_name), pn = strlen(prefix);
            if (strncmp(de->d_name, prefix, pn) != 0 || n <= pn + 6 || strcmp(de->d_name + n - 6, ".scope"))
                continue;
            cleanup_free char *ctid = vz_xasprintf("%.*s", (int)(n - pn - 6), de->d_name + pn);
            cleanup_free char *p = vz_xasprintf("/sys/fs/cgroup/vz.slice/%s", de->d_name);
            cleanup_free char *tag = vz_xasprintf("scope:%s", ctid);
            list_add(l, vz_xstrdup(tag));
            walk(l, p, tag);
        }
    }
    /* Only directories matter (cgroupfs files come with them). */
    size_t j = 0;
    for (size_t i = 0; i < l->n; i++) {
        const char *last = strrchr(l->v[i], '/');
        if ((last && strchr(last, '.')) || !is_watched(l->v[i]) ||
            (last && (!strcmp(last, "/tasks") || !strcmp(last, "/notify_on_release")))) {
            free(l->v[i]);
            continue;
        }
        l->v[j++] = l->v[i];
    }
    l->n = j;
}

/* /proc/self/net/dev: the interfaces of our network namespace. */
static void read_netdevs(struct vzr_list *l)
{
    cleanup_file FILE *f = fopen("/proc/self/net/dev", "re");
    char line[512];
    while (f && fgets(line, sizeof(line), f)) {
        char *c = strchr(line, ':');
        if (!c)
            continue;
        *c = '\0';
        const char *n = line;
        while (*n == ' ')
            n++;
        list_add(l, vz_xstrdup(n));
    }
}

static void read_children(struct vzr_list *l)
{
    cleanup_dir DIR *d = opendir("/proc");
    struct dirent *de;
    pid_t me = getpid();
    while (d && (de = readdir(d))) {
        if (de->d_name[0] < '0' || de->d_name[0] > '9')
            continue;
        cleanup_free char *p = vz_xasprintf("/proc/%s/stat", de->d_name);
        cleanup_file FILE *f = fopen(p, "re");
        char buf[1024];
        if (!f || !fgets(buf, sizeof(buf), f))
            continue;
        char *rp = strrchr(buf, ')');
        int ppid = 0;
        char state;
        if (!rp || sscanf(rp + 1, " %c %d", &state, &ppid) != 2 || ppid != me)
            continue;
        if (state == 'Z') { /* dead, re-parented to us: reap it */
            waitpid((pid_t)atoi(de->d_name), NULL, WNOHANG);
            continue;
        }
        char *lp = strchr(buf, '(');
        *rp = '\0';
        list_add(l, vz_xasprintf("%s %s", de->d_name, lp ? lp + 1 : "?"));
    }
}

void vzr_state_take(struct vzr_state *s, const char *root)
{
    memset(s, 0, sizeof(*s));
    walk(&s->files, root, "");
    read_mounts(&s->mounts);
    read_cgroups(&s->cgroups);
    read_netdevs(&s->netdevs);
    read_children(&s->procs);
    list_sort(&s->files);
    list_sort(&s->mounts);
    list_sort(&s->cgroups);
    list_sort(&s->netdevs);
    list_sort(&s->procs);
}

void vzr_state_release(struct vzr_state *s)
{
    list_free(&s->files);
    list_free(&s->mounts);
    list_free(&s->cgroups);
    list_free(&s->netdevs);
    list_free(&s->procs);
}

static bool allowed_path(const char *p, const char *const *allowed)
{
    for (size_t i = 0; allowed && allowed[i]; i++) {
        size_t n = strlen(allowed[i]);
        if (n && allowed[i][n - 1] == '/' ? strncmp(p, allowed[i], n) == 0
                                          : strcmp(p, allowed[i]) == 0)
            return true;
    }
    return false;
}

/* Append to d what is in b but not in a (both sorted), as "+KIND X". */
static void diff(struct vz_buf *d, const char *kind, const struct vzr_list *a,
                 const struct vzr_list *b, const char *const *allowed, bool removals)
{
    size_t i = 0, j = 0;
    while (i < a->n || j < b->n) {
        int c = i >= a->n ? 1 : j >= b->n ? -1 : strcmp(a->v[i], b->v[j]);
        if (c == 0) {
            i++, j++;
        } else if (c < 0) {
            if (removals && !allowed_path(a->v[i], allowed))
                vz_buf_addf(d, "  - %s %s\n", kind, a->v[i]);
            i++;
        } else {
            if (!allowed_path(b->v[j], allowed))
                vz_buf_addf(d, "  + %s %s\n", kind, b->v[j]);
            j++;
        }
    }
}

void vzr_assert_locks_free(const char *root, const char *what)
{
    cleanup_free char *dir = vz_path_join(root, "vz/lock");
    cleanup_dir DIR *d = opendir(dir);
    struct dirent *de;
    while (d && (de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        cleanup_free char *p = vz_path_join(dir, de->d_name);
        int fd = open(p, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
            continue;
        int r = flock(fd, LOCK_EX | LOCK_NB);
        close(fd);
        cr_assert_eq(r, 0, "%s: lock %s is still held", what, p);
    }
}

void vzr_assert_unchanged(const struct vzr_state *before, const char *root,
                          const char *const *allowed, const char *what)
{
    struct vzr_state now;
    vzr_state_take(&now, root);
    /* A process killed by its parent's death (PR_SET_PDEATHSIG) gets the
     * signal when the parent has gone: give it a moment to become a zombie. */
    for (int i = 0; i < 100 && now.procs.n > before->procs.n; i++) {
        struct timespec ts = { 0, 10 * 1000 * 1000 };
        nanosleep(&ts, NULL);
        vzr_state_release(&now);
        vzr_state_take(&now, root);
    }
    struct vz_buf d = VZ_BUF_INIT;
    vz_buf_init(&d);
    /* Lock files may stay (they are checked for being free below). */
    size_t na = 0;
    while (allowed && allowed[na])
        na++;
    const char **all = vz_xcalloc(na + 2, sizeof(char *));
    for (size_t i = 0; i < na; i++)
        all[i] = allowed[i];
    all[na] = "vz/lock/";
    diff(&d, "file", &before->files, &now.files, all, true);
    free(all);
    /* mounts, cgroups, devices and processes of other test runs on the
     * host may go away meanwhile: only new ones are leftovers */
    diff(&d, "mount", &before->mounts, &now.mounts, NULL, false);
    diff(&d, "cgroup", &before->cgroups, &now.cgroups, NULL, false);
    diff(&d, "netdev", &before->netdevs, &now.netdevs, NULL, false);
    diff(&d, "process", &before->procs, &now.procs, NULL, false);
    vzr_state_release(&now);
    cleanup_free char *s = vz_buf_detach(&d, NULL);
    if (s && *s) {
        vzr_kill_strays(before);
        cr_assert_fail("%s left something behind:\n%s", what, s);
    }
    vzr_assert_locks_free(root, what);
}

int vzr_kill_strays(const struct vzr_state *before)
{
    struct vzr_list l = { 0 };
    read_children(&l);
    int n = 0;
    for (size_t i = 0; i < l.n; i++) {
        bool old = false;
        for (size_t j = 0; before && j < before->procs.n; j++)
            old |= strcmp(before->procs.v[j], l.v[i]) == 0;
        pid_t p = (pid_t)atoi(l.v[i]);
        if (!old && p > 0 && kill(p, SIGKILL) == 0) {
            waitpid(p, NULL, 0);
            n++;
        }
    }
    list_free(&l);
    return n;
}

char *vzr_long_string(size_t n, char c)
{
    char *s = vz_xmalloc(n + 1);
    memset(s, c, n);
    s[n] = '\0';
    return s;
}

/* ---- killing a command halfway ---- */

pid_t vzr_spawn(const char *prog, const char *const *args, const char *const *env,
                const char *log)
{
    char **argv = build_argv(prog, args);
    fflush(NULL);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        int nul = open("/dev/null", O_RDONLY);
        int out = open(log ? log : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
        dup2(nul, 0);
        dup2(out, 1);
        dup2(out, 2);
        for (size_t i = 0; env && env[i]; i++)
            putenv((char *)env[i]);
        execv(argv[0], argv);
        _exit(127);
    }
    free(argv[0]);
    free(argv);
    return pid;
}

static pid_t ppid_of(pid_t p)
{
    cleanup_free char *path = vz_xasprintf("/proc/%d/stat", (int)p);
    cleanup_file FILE *f = fopen(path, "re");
    char buf[1024];
    if (!f || !fgets(buf, sizeof(buf), f))
        return 0;
    char *rp = strrchr(buf, ')');
    int pp = 0;
    char st;
    if (!rp || sscanf(rp + 1, " %c %d", &st, &pp) != 2)
        return 0;
    return pp;
}

pid_t vzr_find_descendant(pid_t ancestor, const char *needle)
{
    cleanup_dir DIR *d = opendir("/proc");
    struct dirent *de;
    while (d && (de = readdir(d))) {
        if (de->d_name[0] < '0' || de->d_name[0] > '9')
            continue;
        pid_t p = (pid_t)atoi(de->d_name);
        cleanup_free char *cp = vz_xasprintf("/proc/%d/cmdline", (int)p);
        char *data = NULL;
        size_t len = 0;
        vz_error_t err = NULL;
        if (vz_read_file(cp, &data, &len, &err) < 0) {
            vz_error_release(&err);
            continue;
        }
        for (size_t i = 0; i + 1 < len; i++)
            if (data[i] == '\0')
                data[i] = ' ';
        bool hit = strstr(data, needle) != NULL;
        free(data);
        if (!hit)
            continue;
        for (pid_t q = p; q > 1; q = ppid_of(q))
            if (q == ancestor)
                return p;
    }
    return 0;
}

bool vzr_wait_until(bool (*cond)(void *), void *arg, pid_t still_running)
{
    /* 120 s of the clock, not 12000 rounds: a cond that runs commands takes
     * long under load, and rounds would stretch the net to hours */
    struct timespec now, end;
    clock_gettime(CLOCK_MONOTONIC, &end);
    end.tv_sec += 120;
    for (;;) {
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec > end.tv_sec || (now.tv_sec == end.tv_sec && now.tv_nsec >= end.tv_nsec))
            return cond(arg);
        if (cond(arg))
            return true;
        if (still_running > 0 && waitpid(still_running, NULL, WNOHANG) == still_running)
            return cond(arg);
        struct timespec ts = { 0, 10 * 1000 * 1000 };
        nanosleep(&ts, NULL);
    }
}

int vzr_kill_wait(pid_t pid)
{
    kill(pid, SIGKILL);
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    return st;
}

/* ---- fixtures shared by the robustness suites ---- */

void vzr_private_ns(int extra_flags)
{
    cr_assert_eq(unshare(CLONE_NEWNS | extra_flags), 0, "unshare: %s", strerror(errno));
    cr_assert_eq(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), 0, "make / private: %s",
                 strerror(errno));
}

char *vzr_slurp(const char *path)
{
    char *d = NULL;
    vz_error_t err = NULL;
    if (vz_read_file(path, &d, NULL, &err) < 0) {
        vz_error_release(&err);
        return NULL;
    }
    return d;
}

void vzr_make_cache(const char *root, const char *name, const char *extra_sh)
{
    vz_error_t err = NULL;
    cleanup_free char *tree = vz_path_join(root, "tree");
    cleanup_free char *sh = vz_xasprintf(
        "set -e; mkdir -p %1$s/etc %1$s/usr/bin && cd %1$s && ln -s usr/bin bin && "
        "printf 'root:x:0:0:root:/root:/bin/sh\\n' > etc/passwd && "
        "printf 'root:*:19000:0:99999:7:::\\n' > etc/shadow && echo t > etc/hostname && %2$s",
        tree, extra_sh ? extra_sh : "true");
    char *argv[] = { "sh", "-c", sh, NULL };
    cr_assert_eq(vz_run_ok(argv, NULL, &err), 0, "%s", err ? err->msg : "");
    setenv("SOURCE_DATE_EPOCH", "1700000000", 1);
    struct vz_manifest *m = vz_manifest_new(name);
    struct vz_pack_opts o = VZ_PACK_OPTS_INIT;
    cr_assert_eq(vz_pack_to_cache(tree, m, &o, 5, NULL, &err), 0, "pack: %s", err ? err->msg : "");
    vz_manifest_free(m);
    cr_assert_eq(vz_rm_rf(tree, &err), 0);
}

char *vzr_vztest_yaml_more(const char *keyring, const struct vzr_vztest_more *more,
                           const char *variants)
{
    static const struct vzr_vztest_more none = { 0 };
    if (!more)
        more = &none;
    return vz_xasprintf("distribution: vztest\n"
                        "release: \"1\"\n"
                        "codename: testing\n"
                        "family: deb\n"
                        "summary: \"synthetic test system\"\n"
                        "architectures:\n"
                        "  x86_64: amd64\n"
                        "%s"
                        "merged_usr: symlinks\n"
                        "repositories:\n"
                        "  - name: main\n"
                        "    mirror: \"{{mirror.vztest}}\"\n"
                        "    suite: \"{{codename}}\"\n"
                        "    components: [main]\n"
                        "    keyring: %s\n"
                        "%s"
                        "%s"
                        "variants:\n%s",
                        more->architectures ? more->architectures : "", keyring,
                        more->repositories ? more->repositories : "", more->top ? more->top : "",
                        variants);
}

char *vzr_vztest_yaml(const char *keyring, const char *variants)
{
    return vzr_vztest_yaml_more(keyring, NULL, variants);
}

void vzr_write_vztest_yaml(const char *dir, const char *keyring,
                           const struct vzr_vztest_more *more, const char *variants)
{
    vz_error_t err = NULL;
    cr_assert_eq(vz_mkdir_p(dir, 0755, &err), 0, "%s", err ? err->msg : "");
    cleanup_free char *yaml = vzr_vztest_yaml_more(keyring, more, variants);
    cleanup_free char *ypath = vz_path_join(dir, "vztest-1.yaml");
    cr_assert_eq(vz_atomic_write(ypath, yaml, strlen(yaml), 0644, &err), 0, "%s",
                 err ? err->msg : "");
}
