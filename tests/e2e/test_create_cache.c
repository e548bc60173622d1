/* vzpkg create-cache end to end, as a user runs it: build/bin/vzpkg against
 * the synthetic signed repository served over HTTP on 127.0.0.1, with a
 * temporary VZ_ROOT and a distro YAML written by the test. The result is
 * unpacked and its dpkg database and script effects are checked; failures
 * halfway must leave no build root, no mount and no cache behind. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "cache/lock.h"
#include "common/common.h"
#include "tests/lib/httpd.h"
#include "tests/lib/robust.h"
#include "tests/lib/testrepo.h"
#include "tests/lib/vztest.h"

/* The variants, architectures and environment of this suite's vztest
 * distro (vzr_vztest_yaml_more). */
static const struct vzr_vztest_more yaml_more = {
    .architectures = "  aarch64: arm64\n",
    .top = "environment:\n"
           "  VZTEST_VAR: from-yaml\n",
};

static const char yaml_variants[] =
    "  minimal:\n"
    "    summary: \"minimal\"\n"
    "    base: required\n"
    "    packages: [editor-t]\n"
    "    scripts:\n"
    "      post-install: |\n"
    "        echo \"post $VZTEST_VAR $(hostname)\" > /etc/post-install.txt\n"
    "        ls /proc/1/ > /dev/null\n"
    "        mkdir -p /var/cache/ldconfig && echo inodes > /var/cache/ldconfig/aux-cache\n"
    "      pre-cache: |\n"
    "        echo \"pre-cache $VZ_TEMPLATE\" > \"$1/etc/pre-cache.txt\"\n"
    "  failhook:\n"
    "    summary: \"post-install fails\"\n"
    "    base: required\n"
    "    scripts:\n"
    "      post-install: |\n"
    "        echo boom from the hook\n"
    "        exit 7\n"
    "  slowhook:\n"
    "    summary: \"post-install waits to be killed\"\n"
    "    base: required\n"
    "    scripts:\n"
    "      post-install: |\n"
    "        touch /hook-started\n"
    "        sleep 119.71\n"
    "  slowprecache:\n"
    "    summary: \"pre-cache waits to be killed\"\n"
    "    base: required\n"
    "    scripts:\n"
    "      pre-cache: |\n"
    "        touch \"$1/hook-started\"\n"
    "        sleep 119.72\n"
    "  failprecache:\n"
    "    summary: \"pre-cache fails\"\n"
    "    base: required\n"
    "    scripts:\n"
    "      pre-cache: |\n"
    "        echo \"pre-cache saw $1\" >&2\n"
    "        false\n";

static struct vzt_distro vd;

static void setup(void) { vzt_distro_setup(&vd, "e2e", &yaml_more, yaml_variants); }
static void teardown(void) { vzt_distro_teardown(&vd); }

TestSuite(create_cache, .init = setup, .fini = teardown, .timeout = 180);

/* vzpkg(arg, ...): build/bin/vzpkg with the arguments up to the first NULL. */
#define vzpkg(...) vzr_runv("vzpkg", (const char *const[]){ __VA_ARGS__, NULL })

static char *slurp(const char *dir, const char *rel)
{
    cleanup_free char *p = vz_path_join(dir, rel);
    char *d = NULL;
    size_t n = 0;
    vz_error_t err = NULL;
    if (vz_read_file(p, &d, &n, &err) < 0) {
        vz_error_release(&err);
        return vz_xstrdup("");
    }
    return d;
}

/* The build area holds nothing but (maybe) nothing: no NAME.XXXXXX root. */
static void assert_no_build_root(void)
{
    cleanup_free char *dir = vz_xasprintf("%s/vz/template/build", vd.root);
    cleanup_dir DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *de;
    while ((de = readdir(d)))
        cr_assert(!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."),
                  "build root left behind: %s/%s", dir, de->d_name);
    cleanup_free char *mi = slurp("/proc/self", "mountinfo");
    cr_assert_null(strstr(mi, vd.root), "a mount under %s is left: %s", vd.root, mi);
}

