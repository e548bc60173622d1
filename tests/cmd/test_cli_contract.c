/* The command-line contract of every command and subcommand of vzpkg, vzctl
 * and vzlist (the dispatch tables in cmd/vzpkg.c, cmd/vzctl.c, cmd/vzlist.c):
 * --help exits 0 with the usage on stdout; an unknown option exits 2 (vzctl:
 * 20, OpenVZ's "invalid command line parameter") with
 * "PROG: error: unknown option '...'" and "Try 'PROG COMMAND --help'." on
 * stderr; missing arguments exit 2 with a message; and no bad input
 * (empty, 100 KB, non-UTF-8, '../', absolute, 'a/b', odd numbers, unknown
 * templates and CTIDs) crashes a command or leaves anything behind: no file
 * in VZ_ROOT, no mount, cgroup, network device, process or held lock.
 *
 * Everything runs under a temporary VZ_ROOT, in a mount namespace of the
 * test's own, with no mirror configured (VZ_APT_ROOT points into the temp
 * root), so no command reaches the network. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/common.h"
#include "tests/lib/reaper.h"
#include "tests/lib/robust.h"

#define TMPL "cli-1-x86_64-minimal"
static char ct_buf[16], ct2[16];
#define CT ct_buf

static char root[64];
static char *conf_before, *conf_path, *tar_path, *pub_path;
/* what a failed command may leave: the (empty) work dir of vzpkg import */
static const char *const allowed[] = { "vz/template/tmp", NULL };

/* The exit status of a usage error: vzctl keeps OpenVZ vzctl's 20, the
 * others 2. */
static int usage_code(const char *prog)
{
    return strcmp(prog, "vzctl") == 0 ? 20 : 2;
}

static char *slurp(const char *rel)
{
    cleanup_free char *p = vz_path_join(root, rel);
    char *d = vzr_slurp(p);
    return d ? d : vz_xstrdup("");
}

static void put_hostname(const char *dir)
{
    cleanup_free char *p = vz_path_join(dir, "hostname");
    vz_error_t err = NULL;
    cr_assert_eq(vz_atomic_write(p, "t\n", 2, 0644, &err), 0);
}

static void setup(void)
{
    vzr_private_ns(0);
    /* CTIDs of this process: tests run in parallel and cgroups are global */
    snprintf(ct_buf, sizeof(ct_buf), "7%d", (int)getpid() % 1000000);
    snprintf(ct2, sizeof(ct2), "8%d", (int)getpid() % 1000000);
    snprintf(root, sizeof(root), "/tmp/vzt-cli-XXXXXX");
    cr_assert_not_null(vzt_mkroot(root));
    setenv("VZ_ROOT", root, 1);
    setenv("VZ_APT_ROOT", root, 1);
    unsetenv("VZ_DISTROS_DIR");
    unsetenv("VZ_MIRROR_DEBIAN");
    unsetenv("VZ_MIRROR_UBUNTU");
    vz_log_level = VZ_LOG_WARN;
    /* one signed cache and one plain container, so that commands get past
     * "no such container / template" to the option they are given */
    vzr_make_cache(root, TMPL, NULL);
    vz_error_t err = NULL;
    cleanup_free char *tree = vz_path_join(root, "tree");
    cr_assert_eq(vz_mkdir_p(tree, 0755, &err), 0);
    put_hostname(tree);
    /* a valid tarball for vzpkg import's option checks */
    tar_path = vz_path_join(root, "in.tar");
    /* publish writes here when a --keep spelling is accepted: inside the
     * test's root, never elsewhere on the host */
    pub_path = vz_path_join(root, "pub");
    char *tav[] = { "tar", "-C", tree, "-cf", tar_path, ".", NULL };
    cr_assert_eq(vz_run_ok(tav, NULL, &err), 0, "%s", err ? err->msg : "");
    cr_assert_eq(vz_rm_rf(tree, &err), 0);
    vzr_init();
    static const char *ids[] = { ct_buf, ct2, "424242", NULL };
    vzr_watch(ids);
    struct vzr_res r;
    vzr_run(&r, "vzctl", (const char *[]){ "create", CT, "--ostemplate", TMPL, "--layout", "plain",
                                           "--hostname", "ct101", "--ipadd", "10.77.0.2", NULL });
    cr_assert_eq(r.code, 0, "vzctl create: %s", r.err);
    vzr_res_release(&r);
    conf_path = vz_xasprintf("etc/vz/conf/%s.conf", CT);
    conf_before = slurp(conf_path);
}

static void teardown(void)
{
    vz_error_t err = NULL;
    if (root[0] && vz_rm_rf(root, &err) < 0) {
        cr_log_error("teardown: %s", err->msg);
        vz_error_release(&err);
    }
    free(conf_before);
    free(conf_path);
    free(tar_path);
    free(pub_path);
}

TestSuite(cli_contract, .init = setup, .fini = teardown, .timeout = 600);

/* Every command and subcommand, as the words before its arguments. */
struct cmd {
    const char *prog;
    const char *words[3];
    /* what it needs: 0 nothing, 'T' templates, 'C' a CTID, 'X' CTID COMMAND,
     * 'F' FILE --name N, 'D' DIR, 'K' KEYFILE, 'I' ID, 'N' NAME|URL */
    char needs;
    /* takes --json (vzlist: -j): every command whose output a script
     * reads; not those that print progress only (start, stop, ...), pass
     * the container's own output through (exec, exec2, enter) or print
     * nothing on stdout (destroy, set) */
    bool json;
};

