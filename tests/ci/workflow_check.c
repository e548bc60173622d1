/* tests/ci/workflow_check.c: the static workflow check (workflow_check.h). */
#include "workflow_check.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/common.h"
#include "metadata/yamltree.h"

struct ctx {
    const struct yt_node *root;
    char *const *secrets;
    char ***problems;
};

__attribute__((format(printf, 3, 4)))
static void problem(struct ctx *c, const struct yt_node *n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cleanup_free char *m = NULL;
    if (vasprintf(&m, fmt, ap) < 0)
        abort();
    va_end(ap);
    cleanup_free char *line = vz_xasprintf("%d:%d: %s", n ? n->line : 0, n ? n->col : 0, m);
    vz_strv_push(c->problems, line);
}

static bool in_list(const char *s, const char *const *list)
{
    for (; *list; list++)
        if (!strcmp(s, *list))
            return true;
    return false;
}

/* Every key of map is in allowed. */
static void known_keys(struct ctx *c, const struct yt_node *map, const char *what,
                       const char *const *allowed)
{
    for (size_t i = 0; map && map->kind == YT_MAP && i < map->n; i++)
        if (!in_list(map->keys[i]->value, allowed))
            problem(c, map->keys[i], "%s: unknown key '%s'", what, map->keys[i]->value);
}

static const struct yt_node *need(struct ctx *c, const struct yt_node *map, const char *key,
                                  enum yt_kind kind, const char *what)
{
    const struct yt_node *n = yt_map_get(map, key);
    if (!n)
        problem(c, map, "%s: '%s' is missing", what, key);
    else if (n->kind != kind)
        problem(c, n, "%s: '%s' is %s", what, key, yt_kind_name(n));
    return n && n->kind == kind ? n : NULL;
}

/* ---- cron ---- */

/* One cron field: "*", "N", "A-B", lists and "/STEP", numbers in lo..hi. */
static bool cron_field(const char *f, int lo, int hi)
{
    if (!*f)
        return false;
    for (const char *p = f; *p;) {
        if (*p == '*') {
            p++;
        } else if (isdigit((unsigned char)*p)) {
            char *end;
            long a = strtol(p, &end, 10), b = a;
            p = end;
            if (*p == '-') {
                if (!isdigit((unsigned char)p[1]))
                    return false;
                b = strtol(p + 1, &end, 10);
                p = end;
            }
            if (a < lo || b > hi || a > b)
                return false;
        } else {
            return false;
        }
        if (*p == '/') {
            char *end;
            long s = strtol(p + 1, &end, 10);
            if (end == p + 1 || s < 1)
                return false;
            p = end;
        }
        if (*p == ',')
            p++;
        else if (*p)
            return false;
    }
    return true;
}

static bool cron_ok(const char *line)
{
    static const int lo[] = { 0, 0, 1, 1, 0 }, hi[] = { 59, 23, 31, 12, 6 };
    cleanup_free char *s = vz_xstrdup(line);
    char *save = NULL, *f = strtok_r(s, " ", &save);
    int i = 0;
    for (; f; f = strtok_r(NULL, " ", &save), i++)
        if (i >= 5 || !cron_field(f, lo[i], hi[i]))
            return false;
    return i == 5;
}

static void check_on(struct ctx *c)
{
    const struct yt_node *on = need(c, c->root, "on", YT_MAP, "workflow");
    if (!on)
        return;
    const struct yt_node *sch = need(c, on, "schedule", YT_SEQ, "on");
    for (size_t i = 0; sch && i < sch->n; i++) {
        const struct yt_node *cr = need(c, sch->items[i], "cron", YT_SCALAR, "on.schedule");
        if (cr && !cron_ok(cr->value))
            problem(c, cr, "on.schedule: '%s' is not a 5-field cron line", cr->value);
    }
    if (!yt_map_get(on, "workflow_dispatch"))
        problem(c, on, "on: no workflow_dispatch (maintainers cannot start a night by hand)");
}

/* ---- expressions ---- */

static const char *const contexts[] = { "github", "env", "vars", "secrets", "matrix", "needs",
                                        "steps", "runner", "inputs", "strategy", "job", NULL };
