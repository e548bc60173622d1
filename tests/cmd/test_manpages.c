/* The man pages in man/ against the programs: every option a command's
 * --help (or a subcommand's) names is in its page, every option the page
 * documents (a .TP heading) is in some --help; vz.conf(5) lists every key
 * of etc/vz.conf and no other; ctid.conf(5) every key vzforge writes into a
 * container's conf and every key of the shipped samples; and groff -ww
 * renders each page without a warning. */
#include <criterion/criterion.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <stdbool.h>

#include "common/common.h"
#include "tests/lib/robust.h"

static char root[64];

static void setup(void)
{
    snprintf(root, sizeof(root), "/tmp/vzt-man-XXXXXX");
    cr_assert_not_null(mkdtemp(root));
    setenv("VZ_ROOT", root, 1);
}

static void teardown(void)
{
    vz_error_t err = NULL;
    if (root[0] && vz_rm_rf(root, &err) < 0)
        vz_error_release(&err);
}

TestSuite(manpages, .init = setup, .fini = teardown, .timeout = 120);

static char *src_file(const char *rel)
{
    const char *src = getenv("VZ_SRC");
    cr_assert_not_null(src, "VZ_SRC unset");
    cleanup_free char *p = vz_path_join(src, rel);
    char *d = vzr_slurp(p);
    cr_assert_not_null(d, "cannot read %s", p);
    return d;
}

/* The page as text to search: "\-" is "-", font escapes go. */
static char *plain(const char *man)
{
    struct vz_buf b = VZ_BUF_INIT;
    vz_buf_init(&b);
    for (const char *p = man; *p; p++) {
        if (p[0] == '\\' && p[1] == '-') {
            vz_buf_addc(&b, '-');
            p++;
        } else if (p[0] == '\\' && p[1] == 'f' && p[2]) {
            p += 2;
        } else
            vz_buf_addc(&b, *p);
    }
    return vz_buf_detach(&b, NULL);
}

/* Every match of re (its group 1) in text, pushed onto *out once. */
static void collect(const char *text, const char *re, char ***out)
{
    regex_t r;
    cr_assert_eq(regcomp(&r, re, REG_EXTENDED | REG_NEWLINE), 0, "%s", re);
    regmatch_t m[2];
    for (const char *p = text; regexec(&r, p, 2, m, p == text ? 0 : REG_NOTBOL) == 0; p += m[0].rm_eo) {
        cleanup_free char *w = vz_xasprintf("%.*s", (int)(m[1].rm_eo - m[1].rm_so), p + m[1].rm_so);
        if (!vz_strv_contains(*out, w))
            vz_strv_push(out, w);
        if (m[0].rm_eo == 0)
            break;
    }
    regfree(&r);
}


/* Options in a --help text: "--word", and "-x" where x is one character. */
static void help_opts(const char *help, char ***out)
{
    collect(help, "(--[a-z0-9][a-z0-9_-]*)", out);
    collect(help, "[[ ,|](-[A-Za-z0-9])[], |\n]", out);
}

/* The help of PROG and of each subcommand it lists. */
static char *all_help(const char *prog)
{
    struct vzr_res r;
    vzr_run(&r, prog, (const char *[]){ "--help", NULL });
    cr_assert_eq(r.code, 0, "%s --help", prog);
    struct vz_buf b = VZ_BUF_INIT;
    vz_buf_init(&b);
    vz_buf_adds(&b, r.out);
    const char *c = strstr(r.out, "\nCommands:\n");
    for (const char *l = c ? strchr(c + 1, '\n') + 1 : NULL; l && strncmp(l, "  ", 2) == 0; l = strchr(l, '\n') + 1) {
        cleanup_free char *cmd = vz_xasprintf("%.*s", (int)strcspn(l + 2, " \n"), l + 2);
        struct vzr_res s;
        vzr_run(&s, prog, (const char *[]){ cmd, "--help", NULL });
        cr_assert_eq(s.code, 0, "%s %s --help", prog, cmd);
        vz_buf_adds(&b, s.out);
        vzr_res_release(&s);
    }
    vzr_res_release(&r);
    return vz_buf_detach(&b, NULL);
}

