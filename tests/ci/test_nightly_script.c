/* ci/nightly as a program: shellcheck finds nothing, usage errors exit 2, a
 * job without its signing key refuses to run yet says so in its JSON, and
 * the merge keeps the last --keep-reports nights. (The pipeline itself, with
 * builds: tests/e2e/test_nightly.c.) */
#include <criterion/criterion.h>
#include <dirent.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "common/common.h"

static char top[64];

struct result {
    int status;
    char *out, *err;
};

static struct result run(char *const *argv)
{
    struct vz_buf out = VZ_BUF_INIT, errb = VZ_BUF_INIT;
    vz_buf_init(&out);
    vz_buf_init(&errb);
    struct vz_run_opts o = { .out = &out, .errbuf = &errb };
    struct result r = { -1, NULL, NULL };
    vz_error_t err = NULL;
    cr_assert_eq(vz_run(argv, &o, &r.status, &err), 0, "run %s: %s", argv[0],
                 err ? err->msg : "");
    r.out = vz_buf_detach(&out, NULL);
    r.err = vz_buf_detach(&errb, NULL);
    return r;
}

static void release(struct result *r)
{
    free(r->out);
    free(r->err);
}

static char *script(void)
{
    cr_assert_not_null(getenv("VZ_SRC"), "VZ_SRC is not set: run through make check");
    return vz_xasprintf("%s/ci/nightly", getenv("VZ_SRC"));
}

static void setup(void)
{
    snprintf(top, sizeof(top), "/tmp/vzt-ci-XXXXXX");
    cr_assert_not_null(mkdtemp(top));
    cleanup_free char *vzpkg = vz_xasprintf("%s/bin/vzpkg", getenv("VZ_BUILD"));
    setenv("VZPKG", vzpkg, 1);
    setenv("RUNNER_TEMP", top, 1);
    unsetenv("NIGHTLY_SIGNING_KEY");
    unsetenv("NIGHTLY_SIGNING_KEY_FILE");
    unsetenv("NIGHTLY_NIGHT");
}

static void teardown(void)
{
    unsetenv("VZPKG");
    unsetenv("RUNNER_TEMP");
    unsetenv("NIGHTLY_SIGNING_KEY_FILE");
    unsetenv("NIGHTLY_NIGHT");
    vz_error_t err = NULL;
    vz_rm_rf(top, &err);
    vz_error_release(&err);
}

TestSuite(nightly_script, .init = setup, .fini = teardown, .timeout = 120);

Test(nightly_script, shellcheck_finds_nothing)
{
    cleanup_free char *s = script();
    cleanup_free char *sc = vz_which("shellcheck");
    cr_assert_not_null(sc, "shellcheck is not installed (make deps installs it)");
    char *argv[] = { sc, "-s", "bash", s, NULL };
    struct result r = run(argv);
    cr_assert_eq(r.status, 0, "shellcheck ci/nightly:\n%s", r.out);
    release(&r);
}

Test(nightly_script, help_and_usage_errors)
{
    cleanup_free char *s = script();
    char *help[] = { s, "--help", NULL };
    struct result r = run(help);
    cr_assert_eq(r.status, 0);
    cr_assert(strstr(r.out, "ci/nightly job NAME") && strstr(r.out, "NIGHTLY_SIGNING_KEY_FILE"),
              "%s", r.out);
    release(&r);
    char *cases[][4] = { { "bogus", NULL }, { "job", NULL }, { "job", "x", NULL },
                         { "merge", "/tmp", NULL }, { "push", "a", NULL } };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *argv[6] = { s };
        for (int k = 0; k < 4 && cases[i][k]; k++)
            argv[k + 1] = cases[i][k];
        r = run(argv);
        cr_assert_eq(r.status, 2, "%s %s: exit %d: %s", cases[i][0], cases[i][1] ?: "",
                     r.status, r.err);
        cr_assert(strstr(r.err, "--help"), "%s", r.err);
        release(&r);
    }
}

/* Without a key the job stops before anything else (it would otherwise sign
 * with a throwaway key no host trusts) and its JSON says it failed. */