static char *unpack_cache(const char *name)
{
    char *dir = vz_xasprintf("%s/unpacked", vd.root);
    vz_error_t err = NULL;
    cr_assert_eq(vz_mkdir_p(dir, 0755, &err), 0);
    cleanup_free char *tar = vz_xasprintf("%s/vz/template/cache/%s.tar.zst", vd.root, name);
    char *argv[] = { "tar", "-I", "zstd", "-xpf", tar, "-C", dir, NULL };
    cr_assert_eq(vz_run_ok(argv, NULL, &err), 0, "%s", err ? err->msg : "");
    return dir;
}

Test(create_cache, builds_configured_root_with_hooks_and_cleanup)
{
    struct vzr_res r = vzpkg("create-cache", "vztest-1-x86_64-minimal", "--mirror", vd.mirror,
                            "--json", "--timings");
    cr_assert_eq(r.code, 0, "%s", r.err);
    json_error_t je;
    json_t *j = json_loads(r.out, 0, &je);
    cr_assert_not_null(j, "%s: %s", je.text, r.out);
    cr_assert_eq(json_integer_value(json_object_get(j, "packages")), 10);
    cr_assert_str_eq(json_string_value(json_object_get(j, "template")), "vztest-1-x86_64-minimal");
    json_t *tm = json_object_get(j, "timings");
    const char *stages[] = { "index", "resolve", "download", "unpack", "configure", "pack" };
    for (size_t i = 0; i < VZ_ARRAY_SIZE(stages); i++) {
        cr_assert(json_is_real(json_object_get(tm, stages[i])), "no timing %s", stages[i]);
        cr_assert(strstr(r.err, stages[i]), "--timings lacks %s: %s", stages[i], r.err);
    }
    /* CPU per stage next to wall: a build's CPU is never zero (it unpacked
     * and packed), and each stage's is counted from that stage alone */
    json_t *cpu = json_object_get(j, "cpu");
    cr_assert(json_is_object(cpu), "--json lacks cpu: %s", r.out);
    double sum = 0;
    for (size_t i = 0; i < VZ_ARRAY_SIZE(stages); i++) {
        json_t *c = json_object_get(cpu, stages[i]);
        cr_assert(json_is_real(c), "no cpu %s", stages[i]);
        cr_assert_geq(json_real_value(c), 0.0, "negative cpu for %s", stages[i]);
        sum += json_real_value(c);
    }
    double total = json_real_value(json_object_get(cpu, "total"));
    cr_assert_gt(total, 0.0, "no CPU counted: %s", r.out);
    cr_assert_leq(sum, total + 0.01, "stages' CPU %.3f above the total %.3f", sum, total);
    cr_assert(strstr(r.err, "cpu"), "--timings lacks the cpu column: %s", r.err);
    json_decref(j);
    vzr_res_release(&r);
    assert_no_build_root();

    cleanup_free char *dir = unpack_cache("vztest-1-x86_64-minimal");
    cleanup_free char *status = slurp(dir, "var/lib/dpkg/status");
    const char *pkgs[] = { "busybox-sh", "base-files", "base-passwd", "dpkg-alts", "mawk-t",
                           "libt1",      "newapi",     "pager-a",     "tools-t",   "editor-t" };
    for (size_t i = 0; i < VZ_ARRAY_SIZE(pkgs); i++) {
        cleanup_free char *needle = vz_xasprintf("Package: %s\n", pkgs[i]);
        const char *p = strstr(status, needle);
        cr_assert_not_null(p, "%s not in status", pkgs[i]);
        const char *end = strstr(p, "\n\n");
        cleanup_free char *st = strndup(p, (size_t)(end - p));
        cr_assert(strstr(st, "Status: install ok installed"), "%s", st);
    }
    /* hooks: post-install in the sandbox (own hostname, template env), pre-cache on the host */
    cleanup_free char *post = slurp(dir, "etc/post-install.txt");
    cr_assert_str_eq(post, "post from-yaml vzforge-build\n");
    cleanup_free char *pre = slurp(dir, "etc/pre-cache.txt");
    cr_assert_str_eq(pre, "pre-cache vztest-1-x86_64-minimal\n");
    /* script effects: preinst before unpack, alternative from a postinst */
    cleanup_free char *passwd = slurp(dir, "etc/passwd");
    cr_assert(strstr(passwd, "nobody:x:65534"), "%s", passwd);
    char buf[128];
    cleanup_free char *ed = vz_path_join(dir, "etc/alternatives/editor");
    ssize_t n = readlink(ed, buf, sizeof(buf) - 1);
    cr_assert_gt(n, 0);
    buf[n] = '\0';
    cr_assert_str_eq(buf, "/usr/bin/editor-t");
    /* clean-up: neutral identity, apt sources naming the mirror, no policy-rc.d */
    cleanup_free char *hn = slurp(dir, "etc/hostname");
    cr_assert_str_eq(hn, "localhost\n");
    cleanup_free char *rc = slurp(dir, "etc/resolv.conf");
    cr_assert_str_eq(rc, "");
    cleanup_free char *policy = vz_path_join(dir, "usr/sbin/policy-rc.d");
    cr_assert_not(vz_file_exists(policy));
    /* ldconfig's aux-cache records inode numbers and ctimes: two builds differ */
    cleanup_free char *aux = vz_path_join(dir, "var/cache/ldconfig/aux-cache");
    cr_assert_not(vz_file_exists(aux), "ldconfig's aux-cache left in the template");
    /* merged /usr */
    cleanup_free char *binlink = vz_path_join(dir, "bin");
    n = readlink(binlink, buf, sizeof(buf) - 1);
    cr_assert_gt(n, 0);
    buf[n] = '\0';
    cr_assert_str_eq(buf, "usr/bin");

    /* a second build without --force is refused and changes nothing */
    r = vzpkg("create-cache", "vztest-1-x86_64-minimal", "--mirror", vd.mirror);
    cr_assert_eq(r.code, 1, "%s", r.err);
    cr_assert(strstr(r.err, "a cache of vztest-1-x86_64-minimal exists already; use --force"),
              "%s", r.err);
    vzr_res_release(&r);
}

