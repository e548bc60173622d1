/* tests/common/test_lock.c: the one lock primitive (common/lock.h): the
 * file's mode, the holder text written without truncating, the message
 * that names the holder, vz_flock_take not re-entrant, vz_lock_acquire
 * re-entrant. Locks taken in a child are real other holders. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/common.h"
#include "common/lock.h"

static char dir[] = "/tmp/vzt-lock-XXXXXX";
static char *path;

static void setup(void)
{
    cr_assert_not_null(mkdtemp(dir));
    path = vz_xasprintf("%s/sub/a.lck", dir); /* the directory is made on demand */
}

static void teardown(void)
{
    vz_error_t err = NULL;
    vz_rm_rf(dir, &err);
    vz_error_release(&err);
    free(path);
}

static char *slurp(const char *p)
{
    char *s = NULL;
    size_t n = 0;
    vz_error_t err = NULL;
    cr_assert_eq(vz_read_file(p, &s, &n, &err), 0);
    return s;
}

static void put(const char *p, const char *text)
{
    int fd = open(p, O_WRONLY | O_TRUNC | O_CLOEXEC);
    cr_assert_geq(fd, 0);
    cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
}

/* A child that takes the lock, says so on a pipe, and waits to be killed. */
static pid_t holder(const struct vz_flock_req *r)
{
    int p[2];
    cr_assert_eq(pipe(p), 0);
    pid_t pid = fork();
    if (pid == 0) {
        int fd = -1;
        vz_error_t err = NULL;
        if (vz_flock_take(r, &fd, &err) < 0)
            _exit(1);
        if (write(p[1], "x", 1) != 1)
            _exit(1);
        pause();
        _exit(0);
    }
    close(p[1]);
    char c;
    cr_assert_eq(read(p[0], &c, 1), 1, "the child took the lock");
    close(p[0]);
    return pid;
}

static void end(pid_t pid)
{
    int st;
    kill(pid, SIGKILL);
    waitpid(pid, &st, 0);
}

TestSuite(flock, .init = setup, .fini = teardown, .timeout = 300);

Test(flock, busy_names_holder_and_hint)
{
    struct vz_flock_req r = { path, "container 101", false, 0, "; retry when it finishes" };
    pid_t pid = holder(&r);
    int fd = -1;
    vz_error_t err = NULL;
    cr_assert_eq(vz_flock_take(&r, &fd, &err), -1);
    cr_assert_eq(err->status, VZ_ELOCKED);
    char *want = vz_xasprintf("container 101 is locked by pid %ld (", (long)pid);
    cr_assert_eq(strncmp(err->msg, want, strlen(want)), 0, "%s", err->msg);
    size_t n = strlen(err->msg), h = strlen("; retry when it finishes");
    cr_assert(n > h && strcmp(err->msg + n - h, "; retry when it finishes") == 0, "%s", err->msg);
    vz_error_release(&err);
    free(want);
    end(pid);
    /* the holder died: the lock is free again */
    cr_assert_eq(vz_flock_take(&r, &fd, &err), 0, "%s", err ? err->msg : "");
    close(fd);
}

Test(flock, not_reentrant_in_one_process)
{
    struct vz_flock_req r = { path, "container 7", false, 0, NULL };
    int a = -1, b = -1;
    vz_error_t err = NULL;
    cr_assert_eq(vz_flock_take(&r, &a, &err), 0);
    cr_assert_eq(vz_flock_take(&r, &b, &err), -1);
    cr_assert_eq(err->status, VZ_ELOCKED);
    char *want = vz_xasprintf("container 7 is locked by pid %ld (", (long)getpid());
    cr_assert_eq(strncmp(err->msg, want, strlen(want)), 0, "%s", err->msg);
    cr_assert_not_null(strstr(err->msg, "(wait with --timeout SECONDS)"), "%s", err->msg);
    vz_error_release(&err);
    free(want);
    close(a);
}

