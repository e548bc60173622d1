/* systemd/vz.service.in, the boot service, as make builds it: systemd's own
 * checker accepts it (systemd-analyze verify works without systemd as PID
 * 1), and it says what start-all/stop-all need from it. Pointing its
 * ExecStart at this build's vzctl is what lets verify check the commands. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/common.h"
#include "tests/lib/reaper.h"

static char dir[] = "/tmp/vzt-unit-XXXXXX";

/* The unit as build/vz.service is made, with @SBINDIR@ = build/bin. */
static char *make_unit(void)
{
    const char *src = getenv("VZ_SRC"), *build = getenv("VZ_BUILD");
    cr_assert(src && build, "VZ_SRC / VZ_BUILD not set: run through make check");
    cr_assert(vzt_mkroot(dir));
    cleanup_free char *in = vz_xasprintf("%s/systemd/vz.service.in", src);
    cleanup_free char *binp = vz_xasprintf("%s/bin", build);
    char *unit = vz_path_join(dir, "vz.service");
    char *argv[] = { "sed", "-e", NULL, in, NULL };
    cleanup_free char *expr = vz_xasprintf("s|@SBINDIR@|%s|g", binp);
    argv[2] = expr;
    struct vz_buf out = VZ_BUF_INIT;
    vz_buf_init(&out);
    struct vz_run_opts o = { .out = &out };
    vz_error_t err = NULL;
    cr_assert_eq(vz_run_ok(argv, &o, &err), 0, "%s", err ? err->msg : "");
    cr_assert_eq(vz_atomic_write(unit, out.data, out.len, 0644, &err), 0);
    vz_buf_release(&out);
    return unit;
}

static void cleanup(void)
{
    vz_error_t err = NULL;
    vz_rm_rf(dir, &err);
    vz_error_release(&err);
}

TestSuite(vz_service, .fini = cleanup, .timeout = 300);

Test(vz_service, systemd_analyze_verify_accepts_it)
{
    cleanup_free char *unit = make_unit();
    cr_assert_eq(access("/usr/bin/systemd-analyze", X_OK), 0,
                 "systemd-analyze missing (package systemd, in DEPS_DEB): the unit cannot be checked");
    char *argv[] = { "systemd-analyze", "verify", unit, NULL };
    struct vz_buf out = VZ_BUF_INIT;
    vz_buf_init(&out);
    struct vz_run_opts o = { .out = &out, .errbuf = &out };
    int st = -1;
    vz_error_t err = NULL;
    cr_assert_eq(vz_run(argv, &o, &st, &err), 0, "%s", err ? err->msg : "");
    cr_assert_eq(st, 0, "systemd-analyze verify: exit %d:\n%s", st, out.data);
    cr_assert_eq(out.len, 0, "systemd-analyze verify complains:\n%s", out.data);
    vz_buf_release(&out);
}

/* The value of KEY= in the unit (first occurrence, comments skipped). */
static long long num(const char *text, const char *key)
{
    cleanup_free char *k = vz_xasprintf("\n%s=", key);
    const char *p = strstr(text, k);
    cr_assert(p, "%s= missing", key);
    return atoll(p + strlen(k));
}

static int has_line(const char *text, const char *line)
{
    cleanup_free char *l = vz_xasprintf("\n%s\n", line);
    return strstr(text, l) != NULL;
}

Test(vz_service, starts_onboot_stops_all_and_leaves_the_containers_to_execstop)
{
    cleanup_free char *unit = make_unit();
    vz_error_t err = NULL;
    cleanup_free char *text = NULL;
    cr_assert_eq(vz_read_file(unit, &text, NULL, &err), 0);
    cleanup_free char *start = vz_xasprintf("ExecStart=%s/bin/vzctl start-all --onboot", getenv("VZ_BUILD"));
    cr_assert(has_line(text, start), "%s", text);
    cleanup_free char *stop = vz_xasprintf("ExecStop=%s/bin/vzctl stop-all --timeout 240", getenv("VZ_BUILD"));
    cr_assert(has_line(text, stop), "%s", text);
    cr_assert(has_line(text, "Type=oneshot"));
    cr_assert(has_line(text, "RemainAfterExit=yes"));
    cr_assert(has_line(text, "KillMode=process"), "systemd would signal what is in the unit before ExecStop");
    /* a partial start must keep the unit active, or ExecStop never runs */
    cr_assert_eq(num(text, "SuccessExitStatus"), VZ_EPARTIAL);
    /* stop-all's deadline, plus the 30 s a killed init is given to exit,
     * fits in systemd's stop timeout */
    cr_assert_geq(num(text, "TimeoutStopSec"), 240 + 30);
    cr_assert(strstr(text, "\nAfter=") && strstr(text, "local-fs.target") && strstr(text, "network.target"));
    cr_assert(has_line(text, "WantedBy=multi-user.target"));
}
