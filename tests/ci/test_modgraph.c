/* tools/modgraph.sh: the tree keeps the module graph of docs/module-graph.md
 * (nothing includes upward, no include circle), and the script finds both
 * in a small tree made to have them. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/common.h"

struct result {
    int status;
    struct vz_buf out;
};

static struct result run(char *const argv[])
{
    struct result r = { -1, VZ_BUF_INIT };
    vz_buf_init(&r.out);
    struct vz_run_opts o = { .out = &r.out, .errbuf = &r.out };
    vz_error_t err = NULL;
    cr_assert_eq(vz_run(argv, &o, &r.status, &err), 0, "%s", err ? err->msg : "");
    return r;
}

static void put(const char *top, const char *rel, const char *text)
{
    cleanup_free char *p = vz_path_join(top, rel);
    cleanup_free char *dir = vz_xstrdup(p);
    *strrchr(dir, '/') = '\0';
    vz_error_t err = NULL;
    cr_assert_eq(vz_mkdir_p(dir, 0755, &err), 0);
    cr_assert_eq(vz_atomic_write(p, text, strlen(text), 0644, &err), 0, "%s", err ? err->msg : "");
}

TestSuite(modgraph, .timeout = 300);

Test(modgraph, the_tree_has_no_upward_include_and_no_include_circle)
{
    const char *src = getenv("VZ_SRC"), *build = getenv("VZ_BUILD");
    cr_assert(src && build, "VZ_SRC and VZ_BUILD are not set: run through make check");
    cleanup_free char *script = vz_path_join(src, "tools/modgraph.sh");
    char *argv[] = { script, (char *)build, NULL };
    struct result r = run(argv);
    cr_assert_eq(r.status, 0, "%s", r.out.data);
    cr_assert(strstr(r.out.data, "upward includes: 0\n"), "%s", r.out.data);
    cr_assert(strstr(r.out.data, " 0 circles\n"), "%s", r.out.data);
    vz_buf_release(&r.out);
}

Test(modgraph, shellcheck_finds_nothing)
{
    const char *src = getenv("VZ_SRC");
    cr_assert_not_null(src, "VZ_SRC is not set: run through make check");
    cleanup_free char *script = vz_path_join(src, "tools/modgraph.sh");
    cleanup_free char *sc = vz_which("shellcheck");
    cr_assert_not_null(sc, "shellcheck is not installed (make deps installs it)");
    char *argv[] = { sc, script, NULL };
    struct result r = run(argv);
    cr_assert_eq(r.status, 0, "shellcheck tools/modgraph.sh:\n%s", r.out.data);
    vz_buf_release(&r.out);
}

Test(modgraph, finds_an_upward_include_and_a_circle)
{
    const char *src = getenv("VZ_SRC");
    cr_assert_not_null(src, "VZ_SRC is not set: run through make check");
    char top[] = "/tmp/vzt-modgraph-XXXXXX";
    cr_assert_not_null(mkdtemp(top));
    cleanup_free char *script = vz_path_join(src, "tools/modgraph.sh");
    cleanup_free char *body = NULL;
    size_t len = 0;
    vz_error_t err = NULL;
    cr_assert_eq(vz_read_file(script, &body, &len, &err), 0);
    put(top, "tools/modgraph.sh", body);
    cleanup_free char *copy = vz_path_join(top, "tools/modgraph.sh");
    cr_assert_eq(chmod(copy, 0755), 0);
    /* common reaching up into cache; a.c and b.c including each other's header */
    put(top, "common/up.c", "#include \"cache/x.h\"\n");
    put(top, "cache/x.h", "\n");
    put(top, "common/a.c", "#include \"common/a.h\"\n#include \"common/b.h\"\n");
    put(top, "common/a.h", "\n");
    put(top, "common/b.c", "#include \"common/b.h\"\n#include \"common/a.h\"\n");
    put(top, "common/b.h", "\n");
    cleanup_free char *cc = vz_which("cc");
    cleanup_free char *dst = vz_path_join(top, "build/obj/common/a.o");
    cleanup_free char *asrc = vz_path_join(top, "common/a.c");
    cleanup_free char *objdir = vz_path_join(top, "build/obj/common");
    cr_assert_eq(vz_mkdir_p(objdir, 0755, &err), 0);
    char *ccargv[] = { cc, "-I", top, "-c", "-o", dst, asrc, NULL };
    cr_assert_eq(vz_run_ok(ccargv, NULL, &err), 0, "%s", err ? err->msg : "");
    char *argv[] = { copy, "build", NULL };
    struct result r = run(argv);
    cr_assert_eq(r.status, 1, "%s", r.out.data);
    cr_assert(strstr(r.out.data, "UPWARD: common includes cache:\n  common/up.c:1:"), "%s", r.out.data);
    cr_assert(strstr(r.out.data, "CIRCLE: common/a common/b\n") ||
              strstr(r.out.data, "CIRCLE: common/b common/a\n"), "%s", r.out.data);
    cr_assert(strstr(r.out.data, "upward includes: 1\n"), "%s", r.out.data);
    vz_buf_release(&r.out);
    cr_assert_eq(vz_rm_rf(top, &err), 0);
}