/* mode of dir/rel, or -1 */
static int mode_of(const char *dir, const char *rel)
{
    cleanup_free char *p = vz_path_join(dir, rel);
    struct stat st;
    return lstat(p, &st) == 0 ? (int)(st.st_mode & 07777) : -1;
}

/* The modes of what scripts and hooks create do not depend on the umask
 * vzpkg was started with: a preinst's "> /etc/passwd", the post-install
 * hook's file (in the sandbox) and the pre-cache hook's (on the host) are
 * 0644 as under dpkg, here with vzpkg started under umask 0 and 077. */
Test(create_cache, script_and_hook_files_get_0644_whatever_the_callers_umask)
{
    static const mode_t caller[] = { 0, 077 };
    for (size_t i = 0; i < VZ_ARRAY_SIZE(caller); i++) {
        mode_t old = umask(caller[i]);
        struct vzr_res r = vzpkg("create-cache", "vztest-1-x86_64-minimal", "--mirror", vd.mirror,
                                 "--force");
        umask(old);
        cr_assert_eq(r.code, 0, "%s", r.err);
        vzr_res_release(&r);
        cleanup_free char *dir = unpack_cache("vztest-1-x86_64-minimal");
        const char *files[] = { "etc/passwd", "etc/post-install.txt", "etc/pre-cache.txt" };
        for (size_t f = 0; f < VZ_ARRAY_SIZE(files); f++)
            cr_expect_eq(mode_of(dir, files[f]), 0644, "umask %03o: %s is %03o",
                         (unsigned)caller[i], files[f], (unsigned)mode_of(dir, files[f]));
        vz_error_t err = NULL;
        cr_assert_eq(vz_rm_rf(dir, &err), 0);
    }
}