static const char *const functions[] = { "always", "success", "failure", "cancelled",
                                         "contains", "startsWith", "endsWith", "format",
                                         "join", "toJSON", "fromJSON", "hashFiles", NULL };

static bool matrix_has(const struct yt_node *job, const char *key)
{
    const struct yt_node *m = yt_map_get(yt_map_get(job, "strategy"), "matrix");
    if (yt_map_get(m, key))
        return true;
    const struct yt_node *inc = yt_map_get(m, "include");
    for (size_t i = 0; inc && inc->kind == YT_SEQ && i < inc->n; i++)
        if (yt_map_get(inc->items[i], key))
            return true;
    return false;
}

/* Whether job needs the job named need. */
static bool job_needs(const struct yt_node *job, const char *need)
{
    const struct yt_node *needs = yt_map_get(job, "needs");
    if (!needs)
        return false;
    if (needs->kind == YT_SCALAR)
        return !strcmp(needs->value, need);
    for (size_t i = 0; needs->kind == YT_SEQ && i < needs->n; i++)
        if (needs->items[i]->kind == YT_SCALAR && !strcmp(needs->items[i]->value, need))
            return true;
    return false;
}

/* Whether a step of job has id. */
static bool step_id(const struct yt_node *job, const char *id)
{
    const struct yt_node *steps = yt_map_get(job, "steps");
    for (size_t i = 0; steps && steps->kind == YT_SEQ && i < steps->n; i++) {
        const struct yt_node *sid = yt_map_get(steps->items[i], "id");
        if (sid && sid->kind == YT_SCALAR && !strcmp(sid->value, id))
            return true;
    }
    return false;
}

/* The identifier after "WORD." at e[i] (i just past the '.'); i moves past it. */
static char *prop_at(const char *e, size_t len, size_t *i)
{
    size_t p = *i;
    while (*i < len && (isalnum((unsigned char)e[*i]) || e[*i] == '_' || e[*i] == '-'))
        (*i)++;
    return vz_xasprintf("%.*s", (int)(*i - p), e + p);
}

/* needs.X and needs.X.outputs.Y of job (e[*i] is just past "needs."). */
static void check_needs_ref(struct ctx *c, const struct yt_node *n, const struct yt_node *job,
                            const char *e, size_t len, size_t *i)
{
    cleanup_free char *x = prop_at(e, len, i);
    if (!job || !job_needs(job, x)) {
        problem(c, n, "expression: needs.%s is not a job this job needs", x);
        return;
    }
    if (*i + 9 <= len && !strncmp(e + *i, ".outputs.", 9)) {
        *i += 9;
        cleanup_free char *y = prop_at(e, len, i);
        const struct yt_node *outs = yt_map_get(yt_map_get(yt_map_get(c->root, "jobs"), x),
                                                "outputs");
        if (!yt_map_get(outs, y))
            problem(c, n, "expression: needs.%s.outputs.%s is not an output of job %s", x, y, x);
    }
}

/* Contexts GitHub offers outside any job (workflow env, run-name). */
static const char *const workflow_contexts[] = { "github", "inputs", "vars", "secrets", NULL };

/* The identifiers of one expression body: CONTEXT.NAME, function calls,
 * literals in single quotes (skipped); and its grammar. job is NULL at the
 * workflow level. */
