/* .github/workflows/nightly.yml, checked statically (workflow_check.h: what
 * actionlint would catch that matters here, since Debian 12 has no
 * actionlint), its matrix against the templates vzpkg knows, and each rule
 * shown to catch a broken copy of the file. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "common/common.h"
#include "workflow_check.h"

/* The secrets docs/nightly.md tells maintainers to set: the only ones the
 * workflow may read. */
static char *secrets[] = { "NIGHTLY_SIGNING_KEY", "NIGHTLY_SSH_KEY", NULL };

static char *src_path(const char *rel)
{
    const char *src = getenv("VZ_SRC");
    cr_assert_not_null(src, "VZ_SRC is not set: run through make check");
    return vz_path_join(src, rel);
}

static char *workflow_text(size_t *len)
{
    cleanup_free char *p = src_path(".github/workflows/nightly.yml");
    char *t = NULL;
    vz_error_t err = NULL;
    cr_assert_eq(vz_read_file(p, &t, len, &err), 0, "%s", err ? err->msg : "");
    return t;
}

static char *joined(char **v)
{
    struct vz_buf b = VZ_BUF_INIT;
    vz_buf_init(&b);
    for (; *v; v++)
        vz_buf_addf(&b, "%s\n", *v);
    return vz_buf_detach(&b, NULL);
}

TestSuite(workflow, .timeout = 60);

Test(workflow, nightly_yml_passes_every_check)
{
    size_t len = 0;
    cleanup_free char *t = workflow_text(&len);
    char **probs = NULL;
    int n = workflow_check("nightly.yml", t, len, secrets, &probs);
    cleanup_free char *all = joined(probs);
    cr_assert_eq(n, 0, "nightly.yml:\n%s", all);
    vz_strv_free(probs);
}

/* Every distro x release x arch x variant of the matrix is a template that
 * vzpkg list knows (from distros/), and every secret is documented. */
Test(workflow, the_matrix_names_known_templates_and_the_secrets_are_documented)
{
    size_t len = 0;
    cleanup_free char *t = workflow_text(&len);
    char **m = workflow_matrix(t, len, "template");
    const char *dims[] = { "distro", "release", "arch", "variant" };
    char **vals[4];
    for (int d = 0; d < 4; d++) {
        vals[d] = vz_xcalloc(1, sizeof(char *));
        cleanup_free char *pre = vz_xasprintf("%s=", dims[d]);
        for (char **kv = m; *kv; kv++)
            if (!strncmp(*kv, pre, strlen(pre)))
                vz_strv_push(&vals[d], *kv + strlen(pre));
        cr_assert_gt(vz_strv_len(vals[d]), 0, "the matrix has no %s", dims[d]);
    }
    cleanup_free char *bin = vz_xasprintf("%s/bin/vzpkg", getenv("VZ_BUILD"));
    cleanup_free char *distros = src_path("distros");
    setenv("VZ_DISTROS_DIR", distros, 1);
    char *argv[] = { bin, "list", NULL };
    struct vz_buf out = VZ_BUF_INIT;
    vz_buf_init(&out);
    struct vz_run_opts o = { .out = &out, .quiet = 1 };
    int st = -1;
    vz_error_t err = NULL;
    cr_assert_eq(vz_run(argv, &o, &st, &err), 0);
    cr_assert_eq(st, 0);
    unsetenv("VZ_DISTROS_DIR");
    size_t combos = 0;
    for (char **a = vals[0]; *a; a++)
        for (char **b = vals[1]; *b; b++)
            for (char **c = vals[2]; *c; c++)
                for (char **d = vals[3]; *d; d++) {
                    cleanup_free char *name = vz_xasprintf("\n%s-%s-%s-%s ", *a, *b, *c, *d);
                    cleanup_free char *hay = vz_xasprintf("\n%s", out.data);
                    cr_assert(strstr(hay, name), "matrix template%s is not in vzpkg list:\n%s",
                              name, out.data);
                    combos++;
                }
    cr_assert_geq(combos, 2);
    cleanup_free char *doc = src_path("docs/nightly.md");
    cleanup_free char *dt = NULL;
    size_t dl = 0;
    cr_assert_eq(vz_read_file(doc, &dt, &dl, &err), 0);
    for (char **s = secrets; *s; s++)
        cr_assert(strstr(dt, *s), "docs/nightly.md does not tell maintainers to set %s", *s);
    for (int d = 0; d < 4; d++)
        vz_strv_free(vals[d]);
    vz_strv_free(m);
    vz_buf_release(&out);
}

/* Replace the first occurrence of from by to (the test fails when absent). */
static char *mutate(const char *text, const char *from, const char *to)
{
    const char *p = strstr(text, from);
    cr_assert_not_null(p, "nightly.yml no longer has '%s': update this test", from);
    return vz_xasprintf("%.*s%s%s", (int)(p - text), text, to, p + strlen(from));
}

struct mutation {
    const char *from, *to, *expect;
};

