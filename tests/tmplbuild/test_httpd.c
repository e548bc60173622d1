/* The loopback test server itself (tests/lib/httpd.h): what other tests
 * rely on, checked with plain libcurl. */
#include <criterion/criterion.h>
#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

#include "tests/lib/httpd.h"
#include "tests/tmplbuild/fetch_fixture.h"

TestSuite(httpd, .init = ff_setup, .fini = ff_teardown, .timeout = 60);

struct resp {
    long code;
    struct vz_buf body;
    struct vz_buf head;
};

static size_t on_body(char *p, size_t s, size_t n, void *ud)
{
    vz_buf_add(ud, p, s * n);
    return s * n;
}

/* One request on handle c (reused for keep-alive); extra: a header line. */
static void req(CURL *c, const char *path, const char *extra, int head, struct resp *r)
{
    char *url = ff_url(path);
    vz_buf_init(&r->body);
    vz_buf_init(&r->head);
    struct curl_slist *h = extra ? curl_slist_append(NULL, extra) : NULL;
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_NOBODY, (long)head);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &r->body);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &r->head);
    CURLcode rc = curl_easy_perform(c);
    cr_assert_eq(rc, CURLE_OK, "%s: %s", url, curl_easy_strerror(rc));
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->code);
    curl_slist_free_all(h);
    free(url);
}

static void resp_free(struct resp *r)
{
    vz_buf_release(&r->body);
    vz_buf_release(&r->head);
}

Test(httpd, get_head_and_keep_alive)
{
    ff_add_data("/a.txt", "0123456789", 10);
    CURL *c = curl_easy_init();
    struct resp r;
    req(c, "/a.txt", NULL, 0, &r);
    cr_assert_eq(r.code, 200);
    cr_assert_str_eq(r.body.data, "0123456789");
    resp_free(&r);
    req(c, "/a.txt", NULL, 1, &r);
    cr_assert_eq(r.code, 200);
    cr_assert_eq(r.body.len, 0);
    cr_assert(strstr(r.head.data, "Content-Length: 10\r\n"), "%s", r.head.data);
    resp_free(&r);
    cr_assert_eq(vz_httpd_hits(ff_srv, "/a.txt"), 2);
    cr_assert_eq(vz_httpd_connections(ff_srv), 1, "keep-alive: one connection for both");
    curl_easy_cleanup(c);
}

Test(httpd, ranges_and_not_found)
{
    ff_add_data("/a.txt", "0123456789", 10);
    CURL *c = curl_easy_init();
    struct resp r;
    req(c, "/a.txt", "Range: bytes=3-5", 0, &r);
    cr_assert_eq(r.code, 206);
    cr_assert_str_eq(r.body.data, "345");
    cr_assert(strstr(r.head.data, "Content-Range: bytes 3-5/10\r\n"));
    resp_free(&r);
    req(c, "/a.txt", "Range: bytes=7-", 0, &r);
    cr_assert_str_eq(r.body.data, "789");
    resp_free(&r);
    req(c, "/a.txt", "Range: bytes=10-", 0, &r);
    cr_assert_eq(r.code, 416);
    resp_free(&r);
    req(c, "/nothing", NULL, 0, &r);
    cr_assert_eq(r.code, 404);
    resp_free(&r);
    req(c, "/%2e%2e/%2e%2e/etc/passwd", NULL, 0, &r);
    cr_assert_eq(r.code, 403);
    resp_free(&r);
    cr_assert_eq(vz_httpd_range_hits(ff_srv, "/a.txt"), 3);
    cr_assert_eq(vz_httpd_last_range_start(ff_srv, "/a.txt"), 10);
    curl_easy_cleanup(c);
}

Test(httpd, if_modified_since_gives_304)
{
    ff_add_data("/Release", "r", 1);
    CURL *c = curl_easy_init();
    struct resp r;
    req(c, "/Release", "If-Modified-Since: Fri, 01 Jan 2100 00:00:00 GMT", 0, &r);
    cr_assert_eq(r.code, 304);
    resp_free(&r);
    req(c, "/Release", "If-Modified-Since: Thu, 01 Jan 1970 00:00:00 GMT", 0, &r);
    cr_assert_eq(r.code, 200);
    resp_free(&r);
    curl_easy_cleanup(c);
}

Test(httpd, faults_apply_the_given_number_of_times)
{
    ff_add_data("/Release", "new", 3);
    vz_httpd_alt(ff_srv, "/Release", "stale", 5, 1);
    vz_httpd_fault(ff_srv, "/x", VZ_HTTPD_STATUS, 503, 2);
    CURL *c = curl_easy_init();
    struct resp r;
    req(c, "/Release", NULL, 0, &r);
    cr_assert_str_eq(r.body.data, "stale");
    resp_free(&r);
    req(c, "/Release", NULL, 0, &r);
    cr_assert_str_eq(r.body.data, "new");
    resp_free(&r);
    for (int i = 0; i < 3; i++) {
        req(c, "/x", NULL, 0, &r);
        cr_assert_eq(r.code, i < 2 ? 503 : 404);
        resp_free(&r);
    }
    cr_assert_eq(vz_httpd_hits(ff_srv, "/x"), 3);
    curl_easy_cleanup(c);
}

Test(httpd, corrupt_flips_one_byte_and_truncate_shortens)
{
    ff_add_data("/a.txt", "0123456789", 10);
    CURL *c = curl_easy_init();
    struct resp r;
    vz_httpd_fault(ff_srv, "/a.txt", VZ_HTTPD_CORRUPT, 2, 1);
    req(c, "/a.txt", NULL, 0, &r);
    cr_assert_eq(r.body.len, 10);
    cr_assert_eq((unsigned char)r.body.data[2], (unsigned char)('2' ^ 0xff));
    cr_assert_eq(memcmp(r.body.data + 3, "3456789", 7), 0);
    resp_free(&r);
    vz_httpd_fault(ff_srv, "/a.txt", VZ_HTTPD_TRUNCATE, 4, 1);
    req(c, "/a.txt", NULL, 0, &r);
    cr_assert_str_eq(r.body.data, "0123");
    resp_free(&r);
    curl_easy_cleanup(c);
}

Test(httpd, drop_closes_mid_body)
{
    ff_add_data("/a.txt", "0123456789", 10);
    vz_httpd_fault(ff_srv, "/a.txt", VZ_HTTPD_DROP, 4, 1);
    CURL *c = curl_easy_init();
    char *url = ff_url("/a.txt");
    struct vz_buf b = VZ_BUF_INIT;
    vz_buf_init(&b);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    cr_assert_eq(curl_easy_perform(c), CURLE_PARTIAL_FILE);
    cr_assert_str_eq(b.data, "0123");
    vz_buf_release(&b);
    free(url);
    curl_easy_cleanup(c);
}
