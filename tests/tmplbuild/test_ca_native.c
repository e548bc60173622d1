/* tmplbuild/deb/native/ca_update.c: the native update-ca-certificates does
 * what the host's real program does (ca-certificates 20230311, the version
 * it stands in for) on the same inputs: same links, same bundle, same
 * modes, same output and exit status; and it hands every call outside the
 * state of a first install to the real program, with the same arguments.
 *
 * Both run on test directories through the program's own options
 * (--certsconf, --certsdir, ...), never on the host's. The native program is
 * the image linked into the library (native_progs.h), written out as a build
 * writes it into a root. */
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

#define REAL "/usr/sbin/update-ca-certificates"

static char tmp[64];
static char *native, *recorder, *calls;

static void put(const char *path, const char *text, mode_t mode)
{
    cleanup_free char *dir = vz_xstrdup(path);
    *strrchr(dir, '/') = '\0';
    vz_error_t err = NULL;
    cr_assert_eq(vz_mkdir_p(dir, 0755, &err), 0);
    cr_assert_eq(vz_write_plain(path, text, strlen(text), mode, &err), 0, "%s", path);
}

static void setup(void)
{
    /* a tmpfs, as a build root is: `openssl rehash` numbers certificates of
     * one subject hash in directory order, which a tmpfs keeps as creation
     * order and ext4 does not (two copies of one tree may differ there) */
    snprintf(tmp, sizeof(tmp), "/dev/shm/vzt-canative-XXXXXX");
    cr_assert_not_null(mkdtemp(tmp));
    cleanup_free char *bin = vz_path_join(tmp, "bin");
    vz_error_t err = NULL;
    cr_assert_eq(vz_mkdir_p(bin, 0755, &err), 0);
    cr_assert_eq(vz_helper_shim_install_native(bin, &err), 0);
    native = vz_path_join(bin, VZ_NATIVE_CA_NAME);
    cr_assert_eq(access(native, X_OK), 0, "the library carries no native program");
    calls = vz_path_join(tmp, "calls");
    recorder = vz_path_join(tmp, "recorder");
    cleanup_free char *r = vz_xasprintf("#!/bin/sh\necho \"$*\" >>'%s'\nexit 97\n", calls);
    put(recorder, r, 0755);
}

static void teardown(void)
{
    vz_error_t err = NULL;
    vz_rm_rf(tmp, &err);
    vz_error_release(&err);
    free(native);
    free(recorder);
    free(calls);
}

TestSuite(ca_native, .init = setup, .fini = teardown, .timeout = 300);

static void need_real(void)
{
    FILE *f = popen("sha256sum <" REAL " 2>/dev/null", "r");
    cr_assert_not_null(f);
    char sum[128] = "";
    if (fgets(sum, sizeof(sum), f) == NULL)
        sum[0] = '\0';
    pclose(f);
    if (strncmp(sum, VZ_CA_CHECKED_SHA256, 64) != 0 || access("/usr/bin/openssl", X_OK) != 0)
        cr_skip_test("this host's " REAL " is not the version the native program stands in for "
                     "(ca-certificates 20230311, Debian 12), or there is no openssl");
}

/* A set of directories as the program reads them: D/conf, D/share (the
 * certificates), D/local, D/etc (the links and the bundle), D/hooks. */
static char *dirs(const char *name)
{
    char *d = vz_path_join(tmp, name);
    vz_error_t err = NULL;
    cleanup_free char *etc = vz_path_join(d, "etc");
    cr_assert_eq(vz_mkdir_p(etc, 0755, &err), 0);
    return d;
}

static void put_in(const char *d, const char *rel, const char *text)
{
    cleanup_free char *p = vz_path_join(d, rel);
    put(p, text, 0644);
}

struct result {
    int status;
    char *out, *err;
};

static char *slurp(const char *path)
{
    char *s = install_slurp("/", path + 1);
    return s ? s : vz_xstrdup("");
}

/* Run prog (the real program, or the native one in front of `real`) on d's
 * directories with the extra arguments, under PATH path. */
