/* Tests of tmplbuild/fetch: one per failure mode of a mirror, against the
 * loopback test server (tests/lib/httpd.h). */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
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

/* One download of one served file through a misbehaving mirror: most
 * failure modes are a row of this table. Each row runs as its own test
 * (fresh server and directories) and names itself in every failure. */
struct fetch_case {
    const char *name;      /* what the row shows, in every failure message */
    const char *path;      /* served; the item's label is label */
    const char *label;
    size_t len;
    enum vz_httpd_fault_kind fault; /* on path, fault_arg and fault_times as vz_httpd_fault's */
    int64_t fault_arg;
    unsigned fault_times;
    const char *down;      /* a mirror listed first: this prefix + path */
    int down_status;       /* that mirror answers this status (0: has no such file, 404) */
    size_t part_len;       /* a .part left by an earlier run: this many bytes of the file... */
    bool part_junk;        /* ...or of zeros */
    int64_t size;          /* the index's size, when not the file's */
    int retries;           /* 0: ff_opts' (as the next two) */
    long timeout_s, backoff_ms;
    bool no_sync;
    const char *fail;      /* NULL: must succeed; else "fetch LABEL: URL: <fail>" */
    int status;            /* of the error, when not 0 */
    bool part_kept;        /* a failure keeps the .part, for a later run to resume */
    unsigned hits;         /* GETs of path */
    unsigned range_hits;        /* CHECKED(n): n of them with a Range; 0: not checked */
    int64_t range_start;   /* of the last Range, when not 0 */
    unsigned down_hits;         /* GETs of the first mirror, when down is set */
};
#define CHECKED(n) ((n) + 1)

static const struct fetch_case fetch_cases[] = {
    { .name = "not_found_fails_over_to_next_url", .path = "/pool/b.deb", .label = "pkg-b",
      .len = 5000, .down = "/mirror1", .hits = 1, .down_hits = 1 /* a 404 is not retried */ },
    { .name = "server_error_is_retried_then_succeeds", .path = "/pool/c.deb", .label = "pkg-c",
      .len = 3000, .fault = VZ_HTTPD_STATUS, .fault_arg = 500, .fault_times = 2, .hits = 3 },
    { .name = "server_error_persisting_fails_after_the_retry_limit", .path = "/pool/c2.deb",
      .label = "pkg-c2", .len = 3000, .fault = VZ_HTTPD_STATUS, .fault_arg = 503, .retries = 3,
      .fail = "HTTP 503", .hits = 4 /* 1 try + 3 retries */ },
    { .name = "dropped_connection_resumes_with_range", .path = "/pool/d.deb", .label = "pkg-d",
      .len = 300000, .fault = VZ_HTTPD_DROP, .fault_arg = 120000, .fault_times = 1, .hits = 2,
      .range_hits = CHECKED(1), .range_start = 120000 },
    { .name = "resume_against_a_server_ignoring_range_restarts", .path = "/pool/d2.deb",
      .label = "pkg-d2", .len = 200000, .fault = VZ_HTTPD_NORANGE, .part_len = 50000, .hits = 2,
      .range_hits = CHECKED(1) /* only the first request asks for a range */ },
    { .name = "truncated_response_is_refetched", .path = "/pool/e.deb", .label = "pkg-e",
      .len = 50000, .fault = VZ_HTTPD_TRUNCATE, .fault_arg = 20000, .fault_times = 1,
      .hits = 2, .range_hits = CHECKED(0) /* a bad file is fetched from scratch */ },
    { .name = "truncated_everywhere_reports_the_size", .path = "/pool/e2.deb", .label = "pkg-e2",
      .len = 50000, .fault = VZ_HTTPD_TRUNCATE, .fault_arg = 20000, .retries = 1,
      .fail = "size mismatch (expected 50000 bytes, got 20000)", .status = VZ_EVERIFY, .hits = 2 },
    { .name = "corrupted_once_is_refetched", .path = "/pool/f.deb", .label = "pkg-f", .len = 70000,
      .fault = VZ_HTTPD_CORRUPT, .fault_arg = 4242, .fault_times = 1, .hits = 2 },
    { .name = "stalled_server_times_out", .path = "/pool/g.deb", .label = "pkg-g", .len = 50000,
      .fault = VZ_HTTPD_STALL, .fault_arg = 1000, .timeout_s = 1, .retries = 1,
      .fail = "timed out (no data for 1 s)", .status = VZ_EFETCH, .part_kept = true, .hits = 2,
      .range_hits = CHECKED(1) /* the retry resumes after 1000 bytes */ },
    { .name = "slow_but_moving_server_is_not_a_timeout", .path = "/pool/h.deb", .label = "pkg-h",
      .len = 8000, .fault = VZ_HTTPD_SLOW, .fault_arg = 150, .timeout_s = 1, .hits = 1 },
    { .name = "complete_part_from_an_earlier_run_is_verified_offline", .path = "/pool/j.deb",
      .label = "pkg-j", .len = 9000, .part_len = 9000, .hits = 0 },
    /* right length, wrong bytes: the final check must catch it */
    { .name = "bad_part_from_an_earlier_run_is_discarded", .path = "/pool/k.deb", .label = "pkg-k",
      .len = 9000, .part_len = 9000, .part_junk = true, .hits = 1, .range_hits = CHECKED(0) },
    /* the index says 1000 bytes; the mirror sends 50000 */
    { .name = "oversized_body_is_cut_off", .path = "/pool/o.deb", .label = "pkg-o", .len = 50000,
      .size = 1000, .retries = 1, .fail = "larger than the expected 1000 bytes",
      .status = VZ_EVERIFY, .hits = 2 },
    /* a back-off here would make the test hang for a minute */
    { .name = "failover_after_server_errors_goes_to_the_next_mirror_at_once", .path = "/pool/v.deb",
      .label = "pkg-v", .len = 3000, .down = "/down", .down_status = 503, .backoff_ms = 60000,
      .hits = 1, .down_hits = 1 },
    { .name = "repeated_drops_that_make_progress_do_not_use_up_retries", .path = "/pool/flaky.deb",
      .label = "pkg-flaky", .len = 100000, .fault = VZ_HTTPD_DROP, .fault_arg = 15000,
      .fault_times = 5, .retries = 1, .hits = 6, .range_hits = CHECKED(5), .range_start = 75000 },
    { .name = "drops_without_progress_use_up_retries", .path = "/pool/dead.deb", .label = "pkg-dead",
      .len = 10000, .fault = VZ_HTTPD_DROP, .fault_arg = 0, .retries = 2,
      .fail = "transfer closed with 10000 bytes remaining to read", .hits = 3 },
    { .name = "no_sync_still_verifies_and_renames", .path = "/pool/ns.deb", .label = "pkg-ns",
      .len = 30000, .fault = VZ_HTTPD_CORRUPT, .fault_arg = 5, .fault_times = 1, .no_sync = true,
      .hits = 2 },
};

