/* tests/run-tests.sh, the runner `make check` and the check-vm guest use: a
 * binary that hangs is killed at its limit and named with the tests it was
 * still running, a binary that leaves a *vzt* name in / fails the run, and a
 * skipped test is listed with its reason. Run on made-up "test binaries"
 * (shell scripts that print what Criterion prints). */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/common.h"

static char tmp[64];
static char stray[64];

static void setup(void)
{
    snprintf(tmp, sizeof(tmp), "/tmp/vzt-runtests-XXXXXX");
    cr_assert_not_null(mkdtemp(tmp));
    snprintf(stray, sizeof(stray), "/vzt-runtests-stray-%ld", (long)getpid());
}

static void teardown(void)
{
    vz_error_t err = NULL;
    vz_rm_rf(tmp, &err);
    vz_error_release(&err);
    rmdir(stray);
}

TestSuite(run_tests, .init = setup, .fini = teardown, .timeout = 120);

/* A made-up test binary NAME printing BODY's Criterion lines. */
static char *fake(const char *name, const char *body)
{
    char *p = vz_path_join(tmp, name);
    cleanup_free char *text = vz_xasprintf("#!/bin/sh\n%s", body);
    vz_error_t err = NULL;
    cr_assert_eq(vz_atomic_write(p, text, strlen(text), 0755, &err), 0, "%s", err ? err->msg : "");
    return p;
}

struct result {
    int status;
    struct vz_buf out;
};

/* argv's status and its output (stdout and stderr together). */
static struct result run_argv(char *const argv[])
{
    struct result r = { -1, VZ_BUF_INIT };
    vz_buf_init(&r.out);
    struct vz_run_opts o = { .out = &r.out, .errbuf = &r.out };
    vz_error_t err = NULL;
    cr_assert_eq(vz_run(argv, &o, &r.status, &err), 0, "%s", err ? err->msg : "");
    return r;
}

/* tests/run-tests.sh BIN with VZT_BIN_TIMEOUT=limit, VZ_BUILD unset (no
 * reaping: there is no vzctl to reap with). */
static struct result run(const char *bin, const char *limit)
{
    const char *src = getenv("VZ_SRC");
    cr_assert_not_null(src, "VZ_SRC is not set: run through make check");
    cleanup_free char *script = vz_path_join(src, "tests/run-tests.sh");
    cleanup_free char *cmd = vz_xasprintf("env -u VZ_BUILD VZT_BIN_TIMEOUT=%s VZT_NO_RERUN=1 sh '%s' '%s'",
                                          limit, script, bin);
    char *argv[] = { "/bin/sh", "-c", cmd, NULL };
    return run_argv(argv);
}

Test(run_tests, shellcheck_finds_no_warning)
{
    const char *src = getenv("VZ_SRC");
    cr_assert_not_null(src, "VZ_SRC is not set: run through make check");
    cleanup_free char *sc = vz_which("shellcheck");
    cr_assert_not_null(sc, "shellcheck is not installed (make deps installs it)");
    cleanup_free char *a = vz_path_join(src, "tests/run-tests.sh");
    cleanup_free char *b = vz_path_join(src, "tests/vm/check-vm.sh");
    cleanup_free char *c = vz_path_join(src, "tests/vm/check.sh");
    char *argv[] = { sc, "-S", "warning", a, b, c, NULL };
    struct result r = run_argv(argv);
    cr_assert_eq(r.status, 0, "shellcheck:\n%s", r.out.data);
    vz_buf_release(&r.out);
}

Test(run_tests, a_hung_binary_is_killed_at_its_limit_and_its_test_named)
{
    cleanup_free char *bin = fake("test_hangs", "echo '[RUN ] a::quick'\n"
                                                "echo '[PASS] a::quick: (0.00s)'\n"
                                                "echo '[RUN ] a::hangs'\n"
                                                "sleep 100\n");
    cleanup_free char *ok = fake("test_ok", "echo '[====] Synthesis: Tested: 1 | Passing: 1 | Failing: 0 | Crashing: 0 '\n");
    struct result r = run(bin, "2");
    cr_assert_neq(r.status, 0, "%s", r.out.data);
    cr_assert(strstr(r.out.data, "test_hangs: killed after its limit of 2 s"), "%s", r.out.data);
    cr_assert(strstr(r.out.data, "still running: a::hangs\n"), "%s", r.out.data);
    cr_assert_null(strstr(r.out.data, "still running: a::quick"), "%s", r.out.data);
    vz_buf_release(&r.out);
    /* the limit is per binary: a quick one passes under the same limit */
    r = run(ok, "2");
    cr_assert_eq(r.status, 0, "%s", r.out.data);
    cr_assert(strstr(r.out.data, "check: 1 passed, 0 failed"), "%s", r.out.data);
    vz_buf_release(&r.out);
}

