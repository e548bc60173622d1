/* tmplbuild/build.c: the create-cache pipeline (see build.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cache/lock.h"
#include "cache/pkgs.h"
#include "cache/store.h"
#include "metadata/metadata.h"
#include "common/proc.h"
#include "tmplbuild/binfmt.h"
#include "tmplbuild/build.h"
#include "tmplbuild/deb/dpkgdb.h"
#include "tmplbuild/fetch.h"
#include "tmplbuild/family.h"
#include "tmplbuild/pack.h"
#include "tmplbuild/resolve.h"
#include "vpscore/sandbox.h"

static int sandbox_runner(void *ctx, const char *root, char *const argv[], char *const env[],
                          struct vz_buf *out, int *status, vz_error_t *err)
{
    (void)ctx;
    struct vz_sandbox_opts o = { .root = root, .argv = argv, .env = env, .out = out };
    return vz_sandbox_run(&o, status, err);
}

static const struct vz_script_runner runner = { sandbox_runner, NULL };

/* ---- clean-up ---- */

static int rm_in(const char *root, const char *rel, vz_error_t *err)
{
    cleanup_free char *p = vz_path_join(root, rel);
    return vz_rm_rf(p, err);
}

/* Remove the entries of dir except those named in keep. */
static int empty_dir(const char *root, const char *rel, const char *const *keep, vz_error_t *err)
{
    cleanup_free char *p = vz_path_join(root, rel);
    cleanup_dir DIR *d = opendir(p);
    if (!d)
        return errno == ENOENT ? 0 : vz_error_sys(err, "open %s", p);
    struct dirent *de;
    while ((de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        bool kept = false;
        for (const char *const *k = keep; k && *k; k++)
            if (!strcmp(*k, de->d_name))
                kept = true;
        if (kept)
            continue;
        cleanup_free char *e = vz_path_join(p, de->d_name);
        if (vz_rm_rf(e, err) < 0)
            return -1;
    }
    return 0;
}

static int put_file(const char *root, const char *rel, const char *text, bool only_if_missing,
                    vz_error_t *err)
{
    cleanup_free char *p = vz_path_join(root, rel);
    struct stat st;
    if (lstat(p, &st) == 0) {
        if (only_if_missing)
            return 0;
        if (S_ISLNK(st.st_mode) && unlink(p) < 0)
            return vz_error_sys(err, "remove %s", p);
    }
    return vz_write_plain(p, text, strlen(text), 0644, err);
}

int vz_build_cleanup_root(const char *root, const char *sources, vz_error_t *err)
{
    static const char *const keep_lists[] = { "partial", "lock", NULL };
    static const char *const keep_archives[] = { "partial", "lock", NULL };
    static const char *const logs[] = { "var/log/dpkg.log", "var/log/alternatives.log",
                                        "var/log/bootstrap.log", "var/cache/apt/pkgcache.bin",
                                        "var/cache/apt/srcpkgcache.bin",
                                        "var/lib/dbus/machine-id", "var/lib/dpkg/tmp.ci",
                                        /* inode numbers and ctimes of the libraries
                                         * ldconfig saw: differs between two builds;
                                         * ldconfig rebuilds it (as mmdebstrap drops it) */
                                        "var/cache/ldconfig/aux-cache" };
    if (empty_dir(root, "var/lib/apt/lists", keep_lists, err) < 0 ||
        empty_dir(root, "var/cache/apt/archives", keep_archives, err) < 0 ||
        empty_dir(root, "var/cache/apt/archives/partial", NULL, err) < 0 ||
        empty_dir(root, "var/log/apt", NULL, err) < 0 || empty_dir(root, "tmp", NULL, err) < 0 ||
        empty_dir(root, "var/tmp", NULL, err) < 0)
        return -1;
    for (size_t i = 0; i < VZ_ARRAY_SIZE(logs); i++)
        if (rm_in(root, logs[i], err) < 0)
            return -1;
    /* An empty machine-id makes every container generate its own at boot. */
    cleanup_free char *mid = vz_path_join(root, "etc/machine-id");
    if (vz_file_exists(mid) && put_file(root, "etc/machine-id", "", false, err) < 0)
        return -1;
    /* Neutral host identity: vzctl sets hostname and nameservers per container. */
    if (put_file(root, "etc/hostname", "localhost\n", false, err) < 0 ||
        put_file(root, "etc/resolv.conf", "", false, err) < 0 ||
        put_file(root, "etc/fstab", "# UNCONFIGURED FSTAB FOR BASE SYSTEM\n", true, err) < 0)
        return -1;
    if (sources) {
        cleanup_free char *apt = vz_path_join(root, "etc/apt");
        if (vz_is_dir(apt) && put_file(root, "etc/apt/sources.list", sources, true, err) < 0)
            return -1;
    }
    return 0;
}

/* ---- hooks ---- */

static char **hook_env(const struct vz_template *t, const char *root)
{
    char **env = NULL;
    vz_strv_push(&env, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    vz_strv_push(&env, "HOME=/root");
    vz_strv_push(&env, "LC_ALL=C");
    vz_strv_push(&env, "DEBIAN_FRONTEND=noninteractive");
    char *v = vz_xasprintf("VZ_TEMPLATE=%s", t->name);
    vz_strv_push(&env, v);
    free(v);
    if (root) {
        v = vz_xasprintf("VZ_BUILD_ROOT=%s", root);
        vz_strv_push(&env, v);
        free(v);
    }
    for (char **e = t->environment; e && *e; e++)
        vz_env_put(&env, *e);
    return env;
}

static int hook_failed(vz_error_t *err, const char *which, int status, const struct vz_buf *out)
{
    const char *tail = out->len > 4000 ? out->data + out->len - 4000 : out->data;
    return vz_error_set(err, VZ_EBUILD, 0, "template hook %s failed with exit status %d%s%s",
                        which, status, out->len ? "; its output:\n" : " (no output)", tail);
}

static int run_post_install(const struct vz_template *t, const char *root, vz_error_t *err)
{
    if (!t->script_post_install)
        return 0;
    char *argv[] = { "/bin/sh", "-e", "-c", t->script_post_install, "post-install", NULL };
    cleanup_strv char **env = hook_env(t, NULL);
    cleanup_buf struct vz_buf out = VZ_BUF_INIT;
    vz_buf_init(&out);
    int status = -1;
    struct vz_sandbox_opts o = { .root = root, .argv = argv, .env = env, .out = &out };
    if (vz_sandbox_run(&o, &status, err) < 0)
        return vz_error_wrap(err, "template hook post-install");
    if (out.len)
        vz_info("post-install: %s", out.data);
    return status ? hook_failed(err, "post-install", status, &out) : 0;
}

/* Run argv on the host, output merged into out, in a pid namespace of its
 * own whose init dies with the builder (PR_SET_PDEATHSIG at both levels):
 * a killed build leaves no hook process behind. */
static int run_host_hook(char *const argv[], char *const env[], const char *cwd,
                         struct vz_buf *out, int *status, vz_error_t *err)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0)
        return vz_error_sys(err, "pipe");
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        close(p[0]);
        close(p[1]);
        return vz_error_sys(err, "fork");
    }
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(127);
        dup2(p[1], 1);
        dup2(p[1], 2);
        int devnull = open("/dev/null", O_RDONLY);
        if (devnull >= 0)
            dup2(devnull, 0);
        if (unshare(CLONE_NEWPID) < 0)
            _exit(126);
        pid_t init = fork();
        if (init < 0)
            _exit(126);
        if (init == 0) { /* pid 1 of the new namespace: its death ends all of it */
            prctl(PR_SET_PDEATHSIG, SIGKILL);
            if (cwd && chdir(cwd) < 0)
                _exit(126);
            /* the umask the sandbox gives post-install (vpscore/sandbox.h) */
            umask(VZ_SANDBOX_UMASK);
            execve(argv[0], argv, env);
            dprintf(2, "exec %s: %s\n", argv[0], strerror(errno));
            _exit(127);
        }
        int st = 0;
        while (waitpid(init, &st, 0) < 0 && errno == EINTR)
            ;
        _exit(vz_shell_status(st));
    }
    close(p[1]);
    return vz_collect_child(pid, p[0], out, status, argv[0], err);
}