Test(create_cache, failing_post_install_hook_fails_and_leaves_nothing)
{
    struct vzr_res r = vzpkg("create-cache", "vztest-1-x86_64-failhook", "--mirror", vd.mirror);
    cr_assert_eq(r.code, 205, "status %d: %s", r.code, r.err);
    cr_assert(strstr(r.err, "template hook post-install failed with exit status 7"), "%s", r.err);
    cr_assert(strstr(r.err, "boom from the hook"), "%s", r.err);
    vzr_res_release(&r);
    assert_no_build_root();
    cleanup_free char *tar = vz_xasprintf("%s/vz/template/cache/vztest-1-x86_64-failhook.tar.zst",
                                          vd.root);
    cr_assert_not(vz_file_exists(tar));
    /* the packages stay in the package cache: the next run downloads nothing */
    r = vzpkg("create-cache", "vztest-1-x86_64-failhook", "--mirror", vd.mirror, "--json");
    cr_assert_eq(r.code, 205);
    cr_assert_null(strstr(r.err, "download: "), "%s", r.err);
    vzr_res_release(&r);
}

Test(create_cache, failing_pre_cache_hook_gets_build_root_as_argument)
{
    struct vzr_res r = vzpkg("create-cache", "vztest-1-x86_64-failprecache", "--mirror", vd.mirror);
    cr_assert_eq(r.code, 205, "status %d: %s", r.code, r.err);
    cr_assert(strstr(r.err, "template hook pre-cache failed with exit status 1"), "%s", r.err);
    cleanup_free char *want = vz_xasprintf("pre-cache saw %s/vz/template/build/"
                                           "vztest-1-x86_64-failprecache.", vd.root);
    cr_assert(strstr(r.err, want), "%s", r.err);
    vzr_res_release(&r);
    assert_no_build_root();
}

Test(create_cache, removes_root_left_by_a_killed_build)
{
    cleanup_free char *stale = vz_xasprintf("%s/vz/template/build/vztest-1-x86_64-minimal.AbC123",
                                            vd.root);
    vz_error_t err = NULL;
    cleanup_free char *stale_bin = vz_path_join(stale, "usr/bin");
    cr_assert_eq(vz_mkdir_p(stale_bin, 0755, &err), 0);
    /* this one builds on disk (the others in RAM, the default with enough memory) */
    setenv("VZ_BUILD_IN_RAM", "0", 1);
    struct vzr_res r = vzpkg("create-cache", "vztest-1-x86_64-minimal", "--mirror", vd.mirror,
                            "--compress", "gz");
    unsetenv("VZ_BUILD_IN_RAM");
    cr_assert_eq(r.code, 0, "%s", r.err);
    cr_assert(strstr(r.err, "removing the build root of an interrupted build"), "%s", r.err);
    vzr_res_release(&r);
    assert_no_build_root();
    cleanup_free char *tar = vz_xasprintf("%s/vz/template/cache/vztest-1-x86_64-minimal.tar.gz",
                                          vd.root);
    cr_assert(vz_file_exists(tar));
}

Test(create_cache, bad_compress_is_a_usage_error)
{
    struct vzr_res r = vzpkg("create-cache", "vztest-1-x86_64-minimal", "--compress", "lz4");
    cr_assert_eq(r.code, 21, "%s", r.err);
    cr_assert(strstr(r.err, "--compress lz4: give gz, xz or zst"), "%s", r.err);
    vzr_res_release(&r);
}

/* --timeout: how long create-cache waits for another build of the template
 * (here: the test holding the template's lock) before exit 9. */
Test(create_cache, timeout_bounds_the_wait_for_another_build)
{
    struct vz_lock *lock = NULL;
    vz_error_t err = NULL;
    cr_assert_eq(vz_lock_template("vztest-1-x86_64-minimal", 0, &lock, &err), 0, "%s", err ? err->msg : "");
    struct vzr_res r = vzpkg("create-cache", "vztest-1-x86_64-minimal", "--mirror", vd.mirror, "--timeout", "1");
    vz_lock_release(lock);
    cr_assert_eq(r.code, 9, "exit %d: %s", r.code, r.err);
    cr_assert_not_null(strstr(r.err, "gave up after 1 s"), "--timeout 1 not applied: %s", r.err);
    vzr_res_release(&r);
    r = vzpkg("create-cache", "vztest-1-x86_64-minimal", "--timeout", "0");
    cr_assert_eq(r.code, 21, "%s", r.err);
    vzr_res_release(&r);
}

