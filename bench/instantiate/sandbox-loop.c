/* bench/instantiate/sandbox-loop.c: time N runs of vz_sandbox_run(ROOT, true),
 * the builder's path for maintainer scripts. Built by start.sh against the
 * project's static libraries; prints the median in ms. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "common/common.h"
#include "vpscore/sandbox.h"

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    if (argc != 3)
        return 2;
    int n = atoi(argv[2]);
    double *t = vz_xcalloc((size_t)n, sizeof(double));
    char *cmd[] = { "/bin/true", NULL };
    for (int i = 0; i < n; i++) {
        struct timespec a, b;
        struct vz_sandbox_opts o = { .root = argv[1], .argv = cmd };
        int st = -1;
        vz_error_t err = NULL;
        clock_gettime(CLOCK_MONOTONIC, &a);
        if (vz_sandbox_run(&o, &st, &err) < 0 || st != 0) {
            fprintf(stderr, "sandbox-loop: %s (status %d)\n", err ? err->msg : "failed", st);
            return 1;
        }
        clock_gettime(CLOCK_MONOTONIC, &b);
        t[i] = (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6;
    }
    qsort(t, (size_t)n, sizeof(double), cmp);
    printf("%.2f\n", t[n / 2]);
    free(t);
    return 0;
}
