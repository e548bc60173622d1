/* Tests of tmplbuild/fetch: one per failure mode of a mirror, against the
 * loopback test server (tests/lib/httpd.h). */
#include <criterion/criterion.h>
#include <dirent.h>
#include <signal.h>
#include <stdlib.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/lib/httpd.h"
#include "tests/tmplbuild/fetch_fixture.h"
#include "tmplbuild/fetch.h"

TestSuite(fetch, .init = ff_setup, .fini = ff_teardown, .timeout = 120);

Test(fetch, plain_download_verifies_and_renames)
{
    struct ff_file *f = ff_add("/pool/a.deb", 100000);
    struct vz_fetch_item it = ff_item(f, "pkg-a", 1);
    vz_error_t err = NULL;
    struct vz_fetch_opts o = ff_opts();
    cr_assert_eq(vz_fetch_many(&it, 1, &o, &err), 0, "%s", err ? err->msg : "");
    ff_assert_file(it.dest, f);
    cr_assert_not(ff_exists_part(it.dest), ".part left behind");
    cr_assert_eq(vz_httpd_hits(ff_srv, "/pool/a.deb"), 1);
    char *ua = vz_httpd_last_header(ff_srv, "/pool/a.deb", "User-Agent");
    cr_assert_str_eq(ua, "vzforge/" VZ_VERSION);
    free(ua);
    ff_item_free(&it);
}

Test(fetch, not_found_fails_over_to_next_url)
{
    struct ff_file *f = ff_add("/pool/b.deb", 5000);
    struct vz_fetch_item it = ff_item(f, "pkg-b", 1);
    /* first mirror has no such file */
    char *second = it.urls[0];
    it.urls[0] = vz_httpd_url(ff_srv, "/mirror1/pool/b.deb");
    vz_strv_push(&it.urls, second);
    free(second);
    vz_error_t err = NULL;
    struct vz_fetch_opts o = ff_opts();
    cr_assert_eq(vz_fetch_many(&it, 1, &o, &err), 0, "%s", err ? err->msg : "");
    ff_assert_file(it.dest, f);
    cr_assert_eq(vz_httpd_hits(ff_srv, "/mirror1/pool/b.deb"), 1, "a 404 is not retried");
    cr_assert_eq(vz_httpd_hits(ff_srv, "/pool/b.deb"), 1);
    ff_item_free(&it);
}

Test(fetch, not_found_everywhere_fails_naming_the_url)
{
    struct vz_fetch_item it = { 0 };
    char *u = ff_url("/pool/none.deb");
    vz_strv_push(&it.urls, u);
    free(u);
    char *dest = vz_path_join(ff_out, "none");
    it.dest = dest;
    it.size = -1;
    it.label = "none";
    vz_error_t err = NULL;
    struct vz_fetch_opts o = ff_opts();
    cr_assert_eq(vz_fetch_many(&it, 1, &o, &err), -1);
    char *want = vz_xasprintf("fetch none: %s: HTTP 404", it.urls[0]);
    cr_assert_str_eq(err->msg, want);
    cr_assert_eq(err->status, VZ_EFETCH);
    cr_assert_eq(vz_httpd_hits(ff_srv, "/pool/none.deb"), 1);
    cr_assert_not(vz_file_exists(dest));
    cr_assert_not(ff_exists_part(dest));
    free(want);
    free(dest);
    vz_error_release(&err);
    vz_strv_free(it.urls);
}

Test(fetch, server_error_is_retried_then_succeeds)
{
    struct ff_file *f = ff_add("/pool/c.deb", 3000);
    vz_httpd_fault(ff_srv, "/pool/c.deb", VZ_HTTPD_STATUS, 500, 2);
    struct vz_fetch_item it = ff_item(f, "pkg-c", 1);
    vz_error_t err = NULL;
    struct vz_fetch_opts o = ff_opts();
    cr_assert_eq(vz_fetch_many(&it, 1, &o, &err), 0, "%s", err ? err->msg : "");
    ff_assert_file(it.dest, f);
    cr_assert_eq(vz_httpd_hits(ff_srv, "/pool/c.deb"), 3);
    ff_item_free(&it);
}

