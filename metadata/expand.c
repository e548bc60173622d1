/* metadata/expand.c: {{variable}} expansion in metadata strings.
 *
 * Known: {{codename}} {{release}} {{arch}} {{distro_arch}} {{distribution}}
 * and {{mirror.NAME}}; {{releasever}} and {{basearch}} are dnf's names for
 * release and distro_arch (rpm templates read like the distros' .repo files). Spaces inside the braces are allowed ({{ arch }}).
 * Anything else is an error located at the variable itself where the YAML
 * position can be computed (see yt_scalar_pos). A mirror variable with
 * several URIs (fail-over) makes the string stand for several strings.
 */
#include "metadata/internal.h"

#include <ctype.h>
#include <string.h>

static const char *const plain_vars[] = { "codename", "release", "arch", "distro_arch", "distribution",
                                          "releasever", "basearch" };

static const char *plain_value(const struct md_vars *v, const char *name)
{
    if (!strcmp(name, "codename")) return v->codename;
    if (!strcmp(name, "release")) return v->release;
    if (!strcmp(name, "arch")) return v->arch;
    if (!strcmp(name, "distro_arch")) return v->distro_arch;
    if (!strcmp(name, "distribution")) return v->distribution;
    if (!strcmp(name, "releasever")) return v->release;
    if (!strcmp(name, "basearch")) return v->distro_arch;
    return NULL;
}

static bool valid_mirror_name(const char *s)
{
    if (*s == '\0')
        return false;
    for (; *s; s++)
        if (!(islower((unsigned char)*s) || isdigit((unsigned char)*s) || *s == '_'))
            return false;
    return true;
}

static int var_error(vz_error_t *err, const struct yt_doc *doc, const struct yt_node *n, size_t off,
                     char *msg)
{
    int line, col;
    yt_scalar_pos(doc, n, off, &line, &col);
    yt_error(err, doc, line, col, "%s", msg);
    free(msg);
    return -1;
}

/* Append s to every string in *outs. */
static void append_all(char ***outs, const char *s, size_t len)
{
    for (char **p = *outs; *p; p++) {
        char *t = vz_xasprintf("%s%.*s", *p, (int)len, s);
        free(*p);
        *p = t;
    }
}

int md_expand_all(const struct md_vars *v, const struct yt_doc *doc, const struct yt_node *n,
                  char ***out, vz_error_t *err)
{
    const char *text = n->value;
    char **outs = NULL;
    vz_strv_push(&outs, "");
    const char *p = text;
    for (;;) {
        const char *open = strstr(p, "{{");
        if (open == NULL) {
            append_all(&outs, p, strlen(p));
            break;
        }
        append_all(&outs, p, (size_t)(open - p));
        const char *close = strstr(open + 2, "}}");
        size_t off = (size_t)(open - text);
        if (close == NULL) {
            vz_strv_free(outs);
            return var_error(err, doc, n, off, vz_xstrdup("unterminated variable: '{{' without '}}'"));
        }
        const char *s = open + 2, *e = close;
        while (s < e && *s == ' ')
            s++;
        while (e > s && e[-1] == ' ')
            e--;
        cleanup_free char *name = vz_xasprintf("%.*s", (int)(e - s), s);
        cleanup_free char *whole = vz_xasprintf("%.*s", (int)(close + 2 - open), open);
        const char *val = plain_value(v, name);
        if (val) {
            append_all(&outs, val, strlen(val));
        } else if (strncmp(name, "mirror.", 7) == 0) {
            if (!valid_mirror_name(name + 7)) {
                vz_strv_free(outs);
                return var_error(err, doc, n, off,
                                 vz_xasprintf("invalid mirror variable '%s': the name after 'mirror.' is "
                                              "lowercase letters, digits and '_'", whole));
            }
            if (v->mirrors == NULL) {
                append_all(&outs, whole, strlen(whole));
            } else {
                const struct vz_mirror_var *mv = NULL;
                vz_error_t merr = NULL;
                if (md_mirror_resolve(v->mirrors, name + 7, &mv, &merr) < 0) {
                    var_error(err, doc, n, off, vz_xstrdup(merr->msg));
                    vz_error_release(&merr);
                    vz_strv_free(outs);
                    return -1;
                }
                /* one output per (previous output, uri) pair, in fail-over order */
                char **next = NULL;
                for (char **o = outs; *o; o++)
                    for (char **u = mv->uris; *u; u++) {
                        cleanup_free char *t = vz_xasprintf("%s%s", *o, *u);
                        vz_strv_push(&next, t);
                    }
                vz_strv_free(outs);
                outs = next;
            }
        } else {
            const char *sug = md_suggest(name, plain_vars, VZ_ARRAY_SIZE(plain_vars));
            cleanup_free char *hint = sug ? vz_xasprintf(" (did you mean '{{%s}}'?)", sug)
                                          : vz_xstrdup(" (known: codename, release, arch, distro_arch, "
                                                       "distribution, releasever, basearch, mirror.NAME)");
            vz_strv_free(outs);
            return var_error(err, doc, n, off, vz_xasprintf("unknown variable '%s'%s", whole, hint));
        }
        p = close + 2;
    }
    *out = outs;
    return 0;
}

int md_expand(const struct md_vars *v, const struct yt_doc *doc, const struct yt_node *n, char **out,
              vz_error_t *err)
{
    char **all = NULL;
    if (md_expand_all(v, doc, n, &all, err) < 0)
        return -1;
    *out = all[0];
    for (size_t i = 1; all[i]; i++)
        free(all[i]);
    free(all);
    return 0;
}

static int check_node(const struct md_vars *v, const struct yt_doc *doc, const struct yt_node *n,
                      vz_error_t *err)
{
    if (n->kind == YT_SCALAR) {
        char **outs = NULL;
        if (md_expand_all(v, doc, n, &outs, err) < 0)
            return -1;
        vz_strv_free(outs);
        return 0;
    }
    for (size_t i = 0; i < n->n; i++)
        if (check_node(v, doc, n->items[i], err) < 0)
            return -1;
    return 0;
}

int md_check_vars(const struct yt_doc *doc, vz_error_t *err)
{
    const struct md_vars v = { "c", "r", "a", "d", "n", NULL };
    return check_node(&v, doc, doc->root, err);
}