static struct result run_on(const char *d, bool use_native, const char *real, const char *path,
                            const char *const *extra)
{
    cleanup_free char *conf = vz_path_join(d, "conf"), *share = vz_path_join(d, "share"),
                      *local = vz_path_join(d, "local"), *etc = vz_path_join(d, "etc"),
                      *hooks = vz_path_join(d, "hooks"), *out = vz_path_join(tmp, "stdout"),
                      *err = vz_path_join(tmp, "stderr");
    const char *argv[32];
    size_t n = 0;
    if (use_native) {
        argv[n++] = native;
        argv[n++] = real;
    } else {
        argv[n++] = real;
    }
    const char *opts[] = { "--certsconf", conf, "--certsdir", share, "--localcertsdir", local,
                           "--etccertsdir", etc, "--hooksdir", hooks };
    for (size_t i = 0; i < VZ_ARRAY_SIZE(opts); i++)
        argv[n++] = opts[i];
    for (const char *const *a = extra; a && *a && n < 31; a++)
        argv[n++] = *a;
    argv[n] = NULL;
    cleanup_free char *penv = vz_xasprintf("PATH=%s", path);
    char *env[] = { penv, "LC_ALL=C.UTF-8", NULL };
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        if (freopen(out, "w", stdout) == NULL || freopen(err, "w", stderr) == NULL)
            _exit(126);
        execve(argv[0], (char *const *)argv, env);
        _exit(127);
    }
    int ws = 0;
    cr_assert_eq(waitpid(pid, &ws, 0), pid);
    cr_assert(WIFEXITED(ws), "status %d", ws);
    return (struct result){ WEXITSTATUS(ws), slurp(out), slurp(err) };
}

/* s with every "from" replaced by "to". Allocated. */
static char *replace(const char *s, const char *from, const char *to)
{
    struct vz_buf b = VZ_BUF_INIT;
    vz_buf_init(&b);
    size_t fl = strlen(from);
    for (const char *p = s;;) {
        const char *at = strstr(p, from);
        if (at == NULL) {
            vz_buf_add(&b, p, strlen(p));
            break;
        }
        vz_buf_add(&b, p, (size_t)(at - p));
        vz_buf_add(&b, to, strlen(to));
        p = at + fl;
    }
    return vz_buf_detach(&b, NULL);
}

/* Every name of d/etc with its type, mode and link target, then each
 * regular file's sha256. */
static char *tree(const char *d)
{
    cleanup_free char *etc = vz_path_join(d, "etc");
    return install_tree_listing(etc);
}

/* The real program on a copy of d, the native one on d: the same. The
 * native one's exit status. */
static int same_as_real(const char *d, const char *path, const char *const *extra)
{
    cleanup_free char *copy = vz_xasprintf("%s.real", d);
    cleanup_free char *cp = vz_xasprintf("cp -a '%s' '%s'", d, copy);
    cr_assert_eq(system(cp), 0);
    unlink(calls);
    struct result r = run_on(copy, false, REAL, path, extra);
    struct result m = run_on(d, true, REAL, path, extra);
    cleanup_free char *rout = replace(r.out, copy, d), *rerr = replace(r.err, copy, d);
    cleanup_free char *rtree_raw = tree(copy), *mtree = tree(d);
    cleanup_free char *rtree = replace(rtree_raw, copy, d);
    cr_expect_eq(m.status, r.status, "exit status: native %d, real %d (stderr: %s)", m.status, r.status,
                 m.err);
    cr_expect_str_eq(m.out, rout, "stdout differs");
    cr_expect_str_eq(m.err, rerr, "stderr differs");
    cr_expect_str_eq(mtree, rtree, "the trees differ");
    free(r.out);
    free(r.err);
    free(m.out);
    free(m.err);
    return m.status;
}

/* Certificates of the host, by name under /usr/share/ca-certificates/mozilla. */
static const char *const host_certs[] = { "ISRG_Root_X1.crt",     "DigiCert_Global_Root_G2.crt",
                                          "GlobalSign_Root_CA.crt", "Amazon_Root_CA_1.crt",
                                          "Amazon_Root_CA_2.crt",   "Amazon_Root_CA_3.crt",
                                          "Amazon_Root_CA_4.crt",   "GTS_Root_R1.crt" };

static char *host_cert(size_t i)
{
    cleanup_free char *rel = vz_xasprintf("usr/share/ca-certificates/mozilla/%s", host_certs[i]);
    char *text = install_slurp("/", rel);
    if (text == NULL)
        cr_skip_test("/%s is not on this host", rel);
    return text;
}

#define ARGS(...) ((const char *const[]){ __VA_ARGS__, NULL })
#define PATH_STD "/usr/sbin:/usr/bin:/sbin:/bin"

