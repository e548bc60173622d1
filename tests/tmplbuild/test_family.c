/* tmplbuild/family: the lookup of a template's package family, and the
 * check that a foreign architecture can run here (tmplbuild/binfmt.h),
 * against binfmt_misc directories the tests write (VZ_BINFMT_MISC_DIR). */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "common/common.h"
#include "tests/lib/testrepo.h"
#include "tmplbuild/binfmt.h"
#include "tmplbuild/family.h"
#include "tmplbuild/resolve.h"

static char tmp[64];

static void setup(void)
{
    strncpy(tmp, "/tmp/vzt-family-XXXXXX", sizeof(tmp));
    cr_assert_not_null(mkdtemp(tmp));
    setenv("VZ_BINFMT_MISC_DIR", tmp, 1);
}

static void teardown(void)
{
    unsetenv("VZ_BINFMT_MISC_DIR");
    vz_error_t err = NULL;
    vz_rm_rf(tmp, &err);
    vz_error_release(&err);
}

TestSuite(family, .init = setup, .fini = teardown, .timeout = 300);

static struct vz_template *tmpl(const char *family)
{
    struct vz_testrepo r = { .suite = "s", .arch = "amd64", .url = "file:///nonexistent",
                             .component = "main", .keyring = "/nonexistent" };
    struct vz_template *t = vz_testrepo_template(&r, NULL, NULL);
    free(t->family);
    t->family = vz_xstrdup(family);
    return t;
}

Test(family, deb_has_every_operation)
{
    struct vz_template *t = tmpl("deb");
    vz_error_t err = NULL;
    const struct vz_family *f = vz_family_of(t, &err);
    cr_assert_not_null(f, "%s", err ? err->msg : "");
    cr_assert_str_eq(f->name, "deb");
    cr_assert(f->repo_load && f->served_current && f->base_set && f->prefer && f->fetch &&
              f->install && f->read_installed && f->cleanup);
    cr_assert_eq(vz_families()[0], f);
    vz_template_free(t);
}

Test(family, rpm_has_every_operation)
{
    struct vz_template *t = tmpl("rpm");
    vz_error_t err = NULL;
    const struct vz_family *f = vz_family_of(t, &err);
    cr_assert_not_null(f, "%s", err ? err->msg : "");
    cr_assert_str_eq(f->name, "rpm");
    cr_assert_eq(f->disttype, DISTTYPE_RPM);
    cr_assert(f->repo_load && f->served_current && f->base_set && f->prefer && f->fetch &&
              f->install && f->read_installed && f->cleanup);
    cr_assert_eq(vz_families()[1], f);
    vz_template_free(t);
}

/* A family without a backend (a template struct the schema would refuse, or
 * a newer file): resolve (and so create-cache, status) refuse it naming the
 * file and the field, before any download. */
Test(family, family_without_backend_names_file_and_field)
{
    struct vz_template *t = tmpl("pkgsrc");
    vz_error_t err = NULL;
    cr_assert_null(vz_family_of(t, &err));
    cr_assert_eq(err->status, VZ_EMETADATA);
    cr_assert_str_eq(err->msg, "tests/test.yaml: field 'family': this vzforge cannot build "
                               "family 'pkgsrc' (it builds: deb, rpm)");
    vz_error_release(&err);
    struct vz_plan *plan = NULL;
    struct vz_resolve_opts o = { .repo = { .repodata_dir = tmp } };
    cr_assert_eq(vz_resolve(t, &o, &plan, NULL, &err), -1);
    cr_assert(strstr(err->msg, "field 'family'"), "%s", err->msg);
    vz_error_release(&err);
    vz_template_free(t);
}

/* ---- binfmt ---- */

static const char *foreign(void)
{
    struct utsname u;
    cr_assert_eq(uname(&u), 0);
    return strcmp(u.machine, "aarch64") == 0 ? "x86_64" : "aarch64";
}

static void put(const char *name, const char *text)
{
    cleanup_free char *p = vz_path_join(tmp, name);
    vz_error_t err = NULL;
    cr_assert_eq(vz_atomic_write(p, text, strlen(text), 0644, &err), 0);
}