static int run_pre_cache(const struct vz_template *t, const char *root, vz_error_t *err)
{
    if (!t->script_pre_cache)
        return 0;
    char *argv[] = { "/bin/sh", "-e", "-c", t->script_pre_cache, "pre-cache", (char *)root, NULL };
    cleanup_strv char **env = hook_env(t, root);
    cleanup_buf struct vz_buf out = VZ_BUF_INIT;
    vz_buf_init(&out);
    int status = -1;
    if (run_host_hook(argv, env, root, &out, &status, err) < 0)
        return vz_error_wrap(err, "template hook pre-cache");
    if (out.len)
        vz_info("pre-cache: %s", out.data);
    return status ? hook_failed(err, "pre-cache", status, &out) : 0;
}

/* ---- the build root ---- */

/* Remove NAME.XXXXXX roots left by a build that was killed: safe because we
 * hold NAME.lock, which every build of NAME holds while its root exists. */
static int remove_stale_roots(const char *dir, const char *name, vz_error_t *err)
{
    cleanup_dir DIR *d = opendir(dir);
    if (!d)
        return 0;
    size_t nl = strlen(name);
    struct dirent *de;
    while ((de = readdir(d))) {
        if (strncmp(de->d_name, name, nl) != 0 || de->d_name[nl] != '.' ||
            strlen(de->d_name + nl + 1) != 6)
            continue;
        cleanup_free char *p = vz_path_join(dir, de->d_name);
        vz_warn("removing the build root of an interrupted build: %s", p);
        if (vz_rm_rf(p, err) < 0)
            return -1;
    }
    return 0;
}

