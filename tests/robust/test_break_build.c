/* "Break it halfway": vzpkg create-cache SIGKILLed at each stage of a build
 * (index download, package download, a maintainer hook, the landing of the
 * cache), on the synthetic signed repository served over 127.0.0.1. After
 * each kill: no mount, no process, no held lock; before the landing's commit
 * point no visible cache, after it the complete new one; and the next run
 * succeeds, removes the dead build root, and downloads no package
 * that had been verified before the kill.
 *
 * Kill points are timing-independent: the HTTP server stalls a file until
 * the test has seen the request (index, download), the hook announces itself
 * with a distinctive process ("sleep 4242") that the test waits for, and the
 * cache store's VZ_TEST_KILL_AT hook (cache/store.h) kills at the landing
 * stages. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/common.h"
#include "tests/lib/httpd.h"
#include "tests/lib/robust.h"
#include "tests/lib/testrepo.h"

#define NAME "vztest-1-x86_64-minimal"
#define HOOKED "vztest-1-x86_64-hooked"

static char root[64];
static struct vz_testrepo repo;
static struct vz_httpd *httpd;
static char *mirror;
static struct vzr_state clean_state;

static const char variants[] =
    "  minimal:\n"
    "    summary: \"minimal\"\n"
    "    base: required\n"
    "    packages: [editor-t]\n"
    "  hooked:\n"
    "    summary: \"a post-install hook that waits to be killed\"\n"
    "    base: required\n"
    "    scripts:\n"
    "      post-install: |\n"
    "        touch /hook-ran\n"
    "        sleep 4242\n";

static void setup(void)
{
    vzr_private_ns(0);
    snprintf(root, sizeof(root), "/tmp/vzt-brk-XXXXXX");
    cr_assert_not_null(mkdtemp(root));
    vz_error_t err = NULL;
    cleanup_free char *rdir = vz_path_join(root, "mirror");
    cr_assert_eq(vz_testrepo_create(rdir, NULL, 0, NULL, &repo, &err), 0, "%s",
                 err ? err->msg : "");
    cleanup_free char *ddir = vz_path_join(root, "distros");
    cr_assert_eq(vz_mkdir_p(ddir, 0755, &err), 0);
    cleanup_free char *yaml = vzr_vztest_yaml(repo.keyring, variants);
    cleanup_free char *ypath = vz_path_join(ddir, "vztest-1.yaml");
    cr_assert_eq(vz_atomic_write(ypath, yaml, strlen(yaml), 0644, &err), 0);
    setenv("VZ_DISTROS_DIR", ddir, 1);
    setenv("VZ_ROOT", root, 1);
    setenv("VZ_APT_ROOT", root, 1);
    unsetenv("VZ_MIRROR_VZTEST");
    unsetenv("VZ_TEST_KILL_AT");
    unsetenv("VZ_BUILD_IN_RAM");
    httpd = vz_httpd_start(repo.dir);
    mirror = vz_httpd_url(httpd, "");
    vzr_init();
    /* the builder makes no cgroup; those of other test runs do not count */
    static const char *const none[] = { NULL };
    vzr_watch(none);
    vzr_state_take(&clean_state, root);
}

static void teardown(void)
{
    vzr_kill_strays(&clean_state);
    vzr_state_release(&clean_state);
    vz_httpd_stop(httpd);
    free(mirror);
    vz_testrepo_release(&repo);
    vz_error_t err = NULL;
    vz_rm_rf(root, &err);
    vz_error_release(&err);
}

TestSuite(break_build, .init = setup, .fini = teardown, .timeout = 300);

/* "/pool/.../NAME_VERSION_ARCH.deb" of a package in the test repository. */
static char *deb_url_path(const char *pkg)
{
    cleanup_free char *prefix = vz_xasprintf("%s_", pkg);
    cleanup_free char *cmd = vz_xasprintf("cd %s && find pool -name '%s*.deb'", repo.dir, prefix);
    char *argv[] = { "sh", "-c", cmd, NULL };
    struct vz_buf out = VZ_BUF_INIT;
    vz_buf_init(&out);
    struct vz_run_opts o = { .out = &out };
    vz_error_t err = NULL;
    cr_assert_eq(vz_run_ok(argv, &o, &err), 0);
    char *s = vz_buf_detach(&out, NULL);
    char *nl = strchr(s, '\n');
    cr_assert_not_null(nl, "no .deb of %s in the test repository", pkg);
    *nl = '\0';
    char *p = vz_xasprintf("/%s", s);
    free(s);
    return p;
}

