/* fuzz/util.c: scratch root and input helpers for the harnesses (util.h). */
#include "fuzz/util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common/common.h"

const char *fuzz_root;

static void remove_root(void)
{
    vz_error_t err = NULL;
    if (fuzz_root && vz_rm_rf(fuzz_root, &err) < 0)
        vz_error_release(&err);
}

void fuzz_init(void)
{
    const char *tmp = getenv("TMPDIR");
    char *root = vz_xasprintf("%s/vzfuzz.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (mkdtemp(root) == NULL)
        fuzz_fail("mkdtemp %s: %m", root);
    fuzz_root = root;
    atexit(remove_root);
    static const char *const dirs[] = { "etc/vz/conf", "etc/vz/distros", "shipped", "apt" };
    for (size_t i = 0; i < VZ_ARRAY_SIZE(dirs); i++) {
        cleanup_free char *d = vz_path_join(root, dirs[i]);
        vz_error_t err = NULL;
        if (vz_mkdir_p(d, 0700, &err) < 0)
            fuzz_fail("%s", err->msg);
    }
    cleanup_free char *shipped = vz_path_join(root, "shipped");
    cleanup_free char *apt = vz_path_join(root, "apt");
    setenv("VZ_ROOT", root, 1);
    setenv("VZ_DISTROS_DIR", shipped, 1);
    setenv("VZ_APT_ROOT", apt, 1);
    unsetenv("SOURCE_DATE_EPOCH");
    vz_log_level = VZ_LOG_QUIET;
}

char *fuzz_str(const uint8_t *data, size_t size)
{
    char *s = vz_xmalloc(size + 1);
    if (size)
        memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

int fuzz_memfd(const uint8_t *data, size_t size, char path[64])
{
    int fd = memfd_create("fuzz-input", MFD_CLOEXEC);
    if (fd < 0)
        fuzz_fail("memfd_create: %m");
    for (size_t off = 0; off < size;) {
        ssize_t n = write(fd, data + off, size - off);
        if (n <= 0)
            fuzz_fail("write memfd: %m");
        off += (size_t)n;
    }
    snprintf(path, 64, "/proc/self/fd/%d", fd);
    return fd;
}

void fuzz_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("fuzz: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    abort();
}