static void lint(const char *rel)
{
    const char *src = getenv("VZ_SRC");
    cleanup_free char *cmd = vz_xasprintf("groff -ww -man -Tutf8 -z '%s/%s' 2>&1", src, rel);
    FILE *f = popen(cmd, "r");
    cr_assert_not_null(f);
    char buf[512] = "";
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    buf[n] = '\0';
    int st = pclose(f);
    cr_expect_eq(st, 0, "%s: %s", cmd, buf);
    cr_expect_str_empty(buf, "%s warns: %s", rel, buf);
}

/* The long options of every command of PROG's command table ("PROG
 * --complete CMD", cmd/cli.h) onto *out; a command whose row has no options
 * yet gives those its --help names. False when PROG has no table. */
static bool table_opts(const char *prog, char ***out)
{
    struct vzr_res r;
    vzr_run(&r, prog, (const char *[]){ "--complete", NULL });
    bool has = r.code == 0 && r.out[0];
    for (const char *l = r.out; has && *l; l = strchr(l, '\n') + 1) {
        cleanup_free char *cmd = vz_xasprintf("%.*s", (int)strcspn(l, "\n"), l);
        struct vzr_res o;
        vzr_run(&o, prog, (const char *[]){ "--complete", cmd, NULL });
        if (o.code == 0) {
            collect(o.out, "^(--[a-z0-9][a-z0-9_-]*)$", out);
        } else {
            struct vzr_res h;
            vzr_run(&h, prog, (const char *[]){ cmd, "--help", NULL });
            help_opts(h.out, out);
            vzr_res_release(&h);
        }
        vzr_res_release(&o);
    }
    vzr_res_release(&r);
    return has;
}

static void check_page(const char *prog, const char *page)
{
    cleanup_free char *help = all_help(prog);
    cleanup_free char *src = src_file(page);
    cleanup_free char *man = plain(src);
    cleanup_strv char **hopts = NULL, **mdefs = NULL;
    /* a program on a command table: its long options from the table (the
     * short ones, which the table does not hold, from --help) */
    if (table_opts(prog, &hopts)) {
        collect(help, "[[ ,|](-[A-Za-z0-9])[], |\n]", &hopts);
        struct vzr_res top; /* and the options before COMMAND (--version) */
        vzr_run(&top, prog, (const char *[]){ "--help", NULL });
        collect(top.out, "(--[a-z0-9][a-z0-9_-]*)", &hopts);
        vzr_res_release(&top);
    } else {
        help_opts(help, &hopts);
    }
    cr_assert_not_null(hopts, "no option in %s --help", prog);
    for (size_t i = 0; hopts[i]; i++) {
        cleanup_free char *re = vz_xasprintf("(^|[^A-Za-z0-9_-])%s($|[^A-Za-z0-9_-])", hopts[i]);
        cleanup_strv char **hit = NULL;
        collect(man, re, &hit);
        cr_expect_not_null(hit, "%s: %s is in --help but not in %s", prog, hopts[i], page);
    }
    /* the options the page documents: in the line after each .TP */
    cleanup_strv char **tp = NULL;
    collect(man, "^\\.TP\n([^\n]*)", &tp);
    for (size_t i = 0; tp && tp[i]; i++)
        collect(tp[i], "(--[a-z0-9][a-z0-9_-]*)", &mdefs);
    cr_assert_not_null(mdefs, "%s documents no option", page);
    for (size_t i = 0; mdefs[i]; i++)
        cr_expect(vz_strv_contains(hopts, mdefs[i]), "%s documents %s, which no %s --help names", page, mdefs[i],
                  prog);
    lint(page);
}

Test(manpages, vzctl_8_matches_its_help) { check_page("vzctl", "man/vzctl.8"); }