/* Entries as the kernel prints them (Debian's qemu-user-static magic and
 * mask for aarch64 and x86_64). */
static void put_entry(const char *arch, const char *state, const char *flags)
{
    const char *magic = !strcmp(arch, "aarch64")
        ? "7f454c460201010000000000000000000200b700"
        : "7f454c4602010100000000000000000002003e00";
    cleanup_free char *text = NULL;
    text = vz_xasprintf(
        "%s\ninterpreter /usr/libexec/qemu-binfmt/%s-binfmt-P\nflags: %s\noffset 0\nmagic %s\n"
        "mask ffffffffffffff00fffffffffffffffffeffffff\n", state, arch, flags, magic);
    cleanup_free char *name = vz_xasprintf("qemu-%s", arch);
    put(name, text);
}

static char *check_msg(const char *arch)
{
    vz_error_t err = NULL;
    if (vz_binfmt_check(arch, &err) == 0)
        return NULL;
    cr_assert_eq(err->status, VZ_EBUILD);
    char *m = vz_xstrdup(err->msg);
    vz_error_release(&err);
    return m;
}

Test(family, native_arch_needs_nothing)
{
    struct utsname u;
    cr_assert_eq(uname(&u), 0);
    cr_assert_null(check_msg(u.machine)); /* tmp has no status: would fail if looked at */
    cr_assert(vz_binfmt_native(u.machine));
    cr_assert_not(vz_binfmt_native(foreign()));
}

Test(family, not_mounted_says_so)
{
    cleanup_free char *m = check_msg(foreign());
    cr_assert_not_null(m);
    cr_assert(strstr(m, "binfmt_misc is not mounted at"), "%s", m);
    cr_assert(strstr(m, "apt-get install qemu-user-static binfmt-support"), "%s", m);
}

Test(family, no_entry_names_the_package_to_install)
{
    put("status", "enabled\n");
    put("python3.11", "enabled\ninterpreter /usr/bin/python3.11\nflags: \noffset 0\n"
                      "magic a70d0d0a\n");
    cleanup_free char *m = check_msg(foreign());
    cr_assert_not_null(m);
    cr_assert(strstr(m, "no binfmt_misc entry in"), "%s", m);
    cr_assert(strstr(m, "apt-get install qemu-user-static binfmt-support"), "%s", m);
    cr_assert(strstr(m, "update-binfmts --enable qemu-"), "%s", m);
}

Test(family, entry_of_another_arch_does_not_count)
{
    put("status", "enabled\n");
    put_entry("aarch64", "enabled", "POF");
    cr_assert_not_null(check_msg("riscv64"));
}

Test(family, registered_with_F_is_enough)
{
    put("status", "enabled\n");
    put_entry(foreign(), "enabled", "POF");
    cr_assert_null(check_msg(foreign()));
}

Test(family, without_F_is_refused)
{
    put("status", "enabled\n");
    put_entry(foreign(), "enabled", "PO");
    cleanup_free char *m = check_msg(foreign());
    cr_assert_not_null(m);
    cr_assert(strstr(m, "without the F flag"), "%s", m);
}

Test(family, disabled_entry_says_how_to_enable)
{
    put("status", "enabled\n");
    put_entry(foreign(), "disabled", "POF");
    cleanup_free char *m = check_msg(foreign());
    cr_assert_not_null(m);
    cr_assert(strstr(m, "is disabled"), "%s", m);
    cr_assert(strstr(m, "update-binfmts --enable qemu-"), "%s", m);
}

Test(family, binfmt_misc_switched_off)
{
    put("status", "disabled\n");
    put_entry(foreign(), "enabled", "POF");
    cleanup_free char *m = check_msg(foreign());
    cr_assert_not_null(m);
    cr_assert(strstr(m, "binfmt_misc is disabled"), "%s", m);
}

Test(family, unknown_arch_is_refused)
{
    cleanup_free char *m = check_msg("vax");
    cr_assert_not_null(m);
    cr_assert(strstr(m, "does not know how to run"), "%s", m);
}
