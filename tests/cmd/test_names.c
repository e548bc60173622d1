/* Container names (issue 14): vzctl set --name/--description, every vzctl
 * command taking the name for the CTID, vzlist -n, -N, -h PATTERN and -d
 * PATTERN, and names that could mean two containers refused. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/common.h"
#include "tests/lib/reaper.h"
#include "tests/lib/robust.h"

#define TMPL "names-1-x86_64-minimal"

static char root[64];
static char ct1[16], ct2[16];

static void setup(void)
{
    vzr_private_ns(0);
    snprintf(ct1, sizeof(ct1), "7%d", (int)getpid() % 1000000);
    snprintf(ct2, sizeof(ct2), "8%d", (int)getpid() % 1000000);
    snprintf(root, sizeof(root), "/tmp/vzt-names-XXXXXX");
    cr_assert_not_null(vzt_mkroot(root));
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

TestSuite(names, .init = setup, .fini = teardown, .timeout = 120);

/* Run vzctl/vzlist; assert the exit code; return stdout+stderr. */
static char *run(int want, const char *prog, const char *const *args)
{
    struct vzr_res r;
    vzr_run(&r, prog, args);
    cr_assert_eq(r.code, want, "%s %s: exit %d, want %d\n%s%s", prog, args[0], r.code, want, r.out, r.err);
    char *s = vz_xasprintf("%s%s", r.out, r.err);
    vzr_res_release(&r);
    return s;
}

Test(names, set_name_then_use_it_everywhere)
{
    vzr_make_cache(root, TMPL, NULL);
    free(run(0, "vzctl", (const char *[]){ "create", ct1, "--ostemplate", TMPL, "--hostname", "web1.example", NULL }));
    free(run(0, "vzctl", (const char *[]){ "create", ct2, "--ostemplate", TMPL, "--hostname", "db1.example", NULL }));
    /* stored only with --save */
    cleanup_free char *o0 = run(20, "vzctl", (const char *[]){ "set", ct1, "--name", "web", NULL });
    cr_assert_not_null(strstr(o0, "--save"), "%s", o0);
    free(run(0, "vzctl", (const char *[]){ "set", ct1, "--name", "web", "--save", NULL }));
    /* the name in place of the CTID */
    free(run(0, "vzctl", (const char *[]){ "set", "web", "--description", "front end, eu", "--save", NULL }));
    cleanup_free char *st = run(0, "vzctl", (const char *[]){ "status", "web", NULL });
    cr_assert_not_null(strstr(st, ct1), "%s", st);
    /* vzlist: -N, -n, -h PATTERN, -d PATTERN, a name as argument, fields */
    cleanup_free char *l1 = run(0, "vzlist", (const char *[]){ "-N", "web", "-H", "-o", "ctid", NULL });
    cleanup_free char *w1 = vz_xasprintf("%10s\n", ct1);
    cr_assert_str_eq(l1, w1);
    cleanup_free char *l2 = run(0, "vzlist", (const char *[]){ "-a", "-n", NULL });
    cr_assert_not_null(strstr(l2, "NAME"), "%s", l2);
    cr_assert_not_null(strstr(l2, "web"), "%s", l2);
    cleanup_free char *l3 = run(0, "vzlist", (const char *[]){ "-a", "-h", "db*", "-H", "-o", "ctid", NULL });
    cleanup_free char *w3 = vz_xasprintf("%10s\n", ct2);
    cr_assert_str_eq(l3, w3);
    cleanup_free char *l4 = run(0, "vzlist", (const char *[]){ "-a", "-d", "*front*", "-H", "-o", "ctid,name,description", NULL });
    cr_assert_not_null(strstr(l4, "front end, eu"), "%s", l4);
    cr_assert_null(strstr(l4, ct2), "%s", l4);
    cleanup_free char *l5 = run(0, "vzlist", (const char *[]){ "-H", "-o", "ctid", "web", NULL });
    cr_assert_str_eq(l5, w1);
    cleanup_free char *help = run(0, "vzlist", (const char *[]){ "--help", NULL });
    cr_assert_not_null(strstr(help, "Usage: vzlist"), "%s", help);

    /* one name, one container: taken, a CTID, or not a name at all */
    cleanup_free char *e1 = run(21, "vzctl", (const char *[]){ "set", ct2, "--name", "web", "--save", NULL });
    cr_assert_not_null(strstr(e1, "already has that name"), "%s", e1);
    cleanup_free char *e2 = run(21, "vzctl", (const char *[]){ "set", ct2, "--name", "1web/x", "--save", NULL });
    cleanup_free char *e3 = run(21, "vzctl", (const char *[]){ "set", ct2, "--name", ct1, "--save", NULL });
    /* renaming a container to its own name is fine */
    free(run(0, "vzctl", (const char *[]){ "set", "web", "--name", "web", "--save", NULL }));

    /* the conf holds it as OpenVZ writes it */
    cleanup_free char *confp = vz_xasprintf("%s/etc/vz/conf/%s.conf", root, ct1);
    cleanup_free char *conf = NULL;
    vz_error_t err = NULL;
    cr_assert_eq(vz_read_file(confp, &conf, NULL, &err), 0);
    cr_assert_not_null(strstr(conf, "\nNAME=\"web\"\n"), "%s", conf);
    cr_assert_not_null(strstr(conf, "\nDESCRIPTION=\"front end, eu\"\n"), "%s", conf);

    free(run(0, "vzctl", (const char *[]){ "destroy", "web", NULL }));
    cr_assert(!vz_file_exists(confp));
    free(run(0, "vzctl", (const char *[]){ "destroy", ct2, NULL }));
}