static const struct cmd cmds[] = {
    { "vzpkg", { "list" }, 0, true },
    { "vzpkg", { "info" }, 'T', true },
    { "vzpkg", { "create-cache" }, 'T', true },
    { "vzpkg", { "update-cache" }, 'T', true },
    { "vzpkg", { "status" }, 'T', true },
    { "vzpkg", { "fetch" }, 'T', true },
    { "vzpkg", { "remove-cache" }, 'T', true },
    { "vzpkg", { "verify" }, 0, true },
    { "vzpkg", { "clean" }, 0, true },
    { "vzpkg", { "keygen" }, 0, true },
    { "vzpkg", { "trust" }, 'W', true },
    { "vzpkg", { "trust", "add" }, 'K', true },
    { "vzpkg", { "trust", "list" }, 0, true },
    { "vzpkg", { "trust", "remove" }, 'I', true },
    { "vzpkg", { "import" }, 'F', true },
    { "vzpkg", { "publish" }, 'D', true },
    { "vzpkg", { "download" }, 'N', true },
    { "vzctl", { "create" }, 'C', true },
    { "vzctl", { "destroy" }, 'C', false },
    { "vzctl", { "set" }, 'C', false },
    { "vzctl", { "start" }, 'C', false },
    { "vzctl", { "stop" }, 'C', false },
    { "vzctl", { "restart" }, 'C', false },
    { "vzctl", { "status" }, 'C', true },
    { "vzctl", { "enter" }, 'C', false },
    { "vzctl", { "exec" }, 'X', false },
    { "vzctl", { "exec2" }, 'X', false },
    { "vzctl", { "mount" }, 'C', false },
    { "vzctl", { "umount" }, 'C', false },
    { "vzctl", { "suspend" }, 'C', false },
    { "vzctl", { "resume" }, 'C', false },
    { "vzctl", { "snapshot" }, 'C', true },
    { "vzctl", { "snapshot-list" }, 'C', true },
    { "vzctl", { "snapshot-switch" }, 'C', false },
    { "vzctl", { "snapshot-delete" }, 'C', false },
    { "vzctl", { "snapshot-mount" }, 'C', false },
    { "vzctl", { "snapshot-umount" }, 'C', false },
    { "vzctl", { "start-all" }, 0, true },
    { "vzctl", { "stop-all" }, 0, true },
    { "vzlist", { NULL }, 0, true },
};

/* Build argv: the command's words, then extra (NULL-terminated). */
static const char **args_of(const struct cmd *c, const char *const *extra)
{
    static const char *v[64];
    size_t n = 0;
    for (size_t i = 0; i < 3 && c->words[i]; i++)
        v[n++] = c->words[i];
    for (size_t i = 0; extra && extra[i] && n < 63; i++)
        v[n++] = extra[i];
    v[n] = NULL;
    return v;
}

static char *describe(const char *prog, const char *const *args)
{
    struct vz_buf b = VZ_BUF_INIT;
    vz_buf_init(&b);
    vz_buf_adds(&b, prog);
    for (size_t i = 0; args[i]; i++) {
        size_t l = strlen(args[i]);
        vz_buf_addf(&b, " '%.40s%s'", args[i], l > 40 ? "..." : "");
    }
    return vz_buf_detach(&b, NULL);
}

/* Run, check it is sane and left nothing behind; return the result. */
static struct vzr_res run_checked(const char *prog, const char *const *args)
{
    struct vzr_state before;
    vzr_state_take(&before, root);
    struct vzr_res r;
    vzr_run(&r, prog, args);
    cleanup_free char *what = describe(prog, args);
    vzr_assert_sane(&r, what);
    /* a container an accepted 'vzctl create' made goes again (destroy is
     * part of what is checked); the shared template tree it unpacked stays */
    if (r.code == 0 && !strcmp(prog, "vzctl") && !strcmp(args[0], "create")) {
        struct vzr_res d;
        vzr_run(&d, "vzctl", (const char *[]){ "destroy", args[1], NULL });
        cr_assert_eq(d.code, 0, "destroy after %s: %s", what, d.err);
        vzr_res_release(&d);
    }
    const char *imported = NULL;
    for (size_t i = 1; r.code == 0 && !strcmp(args[0], "import") && args[i] && args[i + 1]; i++)
        if (!strcmp(args[i], "--name"))
            imported = args[i + 1];
    if (imported) {
        struct vzr_res d;
        vzr_run(&d, "vzpkg", (const char *[]){ "remove-cache", "--", imported, NULL });
        cr_assert_eq(d.code, 0, "remove-cache after %s: %s", what, d.err);
        vzr_res_release(&d);
    }
    /* an accepted 'vzctl set' may write inside the container, an accepted
     * 'vzpkg publish' (--keep ' 5') its tree, which goes again */
    static const char *const allowed_ok[] = { "vz/template/tmp", "vz/private/",
                                              "vz/template/unpacked/", "vz/template/unpacked",
                                              "pub/", "pub", NULL };
    vzr_assert_unchanged(&before, root, r.code == 0 ? allowed_ok : allowed, what);
    vzr_state_release(&before);
    if (r.code == 0 && !strcmp(args[0], "publish")) {
        vz_error_t err = NULL;
        cr_assert_eq(vz_rm_rf(pub_path, &err), 0, "%s: %s", pub_path, err ? err->msg : "");
    }
    cleanup_free char *conf = slurp(conf_path);
    if (r.code != 0) {
        cr_assert_str_eq(conf, conf_before, "%s failed but changed the conf of container %s", what,
                         CT);
    } else if (strcmp(conf, conf_before) != 0) {
        /* an odd but acceptable spelling (--ram ' 5') was saved: undo */
        cleanup_free char *p = vz_path_join(root, conf_path);
        vz_error_t err = NULL;
        cr_assert_eq(vz_atomic_write(p, conf_before, strlen(conf_before), 0644, &err), 0);
    }
    return r;
}