Test(fetch, server_error_persisting_fails_after_the_retry_limit)
{
    struct ff_file *f = ff_add("/pool/c2.deb", 3000);
    vz_httpd_fault(ff_srv, "/pool/c2.deb", VZ_HTTPD_STATUS, 503, 0);
    struct vz_fetch_item it = ff_item(f, "pkg-c2", 1);
    vz_error_t err = NULL;
    struct vz_fetch_opts o = ff_opts();
    o.retries = 3;
    cr_assert_eq(vz_fetch_many(&it, 1, &o, &err), -1);
    char *want = vz_xasprintf("fetch pkg-c2: %s: HTTP 503", it.urls[0]);
    cr_assert_str_eq(err->msg, want);
    cr_assert_eq(vz_httpd_hits(ff_srv, "/pool/c2.deb"), 4, "1 try + 3 retries");
    cr_assert_not(vz_file_exists(it.dest));
    free(want);
    vz_error_release(&err);
    ff_item_free(&it);
}

Test(fetch, dropped_connection_resumes_with_range)
{
    struct ff_file *f = ff_add("/pool/d.deb", 300000);
    vz_httpd_fault(ff_srv, "/pool/d.deb", VZ_HTTPD_DROP, 120000, 1);
    struct vz_fetch_item it = ff_item(f, "pkg-d", 1);
    vz_error_t err = NULL;
    struct vz_fetch_opts o = ff_opts();
    cr_assert_eq(vz_fetch_many(&it, 1, &o, &err), 0, "%s", err ? err->msg : "");
    ff_assert_file(it.dest, f);
    cr_assert_eq(vz_httpd_hits(ff_srv, "/pool/d.deb"), 2);
    cr_assert_eq(vz_httpd_range_hits(ff_srv, "/pool/d.deb"), 1, "the second request must resume");
    cr_assert_eq(vz_httpd_last_range_start(ff_srv, "/pool/d.deb"), 120000);
    ff_item_free(&it);
}

Test(fetch, resume_against_a_server_ignoring_range_restarts)
{
    struct ff_file *f = ff_add("/pool/d2.deb", 200000);
    vz_httpd_fault(ff_srv, "/pool/d2.deb", VZ_HTTPD_NORANGE, 0, 0);
    struct vz_fetch_item it = ff_item(f, "pkg-d2", 1);
    char *part = vz_xasprintf("%s.part", it.dest);
    vz_error_t err = NULL;
    cr_assert_eq(vz_atomic_write(part, f->data, 50000, 0644, &err), 0);
    struct vz_fetch_opts o = ff_opts();
    cr_assert_eq(vz_fetch_many(&it, 1, &o, &err), 0, "%s", err ? err->msg : "");
    ff_assert_file(it.dest, f);
    cr_assert_eq(vz_httpd_hits(ff_srv, "/pool/d2.deb"), 2);
    cr_assert_eq(vz_httpd_range_hits(ff_srv, "/pool/d2.deb"), 1, "only the first request asks for a range");
    free(part);
    ff_item_free(&it);
}

Test(fetch, truncated_response_is_refetched)
{
    struct ff_file *f = ff_add("/pool/e.deb", 50000);
    vz_httpd_fault(ff_srv, "/pool/e.deb", VZ_HTTPD_TRUNCATE, 20000, 1);
    struct vz_fetch_item it = ff_item(f, "pkg-e", 1);
    vz_error_t err = NULL;
    struct vz_fetch_opts o = ff_opts();
    cr_assert_eq(vz_fetch_many(&it, 1, &o, &err), 0, "%s", err ? err->msg : "");
    ff_assert_file(it.dest, f);
    cr_assert_eq(vz_httpd_hits(ff_srv, "/pool/e.deb"), 2);
    cr_assert_eq(vz_httpd_range_hits(ff_srv, "/pool/e.deb"), 0, "a bad file is fetched from scratch");
    ff_item_free(&it);
}

Test(fetch, truncated_everywhere_reports_the_size)
{
    struct ff_file *f = ff_add("/pool/e2.deb", 50000);
    vz_httpd_fault(ff_srv, "/pool/e2.deb", VZ_HTTPD_TRUNCATE, 20000, 0);
    struct vz_fetch_item it = ff_item(f, "pkg-e2", 1);
    vz_error_t err = NULL;
    struct vz_fetch_opts o = ff_opts();
    o.retries = 1;
    cr_assert_eq(vz_fetch_many(&it, 1, &o, &err), -1);
    char *want = vz_xasprintf("fetch pkg-e2: %s: size mismatch (expected 50000 bytes, got 20000)",
                              it.urls[0]);
    cr_assert_str_eq(err->msg, want);
    cr_assert_eq(err->status, VZ_EVERIFY);
    cr_assert_not(vz_file_exists(it.dest));
    cr_assert_not(ff_exists_part(it.dest));
    free(want);
    vz_error_release(&err);
    ff_item_free(&it);
}