/* Processes running `sleep ARG` (the hooks' marker) */
static int sleepers(const char *arg)
{
    cleanup_dir DIR *d = opendir("/proc");
    struct dirent *de;
    int n = 0;
    while ((de = readdir(d))) {
        if (de->d_name[0] < '0' || de->d_name[0] > '9')
            continue;
        cleanup_free char *p = vz_xasprintf("/proc/%s/cmdline", de->d_name);
        char buf[256] = { 0 };
        FILE *f = fopen(p, "re");
        if (!f)
            continue;
        size_t k = fread(buf, 1, sizeof(buf) - 1, f);
        fclose(f);
        if (k > 6 && strcmp(buf, "sleep") == 0 && strcmp(buf + 6, arg) == 0)
            n++;
    }
    return n;
}

static void killed_during_hook(const char *variant, const char *marker, bool in_ram)
{
    cleanup_free char *name = vz_xasprintf("vztest-1-x86_64-%s", variant);
    cleanup_free char *prefix = vz_xasprintf("%s.", name);
    setenv("VZ_BUILD_IN_RAM", in_ram ? "1" : "0", 1);
    cleanup_free char *bin = vz_xasprintf("%s/bin/vzpkg", getenv("VZ_BUILD"));
    char *argv[] = { bin, "create-cache", name, "--mirror", vd.mirror, "-q", NULL };
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    pid_t pid;
    cr_assert_eq(posix_spawn(&pid, bin, &fa, NULL, argv, environ), 0);
    posix_spawn_file_actions_destroy(&fa);
    unsetenv("VZ_BUILD_IN_RAM");
    /* wait until the hook runs, looking through the builder's mount namespace */
    cleanup_free char *builddir = vz_xasprintf("%s/vz/template/build", vd.root);
    bool started = false;
    for (int i = 0; i < 1200 && !started; i++) {
        cleanup_dir DIR *d = opendir(builddir);
        struct dirent *de;
        while (d && (de = readdir(d)))
            if (strncmp(de->d_name, prefix, strlen(prefix)) == 0) {
                cleanup_free char *m = vz_xasprintf("/proc/%d/root%s/%s/hook-started", (int)pid,
                                                    builddir, de->d_name);
                started = started || vz_file_exists(m);
            }
        if (!started)
            usleep(100 * 1000);
        int st;
        cr_assert_eq(waitpid(pid, &st, WNOHANG), 0, "vzpkg ended before the hook ran");
    }
    cr_assert(started, "the %s hook never started", variant);
    usleep(200 * 1000);
    cr_assert_eq(sleepers(marker), 1, "the hook's sleep is not running");
    kill(pid, SIGKILL);
    int st;
    waitpid(pid, &st, 0);
    int left = 1;
    for (int i = 0; i < 50 && left; i++) {
        left = sleepers(marker);
        if (left)
            usleep(100 * 1000);
    }
    cr_assert_eq(left, 0, "the hook of the killed build is still running");
    cleanup_free char *mi = slurp("/proc/self", "mountinfo");
    cr_assert_null(strstr(mi, vd.root), "a mount under %s is left: %s", vd.root, mi);
    cleanup_free char *tar = vz_xasprintf("%s/vz/template/cache/%s.tar.zst", vd.root, name);
    cr_assert_not(vz_file_exists(tar));
    /* the killed build's root is left (empty when it was in RAM) until the next
     * build of the same template; a build of another template works meanwhile */
    struct vzr_res r = vzpkg("create-cache", "vztest-1-x86_64-minimal", "--mirror", vd.mirror);
    cr_assert_eq(r.code, 0, "%s", r.err);
    vzr_res_release(&r);
}

Test(create_cache, killed_in_sandboxed_hook_leaves_no_process_mount_or_cache, .timeout = 300)
{
    killed_during_hook("slowhook", "119.71", true);
}

Test(create_cache, killed_in_host_hook_leaves_no_process_mount_or_cache, .timeout = 300)
{
    killed_during_hook("slowprecache", "119.72", false);
}

