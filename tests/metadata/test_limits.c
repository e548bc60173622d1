/* Limits of the YAML loader (metadata/yamltree.h): a deep, long or huge file
 * is refused with FILE:LINE:COL and the limit, without exhausting the stack
 * (nesting used to recurse until SIGSEGV), and a long but legal package list
 * loads in linear time (it used to take a square number of comparisons). */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "metadata/yamltree.h"
#include "tests/metadata/helpers.h"

TestSuite(limits, .init = md_setup, .fini = md_teardown, .timeout = 300);

/* s repeated n times. Allocated. */
static char *repeat(const char *s, size_t n)
{
    size_t l = strlen(s);
    char *r = vz_xmalloc(l * n + 1);
    for (size_t i = 0; i < n; i++)
        memcpy(r + i * l, s, l);
    r[l * n] = '\0';
    return r;
}

/* The base document with line 18 ("    packages: [apt]") replaced. */
static char *with_packages(const char *value)
{
    char *line = vz_xasprintf("    packages: %s\n", value);
    char *y = md_base_with("    packages: [apt]\n", line);
    free(line);
    return y;
}

/* Root mapping, variants, minimal, packages: the value of packages is at
 * depth 4, so its k-th nested '[' opens level 4 + k. 'packages: ' puts the
 * first '[' in column 15. */
Test(limits, a_million_nested_lists_are_refused_at_the_limit)
{
    char *open = repeat("[", 1000000), *close = repeat("]", 1000000);
    char *v = vz_xasprintf("[%s%s]", open, close);
    char *y = with_packages(v);
    char *msg = vz_xasprintf("distros/debian-12.yaml:18:%d: nesting deeper than %d levels",
                             15 + YT_MAX_DEPTH - 3, YT_MAX_DEPTH);
    md_expect_error(y, msg);
    free(open), free(close), free(v), free(y), free(msg);
}

Test(limits, nested_mappings_are_refused_at_the_limit)
{
    char *open = repeat("{a: ", 200000), *close = repeat("}", 200000);
    char *v = vz_xasprintf("[%sb%s]", open, close);
    char *y = with_packages(v);
    /* each "{a: " is 4 columns wide; the list itself is level 4 */
    char *msg = vz_xasprintf("distros/debian-12.yaml:18:%d: nesting deeper than %d levels",
                             16 + 4 * (YT_MAX_DEPTH - 4), YT_MAX_DEPTH);
    md_expect_error(y, msg);
    free(open), free(close), free(v), free(y), free(msg);
}

/* Exactly at the limit the parser accepts, and the schema speaks. */
Test(limits, nesting_at_the_limit_reaches_the_schema)
{
    char *open = repeat("[", YT_MAX_DEPTH - 4), *close = repeat("]", YT_MAX_DEPTH - 4);
    char *v = vz_xasprintf("[%sapt%s]", open, close);
    char *y = with_packages(v);
    md_expect_error(y, "distros/debian-12.yaml:18:16: 'packages' entries must be strings, not a list");
    free(open), free(close), free(v), free(y);
}

Test(limits, a_list_longer_than_the_limit_is_refused)
{
    char *items = repeat("aa, ", YT_MAX_ITEMS);
    char *v = vz_xasprintf("[%sbb]", items);
    char *y = with_packages(v);
    char *msg = vz_xasprintf("distros/debian-12.yaml:18:%d: list with more than %d entries (the limit)",
                             16 + 4 * YT_MAX_ITEMS, YT_MAX_ITEMS);
    md_expect_error(y, msg);
    free(items), free(v), free(y), free(msg);
}

Test(limits, a_mapping_with_too_many_keys_is_refused)
{
    struct vz_buf b = VZ_BUF_INIT;
    vz_buf_init(&b);
    vz_buf_addf(&b, "environment:\n");
    for (int i = 0; i <= YT_MAX_KEYS; i++)
        vz_buf_addf(&b, "  K%d: v\n", i);
    char *env = vz_buf_detach(&b, NULL);
    char *to = vz_xasprintf("merged_usr: symlinks\n%s", env);
    char *y = md_base_with("merged_usr: symlinks\n", to);
    char *msg = vz_xasprintf("distros/debian-12.yaml:%d:3: mapping with more than %d keys (the limit)",
                             7 + 1 + YT_MAX_KEYS, YT_MAX_KEYS);
    md_expect_error(y, msg);
    free(env), free(to), free(y), free(msg);
}