/* Issue 14: LOGGING="yes" in vz.conf appends what vzctl did to LOGFILE
 * (below VZ_ROOT here): the command line with the password masked, its
 * errors and its end; read-only commands are not logged. */
Test(names, action_log)
{
    vzr_make_cache(root, TMPL, NULL);
    cleanup_free char *vzconf = vz_xasprintf("%s/etc/vz/vz.conf", root);
    const char *c = "LOGGING=\"yes\"\nLOGFILE=\"/var/log/vzctl.log\"\n";
    vz_error_t err = NULL;
    cr_assert_eq(vz_atomic_write(vzconf, c, strlen(c), 0644, &err), 0);
    free(run(0, "vzctl", (const char *[]){ "create", ct1, "--ostemplate", TMPL, NULL }));
    free(run(0, "vzctl", (const char *[]){ "set", ct1, "--userpasswd", "root:s3cret", NULL }));
    free(run(0, "vzctl", (const char *[]){ "status", ct1, NULL }));
    free(run(14, "vzctl", (const char *[]){ "start", "4242", NULL }));
    cleanup_free char *logp = vz_xasprintf("%s/var/log/vzctl.log", root);
    cleanup_free char *log = NULL;
    cr_assert_eq(vz_read_file(logp, &log, NULL, &err), 0, "no log at %s", logp);
    cleanup_free char *l1 = vz_xasprintf("vzctl create %s --ostemplate %s\n", ct1, TMPL);
    cr_assert_not_null(strstr(log, l1), "%s", log);
    cr_assert_not_null(strstr(log, "vzctl create: done\n"), "%s", log);
    cr_assert_null(strstr(log, "s3cret"), "the password is in the log: %s", log);
    cr_assert_not_null(strstr(log, "--userpasswd ***"), "%s", log);
    cr_assert_null(strstr(log, "vzctl status"), "a read-only command was logged: %s", log);
    cr_assert_not_null(strstr(log, "vzctl start 4242\n"), "%s", log);
    cr_assert_not_null(strstr(log, "error: container 4242 does not exist"), "%s", log);
    cr_assert_not_null(strstr(log, "vzctl start: exit 14\n"), "%s", log);
    struct stat st;
    cr_assert_eq(stat(logp, &st), 0);
    cr_assert_eq(st.st_mode & 0777, 0600, "the log may hold secrets of other kinds: 0600");
    free(run(0, "vzctl", (const char *[]){ "destroy", ct1, NULL }));
}