Test(fetch, corrupted_once_is_refetched)
{
    struct ff_file *f = ff_add("/pool/f.deb", 70000);
    vz_httpd_fault(ff_srv, "/pool/f.deb", VZ_HTTPD_CORRUPT, 4242, 1);
    struct vz_fetch_item it = ff_item(f, "pkg-f", 1);
    vz_error_t err = NULL;
    struct vz_fetch_opts o = ff_opts();
    cr_assert_eq(vz_fetch_many(&it, 1, &o, &err), 0, "%s", err ? err->msg : "");
    ff_assert_file(it.dest, f);
    cr_assert_eq(vz_httpd_hits(ff_srv, "/pool/f.deb"), 2);
    ff_item_free(&it);
}

Test(fetch, corrupted_always_fails_with_both_digests)
{
    struct ff_file *f = ff_add("/pool/libc6.deb", 70000);
    vz_httpd_fault(ff_srv, "/pool/libc6.deb", VZ_HTTPD_CORRUPT, 10, 0);
    struct vz_fetch_item it = ff_item(f, "libc6", 1);
    vz_error_t err = NULL;
    struct vz_fetch_opts o = ff_opts();
    o.retries = 2;
    cr_assert_eq(vz_fetch_many(&it, 1, &o, &err), -1);
    f->data[10] ^= (char)0xff;
    char got[65];
    vz_sha256_hex(f->data, f->len, got);
    char *want = vz_xasprintf("fetch libc6: %s: sha256 mismatch (expected %s, got %s)", it.urls[0],
                              f->sha256, got);
    cr_assert_str_eq(err->msg, want);
    cr_assert_eq(err->status, VZ_EVERIFY);
    cr_assert_eq(vz_httpd_hits(ff_srv, "/pool/libc6.deb"), 3, "1 try + 2 retries");
    cr_assert_not(vz_file_exists(it.dest), "a corrupt file must never get its final name");
    cr_assert_not(ff_exists_part(it.dest));
    free(want);
    vz_error_release(&err);
    ff_item_free(&it);
}

Test(fetch, stalled_server_times_out)
{
    struct ff_file *f = ff_add("/pool/g.deb", 50000);
    vz_httpd_fault(ff_srv, "/pool/g.deb", VZ_HTTPD_STALL, 1000, 0);
    struct vz_fetch_item it = ff_item(f, "pkg-g", 1);
    vz_error_t err = NULL;
    struct vz_fetch_opts o = ff_opts();
    o.timeout_s = 1;
    o.retries = 1;
    cr_assert_eq(vz_fetch_many(&it, 1, &o, &err), -1);
    char *want = vz_xasprintf("fetch pkg-g: %s: timed out (no data for 1 s)", it.urls[0]);
    cr_assert_str_eq(err->msg, want);
    cr_assert_eq(err->status, VZ_EFETCH);
    cr_assert_eq(vz_httpd_hits(ff_srv, "/pool/g.deb"), 2);
    cr_assert_eq(vz_httpd_range_hits(ff_srv, "/pool/g.deb"), 1, "the retry resumes after 1000 bytes");
    cr_assert_not(vz_file_exists(it.dest));
    free(want);
    vz_error_release(&err);
    ff_item_free(&it);
}

Test(fetch, slow_but_moving_server_is_not_a_timeout)
{
    struct ff_file *f = ff_add("/pool/h.deb", 8000);
    vz_httpd_fault(ff_srv, "/pool/h.deb", VZ_HTTPD_SLOW, 150, 0);
    struct vz_fetch_item it = ff_item(f, "pkg-h", 1);
    vz_error_t err = NULL;
    struct vz_fetch_opts o = ff_opts();
    o.timeout_s = 1;
    cr_assert_eq(vz_fetch_many(&it, 1, &o, &err), 0, "%s", err ? err->msg : "");
    ff_assert_file(it.dest, f);
    cr_assert_eq(vz_httpd_hits(ff_srv, "/pool/h.deb"), 1);
    ff_item_free(&it);
}

