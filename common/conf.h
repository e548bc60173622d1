/* common/conf.h: OpenVZ-style KEY="value" files (vz.conf, CTID.conf).
 *
 * Comments (#) and blank lines are kept on rewrite, so an admin's file stays
 * as written; vz_conf_set() changes a key in place or appends it.
 * Values are unquoted on read ("..." or '...'); written with double quotes,
 * with \ before " \ $ and ` as the shell reads them, which a load undoes: a
 * value survives any number of save/load cycles unchanged, except that it
 * cannot hold a newline (the file is one setting per line).
 */
#ifndef VZ_COMMON_CONF_H
#define VZ_COMMON_CONF_H

#include <stddef.h>

#include "common/error.h"

struct vz_conf_line {
    char *key;   /* NULL for comment/blank lines */
    char *value; /* unquoted */
    char *raw;   /* original text for comment/blank lines */
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

#endif