/* Options of another program that a command's --help quotes: vzpkg
 * export's shows lxc-create's --metadata and --fstree. */
static bool quoted(const char *prog, const char *cmd, const char *opt)
{
    return !strcmp(prog, "vzpkg") && !strcmp(cmd, "export") &&
           (!strcmp(opt, "--metadata") || !strcmp(opt, "--fstree"));
}

/* A command table's rows (cmd/vzctl.c, cmd/vzpkg.c) and each command's
 * --help name the same long options, both ways (the common
 * --help/--quiet/--verbose aside). Every command of both is on the table
 * (all = false would skip a command without options in its row). */
static void table_matches_help(const char *prog, bool all)
{
    struct vzr_res r;
    vzr_run(&r, prog, (const char *[]){ "--complete", NULL });
    cr_assert_eq(r.code, 0, "%s --complete: %s", prog, r.err);
    size_t n = 0;
    for (const char *l = r.out; *l; l = strchr(l, '\n') + 1) {
        cleanup_free char *cmd = vz_xasprintf("%.*s", (int)strcspn(l, "\n"), l);
        struct vzr_res o, h;
        vzr_run(&o, prog, (const char *[]){ "--complete", cmd, NULL });
        if (o.code != 0 && !all) {
            vzr_res_release(&o);
            continue;
        }
        n++;
        vzr_run(&h, prog, (const char *[]){ cmd, "--help", NULL });
        cr_assert_eq(o.code, 0, "%s --complete %s: exit %d", prog, cmd, o.code);
        cr_assert_eq(h.code, 0, "%s %s --help: exit %d", prog, cmd, h.code);
        cleanup_strv char **topts = NULL, **hopts = NULL;
        collect(o.out, "^(--[a-z0-9][a-z0-9_-]*)$", &topts);
        collect(h.out, "(--[a-z0-9][a-z0-9_-]*)", &hopts);
        static const char *const common[] = { "--help", "--quiet", "--verbose" };
        for (size_t i = 0; topts && topts[i]; i++) {
            bool is_common = false;
            for (size_t k = 0; k < 3; k++)
                is_common |= strcmp(topts[i], common[k]) == 0;
            cr_expect(is_common || vz_strv_contains(hopts, topts[i]), "%s %s takes %s, its --help does not say",
                      prog, cmd, topts[i]);
        }
        for (size_t i = 0; hopts && hopts[i]; i++)
            cr_expect(vz_strv_contains(topts, hopts[i]) || quoted(prog, cmd, hopts[i]),
                      "%s %s --help names %s, which it does not take", prog, cmd, hopts[i]);
        vzr_res_release(&o);
        vzr_res_release(&h);
    }
    cr_assert_geq(n, strcmp(prog, "vzctl") ? 15 : 20, "%s: %zu commands on the table", prog, n);
    vzr_res_release(&r);
}

Test(manpages, vzctl_table_options_are_those_of_each_help) { table_matches_help("vzctl", true); }
Test(manpages, vzpkg_table_options_are_those_of_each_help) { table_matches_help("vzpkg", true); }

Test(manpages, vzlist_8_matches_its_help) { check_page("vzlist", "man/vzlist.8"); }
Test(manpages, vzpkg_8_matches_its_help) { check_page("vzpkg", "man/vzpkg.8"); }

/* Keys documented in a section 5 page: the bold words of .TP headings. */
static char **page_keys(const char *page)
{
    cleanup_free char *src = src_file(page);
    cleanup_strv char **tp = NULL;
    collect(src, "^\\.TP\n\\.BR? ([^\n]*)", &tp);
    char **keys = NULL;
    for (size_t i = 0; tp && tp[i]; i++)
        collect(tp[i], "([A-Z][A-Z0-9_]+)", &keys);
    lint(page);
    return keys;
}

