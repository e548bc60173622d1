/* vzpkg create-cache --dry-run and vzpkg fetch as a user runs them:
 * build/bin/vzpkg against a synthetic signed repository served over HTTP on
 * 127.0.0.1, with a temporary VZ_ROOT and a distro YAML written by the test. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/common.h"
#include "tests/lib/httpd.h"
#include "tests/lib/robust.h"
#include "tests/lib/testrepo.h"
#include "tests/lib/vztest.h"

/* The second repository and the variants of this suite's vztest distro
 * (vzr_vztest_yaml_more). */
static const struct vzr_vztest_more yaml_more = {
    .repositories = "  - name: plain\n"
                    "    mirror: \"{{mirror.vztest}}\"\n"
                    "    suite: \"{{codename}}\"\n"
                    "    components: [main]\n"
                    "    allow_unsigned: true\n",
};

static const char yaml_variants[] =
    "  minimal:\n"
    "    summary: \"minimal\"\n"
    "    base: required\n"
    "    repositories: [main]\n"
    "    packages: [editor-t]\n"
    "  unsigned:\n"
    "    summary: \"from a repository whose signature is not checked\"\n"
    "    base: required\n"
    "    repositories: [plain]\n"
    "    packages: [editor-t]\n"
    "  broken:\n"
    "    summary: \"cannot be resolved\"\n"
    "    base: required\n"
    "    repositories: [main]\n"
    "    packages: [editor-t]\n"
    "    excludes: [libt1]\n";

static struct vzt_distro vd;

static void setup(void) { vzt_distro_setup(&vd, "build", &yaml_more, yaml_variants); }
static void teardown(void) { vzt_distro_teardown(&vd); }

TestSuite(vzpkg_build, .init = setup, .fini = teardown, .timeout = 300);

/* vzpkg(arg, ...): build/bin/vzpkg with the arguments up to the first NULL. */
#define vzpkg(...) vzr_runv("vzpkg", (const char *const[]){ __VA_ARGS__, NULL })

Test(vzpkg_build, dry_run_json_plan_and_index_reuse)
{
    struct vzr_res r = vzpkg("create-cache", "vztest-1-x86_64-minimal", "--dry-run", "--json",
                            "--mirror", vd.mirror);
    cr_assert_eq(r.code, 0, "%s", r.err);
    json_error_t je;
    json_t *j = json_loads(r.out, 0, &je);
    cr_assert_not_null(j, "%s: %s", je.text, r.out);
    cr_assert_str_eq(json_string_value(json_object_get(j, "template")), "vztest-1-x86_64-minimal");
    json_t *pk = json_object_get(j, "packages");
    cr_assert_eq(json_array_size(pk), 10);
    cr_assert_eq(json_integer_value(json_object_get(j, "count")), 10);
    json_int_t total = 0;
    bool editor = false;
    for (size_t i = 0; i < json_array_size(pk); i++) {
        json_t *p = json_array_get(pk, i);
        total += json_integer_value(json_object_get(p, "size"));
        cr_assert_eq(strlen(json_string_value(json_object_get(p, "sha256"))), 64);
        cr_assert_str_eq(json_string_value(json_object_get(p, "repository")), "main");
        if (strcmp(json_string_value(json_object_get(p, "name")), "editor-t") == 0) {
            editor = true;
            cr_assert_str_eq(json_string_value(json_object_get(p, "version")), "9.0-1");
            cr_assert_str_eq(json_string_value(json_object_get(p, "priority")), "important");
            cr_assert_str_eq(json_string_value(json_object_get(p, "filename")),
                             "pool/main/e/editor-t/editor-t_9.0-1_amd64.deb");
        }
    }
    cr_assert(editor);
    cr_assert_eq(json_integer_value(json_object_get(j, "total_size")), total);
    json_t *repos = json_object_get(j, "repositories");
    cr_assert_eq(json_array_size(repos), 1);
    cr_assert_str_eq(json_string_value(json_object_get(json_array_get(repos, 0), "suite")), "testing");
    json_decref(j);
    vzr_res_release(&r);
    cr_assert_eq(vz_httpd_hits(vd.httpd, "/dists/testing/main/binary-amd64/Packages.xz"), 1);
    cr_assert_eq(vz_httpd_hits(vd.httpd, "/dists/testing/InRelease"), 1);

    /* second run, text output: Release fetched again, index not */
    r = vzpkg("create-cache", "vztest-1-x86_64-minimal", "--dry-run", "--mirror", vd.mirror);
    cr_assert_eq(r.code, 0, "%s", r.err);
    cr_assert(strstr(r.out, "\neditor-t ") != NULL, "%s", r.out);
    cr_assert(strstr(r.out, "\n10 packages, download ") != NULL, "%s", r.out);
    cr_assert(strncmp(r.out, "# repository main: testing, Release of ", 39) == 0, "%s", r.out);
    vzr_res_release(&r);
    cr_assert_eq(vz_httpd_hits(vd.httpd, "/dists/testing/InRelease"), 2);
    cr_assert_eq(vz_httpd_hits(vd.httpd, "/dists/testing/main/binary-amd64/Packages.xz"), 1);
}

