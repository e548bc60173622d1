/* The shipped Ubuntu 22.04 file built end to end against a synthetic Ubuntu
 * archive on 127.0.0.1 (the real mirror is not reachable from our machines):
 * what differs from Debian is what this archive has.
 *
 *   jammy           main:     the synthetic minimal system, .debs compressed
 *                             with zstd as Ubuntu's are, apt, a required
 *                             package depending on "usrmerge | usr-is-merged",
 *                             and stand-ins for the default variant's names
 *                   universe: a Priority: required package (never in the base
 *                             set: debootstrap reads main) and a tool
 *   jammy-updates   main:     newer tools-t (in the minimal set) and vim-tiny
 *                   universe: newer tool
 *   jammy-security  main:     newer pager-a; universe: empty
 *
 * The distro file is distros/ubuntu-22.04.yaml as shipped, with one variant
 * appended (default + the universe tool); its relative keyring names
 * keys/ubuntu-archive-keyring.gpg next to it, which here holds the test key,
 * and the real Ubuntu key must refuse this archive. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/common.h"
#include "tests/lib/httpd.h"
#include "tests/lib/testrepo.h"

static char root[64];
static char *distros, *mirror;
static struct vz_httpd *httpd;

static const char universe_variant[] =
    "  universe:\n"
    "    summary: \"default and a tool from universe\"\n"
    "    extends: default\n"
    "    packages: [uni-tool]\n";

static const char *const default_names[] = {
    "systemd-sysv", "iproute2", "iputils-ping", "netbase", "openssh-server", "ca-certificates",
    "less", "procps", "vim-tiny", "locales", "cron", "logrotate",
};

/* The synthetic default set's package of that name, as a base for a newer one. */
static struct vz_testpkg from_default(const char *name, const char *version)
{
    size_t n = 0;
    const struct vz_testpkg *d = vz_testrepo_default_pkgs(&n);
    for (size_t i = 0; i < n; i++)
        if (strcmp(d[i].name, name) == 0) {
            struct vz_testpkg p = d[i];
            p.version = version;
            p.compress = "zstd";
            return p;
        }
    cr_assert_fail("no %s in the default set", name);
    return d[0];
}

static void add_repo(const char *suite, const char *component, const struct vz_testpkg *pkgs,
                     size_t n)
{
    static const struct vz_testpkg none[1];
    cleanup_free char *dir = vz_path_join(root, "mirror");
    struct vz_testrepo_opts o = { .suite = suite, .component = component };
    struct vz_testrepo r;
    vz_error_t err = NULL;
    cr_assert_eq(vz_testrepo_create(dir, n ? pkgs : none, n, &o, &r, &err), 0, "%s",
                 err ? err->msg : "");
    if (strcmp(suite, "jammy") == 0 && strcmp(component, "main") == 0) {
        cleanup_free char *keys = vz_path_join(distros, "keys");
        cleanup_free char *key = vz_path_join(keys, "ubuntu-archive-keyring.gpg");
        cr_assert_eq(vz_mkdir_p(keys, 0755, &err), 0);
        cr_assert_eq(vz_copy_file(r.keyring, key, &err), 0, "%s", err ? err->msg : "");
    }
    vz_testrepo_release(&r);
}

/* etc/apt exists, so the clean-up writes the container's sources.list */
static const struct vz_testfile apt_files[] = {
    { "/etc/apt/apt.conf.d/00synthetic", "// synthetic apt\n", NULL, NULL, 0 },
    { NULL, NULL, NULL, NULL, 0 },
};

/* Whether noble's base-files ships the merged-/usr links is not checked
 * (docs/family-deb.md): merged_usr: symlinks must work either way, so one
 * required package here ships them as trixie's base-files does. */
static const struct vz_testfile links_files[] = {
    { "/bin", NULL, "usr/bin", NULL, 0 },
    { "/sbin", NULL, "usr/sbin", NULL, 0 },
    { "/lib", NULL, "usr/lib", NULL, 0 },
    { "/lib64", NULL, "usr/lib64", NULL, 0 },
    { NULL, NULL, NULL, NULL, 0 },
};