Test(cli_contract, help_on_every_command)
{
    for (size_t i = 0; i < VZ_ARRAY_SIZE(cmds); i++) {
        const char *opts[] = { "--help", "-h" };
        /* vzlist -h is OpenVZ's hostname filter: its help is --help only */
        size_t nopts = strcmp(cmds[i].prog, "vzlist") == 0 ? 1 : 2;
        for (size_t k = 0; k < nopts; k++) {
            const char *extra[] = { opts[k], NULL };
            const char **a = args_of(&cmds[i], extra);
            struct vzr_res r = run_checked(cmds[i].prog, a);
            cleanup_free char *what = describe(cmds[i].prog, a);
            cr_assert_eq(r.code, 0, "%s: exit %d\n%s", what, r.code, r.err);
            cr_assert_not_null(strstr(r.out, "Usage:"), "%s: no usage on stdout: %s", what, r.out);
            cr_assert_str_empty(r.err, "%s: something on stderr: %s", what, r.err);
            vzr_res_release(&r);
        }
    }
    /* the programs themselves */
    const char *progs[] = { "vzpkg", "vzctl" };
    for (size_t i = 0; i < 2; i++) {
        struct vzr_res r = run_checked(progs[i], (const char *[]){ "--help", NULL });
        cr_assert_eq(r.code, 0);
        cr_assert_not_null(strstr(r.out, "Usage:"));
        vzr_res_release(&r);
    }
}

Test(cli_contract, unknown_option_is_usage_error)
{
    const char *bad[] = { "--no-such-option", "-Z" };
    for (size_t i = 0; i < VZ_ARRAY_SIZE(cmds); i++)
        for (size_t k = 0; k < VZ_ARRAY_SIZE(bad); k++) {
            const char *extra[] = { bad[k], NULL };
            const char **a = args_of(&cmds[i], extra);
            struct vzr_res r = run_checked(cmds[i].prog, a);
            cleanup_free char *what = describe(cmds[i].prog, a);
            cr_assert_eq(r.code, usage_code(cmds[i].prog), "%s: exit %d\n%s", what, r.code, r.err);
            /* the same "PROG: error:" as every other error, and a hint
             * rather than the whole usage */
            cleanup_free char *want = vz_xasprintf(
                "%s: error: unknown option '%s'\nTry '%s%s%s --help'.\n", cmds[i].prog, bad[k],
                cmds[i].prog, cmds[i].words[0] ? " " : "",
                cmds[i].words[0] ? cmds[i].words[0] : "");
            cr_assert_str_eq(r.err, want, "%s", what);
            cr_assert_str_empty(r.out, "%s: something on stdout: %s", what, r.out);
            vzr_res_release(&r);
        }
    const char *progs[] = { "vzpkg", "vzctl" };
    for (size_t i = 0; i < 2; i++) {
        struct vzr_res r = run_checked(progs[i], (const char *[]){ "--no-such-option", NULL });
        cr_assert_eq(r.code, usage_code(progs[i]));
        cr_assert_not_null(strstr(r.err, "Usage:"));
        vzr_res_release(&r);
        r = run_checked(progs[i], (const char *[]){ "no-such-command", NULL });
        cr_assert_eq(r.code, usage_code(progs[i]));
        cr_assert_not_null(strstr(r.err, "unknown command 'no-such-command'"), "%s", r.err);
        vzr_res_release(&r);
        r = run_checked(progs[i], (const char *[]){ NULL });
        cr_assert_eq(r.code, usage_code(progs[i]));
        cr_assert_not_null(strstr(r.err, "Usage:"));
        vzr_res_release(&r);
    }
}

/* --json: the commands that take it say so in --help; the others refuse it
 * as any unknown option; a failure prints its message on stderr and on
 * stdout nothing, or (verify, remove-cache, vzlist with a missing CTID:
 * every item is reported) one whole JSON document; a success prints the
 * JSON alone. */