Test(vzpkg_build, stale_release_replay_refused)
{
    /* a mirror replaying an old, correctly signed Release whose Valid-Until passed */
    vz_error_t err = NULL;
    struct vz_testrepo_opts old = { .date = 1700000000, .valid_until = 1700000000 + 86400 };
    cr_assert_eq(vz_testrepo_write_release(&vd.repo, &old, &err), 0, "%s", err ? err->msg : "");
    cleanup_free char *in = vz_testrepo_dists_path(&vd.repo, "InRelease");
    cleanup_free char *stale = NULL;
    size_t len;
    cr_assert_eq(vz_read_file(in, &stale, &len, &err), 0);
    cr_assert_eq(vz_testrepo_write_release(&vd.repo, NULL, &err), 0, "%s", err ? err->msg : "");
    vz_httpd_alt(vd.httpd, "/dists/testing/InRelease", stale, len, 0);
    struct vzr_res r = vzpkg("create-cache", "vztest-1-x86_64-minimal", "--dry-run", "--mirror", vd.mirror);
    cr_assert_eq(r.code, VZ_EVERIFY, "%d %s", r.code, r.err);
    cleanup_free char *want = vz_xasprintf(
        "vzpkg: error: repository main: Release of testing from %s expired on Wed, 15 Nov 2023 "
        "22:13:20 UTC (Valid-Until): the mirror is out of date or replays an old Release; use a "
        "current mirror, or pass --allow-expired to accept it\n", vd.mirror);
    cr_assert_str_eq(r.err, want);
    cr_assert_str_eq(r.out, "");
    vzr_res_release(&r);
    r = vzpkg("create-cache", "vztest-1-x86_64-minimal", "--dry-run", "--allow-expired", "--mirror", vd.mirror);
    cr_assert_eq(r.code, 0, "%s", r.err);
    vzr_res_release(&r);
    /* the real build too: refused without the flag, built with it */
    r = vzpkg("create-cache", "vztest-1-x86_64-minimal", "--mirror", vd.mirror);
    cr_assert_eq(r.code, VZ_EVERIFY, "%d %s", r.code, r.err);
    vzr_res_release(&r);
    r = vzpkg("create-cache", "vztest-1-x86_64-minimal", "--allow-expired", "--mirror", vd.mirror);
    cr_assert_eq(r.code, 0, "%s", r.err);
    vzr_res_release(&r);
    cleanup_free char *tar = vz_template_path("cache/vztest-1-x86_64-minimal.tar.zst");
    cr_assert(vz_file_exists(tar), "no %s after create-cache --allow-expired", tar);
}