Test(run_tests, a_binary_that_writes_a_vzt_name_in_the_root_fails)
{
    cleanup_free char *body = vz_xasprintf(
        "mkdir '%s'\necho '[====] Synthesis: Tested: 1 | Passing: 1 | Failing: 0 | Crashing: 0 '\n", stray);
    cleanup_free char *bin = fake("test_strays", body);
    struct result r = run(bin, "60");
    cr_assert_neq(r.status, 0, "%s", r.out.data);
    cleanup_free char *want = vz_xasprintf("test_strays: wrote outside its root: %s", stray);
    cr_assert(strstr(r.out.data, want), "%s", r.out.data);
    vz_buf_release(&r.out);
}

Test(run_tests, a_skipped_test_is_listed_with_its_reason)
{
    cleanup_free char *bin = fake("test_skips", "echo '[SKIP] a::needs_btrfs: no btrfs on this host'\n"
                                                "echo '[SKIP] a::filtered: Test is disabled'\n"
                                                "echo '[====] Synthesis: Tested: 1 | Passing: 1 | Failing: 0 | Crashing: 0 '\n");
    struct result r = run(bin, "60");
    cr_assert_eq(r.status, 0, "%s", r.out.data);
    cr_assert(strstr(r.out.data, "check: skipped here (1 tests"), "%s", r.out.data);
    cr_assert(strstr(r.out.data, "  test_skips: a::needs_btrfs: no btrfs on this host\n"), "%s", r.out.data);
    cr_assert_null(strstr(r.out.data, "test_skips: a::filtered"), "a filtered-out test is no skip: %s", r.out.data);
    vz_buf_release(&r.out);
}

/* Every suite declares a time limit (TestSuite(..., .timeout = N)): a hung
 * test then fails alone, is named and run again alone, and the other tests
 * of its binary still run; a test may set its own. */
Test(run_tests, every_suite_has_a_time_limit)
{
    const char *src = getenv("VZ_SRC");
    cr_assert_not_null(src, "VZ_SRC is not set: run through make check");
    cleanup_free char *cmd = vz_xasprintf(
        "cd '%s' && for d in tests/*/; do "
        "  ls \"$d\"*.c >/dev/null 2>&1 || continue; "
        "  used=$(sed -n 's/^Test(\\s*\\([a-z_0-9]*\\)\\s*,.*/\\1/p; s/^ParameterizedTest([^,]*,\\s*\\([a-z_0-9]*\\)\\s*,.*/\\1/p' \"$d\"*.c | sort -u); "
        "  timed=$(cat \"$d\"*.c | tr '\\n' ' ' | grep -o 'TestSuite([^;]*;' | grep 'timeout' | sed 's/^TestSuite(\\s*\\([a-z_0-9]*\\).*/\\1/' | sort -u); "
        "  for s in $used; do echo \"$timed\" | grep -qx \"$s\" || echo \"$d: suite $s has no TestSuite(..., .timeout = N)\"; done; "
        "done",
        src);
    char *argv[] = { "/bin/sh", "-c", cmd, NULL };
    struct result r = run_argv(argv);
    cr_assert_eq(r.status, 0);
    cr_assert_eq(r.out.len, 0, "%s", r.out.data);
    vz_buf_release(&r.out);
}

/* A Ctrl-C or a killed `make check` reaches the test binary, which `timeout`
 * runs in a process group of its own: the runner passes it on and ends. */
Test(run_tests, a_killed_run_stops_the_binary_it_runs)
{
    const char *src = getenv("VZ_SRC");
    cr_assert_not_null(src, "VZ_SRC is not set: run through make check");
    cleanup_free char *pidf = vz_path_join(tmp, "sleeper.pid");
    cleanup_free char *body = vz_xasprintf("echo '[RUN ] a::hangs'\nsleep 300 &\necho $! >'%s'\nwait\n", pidf);
    cleanup_free char *bin = fake("test_sleeps", body);
    cleanup_free char *script = vz_path_join(src, "tests/run-tests.sh");
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        freopen("/dev/null", "w", stdout);
        unsetenv("VZ_BUILD");
        execl("/bin/sh", "sh", script, bin, (char *)NULL);
        _exit(127);
    }
    /* wait for the binary to be running */
    for (int i = 0; i < 200 && access(pidf, F_OK) != 0; i++)
        usleep(50 * 1000);
    cleanup_free char *p = NULL;
    for (int i = 0; i < 100 && (p == NULL || *p == '\0'); i++) {
        free(p);
        p = NULL;
        size_t len = 0;
        vz_error_t err = NULL;
        if (vz_read_file(pidf, &p, &len, &err) < 0)
            vz_error_release(&err);
        usleep(20 * 1000);
    }
    cr_assert(p && *p, "the fake binary never started");
    pid_t sleeper = (pid_t)atoi(p);
    cr_assert_eq(kill(pid, SIGTERM), 0);
    int ws = 0;
    cr_assert_eq(waitpid(pid, &ws, 0), pid);
    cr_assert(WIFEXITED(ws) && WEXITSTATUS(ws) == 130, "runner status %d", ws);
    bool gone = false;
    for (int i = 0; i < 100 && !gone; i++) {
        gone = kill(sleeper, 0) != 0;
        usleep(50 * 1000);
    }
    if (!gone)
        kill(sleeper, SIGKILL);
    cr_assert(gone, "the test binary's process %d outlived the killed runner", (int)sleeper);
}
