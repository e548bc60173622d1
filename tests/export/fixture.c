#include "fixture.h"

#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cache/manifest.h"
#include "common/common.h"
#include "tests/lib/rootfs.h"
#include "tmplbuild/pack.h"

static char top[64];

char *vzt_export_path(const char *sub)
{
    return vz_path_join(top, sub);
}

static void put(const char *root, const char *rel, const char *text)
{
    cleanup_free char *p = vz_path_join(root, rel);
    vz_error_t err = NULL;
    cr_assert_eq(vz_atomic_write(p, text, strlen(text), 0644, &err), 0, "%s", err ? err->msg : "");
}

static void make_cache(const char *name, bool init)
{
    char *root = vzt_busybox_root();
    put(root, "etc/debian_version", VZT_DEBIAN_VERSION "\n");
    put(root, "etc/hostname", "template\n");
    if (init) {
        cleanup_free char *l = vz_path_join(root, "sbin/init");
        cr_assert_eq(symlink("../bin/busybox", l), 0);
    }
    struct vz_manifest *m = vz_manifest_new(name);
    vz_error_t err = NULL;
    int r = vz_pack_to_cache(root, m, NULL, 0, NULL, &err);
    cr_assert_eq(r, 0, "pack: %s", err ? err->msg : "");
    vz_manifest_free(m);
    vzt_root_remove(root);
}

const char *vzt_export_setup(void)
{
    snprintf(top, sizeof(top), "/tmp/vzt-export-XXXXXX");
    cr_assert_not_null(mkdtemp(top));
    chmod(top, 0755);
    setenv("VZ_ROOT", top, 1);
    setenv("SOURCE_DATE_EPOCH", "1700000000", 1);
    vz_log_level = VZ_LOG_WARN;
    make_cache(VZT_EXPORT_NAME, true);
    make_cache(VZT_EXPORT_NOINIT, false);
    return top;
}

void vzt_export_teardown(void)
{
    vz_error_t err = NULL;
    if (top[0])
        vz_rm_rf(top, &err);
    vz_error_release(&err);
    top[0] = '\0';
}

static char *vfmt(const char *fmt, va_list ap)
{
    char *s = NULL;
    cr_assert(vasprintf(&s, fmt, ap) >= 0);
    return s;
}

int vzt_sh(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cleanup_free char *cmd = vfmt(fmt, ap);
    va_end(ap);
    /* stdin from /dev/null: some tools (lxc launch) read a config from a
     * stdin that is not a terminal */
    cleanup_free char *full = vz_xasprintf("( %s ) </dev/null 1>&2", cmd);
    int st = system(full);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

char *vzt_sh_out(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cleanup_free char *cmd = vfmt(fmt, ap);
    va_end(ap);
    cleanup_free char *full = vz_xasprintf("( %s ) </dev/null", cmd);
    FILE *p = popen(full, "r");
    cr_assert_not_null(p, "popen %s", cmd);
    struct vz_buf b = VZ_BUF_INIT;
    vz_buf_init(&b);
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), p)) > 0)
        vz_buf_add(&b, buf, n);
    pclose(p);
    size_t len = 0;
    char *s = vz_buf_detach(&b, &len);
    if (!s)
        return vz_xstrdup("");
    while (len && s[len - 1] == '\n')
        s[--len] = '\0';
    return s;
}

int vzt_export_mounts(void)
{
    cleanup_free char *n = vzt_sh_out("awk -v t='%s/' 'index($2, t) == 1' /proc/self/mounts | wc -l",
                                      top);
    return atoi(n);
}

bool vzt_have(const char *prog)
{
    return vzt_sh("command -v %s >/dev/null", prog) == 0;
}

json_t *vzt_export_cli(const char *name, const char *formats, const char *dir, int *status)
{
    const char *b = getenv("VZ_BUILD");
    cr_assert_not_null(b, "VZ_BUILD is not set: run through 'make check' or set VZ_BUILD=build");
    cleanup_free char *out = vzt_export_path("cli.json");
    *status = vzt_sh("'%s/bin/vzpkg' export '%s' --format '%s' -o '%s' --json > '%s'", b, name,
                     formats, dir, out);
    json_error_t je;
    return json_load_file(out, 0, &je);
}

json_t *vzt_export_output(json_t *res, const char *format)
{
    json_t *o;
    size_t i;
    json_array_foreach(json_object_get(res, "outputs"), i, o)
        if (!strcmp(json_string_value(json_object_get(o, "format")), format))
            return o;
    cr_assert_fail("no output of format %s", format);
    return NULL;
}

json_t *vzt_export_file(json_t *res, const char *format, const char *kind)
{
    json_t *f;
    size_t i;
    json_array_foreach(json_object_get(vzt_export_output(res, format), "files"), i, f)
        if (!strcmp(json_string_value(json_object_get(f, "kind")), kind))
            return f;
    cr_assert_fail("no %s file of format %s", kind, format);
    return NULL;
}