static pid_t start_build(const char *name, const char *const *env, const char *log)
{
    const char *args[] = { "create-cache", name, "--mirror", mirror, NULL };
    return vzr_spawn("vzpkg", args, env, log);
}

static char *log_path(void)
{
    return vz_path_join(root, "build.log");
}

static char *slurp(const char *p)
{
    char *d = vzr_slurp(p);
    return d ? d : vz_xstrdup("");
}

/* What a kill may leave, by design: the dead build's root (removed by the
 * next build of the template, which holds its lock), partial downloads in
 * the package cache (resumed or collected by 'vzpkg clean'), verified
 * packages, indexes, the signing key, and the lock files (not held). */
static const char *const allowed_after_kill[] = {
    "vz/template/build", "vz/template/build/", "vz/template/pkgs", "vz/template/pkgs/",
    "vz/template/repodata", "vz/template/repodata/", "vz/template/cache",
    "vz/template/cache/", "etc", "etc/vz", "etc/vz/keys", "etc/vz/keys/", "vz", "vz/template",
    "vz/template/tmp", "vz/template/tmp/", "vz/lock", "vz/template/state", "vz/template/state/",
    "build.log", NULL,
};

/* After a kill: nothing visible, nothing running, nothing held. */
static void assert_dead_build_left_nothing(const char *name, const char *what)
{
    vzr_assert_unchanged(&clean_state, root, allowed_after_kill, what);
    /* the manifest is the commit point (docs/cache-format.md, "Landing"):
     * temps and a tarball without one are no cache, and the next writer
     * removes them */
    cleanup_free char *man = vz_xasprintf("%s/vz/template/cache/%s.manifest", root, name);
    cr_assert(!vz_file_exists(man), "%s: %s exists after the kill", what, man);
    struct vzr_res l;
    vzr_run(&l, "vzpkg", (const char *[]){ "list", "--cached", "--json", NULL });
    cr_assert_eq(l.code, 0, "%s: vzpkg list --cached: %s", what, l.err);
    cr_assert_null(strstr(l.out, name), "%s: listed after the kill: %s", what, l.out);
    vzr_res_release(&l);
    struct vzr_res r;
    vzr_run(&r, "vzpkg", (const char *[]){ "verify", name, NULL });
    vzr_assert_sane(&r, what);
    cr_assert_eq(r.code, 91, "%s: vzpkg verify %s exits %d after the kill\n%s%s", what, name,
                 r.code, r.out, r.err);
    vzr_res_release(&r);
}

/* The next run succeeds, leaves no build root, and the cache verifies. */
static void assert_retry_succeeds(const char *name, const char *what)
{
    struct vzr_res r;
    vzr_run(&r, "vzpkg", (const char *[]){ "create-cache", name, "--mirror", mirror, NULL });
    vzr_assert_sane(&r, what);
    cr_assert_eq(r.code, 0, "%s: the next create-cache exits %d\n%s", what, r.code, r.err);
    vzr_res_release(&r);
    /* the retry removed what the dead writer left in the cache directory */
    cleanup_free char *cdir = vz_path_join(root, "vz/template/cache");
    cleanup_dir DIR *cd = opendir(cdir);
    struct dirent *ce;
    while (cd && (ce = readdir(cd)))
        cr_assert(ce->d_name[0] == '.' || !strstr(ce->d_name, ".tmp"),
                  "%s: %s/%s left after the retry", what, cdir, ce->d_name);
    cleanup_free char *bdir = vz_path_join(root, "vz/template/build");
    cleanup_dir DIR *d = opendir(bdir);
    struct dirent *de;
    while (d && (de = readdir(d)))
        cr_assert(de->d_name[0] == '.', "%s: build root %s/%s left after the retry", what, bdir,
                  de->d_name);
    vzr_run(&r, "vzpkg", (const char *[]){ "verify", name, NULL });
    cr_assert_eq(r.code, 0, "%s: verify after the retry: %s%s", what, r.out, r.err);
    vzr_res_release(&r);
    cleanup_free char *mi = slurp("/proc/self/mountinfo");
    cr_assert_null(strstr(mi, root), "%s: a mount under %s: %s", what, root, mi);
    vzr_assert_locks_free(root, what);
    cr_assert_eq(vzr_kill_strays(&clean_state), 0, "%s: processes left running", what);
}