struct build {
    const struct vz_build_opts *o;
    struct vz_build_result *res;
    struct vz_template *t;
    const struct vz_family *fam;
    struct vz_plan *plan;
    char *root;
    bool private_ns;  /* the process has its own mount namespace (see vz_build_template) */
    bool root_in_ram; /* a tmpfs is mounted on root */
};

static uint64_t mem_available(void)
{
    cleanup_file FILE *f = fopen("/proc/meminfo", "re");
    char line[256];
    unsigned long long kb;
    while (f && fgets(line, sizeof(line), f))
        if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1)
            return (uint64_t)kb * 1024;
    return 0;
}

/* The root lives in RAM when there is plenty of it (VZ_BUILD_IN_RAM=0 or 1
 * overrides): no journal, no fsync for dpkg's database, and removal is an
 * unmount. The tmpfs is mounted in the builder's private mount namespace,
 * so it is invisible to the host and vanishes if the builder is killed. */
static bool want_ram_root(const struct build *b)
{
    const char *env = getenv("VZ_BUILD_IN_RAM");
    if (env && *env)
        return strcmp(env, "0") != 0;
    uint64_t need = 2 * b->plan->total_installed_size + (512ull << 20);
    return mem_available() > need;
}

static void mount_ram_root(struct build *b)
{
    if (!b->private_ns || !want_ram_root(b))
        return;
    if (mount("vzforge-build", b->root, "tmpfs", 0, "mode=0755") < 0) {
        vz_debug("tmpfs on %s: %s; building on disk", b->root, strerror(errno));
        return;
    }
    b->root_in_ram = true;
    vz_debug("build root %s in RAM (tmpfs)", b->root);
}

