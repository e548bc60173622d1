/* vzctl create with a template that is not cached: downloaded from the
 * index in vz.conf (INDEX_URL), verified, then created; a tampered download
 * is refused and leaves nothing behind (issue 5, as vzctl with vztmpl-dl). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cache/index.h"
#include "cache/sign.h"
#include "common/common.h"
#include "tests/lib/httpd.h"
#include "tests/vpscore/fixture.h"

#define NAME "test-1-x86_64-minimal"

static struct fx fx;      /* host A: builds, signs and publishes */
static char root_b[64];   /* host B: trusts A's key, has INDEX_URL */
static char *pub, *tpath; /* published dir; URL path of the tarball */
static struct vz_httpd *srv;

static void write_file(const char *path, const char *text)
{
    vz_error_t err = NULL;
    cr_assert_eq(vz_atomic_write(path, text, strlen(text), 0644, &err), 0, "%s", err ? err->msg : "");
}

static void setup(void)
{
    fx_setup_signed(&fx, NULL);
    vz_log_level = VZ_LOG_WARN;
    pub = fx_path(&fx, "pub");
    char *names[] = { NAME, NULL };
    char **ids = NULL;
    vz_error_t err = NULL;
    cr_assert_eq(vz_publish(pub, names, 3, &ids, &err), 0, "%s", err ? err->msg : "");
    cr_assert(ids && ids[0], "nothing published");
    tpath = vz_xasprintf("/%s/%s/%s.tar.zst", NAME, ids[0], NAME);
    vz_strv_free(ids);
    srv = vz_httpd_start(pub);

    snprintf(root_b, sizeof(root_b), "/tmp/vzt-dl-XXXXXX");
    cr_assert_not_null(mkdtemp(root_b));
    setenv("VZ_ROOT", root_b, 1);
    char *apub = fx_path(&fx, "etc/vz/keys/signing.pub");
    cr_assert_eq(vz_trust_add(apub, NULL, &err), 0, "%s", err ? err->msg : "");
    free(apub);
    char *conf_dir = vz_path_join(root_b, "etc/vz");
    cr_assert_eq(vz_mkdir_p(conf_dir, 0755, &err), 0);
    char *conf = vz_path_join(conf_dir, "vz.conf");
    char *url = vz_httpd_url(srv, "/");
    char *text = vz_xasprintf("INDEX_URL=\"%s\"\n", url);
    write_file(conf, text);
    free(text);
    free(url);
    free(conf);
    free(conf_dir);
}

static void teardown(void)
{
    vz_httpd_stop(srv);
    vz_error_t err = NULL;
    if (root_b[0] && vz_rm_rf(root_b, &err) < 0)
        vz_error_release(&err);
    fx_teardown(&fx);
    free(pub);
    free(tpath);
}

TestSuite(ct_download, .init = setup, .fini = teardown, .timeout = 300);

static char *in_b(const char *rel)
{
    return vz_path_join(root_b, rel);
}

static int exists_in_b(const char *rel)
{
    char *p = in_b(rel);
    int r = access(p, F_OK) == 0;
    free(p);
    return r;
}

static int create(char **out)
{
    char *argv[] = { "vzctl", "create", "101", "--ostemplate", NAME, NULL };
    return fx_run(argv, out);
}

Test(ct_download, missing_template_is_downloaded_verified_and_created)
{
    cr_assert(!exists_in_b("vz/template/cache/" NAME ".tar.zst"));
    char *out = NULL;
    int st = create(&out);
    cr_assert_eq(st, 0, "%s", out);
    char *url = vz_httpd_url(srv, "/");
    char *want = vz_xasprintf("Template %s is not cached: downloading it from %sindex.json", NAME, url);
    cr_assert_not_null(strstr(out, want), "%s", out);
    cr_assert_not_null(strstr(out, "Template " NAME " downloaded and verified"), "%s", out);
    cr_assert_not_null(strstr(out, "Container private area was created"), "%s", out);
    cr_assert_eq(vz_httpd_hits(srv, tpath), 1);
    cr_assert(exists_in_b("vz/template/cache/" NAME ".tar.zst"));
    cr_assert(exists_in_b("vz/template/cache/" NAME ".manifest"));
    cr_assert(exists_in_b("vz/template/cache/" NAME ".manifest.sig"));
    cr_assert(exists_in_b("etc/vz/conf/101.conf"));
    cr_assert(exists_in_b("vz/private/101"));
    free(out);
    /* a second container finds the cache: no second download */
    char *argv[] = { "vzctl", "create", "102", "--ostemplate", NAME, NULL };
    st = fx_run(argv, &out);
    cr_assert_eq(st, 0, "%s", out);
    cr_assert_null(strstr(out, "downloading"), "%s", out);
    cr_assert_eq(vz_httpd_hits(srv, tpath), 1);
    free(out);
    free(want);
    free(url);
}

