/* bench/instantiate/seccomp-cost.c: what the container's seccomp filter
 * costs (docs/seccomp.md, "Cost"): the median of N runs of
 * vz_seccomp_prepare (host side, per start and exec: the built-in program
 * for the default profile), of vz_seccomp_compile (libseccomp, what prepare
 * costs for any other profile) and of vz_seccomp_install (in
 * a forked child, as the container's init does), and the time of one
 * system call with and without the filter. Arguments: N, then KEY=VALUE
 * lines of the container's conf (SECCOMP_ALLOW=personality, ...). Built and run by seccomp.sh
 * against the project's static libraries; run as root. Prints
 * "name value unit" lines. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/common.h"
#include "vpscore/seccomp.h"

static double now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *t, int n)
{
    qsort(t, (size_t)n, sizeof(double), cmp);
    return t[n / 2];
}

/* ns per call of nr(arg) over `loops` calls, in a child (the filter stays
 * with the process that installed it). */
static double per_call_ns(const struct vz_seccomp *s, long nr, unsigned long arg, long loops)
{
    int fds[2];
    if (pipe(fds) < 0)
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        if (s && vz_seccomp_install(s) < 0)
            _exit(1);
        double a = now_us();
        for (long i = 0; i < loops; i++)
            syscall(nr, arg);
        double ns = (now_us() - a) * 1e3 / (double)loops;
        _exit(write(fds[1], &ns, sizeof(ns)) == sizeof(ns) ? 0 : 1);
    }
    close(fds[1]);
    double ns = -1;
    if (read(fds[0], &ns, sizeof(ns)) != sizeof(ns))
        ns = -1;
    close(fds[0]);
    waitpid(pid, NULL, 0);
    return ns;
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 200;
    if (n < 1)
        return 2;
    struct vz_conf c;
    vz_conf_init(&c, "/nonexistent/101.conf");
    for (int i = 2; i < argc; i++) { /* KEY=VALUE of the container's conf */
        char *eq = strchr(argv[i], '=');
        if (!eq)
            return 2;
        *eq = '\0';
        vz_conf_set(&c, argv[i], eq + 1);
    }
    double *t = vz_xcalloc((size_t)n, sizeof(double));
    struct vz_seccomp s = { 0 };
    for (int i = 0; i < n; i++) {
        vz_seccomp_release(&s);
        vz_error_t err = NULL;
        double a = now_us();
        if (vz_seccomp_prepare(&c, &s, &err) < 0) {
            fprintf(stderr, "seccomp-cost: %s\n", err->msg);
            return 1;
        }
        t[i] = now_us() - a;
    }
    printf("prepare_median %.1f us\n", median(t, n));
    printf("filter_length %u instructions\n", s.len);
    /* what prepare costs where the program is not built in (another
     * profile, another libseccomp): libseccomp compiles it */
    struct vz_seccomp sc = { 0 };
    for (int i = 0; i < n; i++) {
        vz_seccomp_release(&sc);
        vz_error_t err = NULL;
        double a = now_us();
        if (vz_seccomp_compile(&c, &sc, &err) < 0) {
            fprintf(stderr, "seccomp-cost: %s\n", err->msg);
            return 1;
        }
        t[i] = now_us() - a;
    }
    vz_seccomp_release(&sc);
    printf("compile_median %.1f us\n", median(t, n));
    for (int i = 0; i < n; i++) {
        int fds[2];
        if (pipe(fds) < 0)
            return 1;
        pid_t pid = fork();
        if (pid == 0) {
            double a = now_us();
            int rc = vz_seccomp_install(&s);
            double us = now_us() - a;
            _exit(rc == 0 && write(fds[1], &us, sizeof(us)) == sizeof(us) ? 0 : 1);
        }
        close(fds[1]);
        if (read(fds[0], &t[i], sizeof(double)) != sizeof(double)) {
            fprintf(stderr, "seccomp-cost: install failed (root needed)\n");
            return 1;
        }
        close(fds[0]);
        waitpid(pid, NULL, 0);
    }
    printf("install_median %.1f us\n", median(t, n));
    long loops = 2000000;
    printf("getppid_unfiltered %.1f ns\n", per_call_ns(NULL, SYS_getppid, 0, loops));
    printf("getppid_filtered %.1f ns\n", per_call_ns(&s, SYS_getppid, 0, loops));
    /* the longest path: personality's 59 argument rules */
    printf("personality_query_unfiltered %.1f ns\n", per_call_ns(NULL, SYS_personality, 0xffffffffUL, loops));
    printf("personality_query_filtered %.1f ns\n", per_call_ns(&s, SYS_personality, 0xffffffffUL, loops));
    vz_seccomp_release(&s);
    vz_conf_release(&c);
    free(t);
    return 0;
}