static int build_in_root(struct build *b, vz_error_t *err)
{
    struct vz_build_timings *tm = &b->res->t;
    const struct vz_plan *plan = b->plan;
    char **files = vz_xcalloc(plan->n + 1, sizeof(char *));
    for (size_t i = 0; i < plan->n; i++)
        files[i] = vz_pkgcache_path(plan->pkgs[i].sha256);
    struct vz_family_install in = { .t = b->t, .plan = plan, .files = (const char *const *)files,
                                    .root = b->root, .runner = &runner };
    struct vz_install_timings it = { 0 };
    int r = b->fam->install(&in, &it, err);
    vz_strv_free(files);
    if (r < 0)
        return vz_error_wrap(err, "install into %s", b->root);
    tm->unpack = it.unpack;
    tm->preinst = it.scripts;
    tm->configure = it.configure;
    struct vz_build_timings *cpu = &b->res->cpu;
    cpu->unpack = it.unpack_cpu;
    cpu->preinst = it.scripts_cpu;
    cpu->configure = it.configure_cpu;

    double t0 = vz_now(), c0 = vz_cpu_now();
    if (run_post_install(b->t, b->root, err) < 0)
        return -1;
    double t1 = vz_now(), c1 = vz_cpu_now();
    if (b->fam->cleanup(b->root, b->t, err) < 0)
        return vz_error_wrap(err, "clean-up of %s", b->root);
    double t2 = vz_now(), c2 = vz_cpu_now();
    if (run_pre_cache(b->t, b->root, err) < 0)
        return -1;
    double t3 = vz_now(), c3 = vz_cpu_now();
    tm->hooks = (t1 - t0) + (t3 - t2);
    tm->cleanup = t2 - t1;
    cpu->hooks = (c1 - c0) + (c3 - c2);
    cpu->cleanup = c2 - c1;

    struct vz_manifest *m = vz_pack_manifest_new(b->t, plan);
    struct vz_pack_opts po = VZ_PACK_OPTS_INIT;
    po.compress = b->o->compress;
    struct vz_pack_result pr = { 0 };
    r = vz_pack_to_cache(b->root, m, &po, b->o->lock_timeout_s ? b->o->lock_timeout_s : 60, &pr,
                         err);
    tm->pack = vz_now() - t3;
    cpu->pack = vz_cpu_now() - c3;
    if (r == 0) {
        cleanup_free char *dir = vz_template_path("cache");
        b->res->tarball = vz_path_join(dir, m->tarball);
        b->res->tar_size = pr.size;
        memcpy(b->res->tar_sha256, pr.sha256, sizeof(pr.sha256));
    }
    vz_manifest_free(m);
    return r;
}

