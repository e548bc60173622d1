/* tests/ci/workflow_check.h: a static check of a GitHub Actions workflow file,
 * in place of actionlint (not packaged in Debian 12).
 *
 * What it checks (each problem is one line "LINE:COL: message" in *problems):
 *   - YAML: parses, no duplicate keys, no anchors (metadata/yamltree.h);
 *   - top level: only known keys; name, on and jobs present;
 *   - on: a schedule of valid 5-field cron lines, and workflow_dispatch;
 *   - jobs: known keys, runs-on and a non-empty steps list; needs names other
 *     jobs that exist;
 *   - steps: known keys, exactly one of run and uses; uses is OWNER/REPO@REF;
 *   - jobs: strategy and container have only known keys; a matrix's
 *     include/exclude entries name only keys of the matrix (exclude) ;
 *   - expressions (in ${{ }}, and the whole value of an `if:`): ${{ }} closed;
 *     the grammar (workflow_expr.c: brackets balanced, no '=' '&' '|' alone,
 *     no double-quoted strings, no two operands without an operator); only
 *     known contexts and functions; matrix.X a key of the job's matrix;
 *     needs.X a job this job needs, needs.X.outputs.Y an output of X;
 *     steps.X the id of a step of the job; inputs.X a workflow_dispatch
 *     input; secrets.X one of `secrets` (the secrets the docs tell
 *     maintainers to set); at the workflow level (env, run-name) only the
 *     contexts GitHub offers there (github, inputs, vars, secrets);
 *   - run scripts: no ${{ }} inside (values go through env:, so nothing a
 *     context holds is ever parsed as shell), `bash -n` accepts them, and every
 *     `ci/nightly SUBCOMMAND` is one the script has;
 *   - no private key material in the file.
 * The matrix (template names) is checked by the test itself against vzpkg.
 */
#ifndef VZ_TESTS_CI_WORKFLOW_CHECK_H
#define VZ_TESTS_CI_WORKFLOW_CHECK_H

#include <stdbool.h>
#include <stddef.h>

/* Check text (path names it in messages). problems: NULL-terminated,
 * allocated (vz_strv_free). Returns the number of problems, or -1 when the
 * YAML does not parse (then problems[0] says why). */
int workflow_check(const char *path, const char *text, size_t len, char *const *secrets,
                   char ***problems);

/* Whether e (len bytes, the inside of ${{ }}) follows the expression
 * grammar; when not, msg says where and why. */
bool workflow_expr_syntax(const char *e, size_t len, char *msg, size_t msglen);

/* The matrix of job `job`: for each key, its values (strings), as
 * "key=value" lines in order. NULL-terminated, allocated. */
char **workflow_matrix(const char *text, size_t len, const char *job);

#endif
