/* Issue 14's "Done when": OpenVZ-style configs go through the real
 * `vzctl set --save` (build/bin/vzctl) and come back byte for byte, except
 * the lines of the keys that changed. The fixtures are written for this
 * test in the style of OpenVZ's ve-*.conf-sample files (user beancounters
 * with barrier:limit, comments, blank lines) and of an admin's hand-edited
 * CTID.conf ($VEID, trailing comments, odd spacing, unknown keys, a line
 * that is no setting); every shipped etc/ve-*.conf-sample goes through too. */
#include <criterion/criterion.h>
#include <glob.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/common.h"
#include "tests/lib/robust.h"

static char root[64];
static char ct[16];

static void setup(void)
{
    snprintf(ct, sizeof(ct), "6%d", (int)getpid() % 1000000);
    snprintf(root, sizeof(root), "/tmp/vzt-ovzconf-XXXXXX");
    cr_assert_not_null(mkdtemp(root));
    setenv("VZ_ROOT", root, 1);
    setenv("VZ_APT_ROOT", root, 1);
    vzr_init();
}

static void teardown(void)
{
    vz_error_t err = NULL;
    if (root[0] && vz_rm_rf(root, &err) < 0)
        vz_error_release(&err);
}

TestSuite(openvz_conf, .init = setup, .fini = teardown, .timeout = 120);

/* OpenVZ's old UBC sample style: every beancounter as barrier:limit. */
static const char ubc_sample[] =
    "# Copyright-free sample written for vzforge's tests, in the form of\n"
    "# OpenVZ's ve-*.conf-sample files of the beancounter era.\n"
    "#\n"
    "\n"
    "ONBOOT=\"no\"\n"
    "\n"
    "# UBC parameters (in form of barrier:limit)\n"
    "KMEMSIZE=\"14372700:14790164\"\n"
    "LOCKEDPAGES=\"256:256\"\n"
    "PRIVVMPAGES=\"65536:69632\"\n"
    "SHMPAGES=\"21504:21504\"\n"
    "NUMPROC=\"240:240\"\n"
    "PHYSPAGES=\"0:unlimited\"\n"
    "VMGUARPAGES=\"33792:unlimited\"\n"
    "OOMGUARPAGES=\"26112:unlimited\"\n"
    "NUMTCPSOCK=\"360:360\"\n"
    "NUMFLOCK=\"188:206\"\n"
    "NUMPTY=\"16:16\"\n"
    "NUMSIGINFO=\"256:256\"\n"
    "TCPSNDBUF=\"1720320:2703360\"\n"
    "TCPRCVBUF=\"1720320:2703360\"\n"
    "OTHERSOCKBUF=\"1126080:2097152\"\n"
    "DGRAMRCVBUF=\"262144:262144\"\n"
    "NUMOTHERSOCK=\"360:360\"\n"
    "DCACHESIZE=\"3409920:3624960\"\n"
    "NUMFILE=\"9312:9312\"\n"
    "AVNUMPROC=\"180:180\"\n"
    "NUMIPTENT=\"128:128\"\n"
    "\n"
    "# Disk quota parameters (in form of softlimit:hardlimit)\n"
    "DISKSPACE=\"2G:2.2G\"\n"
    "DISKINODES=\"200000:220000\"\n"
    "QUOTATIME=\"0\"\n"
    "\n"
    "# CPU fair scheduler parameter\n"
    "CPUUNITS=\"1000\"\n";

/* OpenVZ's vswap sample style: sizes with units, no beancounter but a few. */
static const char vswap_sample[] =
    "# RAM\n"
    "PHYSPAGES=\"0:256M\"\n"
    "\n"
    "# Swap\n"
    "SWAPPAGES=\"0:512M\"\n"
    "\n"
    "# Disk quota parameters (in form of softlimit:hardlimit)\n"
    "DISKSPACE=\"2G:2.2G\"\n"
    "DISKINODES=\"131072:144179\"\n"
    "QUOTATIME=\"0\"\n"
    "\n"
    "# CPU fair scheduler parameter\n"
    "CPUUNITS=\"1000\"\n"
    "\n"
    "NETFILTER=\"stateless\"\n"
    "VE_ROOT=\"@ROOT@/vz/root/$VEID\"\n"
    "VE_PRIVATE=\"@ROOT@/vz/private/$VEID\"\n"
    "OSTEMPLATE=\"centos-6-x86_64\"\n"
    "ORIGIN_SAMPLE=\"vswap-256m\"\n";