static int build(struct build *b, const char *name, vz_error_t *err)
{
    const struct vz_build_opts *o = b->o;
    struct vz_build_timings *tm = &b->res->t;
    struct vz_metadata_opts mo = { .mirrors = o->mirrors, .distros_dir = o->distros_dir,
                                   .apt_root = o->apt_root };
    if (vz_template_load(name, &mo, &b->t, err) < 0)
        return -1;
    b->res->template_name = vz_xstrdup(b->t->name);
    if (!o->force) {
        struct vz_cache_info *ci = NULL;
        vz_error_t ferr = NULL;
        if (vz_cache_find(b->t->name, &ci, &ferr) == 0) {
            vz_cache_info_free(ci);
            return vz_error_set(err, VZ_EFAIL, 0,
                                "a cache of %s exists already; use --force to rebuild it",
                                b->t->name);
        }
        vz_error_release(&ferr);
    }
    if (!(b->fam = vz_family_of(b->t, err)))
        return -1;
    /* a foreign architecture needs its emulator: say so before downloading */
    if (vz_binfmt_check(b->t->arch, err) < 0)
        return -1;

    struct vz_resolve_opts ro = { .repo = { .allow_expired = o->allow_expired },
                                  .debug_solver_dir = o->debug_solver_dir };
    struct vz_resolve_stats rs = { 0 };
    if (vz_resolve(b->t, &ro, &b->plan, &rs, err) < 0)
        return -1;
    tm->index = rs.t_index;
    tm->resolve = rs.t_solve;
    b->res->cpu.index = rs.cpu_index;
    b->res->cpu.resolve = rs.cpu_solve;
    b->res->packages = b->plan->n;
    b->res->download_size = b->plan->total_size;
    b->res->installed_size = b->plan->total_installed_size;

    double t0 = vz_now(), c0 = vz_cpu_now();
    struct vz_fetch_opts fo = { .jobs = o->jobs };
    if (b->fam->fetch(b->plan, &fo, err) < 0)
        return -1;
    tm->download = vz_now() - t0;
    b->res->cpu.download = vz_cpu_now() - c0;

    cleanup_free char *dir = vz_template_path("build");
    /* 0700 even when an older vzforge made it 0755: build roots hold
     * set-uid programs (docs/security.md) */
    if (vz_mkdir_p(dir, 0700, err) < 0 || (chmod(dir, 0700) < 0 && vz_error_sys(err, "chmod 0700 %s", dir)))
        return -1;
    cleanup_free char *lockf = vz_xasprintf("build-%s.lock", b->t->name);
    cleanup_free char *what = vz_xasprintf("the build of %s", b->t->name);
    cleanup_lock struct vz_lock *lock = NULL;
    if (vz_lock_acquire(lockf, what, false,
                        o->lock_timeout_s ? o->lock_timeout_s : 60, &lock, err) < 0)
        return -1;
    if (remove_stale_roots(dir, b->t->name, err) < 0)
        return -1;
    /* The package cache must keep our files while we unpack them. */
    cleanup_lock struct vz_lock *pl = NULL;
    if (vz_lock_pkgcache(true, o->lock_timeout_s ? o->lock_timeout_s : 60, &pl, err) < 0)
        return -1;
    b->root = vz_xasprintf("%s/%s.XXXXXX", dir, b->t->name);
    if (!mkdtemp(b->root)) {
        int e = errno;
        free(b->root);
        b->root = NULL;
        return vz_error_set(err, VZ_ESYSTEM, e, "create build root in %s", dir);
    }
    chmod(b->root, 0755);
    mount_ram_root(b);
    int r = build_in_root(b, err);
    vz_error_t rmerr = NULL;
    if (b->root_in_ram && umount2(b->root, MNT_DETACH) < 0)
        vz_warn("unmount %s: %s", b->root, strerror(errno));
    if (vz_rm_rf(b->root, &rmerr) < 0) {
        if (r == 0) {
            *err = rmerr;
            r = -1;
        } else {
            vz_warn("%s", rmerr->msg);
            vz_error_release(&rmerr);
        }
    }
    return r;
}

int vz_build_template(const char *name, const struct vz_build_opts *opts,
                      struct vz_build_result *res, vz_error_t *err)
{
    memset(res, 0, sizeof(*res));
    struct build b = { .o = opts, .res = res };
    double t0 = vz_now(), c0 = vz_cpu_now();
    /* A mount namespace of our own (before any thread exists), so that a
     * tmpfs build root is never seen by, and never left in, the host's. */
    if (unshare(CLONE_NEWNS) == 0 && mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0)
        b.private_ns = true;
    else
        vz_debug("no private mount namespace (%s): building on disk", strerror(errno));
    /* The build's umask is 022 whoever runs it (also before any thread:
     * libarchive's disk writer reads it for the modes of the directories it
     * makes on its own); the caller's comes back at the end. */
    mode_t caller_umask = umask(022);
    int r = build(&b, name, err);
    umask(caller_umask);
    res->t.total = vz_now() - t0;
    res->cpu.total = vz_cpu_now() - c0;
    if (r < 0)
        vz_error_wrap(err, "create-cache %s", name);
    vz_plan_free(b.plan);
    if (b.t)
        vz_template_free(b.t);
    free(b.root);
    return r;
}

void vz_build_result_release(struct vz_build_result *res)
{
    free(res->template_name);
    free(res->tarball);
    memset(res, 0, sizeof(*res));
}