Test(vzpkg_build, unsatisfiable_exits_202_with_sentence)
{
    struct vzr_res r = vzpkg("create-cache", "-q", "vztest-1-x86_64-broken", "--dry-run", "--mirror", vd.mirror);
    cr_assert_eq(r.code, VZ_ESOLVER, "%d %s", r.code, r.err);
    cr_assert_str_eq(r.err,
        "vzpkg: error: cannot resolve the packages of vztest-1-x86_64-broken: package tools-t 2.0-1 "
        "requires libt1 (>= 1.0), but none of the candidates can be installed: libt1 1.2-3 "
        "(excluded by the template)\n"
        "(run with --debug-solver DIR to write a testcase that libsolv's testsolv replays)\n");
    vzr_res_release(&r);
    cleanup_free char *dbg = vz_path_join(vd.root, "solver");
    r = vzpkg("create-cache", "vztest-1-x86_64-broken", "--dry-run", "--mirror", vd.mirror,
              "--debug-solver", dbg);
    cr_assert_eq(r.code, VZ_ESOLVER);
    cleanup_free char *tc = vz_path_join(dbg, "testcase.t");
    cr_assert(vz_file_exists(tc));
    vzr_res_release(&r);
}

Test(vzpkg_build, build_without_dry_run_builds_the_cache)
{
    /* the build itself is tested in tests/e2e/test_create_cache.c */
    struct vzr_res r = vzpkg("create-cache", "vztest-1-x86_64-minimal", "--mirror", vd.mirror);
    cr_assert_eq(r.code, 0, "%s", r.err);
    cleanup_free char *tar = vz_xasprintf("%s/vz/template/cache/vztest-1-x86_64-minimal.tar.zst",
                                          vd.root);
    cr_assert(vz_file_exists(tar), "%s", r.err);
    vzr_res_release(&r);
    r = vzpkg("create-cache", "--dry-run");
    cr_assert_eq(r.code, VZ_EUSAGE);
    vzr_res_release(&r);
}

Test(vzpkg_build, fetch_fills_package_cache)
{
    struct vzr_res r = vzpkg("fetch", "vztest-1-x86_64-minimal", "--jobs", "3", "--mirror", vd.mirror);
    cr_assert_eq(r.code, 0, "%s", r.err);
    vzr_res_release(&r);
    /* every planned package is in the cache under its sha256 */
    r = vzpkg("create-cache", "vztest-1-x86_64-minimal", "--dry-run", "--json", "--mirror", vd.mirror);
    cr_assert_eq(r.code, 0, "%s", r.err);
    json_t *j = json_loads(r.out, 0, NULL);
    json_t *pk = json_object_get(j, "packages");
    cleanup_free char *pkgs = vz_path_join(vd.root, "vz/template/pkgs");
    size_t found = 0;
    for (size_t i = 0; i < json_array_size(pk); i++) {
        const char *sha = json_string_value(json_object_get(json_array_get(pk, i), "sha256"));
        cleanup_free char *cmd = vz_xasprintf("find %s -name '*%s*' | grep -q .", pkgs, sha);
        char *argv[] = { "sh", "-c", cmd, NULL };
        vz_error_t err = NULL;
        if (vz_run_ok(argv, NULL, &err) == 0)
            found++;
        vz_error_release(&err);
    }
    cr_assert_eq(found, json_array_size(pk));
    json_decref(j);
    vzr_res_release(&r);
    cr_assert_eq(vz_httpd_hits(vd.httpd, "/pool/main/e/editor-t/editor-t_9.0-1_amd64.deb"), 1);
    /* a second fetch downloads nothing */
    r = vzpkg("fetch", "vztest-1-x86_64-minimal", "--mirror", vd.mirror);
    cr_assert_eq(r.code, 0, "%s", r.err);
    vzr_res_release(&r);
    cr_assert_eq(vz_httpd_hits(vd.httpd, "/pool/main/e/editor-t/editor-t_9.0-1_amd64.deb"), 1);
}