/* An admin's hand-edited CTID.conf. */
static const char hand_written[] =
    "# web frontend, set up by hand 2015-03-02\n"
    "ONBOOT=\"yes\"   # comes up with the host\n"
    "KMEMSIZE=\"unlimited\"\n"
    "PRIVVMPAGES=\"262144:262144\"\n"
    "PHYSPAGES=\"0:1G\"\n"
    "SWAPPAGES=0:2G\n"
    "  CPUUNITS=\"1000\"\n"
    "VE_ROOT=\"@ROOT@/vz/root/$VEID\"\n"
    "VE_PRIVATE='@ROOT@/vz/private/$VEID'\n"
    "HOSTNAME=\"web1.example.com\" # the public name\n"
    "NAMESERVER=\"10.0.0.53 10.0.0.54\"\n"
    "MY_BACKUP_TAG=\"nightly\"\n"
    "export LANG=C\n"
    "\n"
    "DESCRIPTION=\"frontend\"\n";

static char *conf_path(void)
{
    return vz_xasprintf("%s/etc/vz/conf/%s.conf", root, ct);
}

/* fixture with @ROOT@ made the test's VZ_ROOT (the $VEID stays); allocated */
static char *fixture(const char *text)
{
    struct vz_buf b = VZ_BUF_INIT;
    vz_buf_init(&b);
    const char *at;
    while ((at = strstr(text, "@ROOT@")) != NULL) {
        vz_buf_add(&b, text, (size_t)(at - text));
        vz_buf_add(&b, root, strlen(root));
        text = at + strlen("@ROOT@");
    }
    vz_buf_add(&b, text, strlen(text));
    return vz_buf_detach(&b, NULL);
}

/* The conf, and the private area set needs to find. */
static void write_conf(const char *text)
{
    cleanup_free char *dir = vz_xasprintf("%s/etc/vz/conf", root);
    cleanup_free char *priv = vz_xasprintf("%s/vz/private/%s", root, ct);
    cleanup_free char *path = conf_path();
    vz_error_t err = NULL;
    cr_assert_eq(vz_mkdir_p(dir, 0755, &err), 0);
    cr_assert_eq(vz_mkdir_p(priv, 0755, &err), 0);
    cr_assert_eq(vz_atomic_write(path, text, strlen(text), 0644, &err), 0);
}

static char *read_conf(void)
{
    cleanup_free char *path = conf_path();
    char *s = NULL;
    vz_error_t err = NULL;
    cr_assert_eq(vz_read_file(path, &s, NULL, &err), 0, "%s", path);
    return s;
}

/* text with its first line "old" (whole line) replaced by "new"; "new"
 * appended when old is NULL. Allocated. */
static char *with_line(const char *text, const char *old, const char *new)
{
    if (old == NULL)
        return vz_xasprintf("%s%s\n", text, new);
    cleanup_free char *pat = vz_xasprintf("%s\n", old);
    const char *at = strstr(text, pat);
    cr_assert_not_null(at, "fixture has no line '%s'", old);
    cr_assert(at == text || at[-1] == '\n', "'%s' is not a whole line", old);
    return vz_xasprintf("%.*s%s\n%s", (int)(at - text), text, new, at + strlen(pat));
}

/* vzctl set CT ARGS... --save must exit 0 and leave the conf equal to want. */
static void set_save(const char *const *args, const char *want, const char *what)
{
    const char *argv[16] = { "set", ct };
    size_t n = 2;
    for (size_t i = 0; args[i]; i++)
        argv[n++] = args[i];
    argv[n++] = "--save";
    argv[n] = NULL;
    struct vzr_res r;
    vzr_run(&r, "vzctl", argv);
    cr_assert_eq(r.code, 0, "%s: vzctl set exit %d\n%s%s", what, r.code, r.out, r.err);
    vzr_res_release(&r);
    cleanup_free char *got = read_conf();
    cr_assert_str_eq(got, want, "%s: the conf is not the original with only the changed lines\n"
                     "--- got ---\n%s--- want ---\n%s", what, got, want);
}