Test(cli_contract, json_where_a_script_reads_the_output)
{
    for (size_t i = 0; i < VZ_ARRAY_SIZE(cmds); i++) {
        const struct cmd *c = &cmds[i];
        const char **a = args_of(c, (const char *[]){ "--help", NULL });
        struct vzr_res r = run_checked(c->prog, a);
        cleanup_free char *what = describe(c->prog, a);
        cr_assert_eq(r.code, 0, "%s: exit %d", what, r.code);
        cr_expect_eq(strstr(r.out, "--json") != NULL, c->json, "%s: --json %s in the usage:\n%s",
                     what, c->json ? "missing" : "found", r.out);
        vzr_res_release(&r);
        if (c->json)
            continue;
        a = args_of(c, (const char *[]){ "--json", NULL });
        r = run_checked(c->prog, a);
        cleanup_free char *what2 = describe(c->prog, a);
        cleanup_free char *want = vz_xasprintf("%s: error: unknown option '--json'\nTry '%s %s --help'.\n",
                                               c->prog, c->prog, c->words[0]);
        cr_expect_eq(r.code, usage_code(c->prog), "%s: exit %d", what2, r.code);
        cr_expect_str_eq(r.err, want, "%s", what2);
        cr_expect_str_empty(r.out, "%s", what2);
        vzr_res_release(&r);
    }

    const struct {
        const char *prog;
        const char *args[8];
        bool whole; /* stdout: one whole JSON document (else nothing) */
    } fails[] = {
        { "vzpkg", { "list", "--json", "--available", "--cached" }, false },
        { "vzpkg", { "info", "--json", "no-such-template-1-x86_64" }, false },
        { "vzpkg", { "create-cache", "--json", "no-such-template-1-x86_64" }, false },
        { "vzpkg", { "create-cache", "--json", "--dry-run", "no-such-template-1-x86_64" }, false },
        { "vzpkg", { "update-cache", "--json", "no-such-template-1-x86_64" }, false },
        { "vzpkg", { "status", "--json", "no-such-template-1-x86_64" }, false },
        { "vzpkg", { "fetch", "--json", "no-such-template-1-x86_64" }, false },
        { "vzpkg", { "remove-cache", "--json", "no-such-template-1-x86_64" }, true },
        { "vzpkg", { "verify", "--json", "no-such-template-1-x86_64" }, true },
        { "vzpkg", { "clean", "--json", "--timeout", "soon" }, false },
        { "vzpkg", { "keygen", "--json" }, false }, /* the key exists */
        { "vzpkg", { "trust", "add", "/nonexistent-vzt.pub", "--json" }, false },
        { "vzpkg", { "trust", "remove", "0123456789abcdef", "--json" }, false },
        { "vzpkg", { "import", "/nonexistent-vzt.tar", "--name", "imp-1-x86_64", "--json" }, false },
        { "vzpkg", { "publish", "--json", pub_path, "no-such-template-1-x86_64" }, false },
        { "vzpkg", { "download", "--json", "no-such-template-1-x86_64" }, false },
        { "vzctl", { "create", ct2, "--ostemplate", "no-such-template-1-x86_64", "--json" }, false },
        { "vzctl", { "status", "../x", "--json" }, false },
        { "vzlist", { "-j", "424242" }, true },
    };
    for (size_t i = 0; i < VZ_ARRAY_SIZE(fails); i++) {
        struct vzr_res r = run_checked(fails[i].prog, fails[i].args);
        cleanup_free char *what = describe(fails[i].prog, fails[i].args);
        cr_expect_neq(r.code, 0, "%s: exit 0\n%s", what, r.out);
        cr_expect(r.err[0], "%s: no message on stderr", what);
        if (fails[i].whole) {
            json_t *j = json_loads(r.out, 0, NULL);
            cr_expect_not_null(j, "%s: stdout is not one JSON document: '%s'", what, r.out);
            json_decref(j);
        } else {
            cr_expect_str_empty(r.out, "%s: stdout: %s", what, r.out);
        }
        vzr_res_release(&r);
    }

    const struct {
        const char *prog;
        const char *args[6];
    } oks[] = {
        { "vzpkg", { "list", "--json" } },
        { "vzpkg", { "list", "--cached", "--json" } },
        { "vzpkg", { "verify", "--json" } },
        { "vzpkg", { "trust", "list", "--json" } },
        { "vzctl", { "status", CT, "--json" } },
        { "vzctl", { "status", "--json", "424242" } },
        { "vzlist", { "-a", "-j" } },
        { "vzlist", { "-L", "-j" } },
    };
    for (size_t i = 0; i < VZ_ARRAY_SIZE(oks); i++) {
        struct vzr_res r = run_checked(oks[i].prog, oks[i].args);
        cleanup_free char *what = describe(oks[i].prog, oks[i].args);
        cr_expect_eq(r.code, 0, "%s: exit %d\n%s", what, r.code, r.err);
        json_error_t je;
        json_t *j = json_loads(r.out, 0, &je);
        cr_expect_not_null(j, "%s: not JSON (%s): '%s'", what, je.text, r.out);
        json_decref(j);
        vzr_res_release(&r);
    }
}

/* getopt's other complaints, said the same way: an option missing its
 * value, a value for an option that takes none, an ambiguous prefix. */
Test(cli_contract, getopt_errors_name_the_option)
{
    const struct {
        const char *prog;
        const char *args[6];
        const char *err;
    } cases[] = {
        { "vzpkg", { "publish", "--keep" },
          "vzpkg: error: option '--keep' needs a value\nTry 'vzpkg publish --help'.\n" },
        { "vzpkg", { "create-cache", TMPL, "-j" },
          "vzpkg: error: option '-j' needs a value\nTry 'vzpkg create-cache --help'.\n" },
        { "vzpkg", { "update-cache", TMPL, "--mirror" },
          "vzpkg: error: option '--mirror' needs a value\nTry 'vzpkg update-cache --help'.\n" },
        { "vzpkg", { "publish", "--json=yes", "/nonexistent-vzt" },
          "vzpkg: error: option '--json' takes no value\nTry 'vzpkg publish --help'.\n" },
        { "vzpkg", { "download", "--in", "x" },
          "vzpkg: error: ambiguous option '--in': could be --index, --insecure\n"
          "Try 'vzpkg download --help'.\n" },
        { "vzpkg", { "fetch", "--dry-run", TMPL },
          "vzpkg: error: unknown option '--dry-run'\nTry 'vzpkg fetch --help'.\n" },
        { "vzpkg", { "status", TMPL, "--jobs", "3" },
          "vzpkg: error: status does not take --jobs\nTry 'vzpkg status --help'.\n" },
        { "vzpkg", { "trust", "add", "--bogus" },
          "vzpkg: error: unknown option '--bogus'\nTry 'vzpkg trust --help'.\n" },
        { "vzctl", { "set", CT, "--ram" },
          "vzctl: error: option '--ram' needs a value\nTry 'vzctl set --help'.\n" },
        { "vzctl", { "start", "--fast", CT },
          "vzctl: error: unknown option '--fast'\nTry 'vzctl start --help'.\n" },
        { "vzctl", { "create", CT, "--ost" },
          "vzctl: error: option '--ost' (--ostemplate) needs a value\nTry 'vzctl create --help'.\n" },
        { "vzlist", { "--al=1" }, "vzlist: error: option '--al' (--all) takes no value\nTry 'vzlist --help'.\n" },
        { "vzlist", { "-o" }, "vzlist: error: option '-o' needs a value\nTry 'vzlist --help'.\n" },
        { "vzlist", { "--sort" },
          "vzlist: error: option '--sort' needs a value\nTry 'vzlist --help'.\n" },
        { "vzlist", { "--all", "-Za" },
          "vzlist: error: unknown option '-Z'\nTry 'vzlist --help'.\n" },
    };
    for (size_t i = 0; i < VZ_ARRAY_SIZE(cases); i++) {
        struct vzr_res r = run_checked(cases[i].prog, cases[i].args);
        cleanup_free char *what = describe(cases[i].prog, cases[i].args);
        cr_expect_eq(r.code, usage_code(cases[i].prog), "%s: exit %d\n%s", what, r.code, r.err);
        cr_expect_str_eq(r.err, cases[i].err, "%s", what);
        cr_expect_str_empty(r.out, "%s: stdout: %s", what, r.out);
        vzr_res_release(&r);
    }
}