Test(ct_download, tampered_tarball_is_refused_and_nothing_written)
{
    vz_httpd_fault(srv, tpath, VZ_HTTPD_CORRUPT, 100, 0);
    char *out = NULL;
    int st = create(&out);
    cr_assert_eq(st, 204, "exit %d: %s", st, out);
    cr_assert_not_null(strstr(out, "template " NAME " is not cached and its download was refused"), "%s", out);
    cr_assert_not_null(strstr(out, "sha256 mismatch"), "%s", out);
    cr_assert(!exists_in_b("vz/template/cache/" NAME ".tar.zst"));
    cr_assert(!exists_in_b("vz/template/cache/" NAME ".manifest"));
    cr_assert(!exists_in_b("etc/vz/conf/101.conf"));
    cr_assert(!exists_in_b("vz/private/101"));
    /* no partial download left in the cache or its temporary directory */
    char *cache_dir = in_b("vz/template");
    char *argv[] = { "sh", "-c", "find \"$0/cache\" \"$0/tmp\" -type f 2>/dev/null | wc -l", cache_dir, NULL };
    struct vz_buf b = VZ_BUF_INIT;
    vz_buf_init(&b);
    struct vz_run_opts o = { .out = &b };
    vz_error_t err = NULL;
    cr_assert_eq(vz_run_ok(argv, &o, &err), 0);
    char *n = vz_buf_detach(&b, NULL);
    cr_assert_eq(atoi(n), 0, "left in %s: %s entries", cache_dir, n);
    free(n);
    free(cache_dir);
    free(out);
}

Test(ct_download, without_an_index_the_missing_template_is_an_error)
{
    char *conf = in_b("etc/vz/vz.conf");
    write_file(conf, "# no INDEX_URL\n");
    free(conf);
    char *out = NULL;
    int st = create(&out);
    cr_assert_eq(st, 91, "exit %d: %s", st, out);
    cr_assert_null(strstr(out, "downloading"), "%s", out);
    cr_assert_eq(vz_httpd_hits(srv, tpath), 0);
    cr_assert(!exists_in_b("vz/private/101"));
    free(out);
}

/* The download runs `vzpkg download` (vzctl-create links no HTTP client):
 * with --json, stdout is the one JSON object of create, whatever vzpkg
 * prints; -q reaches vzpkg too (nothing on stderr). */
Test(ct_download, json_stdout_stays_json_through_the_download)
{
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    cr_assert_gt(n, 0);
    exe[n] = '\0';
    *strrchr(exe, '/') = '\0';
    *strrchr(exe, '/') = '\0';
    char *bin = vz_xasprintf("%s/bin/vzctl", exe);
    char *argv[] = { bin, "-q", "create", "101", "--ostemplate", NAME, "--json", NULL };
    struct vz_buf o1 = VZ_BUF_INIT, e1 = VZ_BUF_INIT;
    vz_buf_init(&o1);
    vz_buf_init(&e1);
    struct vz_run_opts o = { .out = &o1, .errbuf = &e1 };
    int st = -1;
    vz_error_t err = NULL;
    cr_assert_eq(vz_run(argv, &o, &st, &err), 0, "%s", err ? err->msg : "");
    cr_assert_eq(st, 0, "exit %d: %s", st, e1.data);
    cr_assert_eq(vz_httpd_hits(srv, tpath), 1, "the template was not downloaded");
    json_error_t je;
    json_t *j = json_loads(o1.data, 0, &je);
    cr_assert_not_null(j, "stdout is not one JSON value (%s): %s", je.text, o1.data);
    cr_assert_str_eq(json_string_value(json_object_get(j, "ctid")), "101");
    cr_assert_str_empty(e1.data, "-q, yet stderr says: %s", e1.data);
    json_decref(j);
    vz_buf_release(&o1);
    vz_buf_release(&e1);
    free(bin);
}
