#include "util.h"

#include <criterion/criterion.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "common/common.h"

static char root[64];

char *vzt_mkdtemp(const char *tag)
{
    char *p = vz_xasprintf("/tmp/vzt-%s-XXXXXX", tag);
    cr_assert_not_null(mkdtemp(p), "mkdtemp");
    return p;
}

const char *vzt_root_setup(void)
{
    char *p = vzt_mkdtemp("cache");
    snprintf(root, sizeof(root), "%s", p);
    free(p);
    setenv("VZ_ROOT", root, 1);
    unsetenv("SOURCE_DATE_EPOCH");
    unsetenv("VZ_TEST_KILL_AT");
    return root;
}

void vzt_root_teardown(void)
{
    vz_error_t err = NULL;
    if (root[0])
        vz_rm_rf(root, &err);
    vz_error_release(&err);
    root[0] = '\0';
}

void vzt_write(const char *path, const char *text)
{
    char *dir = vz_xstrdup(path);
    char *slash = strrchr(dir, '/');
    vz_error_t err = NULL;
    if (slash && slash != dir) {
        *slash = '\0';
        cr_assert_eq(vz_mkdir_p(dir, 0755, &err), 0);
    }
    free(dir);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    cr_assert(fd >= 0, "create %s", path);
    cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
}

void vzt_flip_byte(const char *path, long offset)
{
    int fd = open(path, O_RDWR);
    cr_assert(fd >= 0, "open %s", path);
    struct stat st;
    fstat(fd, &st);
    off_t off = offset >= 0 ? offset : st.st_size + offset;
    unsigned char c;
    cr_assert_eq(pread(fd, &c, 1, off), 1);
    c ^= 0x01;
    cr_assert_eq(pwrite(fd, &c, 1, off), 1);
    close(fd);
}

void vzt_truncate(const char *path, long len)
{
    cr_assert_eq(truncate(path, len), 0, "truncate %s", path);
}

int vzt_count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)))
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
            n++;
    closedir(d);
    return n;
}

char *vzt_slurp(const char *path, size_t *len)
{
    char *d = NULL;
    size_t n = 0;
    vz_error_t err = NULL;
    cr_assert_eq(vz_read_file(path, &d, &n, &err), 0, "read %s", path);
    if (len)
        *len = n;
    return d;
}

static void set_mtime(const char *path, long mtime)
{
    struct timespec ts[2] = { { mtime, 0 }, { mtime, 0 } };
    cr_assert_eq(utimensat(AT_FDCWD, path, ts, AT_SYMLINK_NOFOLLOW), 0, "utimensat %s", path);
}

void vzt_make_tree(const char *dir, int reverse, long mtime)
{
    static const char *const files[][2] = {
        { "etc/passwd", "root:x:0:0:root:/root:/bin/sh\n" },
        { "etc/hostname", "localhost\n" },
        { "usr/bin/hello", "#!/bin/sh\necho hello\n" },
        { "usr/share/doc/a/README", "some documentation text, repeated repeated repeated\n" },
        { "usr/share/doc/b/README", "other documentation\n" },
        { "var/empty", "" },
        { "zz-last", "z\n" },
    };
    size_t n = sizeof(files) / sizeof(files[0]);
    for (size_t k = 0; k < n; k++) {
        size_t i = reverse ? n - 1 - k : k;
        char *p = vz_path_join(dir, files[i][0]);
        vzt_write(p, files[i][1]);
        free(p);
    }
    char *l = vz_path_join(dir, "usr/bin/hi");
    unlink(l);
    cr_assert_eq(symlink("hello", l), 0);
    free(l);
    char *x = vz_path_join(dir, "usr/bin/hello");
    chmod(x, 0755);
    free(x);
    char *e = vz_path_join(dir, "var/lib/empty-dir");
    vz_error_t err = NULL;
    cr_assert_eq(vz_mkdir_p(e, 0700, &err), 0);
    free(e);
    /* mtimes: children first, so directory times stick */
    const char *order[] = { "etc/passwd", "etc/hostname", "usr/bin/hello", "usr/bin/hi",
                            "usr/share/doc/a/README", "usr/share/doc/b/README", "var/empty",
                            "zz-last", "var/lib/empty-dir", "var/lib", "usr/share/doc/a",
                            "usr/share/doc/b", "usr/share/doc", "usr/share", "usr/bin", "usr",
                            "etc", "var", "" };
    for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
        char *p = *order[i] ? vz_path_join(dir, order[i]) : vz_xstrdup(dir);
        set_mtime(p, mtime);
        free(p);
    }
}

const char *vzt_errmsg(void *errp)
{
    static char buf[2048];
    vz_error_t *err = errp;
    if (!*err)
        return "(no error)";
    snprintf(buf, sizeof(buf), "%s", (*err)->msg);
    vz_error_release(err);
    return buf;
}