Test(openvz_conf, ubc_sample_through_set_save)
{
    cleanup_free char *orig = fixture(ubc_sample);
    write_conf(orig);
    cleanup_free char *w1 = with_line(orig, "CPUUNITS=\"1000\"", "CPUUNITS=\"2000\"");
    set_save((const char *[]){ "--cpuunits", "2000", NULL }, w1, "ubc --cpuunits");
    cleanup_free char *w2 = with_line(w1, "ONBOOT=\"no\"", "ONBOOT=\"yes\"");
    set_save((const char *[]){ "--onboot", "yes", NULL }, w2, "ubc --onboot");
    /* a key the sample lacks is added at the end */
    cleanup_free char *w3 = with_line(w2, NULL, "DESCRIPTION=\"old UBC box\"");
    set_save((const char *[]){ "--description", "old UBC box", NULL }, w3, "ubc --description");
    /* vzctl 4.x's page options, kept as given */
    cleanup_free char *w4 = with_line(w3, "PHYSPAGES=\"0:unlimited\"", "PHYSPAGES=\"0:65536\"");
    set_save((const char *[]){ "--physpages", "0:65536", NULL }, w4, "ubc --physpages");
}

Test(openvz_conf, vswap_sample_through_set_save)
{
    cleanup_free char *orig = fixture(vswap_sample);
    write_conf(orig);
    cleanup_free char *w1 = with_line(orig, "SWAPPAGES=\"0:512M\"", "SWAPPAGES=\"0:256M\"");
    set_save((const char *[]){ "--swappages", "0:256M", NULL }, w1, "vswap --swappages");
    cleanup_free char *w2 = with_line(w1, "CPUUNITS=\"1000\"", "CPUUNITS=\"500\"");
    set_save((const char *[]){ "--cpuunits", "500", NULL }, w2, "vswap --cpuunits");
    /* --ram writes pages and drops RAM=; PHYSPAGES changes in place */
    long page = sysconf(_SC_PAGESIZE);
    cleanup_free char *ram = vz_xasprintf("PHYSPAGES=\"0:%ld\"", (512L << 20) / page);
    cleanup_free char *w3 = with_line(w2, "PHYSPAGES=\"0:256M\"", ram);
    set_save((const char *[]){ "--ram", "512M", NULL }, w3, "vswap --ram");
}

/* --physpages/--swappages: refused together with --ram/--swap (20) and for
 * a value that is no page count or size (21), the conf untouched */
Test(openvz_conf, page_options_refusals_change_nothing)
{
    cleanup_free char *orig = fixture(vswap_sample);
    write_conf(orig);
    const struct { int code; const char *args[6]; } cases[] = {
        { 20, { "--ram", "512M", "--physpages", "0:512M", "--save", NULL } },
        { 20, { "--swap", "1G", "--swappages", "0:1G", "--save", NULL } },
        { 21, { "--physpages", "0:lots", "--save", NULL } },
        { 21, { "--swappages", "many", "--save", NULL } },
    };
    for (size_t i = 0; i < VZ_ARRAY_SIZE(cases); i++) {
        const char *argv[8] = { "set", ct };
        for (size_t k = 0; cases[i].args[k]; k++)
            argv[2 + k] = cases[i].args[k];
        struct vzr_res r;
        vzr_run(&r, "vzctl", argv);
        cr_assert_eq(r.code, cases[i].code, "%s %s: exit %d\n%s", cases[i].args[0], cases[i].args[1], r.code, r.err);
        vzr_res_release(&r);
        cleanup_free char *got = read_conf();
        cr_assert_str_eq(got, orig, "%s changed the conf", cases[i].args[0]);
    }
}

Test(openvz_conf, hand_written_conf_through_set_save)
{
    cleanup_free char *orig = fixture(hand_written);
    write_conf(orig);
    /* only the value changes: the line's trailing comment stays */
    cleanup_free char *w1 = with_line(orig, "ONBOOT=\"yes\"   # comes up with the host",
                                      "ONBOOT=\"no\"   # comes up with the host");
    set_save((const char *[]){ "--onboot", "no", NULL }, w1, "hand --onboot");
    cleanup_free char *w2 = with_line(w1, "DESCRIPTION=\"frontend\"", "DESCRIPTION=\"frontend, moved\"");
    set_save((const char *[]){ "--description", "frontend, moved", NULL }, w2, "hand --description");
    cleanup_free char *w3 = with_line(w2, "  CPUUNITS=\"1000\"", "  CPUUNITS=\"1500\"");
    set_save((const char *[]){ "--cpuunits", "1500", NULL }, w3, "hand --cpuunits");
}