Test(fetch, many_files_in_parallel_reuse_connections)
{
    enum { N = 40 };
    struct vz_fetch_item its[N];
    struct ff_file *fs[N];
    for (int i = 0; i < N; i++) {
        char p[64];
        snprintf(p, sizeof(p), "/pool/m%02d.deb", i);
        fs[i] = ff_add(p, 1000 + 3000 * i);
        its[i] = ff_item(fs[i], p + 6, 1);
    }
    vz_error_t err = NULL;
    struct vz_fetch_opts o = ff_opts();
    o.jobs = 4;
    cr_assert_eq(vz_fetch_many(its, N, &o, &err), 0, "%s", err ? err->msg : "");
    for (int i = 0; i < N; i++) {
        ff_assert_file(its[i].dest, fs[i]);
        ff_item_free(&its[i]);
    }
    cr_assert_eq(vz_httpd_total_hits(ff_srv), N);
    cr_assert_leq(vz_httpd_connections(ff_srv), 4, "keep-alive: at most one connection per job");
}

Test(fetch, existing_destination_is_not_fetched_again)
{
    struct ff_file *f = ff_add("/pool/i.deb", 1000);
    struct vz_fetch_item it = ff_item(f, "pkg-i", 1);
    vz_error_t err = NULL;
    struct vz_fetch_opts o = ff_opts();
    cr_assert_eq(vz_fetch_many(&it, 1, &o, &err), 0, "%s", err ? err->msg : "");
    cr_assert_eq(vz_fetch_many(&it, 1, &o, &err), 0, "%s", err ? err->msg : "");
    cr_assert_eq(vz_httpd_hits(ff_srv, "/pool/i.deb"), 1, "downloaded twice");
    ff_item_free(&it);
}

Test(fetch, complete_part_from_an_earlier_run_is_verified_offline)
{
    struct ff_file *f = ff_add("/pool/j.deb", 9000);
    struct vz_fetch_item it = ff_item(f, "pkg-j", 1);
    char *part = vz_xasprintf("%s.part", it.dest);
    vz_error_t err = NULL;
    cr_assert_eq(vz_atomic_write(part, f->data, f->len, 0644, &err), 0);
    struct vz_fetch_opts o = ff_opts();
    cr_assert_eq(vz_fetch_many(&it, 1, &o, &err), 0, "%s", err ? err->msg : "");
    ff_assert_file(it.dest, f);
    cr_assert_eq(vz_httpd_hits(ff_srv, "/pool/j.deb"), 0);
    free(part);
    ff_item_free(&it);
}

Test(fetch, bad_part_from_an_earlier_run_is_discarded)
{
    struct ff_file *f = ff_add("/pool/k.deb", 9000);
    struct vz_fetch_item it = ff_item(f, "pkg-k", 1);
    char *part = vz_xasprintf("%s.part", it.dest);
    vz_error_t err = NULL;
    /* right length, wrong bytes: the final check must catch it */
    char *junk = calloc(1, f->len);
    cr_assert_eq(vz_atomic_write(part, junk, f->len, 0644, &err), 0);
    struct vz_fetch_opts o = ff_opts();
    cr_assert_eq(vz_fetch_many(&it, 1, &o, &err), 0, "%s", err ? err->msg : "");
    ff_assert_file(it.dest, f);
    cr_assert_eq(vz_httpd_hits(ff_srv, "/pool/k.deb"), 1);
    cr_assert_eq(vz_httpd_range_hits(ff_srv, "/pool/k.deb"), 0);
    free(junk);
    free(part);
    ff_item_free(&it);
}

Test(fetch, file_urls_work)
{
    struct ff_file *f = ff_add("/pool/l.deb", 4000);
    struct vz_fetch_item it = ff_item(f, "pkg-l", 1);
    free(it.urls[0]);
    it.urls[0] = vz_xasprintf("file://%s/pool/l.deb", ff_srv_dir);
    vz_error_t err = NULL;
    struct vz_fetch_opts o = ff_opts();
    cr_assert_eq(vz_fetch_many(&it, 1, &o, &err), 0, "%s", err ? err->msg : "");
    ff_assert_file(it.dest, f);
    ff_item_free(&it);
}