Test(flock, file_is_0600_and_a_wider_mode_is_narrowed)
{
    struct vz_flock_req r = { path, "x", false, 0, NULL };
    int fd = -1;
    vz_error_t err = NULL;
    cr_assert_eq(vz_flock_take(&r, &fd, &err), 0);
    close(fd);
    struct stat st;
    cr_assert_eq(stat(path, &st), 0);
    cr_assert_eq(st.st_mode & 07777, 0600, "%o", st.st_mode & 07777);
    /* an older vzforge made them 0644: anyone could open one read-only and
     * flock it, holding every build or container off */
    cr_assert_eq(chmod(path, 0644), 0);
    r.shared = true;
    cr_assert_eq(vz_flock_take(&r, &fd, &err), 0);
    close(fd);
    cr_assert_eq(stat(path, &st), 0);
    cr_assert_eq(st.st_mode & 07777, 0600, "%o", st.st_mode & 07777);
}

Test(flock, holder_text_overwrites_longer_text_without_truncating)
{
    struct vz_flock_req r = { path, "x", false, 0, NULL };
    int fd = -1;
    vz_error_t err = NULL;
    cr_assert_eq(vz_flock_take(&r, &fd, &err), 0); /* makes the directory */
    close(fd);
    char *old = vz_xasprintf("99999 %0300d\nmore stale text\n", 1);
    put(path, old);
    cr_assert_eq(vz_flock_take(&r, &fd, &err), 0);
    char *txt = slurp(path);
    cr_assert_eq(strlen(txt), strlen(old), "padded to the old length, not truncated");
    char *want = vz_xasprintf("%ld ", (long)getpid());
    cr_assert_eq(strncmp(txt, want, strlen(want)), 0, "%s", txt);
    size_t line = strcspn(txt, "\n");
    cr_assert_lt(line, strlen(txt));
    cr_assert_eq(strspn(txt + line + 1, " "), strlen(txt + line + 1), "only padding after the first line");
    close(fd);
    free(want);
    free(txt);
    free(old);
}

Test(flock, shared_holders_and_an_old_pid_only_text)
{
    /* "PID" and padding, as an older vzctl wrote: the message stays clean */
    vz_error_t err = NULL;
    struct vz_flock_req r = { path, "container 9", true, 0, NULL };
    int fd = -1;
    cr_assert_eq(vz_flock_take(&r, &fd, &err), 0);
    close(fd);
    put(path, "4321       \n");
    pid_t pid = holder(&r); /* shared: leaves a non-empty text alone */
    int a = -1;
    cr_assert_eq(vz_flock_take(&r, &a, &err), 0, "two shared holders");
    r.shared = false;
    int b = -1;
    cr_assert_eq(vz_flock_take(&r, &b, &err), -1);
    cr_assert_str_eq(err->msg, "container 9 is locked by pid 4321 (wait with --timeout SECONDS)");
    vz_error_release(&err);
    close(a);
    end(pid);
}

Test(flock, reentrant_acquire_counts)
{
    cr_assert_eq(setenv("VZ_ROOT", dir, 1), 0);
    struct vz_lock *a = NULL, *b = NULL;
    vz_error_t err = NULL;
    cr_assert_eq(vz_lock_acquire("r.lock", "r", false, 0, &a, &err), 0);
    cr_assert_eq(vz_lock_acquire("r.lock", "r", false, 0, &b, &err), 0, "%s", err ? err->msg : "");
    cr_assert_eq(a, b);
    vz_lock_release(b);
    char *p = vz_root_path("/vz/lock/r.lock");
    struct vz_flock_req r = { p, "r", false, 0, NULL };
    int fd = -1;
    cr_assert_eq(vz_flock_take(&r, &fd, &err), -1, "still held after one release");
    vz_error_release(&err);
    vz_lock_release(a);
    cr_assert_eq(vz_flock_take(&r, &fd, &err), 0, "%s", err ? err->msg : "");
    close(fd);
    free(p);
    unsetenv("VZ_ROOT");
}
