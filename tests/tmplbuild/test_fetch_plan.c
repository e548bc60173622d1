/* vz_fetch_plan() and the package cache: URLs from the plan, skipping what
 * is cached, and a cache that holds only verified files whatever the mirror
 * does. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cache/pkgs.h"
#include "tests/lib/httpd.h"
#include "tests/tmplbuild/fetch_fixture.h"
#include "tmplbuild/fetch.h"

static void plan_setup(void)
{
    ff_setup();
    char *root = vz_path_join(ff_dir, "root");
    setenv("VZ_ROOT", root, 1);
    free(root);
}

TestSuite(fetch_plan, .init = plan_setup, .fini = ff_teardown, .timeout = 120);

static struct vz_repo_def repo;
static char *repo_uris[3];

/* A plan of n packages served under /debian (the repository's second
 * mirror; the first, /broken, has nothing). */
static struct vz_plan *make_plan(size_t n, struct ff_file **files)
{
    repo_uris[0] = ff_url("/broken");
    repo_uris[1] = ff_url("/debian/"); /* trailing slash: joined with one '/' */
    repo_uris[2] = NULL;
    repo.name = "main";
    repo.uris = repo_uris;
    struct vz_plan *p = vz_xcalloc(1, sizeof(*p));
    p->pkgs = vz_xcalloc(n, sizeof(*p->pkgs));
    p->n = n;
    for (size_t i = 0; i < n; i++) {
        char path[128];
        snprintf(path, sizeof(path), "/debian/pool/main/p/pkg%zu/pkg%zu_1.0_amd64.deb", i, i);
        files[i] = ff_add(path, 2000 + 7000 * i);
        struct vz_pkg *k = &p->pkgs[i];
        k->name = vz_xasprintf("pkg%zu", i);
        k->filename = vz_xstrdup(path + strlen("/debian/"));
        memcpy(k->sha256, files[i]->sha256, 65);
        k->size = files[i]->len;
        k->repo = &repo;
    }
    return p;
}

static void free_plan(struct vz_plan *p)
{
    for (size_t i = 0; i < p->n; i++) {
        free(p->pkgs[i].name);
        free(p->pkgs[i].filename);
    }
    free(p->pkgs);
    free(p);
    free(repo_uris[0]);
    free(repo_uris[1]);
}

/* Every file in the package cache is named by the sha256 of its content;
 * returns how many there are. */
static int assert_cache_verified(void)
{
    char *dir = vz_template_path("pkgs");
    DIR *d = opendir(dir);
    int n = 0;
    if (d == NULL) {
        free(dir);
        return 0;
    }
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        char *p = vz_path_join(dir, de->d_name);
        size_t l = strlen(de->d_name);
        if (l > 5 && strcmp(de->d_name + l - 5, ".part") == 0) {
            free(p);
            continue; /* a resumable partial file, never under a final name */
        }
        char hex[65];
        uint64_t size;
        vz_error_t err = NULL;
        cr_assert_eq(vz_sha256_file(p, hex, &size, &err), 0);
        cr_assert_str_eq(de->d_name, hex, "cache entry %s holds content with sha256 %s", de->d_name, hex);
        free(p);
        n++;
    }
    closedir(d);
    free(dir);
    return n;
}

Test(fetch_plan, fetches_into_the_cache_and_skips_cached_packages)
{
    struct ff_file *f[3];
    struct vz_plan *p = make_plan(3, f);
    vz_error_t err = NULL;
    /* pkg1 is already cached */
    cr_assert_eq(vz_pkgcache_init(&err), 0);
    char *c1 = vz_pkgcache_path(f[1]->sha256);
    cr_assert_eq(vz_atomic_write(c1, f[1]->data, f[1]->len, 0644, &err), 0);
    struct vz_fetch_opts o = ff_opts();
    cr_assert_eq(vz_fetch_plan(p, &o, &err), 0, "%s", err ? err->msg : "");
    for (int i = 0; i < 3; i++) {
        char *c = vz_pkgcache_path(f[i]->sha256);
        ff_assert_file(c, f[i]);
        cr_assert(vz_pkgcache_has(f[i]->sha256));
        free(c);
    }
    cr_assert_eq(vz_httpd_hits(ff_srv, f[0]->path), 1);
    cr_assert_eq(vz_httpd_hits(ff_srv, f[1]->path), 0, "a cached package was downloaded again");
    cr_assert_eq(vz_httpd_hits(ff_srv, f[2]->path), 1);
    cr_assert_eq(vz_httpd_hits(ff_srv, "/broken/pool/main/p/pkg0/pkg0_1.0_amd64.deb"), 1,
                 "the first mirror is tried first");
    cr_assert_eq(assert_cache_verified(), 3);
    /* a second run downloads nothing */
    unsigned before = vz_httpd_total_hits(ff_srv);
    cr_assert_eq(vz_fetch_plan(p, &o, &err), 0, "%s", err ? err->msg : "");
    cr_assert_eq(vz_httpd_total_hits(ff_srv), before);
    free(c1);
    free_plan(p);
}

