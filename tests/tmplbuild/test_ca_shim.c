/* tmplbuild/deb/helper_shim: the build-time update-ca-certificates shim ends
 * a run only when it would change nothing (no arguments, the state the last
 * real run of the build left, no hook), and runs the real program for every
 * other call. The claim it rests on (a plain run on the state a run left
 * changes nothing) is checked against the host's real program. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/common.h"
#include "tests/tmplbuild/install_fixture.h"
#include "tmplbuild/deb/dpkgdb.h"
#include "tmplbuild/deb/helper_shim.h"

static char tmp[64];
static char *root, *shim, *rec, *log_path;

static void put(const char *rel, const char *text, mode_t mode)
{
    cleanup_free char *p = vz_path_join(root, rel);
    cleanup_free char *dir = vz_xstrdup(p);
    *strrchr(dir, '/') = '\0';
    vz_error_t err = NULL;
    cr_assert_eq(vz_mkdir_p(dir, 0755, &err), 0);
    cr_assert_eq(vz_write_plain(p, text, strlen(text), mode, &err), 0, "%s", p);
}

/* The shim in front of `real`: a recorder, or a wrapper of the host's
 * program that points it at the test's root. */
static void write_shim_sum(const char *real, const char *sum)
{
    cleanup_free char *text = vz_helper_shim_ca(real, root, sum);
    vz_error_t err = NULL;
    cr_assert_eq(vz_write_plain(shim, text, strlen(text), 0755, &err), 0);
}

static void write_shim(const char *real)
{
    write_shim_sum(real, VZ_CA_CHECKED_SHA256);
}

static void setup(void)
{
    snprintf(tmp, sizeof(tmp), "/tmp/vzt-cashim-XXXXXX");
    cr_assert_not_null(mkdtemp(tmp));
    root = vz_path_join(tmp, "root");
    rec = vz_path_join(tmp, "real");
    log_path = vz_path_join(tmp, "calls");
    shim = vz_path_join(tmp, "update-ca-certificates");
    put(VZ_HELPER_SHIM_DIR "/.keep", "", 0644);
    put("etc/ca-certificates.conf", "# comment\nmozilla/a.crt\n!mozilla/b.crt\n", 0644);
    put("usr/share/ca-certificates/mozilla/a.crt", "A\n", 0644);
    put("usr/share/ca-certificates/mozilla/b.crt", "B\n", 0644);
    put("etc/ssl/certs/ca-certificates.crt", "A\n", 0644);
    /* the "real" program: appends its arguments, one line per call */
    cleanup_free char *r = vz_xasprintf("#!/bin/sh\necho \"$*\" >>'%s'\n", log_path);
    vz_error_t err = NULL;
    cr_assert_eq(vz_write_plain(rec, r, strlen(r), 0755, &err), 0);
    write_shim(rec);
}

static void teardown(void)
{
    vz_error_t err = NULL;
    vz_rm_rf(tmp, &err);
    vz_error_release(&err);
    free(root);
    free(shim);
    free(rec);
    free(log_path);
}

TestSuite(ca_shim, .init = setup, .fini = teardown, .timeout = 120);

/* Run the shim with argv (and one extra environment entry); its exit status.
 * *reached: whether the recorder ran. */
static int run(const char *extra_env, const char *const *argv, bool *reached)
{
    unlink(log_path);
    char *args[16];
    size_t n = 0;
    args[n++] = "/bin/sh";
    args[n++] = shim;
    for (const char *const *a = argv; *a && n < 15; a++)
        args[n++] = (char *)*a;
    args[n] = NULL;
    char *env[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "DPKG_ROOT=", (char *)extra_env, NULL };
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        freopen("/dev/null", "w", stdout);
        execve(args[0], args, env);
        _exit(127);
    }
    int ws = 0;
    cr_assert_eq(waitpid(pid, &ws, 0), pid);
    cr_assert(WIFEXITED(ws), "shim status %d", ws);
    if (reached)
        *reached = access(log_path, F_OK) == 0;
    return WEXITSTATUS(ws);
}

#define ARGS(...) ((const char *const[]){ __VA_ARGS__, NULL })
#define NOARGS ((const char *const[]){ NULL })

static bool reaches(const char *const *argv)
{
    bool r = false;
    cr_assert_eq(run(NULL, argv, &r), 0);
    return r;
}

