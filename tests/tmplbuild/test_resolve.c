/* tmplbuild/resolve: base set, alternatives, virtual packages, Pre-Depends
 * order, excludes and solver problems, on synthetic repositories. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/common.h"
#include "tests/lib/testrepo.h"
#include "tmplbuild/resolve.h"

static char tmp[64];
static char *repodir, *datadir;

static void setup(void)
{
    strncpy(tmp, "/tmp/vzt-resolve-XXXXXX", sizeof(tmp));
    cr_assert_not_null(mkdtemp(tmp));
    repodir = vz_path_join(tmp, "mirror");
    datadir = vz_path_join(tmp, "repodata");
}

static void teardown(void)
{
    vz_error_t err = NULL;
    vz_rm_rf(tmp, &err);
    vz_error_release(&err);
    free(repodir);
    free(datadir);
}

TestSuite(resolve, .init = setup, .fini = teardown, .timeout = 300);

static struct vz_testrepo repo_of(const struct vz_testpkg *pkgs, size_t n)
{
    struct vz_testrepo r;
    vz_error_t err = NULL;
    int rc = vz_testrepo_create(repodir, pkgs, n, NULL, &r, &err);
    cr_assert_eq(rc, 0, "%s", err ? err->msg : "");
    return r;
}

static int resolve(const struct vz_template *t, const char *debug_dir, struct vz_plan **plan,
                   vz_error_t *err)
{
    struct vz_resolve_opts o = { .repo = { .repodata_dir = datadir }, .debug_solver_dir = debug_dir };
    return vz_resolve(t, &o, plan, NULL, err);
}

static int cmpstr(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted, space-separated names of the plan. */
static char *names(const struct vz_plan *p)
{
    char **v = NULL;
    for (size_t i = 0; i < p->n; i++)
        vz_strv_push(&v, p->pkgs[i].name);
    qsort(v, p->n, sizeof(char *), cmpstr);
    struct vz_buf b = VZ_BUF_INIT;
    vz_buf_init(&b);
    for (size_t i = 0; i < p->n; i++)
        vz_buf_addf(&b, "%s%s", i ? " " : "", v[i]);
    vz_strv_free(v);
    char *s = vz_buf_detach(&b, NULL);
    vz_buf_release(&b);
    return s;
}

static const struct vz_pkg *find(const struct vz_plan *p, const char *name)
{
    for (size_t i = 0; i < p->n; i++)
        if (strcmp(p->pkgs[i].name, name) == 0)
            return &p->pkgs[i];
    return NULL;
}

static size_t pos(const struct vz_plan *p, const char *name)
{
    const struct vz_pkg *k = find(p, name);
    cr_assert_not_null(k, "%s not in plan", name);
    return (size_t)(k - p->pkgs);
}

static const struct vz_testpkg broken_pkgs[] = {
    { .name = "sh-t", .version = "1", .priority = "required", .essential = true },
    { .name = "broken", .version = "1.0", .depends = "missing-lib (>= 2), sh-t" },
    { .name = "missing-lib", .version = "1.0-1" },
};

/* One template resolved against one repository: a row of this table. Each
 * row runs as its own test and names itself in every failure. */
struct resolve_case {
    const char *name;              /* what the row shows, in every failure message */
    bool broken_repo;              /* broken_pkgs instead of the test repository */
    const char *packages[3];       /* the template's packages (none: the base set only) */
    const char *excludes[2];
    bool no_base;                  /* base_required off */
    const char *names;             /* the plan's names, sorted; NULL: not checked */
    const char *before[6][2];      /* pairs: the first comes before the second in the plan */
    const char *pkg, *version, *multi_arch; /* a field of one package of the plan */
    const char *fail;              /* NULL: must resolve; else the whole message */
    int status;                    /* of the error, when not 0 */
};

