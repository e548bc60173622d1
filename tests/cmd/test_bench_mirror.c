/* tests/real/mirror.sh.inc, which the benchmarks and the real checks source
 * to get the Debian mirror vzforge itself would use, run against fake apt
 * sources, environment and vz.conf in a temporary root: no network (the
 * URLs are never fetched), no host file read. And no script under bench/ or
 * tests/real/ reads the host's apt sources on its own any more. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/common.h"

static char root[64];

static void put(const char *rel, const char *text)
{
    cleanup_free char *p = vz_path_join(root, rel);
    cleanup_free char *dir = vz_xstrdup(p);
    *strrchr(dir, '/') = '\0';
    vz_error_t err = NULL;
    cr_assert_eq(vz_mkdir_p(dir, 0755, &err), 0);
    cr_assert_eq(vz_atomic_write(p, text, strlen(text), 0644, &err), 0);
}

static const char *src_dir(void)
{
    const char *s = getenv("VZ_SRC");
    return s && *s ? s : ".";
}

static void setup(void)
{
    snprintf(root, sizeof(root), "/tmp/vzt-bmirror-XXXXXX");
    cr_assert_not_null(mkdtemp(root));
    setenv("VZ_ROOT", root, 1);
    cleanup_free char *apt = vz_path_join(root, "apt");
    setenv("VZ_APT_ROOT", apt, 1);
    unsetenv("VZ_DISTROS_DIR");
    unsetenv("VZ_MIRROR_DEBIAN");
    unsetenv("VZ_MIRROR_DEBIAN_SECURITY");
    const char *b = getenv("VZ_BUILD");
    cleanup_free char *vzpkg = vz_xasprintf("%s/bin/vzpkg", b && *b ? b : "build");
    cr_assert(access(vzpkg, X_OK) == 0, "%s is not built (make all)", vzpkg);
    setenv("VZPKG", vzpkg, 1);
    cleanup_free char *jq = vz_which("jq");
    cr_assert_not_null(jq, "jq is not installed (make deps installs it)");
}

static void teardown(void)
{
    vz_error_t err = NULL;
    if (root[0] && vz_rm_rf(root, &err) < 0)
        vz_error_release(&err);
}

TestSuite(bench_mirror, .init = setup, .fini = teardown, .timeout = 120);

/* Source mirror.sh.inc as the scripts do; "rc=N mirror=M". Allocated. */
static char *sourced(void)
{
    cleanup_free char *inc = vz_path_join(src_dir(), "tests/real/mirror.sh.inc");
    char *argv[] = { "sh", "-c", ". \"$1\"; vz_host_mirror; echo \"rc=$? mirror=$mirror\"", "sh",
                     inc, NULL };
    struct vz_buf out = VZ_BUF_INIT;
    vz_buf_init(&out);
    struct vz_run_opts o = { .out = &out, .quiet = 0 };
    int status = -1;
    vz_error_t err = NULL;
    cr_assert_eq(vz_run(argv, &o, &status, &err), 0, "%s", err ? err->msg : "");
    cr_assert_eq(status, 0, "sh: %d", status);
    char *s = vz_buf_detach(&out, NULL);
    size_t n = strlen(s);
    if (n && s[n - 1] == '\n')
        s[n - 1] = '\0';
    return s;
}

static void expect(const char *want)
{
    cleanup_free char *got = sourced();
    cr_assert_str_eq(got, want);
}

static const char deb822[] = "Types: deb\n"
                             "URIs: http://127.0.0.1:9/debian-security/\n"
                             "Suites: bookworm-security\n"
                             "Components: main\n"
                             "\n"
                             "Types: deb\n"
                             "URIs: http://127.0.0.1:9/debian/\n"
                             "Suites: bookworm bookworm-updates\n"
                             "Components: main\n";

Test(bench_mirror, deb822_sources_give_the_plain_suite_entry)
{
    put("apt/etc/apt/sources.list.d/debian.sources", deb822);
    expect("rc=0 mirror=http://127.0.0.1:9/debian");
}

Test(bench_mirror, one_line_sources_list_skips_security)
{
    put("apt/etc/apt/sources.list",
        "deb http://127.0.0.1:8/debian-security bookworm-security main\n"
        "# deb http://127.0.0.1:8/commented bookworm main\n"
        "deb http://127.0.0.1:8/debian bookworm main contrib\n");
    expect("rc=0 mirror=http://127.0.0.1:8/debian");
}

Test(bench_mirror, environment_and_vz_conf_beat_apt_sources)
{
    put("apt/etc/apt/sources.list.d/debian.sources", deb822);
    put("etc/vz/vz.conf", "MIRROR_DEBIAN=\"http://127.0.0.1:6/conf\"\n");
    expect("rc=0 mirror=http://127.0.0.1:6/conf");
    setenv("VZ_MIRROR_DEBIAN", "http://127.0.0.1:7/env/ http://127.0.0.1:7/second", 1);
    expect("rc=0 mirror=http://127.0.0.1:7/env");
}

Test(bench_mirror, no_mirror_anywhere_returns_1)
{
    expect("rc=1 mirror=");
}

/* A host path, not one under a scratch root ("$apt/etc/apt/..."). */
static bool reads_host_apt(const char *text)
{
    for (const char *p = text; (p = strstr(p, "/etc/apt/sources.list")); p++)
        if (p == text || strchr(" \t\"'=(", p[-1]))
            return true;
    return strstr(text, "URIs:") != NULL;
}

Test(bench_mirror, no_script_parses_apt_sources_itself)
{
    const char *dirs[] = { "bench", "bench/create-cache", "bench/download", "bench/instantiate",
                           "bench/resolve", "bench/update", "tests/real" };
    size_t checked = 0;
    for (size_t i = 0; i < VZ_ARRAY_SIZE(dirs); i++) {
        cleanup_free char *d = vz_path_join(src_dir(), dirs[i]);
        DIR *dh = opendir(d);
        cr_assert_not_null(dh, "%s", d);
        struct dirent *de;
        while ((de = readdir(dh))) {
            size_t n = strlen(de->d_name);
            if (n < 3 || strcmp(de->d_name + n - 3, ".sh") != 0)
                continue;
            cleanup_free char *p = vz_path_join(d, de->d_name);
            cleanup_free char *text = NULL;
            vz_error_t err = NULL;
            cr_assert_eq(vz_read_file(p, &text, NULL, &err), 0, "%s", err ? err->msg : "");
            cr_expect(!reads_host_apt(text),
                      "%s reads the host's apt sources itself: source tests/real/mirror.sh.inc "
                      "and call vz_host_mirror", p);
            checked++;
        }
        closedir(dh);
    }
    cr_assert_gt(checked, 10);
}