Test(ca_shim, the_trigger_run_on_an_unchanged_state_ends_in_the_shim)
{
    cr_assert(reaches(ARGS("--hooksdir", "")), "the postinst's run is real");
    cr_assert_not(reaches(NOARGS), "the trigger's run on the same state");
    cr_assert_not(reaches(NOARGS), "and again");
    /* an empty hooks directory runs no hook either */
    put("etc/ca-certificates/update.d/.keep", "", 0644);
    cr_assert_not(reaches(NOARGS));
}

Test(ca_shim, any_change_it_would_read_runs_the_real_program)
{
    static const struct {
        const char *rel, *text;
        mode_t mode;
    } changes[] = {
        { "etc/ca-certificates.conf", "mozilla/a.crt\nmozilla/b.crt\n", 0644 },
        { "usr/share/ca-certificates/mozilla/a.crt", "A2\n", 0644 },
        { "usr/share/ca-certificates/mozilla/c.crt", "C\n", 0644 },
        { "usr/local/share/ca-certificates/local.crt", "L\n", 0644 },
        { "etc/ssl/certs/ca-certificates.crt", "A\nB\n", 0644 },
        { "etc/ssl/certs/ssl-cert-snakeoil.pem", "S\n", 0644 },
        /* a hook must run, with its (empty) lists */
        { "etc/ca-certificates/update.d/jks", "#!/bin/sh\n", 0755 },
    };
    for (size_t i = 0; i < VZ_ARRAY_SIZE(changes); i++) {
        cr_assert(reaches(ARGS("--hooksdir", "")));
        put(changes[i].rel, changes[i].text, changes[i].mode);
        cr_assert(reaches(NOARGS), "after a change of %s", changes[i].rel);
        if (strstr(changes[i].rel, "update.d")) {
            cleanup_free char *p = vz_path_join(root, changes[i].rel);
            unlink(p);
        }
    }
    /* a link of /etc/ssl/certs that changed its target */
    cr_assert(reaches(ARGS("--hooksdir", "")));
    cleanup_free char *l = vz_path_join(root, "etc/ssl/certs/a.pem");
    cr_assert_eq(symlink("/usr/share/ca-certificates/mozilla/a.crt", l), 0);
    cr_assert(reaches(NOARGS));
}

Test(ca_shim, calls_other_than_the_plain_one_run_the_real_program)
{
    cr_assert(reaches(ARGS("--hooksdir", "")));
    cr_assert(reaches(ARGS("--fresh")), "arguments: the real program");
    cr_assert_not(reaches(NOARGS), "--fresh leaves a state a plain run keeps");
    cr_assert(reaches(ARGS("--default")));
    cr_assert(reaches(NOARGS), "--default adds every certificate: a plain run differs");
    cr_assert(reaches(ARGS("--certsconf", "/x")));
    cr_assert(reaches(NOARGS));
    cr_assert_not(reaches(NOARGS), "the plain run recorded the state");
    bool r = false;
    cr_assert_eq(run("DPKG_ROOT=/x", NOARGS, &r), 0);
    cr_assert(r, "DPKG_ROOT set");
    /* no record (a first run of the build): real */
    cleanup_free char *st = vz_path_join(root, VZ_HELPER_SHIM_DIR "/update-ca-certificates.state");
    unlink(st);
    cr_assert(reaches(NOARGS));
}

Test(ca_shim, a_failed_run_fails_and_leaves_no_record)
{
    cr_assert(reaches(ARGS("--hooksdir", "")));
    cleanup_free char *r = vz_xasprintf("#!/bin/sh\necho \"$*\" >>'%s'\nexit 3\n", log_path);
    vz_error_t err = NULL;
    cr_assert_eq(vz_write_plain(rec, r, strlen(r), 0755, &err), 0);
    bool reached = false;
    cr_assert_eq(run(NULL, ARGS("--fresh"), &reached), 3);
    cr_assert(reached);
    cr_assert_eq(run(NULL, NOARGS, &reached), 3, "no record: the plain run is real too");
    cr_assert(reached);
}

/* The claim itself, with the host's own program pointed at the test's root:
 * a plain run on the state a run left changes no byte, no link, no name. */
static char *snapshot(void)
{
    return install_tree_listing(root);
}