static void build_archive(void)
{
    size_t n = 0;
    const struct vz_testpkg *d = vz_testrepo_default_pkgs(&n);
    struct vz_testpkg main_pkgs[64];
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        main_pkgs[m] = d[i];
        main_pkgs[m++].compress = "zstd";
    }
    main_pkgs[m++] = (struct vz_testpkg){ .name = "apt", .version = "2.4.5", .priority = "important",
                                          .files = apt_files, .compress = "zstd" };
    main_pkgs[m++] = (struct vz_testpkg){ .name = "init-sys-t", .version = "1.61", .priority = "required",
                                          .depends = "usrmerge | usr-is-merged", .compress = "zstd" };
    main_pkgs[m++] = (struct vz_testpkg){ .name = "links-t", .version = "13ubuntu10",
                                          .priority = "required", .files = links_files,
                                          .compress = "zstd" };
    main_pkgs[m++] = (struct vz_testpkg){ .name = "usrmerge", .version = "25ubuntu2", .compress = "zstd" };
    main_pkgs[m++] = (struct vz_testpkg){ .name = "usr-is-merged", .version = "35", .compress = "zstd" };
    for (size_t i = 0; i < VZ_ARRAY_SIZE(default_names); i++)
        main_pkgs[m++] = (struct vz_testpkg){ .name = default_names[i], .version = "1.0",
                                              .compress = "zstd" };
    cr_assert_leq(m, VZ_ARRAY_SIZE(main_pkgs));
    add_repo("jammy", "main", main_pkgs, m);

    const struct vz_testpkg universe[] = {
        { .name = "uni-required", .version = "1.0", .priority = "required", .compress = "zstd" },
        { .name = "uni-tool", .version = "1.0", .compress = "zstd" },
    };
    add_repo("jammy", "universe", universe, VZ_ARRAY_SIZE(universe));

    const struct vz_testpkg updates[] = {
        from_default("tools-t", "2.1-1ubuntu0.1"),
        { .name = "vim-tiny", .version = "1.1", .compress = "zstd" },
    };
    add_repo("jammy-updates", "main", updates, VZ_ARRAY_SIZE(updates));
    const struct vz_testpkg updates_universe[] = {
        { .name = "uni-tool", .version = "1.1", .compress = "zstd" },
    };
    add_repo("jammy-updates", "universe", updates_universe, VZ_ARRAY_SIZE(updates_universe));

    const struct vz_testpkg security[] = { from_default("pager-a", "1.0ubuntu0.1") };
    add_repo("jammy-security", "main", security, VZ_ARRAY_SIZE(security));
    add_repo("jammy-security", "universe", NULL, 0);
}

static void setup(void)
{
    snprintf(root, sizeof(root), "/tmp/vzt-ubuntu-XXXXXX");
    cr_assert_not_null(mkdtemp(root));
    const char *src = getenv("VZ_SRC");
    cr_assert_not_null(getenv("VZ_BUILD"), "VZ_BUILD is not set: run through make check");
    cr_assert_not_null(src, "VZ_SRC is not set: run through make check");
    vz_error_t err = NULL;
    distros = vz_path_join(root, "distros");
    cr_assert_eq(vz_mkdir_p(distros, 0755, &err), 0);
    /* the shipped file, one variant added */
    cleanup_free char *shipped = vz_xasprintf("%s/distros/ubuntu-22.04.yaml", src);
    char *text = NULL;
    size_t len = 0;
    cr_assert_eq(vz_read_file(shipped, &text, &len, &err), 0, "%s", err ? err->msg : "");
    cleanup_free char *yaml = vz_xasprintf("%s%s", text, universe_variant);
    free(text);
    cleanup_free char *ypath = vz_path_join(distros, "ubuntu-22.04.yaml");
    cr_assert_eq(vz_atomic_write(ypath, yaml, strlen(yaml), 0644, &err), 0);
    build_archive();

    cleanup_free char *mdir = vz_path_join(root, "mirror");
    httpd = vz_httpd_start(mdir);
    mirror = vz_httpd_url(httpd, "");
    setenv("VZ_DISTROS_DIR", distros, 1);
    setenv("VZ_ROOT", root, 1);
    setenv("VZ_APT_ROOT", root, 1);
    setenv("VZ_MIRROR_UBUNTU", mirror, 1);
}

static void teardown(void)
{
    vz_httpd_stop(httpd);
    free(mirror);
    free(distros);
    vz_error_t err = NULL;
    vz_rm_rf(root, &err);
    vz_error_release(&err);
}

