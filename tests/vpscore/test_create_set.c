/* vzctl create takes every option of vzctl set (one option table,
 * cmd/vzctl_setopts.h) and saves them in the new conf, all or nothing; and
 * vzctl's usage errors exit 20 as OpenVZ's. Run as an admin would: the
 * binaries from build/bin over a signed cache the store made. */
#include <criterion/criterion.h>
#include <crypt.h>
#include <string.h>
#include <unistd.h>

#include "common/common.h"
#include "tests/vpscore/fixture.h"
#include "vpscore/ctconf.h"

static struct fx fx;

static void setup(void) { fx_setup_signed(&fx, NULL); }
static void teardown(void) { fx_teardown(&fx); }

TestSuite(create_set, .init = setup, .fini = teardown, .timeout = 300);

#define NAME "test-1-x86_64-minimal"

static int exists(const char *rel)
{
    cleanup_free char *p = fx_path(&fx, rel);
    return access(p, F_OK) == 0;
}

/* Every "--word" of set's usage is in create's usage too. */
Test(create_set, create_usage_lists_every_set_option)
{
    char *set = NULL, *create = NULL;
    cr_assert_eq(fx_runl(&set, "vzctl", "set", "--help", NULL), 0);
    cr_assert_eq(fx_runl(&create, "vzctl", "create", "--help", NULL), 0);
    size_t n = 0;
    for (const char *p = strstr(set, "\n  --"); p; p = strstr(p + 1, "\n  --")) {
        size_t len = strcspn(p + 3, " \n");
        cleanup_free char *opt = vz_xasprintf("\n  %.*s ", (int)len, p + 3);
        cr_expect_not_null(strstr(create, opt), "create --help lacks%s", opt);
        n++;
    }
    cr_assert_geq(n, 19, "set --help lists %zu options:\n%s", n, set);
    free(set);
    free(create);
}

Test(create_set, create_saves_set_options)
{
    char *out = NULL;
    int st = fx_runl(&out, "vzctl", "create", "101", "--ostemplate", NAME, "--hostname", "h1", "--ipadd",
                 "10.55.0.9/24", "--nameserver", "10.55.0.1", "--searchdomain", "example.test", "--ram", "256M",
                 "--swap", "128M", "--cpus", "1", "--cpulimit", "50", "--cpuunits", "1000", "--numproc", "100",
                 "--onboot", "yes", "--bootorder", "5", "--disabled", "yes", "--name", "web",
                 "--description", "front end", "--userpasswd", "user1:pw1", "--devnodes", "net/tun:rw",
                 "--seccomp", "default", NULL);
    cr_assert_eq(st, 0, "%s", out);
    free(out);
    struct vz_ct ct;
    vz_error_t err = NULL;
    cr_assert_eq(vz_ct_load("101", &ct, &err), 0);
    const struct { const char *key, *want; } keys[] = {
        { "HOSTNAME", "h1" }, { "IP_ADDRESS", "10.55.0.9/24" }, { "NAMESERVER", "10.55.0.1" },
        { "SEARCHDOMAIN", "example.test" }, { "CPUS", "1" }, { "CPULIMIT", "50" }, { "CPUUNITS", "1000" },
        { "NUMPROC", "100:100" }, { "ONBOOT", "yes" }, { "BOOTORDER", "5" }, { "DISABLED", "yes" },
        { "NAME", "web" }, { "DESCRIPTION", "front end" }, { "SECCOMP", "default" },
    };
    for (size_t i = 0; i < VZ_ARRAY_SIZE(keys); i++)
        cr_expect_str_eq(vz_conf_get(&ct.conf, keys[i].key) ? vz_conf_get(&ct.conf, keys[i].key) : "(none)",
                         keys[i].want, "%s", keys[i].key);
    long page = sysconf(_SC_PAGESIZE);
    cleanup_free char *phys = vz_xasprintf("0:%ld", (256L << 20) / page);
    cr_expect_str_eq(vz_conf_get(&ct.conf, "PHYSPAGES"), phys);
    cr_expect_not_null(strstr(vz_conf_get(&ct.conf, "DEVNODES"), "net/tun:rw"), "%s",
                       vz_conf_get(&ct.conf, "DEVNODES"));
    vz_ct_release(&ct);
    /* the password is inside, and --disabled took effect: start refuses */
    char *sh = NULL;
    cleanup_free char *shp = fx_path(&fx, "vz/private/101/upper/etc/shadow");
    cr_assert_eq(vz_read_file(shp, &sh, NULL, &err), 0);
    char *u = strstr(sh, "user1:$6$");
    cr_assert_not_null(u, "%s", sh);
    cleanup_free char *hash = vz_xasprintf("%.*s", (int)strcspn(u + 6, ":"), u + 6);
    cr_expect_str_eq(crypt("pw1", hash), hash);
    free(sh);
    st = fx_runl(&out, "vzctl", "start", "web", NULL);
    cr_expect_eq(st, 105, "%s", out);
    free(out);
}

/* A bad set value is refused before anything is made; a set that fails
 * after the create (no such user in the template's shadow) takes the new
 * container away again. */
Test(create_set, create_is_all_or_nothing)
{
    char *out = NULL;
    int st = fx_runl(&out, "vzctl", "create", "101", "--ostemplate", NAME, "--ram", "1", NULL);
    cr_assert_eq(st, 21, "%s", out);
    cr_expect_null(strstr(out, "Creating container"), "%s", out);
    free(out);
    cr_assert(!exists("etc/vz/conf/101.conf"));
    cr_assert(!exists("vz/private/101"));
    st = fx_runl(&out, "vzctl", "create", "101", "--ostemplate", NAME, "--onboot", "maybe", NULL);
    cr_assert_eq(st, 21, "%s", out);
    free(out);
    st = fx_runl(&out, "vzctl", "create", "101", "--ostemplate", NAME, "--userpasswd", "nobody:x", NULL);
    cr_assert_eq(st, 21, "%s", out);
    cr_expect_not_null(strstr(out, "nobody"), "%s", out);
    free(out);
    cr_assert(!exists("etc/vz/conf/101.conf"), "the container stayed after its set failed");
    cr_assert(!exists("vz/private/101"));
    /* and the CTID is free for the next try */
    st = fx_runl(&out, "vzctl", "create", "101", "--ostemplate", NAME, "--userpasswd", "user1:x", NULL);
    cr_assert_eq(st, 0, "%s", out);
    free(out);
}

/* OpenVZ vzctl's "invalid command line parameter": 20, for every usage error. */
Test(create_set, usage_errors_exit_20)
{
    const char *const cases[][5] = {
        { "create", "101", "--no-such", NULL },
        { "create", "101", "--ram", NULL },
        { "set", "101", "--bogus", "x", NULL },
        { "bogus-command", NULL },
        { "start", NULL },
    };
    for (size_t i = 0; i < VZ_ARRAY_SIZE(cases); i++) {
        char *argv[8] = { "vzctl" }, *out = NULL;
        for (size_t k = 0; cases[i][k]; k++)
            argv[k + 1] = (char *)cases[i][k];
        int st = fx_run(argv, &out);
        cr_expect_eq(st, 20, "vzctl %s %s: exit %d\n%s", cases[i][0], cases[i][1] ? cases[i][1] : "", st, out);
        free(out);
    }
    char *out = NULL;
    int st = fx_runl(&out, "vzlist", "--bogus", NULL);
    cr_expect_eq(st, 2, "vzlist keeps 2: %s", out);
    free(out);
}