Test(limits, a_string_longer_than_the_limit_is_refused)
{
    char *s = repeat("x", YT_MAX_SCALAR + 1);
    char *to = vz_xasprintf("summary: %s\n", s);
    char *y = md_base_with("summary: Test {{release}}\n", to);
    char *msg = vz_xasprintf("distros/debian-12.yaml:5:10: string longer than %u bytes (the limit)",
                             YT_MAX_SCALAR);
    md_expect_error(y, msg);
    free(s), free(to), free(y), free(msg);
}

Test(limits, too_many_values_in_one_file_are_refused)
{
    /* three lists within YT_MAX_ITEMS each, together over YT_MAX_NODES */
    size_t per = YT_MAX_NODES / 3 + 1;
    char *items = repeat("aa, ", per);
    char *pk = vz_xasprintf("[%sbb]", items);
    char *l18 = vz_xasprintf("    packages: %s\n    excludes: %s\n", pk, pk);
    char *y1 = md_base_with("    packages: [apt]\n", l18);
    char *l22 = vz_xasprintf("      - less\n    excludes: %s\n", pk);
    const char *p = strstr(y1, "      - less\n");
    char *y = vz_xasprintf("%.*s%s", (int)(p - y1), y1, l22);
    cr_assert_eq(strstr(p + 1, "      - less\n"), NULL);
    md_write("distros/debian-12.yaml", y);
    struct vz_metadata_opts o = { .distros_dir = "distros", .skip_mirrors = true };
    struct vz_template *t = NULL;
    vz_error_t err = NULL;
    cr_assert_eq(vz_template_load("debian-12-x86_64-minimal", &o, &t, &err), -1);
    char *want = vz_xasprintf("more than %d values in one file (the limit)", YT_MAX_NODES);
    cr_assert_not_null(strstr(err->msg, want), "%s", err->msg);
    cr_assert_eq(strncmp(err->msg, "distros/debian-12.yaml:24:", 26), 0, "%s", err->msg);
    cr_assert_eq(err->status, VZ_EMETADATA);
    vz_error_release(&err);
    free(items), free(pk), free(l18), free(y1), free(l22), free(y), free(want);
}

Test(limits, a_file_larger_than_the_limit_is_refused_unread)
{
    char *pad = repeat("#\n", YT_MAX_FILE_SIZE / 2 + 1);
    char *y = vz_xasprintf("%s%s", md_base_yaml, pad);
    char *msg = vz_xasprintf("distros/debian-12.yaml:1:1: file larger than %u MiB (the limit)",
                             YT_MAX_FILE_SIZE >> 20);
    md_expect_error(y, msg);
    free(pad), free(y), free(msg);
}

/* The largest legal lists, in a variant that extends another: every entry
 * kept once, in order. This ran for minutes when each added name was
 * compared with every earlier one; the timeout only guards against that
 * (it asserts no timing: the load takes well under a second here). */
Test(limits, the_longest_legal_package_lists_load_in_linear_time, .timeout = 120)
{
    struct vz_buf a = VZ_BUF_INIT, b = VZ_BUF_INIT;
    vz_buf_init(&a);
    vz_buf_init(&b);
    for (int i = 0; i < YT_MAX_ITEMS - 1; i++)
        vz_buf_addf(&a, ", p%d", i);
    for (int i = 0; i < YT_MAX_ITEMS - 2; i++)
        vz_buf_addf(&b, "      - q%d\n", i);
    char *la = vz_buf_detach(&a, NULL), *lb = vz_buf_detach(&b, NULL);
    char *v = vz_xasprintf("[apt%s]", la); /* YT_MAX_ITEMS entries */
    char *y1 = with_packages(v);
    /* less, the q's and p7 (a repeat, kept once): YT_MAX_ITEMS entries */
    char *to = vz_xasprintf("      - less\n%s      - p7\n", lb);
    const char *p = strstr(y1, "      - less\n");
    char *y = vz_xasprintf("%.*s%s", (int)(p - y1), y1, to);
    md_write("distros/debian-12.yaml", y);
    struct vz_template *t = md_load_ok("debian-12-x86_64-default", NULL);
    size_t n = vz_strv_len(t->packages);
    cr_assert_eq(n, 2 * (size_t)YT_MAX_ITEMS - 1, "%zu packages", n);
    cr_assert_str_eq(t->packages[0], "apt");
    cr_assert_str_eq(t->packages[1], "p0");
    cr_assert_str_eq(t->packages[YT_MAX_ITEMS], "less");
    cr_assert_str_eq(t->packages[n - 1], "q99997");
    vz_template_free(t);
    free(la), free(lb), free(v), free(y1), free(to), free(y);
}
