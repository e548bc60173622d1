/* The default profile's seccomp program built into the binary
 * (vpscore/seccomp-builtin.c): it is byte for byte what libseccomp compiles
 * from vpscore/seccomp.c's profile on this host now (a stale build, or a
 * profile edited without the program being generated again, fails here),
 * prepare hands it out for the default profile only, and every other conf
 * is still compiled and checked. What the program refuses is
 * test_seccomp.c's and test_hostile*.c's, which prepare it the same way. */
#include <criterion/criterion.h>
#include <linux/filter.h>
#include <string.h>

#include "common/common.h"
#include "vpscore/seccomp.h"

static void conf_of(struct vz_conf *c, const char *mode, const char *allow, const char *deny)
{
    vz_conf_init(c, "/nonexistent/101.conf");
    if (mode)
        vz_conf_set(c, "SECCOMP", mode);
    if (allow)
        vz_conf_set(c, "SECCOMP_ALLOW", allow);
    if (deny)
        vz_conf_set(c, "SECCOMP_DENY", deny);
}

static int same(const struct vz_seccomp *a, const struct vz_seccomp *b)
{
    return a->len == b->len && a->len && !memcmp(a->filter, b->filter, a->len * sizeof(struct sock_filter));
}

/* prepare and compile of the same conf */
static void both(const char *mode, const char *allow, const char *deny, struct vz_seccomp *p, struct vz_seccomp *c)
{
    struct vz_conf conf;
    conf_of(&conf, mode, allow, deny);
    vz_error_t err = NULL;
    cr_assert_eq(vz_seccomp_prepare(&conf, p, &err), 0, "prepare: %s", err ? err->msg : "");
    cr_assert_eq(vz_seccomp_compile(&conf, c, &err), 0, "compile: %s", err ? err->msg : "");
    vz_conf_release(&conf);
}

TestSuite(seccomp_builtin, .timeout = 300);

Test(seccomp_builtin, is_what_libseccomp_compiles_from_the_profile_now)
{
    struct vz_seccomp b, c;
    /* built with this host's libseccomp for this architecture: it must
     * apply, or every start pays for a compile again */
    cr_assert_eq(vz_seccomp_builtin(&b), 1, "no built-in program for this host (see the build's seccomp_gen)");
    struct vz_conf conf;
    conf_of(&conf, NULL, NULL, NULL);
    vz_error_t err = NULL;
    cr_assert_eq(vz_seccomp_compile(&conf, &c, &err), 0, "%s", err ? err->msg : "");
    vz_conf_release(&conf);
    cr_assert_gt(b.len, 100, "a default profile of %u instructions", b.len);
    cr_assert(same(&b, &c), "built-in program (%u instructions) differs from libseccomp's now (%u): "
              "the build is stale (make)", b.len, c.len);
    vz_seccomp_release(&b);
    vz_seccomp_release(&c);
}

Test(seccomp_builtin, prepare_gives_it_for_the_default_profile_only)
{
    struct vz_seccomp b, p, c;
    cr_assert_eq(vz_seccomp_builtin(&b), 1);
    /* the default, however it is spelt: the built-in program */
    const char *defaults[][3] = { { NULL, NULL, NULL }, { "default", "", "" }, { "", " ,\t", "," } };
    for (size_t i = 0; i < VZ_ARRAY_SIZE(defaults); i++) {
        both(defaults[i][0], defaults[i][1], defaults[i][2], &p, &c);
        cr_expect(same(&p, &b), "default spelling %zu: not the built-in program", i);
        vz_seccomp_release(&p);
        vz_seccomp_release(&c);
    }
    /* anything else: compiled, so it differs from the default's */
    const char *others[][3] = { { NULL, "personality", NULL }, { NULL, NULL, "chroot" },
                                { "default", NULL, "uname:ENOSYS" } };
    for (size_t i = 0; i < VZ_ARRAY_SIZE(others); i++) {
        both(others[i][0], others[i][1], others[i][2], &p, &c);
        cr_expect(same(&p, &c), "conf %zu: prepare and compile differ", i);
        cr_expect(!same(&p, &b), "conf %zu: got the default profile's program", i);
        vz_seccomp_release(&p);
        vz_seccomp_release(&c);
    }
    vz_seccomp_release(&b);
}

Test(seccomp_builtin, bad_words_are_still_errors)
{
    const char *bad[][3] = { { "strict", NULL, NULL }, { NULL, "no_such_call", NULL }, { NULL, NULL, "chroot:EBOGUS" } };
    for (size_t i = 0; i < VZ_ARRAY_SIZE(bad); i++) {
        struct vz_conf conf;
        conf_of(&conf, bad[i][0], bad[i][1], bad[i][2]);
        struct vz_seccomp s;
        vz_error_t err = NULL;
        cr_expect_eq(vz_seccomp_prepare(&conf, &s, &err), -1, "conf %zu accepted", i);
        cr_expect_eq(err ? err->status : 0, VZ_EBADARG);
        vz_error_release(&err);
        vz_conf_release(&conf);
    }
}

Test(seccomp_builtin, unconfined_is_still_no_filter)
{
    struct vz_seccomp p;
    struct vz_conf conf;
    conf_of(&conf, "unconfined", NULL, NULL);
    vz_error_t err = NULL;
    cr_assert_eq(vz_seccomp_prepare(&conf, &p, &err), 0);
    cr_expect_eq(p.len, 0);
    vz_conf_release(&conf);
}