Test(openvz_conf, every_shipped_sample_through_set_save)
{
    const char *src = getenv("VZ_SRC");
    cr_assert_not_null(src, "VZ_SRC is not set: run through make check");
    cleanup_free char *pat = vz_xasprintf("%s/etc/ve-*.conf-sample", src);
    glob_t g;
    cr_assert_eq(glob(pat, 0, NULL, &g), 0, "no %s", pat);
    cr_assert_geq(g.gl_pathc, 7, "%zu samples", g.gl_pathc);
    for (size_t i = 0; i < g.gl_pathc; i++) {
        cleanup_free char *orig = NULL;
        vz_error_t err = NULL;
        cr_assert_eq(vz_read_file(g.gl_pathv[i], &orig, NULL, &err), 0, "%s", g.gl_pathv[i]);
        write_conf(orig);
        cleanup_free char *w1 = with_line(orig, "ONBOOT=\"no\"", "ONBOOT=\"yes\"");
        cleanup_free char *w2 = with_line(w1, "CPUS=\"0\"", "CPUS=\"1\"");
        set_save((const char *[]){ "--onboot", "yes", "--cpus", "1", NULL }, w2, g.gl_pathv[i]);
    }
    globfree(&g);
}

/* --- the advice of a template with no cache (cmd/tmpl_hint.h) ------------ */

static void tmpl_setup(void)
{
    setup();
    const char *src = getenv("VZ_SRC");
    cr_assert_not_null(src, "VZ_SRC is not set: run through make check");
    cleanup_free char *d = vz_xasprintf("%s/distros", src);
    setenv("VZ_DISTROS_DIR", d, 1);
}

TestSuite(tmpl_advice, .init = tmpl_setup, .fini = teardown, .timeout = 120);

static struct vzr_res run_ok(int want, const char *prog, const char *const *args)
{
    struct vzr_res r;
    vzr_run(&r, prog, args);
    cr_assert_eq(r.code, want, "%s %s: exit %d, want %d\n%s%s", prog, args[0], r.code, want, r.out, r.err);
    return r;
}

Test(tmpl_advice, vzctl_create_of_a_typo_names_an_existing_template)
{
    struct vzr_res r = run_ok(91, "vzctl", (const char *[]){ "create", ct, "--ostemplate", "debian-12-x86_64-minmal", NULL });
    cr_assert_str_eq(r.err, "vzctl: error: unknown template 'debian-12-x86_64-minmal': no cache and no metadata "
                            "define it (did you mean 'debian-12-x86_64-minimal'?)\n");
    cr_assert_null(strstr(r.err, "create-cache debian-12-x86_64-minmal"), "%s", r.err);
    vzr_res_release(&r);
    /* nothing near: where the known ones are */
    r = run_ok(91, "vzctl", (const char *[]){ "create", ct, "--ostemplate", "plan9-4-mips-default", NULL });
    cr_assert_str_eq(r.err, "vzctl: error: unknown template 'plan9-4-mips-default': no cache and no metadata "
                            "define it ('vzpkg list' shows the known ones)\n");
    vzr_res_release(&r);
    /* a template the metadata defines but nobody built: build it */
    r = run_ok(91, "vzctl", (const char *[]){ "create", ct, "--ostemplate", "debian-12-x86_64-minimal", NULL });
    cr_assert_not_null(strstr(r.err, "(build it with 'vzpkg create-cache debian-12-x86_64-minimal' or fetch it "
                                     "with 'vzpkg download debian-12-x86_64-minimal')"), "%s", r.err);
    vzr_res_release(&r);
    /* vzpkg verify gives the same advice */
    r = run_ok(91, "vzpkg", (const char *[]){ "verify", "debian-12-x86_64-minmal", NULL });
    cr_assert_str_eq(r.out, "debian-12-x86_64-minmal: FAILED: unknown template 'debian-12-x86_64-minmal': no cache "
                            "and no metadata define it (did you mean 'debian-12-x86_64-minimal'?)\n");
    vzr_res_release(&r);
    cleanup_free char *conf = conf_path();
    cr_assert(!vz_file_exists(conf), "a refused create left %s", conf);
}