TestSuite(ubuntu, .init = setup, .fini = teardown, .timeout = 240);

/* vzpkg create-cache TEMPLATE; its exit status, stderr into *errout. */
static int create_cache(const char *tmpl, char **errout)
{
    cleanup_free char *bin = vz_xasprintf("%s/bin/vzpkg", getenv("VZ_BUILD"));
    char *argv[] = { bin, "create-cache", (char *)tmpl, NULL };
    struct vz_buf out = VZ_BUF_INIT, errb = VZ_BUF_INIT;
    vz_buf_init(&out);
    vz_buf_init(&errb);
    struct vz_run_opts o = { .out = &out, .errbuf = &errb };
    int status = -1;
    vz_error_t err = NULL;
    cr_assert_eq(vz_run(argv, &o, &status, &err), 0, "run vzpkg: %s", err ? err->msg : "");
    vz_buf_release(&out);
    *errout = vz_buf_detach(&errb, NULL);
    return status;
}

/* The cache unpacked into ROOT/NAME. */
static char *unpack(const char *name)
{
    char *dir = vz_path_join(root, name);
    vz_error_t err = NULL;
    cr_assert_eq(vz_mkdir_p(dir, 0755, &err), 0);
    cleanup_free char *tar = vz_xasprintf("%s/vz/template/cache/%s.tar.zst", root, name);
    char *argv[] = { "tar", "-I", "zstd", "-xpf", tar, "-C", dir, NULL };
    cr_assert_eq(vz_run_ok(argv, NULL, &err), 0, "%s", err ? err->msg : "");
    return dir;
}

static char *slurp(const char *dir, const char *rel)
{
    cleanup_free char *p = vz_path_join(dir, rel);
    char *d = NULL;
    size_t n = 0;
    vz_error_t err = NULL;
    cr_assert_eq(vz_read_file(p, &d, &n, &err), 0, "%s", err ? err->msg : "");
    return d;
}

/* "name=version" of every package dpkg's status says is installed, sorted,
 * space-separated; fails on any package in another state. */
