/* metadata/yamltree.c: libyaml events -> struct yt_node tree with positions. */
#include "metadata/yamltree.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>

int yt_error(vz_error_t *err, const struct yt_doc *doc, int line, int col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cleanup_free char *msg = NULL;
    if (vasprintf(&msg, fmt, ap) < 0)
        abort();
    va_end(ap);
    return vz_error_set(err, VZ_EMETADATA, 0, "%s:%d:%d: %s", doc->path, line, col, msg);
}

int yt_node_error(vz_error_t *err, const struct yt_doc *doc, const struct yt_node *n,
                  const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cleanup_free char *msg = NULL;
    if (vasprintf(&msg, fmt, ap) < 0)
        abort();
    va_end(ap);
    return vz_error_set(err, VZ_EMETADATA, 0, "%s:%d:%d: %s", doc->path, n->line, n->col, msg);
}

static void node_free(struct yt_node *n)
{
    if (n == NULL)
        return;
    free(n->value);
    for (size_t i = 0; i < n->n; i++) {
        if (n->keys)
            node_free(n->keys[i]);
        node_free(n->items[i]);
    }
    free(n->keys);
    free(n->items);
    free(n);
}

void yt_doc_release(struct yt_doc *doc)
{
    node_free(doc->root);
    free(doc->path);
    free(doc->text);
    memset(doc, 0, sizeof(*doc));
}

static struct yt_node *node_new(enum yt_kind kind, const yaml_event_t *ev)
{
    struct yt_node *n = vz_xcalloc(1, sizeof(*n));
    n->kind = kind;
    n->line = (int)ev->start_mark.line + 1;
    n->col = (int)ev->start_mark.column + 1;
    n->end_line = (int)ev->end_mark.line + 1;
    n->end_col = (int)ev->end_mark.column + 1;
    return n;
}

/* Parser state: a stack of open collections; a mapping alternates key, value.
 * cap is the allocated length of the node's items (and keys): arrays grow by
 * doubling so that a long list costs linear time. */
struct frame {
    struct yt_node *node;
    struct yt_node *pending_key; /* mappings: key waiting for its value */
    size_t cap;
};

struct builder {
    struct yt_doc *doc;
    struct frame *stack;
    size_t depth, cap;
    size_t nodes; /* made so far, for YT_MAX_NODES */
    struct yt_node *root;
};

static void frame_reserve(struct frame *f)
{
    struct yt_node *p = f->node;
    if (p->n < f->cap)
        return;
    f->cap = f->cap ? f->cap * 2 : 4;
    p->items = vz_xrealloc(p->items, f->cap * sizeof(*p->items));
    if (p->kind == YT_MAP)
        p->keys = vz_xrealloc(p->keys, f->cap * sizeof(*p->keys));
}

/* Mapping keys are few (YT_MAX_KEYS), so a linear look for duplicates is
 * bounded by a small square. */
static int add_key(struct builder *b, struct frame *f, struct yt_node *key, vz_error_t *err)
{
    struct yt_node *p = f->node;
    int r = 0;
    if (key->kind != YT_SCALAR)
        r = yt_node_error(err, b->doc, key, "mapping keys must be plain strings, not %s", yt_kind_name(key));
    else if (p->n >= YT_MAX_KEYS)
        r = yt_node_error(err, b->doc, key, "mapping with more than %d keys (the limit)", YT_MAX_KEYS);
    for (size_t i = 0; r == 0 && i < p->n; i++)
        if (strcmp(p->keys[i]->value, key->value) == 0)
            r = yt_node_error(err, b->doc, key, "duplicate key '%s' (first at %d:%d)", key->value,
                              p->keys[i]->line, p->keys[i]->col);
    if (r < 0) {
        node_free(key);
        return r;
    }
    f->pending_key = key;
    return 0;
}

/* Hand child to its parent (or make it the root); on error child is freed. */
static int add_child(struct builder *b, struct yt_node *child, vz_error_t *err)
{
    if (b->depth == 0) {
        b->root = child;
        return 0;
    }
    struct frame *f = &b->stack[b->depth - 1];
    struct yt_node *p = f->node;
    if (p->kind == YT_MAP && f->pending_key == NULL)
        return add_key(b, f, child, err);
    if (p->kind == YT_SEQ && p->n >= YT_MAX_ITEMS) {
        int r = yt_node_error(err, b->doc, child, "list with more than %d entries (the limit)", YT_MAX_ITEMS);
        node_free(child);
        return r;
    }
    frame_reserve(f);
    if (p->kind == YT_MAP)
        p->keys[p->n] = f->pending_key;
    p->items[p->n++] = child;
    f->pending_key = NULL;
    return 0;
}

static void push(struct builder *b, struct yt_node *n)
{
    if (b->depth == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 8;
        b->stack = vz_xrealloc(b->stack, b->cap * sizeof(*b->stack));
    }
    b->stack[b->depth++] = (struct frame){ n, NULL, 0 };
}

