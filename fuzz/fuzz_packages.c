/* fuzz/fuzz_packages.c: the Packages index reader (tmplbuild/deb/repo_index.c).
 *
 * Input: a Packages file (plain, or compressed as libarchive reads it). It
 * is parsed into a libsolv repository the way a verified index is, together
 * with the line scanner that adds Priority, Essential and Size; when that
 * succeeds the repository is written as .solv and read back, and must hold
 * the same number of packages.
 */
#include <string.h>
#include <unistd.h>

#include <solv/pool.h>
#include <solv/repo.h>

#include "common/common.h"
#include "fuzz/util.h"
#include "tmplbuild/deb/repo_int.h"

static char *solv_path;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_init();
    solv_path = vz_path_join(fuzz_root, "index.solv");
    return 0;
}

static Pool *new_pool(void)
{
    Pool *pool = pool_create();
    pool_setdisttype(pool, DISTTYPE_DEB);
    pool_setarch(pool, "amd64");
    return pool;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[64];
    int fd = fuzz_memfd(data, size, path);
    Pool *pool = new_pool();
    Repo *repo = repo_create(pool, "main");
    vz_error_t err = NULL;
    if (vz_repo_index_parse(repo, path, &err) < 0) {
        vz_error_release(&err);
        goto out;
    }
    if (vz_repo_index_write_solv(repo, solv_path, &err) < 0)
        fuzz_fail("write .solv: %s", err->msg);
    Pool *p2 = new_pool();
    Repo *r2 = repo_create(p2, "main");
    int l = vz_repo_index_load_solv(r2, solv_path, &err);
    if (l != 1)
        fuzz_fail("load .solv: %s", l < 0 ? err->msg : "unusable");
    if (r2->nsolvables != repo->nsolvables)
        fuzz_fail(".solv holds %d packages, the index %d", r2->nsolvables, repo->nsolvables);
    pool_free(p2);
out:
    pool_free(pool);
    close(fd);
    return 0;
}
