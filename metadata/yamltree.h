/* metadata/yamltree.h: a YAML document as a tree that remembers where every
 * node was written (internal to metadata/).
 *
 * libyaml's event parser drives the construction; each node keeps the 1-based
 * line and column of its first character, so validation can say
 * "FILE:LINE:COL: message". The parser rejects what the metadata never needs
 * and would only make errors harder to place: aliases and anchors, several
 * documents in one file, and duplicate mapping keys (YAML allows libraries to
 * keep the last one silently; we refuse). Errors have status VZ_EMETADATA.
 *
 * Limits: distro files are short and shallow, and a local override may be
 * broken or hostile, so the parser refuses anything far beyond a real file
 * before it costs stack, memory or time. Each error names the file, line and
 * column and the limit, e.g. "distros/x.yaml:3:5: nesting deeper than 64
 * levels". docs/template-metadata.md lists them. Loading stays linear in the
 * size of the file up to these limits.
 */
#ifndef VZ_METADATA_YAMLTREE_H
#define VZ_METADATA_YAMLTREE_H

#include <stdbool.h>
#include <stddef.h>

#include "common/common.h"

#define YT_MAX_FILE_SIZE (4u << 20)   /* bytes in one file */
#define YT_MAX_DEPTH 64               /* lists and mappings nested in each other */
#define YT_MAX_NODES 250000           /* strings, lists and mappings in one file */
#define YT_MAX_SCALAR (256u << 10)    /* bytes in one string */
#define YT_MAX_ITEMS 100000           /* entries of one list */
#define YT_MAX_KEYS 1000              /* keys of one mapping */

enum yt_kind { YT_SCALAR, YT_SEQ, YT_MAP };

enum yt_style { YT_PLAIN, YT_SINGLE, YT_DOUBLE, YT_LITERAL, YT_FOLDED };

struct yt_node {
    enum yt_kind kind;
    int line, col;          /* 1-based start */
    int end_line, end_col;  /* 1-based, just past the end */
    /* YT_SCALAR */
    char *value;
    enum yt_style style;
    /* YT_SEQ: items[n]; YT_MAP: keys[n] (scalars) and items[n] (values) */
    struct yt_node **keys;
    struct yt_node **items;
    size_t n;
};

struct yt_doc {
    char *path;    /* as given, used in messages */
    char *text;    /* the source, for locating text inside block scalars */
    struct yt_node *root; /* never NULL after a successful parse */
};

/* Parse a file. The path is used verbatim in messages. */
int yt_parse_file(struct yt_doc *doc, const char *path, vz_error_t *err);
/* Parse text held in memory (tests, and files read by the caller). */
int yt_parse_text(struct yt_doc *doc, const char *path, const char *text, size_t len,
                  vz_error_t *err);
void yt_doc_release(struct yt_doc *doc);

/* Set *err to "PATH:LINE:COL: message" (status VZ_EMETADATA); returns -1. */
int yt_error(vz_error_t *err, const struct yt_doc *doc, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
int yt_node_error(vz_error_t *err, const struct yt_doc *doc, const struct yt_node *n,
                  const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* A plain scalar spelled as YAML's null: "", "~", "null", "Null", "NULL". */
bool yt_is_null(const struct yt_node *n);
/* "a string", "a list", "a mapping", "nothing (null)": for type errors. */
const char *yt_kind_name(const struct yt_node *n);
/* Value of key in a mapping, or NULL. */
struct yt_node *yt_map_get(const struct yt_node *map, const char *key);

/* Where byte offset off of a scalar's value was written, when that can be
 * known exactly (single-line plain or quoted scalars without escapes, literal
 * block scalars); otherwise the node's own position. */
void yt_scalar_pos(const struct yt_doc *doc, const struct yt_node *n, size_t off, int *line,
                   int *col);

#endif