/* The limits that apply before a node is made at ev; see yamltree.h. */
static int check_new_node(struct builder *b, const yaml_event_t *ev, vz_error_t *err)
{
    int line = (int)ev->start_mark.line + 1, col = (int)ev->start_mark.column + 1;
    if (++b->nodes > YT_MAX_NODES)
        return yt_error(err, b->doc, line, col, "more than %d values in one file (the limit)", YT_MAX_NODES);
    if (ev->type == YAML_SCALAR_EVENT && ev->data.scalar.length > YT_MAX_SCALAR)
        return yt_error(err, b->doc, line, col, "string longer than %u bytes (the limit)", YT_MAX_SCALAR);
    if (ev->type != YAML_SCALAR_EVENT && b->depth >= YT_MAX_DEPTH)
        return yt_error(err, b->doc, line, col, "nesting deeper than %d levels", YT_MAX_DEPTH);
    return 0;
}

static enum yt_style style_of(yaml_scalar_style_t s)
{
    switch (s) {
    case YAML_SINGLE_QUOTED_SCALAR_STYLE: return YT_SINGLE;
    case YAML_DOUBLE_QUOTED_SCALAR_STYLE: return YT_DOUBLE;
    case YAML_LITERAL_SCALAR_STYLE: return YT_LITERAL;
    case YAML_FOLDED_SCALAR_STYLE: return YT_FOLDED;
    default: return YT_PLAIN;
    }
}

static int syntax_error(const yaml_parser_t *p, const struct yt_doc *doc, vz_error_t *err)
{
    const char *problem = p->problem ? p->problem : "invalid YAML";
    if (p->context)
        return yt_error(err, doc, (int)p->problem_mark.line + 1, (int)p->problem_mark.column + 1,
                        "YAML syntax error: %s (%s at %d:%d)", problem, p->context,
                        (int)p->context_mark.line + 1, (int)p->context_mark.column + 1);
    return yt_error(err, doc, (int)p->problem_mark.line + 1, (int)p->problem_mark.column + 1,
                    "YAML syntax error: %s", problem);
}

static int build(struct builder *b, yaml_parser_t *parser, vz_error_t *err)
{
    int docs = 0;
    for (;;) {
        yaml_event_t ev;
        if (!yaml_parser_parse(parser, &ev))
            return syntax_error(parser, b->doc, err);
        int r = 0;
        struct yt_node *n = NULL;
        switch (ev.type) {
        case YAML_STREAM_END_EVENT:
            yaml_event_delete(&ev);
            if (docs == 0)
                return yt_error(err, b->doc, 1, 1, "empty file: expected a mapping with 'distribution', 'release', ...");
            return 0;
        case YAML_DOCUMENT_START_EVENT:
            if (++docs > 1)
                r = yt_error(err, b->doc, (int)ev.start_mark.line + 1, (int)ev.start_mark.column + 1,
                             "a second YAML document: a distro file holds exactly one");
            break;
        case YAML_ALIAS_EVENT:
            r = yt_error(err, b->doc, (int)ev.start_mark.line + 1, (int)ev.start_mark.column + 1,
                         "YAML aliases (*%s) are not supported: use 'extends' to share package lists",
                         (const char *)ev.data.alias.anchor);
            break;
        case YAML_SCALAR_EVENT:
            if (ev.data.scalar.anchor) {
                r = yt_error(err, b->doc, (int)ev.start_mark.line + 1, (int)ev.start_mark.column + 1,
                             "YAML anchors (&%s) are not supported", (const char *)ev.data.scalar.anchor);
                break;
            }
            if ((r = check_new_node(b, &ev, err)) < 0)
                break;
            n = node_new(YT_SCALAR, &ev);
            n->value = vz_xasprintf("%.*s", (int)ev.data.scalar.length, (const char *)ev.data.scalar.value);
            n->style = style_of(ev.data.scalar.style);
            r = add_child(b, n, err);
            break;
        case YAML_SEQUENCE_START_EVENT:
        case YAML_MAPPING_START_EVENT: {
            const yaml_char_t *anchor = ev.type == YAML_SEQUENCE_START_EVENT ? ev.data.sequence_start.anchor
                                                                             : ev.data.mapping_start.anchor;
            if (anchor) {
                r = yt_error(err, b->doc, (int)ev.start_mark.line + 1, (int)ev.start_mark.column + 1,
                             "YAML anchors (&%s) are not supported", (const char *)anchor);
                break;
            }
            if ((r = check_new_node(b, &ev, err)) < 0)
                break;
            n = node_new(ev.type == YAML_SEQUENCE_START_EVENT ? YT_SEQ : YT_MAP, &ev);
            r = add_child(b, n, err);
            if (r == 0)
                push(b, n);
            break;
        }
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
            b->depth--;
            b->stack[b->depth].node->end_line = (int)ev.end_mark.line + 1;
            b->stack[b->depth].node->end_col = (int)ev.end_mark.column + 1;
            break;
        default:
            break;
        }
        yaml_event_delete(&ev);
        if (r < 0)
            return r;
    }
}