Test(cli_contract, missing_arguments_are_usage_errors)
{
    for (size_t i = 0; i < VZ_ARRAY_SIZE(cmds); i++) {
        const struct cmd *c = &cmds[i];
        if (!c->needs)
            continue;
        const char **a = args_of(c, NULL);
        struct vzr_res r = run_checked(c->prog, a);
        cleanup_free char *what = describe(c->prog, a);
        cr_assert_eq(r.code, usage_code(c->prog), "%s: exit %d\n%s", what, r.code, r.err);
        cr_assert_str_empty(r.out, "%s: stdout: %s", what, r.out);
        vzr_res_release(&r);
    }
    /* the second required piece */
    const char *const more[][6] = {
        { "exec", CT, NULL },
        { "exec2", CT, NULL },
    };
    for (size_t i = 0; i < VZ_ARRAY_SIZE(more); i++) {
        struct vzr_res r = run_checked("vzctl", more[i]);
        cr_assert_eq(r.code, 20, "vzctl %s %s: exit %d\n%s", more[i][0], more[i][1], r.code, r.err);
        vzr_res_release(&r);
    }
    struct vzr_res r = run_checked("vzpkg", (const char *[]){ "import", "/dev/null", NULL });
    cr_assert_eq(r.code, 2, "vzpkg import FILE without --name: exit %d\n%s", r.code, r.err);
    cr_assert_not_null(strstr(r.err, "--name"), "%s", r.err);
    vzr_res_release(&r);
    r = run_checked("vzctl", (const char *[]){ "create", ct2, NULL });
    cr_assert_eq(r.code, 29, "vzctl create without --ostemplate: exit %d\n%s", r.code, r.err);
    vzr_res_release(&r);
}

/* Values no command should choke on. */
static const char *junk[16];
static size_t njunk;

static void make_junk(void)
{
    njunk = 0;
    junk[njunk++] = "";
    junk[njunk++] = vzr_long_string(100 * 1024, 'a');
    junk[njunk++] = "\xff\xfe\x80 bad \xc3\x28";
    junk[njunk++] = "../../etc";
    junk[njunk++] = "../../../../../../../tmp/vzt-escape";
    junk[njunk++] = "/etc/passwd";
    junk[njunk++] = "a/b";
    junk[njunk++] = "-1";
    junk[njunk++] = "99999999999999999999999";
    junk[njunk++] = "no-such-template-1-x86_64";
    junk[njunk++] = "424242";
    junk[njunk++] = "%s%s%s%n";
    junk[njunk++] = "name\nwith newline";
}

static const struct cmd *find_cmd(const char *prog, const char *w0, const char *w1)
{
    for (size_t i = 0; i < VZ_ARRAY_SIZE(cmds); i++)
        if (!strcmp(cmds[i].prog, prog) &&
            ((!w0 && !cmds[i].words[0]) ||
             (w0 && cmds[i].words[0] && !strcmp(cmds[i].words[0], w0))) &&
            ((!w1 && !cmds[i].words[1]) ||
             (w1 && cmds[i].words[1] && !strcmp(cmds[i].words[1], w1))))
            return &cmds[i];
    cr_assert_fail("no command %s %s", prog, w0);
    return NULL;
}

/* Relative junk ('../../etc', 'a/b') is resolved against the cwd: run from
 * a scratch dir deep enough under the temp root that it stays inside. */
static void enter_scratch_cwd(void)
{
    cleanup_free char *cwd = vz_path_join(root, "cwd/a/b/c/d/e/f/g/h");
    vz_error_t err = NULL;
    cr_assert_eq(vz_mkdir_p(cwd, 0755, &err), 0);
    cr_assert_eq(chdir(cwd), 0);
}