static const struct resolve_case resolve_cases[] = {
    /* i386-only (required, wrong arch), gawk-t (second awk), pager-b (second
     * alternative), editor-t (important) and oldver are not in it */
    { .name = "minimal_set_is_essential_required_and_their_deps", .names = VZ_TESTREPO_MINIMAL },
    { .name = "pre_depends_and_depends_come_first", .packages = { "editor-t" },
      .before = { { "busybox-sh", "base-passwd" }, { "busybox-sh", "dpkg-alts" },
                  { "dpkg-alts", "editor-t" }, { "libt1", "tools-t" }, { "newapi", "tools-t" },
                  { "mawk-t", "tools-t" } } },
    { .name = "excluded_alternative_falls_to_the_next", .excludes = { "pager-a" },
      .names = "base-files base-passwd busybox-sh dpkg-alts libt1 mawk-t newapi pager-b tools-t" },
    { .name = "excluded_virtual_provider_switches_to_the_other", .excludes = { "mawk-t" },
      .names = "base-files base-passwd busybox-sh dpkg-alts gawk-t libt1 newapi pager-a tools-t" },
    { .name = "newest_version_and_virtual_name_requests", .packages = { "oldver", "oldapi" },
      .no_base = true, .names = "newapi oldver", .pkg = "oldver", .version = "2.0" },
    { .name = "multiarch_any_dependency", .packages = { "script-t" }, .no_base = true,
      .names = "interp-t script-t", .before = { { "interp-t", "script-t" } }, .pkg = "interp-t",
      .multi_arch = "allowed" },
    { .name = "excluding_a_hard_dependency_is_a_problem", .excludes = { "libt1" },
      .fail = "cannot resolve the packages of test-1-x86_64-minimal: package tools-t 2.0-1 requires "
              "libt1 (>= 1.0), but none of the candidates can be installed: libt1 1.2-3 (excluded by "
              "the template)\n"
              "(run with --debug-solver DIR to write a testcase that libsolv's testsolv replays)",
      .status = VZ_ESOLVER },
    { .name = "unknown_package_named", .broken_repo = true, .packages = { "no-such-thing" },
      .fail = "package 'no-such-thing' (in the package list of test-1-x86_64-minimal, "
              "tests/test.yaml) is not in any repository of the template; check its spelling and "
              "the repositories' components",
      .status = VZ_ESOLVER },
};

/* The rows by number: a test runs in a process of its own (Criterion's),
 * where pointers into the table that listed them would not hold. */
ParameterizedTestParameters(resolve, table)
{
    static size_t rows[VZ_ARRAY_SIZE(resolve_cases)];
    for (size_t i = 0; i < VZ_ARRAY_SIZE(rows); i++)
        rows[i] = i;
    return cr_make_param_array(size_t, rows, VZ_ARRAY_SIZE(rows));
}

ParameterizedTest(size_t *row, resolve, table)
{
    const struct resolve_case *c = &resolve_cases[*row];
    struct vz_testrepo r = c->broken_repo ? repo_of(broken_pkgs, VZ_ARRAY_SIZE(broken_pkgs))
                                          : repo_of(NULL, 0);
    struct vz_template *t = vz_testrepo_template(&r, c->packages[0] ? c->packages : NULL,
                                                 c->excludes[0] ? c->excludes : NULL);
    if (c->no_base)
        t->base_required = false;
    struct vz_plan *p = NULL;
    vz_error_t err = NULL;
    int rc = resolve(t, NULL, &p, &err);
    if (c->fail) {
        cr_assert_eq(rc, -1, "%s: resolved", c->name);
        cr_assert_str_eq(err->msg, c->fail, "%s", c->name);
        if (c->status)
            cr_assert_eq(err->status, c->status, "%s: status %d", c->name, err->status);
        vz_error_release(&err);
    } else {
        cr_assert_eq(rc, 0, "%s: %s", c->name, err ? err->msg : "");
        cleanup_free char *n = names(p);
        if (c->names)
            cr_assert_str_eq(n, c->names, "%s", c->name);
        for (size_t i = 0; i < VZ_ARRAY_SIZE(c->before) && c->before[i][0]; i++) {
            const char *a = c->before[i][0], *b = c->before[i][1];
            cr_assert_lt(pos(p, a), pos(p, b), "%s: %s comes after %s", c->name, a, b);
        }
        if (c->pkg) {
            const struct vz_pkg *k = find(p, c->pkg);
            cr_assert_not_null(k, "%s: %s not in the plan", c->name, c->pkg);
            if (c->version)
                cr_assert_str_eq(k->version, c->version, "%s", c->name);
            if (c->multi_arch)
                cr_assert_str_eq(k->multi_arch, c->multi_arch, "%s", c->name);
        }
        vz_plan_free(p);
    }
    vz_testrepo_template_free(t);
    vz_testrepo_release(&r);
}