int yt_parse_text(struct yt_doc *doc, const char *path, const char *text, size_t len,
                  vz_error_t *err)
{
    memset(doc, 0, sizeof(*doc));
    doc->path = vz_xstrdup(path);
    if (len > YT_MAX_FILE_SIZE) {
        yt_error(err, doc, 1, 1, "file larger than %u MiB (the limit)", YT_MAX_FILE_SIZE >> 20);
        yt_doc_release(doc);
        return -1;
    }
    doc->text = vz_xasprintf("%.*s", (int)len, text);
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser))
        abort();
    yaml_parser_set_input_string(&parser, (const unsigned char *)doc->text, len);
    struct builder b = { .doc = doc };
    int r = build(&b, &parser, err);
    yaml_parser_delete(&parser);
    /* On error, open collections are owned by their parents or by b.root. */
    if (r < 0)
        for (size_t i = 0; i < b.depth; i++)
            node_free(b.stack[i].pending_key);
    free(b.stack);
    if (r < 0) {
        node_free(b.root);
        yt_doc_release(doc);
        return -1;
    }
    doc->root = b.root;
    return 0;
}

int yt_parse_file(struct yt_doc *doc, const char *path, vz_error_t *err)
{
    cleanup_free char *data = NULL;
    size_t len = 0;
    struct stat st;
    /* Refuse a huge file before reading it; yt_parse_text checks again what
     * was read, should the file grow in between. */
    if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && (uintmax_t)st.st_size > YT_MAX_FILE_SIZE) {
        struct yt_doc d = { .path = (char *)path };
        memset(doc, 0, sizeof(*doc));
        return yt_error(err, &d, 1, 1, "file larger than %u MiB (the limit)", YT_MAX_FILE_SIZE >> 20);
    }
    if (vz_read_file(path, &data, &len, err) < 0) {
        memset(doc, 0, sizeof(*doc));
        return vz_error_restatus(err, VZ_EMETADATA);
    }
    return yt_parse_text(doc, path, data, len, err);
}

bool yt_is_null(const struct yt_node *n)
{
    if (n->kind != YT_SCALAR || n->style != YT_PLAIN)
        return false;
    const char *v = n->value;
    return !strcmp(v, "") || !strcmp(v, "~") || !strcmp(v, "null") || !strcmp(v, "Null") ||
           !strcmp(v, "NULL");
}

const char *yt_kind_name(const struct yt_node *n)
{
    switch (n->kind) {
    case YT_SEQ: return "a list";
    case YT_MAP: return "a mapping";
    default: return yt_is_null(n) ? "nothing (null)" : "a string";
    }
}

struct yt_node *yt_map_get(const struct yt_node *map, const char *key)
{
    if (map == NULL || map->kind != YT_MAP)
        return NULL;
    for (size_t i = 0; i < map->n; i++)
        if (strcmp(map->keys[i]->value, key) == 0)
            return map->items[i];
    return NULL;
}

/* Start of line `line` (1-based) in text, or NULL. */
static const char *line_start(const char *text, int line)
{
    const char *p = text;
    for (int l = 1; l < line && p; l++) {
        p = strchr(p, '\n');
        if (p)
            p++;
    }
    return p;
}

void yt_scalar_pos(const struct yt_doc *doc, const struct yt_node *n, size_t off, int *line,
                   int *col)
{
    *line = n->line;
    *col = n->col;
    if (n->kind != YT_SCALAR)
        return;
    size_t len = strlen(n->value);
    bool one_line = n->end_line == n->line;
    if (n->style == YT_PLAIN && one_line && (size_t)(n->end_col - n->col) == len) {
        *col = n->col + (int)off;
    } else if ((n->style == YT_SINGLE || n->style == YT_DOUBLE) && one_line &&
               (size_t)(n->end_col - n->col) == len + 2) {
        *col = n->col + 1 + (int)off;
    } else if (n->style == YT_LITERAL && doc->text) {
        /* Content starts on the line after the indicator; every content line
         * carries the indentation of the first non-empty one. */
        int k = 0;
        size_t bol = 0;
        for (size_t i = 0; i < off && i < len; i++)
            if (n->value[i] == '\n') {
                k++;
                bol = i + 1;
            }
        const char *first = line_start(doc->text, n->line + 1);
        while (first && *first == '\n')
            first = line_start(first, 2);
        if (first == NULL)
            return;
        int indent = 0;
        while (first[indent] == ' ')
            indent++;
        *line = n->line + 1 + k; /* leading empty lines are part of the value */
        *col = indent + (int)(off - bol) + 1;
    }
}
