#include "tests/lib/reaper.h"
#include "tests/vpscore/fixture.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache/store.h"
#include "common/common.h"
#include "tmplbuild/pack.h"

static void setup_tree(struct fx *f, const char *extra_sh, int keep_tree);

void fx_setup(struct fx *f, const char *extra_sh)
{
    setup_tree(f, extra_sh, 0);
}

void fx_setup_signed(struct fx *f, const char *extra_sh)
{
    setup_tree(f, extra_sh, 1);
    vz_log_level = VZ_LOG_WARN;
    setenv("SOURCE_DATE_EPOCH", "1700000000", 1);
    char *tree = fx_path(f, "tree");
    struct vz_manifest *m = vz_manifest_new("test-1-x86_64-minimal");
    struct vz_pack_opts o = VZ_PACK_OPTS_INIT;
    vz_error_t err = NULL;
    cr_assert_eq(vz_pack_to_cache(tree, m, &o, 5, NULL, &err), 0, "pack: %s", err ? err->msg : "");
    vz_manifest_free(m);
    cr_assert_eq(vz_rm_rf(tree, &err), 0);
    free(tree);
    struct vz_cache_info *c = NULL;
    cr_assert_eq(vz_cache_find("test-1-x86_64-minimal", &c, &err), 0, "%s", err ? err->msg : "");
    free(f->cache.tarball);
    f->cache.tarball = vz_xstrdup(c->tarball);
    memcpy(f->cache.tar_sha256, c->tar_sha256, sizeof(c->tar_sha256));
    f->cache.tar_size = c->tar_size;
    vz_cache_info_free(c);
}

int fx_run(char *const argv[], char **out)
{
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    cr_assert_gt(n, 0);
    exe[n] = '\0';
    *strrchr(exe, '/') = '\0'; /* build/tests */
    *strrchr(exe, '/') = '\0'; /* build */
    char *bin = vz_xasprintf("%s/bin/%s", exe, argv[0]);
    cr_assert(vz_file_exists(bin), "%s is not built (make all)", bin);
    size_t argc = 0;
    while (argv[argc])
        argc++;
    char **av = vz_xcalloc(argc + 1, sizeof(char *));
    av[0] = bin;
    for (size_t i = 1; i < argc; i++)
        av[i] = argv[i];
    struct vz_buf b = VZ_BUF_INIT;
    vz_buf_init(&b);
    struct vz_run_opts o = { .out = &b, .errbuf = &b };
    int st = -1;
    vz_error_t err = NULL;
    cr_assert_eq(vz_run(av, &o, &st, &err), 0, "%s", err ? err->msg : "");
    *out = vz_buf_detach(&b, NULL);
    free(av);
    free(bin);
    return st;
}

static void setup_tree(struct fx *f, const char *extra_sh, int keep_tree)
{
    memset(f, 0, sizeof(*f));
    strncpy(f->root, "/tmp/vzt-ct-XXXXXX", sizeof(f->root));
    cr_assert_not_null(vzt_mkroot(f->root));
    setenv("VZ_ROOT", f->root, 1);
    char *cache_dir = fx_path(f, "vz/template/cache");
    vz_error_t err = NULL;
    cr_assert_eq(vz_mkdir_p(cache_dir, 0755, &err), 0);
    char *tree = fx_path(f, "tree");
    char *tarball = vz_path_join(cache_dir, "test-1-x86_64-minimal.tar.zst");
    char *script = vz_xasprintf(
        "set -e; mkdir -p %1$s && cd %1$s && mkdir -p etc usr/bin var/empty && ln -s usr/bin bin && "
        "printf 'root:x:0:0:root:/root:/bin/sh\\nuser1:x:1000:1000::/home/user1:/bin/sh\\n' > etc/passwd && "
        "printf 'root:*:19000:0:99999:7:::\\nuser1:!:19000:0:99999:7:::\\n' > etc/shadow && "
        "chmod 640 etc/shadow && chgrp 42 etc/shadow && echo template > etc/hostname && "
        "printf '#!/bin/sh\\necho hi\\n' > usr/bin/hello && chmod 755 usr/bin/hello && "
        "ln usr/bin/hello usr/bin/hello2 && chown 1000:1000 var/empty && %3$s\n"
        "tar --numeric-owner --sort=name -C %1$s -cf - . | zstd -q -3 > %2$s",
        tree, tarball, extra_sh ? extra_sh : "true");
    char *argv[] = { "sh", "-c", script, NULL };
    cr_assert_eq(vz_run_ok(argv, NULL, &err), 0, "fixture: %s", err ? err->msg : "");
    if (!keep_tree)
        cr_assert_eq(vz_rm_rf(tree, &err), 0);
    f->cache.name = vz_xstrdup("test-1-x86_64-minimal");
    f->cache.tarball = tarball;
    f->cache.compress = vz_xstrdup("zst");
    cr_assert_eq(vz_sha256_file(tarball, f->cache.tar_sha256, &f->cache.tar_size, &err), 0);
    free(script);
    free(tree);
    free(cache_dir);
}

