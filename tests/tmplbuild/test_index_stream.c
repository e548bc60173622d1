/* tmplbuild/deb/index_stream: an index decoded on its own thread reaches the
 * reader and the feed whole and in order (more than the in-flight buffer,
 * so the hand-off blocks many times), a damaged stream is an error after
 * the reader has seen the truncated text, and a reader that stops early
 * neither hangs nor dies of SIGPIPE. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/common.h"
#include "tmplbuild/deb/index_stream.h"

static char tmp[64];

static void setup(void)
{
    strncpy(tmp, "/tmp/vzt-istream-XXXXXX", sizeof(tmp));
    cr_assert_not_null(mkdtemp(tmp));
}

static void teardown(void)
{
    vz_error_t err = NULL;
    vz_rm_rf(tmp, &err);
    vz_error_release(&err);
}

TestSuite(index_stream, .init = setup, .fini = teardown, .timeout = 300);

/* About 6 MB of Packages-like text, every line different. */
static char *make_text(size_t *len)
{
    struct vz_buf b = VZ_BUF_INIT;
    vz_buf_init(&b);
    for (int i = 0; b.len < 6u << 20; i++) {
        char line[160];
        int n = snprintf(line, sizeof(line),
                         "Package: pkg%d\nVersion: 1.%d\nPriority: optional\nSize: %d\n\n", i,
                         i * 7, i * 13);
        vz_buf_add(&b, line, (size_t)n);
    }
    *len = b.len;
    return b.data;
}

static char *write_file(const char *name, const char *data, size_t len)
{
    char *p = vz_path_join(tmp, name);
    vz_error_t err = NULL;
    cr_assert_eq(vz_atomic_write(p, data, len, 0644, &err), 0);
    return p;
}

static void feed(void *ctx, const char *buf, size_t n)
{
    vz_buf_add(ctx, buf, n);
}

/* Read the whole stream; returns what the reader got, *fed what feed got. */
static char *read_all(const char *path, size_t *len, struct vz_buf *fed, int *rc, vz_error_t *err)
{
    struct vz_index_stream *s = NULL;
    FILE *f = NULL;
    cr_assert_eq(vz_index_stream_open(path, feed, fed, &s, &f, err), 0, "open: %s",
                 *err ? (*err)->msg : "");
    struct vz_buf got = VZ_BUF_INIT;
    vz_buf_init(&got);
    char buf[5000]; /* an odd size: reads straddle the writer's blocks */
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
        vz_buf_add(&got, buf, n);
    *rc = vz_index_stream_close(s, f, err);
    *len = got.len;
    return got.data;
}

Test(index_stream, plain_text_whole_and_in_order)
{
    size_t len;
    cleanup_free char *text = make_text(&len);
    cleanup_free char *p = write_file("Packages", text, len);
    struct vz_buf fed = VZ_BUF_INIT;
    vz_buf_init(&fed);
    vz_error_t err = NULL;
    int rc;
    size_t got_len;
    cleanup_free char *got = read_all(p, &got_len, &fed, &rc, &err);
    cr_assert_eq(rc, 0);
    cr_assert_eq(got_len, len);
    cr_assert(memcmp(got, text, len) == 0, "the reader got other bytes");
    cr_assert_eq(fed.len, len);
    cr_assert(memcmp(fed.data, text, len) == 0, "the feed got other bytes");
    vz_buf_release(&fed);
}

Test(index_stream, xz_decoded_whole_and_in_order)
{
    size_t len;
    cleanup_free char *text = make_text(&len);
    cleanup_free char *p = write_file("Packages", text, len);
    cleanup_free char *cmd = vz_xasprintf("xz -T1 -k '%s'", p);
    cr_assert_eq(system(cmd), 0, "xz failed (xz-utils installed?)");
    cleanup_free char *xz = vz_xasprintf("%s.xz", p);
    struct vz_buf fed = VZ_BUF_INIT;
    vz_buf_init(&fed);
    vz_error_t err = NULL;
    int rc;
    size_t got_len;
    cleanup_free char *got = read_all(xz, &got_len, &fed, &rc, &err);
    cr_assert_eq(rc, 0, "%s", err ? err->msg : "");
    cr_assert_eq(got_len, len);
    cr_assert(memcmp(got, text, len) == 0);
    cr_assert_eq(fed.len, len);
    cr_assert(memcmp(fed.data, text, len) == 0);
    vz_buf_release(&fed);
}

Test(index_stream, damaged_xz_is_an_error_naming_the_file)
{
    size_t len;
    cleanup_free char *text = make_text(&len);
    cleanup_free char *p = write_file("Packages", text, len);
    cleanup_free char *cmd = vz_xasprintf("xz -T1 -k '%s'", p);
    cr_assert_eq(system(cmd), 0);
    cleanup_free char *xz = vz_xasprintf("%s.xz", p);
    /* keep the first half of the compressed stream only */
    cleanup_free char *data = NULL;
    size_t xlen = 0;
    vz_error_t err = NULL;
    cr_assert_eq(vz_read_file(xz, &data, &xlen, &err), 0);
    cleanup_free char *cut = write_file("Packages-cut.xz", data, xlen / 2);
    struct vz_buf fed = VZ_BUF_INIT;
    vz_buf_init(&fed);
    int rc;
    size_t got_len;
    cleanup_free char *got = read_all(cut, &got_len, &fed, &rc, &err);
    cr_assert_eq(rc, -1, "a truncated stream decoded without an error");
    cr_assert_eq(err->status, VZ_ECORRUPT);
    cr_assert_not_null(strstr(err->msg, "Packages-cut.xz"), "%s", err->msg);
    cr_assert_lt(got_len, len);
    vz_error_release(&err);
    vz_buf_release(&fed);
}

Test(index_stream, reader_stopping_early_neither_hangs_nor_dies)
{
    size_t len;
    cleanup_free char *text = make_text(&len);
    cleanup_free char *p = write_file("Packages", text, len);
    struct vz_index_stream *s = NULL;
    FILE *f = NULL;
    vz_error_t err = NULL;
    cr_assert_eq(vz_index_stream_open(p, NULL, NULL, &s, &f, &err), 0);
    char buf[100];
    cr_assert_eq(fread(buf, 1, sizeof(buf), f), sizeof(buf));
    cr_assert(memcmp(buf, text, sizeof(buf)) == 0);
    /* the decoder is blocked with megabytes to go: closing ends it */
    cr_assert_eq(vz_index_stream_close(s, f, &err), 0);
}

Test(index_stream, missing_file_is_an_error)
{
    cleanup_free char *p = vz_path_join(tmp, "none.xz");
    struct vz_index_stream *s = NULL;
    FILE *f = NULL;
    vz_error_t err = NULL;
    cr_assert_eq(vz_index_stream_open(p, NULL, NULL, &s, &f, &err), -1);
    cr_assert_not_null(err);
    cr_assert_not_null(strstr(err->msg, "none.xz"), "%s", err->msg);
    vz_error_release(&err);
}
