#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cache/lock.h"
#include "common/common.h"
#include "util.h"

TestSuite(lock, .init = (void (*)(void))vzt_root_setup, .fini = vzt_root_teardown, .timeout = 300);

/* Child takes the template lock, reports on a pipe, then waits for the
 * parent to tell it to release (or dies, if die_holding). */
static pid_t holder(const char *name, int die_holding, int *ctl_w)
{
    int ready[2], ctl[2];
    cr_assert_eq(pipe(ready), 0);
    cr_assert_eq(pipe(ctl), 0);
    pid_t pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0) {
        close(ready[0]);
        close(ctl[1]);
        struct vz_lock *l = NULL;
        vz_error_t err = NULL;
        if (vz_lock_template(name, 0, &l, &err) < 0)
            _exit(1);
        if (write(ready[1], "k", 1) != 1)
            _exit(2);
        if (die_holding)
            raise(SIGKILL);
        char c;
        if (read(ctl[0], &c, 1) < 0)
            _exit(3);
        vz_lock_release(l);
        _exit(0);
    }
    close(ready[1]);
    close(ctl[0]);
    char c;
    cr_assert_eq(read(ready[0], &c, 1), 1, "holder did not get the lock");
    close(ready[0]);
    *ctl_w = ctl[1];
    return pid;
}

Test(lock, busy_lock_names_its_holder)
{
    int ctl;
    pid_t pid = holder("debian-12-x86_64", 0, &ctl);
    struct vz_lock *l = NULL;
    vz_error_t err = NULL;
    cr_assert_eq(vz_lock_template("debian-12-x86_64", 0, &l, &err), -1);
    cr_assert_eq(err->status, VZ_ELOCKED);
    cr_assert_eq(err->status, 9);
    /* the holder is a forked copy of this process */
    char *cmd = vzt_slurp("/proc/self/cmdline", NULL);
    char *base = strrchr(cmd, '/') ? strrchr(cmd, '/') + 1 : cmd;
    char *prefix = vz_xasprintf("template debian-12-x86_64 is locked by pid %ld (%s", (long)pid, base);
    cr_assert_eq(strncmp(err->msg, prefix, strlen(prefix)), 0, "%s", err->msg);
    cr_assert(strstr(err->msg, ") (wait with --timeout SECONDS)"), "%s", err->msg);
    vz_error_release(&err);
    cr_assert_eq(vz_lock_template("debian-12-x86_64", 1, &l, &err), -1);
    cr_assert_eq(strncmp(err->msg, prefix, strlen(prefix)), 0, "%s", err->msg);
    cr_assert(strstr(err->msg, "; gave up after 1 s (--timeout)"), "%s", err->msg);
    vz_error_release(&err);
    /* another template is not blocked */
    cr_assert_eq(vz_lock_template("debian-13-x86_64", 0, &l, &err), 0);
    vz_lock_release(l);
    cr_assert_eq(write(ctl, "x", 1), 1);
    int st;
    waitpid(pid, &st, 0);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    cr_assert_eq(vz_lock_template("debian-12-x86_64", 0, &l, &err), 0, "%s", vzt_errmsg(&err));
    vz_lock_release(l);
    free(prefix);
    free(cmd);
}

Test(lock, waiter_gets_it_when_released)
{
    int ctl;
    pid_t pid = holder("t1", 0, &ctl);
    /* release soon, from another child, so this process can wait */
    pid_t rel = fork();
    if (rel == 0) {
        usleep(300000);
        if (write(ctl, "x", 1) != 1)
            _exit(1);
        _exit(0);
    }
    struct vz_lock *l = NULL;
    vz_error_t err = NULL;
    cr_assert_eq(vz_lock_template("t1", 60, &l, &err), 0, "%s", vzt_errmsg(&err));
    vz_lock_release(l);
    waitpid(rel, NULL, 0);
    waitpid(pid, NULL, 0);
}

Test(lock, dead_holder_never_blocks)
{
    int ctl;
    pid_t pid = holder("t2", 1, &ctl);
    int st;
    waitpid(pid, &st, 0);
    cr_assert(WIFSIGNALED(st));
    struct vz_lock *l = NULL;
    vz_error_t err = NULL;
    cr_assert_eq(vz_lock_template("t2", 0, &l, &err), 0, "%s", vzt_errmsg(&err));
    /* the lock file now names us */
    char *p = vz_root_path("/vz/lock/template-t2.lock");
    char *txt = vzt_slurp(p, NULL);
    char *want = vz_xasprintf("%ld ", (long)getpid());
    cr_assert_eq(strncmp(txt, want, strlen(want)), 0, "%s", txt);
    vz_lock_release(l);
    free(want);
    free(txt);
    free(p);
}

Test(lock, reentrant_in_one_process_and_shared_pkgcache)
{
    struct vz_lock *a = NULL, *b = NULL;
    vz_error_t err = NULL;
    cr_assert_eq(vz_lock_template("t3", 0, &a, &err), 0);
    cr_assert_eq(vz_lock_template("t3", 0, &b, &err), 0, "%s", vzt_errmsg(&err));
    vz_lock_release(b);
    /* still held after one release: a child cannot take it */
    pid_t pid = fork();
    if (pid == 0) {
        struct vz_lock *c = NULL;
        vz_error_t e = NULL;
        _exit(vz_lock_template("t3", 0, &c, &e) == 0 ? 0 : 9);
    }
    int st;
    waitpid(pid, &st, 0);
    cr_assert_eq(WEXITSTATUS(st), 9);
    vz_lock_release(a);

    /* package cache: shared holders coexist, exclusive waits */
    struct vz_lock *s = NULL;
    cr_assert_eq(vz_lock_pkgcache(true, 0, &s, &err), 0);
    pid = fork();
    if (pid == 0) {
        struct vz_lock *c = NULL;
        vz_error_t e = NULL;
        int sh = vz_lock_pkgcache(true, 0, &c, &e) == 0;
        vz_lock_release(c);
        int ex = vz_lock_pkgcache(false, 0, &c, &e) == 0;
        _exit(sh && !ex ? 0 : 1);
    }
    waitpid(pid, &st, 0);
    cr_assert_eq(WEXITSTATUS(st), 0, "shared lock semantics");
    vz_lock_release(s);
}

Test(lock, timeout_parsing)
{
    int t = -1;
    vz_error_t err = NULL;
    cr_assert_eq(vz_lock_parse_timeout("30", &t, &err), 0);
    cr_assert_eq(t, 30);
    cr_assert_eq(vz_lock_parse_timeout("3x", &t, &err), -1);
    cr_assert_eq(err->status, VZ_EBADARG);
    cr_assert_str_eq(err->msg, "--timeout '3x': expected a number of seconds (0 to 604800)");
    vz_error_release(&err);
}
