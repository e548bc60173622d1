#include "common/conf.h"
#include "common/buf.h"
#include "common/cleanup.h"
#include "common/fs.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>

void vz_conf_init(struct vz_conf *c, const char *path)
{
    c->path = vz_xstrdup(path);
    c->lines = NULL;
    c->n = 0;
}

static struct vz_conf_line *push(struct vz_conf *c)
{
    c->lines = vz_xrealloc(c->lines, (c->n + 1) * sizeof(*c->lines));
    struct vz_conf_line *l = &c->lines[c->n++];
    *l = (struct vz_conf_line){ 0 };
    return l;
}

/* One shell word from s: quoted and bare parts up to unquoted whitespace
 * (or the end); *end points after it. An unterminated quote ends with the
 * line, as forgiving readers do. */
static char *shell_word(const char *s, const char **end)
{
    struct vz_buf b;
    vz_buf_init(&b);
    while (*s && !isspace((unsigned char)*s)) {
        if (*s == '"') {
            for (s++; *s && *s != '"'; s++) {
                if (*s == '\\' && s[1] && strchr("\"\\$`", s[1]))
                    s++;
                vz_buf_addc(&b, *s);
            }
        } else if (*s == '\'') {
            for (s++; *s && *s != '\''; s++)
                vz_buf_addc(&b, *s);
        } else {
            if (*s == '\\' && s[1])
                s++;
            vz_buf_addc(&b, *s);
            s++;
            continue;
        }
        if (*s) /* the closing quote */
            s++;
    }
    *end = s;
    return vz_buf_detach(&b, NULL);
}

static int is_name(const char *s, size_t n)
{
    if (n == 0 || !(isalpha((unsigned char)s[0]) || s[0] == '_'))
        return 0;
    for (size_t i = 1; i < n; i++)
        if (!(isalnum((unsigned char)s[i]) || s[i] == '_'))
            return 0;
    return 1;
}

int vz_conf_load(struct vz_conf *c, const char *path, vz_error_t *err)
{
    vz_conf_init(c, path);
    cleanup_free char *data = NULL;
    if (vz_read_file(path, &data, NULL, err) < 0)
        return -1;
    for (char *line = data; *line;) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        struct vz_conf_line *l = push(c);
        l->raw = vz_xstrdup(line);
        const char *s = line;
        while (*s == ' ' || *s == '\t')
            s++;
        const char *eq = strchr(s, '=');
        if (*s != '#' && eq && is_name(s, (size_t)(eq - s))) {
            const char *rest;
            l->key = vz_xasprintf("%.*s", (int)(eq - s), s);
            l->value = shell_word(eq + 1, &rest);
            l->tail = *rest ? vz_xstrdup(rest) : NULL;
        }
        if (!nl)
            break;
        line = nl + 1;
    }
    return 0;
}

const char *vz_conf_get(const struct vz_conf *c, const char *key)
{
    for (size_t i = c->n; i-- > 0;)
        if (c->lines[i].key && strcmp(c->lines[i].key, key) == 0)
            return c->lines[i].value;
    return NULL;
}

void vz_conf_set(struct vz_conf *c, const char *key, const char *value)
{
    for (size_t i = c->n; i-- > 0;)
        if (c->lines[i].key && strcmp(c->lines[i].key, key) == 0) {
            if (strcmp(c->lines[i].value, value) != 0) {
                free(c->lines[i].value);
                c->lines[i].value = vz_xstrdup(value);
                c->lines[i].changed = 1;
            }
            return;
        }
    struct vz_conf_line *l = push(c);
    l->key = vz_xstrdup(key);
    l->value = vz_xstrdup(value);
    l->changed = 1;
}

void vz_conf_unset(struct vz_conf *c, const char *key)
{
    size_t j = 0;
    for (size_t i = 0; i < c->n; i++) {
        if (c->lines[i].key && strcmp(c->lines[i].key, key) == 0) {
            free(c->lines[i].key);
            free(c->lines[i].value);
            free(c->lines[i].raw);
            free(c->lines[i].tail);
            continue;
        }
        c->lines[j++] = c->lines[i];
    }
    c->n = j;
}

int vz_conf_save(const struct vz_conf *c, vz_error_t *err)
{
    struct vz_buf b;
    vz_buf_init(&b);
    for (size_t i = 0; i < c->n; i++) {
        const struct vz_conf_line *l = &c->lines[i];
        if (l->key == NULL || !l->changed) {
            vz_buf_addf(&b, "%s\n", l->raw);
            continue;
        }
        if (l->raw) /* keep the line's indentation */
            vz_buf_addf(&b, "%.*s", (int)strspn(l->raw, " \t"), l->raw);
        vz_buf_addf(&b, "%s=\"", l->key);
        for (const char *p = l->value; *p; p++) {
            if (*p == '"' || *p == '\\' || *p == '`')
                vz_buf_addc(&b, '\\');
            vz_buf_addc(&b, *p);
        }
        vz_buf_addf(&b, "\"%s\n", l->tail ? l->tail : "");
    }
    int r = vz_atomic_write(c->path, b.data, b.len, 0644, err);
    vz_buf_release(&b);
    return r;
}

void vz_conf_release(struct vz_conf *c)
{
    for (size_t i = 0; i < c->n; i++) {
        free(c->lines[i].key);
        free(c->lines[i].value);
        free(c->lines[i].raw);
        free(c->lines[i].tail);
    }
    free(c->lines);
    free(c->path);
    c->lines = NULL;
    c->path = NULL;
    c->n = 0;
}

const struct vz_conf *vz_global_conf(void)
{
    static struct vz_conf conf;
    static int loaded;
    if (!loaded) {
        cleanup_free char *p = vz_root_path("/etc/vz/vz.conf");
        vz_error_t err = NULL;
        if (vz_conf_load(&conf, p, &err) < 0)
            vz_error_release(&err); /* absent: empty configuration */
        loaded = 1;
    }
    return &conf;
}

char *vz_template_path(const char *sub)
{
    const char *t = vz_conf_get(vz_global_conf(), "TEMPLATE");
    cleanup_free char *base = vz_root_path(t && *t ? t : "/vz/template");
    if (sub == NULL || *sub == '\0')
        return get_and_reset(&base);
    return vz_path_join(base, sub);
}