/* fetch --json: what was resolved and what this run downloaded; an object
 * for one template, an array for several; a failure prints nothing. */
Test(vzpkg_build, fetch_json_counts_what_it_downloaded)
{
    struct vzr_res r = vzpkg("fetch", "vztest-1-x86_64-minimal", "--json", "--mirror", vd.mirror);
    cr_assert_eq(r.code, 0, "%s", r.err);
    json_error_t je;
    json_t *j = json_loads(r.out, 0, &je);
    cr_assert_not_null(j, "not JSON (%s): '%s'", je.text, r.out);
    cr_assert_str_eq(json_string_value(json_object_get(j, "template")), "vztest-1-x86_64-minimal");
    json_int_t n = json_integer_value(json_object_get(j, "packages"));
    json_int_t size = json_integer_value(json_object_get(j, "download_size"));
    cr_assert_eq(n, 10, "%s", r.out);
    cr_assert_gt(size, 0, "%s", r.out);
    /* an empty package cache: everything was downloaded */
    cr_assert_eq(json_integer_value(json_object_get(j, "downloaded")), n, "%s", r.out);
    cr_assert_eq(json_integer_value(json_object_get(j, "downloaded_size")), size, "%s", r.out);
    cr_assert_eq(json_object_size(j), 5, "%s", r.out);
    json_decref(j);
    vzr_res_release(&r);
    /* again, twice over: nothing more to download, an array of two */
    r = vzpkg("fetch", "vztest-1-x86_64-minimal", "vztest-1-x86_64-minimal", "--json", "--mirror",
              vd.mirror);
    cr_assert_eq(r.code, 0, "%s", r.err);
    j = json_loads(r.out, 0, &je);
    cr_assert_not_null(j, "not JSON (%s): '%s'", je.text, r.out);
    cr_assert_eq(json_array_size(j), 2, "%s", r.out);
    for (size_t i = 0; i < 2; i++) {
        json_t *x = json_array_get(j, i);
        cr_assert_eq(json_integer_value(json_object_get(x, "packages")), n);
        cr_assert_eq(json_integer_value(json_object_get(x, "downloaded")), 0, "%s", r.out);
        cr_assert_eq(json_integer_value(json_object_get(x, "downloaded_size")), 0, "%s", r.out);
    }
    json_decref(j);
    vzr_res_release(&r);
    /* the second template cannot be resolved: exit 202, nothing on stdout */
    r = vzpkg("fetch", "vztest-1-x86_64-minimal", "vztest-1-x86_64-broken", "--json", "--mirror",
              vd.mirror);
    cr_assert_eq(r.code, VZ_ESOLVER, "%s", r.err);
    cr_assert_str_empty(r.out);
    cr_assert(strstr(r.err, "vzpkg: error: "), "%s", r.err);
    vzr_res_release(&r);
}

Test(vzpkg_build, allow_unsigned_warns_on_every_run)
{
    cleanup_free char *want = vz_xasprintf(
        "vzpkg: warning: repository plain: signature NOT checked (allow_unsigned: true); anyone "
        "between you and %s can change what gets installed\n", vd.mirror);
    for (int run = 0; run < 2; run++) {
        struct vzr_res r = vzpkg("create-cache", "vztest-1-x86_64-unsigned", "--dry-run", "--json",
                                "--mirror", vd.mirror);
        cr_assert_eq(r.code, 0, "%s", r.err);
        cr_assert(strstr(r.err, want) != NULL, "run %d: %s", run, r.err);
        vzr_res_release(&r);
    }
    /* the signature files were never even asked for */
    cr_assert_eq(vz_httpd_hits(vd.httpd, "/dists/testing/InRelease"), 0);
    cr_assert_eq(vz_httpd_hits(vd.httpd, "/dists/testing/Release"), 2);
}