Test(fetch, proxy_from_the_environment_is_used)
{
    struct ff_file *f = ff_add("/pool/p.deb", 4000);
    struct vz_fetch_item it = ff_item(f, "pkg-p", 1);
    free(it.urls[0]);
    /* a host that does not resolve: only the proxy can answer */
    it.urls[0] = vz_xstrdup("http://mirror.vzforge-test.invalid/pool/p.deb");
    char *proxy = ff_url("");
    setenv("http_proxy", proxy, 1);
    unsetenv("no_proxy");
    unsetenv("NO_PROXY");
    vz_error_t err = NULL;
    struct vz_fetch_opts o = ff_opts();
    cr_assert_eq(vz_fetch_many(&it, 1, &o, &err), 0, "%s", err ? err->msg : "");
    ff_assert_file(it.dest, f);
    char *target = vz_httpd_last_header(ff_srv, "/pool/p.deb", ":target");
    cr_assert_str_eq(target, "http://mirror.vzforge-test.invalid/pool/p.deb");
    free(target);
    free(proxy);
    ff_item_free(&it);
}

Test(fetch, to_buf_returns_the_body)
{
    ff_add_data("/dists/InRelease", "Origin: test\n", 13);
    struct vz_buf b = VZ_BUF_INIT;
    vz_buf_init(&b);
    long code = 0;
    vz_error_t err = NULL;
    char *url = ff_url("/dists/InRelease");
    cr_assert_eq(vz_fetch_to_buf(url, &b, &code, &err), 0, "%s", err ? err->msg : "");
    cr_assert_str_eq(b.data, "Origin: test\n");
    cr_assert_eq(code, 200);
    free(url);
    vz_buf_release(&b);
}

Test(fetch, to_buf_names_url_and_status)
{
    struct vz_buf b = VZ_BUF_INIT;
    vz_buf_init(&b);
    long code = 0;
    vz_error_t err = NULL;
    char *url = ff_url("/dists/Release");
    cr_assert_eq(vz_fetch_to_buf(url, &b, &code, &err), -1);
    char *want = vz_xasprintf("%s: HTTP 404", url);
    cr_assert_str_eq(err->msg, want);
    cr_assert_eq(code, 404);
    cr_assert_eq(b.len, 0);
    free(want);
    free(url);
    vz_error_release(&err);
    vz_buf_release(&b);
}

Test(fetch, to_buf_retries_server_errors)
{
    ff_add_data("/dists/InRelease", "x", 1);
    vz_httpd_fault(ff_srv, "/dists/InRelease", VZ_HTTPD_STATUS, 502, 1);
    struct vz_buf b = VZ_BUF_INIT;
    vz_buf_init(&b);
    vz_error_t err = NULL;
    char *url = ff_url("/dists/InRelease");
    cr_assert_eq(vz_fetch_to_buf(url, &b, NULL, &err), 0, "%s", err ? err->msg : "");
    cr_assert_str_eq(b.data, "x");
    cr_assert_eq(vz_httpd_hits(ff_srv, "/dists/InRelease"), 2);
    free(url);
    vz_buf_release(&b);
}

/* Interrupt a child in the middle of a download with sig; then check that
 * nothing has its final name and that a re-run resumes and completes. */
static void interrupt_and_rerun(int sig, const char *path)
{
    struct ff_file *f = ff_add(path, 400000);
    /* slow enough to be killed in the middle */
    vz_httpd_fault(ff_srv, path, VZ_HTTPD_SLOW, 5, 0);
    struct vz_fetch_item it = ff_item(f, "pkg-big", 1);
    char *part = vz_xasprintf("%s.part", it.dest);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        /* as at a terminal: a suite run as a background job of a
         * non-interactive shell inherits SIGINT ignored */
        signal(sig, SIG_DFL);
        vz_error_t err = NULL;
        struct vz_fetch_opts o = ff_opts();
        _exit(vz_fetch_many(&it, 1, &o, &err) == 0 ? 0 : 1);
    }
    /* wait (bounded) until some bytes have arrived */
    struct stat st;
    int ok = 0;
    for (int i = 0; i < 1000 && !ok; i++) {
        ok = stat(part, &st) == 0 && st.st_size >= 20000;
        if (!ok)
            usleep(10000);
    }
    kill(pid, sig);
    int status;
    waitpid(pid, &status, 0);
    cr_assert(ok, "signal %d: the child never started writing %s", sig, part);
    cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == sig, "signal %d: the child was not killed by it", sig);
    cr_assert_not(vz_file_exists(it.dest), "signal %d left a file under its final name", sig);
    cr_assert(vz_file_exists(part));
    vz_httpd_clear(ff_srv, path);
    vz_error_t err = NULL;
    struct vz_fetch_opts o = ff_opts();
    cr_assert_eq(vz_fetch_many(&it, 1, &o, &err), 0, "%s", err ? err->msg : "");
    ff_assert_file(it.dest, f);
    cr_assert_eq(vz_httpd_range_hits(ff_srv, path), 1, "signal %d: the re-run must resume the .part", sig);
    cr_assert_geq(vz_httpd_last_range_start(ff_srv, path), 20000);
    cr_assert_not(vz_file_exists(part));
    free(part);
    ff_item_free(&it);
}