static const struct mutation mutations[] = {
    { "cron: \"17 2 * * *\"", "cron: \"17 25 * * *\"", "not a 5-field cron line" },
    { "  workflow_dispatch:", "  workflow_call:", "no workflow_dispatch" },
    { "    needs: template\n", "    needs: templates\n", "needs 'templates'" },
    { "${{ secrets.NIGHTLY_SIGNING_KEY }}", "${{ secrets.SIGNING }}",
      "secrets.SIGNING is not a documented" },
    { "matrix.variant }}", "matrix.flavour }}", "matrix.flavour is not a key" },
    { "ci/nightly job ", "ci/nightly jobs ", "no command 'jobs'" },
    { "          make deps\n", "          make deps ${{ vars.X }}\n", "an expression inside a script" },
    { "ci/nightly pull ", "if true; then ci/nightly pull ", "bash -n" },
    { "uses: actions/checkout@v4", "uses: actions/checkout", "is not OWNER/REPO@REF" },
    { "    runs-on: ubuntu-24.04\n", "", "'runs-on' is missing" },
    { "    timeout-minutes: 60\n", "    timeout-minutes: 60\n    timeout-minutes: 30\n", "duplicate" },
    { "\npermissions:", "\npermission:", "unknown key 'permission'" },
    { "name: nightly templates\n", "name: nightly templates\n# -----BEGIN PRIVATE KEY-----\n",
      "private key material" },
    { "      - uses: actions/checkout@v4\n", "      - uses: actions/checkout@v4\n        run: true\n",
      "exactly one of run and uses" },
    { "${{ runner.temp }}", "${{ runnr.temp }}", "unknown context 'runnr'" },
    { "inputs.force", "inputs.forced", "inputs.forced is not a workflow_dispatch input" },
    /* what actionlint's expression parser refuses */
    { "${{ always() }}", "${{ (always() }}", "'(' without ')'" },
    { "${{ always() }}", "${{ always()) }}", "')' without '('" },
    { "matrix.arch == 'aarch64'", "matrix.arch = 'aarch64'", "'=' alone" },
    { "'aarch64' && 'ubuntu", "'aarch64' & 'ubuntu", "'&' alone" },
    { "'ubuntu-24.04-arm'", "\"ubuntu-24.04-arm\"", "double quotes" },
    { "matrix.arch == 'aarch64' &&", "matrix.arch 'aarch64' &&", "an operator is missing" },
    { "${{ always() }}", "${{ always() && }}", "an operand is missing" },
    /* an if: is an expression without ${{ }} too */
    { "        if: always()\n", "        if: alway()\n", "unknown function 'alway'" },
    { "        if: always()\n", "        if: always() ||\n", "an operand is missing" },
    /* needs, steps and the contexts each place offers */
    { "${{ always() }}", "${{ always() && needs.build.result != 'failure' }}",
      "needs.build is not a job this job needs" },
    { "${{ always() }}", "${{ needs.template.outputs.id != '' }}",
      "needs.template.outputs.id is not an output of job template" },
    { "path: ${{ runner.temp }}/stage", "path: ${{ steps.stage.outputs.dir }}",
      "steps.stage is not the id of a step" },
    { "${{ vars.NIGHTLY_FORMATS ||", "${{ matrix.formats ||",
      "context 'matrix' is not available at the workflow level" },
    /* unknown keys at the job level and below it; the matrix's exclude */
    { "    timeout-minutes: 90\n", "    timeout-minute: 90\n", "unknown key 'timeout-minute'" },
    { "      fail-fast: false\n", "      fail-fast: false\n      failfast: true\n",
      "unknown key 'failfast'" },
    { "      options: --privileged\n", "      option: --privileged\n", "unknown key 'option'" },
    { "        variant: [minimal, default]\n",
      "        variant: [minimal, default]\n        exclude:\n          - flavour: default\n",
      "matrix exclude: 'flavour' is not a key of the matrix" },
    { NULL, NULL, NULL },
};

Test(workflow, each_rule_catches_a_broken_copy)
{
    size_t len = 0;
    cleanup_free char *t = workflow_text(&len);
    for (const struct mutation *m = mutations; m->from; m++) {
        cleanup_free char *bad = mutate(t, m->from, m->to);
        char **probs = NULL;
        int n = workflow_check("bad.yml", bad, strlen(bad), secrets, &probs);
        cleanup_free char *all = joined(probs);
        cr_assert_neq(n, 0, "'%s' -> '%s' passed the check", m->from, m->to);
        cr_assert(strstr(all, m->expect), "'%s' -> '%s': expected '%s' among:\n%s", m->from,
                  m->to, m->expect, all);
        vz_strv_free(probs);
    }
}

/* The grammar alone, on expressions the workflow does not have. */
Test(workflow, the_expression_grammar)
{
    static const char *const good[] = {
        "github.event_name == 'schedule' || inputs.force", "!cancelled() && success()",
        "format('{0}-{1}', matrix.a, 'it''s')", "fromJSON(needs.x.outputs.list)[0].name",
        "github.event.commits.*.message", "(1.5 >= 0) != false", "-1 < 0x10",
        "contains(fromJSON('[\"a\"]'), matrix.x)", "github['ref']", NULL,
    };
    static const char *const bad[] = {
        "a ==", "== a", "a b", "(a", "a)", "f(a,", "f(a b)", "a.", "a[0", "'open",
        "a = b", "a & b", "a | b", "\"dq\"", "1x", "a !b", NULL,
    };
    char why[256];
    for (const char *const *e = good; *e; e++)
        cr_assert(workflow_expr_syntax(*e, strlen(*e), why, sizeof(why)), "%s: %s", *e, why);
    for (const char *const *e = bad; *e; e++)
        cr_assert(!workflow_expr_syntax(*e, strlen(*e), why, sizeof(why)), "'%s' was accepted",
                  *e);
}
