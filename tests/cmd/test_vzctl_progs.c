/* How vzctl is split into programs (docs/design.md, "Process start-up
 * cost"): vzctl, which runs containers, links no archive, HTTP, YAML,
 * solver or crypto library; `vzctl create` execs vzctl-create with the same
 * arguments and global options; a missing helper is a clear error, not a
 * crash. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/common.h"
#include "tests/lib/robust.h"

#define TMPL "progs-1-x86_64-minimal"

static char root[64];
static char ct[16];

static void setup(void)
{
    vzr_private_ns(0);
    snprintf(ct, sizeof(ct), "6%d", (int)getpid() % 1000000);
    snprintf(root, sizeof(root), "/tmp/vzt-progs-XXXXXX");
    cr_assert_not_null(mkdtemp(root));
    setenv("VZ_ROOT", root, 1);
    setenv("VZ_APT_ROOT", root, 1);
    vz_log_level = VZ_LOG_WARN;
    vzr_init();
}

static void teardown(void)
{
    vz_error_t err = NULL;
    if (root[0] && vz_rm_rf(root, &err) < 0)
        vz_error_release(&err);
}

TestSuite(vzctl_progs, .init = setup, .fini = teardown, .timeout = 120);

static char *bin(const char *prog)
{
    const char *b = getenv("VZ_BUILD");
    cr_assert_not_null(b, "VZ_BUILD is not set: run through make check");
    return vz_xasprintf("%s/bin/%s", b, prog);
}

/* The DT_NEEDED entries of a binary, one per line. */
static char *needed(const char *path)
{
    char *argv[] = { "readelf", "-d", (char *)path, NULL };
    struct vz_buf b = VZ_BUF_INIT;
    vz_buf_init(&b);
    struct vz_run_opts o = { .out = &b };
    vz_error_t err = NULL;
    cr_assert_eq(vz_run_ok(argv, &o, &err), 0, "%s", err ? err->msg : "");
    struct vz_buf n = VZ_BUF_INIT;
    vz_buf_init(&n);
    for (char *line = b.data, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        char *s = strstr(line, "(NEEDED)");
        char *lb = s ? strchr(s, '[') : NULL;
        char *rb = lb ? strchr(lb, ']') : NULL;
        if (rb)
            vz_buf_addf(&n, "%.*s\n", (int)(rb - lb - 1), lb + 1);
    }
    vz_buf_release(&b);
    return vz_buf_detach(&n, NULL);
}

Test(vzctl_progs, vzctl_loads_no_archive_http_yaml_solver_or_crypto_library)
{
    cleanup_free char *path = bin("vzctl");
    cleanup_free char *libs = needed(path);
    cr_assert_not_null(strstr(libs, "libc.so"), "readelf found no libc in %s: %s", path, libs);
    static const char *const heavy[] = { "libarchive", "libcurl", "libyaml", "libsolv", "libxml2",
                                         "libexpat", "libzstd", "libcrypto", "libssl", NULL };
    for (size_t i = 0; heavy[i]; i++)
        cr_assert_null(strstr(libs, heavy[i]), "vzctl links %s (every start and exec pays for it):\n%s",
                       heavy[i], libs);
    /* the helper unpacks: libarchive is inside it, statically or not */
    cleanup_free char *helper = bin("vzctl-create");
    cr_assert(access(helper, X_OK) == 0, "%s is not built", helper);
}

Test(vzctl_progs, create_help_and_errors_come_from_the_helper)
{
    struct vzr_res r;
    vzr_run(&r, "vzctl", (const char *[]){ "create", "--help", NULL });
    cr_assert_eq(r.code, 0, "%s", r.err);
    cr_assert_not_null(strstr(r.out, "Usage: vzctl create CTID --ostemplate NAME"), "%s", r.out);
    vzr_res_release(&r);
    /* messages say "vzctl", the program the user ran */
    vzr_run(&r, "vzctl", (const char *[]){ "create", ct, "--ostemplate", "no-such-template", NULL });
    cr_assert_eq(r.code, 91, "exit %d: %s", r.code, r.err);
    cr_assert_not_null(strstr(r.err, "vzctl: "), "%s", r.err);
    cr_assert_null(strstr(r.err, "vzctl-create"), "%s", r.err);
    vzr_res_release(&r);
}

Test(vzctl_progs, global_quiet_and_verbose_reach_the_helper)
{
    vzr_make_cache(root, TMPL, NULL);
    struct vzr_res r;
    vzr_run(&r, "vzctl", (const char *[]){ "-q", "create", ct, "--ostemplate", TMPL, NULL });
    cr_assert_eq(r.code, 0, "%s", r.err);
    cr_assert_str_empty(r.out, "-q, yet: %s", r.out);
    cr_assert_str_empty(r.err, "-q, yet: %s", r.err);
    vzr_res_release(&r);
    vzr_run(&r, "vzctl", (const char *[]){ "destroy", ct, NULL });
    cr_assert_eq(r.code, 0, "%s", r.err);
    vzr_res_release(&r);
    vzr_run(&r, "vzctl", (const char *[]){ "create", ct, "--ostemplate", TMPL, NULL });
    cr_assert_eq(r.code, 0, "%s", r.err);
    cr_assert(strstr(r.out, "Container private area was created") || strstr(r.err, "Container private area was created"),
              "%s\n%s", r.out, r.err);
    vzr_res_release(&r);
    vzr_run(&r, "vzctl", (const char *[]){ "destroy", ct, NULL });
    cr_assert_eq(r.code, 0, "%s", r.err);
    vzr_res_release(&r);
}