static void check_expr(struct ctx *c, const struct yt_node *n, const struct yt_node *job,
                       const char *e, size_t len)
{
    const struct yt_node *inputs =
        yt_map_get(yt_map_get(yt_map_get(c->root, "on"), "workflow_dispatch"), "inputs");
    char why[512];
    if (!workflow_expr_syntax(e, len, why, sizeof(why)))
        problem(c, n, "expression: %s", why);
    for (size_t i = 0; i < len;) {
        if (e[i] == '\'') {
            const char *q = memchr(e + i + 1, '\'', len - i - 1);
            if (!q) {
                problem(c, n, "expression: unterminated string");
                return;
            }
            i = (size_t)(q - e) + 1;
            continue;
        }
        if (!isalpha((unsigned char)e[i]) && e[i] != '_') {
            i++;
            continue;
        }
        size_t s = i;
        while (i < len && (isalnum((unsigned char)e[i]) || e[i] == '_' || e[i] == '-'))
            i++;
        cleanup_free char *word = vz_xasprintf("%.*s", (int)(i - s), e + s);
        if (s > 0 && e[s - 1] == '.')
            continue; /* a property, not a context */
        if (i < len && e[i] == '(') {
            if (!in_list(word, functions))
                problem(c, n, "expression: unknown function '%s'", word);
            continue;
        }
        if (!strcmp(word, "true") || !strcmp(word, "false") || !strcmp(word, "null"))
            continue;
        if (!in_list(word, contexts)) {
            problem(c, n, "expression: unknown context '%s'", word);
            continue;
        }
        if (!job && !in_list(word, workflow_contexts)) {
            problem(c, n, "expression: context '%s' is not available at the workflow level "
                    "(only github, inputs, vars, secrets)", word);
            continue;
        }
        if (i >= len || e[i] != '.')
            continue;
        if (!strcmp(word, "needs")) {
            i++;
            check_needs_ref(c, n, job, e, len, &i);
            continue;
        }
        size_t p = ++i;
        while (i < len && (isalnum((unsigned char)e[i]) || e[i] == '_' || e[i] == '-'))
            i++;
        cleanup_free char *prop = vz_xasprintf("%.*s", (int)(i - p), e + p);
        if (!strcmp(word, "matrix") && (!job || !matrix_has(job, prop)))
            problem(c, n, "expression: matrix.%s is not a key of this job's matrix", prop);
        else if (!strcmp(word, "secrets") && !vz_strv_contains(c->secrets, prop))
            problem(c, n, "expression: secrets.%s is not a documented secret", prop);
        else if (!strcmp(word, "inputs") && !yt_map_get(inputs, prop))
            problem(c, n, "expression: inputs.%s is not a workflow_dispatch input", prop);
        else if (!strcmp(word, "steps") && (!job || !step_id(job, prop)))
            problem(c, n, "expression: steps.%s is not the id of a step of this job", prop);
    }
}

/* An `if:` is an expression even without ${{ }}. */
static void check_if(struct ctx *c, const struct yt_node *cond, const struct yt_node *job)
{
    if (cond && cond->kind == YT_SCALAR && !strstr(cond->value, "${{"))
        check_expr(c, cond, job, cond->value, strlen(cond->value));
}

/* Every ${{ }} in the scalars under n. in_run: n is a run script. */
static void check_exprs(struct ctx *c, const struct yt_node *n, const struct yt_node *job)
{
    if (!n)
        return;
    if (n->kind != YT_SCALAR) {
        for (size_t i = 0; i < n->n; i++) {
            if (n->kind == YT_MAP)
                check_exprs(c, n->keys[i], job);
            check_exprs(c, n->items[i], job);
        }
        return;
    }
    for (const char *p = n->value; (p = strstr(p, "${{"));) {
        const char *end = strstr(p + 3, "}}");
        if (!end) {
            problem(c, n, "expression: '${{' without '}}'");
            return;
        }
        check_expr(c, n, job, p + 3, (size_t)(end - p - 3));
        p = end + 2;
    }
}

/* ---- steps ---- */

static const char *const nightly_cmds[] = { "job", "merge", "run", "pull", "push", "--help",
                                            NULL };

static void check_run(struct ctx *c, const struct yt_node *run)
{
    if (strstr(run->value, "${{"))
        problem(c, run, "run: an expression inside a script (pass it through env:)");
    for (const char *p = run->value; (p = strstr(p, "ci/nightly "));) {
        p += strlen("ci/nightly ");
        size_t l = strcspn(p, " \n\\;|&");
        cleanup_free char *w = vz_xasprintf("%.*s", (int)l, p);
        if (!in_list(w, nightly_cmds))
            problem(c, run, "run: ci/nightly has no command '%s'", w);
    }
    char *argv[] = { "bash", "-n", NULL };
    struct vz_buf eb = VZ_BUF_INIT;
    vz_buf_init(&eb);
    struct vz_run_opts o = { .stdin_data = run->value, .stdin_len = strlen(run->value),
                             .errbuf = &eb, .quiet = 1 };
    int st = -1;
    vz_error_t err = NULL;
    if (vz_run(argv, &o, &st, &err) < 0 || st != 0)
        problem(c, run, "run: bash -n: %s", err ? err->msg : eb.data);
    vz_error_release(&err);
    vz_buf_release(&eb);
}