Test(cli_contract, junk_positional_arguments)
{
    make_junk();
    enter_scratch_cwd();
    for (size_t i = 0; i < VZ_ARRAY_SIZE(cmds); i++) {
        const struct cmd *c = &cmds[i];
        for (size_t j = 0; j < njunk; j++) {
            const char *v = junk[j];
            const char *extra[8] = { v, NULL };
            if (c->needs == 'X') {
                extra[1] = "true";
            } else if (c->needs == 'F') {
                extra[1] = "--name";
                extra[2] = "imp-1-x86_64";
            } else if (c->needs == 'D') {
                /* without a NAME every cache is published: a valid DIR
                 * would rightly be accepted */
                extra[1] = "no-such-template-1-x86_64";
            }
            const char **a = args_of(c, extra);
            struct vzr_res r = run_checked(c->prog, a);
            cleanup_free char *what = describe(c->prog, a);
            /* Accepting junk is fine only where it is a filter or a status. */
            bool may_succeed = (!strcmp(c->prog, "vzlist") && !strcmp(v, "-1")) || (!strcmp(c->prog, "vzctl") && !strcmp(c->words[0], "status")) ||
                               (!strcmp(c->prog, "vzpkg") && !strcmp(c->words[0], "trust") &&
                                !c->words[1]);
            if (!may_succeed)
                cr_assert_neq(r.code, 0, "%s: accepted junk (exit 0)\n%s", what, r.out);
            vzr_res_release(&r);
        }
    }
    cr_assert_eq(chdir("/"), 0);
    free((char *)junk[1]);
}

/* A refused publish writes nothing: not DIR, not a lock file in it. */
Test(cli_contract, junk_publish_dir)
{
    make_junk();
    enter_scratch_cwd();
    const char *vals[] = { "", junk[1], junk[2], "424242", "%s%s%s%n", "a/b", "../../x" };
    for (size_t j = 0; j < VZ_ARRAY_SIZE(vals); j++) {
        const char *a[] = { "publish", vals[j], "no-such-template-1-x86_64", NULL };
        struct vzr_state before;
        vzr_state_take(&before, root);
        struct vzr_res r;
        vzr_run(&r, "vzpkg", a);
        cleanup_free char *what = describe("vzpkg", a);
        vzr_assert_sane(&r, what);
        cr_assert_neq(r.code, 0, "%s: exit 0", what);
        vzr_assert_unchanged(&before, root, allowed, what);
        vzr_state_release(&before);
        vzr_res_release(&r);
    }
    cr_assert_eq(chdir("/"), 0);
    free((char *)junk[1]);
}

/* Junk that no string option (name, address, path, URL) may take. */
static bool is_bad_string(const char *v)
{
    return !*v || strlen(v) > 4096 || strchr(v, '\n');
}

/* Numeric and enumerated options with values that cannot be right. Hundreds
 * of commands: minutes in a TCG guest (make check-vm), where 600 s was not
 * enough. */