/* Issue 14: a destroy that is refused (running, or here mounted) must not
 * first announce "Destroying container private area". */
Test(vzctl_progs, refused_destroy_announces_nothing)
{
    vzr_make_cache(root, TMPL, NULL);
    struct vzr_res r;
    vzr_run(&r, "vzctl", (const char *[]){ "create", ct, "--ostemplate", TMPL, NULL });
    cr_assert_eq(r.code, 0, "%s", r.err);
    vzr_res_release(&r);
    vzr_run(&r, "vzctl", (const char *[]){ "mount", ct, NULL });
    cr_assert_eq(r.code, 0, "%s", r.err);
    vzr_res_release(&r);
    vzr_run(&r, "vzctl", (const char *[]){ "destroy", ct, NULL });
    int code = r.code;
    int said = strstr(r.out, "Destroying") || strstr(r.err, "Destroying");
    vzr_res_release(&r);
    vzr_run(&r, "vzctl", (const char *[]){ "umount", ct, NULL });
    vzr_res_release(&r);
    cr_assert_neq(code, 0, "destroy of a mounted container succeeded");
    cr_assert_not(said, "a refused destroy said it was destroying");
    vzr_run(&r, "vzctl", (const char *[]){ "destroy", ct, NULL });
    cr_assert_eq(r.code, 0, "%s", r.err);
    cr_assert(strstr(r.out, "Destroying container private area") || strstr(r.err, "Destroying container private area"),
              "%s\n%s", r.out, r.err);
    vzr_res_release(&r);
}

/* Run argv (argv[0] a path), stdout and stderr merged into *out. */
static int run_merged(char **argv, char **out)
{
    struct vz_buf b = VZ_BUF_INIT;
    vz_buf_init(&b);
    struct vz_run_opts o = { .out = &b, .errbuf = &b };
    int st = -1;
    vz_error_t err = NULL;
    cr_assert_eq(vz_run(argv, &o, &st, &err), 0, "%s", err ? err->msg : "");
    *out = vz_buf_detach(&b, NULL);
    return st;
}

Test(vzctl_progs, a_missing_helper_is_a_clear_error_and_creates_nothing)
{
    if (access(VZ_LIBEXECDIR "/vzctl-create", X_OK) == 0)
        cr_skip_test("vzforge is installed (%s): a lone vzctl finds that helper", VZ_LIBEXECDIR);
    vzr_make_cache(root, TMPL, NULL);
    cleanup_free char *lone = vz_path_join(root, "lone");
    vz_error_t err = NULL;
    cr_assert_eq(vz_mkdir_p(lone, 0755, &err), 0);
    cleanup_free char *built = bin("vzctl");
    char *cp[] = { "cp", built, lone, NULL };
    cr_assert_eq(vz_run_ok(cp, NULL, &err), 0, "%s", err ? err->msg : "");
    cleanup_free char *exe = vz_path_join(lone, "vzctl");
    /* away from the source tree, the sample conf comes from here */
    const char *src = getenv("VZ_SRC");
    cr_assert_not_null(src, "VZ_SRC is not set: run through make check");
    cleanup_free char *samples = vz_path_join(src, "etc");
    setenv("VZ_SAMPLES_DIR", samples, 1);
    char *argv[] = { exe, "create", ct, "--ostemplate", TMPL, NULL };
    cleanup_free char *out = NULL;
    int st = run_merged(argv, &out);
    /* the first container of a template unpacks it: that needs the helper */
    cr_assert_eq(st, VZ_ESYSTEM, "exit %d: %s", st, out);
    cr_assert_not_null(strstr(out, "vzctl-create"), "%s", out);
    cr_assert_not_null(strstr(out, "make install"), "%s", out);
    cleanup_free char *conf = vz_xasprintf("%s/etc/vz/conf/%s.conf", root, ct);
    cr_assert(!vz_file_exists(conf));
    cleanup_free char *priv = vz_xasprintf("%s/vz/private/%s", root, ct);
    cr_assert(!vz_file_exists(priv), "%s left behind", priv);
    /* once the tree is unpacked (by the build's vzctl, which has its
     * helper), a further overlay container needs the helper all the same:
     * vzctl links no signature or digest code, every create is the helper's */
    struct vzr_res r;
    vzr_run(&r, "vzctl", (const char *[]){ "create", ct, "--ostemplate", TMPL, NULL });
    cr_assert_eq(r.code, 0, "%s", r.err);
    vzr_res_release(&r);
    cleanup_free char *ct2 = vz_xasprintf("%s1", ct);
    const char *layouts[] = { "overlay", "plain" };
    for (size_t i = 0; i < 2; i++) {
        char *argv2[] = { exe, "create", ct2, "--ostemplate", TMPL, "--layout", (char *)layouts[i], NULL };
        cleanup_free char *out2 = NULL;
        st = run_merged(argv2, &out2);
        cr_assert_eq(st, VZ_ESYSTEM, "%s: exit %d: %s", layouts[i], st, out2);
        cr_assert_not_null(strstr(out2, "vzctl-create"), "%s", out2);
        cleanup_free char *conf2 = vz_xasprintf("%s/etc/vz/conf/%s.conf", root, ct2);
        cr_assert(!vz_file_exists(conf2), "%s: %s written", layouts[i], conf2);
    }
    vzr_run(&r, "vzctl", (const char *[]){ "destroy", ct, NULL });
    cr_assert_eq(r.code, 0, "%s", r.err);
    vzr_res_release(&r);
}