Test(resolve, plan_fields_filled_from_verified_index)
{
    struct vz_testrepo r = repo_of(NULL, 0);
    const char *pk[] = { "editor-t", NULL };
    struct vz_template *t = vz_testrepo_template(&r, pk, NULL);
    struct vz_plan *p = NULL;
    vz_error_t err = NULL;
    cr_assert_eq(resolve(t, NULL, &p, &err), 0, "%s", err ? err->msg : "");
    uint64_t total = 0, itotal = 0;
    for (size_t i = 0; i < p->n; i++) {
        const struct vz_pkg *k = &p->pkgs[i];
        cleanup_free char *deb = vz_path_join(r.dir, k->filename);
        char hex[65];
        uint64_t size;
        cr_assert_eq(vz_sha256_file(deb, hex, &size, &err), 0, "%s", k->filename);
        cr_assert_str_eq(k->sha256, hex, "%s", k->name);
        cr_assert_eq(k->size, size, "%s", k->name);
        cr_assert_gt(k->installed_size, 0);
        cr_assert_eq(k->installed_size % 1024, 0);
        cr_assert_not_null(k->priority);
        cr_assert_eq(k->repo, &t->repos[0]);
        total += k->size;
        itotal += k->installed_size;
    }
    cr_assert_eq(p->total_size, total);
    cr_assert_eq(p->total_installed_size, itotal);
    const struct vz_pkg *bb = find(p, "busybox-sh");
    cr_assert(bb->essential);
    cr_assert_str_eq(bb->priority, "required");
    cr_assert_str_eq(bb->multi_arch, "foreign");
    cr_assert_str_eq(bb->arch, "amd64");
    cr_assert_str_eq(bb->version, "1.36.1-1");
    cr_assert_str_eq(bb->filename, "pool/main/b/busybox-sh/busybox-sh_1.36.1-1_amd64.deb");
    cr_assert_str_eq(find(p, "base-files")->arch, "all");
    cr_assert_str_eq(find(p, "libt1")->multi_arch, "same");
    const struct vz_pkg *ed = find(p, "editor-t");
    cr_assert(!ed->essential);
    cr_assert_str_eq(ed->priority, "important");
    cr_assert_null(ed->multi_arch);
    cr_assert_eq(p->n_repos, 1);
    cr_assert_str_eq(p->repos[0].name, "main");
    vz_plan_free(p);
    vz_testrepo_template_free(t);
    vz_testrepo_release(&r);
}







Test(resolve, unsatisfiable_repository_message)
{
    struct vz_testrepo r = repo_of(broken_pkgs, VZ_ARRAY_SIZE(broken_pkgs));
    const char *pk[] = { "broken", NULL };
    struct vz_template *t = vz_testrepo_template(&r, pk, NULL);
    struct vz_plan *p = NULL;
    vz_error_t err = NULL;
    cleanup_free char *dbg = vz_path_join(tmp, "solver");
    cr_assert_eq(resolve(t, dbg, &p, &err), -1);
    cr_assert_str_eq(err->msg,
        "cannot resolve the packages of test-1-x86_64-minimal: package broken 1.0 requires "
        "missing-lib (>= 2), but none of the candidates can be installed: no package provides it "
        "(available: missing-lib 1.0-1)");
    vz_error_release(&err);
    /* the testcase replays with libsolv's own format */
    cleanup_free char *tc = vz_path_join(dbg, "testcase.t");
    cleanup_free char *txt = NULL;
    size_t len;
    cr_assert_eq(vz_read_file(tc, &txt, &len, &err), 0, "%s", err ? err->msg : "");
    cr_assert(strstr(txt, "job install name broken") != NULL, "%s", txt);
    cr_assert(strstr(txt, "system amd64 deb") != NULL, "%s", txt);
    vz_testrepo_template_free(t);
    vz_testrepo_release(&r);
}


static const struct vz_testpkg merged_pkgs[] = {
    { .name = "init-helpers", .version = "1.65", .priority = "required", .essential = true,
      .depends = "usrmerge | usr-is-merged" },
    { .name = "usrmerge", .version = "35", .depends = "perl-t" },
    { .name = "perl-t", .version = "5.36" },
    { .name = "usr-is-merged", .version = "35" },
};

Test(resolve, merged_usr_builds_take_usr_is_merged)
{
    struct vz_testrepo r = repo_of(merged_pkgs, VZ_ARRAY_SIZE(merged_pkgs));
    struct vz_template *t = vz_testrepo_template(&r, NULL, NULL);
    struct vz_plan *p = NULL;
    vz_error_t err = NULL;
    cr_assert_eq(resolve(t, NULL, &p, &err), 0, "%s", err ? err->msg : "");
    cleanup_free char *n = names(p);
    cr_assert_str_eq(n, "init-helpers usr-is-merged");
    vz_plan_free(p);
    /* without the builder's symlinks, the first alternative as apt would */
    free(t->merged_usr);
    t->merged_usr = vz_xstrdup("none");
    cr_assert_eq(resolve(t, NULL, &p, &err), 0, "%s", err ? err->msg : "");
    cleanup_free char *n2 = names(p);
    cr_assert_str_eq(n2, "init-helpers perl-t usrmerge");
    vz_plan_free(p);
    vz_testrepo_template_free(t);
    vz_testrepo_release(&r);
}