Test(cli_contract, junk_option_values, .timeout = 2400)
{
    make_junk();
    /* the first NSTRICT must be refused as such (exit 2 or 21) by numeric
     * and enumerated options; the rest are at most odd spellings */
    static const char *nums[] = { "-1", "abc", "", "99999999999999999999999", "5x",
                                  "18446744073709551616", "1e3", " 5", "0x10", "-0" };
    enum { NSTRICT = 6 };
    static const struct {
        const char *prog, *w0, *w1;
        const char *pre[4]; /* positional args before the option */
        const char *opt;
        char kind; /* 'n' numeric or enumerated: bad values exit 2 or 21; 's' string */
    } opts[] = {
        { "vzpkg", "create-cache", NULL, { "no-such-template-1-x86_64" }, "--jobs", 'n' },
        { "vzpkg", "fetch", NULL, { "no-such-template-1-x86_64" }, "--jobs", 'n' },
        { "vzpkg", "update-cache", NULL, { "no-such-template-1-x86_64" }, "--jobs", 'n' },
        { "vzpkg", "update-cache", NULL, { "no-such-template-1-x86_64" }, "--timeout", 'n' },
        { "vzpkg", "create-cache", NULL, { "no-such-template-1-x86_64" }, "--timeout", 'n' },
        { "vzpkg", "remove-cache", NULL, { "no-such-template-1-x86_64" }, "--timeout", 'n' },
        { "vzpkg", "clean", NULL, { NULL }, "--timeout", 'n' },
        { "vzpkg", "import", NULL, { "@tar", "--name", "imp-1-x86_64" }, "--timeout", 'n' },
        { "vzpkg", "publish", NULL, { "@pub", TMPL }, "--keep", 'n' },
        { "vzpkg", "download", NULL, { "no-such-template-1-x86_64" }, "--timeout", 'n' },
        { "vzctl", "start-all", NULL, { NULL }, "--jobs", 'n' },
        { "vzctl", "stop-all", NULL, { NULL }, "--timeout", 'n' },
        { "vzctl", "set", NULL, { CT, "--save" }, "--bootorder", 'n' },
        { "vzctl", "set", NULL, { CT, "--save" }, "--disabled", 'n' },
        { "vzctl", "set", NULL, { CT, "--save" }, "--ram", 'n' },
        { "vzctl", "set", NULL, { CT, "--save" }, "--swap", 'n' },
        { "vzctl", "set", NULL, { CT, "--save" }, "--cpus", 'n' },
        { "vzctl", "set", NULL, { CT, "--save" }, "--cpulimit", 'n' },
        { "vzctl", "set", NULL, { CT, "--save" }, "--cpuunits", 'n' },
        { "vzctl", "set", NULL, { CT, "--save" }, "--numproc", 'n' },
        { "vzctl", "set", NULL, { CT, "--save" }, "--onboot", 'n' },
        { "vzctl", "set", NULL, { CT, "--save" }, "--devnodes", 'n' },
        { "vzctl", "set", NULL, { CT, "--save" }, "--hostname", 's' },
        { "vzctl", "set", NULL, { CT, "--save" }, "--ipadd", 's' },
        { "vzctl", "set", NULL, { CT, "--save" }, "--ipdel", 's' },
        { "vzctl", "set", NULL, { CT, "--save" }, "--nameserver", 's' },
        { "vzctl", "set", NULL, { CT, "--save" }, "--searchdomain", 's' },
        { "vzctl", "set", NULL, { CT }, "--userpasswd", 's' },
        { "vzctl", "create", NULL, { ct2, "--ostemplate", TMPL }, "--layout", 'n' },
        { "vzctl", "create", NULL, { ct2, "--ostemplate", TMPL }, "--config", 's' },
        { "vzctl", "create", NULL, { ct2, "--ostemplate", TMPL }, "--hostname", 's' },
        { "vzctl", "create", NULL, { ct2, "--ostemplate", TMPL }, "--ipadd", 's' },
        { "vzctl", "create", NULL, { ct2 }, "--ostemplate", 's' },
        { "vzctl", "create", NULL, { ct2, "--ostemplate", TMPL }, "--private", 's' },
        { "vzctl", "create", NULL, { ct2, "--ostemplate", TMPL }, "--root", 's' },
        { "vzpkg", "info", NULL, { "no-such-template-1-x86_64" }, "--mirror", 's' },
        { "vzpkg", "create-cache", NULL, { "no-such-template-1-x86_64" }, "--compress", 'n' },
        { "vzpkg", "create-cache", NULL, { "no-such-template-1-x86_64" }, "--debug-solver", 's' },
        { "vzpkg", "download", NULL, { "no-such-template-1-x86_64" }, "--index", 's' },
        { "vzpkg", "import", NULL, { "@tar", "--name", "imp-1-x86_64" }, "--compress", 'n' },
        { "vzpkg", "import", NULL, { "@tar" }, "--name", 's' },
        { "vzlist", NULL, NULL, { "-a" }, "-o", 's' },
        { "vzlist", NULL, NULL, { "-a" }, "-s", 's' },
    };
    for (size_t i = 0; i < VZ_ARRAY_SIZE(opts); i++) {
        const struct cmd *c = find_cmd(opts[i].prog, opts[i].w0, opts[i].w1);
        size_t nv = VZ_ARRAY_SIZE(nums) + njunk;
        for (size_t j = 0; j < nv; j++) {
            const char *v = j < VZ_ARRAY_SIZE(nums) ? nums[j] : junk[j - VZ_ARRAY_SIZE(nums)];
            /* a path under the temp root is the one value --private/--root
             * may take; '/etc/passwd' and '../../etc' must be refused */
            const char *extra[10];
            size_t n = 0;
            for (size_t k = 0; k < 4 && opts[i].pre[k]; k++)
                extra[n++] = !strcmp(opts[i].pre[k], "@tar")   ? tar_path
                             : !strcmp(opts[i].pre[k], "@pub") ? pub_path
                                                               : opts[i].pre[k];
            extra[n++] = opts[i].opt;
            extra[n++] = v;
            extra[n] = NULL;
            const char **a = args_of(c, extra);
            if ((!strcmp(opts[i].opt, "--layout") || !strcmp(opts[i].opt, "--config")) && !*v)
                continue; /* empty = the vz.conf default, by design */
            struct vzr_res r = run_checked(c->prog, a);
            cleanup_free char *what = describe(c->prog, a);
            if (!strcmp(c->prog, "vzlist") && j >= VZ_ARRAY_SIZE(nums))
                cr_expect_eq(r.code, 21, "%s: exit %d, not 21\n%s%s", what, r.code, r.out,
                             r.err); /* no junk is a field name */
            else if (opts[i].kind == 'n' && j < NSTRICT)
                cr_expect(r.code == usage_code(c->prog) || r.code == 21, "%s: exit %d, not a usage error or 21\n%s%s", what,
                          r.code, r.out, r.err);
            else if (j >= VZ_ARRAY_SIZE(nums) && is_bad_string(v))
                cr_expect_neq(r.code, 0, "%s: accepted (exit 0)\n%s%s", what, r.out, r.err);
            vzr_res_release(&r);
        }
    }
    free((char *)junk[1]);
}

/* A --mirror value that is not an http(s) or file URL: 21 and the same
 * message from every command that takes --mirror, before any work. */
Test(cli_contract, bad_mirror_in_every_command)
{
    static const char *const with_mirror[][2] = {
        { "info", TMPL },        { "create-cache", TMPL }, { "fetch", TMPL },
        { "status", TMPL },      { "update-cache", TMPL },
    };
    static const struct {
        const char *val, *why;
    } bad[] = {
        { "127.0.0.1/debian", "not a URL" },
        { "ftp://127.0.0.1/debian", "only http, https and file URLs" },
        { "http://", "no host" },
        { "http://127.0.0.1/deb ian", "whitespace" },
        { "http://127.0.0.1/\ndebian", "whitespace" },
        { "http://127.0.0.1/\x7f", "control character" },
        { "", "empty value" },
        { "DEBIAN=http://127.0.0.1/d", "lower case" },
    };
    for (size_t i = 0; i < VZ_ARRAY_SIZE(with_mirror); i++)
        for (size_t k = 0; k < VZ_ARRAY_SIZE(bad); k++) {
            const char *a[] = { with_mirror[i][0], with_mirror[i][1], "--mirror", bad[k].val,
                                NULL };
            struct vzr_res r = run_checked("vzpkg", a);
            cleanup_free char *what = describe("vzpkg", a);
            cr_expect_eq(r.code, 21, "%s: exit %d\n%s", what, r.code, r.err);
            cr_expect(!strncmp(r.err, "vzpkg: error: --mirror '", 24), "%s: %s", what, r.err);
            cr_expect(strstr(r.err, bad[k].why), "%s: '%s' lacks '%s'", what, r.err, bad[k].why);
            cr_expect(strstr(r.err, "give URL or NAME=URL"), "%s: %s", what, r.err);
            cr_expect_str_empty(r.out, "%s: stdout: %s", what, r.out);
            vzr_res_release(&r);
        }
}

