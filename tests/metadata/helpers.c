#include "tests/metadata/helpers.h"

#include <criterion/criterion.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

char md_tmp[64];

const char md_base_yaml[] =
    "distribution: debian\n"          /* 1 */
    "release: \"12\"\n"               /* 2 */
    "codename: bookworm\n"            /* 3 */
    "family: deb\n"                   /* 4 */
    "summary: Test {{release}}\n"     /* 5 */
    "merged_usr: symlinks\n"          /* 6 */
    "architectures:\n"                /* 7 */
    "  x86_64: amd64\n"               /* 8 */
    "repositories:\n"                 /* 9 */
    "  - name: main\n"                /* 10 */
    "    mirror: \"{{mirror.debian}}\"\n" /* 11 */
    "    suite: \"{{codename}}\"\n"   /* 12 */
    "    components: [main]\n"        /* 13 */
    "    keyring: /k.gpg\n"           /* 14 */
    "variants:\n"                     /* 15 */
    "  minimal:\n"                    /* 16 */
    "    base: required\n"            /* 17 */
    "    packages: [apt]\n"           /* 18 */
    "  default:\n"                    /* 19 */
    "    extends: minimal\n"          /* 20 */
    "    packages:\n"                 /* 21 */
    "      - less\n";                 /* 22 */

void md_setup(void)
{
    snprintf(md_tmp, sizeof(md_tmp), "/tmp/vzt-md-XXXXXX");
    cr_assert_not_null(mkdtemp(md_tmp));
    cr_assert_eq(chdir(md_tmp), 0);
    setenv("VZ_ROOT", md_tmp, 1);
    setenv("VZ_APT_ROOT", md_tmp, 1); /* an empty apt root unless a test writes one */
    unsetenv("VZ_MIRROR_DEBIAN");
    unsetenv("VZ_MIRROR_DEBIAN_SECURITY");
    unsetenv("VZ_DISTROS_DIR");
    vz_log_level = VZ_LOG_QUIET;
}

void md_teardown(void)
{
    if (chdir("/") != 0)
        return;
    vz_error_t err = NULL;
    vz_rm_rf(md_tmp, &err);
    vz_error_release(&err);
}

void md_write(const char *path, const char *text)
{
    char *copy = vz_xstrdup(path);
    vz_error_t err = NULL;
    cr_assert_eq(vz_mkdir_p(dirname(copy), 0755, &err), 0);
    free(copy);
    cr_assert_eq(vz_atomic_write(path, text, strlen(text), 0644, &err), 0, "write %s", path);
}

char *md_base_with(const char *from, const char *to)
{
    const char *p = strstr(md_base_yaml, from);
    cr_assert_not_null(p, "'%s' not in the base document", from);
    cr_assert_null(strstr(p + 1, from), "'%s' occurs twice in the base document", from);
    return vz_xasprintf("%.*s%s%s", (int)(p - md_base_yaml), md_base_yaml, to, p + strlen(from));
}

void md_expect_error_for(const char *yaml, const char *name, const struct vz_metadata_opts *o,
                         int status, const char *msg)
{
    md_write("distros/debian-12.yaml", yaml);
    struct vz_metadata_opts def = { .distros_dir = "distros", .skip_mirrors = true };
    struct vz_template *t = NULL;
    vz_error_t err = NULL;
    int r = vz_template_load(name, o ? o : &def, &t, &err);
    cr_assert_eq(r, -1, "loaded although '%s' was expected", msg);
    cr_assert_null(t);
    cr_assert_str_eq(err->msg, msg);
    cr_assert_eq(err->status, status, "status %d, expected %d", err->status, status);
    vz_error_release(&err);
}

void md_expect_error(const char *yaml, const char *msg)
{
    md_expect_error_for(yaml, "debian-12-x86_64-minimal", NULL, VZ_EMETADATA, msg);
}

struct vz_template *md_load_ok(const char *name, const struct vz_metadata_opts *o)
{
    struct vz_metadata_opts def = { .distros_dir = "distros", .skip_mirrors = true };
    struct vz_template *t = NULL;
    vz_error_t err = NULL;
    int r = vz_template_load(name, o ? o : &def, &t, &err);
    cr_assert_eq(r, 0, "load %s: %s", name, err ? err->msg : "?");
    return t;
}

char *md_join(char *const *v)
{
    struct vz_buf b = VZ_BUF_INIT;
    vz_buf_init(&b);
    for (size_t i = 0; v && v[i]; i++)
        vz_buf_addf(&b, "%s%s", i ? " " : "", v[i]);
    return vz_buf_detach(&b, NULL);
}

char *md_shipped_dir(void)
{
    const char *src = getenv("VZ_SRC");
    if (src && *src)
        return vz_xasprintf("%s/distros", src);
    return vz_xstrdup(vz_shipped_distros_dir());
}
