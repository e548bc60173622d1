/* cmd/vzpkg_build.c: `vzpkg create-cache` (--dry-run: the resolved plan) and
 * `vzpkg fetch`. Building a cache comes with issue 4. */
#include "cache/pkgs.h"
#include "cmd/cli.h"
#include "cmd/vzpkg.h"
#include "metadata/metadata.h"
#include "tmplbuild/build.h"
#include "tmplbuild/fetch.h"
#include "tmplbuild/resolve.h"

#include <stdlib.h>
#include <string.h>

const char vzpkg_create_cache_usage[] =
    "Usage: vzpkg create-cache TEMPLATE... [--dry-run] [--force] [--jobs N] [--timeout SECONDS]\n"
    "                          [OPTIONS]\n"
    "Build a signed template cache: resolve the template's packages from its verified\n"
    "repositories, download them, install them into a fresh root (maintainer scripts\n"
    "in a sandbox), run the template's hooks, clean up and pack TEMPLATE/cache/NAME.tar.zst\n"
    "with a signed manifest. With --dry-run: print the plan (install order) only.\n"
    "  --dry-run            print the plan: package, version, architecture, download and\n"
    "                       installed size, and totals\n"
    "  --force              rebuild a cache that exists already\n"
    "  -j, --jobs N         parallel downloads (default 8)\n"
    "  --timeout SECONDS    wait this long (1 to 86400) for another build of the template\n"
    "                       or a package-cache clean (default 60)\n"
    "  --compress gz|xz|zst tarball compression (default zst; gz is what old vzctl reads)\n"
    "  --timings            print the time of each stage (index, resolve, download, unpack,\n"
    "                       configure, pack)\n"
    "  --json               the plan (--dry-run) or the build summary as JSON (an object;\n"
    "                       an array for several templates)\n"
    "  --mirror URL|NAME=URL  use this mirror (for every mirror variable, or for NAME)\n"
    "  --debug-solver DIR   write libsolv's testcase to DIR (replay with testsolv)\n"
    "  --allow-expired      accept a Release whose Valid-Until has passed\n"
    "  -q, -v, -h           quiet, verbose (timings, script output), this help\n"
    "Exit codes: docs/exit-codes.md (1 cache exists, 201 metadata, 202 resolution,\n"
    "203 download, 204 verification, 205 build step or hook failed, 206 unsafe package).\n";

const char vzpkg_fetch_usage[] =
    "Usage: vzpkg fetch TEMPLATE... [--jobs N] [--json] [OPTIONS]\n"
    "Resolve each template and download its packages into the package cache\n"
    "(TEMPLATE/pkgs), verified against the signed index. Cached packages are not\n"
    "downloaded again.\n"
    "  --jobs N             parallel downloads (default 8)\n"
    "  --mirror URL|NAME=URL  use this mirror (for every mirror variable, or for NAME)\n"
    "  --allow-expired      accept a Release whose Valid-Until has passed\n"
    "  --debug-solver DIR   write libsolv's testcase to DIR (replay with testsolv)\n"
    "  --json               a summary as JSON: template, packages, download_size,\n"
    "                       downloaded, downloaded_size (an array for several templates)\n"
    "  -q, -v, -h           quiet, verbose, this help\n";

enum {
    OPT_DRY_RUN = 0x2000,
    OPT_MIRROR,
    OPT_DEBUG_SOLVER,
    OPT_ALLOW_EXPIRED,
    OPT_JOBS,
    OPT_FORCE,
    OPT_COMPRESS,
    OPT_TIMINGS,
    OPT_TIMEOUT,
};

struct build_args {
    bool dry_run, json, allow_expired, force, timings;
    const char *compress;
    char **mirrors;
    const char *debug_solver;
    int jobs, timeout;
};

const struct option vzpkg_create_cache_options[] = {
    VZ_CLI_COMMON_OPTS,
    { "dry-run", no_argument, NULL, OPT_DRY_RUN },
    { "json", no_argument, NULL, VZ_OPT_JSON },
    { "mirror", required_argument, NULL, OPT_MIRROR },
    { "debug-solver", required_argument, NULL, OPT_DEBUG_SOLVER },
    { "allow-expired", no_argument, NULL, OPT_ALLOW_EXPIRED },
    { "jobs", required_argument, NULL, OPT_JOBS },
    { "force", no_argument, NULL, OPT_FORCE },
    { "compress", required_argument, NULL, OPT_COMPRESS },
    { "timings", no_argument, NULL, OPT_TIMINGS },
    { "timeout", required_argument, NULL, OPT_TIMEOUT },
    { NULL, 0, NULL, 0 },
};

