#include "tests/tmplbuild/fetch_fixture.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "tests/lib/httpd.h"

struct vz_httpd *ff_srv;
char ff_dir[64];
char *ff_srv_dir;
char *ff_out;

static struct ff_file *files[256];
static size_t n_files;

void ff_setup(void)
{
    snprintf(ff_dir, sizeof(ff_dir), "/tmp/vzt-fetch-XXXXXX");
    cr_assert_not_null(mkdtemp(ff_dir));
    ff_srv_dir = vz_path_join(ff_dir, "srv");
    ff_out = vz_path_join(ff_dir, "out");
    vz_error_t err = NULL;
    cr_assert_eq(vz_mkdir_p(ff_srv_dir, 0755, &err), 0);
    cr_assert_eq(vz_mkdir_p(ff_out, 0755, &err), 0);
    ff_srv = vz_httpd_start(ff_srv_dir);
    vz_log_level = VZ_LOG_QUIET;
}

void ff_teardown(void)
{
    vz_httpd_stop(ff_srv);
    ff_srv = NULL;
    vz_error_t err = NULL;
    vz_rm_rf(ff_dir, &err);
    vz_error_release(&err);
    for (size_t i = 0; i < n_files; i++) {
        free(files[i]->path);
        free(files[i]->data);
        free(files[i]);
    }
    n_files = 0;
    free(ff_srv_dir);
    free(ff_out);
}

struct ff_file *ff_add_data(const char *path, const void *data, size_t len)
{
    cr_assert_lt(n_files, 256);
    struct ff_file *f = vz_xcalloc(1, sizeof(*f));
    f->path = vz_xstrdup(path);
    f->data = vz_xmalloc(len + 1);
    memcpy(f->data, data, len);
    f->len = len;
    vz_sha256_hex(f->data, len, f->sha256);
    char *p = vz_xasprintf("%s%s", ff_srv_dir, path);
    char *slash = strrchr(p, '/');
    *slash = '\0';
    vz_error_t err = NULL;
    cr_assert_eq(vz_mkdir_p(p, 0755, &err), 0);
    *slash = '/';
    cr_assert_eq(vz_atomic_write(p, f->data, len, 0644, &err), 0);
    free(p);
    files[n_files++] = f;
    return f;
}

struct ff_file *ff_add(const char *path, size_t len)
{
    char *d = vz_xmalloc(len + 1);
    unsigned x = 2166136261u;
    for (const char *c = path; *c; c++)
        x = (x ^ (unsigned char)*c) * 16777619u;
    for (size_t i = 0; i < len; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        d[i] = (char)(x >> 24);
    }
    struct ff_file *f = ff_add_data(path, d, len);
    free(d);
    return f;
}

char *ff_url(const char *path)
{
    return vz_httpd_url(ff_srv, path);
}

struct vz_fetch_item ff_item(const struct ff_file *f, const char *label, int verified)
{
    struct vz_fetch_item it = { 0 };
    char *u = ff_url(f->path);
    vz_strv_push(&it.urls, u);
    free(u);
    it.dest = vz_path_join(ff_out, f->sha256);
    it.sha256 = verified ? f->sha256 : NULL;
    it.size = verified ? (int64_t)f->len : -1;
    it.label = label;
    return it;
}

void ff_item_free(struct vz_fetch_item *it)
{
    vz_strv_free(it->urls);
    free((char *)it->dest);
    memset(it, 0, sizeof(*it));
}

struct vz_fetch_opts ff_opts(void)
{
    struct vz_fetch_opts o = { .jobs = 0, .retries = 0, .timeout_s = 10, .backoff_ms = 10 };
    return o;
}

void ff_assert_file(const char *path, const struct ff_file *f)
{
    char *d = NULL;
    size_t n = 0;
    vz_error_t err = NULL;
    cr_assert_eq(vz_read_file(path, &d, &n, &err), 0, "%s", err ? err->msg : "");
    cr_assert_eq(n, f->len, "%s: %zu bytes, expected %zu", path, n, f->len);
    cr_assert(memcmp(d, f->data, n) == 0, "%s: content differs", path);
    free(d);
}

int ff_exists_part(const char *dest)
{
    char *p = vz_xasprintf("%s.part", dest);
    int r = vz_file_exists(p);
    free(p);
    return r;
}