static void check_step(struct ctx *c, const struct yt_node *st, const struct yt_node *job,
                       const char *what)
{
    static const char *const keys[] = { "name", "id", "if", "uses", "run", "with", "env",
                                        "shell", "working-directory", "continue-on-error",
                                        "timeout-minutes", NULL };
    if (st->kind != YT_MAP) {
        problem(c, st, "%s: a step is %s", what, yt_kind_name(st));
        return;
    }
    known_keys(c, st, what, keys);
    check_if(c, yt_map_get(st, "if"), job);
    const struct yt_node *run = yt_map_get(st, "run"), *uses = yt_map_get(st, "uses");
    if (!run == !uses)
        problem(c, st, "%s: a step needs exactly one of run and uses", what);
    if (run && run->kind == YT_SCALAR)
        check_run(c, run);
    if (uses && uses->kind == YT_SCALAR) {
        const char *at = strchr(uses->value, '@'), *sl = strchr(uses->value, '/');
        if (!at || !sl || sl > at || !at[1])
            problem(c, uses, "%s: uses '%s' is not OWNER/REPO@REF", what, uses->value);
    }
}

/* ---- jobs ---- */

static bool valid_id(const char *s)
{
    if (!isalpha((unsigned char)*s) && *s != '_')
        return false;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-')
            return false;
    return true;
}

static void check_needs(struct ctx *c, const struct yt_node *jobs, const char *id,
                        const struct yt_node *needs)
{
    if (!needs)
        return;
    size_t n = needs->kind == YT_SEQ ? needs->n : 1;
    for (size_t i = 0; i < n; i++) {
        const struct yt_node *x = needs->kind == YT_SEQ ? needs->items[i] : needs;
        if (x->kind != YT_SCALAR || !yt_map_get(jobs, x->value) || !strcmp(x->value, id))
            problem(c, x, "jobs.%s: needs '%s', which is not another job", id,
                    x->kind == YT_SCALAR ? x->value : "?");
    }
}

/* strategy: known keys; exclude entries name only keys of the matrix,
 * include entries are maps. */
static void check_strategy(struct ctx *c, const struct yt_node *st, const char *what)
{
    static const char *const keys[] = { "matrix", "fail-fast", "max-parallel", NULL };
    if (!st || st->kind != YT_MAP)
        return;
    known_keys(c, st, what, keys);
    const struct yt_node *m = yt_map_get(st, "matrix");
    if (!m || m->kind != YT_MAP)
        return;
    const char *lists[] = { "include", "exclude" };
    for (int l = 0; l < 2; l++) {
        const struct yt_node *v = yt_map_get(m, lists[l]);
        for (size_t i = 0; v && v->kind == YT_SEQ && i < v->n; i++) {
            const struct yt_node *e = v->items[i];
            if (e->kind != YT_MAP) {
                problem(c, e, "%s: a matrix %s entry is %s", what, lists[l], yt_kind_name(e));
                continue;
            }
            for (size_t k = 0; l == 1 && k < e->n; k++)
                if (!strcmp(e->keys[k]->value, "include") || !strcmp(e->keys[k]->value, "exclude") ||
                    !yt_map_get(m, e->keys[k]->value))
                    problem(c, e->keys[k], "%s: matrix exclude: '%s' is not a key of the matrix",
                            what, e->keys[k]->value);
        }
        if (v && v->kind != YT_SEQ)
            problem(c, v, "%s: matrix %s is %s", what, lists[l], yt_kind_name(v));
    }
}