void fx_teardown(struct fx *f)
{
    if (f->root[0] == '\0')
        return;
    vz_error_t err = NULL;
    if (vz_rm_rf(f->root, &err) < 0) {
        cr_log_error("teardown: %s", err->msg);
        vz_error_release(&err);
    }
    free(f->cache.name);
    free(f->cache.tarball);
    free(f->cache.compress);
    memset(f, 0, sizeof(*f));
}

char *fx_path(const struct fx *f, const char *rel)
{
    return vz_path_join(f->root, rel);
}

static long count_dir(int dfd)
{
    DIR *d = fdopendir(dfd);
    if (d == NULL)
        return 0;
    long n = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        n++;
        if (de->d_type == DT_DIR) {
            int c = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
            if (c >= 0)
                n += count_dir(c);
        }
    }
    closedir(d);
    return n;
}

long fx_count(const struct fx *f, const char *rel)
{
    char *p = fx_path(f, rel);
    int fd = open(p, O_RDONLY | O_DIRECTORY);
    free(p);
    if (fd < 0)
        return -1;
    return count_dir(fd);
}

void fx_tamper(struct fx *f)
{
    int fd = open(f->cache.tarball, O_RDWR);
    cr_assert_geq(fd, 0);
    off_t mid = (off_t)(f->cache.tar_size / 2);
    unsigned char b;
    cr_assert_eq(pread(fd, &b, 1, mid), 1);
    b ^= 0x01;
    cr_assert_eq(pwrite(fd, &b, 1, mid), 1);
    close(fd);
}

/* fx_run of argv's first n and then ap's arguments (NULL-terminated). */
static int fx_run_va(char *argv[64], int n, char **out, va_list ap)
{
    const char *s;
    while ((s = va_arg(ap, const char *)) != NULL) {
        cr_assert_lt(n, 63, "%s: more than 63 arguments", argv[0]);
        argv[n++] = (char *)s;
    }
    argv[n] = NULL;
    return fx_run(argv, out);
}

static int fx_vrunl(char **out, const char *a0, va_list ap)
{
    char *argv[64] = { (char *)a0 };
    return fx_run_va(argv, 1, out, ap);
}

int fx_runl(char **out, const char *a0, ...)
{
    va_list ap;
    va_start(ap, a0);
    int st = fx_vrunl(out, a0, ap);
    va_end(ap);
    return st;
}

int fx_vzctl(char **out, const char *cmd, const char *ctid, ...)
{
    char *argv[64] = { "vzctl", (char *)cmd, (char *)ctid };
    va_list ap;
    va_start(ap, ctid);
    int st = fx_run_va(argv, 3, out, ap);
    va_end(ap);
    return st;
}

int fx_rerunl(char **out, const char *a0, ...)
{
    free(*out);
    *out = NULL;
    va_list ap;
    va_start(ap, a0);
    int st = fx_vrunl(out, a0, ap);
    va_end(ap);
    return st;
}