Test(fetch, killed_mid_download_leaves_no_final_file_and_rerun_completes)
{
    interrupt_and_rerun(SIGKILL, "/pool/big-kill.deb");
}

Test(fetch, interrupted_mid_download_leaves_no_final_file_and_rerun_completes)
{
    interrupt_and_rerun(SIGINT, "/pool/big-int.deb");
    interrupt_and_rerun(SIGTERM, "/pool/big-term.deb");
}

Test(fetch, redirects_are_followed)
{
    struct ff_file *f = ff_add("/pool/r.deb", 3000);
    struct vz_fetch_item it = ff_item(f, "pkg-r", 1);
    free(it.urls[0]);
    it.urls[0] = ff_url("/redirector/r.deb");
    vz_httpd_redirect(ff_srv, "/redirector/r.deb", "/pool/r.deb", 0);
    vz_error_t err = NULL;
    struct vz_fetch_opts o = ff_opts();
    cr_assert_eq(vz_fetch_many(&it, 1, &o, &err), 0, "%s", err ? err->msg : "");
    ff_assert_file(it.dest, f);
    cr_assert_eq(vz_httpd_hits(ff_srv, "/redirector/r.deb"), 1);
    cr_assert_eq(vz_httpd_hits(ff_srv, "/pool/r.deb"), 1);
    ff_item_free(&it);
}

Test(fetch, redirect_to_a_local_file_is_refused)
{
    struct ff_file *f = ff_add("/pool/r2.deb", 3000);
    struct vz_fetch_item it = ff_item(f, "pkg-r2", 1);
    free(it.urls[0]);
    it.urls[0] = ff_url("/redirector/r2.deb");
    char *loc = vz_xasprintf("file://%s/pool/r2.deb", ff_srv_dir);
    vz_httpd_redirect(ff_srv, "/redirector/r2.deb", loc, 0);
    vz_error_t err = NULL;
    struct vz_fetch_opts o = ff_opts();
    cr_assert_eq(vz_fetch_many(&it, 1, &o, &err), -1);
    /* libcurl's wording after the prefix varies between versions */
    char *want = vz_xasprintf("fetch pkg-r2: %s: Protocol \"file\" not supported", it.urls[0]);
    cr_assert(strncmp(err->msg, want, strlen(want)) == 0, "%s", err->msg);
    free(want);
    cr_assert_not(vz_file_exists(it.dest));
    vz_error_release(&err);
    free(loc);
    ff_item_free(&it);
}

Test(fetch, same_destination_twice_is_fetched_once)
{
    struct ff_file *f = ff_add("/pool/s.deb", 3000);
    struct vz_fetch_item its[2] = { ff_item(f, "pkg-s", 1), ff_item(f, "pkg-s-again", 1) };
    vz_error_t err = NULL;
    struct vz_fetch_opts o = ff_opts();
    cr_assert_eq(vz_fetch_many(its, 2, &o, &err), 0, "%s", err ? err->msg : "");
    ff_assert_file(its[0].dest, f);
    cr_assert_eq(vz_httpd_hits(ff_srv, "/pool/s.deb"), 1);
    ff_item_free(&its[0]);
    ff_item_free(&its[1]);
}

Test(fetch, empty_file_and_unverified_item)
{
    struct ff_file *e = ff_add_data("/pool/empty", "", 0);
    struct ff_file *u = ff_add("/pool/u.bin", 5000);
    struct vz_fetch_item its[2] = { ff_item(e, "empty", 1), ff_item(u, "unverified", 0) };
    vz_error_t err = NULL;
    struct vz_fetch_opts o = ff_opts();
    cr_assert_eq(vz_fetch_many(its, 2, &o, &err), 0, "%s", err ? err->msg : "");
    ff_assert_file(its[0].dest, e);
    ff_assert_file(its[1].dest, u);
    cr_assert_not(ff_exists_part(its[0].dest));
    ff_item_free(&its[0]);
    ff_item_free(&its[1]);
}