/* fetch: create-cache's options without those of building and waiting
 * (--dry-run, --force, --compress, --timings, --timeout). */
const struct option vzpkg_fetch_options[] = {
    VZ_CLI_COMMON_OPTS,
    { "json", no_argument, NULL, VZ_OPT_JSON },
    { "mirror", required_argument, NULL, OPT_MIRROR },
    { "debug-solver", required_argument, NULL, OPT_DEBUG_SOLVER },
    { "allow-expired", no_argument, NULL, OPT_ALLOW_EXPIRED },
    { "jobs", required_argument, NULL, OPT_JOBS },
    { NULL, 0, NULL, 0 },
};

static int parse(int argc, char **argv, const char *usage, const struct option *opts, struct build_args *a)
{
    int c;
    while ((c = vz_cli_getopt(argc, argv, "hqvj:", opts)) != -1) {
        if (vz_cli_common_opt(c, usage))
            continue;
        switch (c) {
        case OPT_DRY_RUN:
            a->dry_run = true;
            break;
        case VZ_OPT_JSON:
            a->json = true;
            break;
        case OPT_MIRROR: {
            int rc = vzpkg_mirror_opt(optarg, &a->mirrors);
            if (rc != 0)
                return rc;
            break;
        }
        case OPT_DEBUG_SOLVER:
            a->debug_solver = optarg;
            break;
        case OPT_ALLOW_EXPIRED:
            a->allow_expired = true;
            break;
        case OPT_FORCE:
            a->force = true;
            break;
        case OPT_TIMEOUT: {
            char *end;
            long n = strtol(optarg, &end, 10);
            if (*optarg == '\0' || *end || n < 1 || n > 86400) {
                vz_error_t err = NULL;
                vz_error_set(&err, VZ_EBADARG, 0, "--timeout %s: give a number of seconds from 1 to 86400",
                             optarg);
                return vz_cli_fail(&err);
            }
            a->timeout = (int)n;
            break;
        }
        case OPT_COMPRESS:
            if (strcmp(optarg, "gz") && strcmp(optarg, "xz") && strcmp(optarg, "zst")) {
                vz_error_t err = NULL;
                vz_error_set(&err, VZ_EBADARG, 0, "--compress %s: give gz, xz or zst", optarg);
                return vz_cli_fail(&err);
            }
            a->compress = optarg;
            break;
        case OPT_TIMINGS:
            a->timings = true;
            break;
        case 'j':
        case OPT_JOBS: {
            char *end;
            long n = strtol(optarg, &end, 10);
            if (*end || n < 1 || n > 64) {
                vz_error_t err = NULL;
                vz_error_set(&err, VZ_EBADARG, 0, "--jobs %s: give a number from 1 to 64", optarg);
                return vz_cli_fail(&err);
            }
            a->jobs = (int)n;
            break;
        }
        default:
            return vz_cli_usage_error(usage, NULL);
        }
    }
    if (optind >= argc)
        return vz_cli_usage_error(usage, "no TEMPLATE given");
    return 0;
}

static int resolve_one(const char *name, const struct build_args *a, struct vz_template **tp,
                       struct vz_plan **plan, vz_error_t *err)
{
    struct vz_metadata_opts mo = { .mirrors = a->mirrors };
    if (vz_template_load(name, &mo, tp, err) < 0)
        return -1;
    struct vz_resolve_opts ro = { .repo = { .allow_expired = a->allow_expired },
                                  .debug_solver_dir = a->debug_solver };
    struct vz_resolve_stats st = { 0 };
    if (vz_resolve(*tp, &ro, plan, &st, err) < 0)
        return -1;
    vz_debug("%s: index %.3f s (%u from .solv, %u parsed, %u index downloads, %u solvables), "
             "solve %.3f s", name, st.t_index, st.repo.solv_loads, st.repo.parses,
             st.repo.index_downloads, st.pool_solvables, st.t_solve);
    return 0;
}