static char *installed(const char *dir)
{
    cleanup_free char *status = slurp(dir, "var/lib/dpkg/status");
    char **v = NULL;
    for (char *st = status; st && *st;) {
        char *end = strstr(st, "\n\n");
        if (end)
            *end = '\0';
        char name[128] = "", version[128] = "";
        const char *p = strstr(st, "Package: ");
        const char *ver = strstr(st, "\nVersion: ");
        cr_assert(p && ver, "stanza without Package/Version: %s", st);
        sscanf(p, "Package: %127s", name);
        sscanf(ver, "\nVersion: %127s", version);
        cr_assert(strstr(st, "\nStatus: install ok installed\n"), "%s not installed: %s", name, st);
        cleanup_free char *nv = vz_xasprintf("%s=%s", name, version);
        vz_strv_push(&v, nv);
        st = end ? end + 2 : NULL;
    }
    size_t n = vz_strv_len(v);
    for (size_t i = 1; i < n; i++) /* insertion sort: a few dozen names */
        for (size_t j = i; j > 0 && strcmp(v[j - 1], v[j]) > 0; j--) {
            char *t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    struct vz_buf b = VZ_BUF_INIT;
    vz_buf_init(&b);
    for (size_t i = 0; i < n; i++)
        vz_buf_addf(&b, "%s%s", i ? " " : "", v[i]);
    vz_strv_free(v);
    return vz_buf_detach(&b, NULL);
}

static void assert_merged_usr(const char *dir)
{
    char buf[64];
    cleanup_free char *bin = vz_path_join(dir, "bin");
    ssize_t n = readlink(bin, buf, sizeof(buf) - 1);
    cr_assert_gt(n, 0, "bin is not a symlink");
    buf[n] = '\0';
    cr_assert_str_eq(buf, "usr/bin");
    /* busybox-sh ships /bin/busybox: it is below usr/ */
    cleanup_free char *bb = vz_path_join(dir, "usr/bin/busybox");
    cr_assert(vz_file_exists(bb));
}

#define RELEASE_MINBASE                                                                          \
    "apt=2.4.5 base-files=12.4 base-passwd=3.6.1 busybox-sh=1.36.1-1 dpkg-alts=1.21.22 "       \
    "init-sys-t=1.61 libt1=1.2-3 links-t=13ubuntu10 mawk-t=1.3.4-1 newapi=2.0-1 pager-a=1.0 "       \
    "tools-t=2.0-1 usr-is-merged=35"

/* minimal is debootstrap's minbase of the release pocket's main: none of
 * universe (even a required package), no pocket's newer versions, and
 * usr-is-merged rather than usrmerge. */
Test(ubuntu, minimal_is_minbase_of_the_release_pockets_main)
{
    char *err = NULL;
    int st = create_cache("ubuntu-22.04-x86_64-minimal", &err);
    cr_assert_eq(st, 0, "%s", err);
    free(err);
    cleanup_free char *dir = unpack("ubuntu-22.04-x86_64-minimal");
    cleanup_free char *set = installed(dir);
    cr_assert_str_eq(set, RELEASE_MINBASE);
    assert_merged_usr(dir);
    cleanup_free char *sources = slurp(dir, "etc/apt/sources.list");
    cleanup_free char *want = vz_xasprintf("deb %s jammy main\n", mirror);
    cr_assert_str_eq(sources, want);
}

/* default (here with one universe tool added): -updates and -security
 * versions win over the release's, universe is installable, and the base
 * set is still minimal's (no uni-required). */
Test(ubuntu, default_takes_every_pocket_and_universe)
{
    char *err = NULL;
    int st = create_cache("ubuntu-22.04-x86_64-universe", &err);
    cr_assert_eq(st, 0, "%s", err);
    free(err);
    cleanup_free char *dir = unpack("ubuntu-22.04-x86_64-universe");
    cleanup_free char *set = installed(dir);
    cr_assert_str_eq(set, "apt=2.4.5 base-files=12.4 base-passwd=3.6.1 busybox-sh=1.36.1-1 "
                          "ca-certificates=1.0 cron=1.0 dpkg-alts=1.21.22 init-sys-t=1.61 "
                          "iproute2=1.0 iputils-ping=1.0 less=1.0 libt1=1.2-3 links-t=13ubuntu10 locales=1.0 "
                          "logrotate=1.0 mawk-t=1.3.4-1 netbase=1.0 newapi=2.0-1 openssh-server=1.0 "
                          "pager-a=1.0ubuntu0.1 procps=1.0 systemd-sysv=1.0 "
                          "tools-t=2.1-1ubuntu0.1 uni-tool=1.1 usr-is-merged=35 vim-tiny=1.1");
    assert_merged_usr(dir);
    cleanup_free char *sources = slurp(dir, "etc/apt/sources.list");
    cleanup_free char *want = vz_xasprintf("deb %s jammy main\ndeb %s jammy universe\n"
                                           "deb %s jammy-updates main universe\n"
                                           "deb %s jammy-security main universe\n",
                                           mirror, mirror, mirror, mirror);
    cr_assert_str_eq(sources, want);
}

/* The archive key the file names is the one checked: Ubuntu's real keys
 * refuse this archive before any package is downloaded. */
Test(ubuntu, ubuntus_own_key_refuses_the_synthetic_archive)
{
    cleanup_free char *real = vz_xasprintf("%s/distros/keys/ubuntu-archive-keyring.gpg",
                                           getenv("VZ_SRC"));
    cleanup_free char *key = vz_path_join(distros, "keys/ubuntu-archive-keyring.gpg");
    vz_error_t e = NULL;
    cr_assert_eq(vz_copy_file(real, key, &e), 0, "%s", e ? e->msg : "");
    char *err = NULL;
    int st = create_cache("ubuntu-22.04-x86_64-minimal", &err);
    cr_assert_eq(st, VZ_EVERIFY, "status %d: %s", st, err);
    cr_assert(strstr(err, "repository main"), "%s", err);
    free(err);
    cleanup_free char *pool = vz_xasprintf("/pool/main/b/busybox-sh/busybox-sh_1.36.1-1_amd64.deb");
    cr_assert_eq(vz_httpd_hits(httpd, pool), 0, "a package was downloaded");
    cleanup_free char *cache = vz_xasprintf("%s/vz/template/cache/ubuntu-22.04-x86_64-minimal.tar.zst",
                                            root);
    cr_assert_not(vz_file_exists(cache));
}
