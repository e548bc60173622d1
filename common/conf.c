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

static void push(struct vz_conf *c, char *key, char *value, char *raw)
{
    c->lines = vz_xrealloc(c->lines, (c->n + 1) * sizeof(*c->lines));
    c->lines[c->n++] = (struct vz_conf_line){ key, value, raw };
}

static char *unquote(const char *v)
{
    size_t n = strlen(v);
    while (n && isspace((unsigned char)v[n - 1]))
        n--;
    if (n >= 2 && v[0] == '\'' && v[n - 1] == '\'')
        return vz_xasprintf("%.*s", (int)(n - 2), v + 1);
    /* Double quotes: undo the backslashes vz_conf_save() puts before " \ $
     * and ` (the shell's rule, so the file still reads as shell): without
     * this every save/load cycle would add another backslash. */
    if (n >= 2 && v[0] == '"' && v[n - 1] == '"') {
        struct vz_buf b;
        vz_buf_init(&b);
        for (size_t i = 1; i < n - 1; i++) {
            if (v[i] == '\\' && i + 1 < n - 1 && strchr("\"\\$`", v[i + 1]))
                i++;
            vz_buf_addc(&b, v[i]);
        }
        return vz_buf_detach(&b, NULL);
    }
    /* strip a trailing comment of an unquoted value */
    const char *h = memchr(v, '#', n);
    if (h)
        n = (size_t)(h - v);
    while (n && isspace((unsigned char)v[n - 1]))
        n--;
    return vz_xasprintf("%.*s", (int)n, v);
}

int vz_conf_load(struct vz_conf *c, const char *path, vz_error_t *err)
{
    vz_conf_init(c, path);
    cleanup_free char *data = NULL;
    if (vz_read_file(path, &data, NULL, err) < 0)
        return -1;
    char *save = NULL;
    for (char *line = strtok_r(data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        const char *s = line;
        while (isspace((unsigned char)*s))
            s++;
        const char *eq = strchr(s, '=');
        if (*s == '#' || *s == '\0' || eq == NULL) {
            push(c, NULL, NULL, vz_xstrdup(line));
            continue;
        }
        char *key = vz_xasprintf("%.*s", (int)(eq - s), s);
        push(c, key, unquote(eq + 1), NULL);
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
            free(c->lines[i].value);
            c->lines[i].value = vz_xstrdup(value);
            return;
        }
    push(c, vz_xstrdup(key), vz_xstrdup(value), NULL);
}

void vz_conf_unset(struct vz_conf *c, const char *key)
{
    size_t j = 0;
    for (size_t i = 0; i < c->n; i++) {
        if (c->lines[i].key && strcmp(c->lines[i].key, key) == 0) {
            free(c->lines[i].key);
            free(c->lines[i].value);
            free(c->lines[i].raw);
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
        if (c->lines[i].key == NULL) {
            vz_buf_addf(&b, "%s\n", c->lines[i].raw);
            continue;
        }
        vz_buf_addf(&b, "%s=\"", c->lines[i].key);
        for (const char *p = c->lines[i].value; *p; p++) {
            if (*p == '"' || *p == '\\' || *p == '$' || *p == '`')
                vz_buf_addc(&b, '\\');
            vz_buf_addc(&b, *p);
        }
        vz_buf_adds(&b, "\"\n");
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