Test(create_cache, corrupt_package_in_cache_is_named)
{
    struct vzr_res r = vzpkg("create-cache", "vztest-1-x86_64-minimal", "--mirror", vd.mirror,
                            "--dry-run", "--json");
    cr_assert_eq(r.code, 0, "%s", r.err);
    json_error_t je;
    json_t *j = json_loads(r.out, 0, &je);
    cr_assert_not_null(j, "%s", je.text);
    const char *sha = NULL, *version = NULL;
    size_t i;
    json_t *p;
    json_array_foreach(json_object_get(j, "packages"), i, p)
        if (strcmp(json_string_value(json_object_get(p, "name")), "tools-t") == 0) {
            sha = json_string_value(json_object_get(p, "sha256"));
            version = json_string_value(json_object_get(p, "version"));
        }
    cr_assert_not_null(sha);
    vzr_res_release(&r);
    r = vzpkg("fetch", "vztest-1-x86_64-minimal", "--mirror", vd.mirror);
    cr_assert_eq(r.code, 0, "%s", r.err);
    vzr_res_release(&r);
    /* damage the cached file behind fetch's back (it trusts what it verified) */
    cleanup_free char *deb = vz_xasprintf("%s/vz/template/pkgs/%s", vd.root, sha);
    cr_assert(vz_file_exists(deb), "%s", deb);
    cr_assert_eq(truncate(deb, 200), 0);
    r = vzpkg("create-cache", "vztest-1-x86_64-minimal", "--mirror", vd.mirror);
    cr_assert_eq(r.code, 206, "status %d: %s", r.code, r.err);
    cleanup_free char *want = vz_xasprintf("package tools-t %s (pool/main/", version);
    cr_assert(strstr(r.err, want), "%s", r.err);
    vzr_res_release(&r);
    json_decref(j);
    assert_no_build_root();
}

/* A template of a foreign architecture (aarch64 here; x86_64 on an aarch64
 * host) when no emulator is registered: the build fails before anything is
 * downloaded, with the missing piece and the command that adds it. The
 * binfmt_misc directory is one of the test's own (VZ_BINFMT_MISC_DIR), so
 * what the host has registered does not matter. */
Test(create_cache, foreign_arch_without_emulator_fails_before_downloading)
{
    struct utsname u;
    cr_assert_eq(uname(&u), 0);
    const char *tmpl = strcmp(u.machine, "aarch64") == 0 ? "vztest-1-x86_64-minimal"
                                                         : "vztest-1-aarch64-minimal";
    vz_error_t err = NULL;
    cleanup_free char *fake = vz_path_join(vd.root, "binfmt_misc");
    cleanup_free char *status = vz_path_join(fake, "status");
    cr_assert_eq(vz_mkdir_p(fake, 0755, &err), 0);
    cr_assert_eq(vz_atomic_write(status, "enabled\n", 8, 0644, &err), 0);
    setenv("VZ_BINFMT_MISC_DIR", fake, 1);
    struct vzr_res r = vzpkg("create-cache", tmpl, "--mirror", vd.mirror);
    unsetenv("VZ_BINFMT_MISC_DIR");
    cr_assert_eq(r.code, 205, "%s", r.err);
    cr_assert(strstr(r.err, "no binfmt_misc entry in"), "%s", r.err);
    cr_assert(strstr(r.err, "apt-get install qemu-user-static binfmt-support"), "%s", r.err);
    cr_assert_eq(vz_httpd_total_hits(vd.httpd), 0, "something was downloaded: %s", r.err);
    vzr_res_release(&r);
    assert_no_build_root();

    /* binfmt_misc not mounted at all: said so */
    cr_assert_eq(unlink(status), 0);
    setenv("VZ_BINFMT_MISC_DIR", fake, 1);
    r = vzpkg("create-cache", tmpl, "--mirror", vd.mirror);
    unsetenv("VZ_BINFMT_MISC_DIR");
    cr_assert_eq(r.code, 205, "%s", r.err);
    cr_assert(strstr(r.err, "binfmt_misc is not mounted at"), "%s", r.err);
    cr_assert_eq(vz_httpd_total_hits(vd.httpd), 0, "something was downloaded: %s", r.err);
    vzr_res_release(&r);
}