/* Unknown templates and CTIDs get their documented codes and the name. */
Test(cli_contract, unknown_names)
{
    const struct {
        const char *prog;
        const char *args[6];
        int code;
    } cases[] = {
        { "vzpkg", { "info", "no-such-1-x86_64" }, 91 },
        { "vzpkg", { "create-cache", "no-such-1-x86_64" }, 91 },
        { "vzpkg", { "fetch", "no-such-1-x86_64" }, 91 },
        { "vzpkg", { "status", "no-such-1-x86_64" }, 91 },
        { "vzpkg", { "update-cache", "no-such-1-x86_64" }, 91 },
        { "vzpkg", { "verify", "no-such-1-x86_64" }, 91 },
        { "vzpkg", { "remove-cache", "no-such-1-x86_64" }, 91 },
        { "vzctl", { "create", ct2, "--ostemplate", "no-such-1-x86_64" }, 91 },
        { "vzctl", { "start", "424242" }, 14 },
        { "vzctl", { "stop", "424242" }, 14 },
        { "vzctl", { "destroy", "424242" }, 14 },
        { "vzctl", { "set", "424242", "--hostname", "x", "--save" }, 14 },
        { "vzctl", { "exec", "424242", "true" }, 14 },
        { "vzctl", { "mount", "424242" }, 14 },
        { "vzctl", { "umount", "424242" }, 14 },
        { "vzctl", { "enter", "424242" }, 14 },
        { "vzctl", { "suspend", "424242" }, 14 },
        { "vzctl", { "resume", "424242" }, 14 },
        { "vzctl", { "restart", "424242" }, 14 },
        { "vzctl", { "destroy", "../../etc" }, 21 },
        { "vzctl", { "create", "../../etc", "--ostemplate", TMPL }, 21 },
        { "vzctl", { "start", "../../etc" }, 21 },
        { "vzctl", { "set", "../../etc", "--hostname", "x", "--save" }, 21 },
        { "vzctl", { "create", "/etc", "--ostemplate", TMPL }, 21 },
        { "vzctl", { "create", "a/b", "--ostemplate", TMPL }, 21 },
        { "vzctl", { "create", ct2, "--ostemplate", "../../etc/passwd" }, 21 },
        { "vzlist", { "424242" }, 14 },
    };
    for (size_t i = 0; i < VZ_ARRAY_SIZE(cases); i++) {
        struct vzr_res r = run_checked(cases[i].prog, cases[i].args);
        cleanup_free char *what = describe(cases[i].prog, cases[i].args);
        cr_expect_eq(r.code, cases[i].code, "%s: exit %d, documented %d\n%s", what, r.code,
                     cases[i].code, r.err);
        vzr_res_release(&r);
    }
}

/* Issue 14: a mistyped command or option says what was meant, in one line;
 * an abbreviation is refused rather than taken for another option. */
Test(cli_contract, typos_get_did_you_mean)
{
    static const struct {
        const char *prog;
        const char *args[4];
        const char *want;
    } cases[] = {
        { "vzctl", { "strat", "101" }, "unknown command 'strat' (did you mean 'start'?)" },
        { "vzpkg", { "lsit" }, "unknown command 'lsit' (did you mean 'list'?)" },
        { "vzctl", { "set", "101", "--hostnme", "x" }, "unknown option '--hostnme' (did you mean '--hostname'?)" },
        { "vzctl", { "set", "101", "--namese", "10.0.0.53" }, "options are not abbreviated; did you mean --nameserver?" },
        { "vzlist", { "--al" }, "options are not abbreviated; did you mean --all?" },
    };
    for (size_t i = 0; i < VZ_ARRAY_SIZE(cases); i++) {
        struct vzr_res r = run_checked(cases[i].prog, cases[i].args);
        cr_assert_eq(r.code, usage_code(cases[i].prog), "%s %s: exit %d", cases[i].prog, cases[i].args[0], r.code);
        cr_assert_not_null(strstr(r.err, cases[i].want), "%s %s: %s", cases[i].prog, cases[i].args[0], r.err);
        vzr_res_release(&r);
    }
}

/* Virtuozzo's spellings: "vzpkg remove cache NAME" is remove-cache, and
 * "vzpkg list -c" is --cached. */
Test(cli_contract, vzpkg_two_word_forms)
{
    struct vzr_res a = run_checked("vzpkg", (const char *[]){ "remove", "cache", "no-such-1-x86_64", NULL });
    struct vzr_res b = run_checked("vzpkg", (const char *[]){ "remove-cache", "no-such-1-x86_64", NULL });
    cr_assert_eq(a.code, 91, "%s", a.err);
    cr_assert_str_eq(a.err, b.err);
    vzr_res_release(&a);
    vzr_res_release(&b);
    struct vzr_res c = run_checked("vzpkg", (const char *[]){ "create", "cache", "--help", NULL });
    cr_assert_eq(c.code, 0, "%s", c.err);
    cr_assert_not_null(strstr(c.out, "Usage: vzpkg create-cache"), "%s", c.out);
    vzr_res_release(&c);
    struct vzr_res d = run_checked("vzpkg", (const char *[]){ "list", "-c", NULL });
    struct vzr_res e = run_checked("vzpkg", (const char *[]){ "list", "--cached", NULL });
    cr_assert_eq(d.code, 0, "%s", d.err);
    cr_assert_str_eq(d.out, e.out);
    vzr_res_release(&d);
    vzr_res_release(&e);
}