static void check_jobs(struct ctx *c)
{
    static const char *const keys[] = { "name", "needs", "runs-on", "container", "services",
                                        "timeout-minutes", "strategy", "env", "steps", "if",
                                        "permissions", "outputs", "defaults", "concurrency",
                                        "continue-on-error", "environment", NULL };
    const struct yt_node *jobs = need(c, c->root, "jobs", YT_MAP, "workflow");
    for (size_t j = 0; jobs && j < jobs->n; j++) {
        const char *id = jobs->keys[j]->value;
        const struct yt_node *job = jobs->items[j];
        cleanup_free char *what = vz_xasprintf("jobs.%s", id);
        if (!valid_id(id))
            problem(c, jobs->keys[j], "%s: not a valid job ID", what);
        if (job->kind != YT_MAP) {
            problem(c, job, "%s: is %s", what, yt_kind_name(job));
            continue;
        }
        known_keys(c, job, what, keys);
        if (!yt_map_get(job, "runs-on"))
            problem(c, job, "%s: 'runs-on' is missing", what);
        check_needs(c, jobs, id, yt_map_get(job, "needs"));
        const struct yt_node *steps = need(c, job, "steps", YT_SEQ, what);
        if (steps && steps->n == 0)
            problem(c, steps, "%s: no steps", what);
        for (size_t s = 0; steps && s < steps->n; s++)
            check_step(c, steps->items[s], job, what);
        check_if(c, yt_map_get(job, "if"), job);
        check_strategy(c, yt_map_get(job, "strategy"), what);
        static const char *const ckeys[] = { "image", "options", "env", "ports", "volumes",
                                             "credentials", NULL };
        const struct yt_node *ct = yt_map_get(job, "container");
        if (ct && ct->kind == YT_MAP)
            known_keys(c, ct, what, ckeys);
        check_exprs(c, job, job);
    }
}

int workflow_check(const char *path, const char *text, size_t len, char *const *secrets,
                   char ***problems)
{
    *problems = vz_xcalloc(1, sizeof(char *));
    struct yt_doc doc = { 0 };
    vz_error_t err = NULL;
    if (yt_parse_text(&doc, path, text, len, &err) < 0) {
        vz_strv_push(problems, err->msg);
        vz_error_release(&err);
        return -1;
    }
    struct ctx c = { doc.root, secrets, problems };
    static const char *const top[] = { "name", "run-name", "on", "permissions", "env",
                                       "defaults", "concurrency", "jobs", NULL };
    if (doc.root->kind != YT_MAP) {
        problem(&c, doc.root, "workflow: the document is %s", yt_kind_name(doc.root));
    } else {
        known_keys(&c, doc.root, "workflow", top);
        need(&c, doc.root, "name", YT_SCALAR, "workflow");
        check_on(&c);
        check_jobs(&c);
        check_exprs(&c, yt_map_get(doc.root, "env"), NULL);
        check_exprs(&c, yt_map_get(doc.root, "run-name"), NULL);
    }
    if (memmem(text, len, "PRIVATE KEY", 11))
        problem(&c, NULL, "workflow: holds private key material");
    yt_doc_release(&doc);
    return (int)vz_strv_len(*problems);
}

char **workflow_matrix(const char *text, size_t len, const char *job)
{
    char **out = vz_xcalloc(1, sizeof(char *));
    struct yt_doc doc = { 0 };
    vz_error_t err = NULL;
    if (yt_parse_text(&doc, "workflow", text, len, &err) < 0) {
        vz_error_release(&err);
        return out;
    }
    const struct yt_node *m =
        yt_map_get(yt_map_get(yt_map_get(yt_map_get(doc.root, "jobs"), job), "strategy"),
                   "matrix");
    for (size_t i = 0; m && m->kind == YT_MAP && i < m->n; i++) {
        const struct yt_node *v = m->items[i];
        for (size_t k = 0; v->kind == YT_SEQ && k < v->n; k++)
            if (v->items[k]->kind == YT_SCALAR) {
                cleanup_free char *kv = vz_xasprintf("%s=%s", m->keys[i]->value,
                                                     v->items[k]->value);
                vz_strv_push(&out, kv);
            }
    }
    yt_doc_release(&doc);
    return out;
}