Test(fetch_plan, cache_holds_only_verified_files_after_every_failure)
{
    struct ff_file *f[4];
    struct vz_plan *p = make_plan(4, f);
    const char *bad = f[2]->path;
    struct {
        enum vz_httpd_fault_kind kind;
        int64_t arg;
        const char *what;
    } faults[] = {
        { VZ_HTTPD_STATUS, 500, "HTTP 500" },
        { VZ_HTTPD_DROP, 0, "transfer closed" }, /* no progress: each drop uses a retry */
        { VZ_HTTPD_TRUNCATE, 3000, "size mismatch" },
        { VZ_HTTPD_CORRUPT, 100, "sha256 mismatch" },
        { VZ_HTTPD_STALL, 3000, "timed out" },
    };
    for (size_t k = 0; k < VZ_ARRAY_SIZE(faults); k++) {
        vz_httpd_fault(ff_srv, bad, faults[k].kind, faults[k].arg, 0);
        vz_error_t err = NULL;
        struct vz_fetch_opts o = ff_opts();
        o.retries = 1;
        o.timeout_s = 1;
        cr_assert_eq(vz_fetch_plan(p, &o, &err), -1, "fault %zu did not fail", k);
        cr_assert(strncmp(err->msg, "fetch pkg2: ", 12) == 0, "message: %s", err->msg);
        cr_assert(strstr(err->msg, faults[k].what), "fault %zu: message: %s", k, err->msg);
        cr_assert_not(vz_pkgcache_has(f[2]->sha256));
        assert_cache_verified();
        vz_error_release(&err);
    }
    vz_httpd_clear(ff_srv, bad);
    vz_error_t err = NULL;
    struct vz_fetch_opts o = ff_opts();
    cr_assert_eq(vz_fetch_plan(p, &o, &err), 0, "%s", err ? err->msg : "");
    cr_assert_eq(assert_cache_verified(), 4);
    free_plan(p);
}

Test(fetch_plan, two_processes_fetching_the_same_plan_download_once)
{
    enum { N = 8 };
    struct ff_file *f[N];
    struct vz_plan *p = make_plan(N, f);
    for (int i = 0; i < N; i++) /* overlap the two runs */
        vz_httpd_fault(ff_srv, f[i]->path, VZ_HTTPD_SLOW, 1, 0);
    pid_t pids[2];
    for (int i = 0; i < 2; i++) {
        pids[i] = fork();
        cr_assert_geq(pids[i], 0);
        if (pids[i] == 0) {
            alarm(60); /* two runs waiting for each other must fail, not hang */
            vz_error_t err = NULL;
            struct vz_fetch_opts o = ff_opts();
            o.jobs = 2;
            _exit(vz_fetch_plan(p, &o, &err) == 0 ? 0 : 1);
        }
    }
    for (int i = 0; i < 2; i++) {
        int st;
        waitpid(pids[i], &st, 0);
        cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "run %d failed (status 0x%x)", i, st);
    }
    for (int i = 0; i < N; i++)
        cr_assert_eq(vz_httpd_hits(ff_srv, f[i]->path), 1, "both processes downloaded %s", f[i]->path);
    cr_assert_eq(assert_cache_verified(), N);
    free_plan(p);
}

Test(fetch_plan, package_without_sha256_is_refused)
{
    struct ff_file *f[1];
    struct vz_plan *p = make_plan(1, f);
    p->pkgs[0].sha256[0] = '\0';
    vz_error_t err = NULL;
    cr_assert_eq(vz_fetch_plan(p, NULL, &err), -1);
    cr_assert_str_eq(err->msg, "fetch pkg0: the index gives no SHA256 for pool/main/p/pkg0/pkg0_1.0_amd64.deb");
    cr_assert_eq(vz_httpd_total_hits(ff_srv), 0);
    vz_error_release(&err);
    free_plan(p);
}

TestSuite(pkgcache, .timeout = 300);

Test(pkgcache, path_is_under_the_template_area_and_rejects_bad_digests)
{
    setenv("VZ_ROOT", "/tmp/vzt-root-x", 1);
    char *p = vz_pkgcache_path("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    cr_assert_str_eq(p, "/tmp/vzt-root-x/vz/template/pkgs/ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    free(p);
    p = vz_pkgcache_path("../../etc/passwd");
    cr_assert_str_eq(p, "/tmp/vzt-root-x/vz/template/pkgs/invalid-sha256");
    free(p);
    cr_assert_not(vz_pkgcache_has("../../etc/passwd"));
}