Test(ca_shim, a_plain_run_after_a_run_changes_nothing_with_the_real_program)
{
    static const char *const certs[] = { "ISRG_Root_X1.crt", "DigiCert_Global_Root_G2.crt",
                                         "GlobalSign_Root_CA.crt" };
    const char *host = "/usr/share/ca-certificates/mozilla";
    if (access("/usr/sbin/update-ca-certificates", X_OK) != 0 || access("/usr/bin/openssl", X_OK) != 0)
        cr_skip_test("no update-ca-certificates or openssl on this host (apt-get install ca-certificates)");
    cleanup_free char *conf = vz_xstrdup("# test\n");
    for (size_t i = 0; i < VZ_ARRAY_SIZE(certs); i++) {
        cleanup_free char *src = vz_path_join(host, certs[i]);
        cleanup_free char *text = install_slurp("/", src + 1);
        if (text == NULL)
            cr_skip_test("%s is not on this host", src);
        cleanup_free char *rel = vz_xasprintf("usr/share/ca-certificates/mozilla/%s", certs[i]);
        put(rel, text, 0644);
        char *c = vz_xasprintf("%s%smozilla/%s\n", conf, i == 2 ? "!" : "", certs[i]);
        free(conf);
        conf = c;
    }
    put("etc/ca-certificates.conf", conf, 0644);
    cleanup_free char *bundle = vz_path_join(root, "etc/ssl/certs/ca-certificates.crt");
    unlink(bundle);
    /* the real program, on this root's directories */
    cleanup_free char *w = vz_xasprintf(
        "#!/bin/sh\necho \"$*\" >>'%s'\nexec /usr/sbin/update-ca-certificates --certsconf '%s/etc/ca-certificates.conf' "
        "--certsdir '%s/usr/share/ca-certificates' --localcertsdir '%s/usr/local/share/ca-certificates' "
        "--etccertsdir '%s/etc/ssl/certs' --hooksdir '%s/etc/ca-certificates/update.d' \"$@\" >/dev/null\n",
        log_path, root, root, root, root, root);
    vz_error_t err = NULL;
    cr_assert_eq(vz_write_plain(rec, w, strlen(w), 0755, &err), 0);
    cr_assert(reaches(ARGS("--hooksdir", "")), "the postinst's run");
    cleanup_free char *before = snapshot();
    cr_assert(strstr(before, "ISRG_Root_X1.pem"), "the real run made no link:\n%s", before);
    /* the run the shim would end, made here by the real program itself */
    cr_assert_eq(system(rec), 0);
    cleanup_free char *after = snapshot();
    cr_assert_str_eq(after, before, "a plain run changed the state");
    cr_assert_not(reaches(NOARGS), "and the shim ends it");
}

/* A real run goes through the native program (native/ca_update.c) only when
 * the program is the version that one was checked against. */
Test(ca_shim, only_the_checked_program_goes_through_the_native_one)
{
    cleanup_free char *t = vz_xasprintf("#!/bin/sh\necho \"native $*\" >>'%s'\n", log_path);
    put(VZ_HELPER_SHIM_DIR "/" VZ_NATIVE_CA_NAME, t, 0755);
    cleanup_free char *cmd = vz_xasprintf("sha256sum <'%s'", rec);
    FILE *f = popen(cmd, "r");
    cr_assert_not_null(f);
    char sum[128] = "";
    cr_assert_not_null(fgets(sum, sizeof(sum), f));
    pclose(f);
    sum[64] = '\0';
    write_shim_sum(rec, sum);
    bool r = false;
    cr_assert_eq(run(NULL, ARGS("--hooksdir", ""), &r), 0);
    cleanup_free char *expect = vz_xasprintf("native %s --hooksdir \n", rec);
    cleanup_free char *got = install_slurp("/", log_path + 1);
    cr_assert_str_eq(got, expect, "the checked program's run");
    cr_assert_eq(run("DPKG_ROOT=/x", ARGS("--hooksdir", ""), &r), 0);
    cleanup_free char *got2 = install_slurp("/", log_path + 1);
    cr_assert_str_eq(got2, "--hooksdir \n", "DPKG_ROOT set: the real program");
    write_shim(rec);
    cr_assert_eq(run(NULL, ARGS("--hooksdir", ""), &r), 0);
    cleanup_free char *got3 = install_slurp("/", log_path + 1);
    cr_assert_str_eq(got3, "--hooksdir \n", "another program than the checked one: the real program");
}