Test(tmpl_advice, hand_dropped_tarball_says_how_to_adopt_it)
{
    /* a real root file-system tarball, as an admin copies one in */
    cleanup_free char *tree = vz_xasprintf("%s/tree", root);
    cleanup_free char *etc = vz_xasprintf("%s/etc", tree);
    cleanup_free char *cache = vz_xasprintf("%s/vz/template/cache", root);
    cleanup_free char *tarball = vz_xasprintf("%s/centos-7-x86_64.tar.gz", cache);
    vz_error_t err = NULL;
    cr_assert_eq(vz_mkdir_p(etc, 0755, &err), 0);
    cr_assert_eq(vz_mkdir_p(cache, 0755, &err), 0);
    cleanup_free char *hn = vz_xasprintf("%s/hostname", etc);
    cr_assert_eq(vz_atomic_write(hn, "localhost\n", 10, 0644, &err), 0);
    char *tar[] = { "tar", "-czf", tarball, "-C", tree, ".", NULL };
    int st = -1;
    cr_assert_eq(vz_run(tar, NULL, &st, &err), 0);
    cr_assert_eq(st, 0);

    cleanup_free char *advice = vz_xasprintf("%s has no signed manifest (a cache dropped in by hand?): adopt it with "
                                             "'vzpkg import %s --name centos-7-x86_64', which checks it and makes "
                                             "it a signed cache", tarball, tarball);
    struct vzr_res r = run_ok(91, "vzctl", (const char *[]){ "create", ct, "--ostemplate", "centos-7-x86_64", NULL });
    cleanup_free char *want = vz_xasprintf("vzctl: error: %s\n", advice);
    cr_assert_str_eq(r.err, want);
    vzr_res_release(&r);
    r = run_ok(91, "vzpkg", (const char *[]){ "verify", "centos-7-x86_64", NULL });
    cleanup_free char *want_v = vz_xasprintf("centos-7-x86_64: FAILED: %s\n", advice);
    cr_assert_str_eq(r.out, want_v);
    vzr_res_release(&r);
    /* listed by list --cached and -c, with the same advice as a warning */
    const char *const lists[][3] = { { "list", "--cached", NULL }, { "list", "-c", NULL } };
    for (size_t i = 0; i < 2; i++) {
        r = run_ok(0, "vzpkg", lists[i]);
        cr_assert_not_null(strstr(r.out, "\ncentos-7-x86_64 "), "%s: %s", lists[i][1], r.out);
        cr_assert_not_null(strstr(r.err, advice), "%s: %s", lists[i][1], r.err);
        vzr_res_release(&r);
    }
    r = run_ok(0, "vzpkg", (const char *[]){ "list", "-c", "--json", NULL });
    cleanup_free char *json = vz_xasprintf("\"cache_file\": \"%s\"", tarball);
    cr_assert_not_null(strstr(r.out, "\"adopted\": false"), "%s", r.out);
    cr_assert_not_null(strstr(r.out, json), "%s", r.out);
    vzr_res_release(&r);

    /* the advised command adopts it; then it is a cache like any other */
    r = run_ok(0, "vzpkg", (const char *[]){ "import", tarball, "--name", "centos-7-x86_64", NULL });
    vzr_res_release(&r);
    r = run_ok(0, "vzpkg", (const char *[]){ "verify", "centos-7-x86_64", NULL });
    vzr_res_release(&r);
    r = run_ok(0, "vzpkg", (const char *[]){ "list", "-c", "--json", NULL });
    cr_assert_null(strstr(r.out, "\"adopted\": false"), "%s", r.out);
    cr_assert_not_null(strstr(r.out, "\"name\": \"centos-7-x86_64\""), "%s", r.out);
    vzr_res_release(&r);
    cr_assert_eq(vz_file_exists(tarball), false, "the hand-dropped tarball stays beside the cache");
}

/* `PROG --help` lists its commands in two columns: every summary starts in
 * the same column, at least two blanks after the longest name. */
Test(tmpl_advice, help_lists_commands_in_two_aligned_columns)
{
    const char *const progs[] = { "vzctl", "vzpkg" };
    for (size_t p = 0; p < 2; p++) {
        struct vzr_res r = run_ok(0, progs[p], (const char *[]){ "--help", NULL });
        const char *c = strstr(r.out, "\nCommands:\n");
        cr_assert_not_null(c, "%s", r.out);
        c += strlen("\nCommands:\n");
        int col = -1, lines = 0;
        while (c[0] == ' ' && c[1] == ' ' && c[2] != ' ') {
            size_t name = strcspn(c + 2, " ");
            size_t gap = strspn(c + 2 + name, " ");
            cr_assert_geq(gap, 2, "%s: '%.40s' has one blank after its name", progs[p], c);
            int at = (int)(2 + name + gap);
            if (col < 0)
                col = at;
            cr_assert_eq(at, col, "%s --help: '%.*s' starts its summary in column %d, the others in %d",
                         progs[p], (int)name, c + 2, at, col);
            lines++;
            c = strchr(c, '\n') + 1;
        }
        cr_assert_geq(lines, 10, "%s: %d commands", progs[p], lines);
        vzr_res_release(&r);
    }
}