Test(manpages, vz_conf_5_lists_the_keys_of_etc_vz_conf)
{
    cleanup_free char *conf = src_file("etc/vz.conf");
    cleanup_strv char **ckeys = NULL, **mkeys = page_keys("man/vz.conf.5");
    collect(conf, "^#?([A-Z][A-Z0-9_]*)=", &ckeys);
    cr_assert_not_null(ckeys);
    for (size_t i = 0; ckeys[i]; i++)
        cr_expect(vz_strv_contains(mkeys, ckeys[i]), "etc/vz.conf's %s is not in vz.conf(5)", ckeys[i]);
    for (size_t i = 0; mkeys && mkeys[i]; i++)
        cr_expect(vz_strv_contains(ckeys, mkeys[i]), "vz.conf(5) documents %s, which etc/vz.conf lacks", mkeys[i]);
}

Test(manpages, ctid_conf_5_lists_every_key_vzforge_writes)
{
    cleanup_strv char **mkeys = page_keys("man/ctid.conf.5");
    cleanup_strv char **written = NULL;
    const char *src = getenv("VZ_SRC");
    cleanup_free char *dir = vz_path_join(src, "vpscore");
    DIR *d = opendir(dir);
    cr_assert_not_null(d);
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t n = strlen(e->d_name);
        if (n < 3 || strcmp(e->d_name + n - 2, ".c") != 0)
            continue;
        cleanup_free char *rel = vz_xasprintf("vpscore/%s", e->d_name);
        cleanup_free char *c = src_file(rel);
        collect(c, "vz_conf_set\\([^,]+, \"([A-Z][A-Z0-9_]*)\"", &written);
    }
    closedir(d);
    cr_assert_not_null(written);
    cleanup_free char *etc = vz_path_join(src, "etc");
    d = opendir(etc);
    cr_assert_not_null(d);
    while ((e = readdir(d))) {
        if (!strstr(e->d_name, ".conf-sample"))
            continue;
        cleanup_free char *rel = vz_xasprintf("etc/%s", e->d_name);
        cleanup_free char *c = src_file(rel);
        collect(c, "^([A-Z][A-Z0-9_]*)=", &written);
    }
    closedir(d);
    for (size_t i = 0; written[i]; i++)
        cr_expect(vz_strv_contains(mkeys, written[i]), "%s is written into CTID.conf but not in ctid.conf(5)",
                  written[i]);
}

/* vztemplate(5): every key the shipped distro files use (top level,
 * repositories, variants) is a .TP heading of the page, and the page
 * renders without a warning. */
Test(manpages, vztemplate_5_has_every_key_the_shipped_files_use)
{
    cleanup_free char *page = src_file("man/vztemplate.5");
    cleanup_strv char **heads = NULL, **documented = NULL;
    collect(page, "^\\.TP\n\\.BR? ([^\n]*)", &heads);
    for (size_t i = 0; heads && heads[i]; i++)
        collect(heads[i], "([a-z][a-z_]*)", &documented);
    lint("man/vztemplate.5");
    const char *src = getenv("VZ_SRC");
    cleanup_free char *dir = vz_path_join(src, "distros");
    DIR *d = opendir(dir);
    cr_assert_not_null(d);
    struct dirent *e;
    size_t checked = 0;
    while ((e = readdir(d))) {
        if (!strstr(e->d_name, ".yaml"))
            continue;
        cleanup_free char *rel = vz_xasprintf("distros/%s", e->d_name);
        cleanup_free char *y = src_file(rel);
        cleanup_strv char **used = NULL;
        /* indent 0: top level; "  - key:" and indent 4: repositories and variants */
        collect(y, "^([a-z][a-z_]*):", &used);
        collect(y, "^  - ([a-z][a-z_]*):", &used);
        collect(y, "^    ([a-z][a-z_]*):", &used);
        for (size_t i = 0; used && used[i]; i++, checked++)
            cr_expect(vz_strv_contains(documented, used[i]), "%s uses '%s', which vztemplate(5) does not describe",
                      rel, used[i]);
    }
    closedir(d);
    cr_assert_gt(checked, 20, "only %zu keys found in distros/*.yaml", checked);
}