Test(fetch, oversized_body_is_cut_off)
{
    struct ff_file *f = ff_add("/pool/o.deb", 50000);
    struct vz_fetch_item it = ff_item(f, "pkg-o", 1);
    it.size = 1000; /* the index says 1000 bytes; the mirror sends 50000 */
    vz_error_t err = NULL;
    struct vz_fetch_opts o = ff_opts();
    o.retries = 1;
    cr_assert_eq(vz_fetch_many(&it, 1, &o, &err), -1);
    char *want = vz_xasprintf("fetch pkg-o: %s: larger than the expected 1000 bytes", it.urls[0]);
    cr_assert_str_eq(err->msg, want);
    cr_assert_eq(err->status, VZ_EVERIFY);
    cr_assert_not(vz_file_exists(it.dest));
    cr_assert_not(ff_exists_part(it.dest));
    free(want);
    vz_error_release(&err);
    ff_item_free(&it);
}

Test(fetch, failover_after_server_errors_goes_to_the_next_mirror_at_once)
{
    struct ff_file *f = ff_add("/pool/v.deb", 3000);
    struct vz_fetch_item it = ff_item(f, "pkg-v", 1);
    char *second = it.urls[0];
    it.urls[0] = ff_url("/down/pool/v.deb");
    vz_strv_push(&it.urls, second);
    free(second);
    vz_httpd_fault(ff_srv, "/down/pool/v.deb", VZ_HTTPD_STATUS, 503, 0);
    vz_error_t err = NULL;
    struct vz_fetch_opts o = ff_opts();
    o.backoff_ms = 60000; /* a back-off here would make the test hang for a minute */
    cr_assert_eq(vz_fetch_many(&it, 1, &o, &err), 0, "%s", err ? err->msg : "");
    ff_assert_file(it.dest, f);
    cr_assert_eq(vz_httpd_hits(ff_srv, "/down/pool/v.deb"), 1);
    ff_item_free(&it);
}

Test(fetch, to_buf_opts_gives_up_after_its_retries_and_detects_stalls)
{
    ff_add_data("/dists/InRelease", "0123456789", 10);
    vz_httpd_fault(ff_srv, "/dists/InRelease", VZ_HTTPD_STATUS, 500, 0);
    struct vz_buf b = VZ_BUF_INIT;
    vz_buf_init(&b);
    vz_error_t err = NULL;
    char *url = ff_url("/dists/InRelease");
    struct vz_fetch_opts o = { .retries = 2, .backoff_ms = 10, .timeout_s = 1 };
    long code = 0;
    cr_assert_eq(vz_fetch_to_buf_opts(url, &b, &code, &o, &err), -1);
    char *want = vz_xasprintf("%s: HTTP 500", url);
    cr_assert_str_eq(err->msg, want);
    cr_assert_eq(code, 500);
    cr_assert_eq(vz_httpd_hits(ff_srv, "/dists/InRelease"), 3);
    vz_error_release(&err);
    free(want);
    vz_httpd_fault(ff_srv, "/dists/InRelease", VZ_HTTPD_STALL, 4, 0);
    o.retries = 1;
    cr_assert_eq(vz_fetch_to_buf_opts(url, &b, NULL, &o, &err), -1);
    want = vz_xasprintf("%s: timed out (no data for 1 s)", url);
    cr_assert_str_eq(err->msg, want);
    cr_assert_eq(b.len, 0, "a failed fetch leaves the buffer as it was");
    vz_error_release(&err);
    free(want);
    free(url);
    vz_buf_release(&b);
}

Test(fetch, local_write_error_stops_without_retrying)
{
    struct ff_file *f = ff_add("/pool/w.deb", 200000);
    struct vz_fetch_item it = ff_item(f, "pkg-w", 1);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        /* a file size limit stands in for a full disk */
        signal(SIGXFSZ, SIG_IGN);
        struct rlimit rl = { 50000, 50000 };
        setrlimit(RLIMIT_FSIZE, &rl);
        vz_error_t err = NULL;
        struct vz_fetch_opts o = ff_opts();
        if (vz_fetch_many(&it, 1, &o, &err) == 0)
            _exit(10);
        char *want = vz_xasprintf("fetch pkg-w: write %s.part: File too large", it.dest);
        _exit(strcmp(err->msg, want) == 0 && err->status == VZ_ESYSTEM ? 0 : 11);
    }
    int st;
    waitpid(pid, &st, 0);
    cr_assert(WIFEXITED(st), "child crashed");
    cr_assert_neq(WEXITSTATUS(st), 10, "the fetch succeeded despite the write error");
    cr_assert_eq(WEXITSTATUS(st), 0, "wrong message or status");
    cr_assert_eq(vz_httpd_hits(ff_srv, "/pool/w.deb"), 1, "a local write error is not retried");
    cr_assert_not(vz_file_exists(it.dest));
    ff_item_free(&it);
}