static json_t *plan_json(const struct vz_template *t, const struct vz_plan *p)
{
    json_t *pk = json_array();
    for (size_t i = 0; i < p->n; i++) {
        const struct vz_pkg *k = &p->pkgs[i];
        json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:b, s:s?, s:s?, s:s?}",
                              "name", k->name, "version", k->version, "arch", k->arch,
                              "filename", k->filename, "sha256", k->sha256,
                              "size", (json_int_t)k->size,
                              "installed_size", (json_int_t)k->installed_size,
                              "essential", k->essential, "priority", k->priority,
                              "multi_arch", k->multi_arch,
                              "repository", k->repo ? k->repo->name : NULL);
        json_array_append_new(pk, o);
    }
    json_t *repos = json_array();
    for (size_t i = 0; i < p->n_repos; i++)
        json_array_append_new(repos, json_pack("{s:s, s:s, s:s?, s:s}", "name", p->repos[i].name,
                                               "suite", p->repos[i].suite, "date", p->repos[i].date,
                                               "release_sha256", p->repos[i].release_sha256));
    return json_pack("{s:s, s:I, s:I, s:I, s:o, s:o}", "template", t->name,
                     "count", (json_int_t)p->n, "total_size", (json_int_t)p->total_size,
                     "total_installed_size", (json_int_t)p->total_installed_size,
                     "packages", pk, "repositories", repos);
}

static void plan_print(const struct vz_template *t, const struct vz_plan *p)
{
    int wn = 7, wv = 7, wa = 4;
    for (size_t i = 0; i < p->n; i++) {
        int n = (int)strlen(p->pkgs[i].name), v = (int)strlen(p->pkgs[i].version),
            a = (int)strlen(p->pkgs[i].arch);
        wn = n > wn ? n : wn;
        wv = v > wv ? v : wv;
        wa = a > wa ? a : wa;
    }
    for (size_t i = 0; i < p->n_repos; i++)
        printf("# repository %s: %s, Release of %s\n", p->repos[i].name, p->repos[i].suite,
               p->repos[i].date ? p->repos[i].date : "(no date)");
    printf("# %s: install order\n", t->name);
    printf("%-*s  %-*s  %-*s  %10s  %10s\n", wn, "PACKAGE", wv, "VERSION", wa, "ARCH", "DOWNLOAD",
           "INSTALLED");
    char b1[16], b2[16];
    for (size_t i = 0; i < p->n; i++) {
        const struct vz_pkg *k = &p->pkgs[i];
        printf("%-*s  %-*s  %-*s  %10s  %10s\n", wn, k->name, wv, k->version, wa, k->arch,
               vz_human_bytes(k->size, b1), vz_human_bytes(k->installed_size, b2));
    }
    printf("%zu packages, download %s, installed %s\n", p->n, vz_human_bytes(p->total_size, b1),
           vz_human_bytes(p->total_installed_size, b2));
}

static json_t *timings_json(const struct vz_build_timings *t)
{
    return json_pack("{s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f}", "index", t->index,
                     "resolve", t->resolve, "download", t->download, "unpack", t->unpack,
                     "preinst", t->preinst, "configure", t->configure, "hooks", t->hooks,
                     "cleanup", t->cleanup, "pack", t->pack, "total", t->total);
}

static json_t *build_json(const struct vz_build_result *r)
{
    return json_pack("{s:s, s:I, s:I, s:I, s:s, s:I, s:s, s:o, s:o}", "template",
                     r->template_name, "packages", (json_int_t)r->packages, "download_size",
                     (json_int_t)r->download_size, "installed_size",
                     (json_int_t)r->installed_size, "tarball", r->tarball, "tar_size",
                     (json_int_t)r->tar_size, "tar_sha256", r->tar_sha256, "timings",
                     timings_json(&r->t), "cpu", timings_json(&r->cpu));
}

/* Wall and CPU seconds per stage; CPU/wall above 1 means the stage used
 * more than one core, well below 1 that it waited (network, disk, load). */
static void print_timings(const struct vz_build_result *r)
{
    static const char *const name[] = { "index", "resolve", "download", "unpack", "preinst",
                                        "configure", "hooks", "cleanup", "pack", "total" };
    const struct vz_build_timings *t = &r->t, *c = &r->cpu;
    const double wall[] = { t->index, t->resolve, t->download, t->unpack, t->preinst,
                            t->configure, t->hooks, t->cleanup, t->pack, t->total };
    const double cpu[] = { c->index, c->resolve, c->download, c->unpack, c->preinst,
                           c->configure, c->hooks, c->cleanup, c->pack, c->total };
    fprintf(stderr, "timings for %s (%zu packages):\n", r->template_name, r->packages);
    for (size_t i = 0; i < sizeof(name) / sizeof(name[0]); i++)
        fprintf(stderr, "  %-10s %7.3f s  cpu %7.3f s (%3.0f%%)\n", name[i], wall[i], cpu[i],
                wall[i] > 0 ? 100 * cpu[i] / wall[i] : 0.0);
}