Test(nightly_script, a_job_without_a_signing_key_refuses_and_reports_it)
{
    cleanup_free char *s = script();
    cleanup_free char *stage = vz_path_join(top, "stage");
    char *argv[] = { s, "job", "debian-12-x86_64-minimal", "--stage", stage, NULL };
    struct result r = run(argv);
    cr_assert_eq(r.status, 1, "exit %d: %s", r.status, r.err);
    cr_assert(strstr(r.err, "no signing key: set NIGHTLY_SIGNING_KEY_FILE"), "%s", r.err);
    release(&r);
    cleanup_free char *jp = vz_path_join(stage, "nightly/jobs/debian-12-x86_64-minimal.json");
    json_error_t je;
    json_t *j = json_load_file(jp, 0, &je);
    cr_assert_not_null(j, "%s: %s", jp, je.text);
    cr_assert_str_eq(json_string_value(json_object_get(j, "action")), "failed");
    cr_assert_str_eq(json_string_value(json_object_get(j, "template")),
                     "debian-12-x86_64-minimal");
    json_decref(j);
    cleanup_free char *sb = vz_path_join(stage, "debian-12-x86_64-minimal");
    cr_assert(!vz_file_exists(sb));
    /* the scratch directory it made (under RUNNER_TEMP) is gone */
    cleanup_dir DIR *d = opendir(top);
    cr_assert_not_null(d);
    struct dirent *de;
    while ((de = readdir(d)))
        cr_assert(strncmp(de->d_name, "nightly-", 8), "%s/%s left behind", top, de->d_name);
}

/* Three nights with nothing staged, --keep-reports 2: the first night's
 * report is removed, the list and latest.json name the last. */
Test(nightly_script, merge_keeps_the_last_nights_reports)
{
    cleanup_free char *vzpkg = vz_xasprintf("%s/bin/vzpkg", getenv("VZ_BUILD"));
    cleanup_free char *keyroot = vz_path_join(top, "key");
    setenv("VZ_ROOT", keyroot, 1);
    char *kg[] = { vzpkg, "-q", "keygen", NULL };
    struct result r = run(kg);
    cr_assert_eq(r.status, 0, "%s", r.err);
    release(&r);
    unsetenv("VZ_ROOT");
    cleanup_free char *key = vz_path_join(keyroot, "etc/vz/keys/signing.key");
    setenv("NIGHTLY_SIGNING_KEY_FILE", key, 1);
    cleanup_free char *s = script();
    cleanup_free char *pub = vz_path_join(top, "pub");
    cleanup_free char *stage = vz_path_join(top, "empty-stage");
    vz_error_t err = NULL;
    cr_assert_eq(vz_mkdir_p(stage, 0755, &err), 0);
    const char *nights[] = { "n1", "n2", "n3" };
    for (int i = 0; i < 3; i++) {
        /* the first night turns on the simplestreams files; they stay */
        char *argv[] = { s, "merge", "--publish", pub, "--night", (char *)nights[i],
                         "--keep-reports", "2", stage, i == 0 ? "--simplestreams" : NULL, NULL };
        r = run(argv);
        cr_assert_eq(r.status, 0, "night %s: %s", nights[i], r.err);
        release(&r);
    }
    cleanup_free char *n1 = vz_path_join(pub, "nightly/n1");
    cleanup_free char *n3 = vz_path_join(pub, "nightly/n3/report.html");
    cr_assert(!vz_file_exists(n1), "n1 was kept");
    cleanup_free char *streams = vz_path_join(pub, "streams/v1/index.json");
    cr_assert(vz_file_exists(streams), "merge --simplestreams made no %s", streams);
    cr_assert(vz_file_exists(n3));
    cleanup_free char *lp = vz_path_join(pub, "nightly/latest.json");
    json_t *j = json_load_file(lp, 0, NULL);
    cr_assert_not_null(j);
    cr_assert_str_eq(json_string_value(json_object_get(j, "night")), "n3");
    json_decref(j);
    cleanup_free char *ip = vz_path_join(pub, "nightly/index.html");
    cleanup_free char *html = NULL;
    size_t len = 0;
    cr_assert_eq(vz_read_file(ip, &html, &len, &err), 0);
    cr_assert(strstr(html, "n3/report.html") && strstr(html, "n2/report.html") &&
              !strstr(html, "n1/"), "%s", html);
    /* a night name that is not a plain name is refused before anything runs */
    char *bad[] = { s, "merge", "--publish", pub, "--night", "../x", stage, NULL };
    r = run(bad);
    cr_assert_eq(r.status, 2, "%s", r.err);
    release(&r);
}
