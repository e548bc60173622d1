/* common/conf.h: OpenVZ-style KEY="value" files (vz.conf, CTID.conf).
 *
 * Round trip: a save writes every line it did not change byte for byte as
 * it was read (comments, blank lines, odd spacing, unknown keys, values
 * such as "/vz/root/$VEID" that OpenVZ's scripts expand); a key that
 * vz_conf_set() changed is rewritten as KEY="value" in place, keeping the
 * line's indentation and a trailing comment; a new key is appended.
 *
 * Reading follows the shell's word rules, since OpenVZ's scripts source
 * these files: a value is one word made of "double-quoted" (\ before " \ $
 * ` is removed), 'single-quoted' and bare parts; what follows it on the
 * line (whitespace, then usually "# comment") is not part of the value.
 * Only KEY is a setting when it is a shell name ([A-Za-z_][A-Za-z0-9_]*);
 * any other line is kept as text. Writing puts \ before " \ and ` and
 * leaves $ alone, so "$VEID" keeps its meaning for the shell and for the
 * runtime (vpscore/ctconf.c expands it); a value cannot hold a newline.
 */
#ifndef VZ_COMMON_CONF_H
#define VZ_COMMON_CONF_H

#include <stddef.h>

#include "common/error.h"

struct vz_conf_line {
    char *key;   /* NULL for comment/blank/other lines */
    char *value; /* unquoted */
    char *raw;   /* the line as read; NULL for a key added since */
    char *tail;  /* key lines: what followed the value (" # comment"), or NULL */
    int changed; /* key lines: vz_conf_set() gave a new value: rewrite it */
};

struct vz_conf {
    char *path;
    struct vz_conf_line *lines;
    size_t n;
};

/* Missing file: VZ_EFAIL with ENOENT in errnum; callers may treat as empty. */
int vz_conf_load(struct vz_conf *c, const char *path, vz_error_t *err);
void vz_conf_init(struct vz_conf *c, const char *path);
const char *vz_conf_get(const struct vz_conf *c, const char *key);
void vz_conf_set(struct vz_conf *c, const char *key, const char *value);
void vz_conf_unset(struct vz_conf *c, const char *key);
int vz_conf_save(const struct vz_conf *c, vz_error_t *err); /* atomic */
void vz_conf_release(struct vz_conf *c);

/* The global configuration: $VZ_ROOT/etc/vz/vz.conf, loaded once; an absent
 * file is an empty configuration. Never NULL. */
const struct vz_conf *vz_global_conf(void);

/* The template area: $VZ_ROOT + (vz.conf TEMPLATE or "/vz/template") + "/" + sub.
 * sub may be "" or e.g. "cache", "pkgs", "repodata", "unpacked". */
char *vz_template_path(const char *sub);

#endif
