/* tests/lib/robust.h: run vzforge's binaries on bad input and prove that
 * nothing was left behind.
 *
 *     vzr_init();                          // subreaper, once per test process
 *     struct vzr_state before; vzr_state_take(&before, root);
 *     struct vzr_res r; vzr_run(&r, "vzctl", (const char *[]){ "start", "x", NULL });
 *     vzr_assert_sane(&r, "vzctl start x");  // no signal, no sanitizer report,
 *                                          // a documented exit code, a message
 *     vzr_assert_unchanged(&before, root, allowed, "vzctl start x");
 *
 * What a test may rely on:
 * - vzr_run() runs $VZ_BUILD/bin/PROG with the caller's environment (so
 *   VZ_ROOT must be set to a temporary directory), stdin from /dev/null,
 *   stdout and stderr captured apart. A command still running after 240 s is
 *   killed (a safety net, never a timing assertion) and reported as a hang.
 * - vzr_init() makes the test process a child subreaper: a process a command
 *   leaves running (daemonised or not) is re-parented to the test, where
 *   vzr_state_take() sees it (and vzr_kill_strays() kills it, by pid).
 * - A state is: every path under root (lstat, not following links), the
 *   mount table (/proc/self/mountinfo, mount points only), the cgroups under
 *   /sys/fs/cgroup/vzforge and /sys/fs/cgroup/CONTROLLER/vzforge, the network interfaces of our network namespace (/proc/self/net/dev),
 *   and our child processes. Lock files may stay on disk (flock locks die
 *   with their holder) but none may still be held: vzr_assert_unchanged()
 *   tries a non-blocking exclusive flock on each file under root/vz/lock.
 */
#ifndef VZ_TESTS_LIB_ROBUST_H
#define VZ_TESTS_LIB_ROBUST_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct vzr_res {
    int code;       /* exit code, -1 if killed by a signal */
    int sig;        /* the signal, 0 if it exited */
    bool hung;      /* killed by the safety net */
    char *out, *err;
};

struct vzr_list {
    char **v;
    size_t n;
};

struct vzr_state {
    struct vzr_list files, mounts, cgroups, netdevs, procs;
};

void vzr_init(void);
/* Count only cgroups with one of these ids (CTIDs) as a path component
 * (other test runs on the host make cgroups of their own). NULL: all. */
void vzr_watch(const char *const *ids);
/* args: NULL-terminated, without the program name. */
void vzr_run(struct vzr_res *r, const char *prog, const char *const *args);
/* As vzr_run with extra environment entries ("K=V", NULL-terminated). */
void vzr_run_env(struct vzr_res *r, const char *prog, const char *const *args,
                 const char *const *env);
/* vzr_run's result, returned: for a suite's one-line runner,
 *     #define vzpkg(...) vzr_runv("vzpkg", (const char *const[]){ __VA_ARGS__, NULL })
 */
struct vzr_res vzr_runv(const char *prog, const char *const *args);
void vzr_res_release(struct vzr_res *r);

/* True when code is in common/error.h's VZ_STATUS_LIST. */
bool vzr_documented_code(int code);
/* No signal, no hang, no ASan/UBSan/LSan report, a documented exit code, and
 * a non-zero exit says something on stderr. what names the invocation. */
void vzr_assert_sane(const struct vzr_res *r, const char *what);

void vzr_state_take(struct vzr_state *s, const char *root);
void vzr_state_release(struct vzr_state *s);
/* Fails the test naming every difference between before and now, ignoring
 * files under root whose relative path is one of allowed, or starts with
 * one that ends in '/' (NULL-terminated; may be NULL). */
void vzr_assert_unchanged(const struct vzr_state *before, const char *root,
                          const char *const *allowed, const char *what);
/* Fails naming any lock under root/vz/lock that is still held. */
void vzr_assert_locks_free(const char *root, const char *what);
/* Kill (SIGKILL, by pid) and reap every child of ours that is not in
 * before (NULL: every child); returns how many. */
int vzr_kill_strays(const struct vzr_state *before);

/* Start $VZ_BUILD/bin/PROG in the background (stdout+stderr to log, or
 * /dev/null), with extra "K=V" env entries; returns its pid. */
pid_t vzr_spawn(const char *prog, const char *const *args, const char *const *env,
                const char *log);
/* A process below ancestor whose command line contains needle; 0 if none. */
pid_t vzr_find_descendant(pid_t ancestor, const char *needle);
/* Poll cond every 10 ms until true (true) or 120 s of the clock pass (false: a safety
 * net, not a timing assertion). With still_running > 0, stop polling (and
 * reap it) once that child has exited, returning cond's last value. */
bool vzr_wait_until(bool (*cond)(void *), void *arg, pid_t still_running);
/* SIGKILL pid and reap it; returns the wait status. */
int vzr_kill_wait(pid_t pid);

/* unshare(CLONE_NEWNS | extra_flags) and make every mount private: what a
 * command mounts or leaves mounted is seen by the test only. */
void vzr_private_ns(int extra_flags);
/* The file's contents (allocated), NULL when it cannot be read. */
char *vzr_slurp(const char *path);
/* A signed cache NAME in root's template store, packed from a tiny tree
 * (etc/passwd, etc/shadow, etc/hostname, bin -> usr/bin) after extra_sh
 * (may be NULL) ran in it; SOURCE_DATE_EPOCH is set. */
void vzr_make_cache(const char *root, const char *name, const char *extra_sh);
/* The synthetic distro "vztest" over the test repository (tests/lib/
 * testrepo.h) whose keyring is given, followed by variants (YAML text that
 * goes under "variants:"). Allocated. */
char *vzr_vztest_yaml(const char *keyring, const char *variants);
/* What a test's distro adds to that text, each YAML text or NULL: lines
 * under "architectures:" ("  aarch64: arm64\n"), entries under
 * "repositories:" after main ("  - name: plain\n..."), and top-level keys
 * before "variants:" ("environment:\n  K: V\n"). */
struct vzr_vztest_more {
    const char *architectures, *repositories, *top;
};
char *vzr_vztest_yaml_more(const char *keyring, const struct vzr_vztest_more *more,
                           const char *variants);
/* That text written to dir/vztest-1.yaml (dir made as needed); cr_asserts. */
void vzr_write_vztest_yaml(const char *dir, const char *keyring,
                           const struct vzr_vztest_more *more, const char *variants);

/* A string of n bytes of c (allocated). */
char *vzr_long_string(size_t n, char c);

#endif