/* The rows by number: a test runs in a process of its own (Criterion's),
 * where pointers into the table that listed them would not hold. */
ParameterizedTestParameters(fetch, one_file)
{
    static size_t rows[VZ_ARRAY_SIZE(fetch_cases)];
    for (size_t i = 0; i < VZ_ARRAY_SIZE(rows); i++)
        rows[i] = i;
    return cr_make_param_array(size_t, rows, VZ_ARRAY_SIZE(rows));
}

ParameterizedTest(size_t *row, fetch, one_file)
{
    const struct fetch_case *c = &fetch_cases[*row];
    struct ff_file *f = ff_add(c->path, c->len);
    if (c->fault != VZ_HTTPD_NONE)
        vz_httpd_fault(ff_srv, c->path, c->fault, c->fault_arg, c->fault_times);
    struct vz_fetch_item it = ff_item(f, c->label, 1);
    cleanup_free char *down = NULL;
    if (c->down) {
        down = vz_xasprintf("%s%s", c->down, c->path);
        char *second = it.urls[0];
        it.urls[0] = ff_url(down);
        vz_strv_push(&it.urls, second);
        free(second);
        if (c->down_status)
            vz_httpd_fault(ff_srv, down, VZ_HTTPD_STATUS, c->down_status, 0);
    }
    if (c->size)
        it.size = c->size;
    vz_error_t err = NULL;
    cleanup_free char *part = vz_xasprintf("%s.part", it.dest);
    if (c->part_len) {
        cleanup_free char *junk = c->part_junk ? calloc(1, c->part_len) : NULL;
        cr_assert_eq(vz_atomic_write(part, junk ? junk : f->data, c->part_len, 0644, &err), 0,
                     "%s: %s", c->name, err ? err->msg : "");
    }
    struct vz_fetch_opts o = ff_opts();
    if (c->retries)
        o.retries = c->retries;
    if (c->timeout_s)
        o.timeout_s = c->timeout_s;
    if (c->backoff_ms)
        o.backoff_ms = c->backoff_ms;
    o.no_sync = c->no_sync;
    int rc = vz_fetch_many(&it, 1, &o, &err);
    if (!c->fail) {
        cr_assert_eq(rc, 0, "%s: %s", c->name, err ? err->msg : "");
        ff_assert_file(it.dest, f);
        cr_assert_not(vz_file_exists(part), "%s: .part left behind", c->name);
    } else {
        cr_assert_eq(rc, -1, "%s: the fetch succeeded", c->name);
        cleanup_free char *want = vz_xasprintf("fetch %s: %s: %s", c->label, it.urls[0], c->fail);
        cr_assert_str_eq(err->msg, want, "%s", c->name);
        if (c->status)
            cr_assert_eq(err->status, c->status, "%s: status %d", c->name, err->status);
        cr_assert_not(vz_file_exists(it.dest), "%s: a failed fetch has a final file", c->name);
        cr_assert_eq(vz_file_exists(part), c->part_kept, "%s: .part %s", c->name,
                     c->part_kept ? "removed" : "left behind");
        vz_error_release(&err);
    }
    cr_assert_eq(vz_httpd_hits(ff_srv, c->path), c->hits, "%s: %u GETs of %s", c->name,
                 vz_httpd_hits(ff_srv, c->path), c->path);
    if (c->range_hits)
        cr_assert_eq(vz_httpd_range_hits(ff_srv, c->path), c->range_hits - 1, "%s: %u ranged GETs",
                     c->name, vz_httpd_range_hits(ff_srv, c->path));
    if (c->range_start)
        cr_assert_eq(vz_httpd_last_range_start(ff_srv, c->path), c->range_start, "%s: last range at %ld",
                     c->name, (long)vz_httpd_last_range_start(ff_srv, c->path));
    if (c->down)
        cr_assert_eq(vz_httpd_hits(ff_srv, down), c->down_hits, "%s: %u GETs of %s", c->name,
                     vz_httpd_hits(ff_srv, down), down);
    ff_item_free(&it);
}

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