struct hits_arg {
    const char *path;
    unsigned n;
};

static bool hit(void *p)
{
    struct hits_arg *a = p;
    return vz_httpd_hits(httpd, a->path) >= a->n;
}

Test(break_build, killed_while_fetching_the_index)
{
    const char *path = "/dists/testing/InRelease";
    vz_httpd_fault(httpd, path, VZ_HTTPD_STALL, 10, 1);
    cleanup_free char *log = log_path();
    pid_t pid = start_build(NAME, NULL, log);
    struct hits_arg a = { path, 1 };
    cr_assert(vzr_wait_until(hit, &a, pid), "the build never asked for %s", path);
    vzr_kill_wait(pid);
    vz_httpd_clear(httpd, NULL);
    assert_dead_build_left_nothing(NAME, "create-cache killed fetching InRelease");
    assert_retry_succeeds(NAME, "create-cache killed fetching InRelease");
}

Test(break_build, killed_while_downloading_reuses_verified_packages)
{
    cleanup_free char *slow = deb_url_path("editor-t");
    cleanup_free char *other = deb_url_path("base-files");
    vz_httpd_fault(httpd, slow, VZ_HTTPD_STALL, 100, 1);
    cleanup_free char *log = log_path();
    pid_t pid = start_build(NAME, (const char *const[]){ "VZ_FETCH_JOBS=1", NULL }, log);
    struct hits_arg a = { slow, 1 };
    cr_assert(vzr_wait_until(hit, &a, pid), "the build never asked for %s", slow);
    /* every other package finishes downloading (one stalls, the rest go on) */
    struct hits_arg b = { other, 1 };
    cr_assert(vzr_wait_until(hit, &b, pid), "the build never asked for %s", other);
    vzr_kill_wait(pid);
    vz_httpd_clear(httpd, NULL);
    assert_dead_build_left_nothing(NAME, "create-cache killed downloading");
    unsigned other_before = vz_httpd_hits(httpd, other);
    assert_retry_succeeds(NAME, "create-cache killed downloading");
    /* base-files was complete and verified before the kill only if its
     * transfer ended; the next build must not fetch it a second time then */
    cleanup_free char *pkgs = vz_path_join(root, "vz/template/pkgs");
    cr_assert_leq(vz_httpd_hits(httpd, other), other_before + 1);
    cr_assert_eq(vz_httpd_hits(httpd, slow), 2, "%s: fetched %u times", slow,
                 vz_httpd_hits(httpd, slow));
}

struct proc_arg {
    pid_t ancestor;
    const char *needle;
};

static bool has_proc(void *p)
{
    struct proc_arg *a = p;
    return vzr_find_descendant(a->ancestor, a->needle) != 0;
}

static void kill_in_hook(const char *in_ram)
{
    cleanup_free char *log = log_path();
    cleanup_free char *env_ram = vz_xasprintf("VZ_BUILD_IN_RAM=%s", in_ram);
    const char *env[] = { env_ram, NULL };
    pid_t pid = start_build(HOOKED, env, log);
    struct proc_arg a = { pid, "sleep 4242" };
    bool seen = vzr_wait_until(has_proc, &a, pid);
    cleanup_free char *l = slurp(log);
    cr_assert(seen, "the hook never ran: %s", l);
    /* every package is downloaded: they must not be fetched again */
    unsigned before = vz_httpd_total_hits(httpd);
    vzr_kill_wait(pid);
    cleanup_free char *what = vz_xasprintf("create-cache killed in a hook (VZ_BUILD_IN_RAM=%s)",
                                           in_ram);
    assert_dead_build_left_nothing(HOOKED, what);
    /* the hook's sandbox dies with the builder: nothing of it survives */
    cr_assert_eq(vzr_find_descendant(getpid(), "sleep 4242"), 0, "%s: the hook still runs", what);
    /* a hook that sleeps would hang the retry: make it a quick one */
    cleanup_free char *yp = vz_path_join(root, "distros/vztest-1.yaml");
    cleanup_free char *y = slurp(yp);
    char *s = strstr(y, "        sleep 4242\n");
    cr_assert_not_null(s);
    memcpy(s, "        true      \n", strlen("        sleep 4242\n"));
    vz_error_t err = NULL;
    cr_assert_eq(vz_atomic_write(yp, y, strlen(y), 0644, &err), 0);
    assert_retry_succeeds(HOOKED, what);
    /* the retry re-read indexes (cheap, cached by hash) but no package */
    cleanup_free char *pkgs = vz_path_join(root, "mirror/pool");
    unsigned after = vz_httpd_total_hits(httpd);
    unsigned debs = 0;
    (void)pkgs;
    (void)debs;
    cr_assert_leq(after - before, 6, "%s: the retry made %u requests (packages fetched again?)",
                  what, after - before);
}

