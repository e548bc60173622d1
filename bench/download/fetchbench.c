/* bench/download/fetchbench.c: download a list of packages into an empty
 * package cache with vz_fetch_plan(), as `vzpkg fetch` does, and print the
 * wall time. Built by run.sh against the build's static libraries.
 *
 *   fetchbench [--no-sync] MIRROR LIST [JOBS]
 * LIST lines: "FILENAME SIZE SHA256 NAME" (FILENAME relative to MIRROR).
 * The cache is $VZ_ROOT/vz/template/pkgs (set VZ_ROOT to a scratch dir).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/common.h"
#include "tmplbuild/fetch.h"
#include "tmplbuild/plan.h"

int main(int argc, char **argv)
{
    bool no_sync = argc > 1 && strcmp(argv[1], "--no-sync") == 0;
    if (no_sync) {
        argv++;
        argc--;
    }
    if (argc < 3) {
        fprintf(stderr, "usage: fetchbench [--no-sync] MIRROR LIST [JOBS]\n");
        return 2;
    }
    vz_log_prog = "fetchbench";
    char *uris[] = { argv[1], NULL };
    struct vz_repo_def repo = { .name = "main", .uris = uris };
    FILE *f = fopen(argv[2], "r");
    if (f == NULL) {
        perror(argv[2]);
        return 1;
    }
    struct vz_plan plan = { 0 };
    size_t cap = 0;
    char fn[1024], sha[128], name[256];
    unsigned long long size;
    while (fscanf(f, "%1023s %llu %127s %255s", fn, &size, sha, name) == 4) {
        if (plan.n == cap) {
            cap = cap ? cap * 2 : 64;
            plan.pkgs = vz_xrealloc(plan.pkgs, cap * sizeof(*plan.pkgs));
        }
        struct vz_pkg *p = &plan.pkgs[plan.n++];
        memset(p, 0, sizeof(*p));
        p->name = vz_xstrdup(name);
        p->filename = vz_xstrdup(fn);
        snprintf(p->sha256, sizeof(p->sha256), "%s", sha);
        p->size = size;
        p->repo = &repo;
        plan.total_size += size;
    }
    fclose(f);
    struct vz_fetch_opts o = { .jobs = argc > 3 ? atoi(argv[3]) : 0, .no_sync = no_sync };
    vz_error_t err = NULL;
    double t0 = vz_now();
    int r = vz_fetch_plan(&plan, &o, &err);
    double el = vz_now() - t0;
    if (r < 0)
        return vz_error_report("fetchbench", &err);
    printf("%.3f\n", el);
    for (size_t i = 0; i < plan.n; i++) {
        free(plan.pkgs[i].name);
        free(plan.pkgs[i].filename);
    }
    free(plan.pkgs);
    return 0;
}