Test(ca_native, the_whole_set_of_the_host_gives_what_the_script_gives)
{
    need_real();
    cleanup_free char *d = dirs("all");
    cleanup_free char *cp = vz_xasprintf("cp -a /usr/share/ca-certificates '%s/share'", d);
    cr_assert_eq(system(cp), 0);
    cleanup_free char *conf = install_slurp("/", "etc/ca-certificates.conf");
    if (conf == NULL || conf[0] == '\0')
        cr_skip_test("/etc/ca-certificates.conf is empty or missing");
    cleanup_free char *more = vz_xasprintf("%s!mozilla/ISRG_Root_X1.crt\nmozilla/not-there.crt\n", conf);
    put_in(d, "conf", more);
    same_as_real(d, PATH_STD, NULL);
    cleanup_free char *t = tree(d);
    cr_assert(strstr(t, "ca-certificates.crt"), "no bundle:\n%.2000s", t);
    cr_assert(strstr(t, ".0 GlobalSign_Root_CA.pem") || strstr(t, ".0 ISRG_Root_X1.pem"),
              "no openssl rehash link:\n%.2000s", t);
}

Test(ca_native, odd_names_and_bytes_give_what_the_script_gives)
{
    need_real();
    cleanup_free char *d = dirs("odd");
    cleanup_free char *a = host_cert(0), *b = host_cert(1), *c = host_cert(2), *e = host_cert(3),
                      *f = host_cert(4), *g = host_cert(5), *h = host_cert(6);
    put_in(d, "share/m/paren(1),comma.crt", a);
    /* a second certificate whose link name is the first's: replaced, counted twice */
    put_in(d, "share/m/paren=1=_comma.crt", b);
    /* no newline at the end: the bundle gets one */
    size_t cl = strlen(c);
    while (cl > 0 && c[cl - 1] == '\n')
        c[--cl] = '\0';
    put_in(d, "share/m/no-newline.crt", c);
    put_in(d, "share/m/empty.crt", "");
    put_in(d, "share/m/.crt", e);
    put_in(d, "share/m/not-crt.pem", f);
    put_in(d, "share/deep/er/x.crt", g);
    put_in(d, "share/last.crt", h);
    put_in(d, "etc/ca-certificates.crt", "an old bundle\n");
    put_in(d, "conf",
           "# comment with spaces and a \\ backslash\n"
           "\n"
           "m/paren(1),comma.crt\n"
           "m/paren=1=_comma.crt\n"
           "m/no-newline.crt\n"
           "m/empty.crt\n"
           "!m/empty.crt\n"
           "!  spaced \\ name\n"
           "m/.crt\n"
           "m/not-crt.pem\n"
           "m/missing.crt\n"
           "deep/er/x.crt\n"
           "m/paren(1),comma.crt\n"
           "deep/er\n"
           "last.crt");
    same_as_real(d, PATH_STD, NULL);
    cleanup_free char *t = tree(d);
    cr_assert_null(strstr(t, "last.pem"), "a last line without a newline is not read:\n%s", t);
}

Test(ca_native, fresh_verbose_and_empty_runs_give_what_the_script_gives)
{
    need_real();
    cleanup_free char *a = host_cert(0), *b = host_cert(1);
    cleanup_free char *d1 = dirs("fresh");
    put_in(d1, "share/mozilla/a.crt", a);
    put_in(d1, "share/mozilla/b.crt", b);
    put_in(d1, "conf", "mozilla/a.crt\nmozilla/b.crt\n");
    cleanup_free char *hooks = vz_path_join(d1, "hooks");
    vz_error_t err = NULL;
    cr_assert_eq(vz_mkdir_p(hooks, 0755, &err), 0, "an empty hooks directory");
    same_as_real(d1, PATH_STD, ARGS("--fresh", "--verbose"));

    cleanup_free char *d2 = dirs("empty");
    put_in(d2, "share/mozilla/a.crt", a);
    put_in(d2, "conf", "");
    put_in(d2, "etc/ca-certificates.crt", "kept\n");
    same_as_real(d2, PATH_STD, ARGS("-v"));

    cleanup_free char *d3 = dirs("none");
    put_in(d3, "conf", "mozilla/gone.crt\n!mozilla/a.crt\n");
    put_in(d3, "etc/ca-certificates.crt", "kept\n");
    same_as_real(d3, PATH_STD, ARGS("-f"));
}