Test(fetch, part_locked_by_a_stuck_process_fails_after_a_while)
{
    struct ff_file *f = ff_add("/pool/lk.deb", 2000);
    struct vz_fetch_item it = ff_item(f, "pkg-lk", 1);
    char *part = vz_xasprintf("%s.part", it.dest);
    /* another "process" holds the lock and never writes */
    int fd = open(part, O_RDWR | O_CREAT, 0644);
    cr_assert_geq(fd, 0);
    cr_assert_eq(flock(fd, LOCK_EX), 0);
    vz_error_t err = NULL;
    struct vz_fetch_opts o = ff_opts();
    o.timeout_s = 1;
    cr_assert_eq(vz_fetch_many(&it, 1, &o, &err), -1);
    char *want = vz_xasprintf("fetch pkg-lk: %s is locked by another process that made no progress for 2 s", part);
    cr_assert_str_eq(err->msg, want);
    cr_assert_eq(err->status, VZ_ELOCKED);
    cr_assert_eq(vz_httpd_hits(ff_srv, "/pool/lk.deb"), 0);
    close(fd);
    vz_error_release(&err);
    /* once the lock is gone, the next run fetches it */
    cr_assert_eq(vz_fetch_many(&it, 1, &o, &err), 0, "%s", err ? err->msg : "");
    ff_assert_file(it.dest, f);
    free(want);
    free(part);
    ff_item_free(&it);
}

Test(fetch, repeated_drops_that_make_progress_do_not_use_up_retries)
{
    struct ff_file *f = ff_add("/pool/flaky.deb", 100000);
    vz_httpd_fault(ff_srv, "/pool/flaky.deb", VZ_HTTPD_DROP, 15000, 5);
    struct vz_fetch_item it = ff_item(f, "pkg-flaky", 1);
    vz_error_t err = NULL;
    struct vz_fetch_opts o = ff_opts();
    o.retries = 1;
    cr_assert_eq(vz_fetch_many(&it, 1, &o, &err), 0, "%s", err ? err->msg : "");
    ff_assert_file(it.dest, f);
    cr_assert_eq(vz_httpd_hits(ff_srv, "/pool/flaky.deb"), 6);
    cr_assert_eq(vz_httpd_range_hits(ff_srv, "/pool/flaky.deb"), 5);
    cr_assert_eq(vz_httpd_last_range_start(ff_srv, "/pool/flaky.deb"), 75000);
    ff_item_free(&it);
}

Test(fetch, drops_without_progress_use_up_retries)
{
    struct ff_file *f = ff_add("/pool/dead.deb", 10000);
    vz_httpd_fault(ff_srv, "/pool/dead.deb", VZ_HTTPD_DROP, 0, 0);
    struct vz_fetch_item it = ff_item(f, "pkg-dead", 1);
    vz_error_t err = NULL;
    struct vz_fetch_opts o = ff_opts();
    o.retries = 2;
    cr_assert_eq(vz_fetch_many(&it, 1, &o, &err), -1);
    char *want = vz_xasprintf("fetch pkg-dead: %s: transfer closed with 10000 bytes remaining to read",
                              it.urls[0]);
    cr_assert_str_eq(err->msg, want);
    cr_assert_eq(vz_httpd_hits(ff_srv, "/pool/dead.deb"), 3);
    free(want);
    vz_error_release(&err);
    ff_item_free(&it);
}

Test(fetch, no_sync_still_verifies_and_renames)
{
    struct ff_file *f = ff_add("/pool/ns.deb", 30000);
    vz_httpd_fault(ff_srv, "/pool/ns.deb", VZ_HTTPD_CORRUPT, 5, 1);
    struct vz_fetch_item it = ff_item(f, "pkg-ns", 1);
    vz_error_t err = NULL;
    struct vz_fetch_opts o = ff_opts();
    o.no_sync = true;
    cr_assert_eq(vz_fetch_many(&it, 1, &o, &err), 0, "%s", err ? err->msg : "");
    ff_assert_file(it.dest, f);
    cr_assert_not(ff_exists_part(it.dest));
    cr_assert_eq(vz_httpd_hits(ff_srv, "/pool/ns.deb"), 2);
    ff_item_free(&it);
}
