/* bench/resolve/index_bench.c: loading one Debian Packages index into libsolv
 * three ways, best of N runs each:
 *   bare   repo_add_debpackages() on the compressed file (solv_xfopen), the
 *          floor any libsolv-based tool pays on a cold start;
 *   cold   vzforge's parse: libarchive decompression + field scan +
 *          repo_add_debpackages + priority/essential/size keys, then the .solv
 *          written (what a first vzpkg run does after the download);
 *   solv   loading that .solv copy (every later run).
 * Usage: index_bench PACKAGES.xz WORKDIR [RUNS]
 * Prints "name seconds solvables" lines. */
#include <stdio.h>
#include <stdlib.h>

#include <solv/pool.h>
#include <solv/poolarch.h>
#include <solv/repo.h>
#include <solv/repo_deb.h>
#include <solv/solv_xfopen.h>

#include "common/common.h"
#include "tmplbuild/deb/repo_int.h"

static Pool *new_pool(void)
{
    Pool *pool = pool_create();
    pool_setdisttype(pool, DISTTYPE_DEB);
    pool_setarch(pool, "amd64");
    return pool;
}

static void die(vz_error_t *err)
{
    fprintf(stderr, "index_bench: %s\n", (*err)->msg);
    exit(1);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: index_bench PACKAGES.xz WORKDIR [RUNS]\n");
        return 2;
    }
    int runs = argc > 3 ? atoi(argv[3]) : 3;
    cleanup_free char *solv = vz_path_join(argv[2], "bench.solv");
    double best[3] = { 1e9, 1e9, 1e9 };
    int n[3] = { 0, 0, 0 };
    vz_error_t err = NULL;
    for (int r = 0; r < runs; r++) {
        Pool *pool = new_pool();
        Repo *repo = repo_create(pool, "bare");
        double t0 = vz_now();
        FILE *f = solv_xfopen(argv[1], "r");
        if (f == NULL) {
            fprintf(stderr, "index_bench: cannot open %s\n", argv[1]);
            return 1;
        }
        repo_add_debpackages(repo, f, 0);
        fclose(f);
        double t = vz_now() - t0;
        best[0] = t < best[0] ? t : best[0];
        n[0] = repo->nsolvables;
        pool_free(pool);

        pool = new_pool();
        repo = repo_create(pool, "cold");
        t0 = vz_now();
        if (vz_repo_index_parse(repo, argv[1], &err) < 0 || vz_repo_index_write_solv(repo, solv, &err) < 0)
            die(&err);
        t = vz_now() - t0;
        best[1] = t < best[1] ? t : best[1];
        n[1] = repo->nsolvables;
        pool_free(pool);

        pool = new_pool();
        repo = repo_create(pool, "solv");
        t0 = vz_now();
        if (vz_repo_index_load_solv(repo, solv, &err) != 1)
            die(&err);
        t = vz_now() - t0;
        best[2] = t < best[2] ? t : best[2];
        n[2] = repo->nsolvables;
        pool_free(pool);
    }
    printf("bare %.4f %d\ncold %.4f %d\nsolv %.4f %d\n", best[0], n[0], best[1], n[1], best[2], n[2]);
    return 0;
}