/* The results of several templates as an array, of one as the object
 * alone; printed only when all succeeded (status 0). */
static void print_results(json_t *all, int status)
{
    if (all && status == 0 && json_array_size(all) == 1) {
        json_t *one = json_incref(json_array_get(all, 0));
        json_decref(all);
        all = one;
    }
    if (all && status == 0)
        vz_cli_print_json(all);
    else if (all)
        json_decref(all);
}

static int build_all(int argc, char **argv, const struct build_args *a)
{
    json_t *all = a->json ? json_array() : NULL;
    int status = 0;
    for (int i = optind; i < argc; i++) {
        struct vz_build_opts bo = { .mirrors = a->mirrors, .jobs = a->jobs,
                                    .compress = a->compress, .force = a->force,
                                    .allow_expired = a->allow_expired, .lock_timeout_s = a->timeout,
                                    .debug_solver_dir = a->debug_solver };
        struct vz_build_result res;
        vz_error_t err = NULL;
        int r = vz_build_template(argv[i], &bo, &res, &err);
        if (a->timings && res.template_name)
            print_timings(&res);
        if (r < 0) {
            vz_build_result_release(&res);
            status = vz_cli_fail(&err);
            break;
        }
        char b1[16];
        vz_info("%s: %zu packages, cache %s (%s) signed and stored", res.template_name,
                res.packages, res.tarball, vz_human_bytes(res.tar_size, b1));
        if (all)
            json_array_append_new(all, build_json(&res));
        vz_build_result_release(&res);
    }
    print_results(all, status);
    return status;
}

int vzpkg_create_cache(int argc, char **argv)
{
    struct build_args a = { 0 };
    int r = parse(argc, argv, vzpkg_create_cache_usage, vzpkg_create_cache_options, &a);
    cleanup_strv char **mirrors = a.mirrors;
    if (r != 0)
        return r;
    vz_error_t err = NULL;
    if (!a.dry_run)
        return build_all(argc, argv, &a);
    json_t *all = a.json ? json_array() : NULL;
    int status = 0;
    for (int i = optind; i < argc; i++) {
        struct vz_template *t = NULL;
        struct vz_plan *plan = NULL;
        if (resolve_one(argv[i], &a, &t, &plan, &err) < 0) {
            status = vz_cli_fail(&err);
            vz_template_free(t);
            break;
        }
        if (all)
            json_array_append_new(all, plan_json(t, plan));
        else
            plan_print(t, plan);
        vz_plan_free(plan);
        vz_template_free(t);
    }
    print_results(all, status);
    return status;
}

int vzpkg_fetch(int argc, char **argv)
{
    struct build_args a = { 0 };
    int r = parse(argc, argv, vzpkg_fetch_usage, vzpkg_fetch_options, &a);
    cleanup_strv char **mirrors = a.mirrors;
    if (r != 0)
        return r;
    vz_error_t err = NULL;
    json_t *all = a.json ? json_array() : NULL;
    int status = 0;
    for (int i = optind; i < argc && status == 0; i++) {
        struct vz_template *t = NULL;
        struct vz_plan *plan = NULL;
        if (resolve_one(argv[i], &a, &t, &plan, &err) < 0) {
            vz_template_free(t);
            status = vz_cli_fail(&err);
            break;
        }
        /* what is missing now is what this fetch downloads */
        size_t missing = 0;
        uint64_t missing_size = 0;
        for (size_t k = 0; k < plan->n; k++)
            if (!vz_pkgcache_has(plan->pkgs[k].sha256)) {
                missing++;
                missing_size += plan->pkgs[k].size;
            }
        struct vz_fetch_opts fo = { .jobs = a.jobs };
        int fr = vz_fetch_plan(plan, &fo, &err);
        if (fr == 0) {
            char b[16];
            vz_info("%s: %zu packages (%s) in the package cache", t->name, plan->n,
                    vz_human_bytes(plan->total_size, b));
            if (all)
                json_array_append_new(all, json_pack("{s:s, s:I, s:I, s:I, s:I}", "template",
                                                     t->name, "packages", (json_int_t)plan->n,
                                                     "download_size", (json_int_t)plan->total_size,
                                                     "downloaded", (json_int_t)missing,
                                                     "downloaded_size", (json_int_t)missing_size));
        }
        vz_plan_free(plan);
        vz_template_free(t);
        if (fr < 0)
            status = vz_cli_fail(&err);
    }
    print_results(all, status);
    return status;
}