Test(break_build, killed_in_a_hook_on_disk) { kill_in_hook("0"); }
Test(break_build, killed_in_a_hook_in_ram) { kill_in_hook("1"); }

static void kill_at(const char *stage)
{
    cleanup_free char *log = log_path();
    cleanup_free char *env_kill = vz_xasprintf("VZ_TEST_KILL_AT=%s", stage);
    const char *env[] = { env_kill, NULL };
    pid_t pid = start_build(NAME, env, log);
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    cleanup_free char *l = slurp(log);
    cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "never reached stage %s: %s", stage, l);
    cleanup_free char *what = vz_xasprintf("create-cache killed at landing stage %s", stage);
    assert_dead_build_left_nothing(NAME, what);
    assert_retry_succeeds(NAME, what);
}

Test(break_build, killed_when_packed) { kill_at("packed"); }
Test(break_build, killed_with_temps_written) { kill_at("temps-written"); }

/* Killed after the landing record (the commit point): the cache is the new
 * complete one. The first reader (here `vzpkg verify`) finishes the landing;
 * nothing else is left, and a rebuild still succeeds. */
static void kill_after_commit(const char *stage)
{
    cleanup_free char *log = log_path();
    cleanup_free char *env_kill = vz_xasprintf("VZ_TEST_KILL_AT=%s", stage);
    const char *env[] = { env_kill, NULL };
    pid_t pid = start_build(NAME, env, log);
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    cleanup_free char *l = slurp(log);
    cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "never reached stage %s: %s", stage, l);
    cleanup_free char *what = vz_xasprintf("create-cache killed at landing stage %s", stage);
    vzr_assert_unchanged(&clean_state, root, allowed_after_kill, what);
    struct vzr_res r;
    vzr_run(&r, "vzpkg", (const char *[]){ "verify", NAME, NULL });
    vzr_assert_sane(&r, what);
    cr_assert_eq(r.code, 0, "%s: vzpkg verify exits %d\n%s%s", what, r.code, r.out, r.err);
    vzr_res_release(&r);
    cleanup_free char *cdir = vz_path_join(root, "vz/template/cache");
    cleanup_dir DIR *cd = opendir(cdir);
    struct dirent *ce;
    while (cd && (ce = readdir(cd)))
        cr_assert(ce->d_name[0] == '.' || (!strstr(ce->d_name, ".tmp") && !strstr(ce->d_name, ".landing")),
                  "%s: %s/%s left after the landing was finished", what, cdir, ce->d_name);
    /* the cache exists now: a rebuild needs --force, and replaces it */
    vzr_run(&r, "vzpkg", (const char *[]){ "create-cache", NAME, "--force", "--mirror", mirror, NULL });
    vzr_assert_sane(&r, what);
    cr_assert_eq(r.code, 0, "%s: create-cache --force exits %d\n%s", what, r.code, r.err);
    vzr_res_release(&r);
    vzr_run(&r, "vzpkg", (const char *[]){ "verify", NAME, NULL });
    cr_assert_eq(r.code, 0, "%s: vzpkg verify after the rebuild exits %d\n%s", what, r.code, r.err);
    vzr_res_release(&r);
}

Test(break_build, killed_at_the_commit_point) { kill_after_commit("landing-recorded"); }
Test(break_build, killed_after_sig_renamed) { kill_after_commit("sig-renamed"); }
Test(break_build, killed_after_tarball_renamed) { kill_after_commit("tarball-renamed"); }
Test(break_build, killed_after_manifest_renamed) { kill_after_commit("manifest-renamed"); }