Test(ca_native, a_failed_rehash_fails_as_the_script_does)
{
    need_real();
    cleanup_free char *a = host_cert(0);
    cleanup_free char *d = dirs("rehash");
    put_in(d, "share/mozilla/a.crt", a);
    put_in(d, "conf", "mozilla/a.crt\n");
    /* an openssl that fails: the script stops with its status (set -e) and
     * its trap removes the new bundle */
    cleanup_free char *fake = vz_path_join(tmp, "fakebin/openssl");
    put(fake, "#!/bin/sh\necho 'rehash failed' >&2\nexit 3\n", 0755);
    cleanup_free char *path = vz_xasprintf("%s/fakebin:" PATH_STD, tmp);
    cr_assert_eq(same_as_real(d, path, NULL), 3);
    cleanup_free char *nb = vz_path_join(d, "etc/ca-certificates.crt.new");
    cr_assert_neq(access(nb, F_OK), 0, "the new bundle is left");
}

/* The native program in front of the recorder: whether it handed the call
 * over (with exactly these arguments) and changed nothing. */
static void hands_over(const char *d, const char *path, const char *const *extra, const char *why)
{
    cleanup_free char *before = tree(d);
    unlink(calls);
    struct result m = run_on(d, true, recorder, path, extra);
    cr_expect_eq(m.status, 97, "%s: the native program ran itself (status %d, stdout %s)", why, m.status,
                 m.out);
    cleanup_free char *log = slurp(calls);
    cr_expect(strstr(log, "--certsconf ") == log, "%s: arguments changed: %s", why, log);
    cleanup_free char *after = tree(d);
    cr_expect_str_eq(after, before, "%s: it changed the tree", why);
    free(m.out);
    free(m.err);
}

Test(ca_native, calls_outside_a_first_install_go_to_the_real_program)
{
    cleanup_free char *d = dirs("out");
    put_in(d, "share/mozilla/a.crt", "A\n");
    put_in(d, "conf", "mozilla/a.crt\n");
    hands_over(d, PATH_STD, ARGS("--default"), "--default");
    hands_over(d, PATH_STD, ARGS("--help"), "--help");
    hands_over(d, PATH_STD, ARGS("--bogus"), "an unknown option");
    hands_over(d, PATH_STD, ARGS("--certbundle"), "an option without its value");
    hands_over(d, PATH_STD, ARGS("--certbundle", "sub/b.crt"), "a bundle name with a slash");
    hands_over(d, PATH_STD, ARGS("--certbundle", "b.pem"), "a bundle name a link could take");
    hands_over(d, PATH_STD, ARGS("--localcertsdir", "rel"), "a relative directory");
    hands_over(d, PATH_STD, ARGS("--etccertsdir", "/tmp/with space"), "a directory with a blank");
    hands_over(d, "/nonexistent", NULL, "no openssl in PATH");

    static const char *const lines[] = { " mozilla/a.crt\n",    "mozilla/a.crt \n", "mozilla/a\\.crt\n",
                                         "mozilla/a.crt\r\n",   "mozilla/../a.crt\n", "../x.crt\n",
                                         "mozilla/a b.crt\n",   "\tmozilla/a.crt\n" };
    for (size_t i = 0; i < VZ_ARRAY_SIZE(lines); i++) {
        put_in(d, "conf", lines[i]);
        cleanup_free char *why = vz_xasprintf("conf line %zu", i);
        hands_over(d, PATH_STD, NULL, why);
    }
    put_in(d, "conf", "mozilla/a.crt\n");

    /* state a first install does not have */
    cleanup_free char *link = vz_path_join(d, "etc/a.pem");
    cr_assert_eq(symlink("/x", link), 0);
    hands_over(d, PATH_STD, NULL, "a link in the certificates directory");
    unlink(link);
    put_in(d, "etc/ca-certificates.crt.new", "x\n");
    hands_over(d, PATH_STD, NULL, "a left-over new bundle");
    cleanup_free char *nb = vz_path_join(d, "etc/ca-certificates.crt.new");
    unlink(nb);
    put_in(d, "local/site.crt", "L\n");
    hands_over(d, PATH_STD, NULL, "a local certificate");
    cleanup_free char *loc = vz_path_join(d, "local/site.crt");
    unlink(loc);
    put_in(d, "hooks/jks", "#!/bin/sh\n");
    hands_over(d, PATH_STD, NULL, "a hook to run");
    cleanup_free char *hook = vz_path_join(d, "hooks/jks");
    unlink(hook);

    /* and with nothing in the way, it runs itself (status 0, not 97) */
    unlink(calls);
    struct result m = run_on(d, true, recorder, PATH_STD, NULL);
    cr_assert_eq(m.status, 0, "stderr: %s", m.err);
    cr_assert_neq(access(calls, F_OK), 0, "it handed a plain first run over");
    free(m.out);
    free(m.err);
}
