/* common/fs.h: file-system helpers with the guarantees a builder needs.
 *
 * Atomicity: nothing half-written is ever visible under its final name.
 * vz_atomic_write() and struct vz_atomic_file write to a temporary file in
 * the same directory ("NAME.tmp.XXXXXX"), fsync it, and rename() it into
 * place; on any error the temporary is unlinked.
 *
 * vz_rm_rf() removes a tree without following symlinks and without crossing
 * into another file system (a leftover bind mount or /proc inside a build
 * root is refused, not emptied).
 */
#ifndef VZ_COMMON_FS_H
#define VZ_COMMON_FS_H

#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include "common/error.h"

int vz_atomic_write(const char *path, const void *data, size_t len, mode_t mode, vz_error_t *err);

struct vz_atomic_file {
    char *path;     /* final name */
    char *tmppath;  /* temporary name, NULL once committed or aborted */
    int fd;
};
/* Open a temp file next to path. */
int vz_atomic_open(struct vz_atomic_file *f, const char *path, mode_t mode, vz_error_t *err);
/* fsync + rename into place; the temp is removed on failure. */
int vz_atomic_commit(struct vz_atomic_file *f, vz_error_t *err);
/* Unlink the temp (if any) and free; safe to call after commit. */
void vz_atomic_abort(struct vz_atomic_file *f);
#define cleanup_atomic __attribute__((cleanup(vz_atomic_abort)))

/* mkdir -p; existing directories are fine. */
int vz_mkdir_p(const char *path, mode_t mode, vz_error_t *err);
/* Remove a file or tree. Missing path is not an error. Does not follow
 * symlinks and refuses to descend into a different st_dev. */
int vz_rm_rf(const char *path, vz_error_t *err);
/* Same, relative to dirfd. */
int vz_rm_rf_at(int dirfd, const char *name, vz_error_t *err);

/* Read a whole file (NUL-terminated; len excludes the NUL). */
int vz_read_file(const char *path, char **data, size_t *len, vz_error_t *err);
int vz_file_exists(const char *path);
int vz_is_dir(const char *path);

/* Join two path parts with exactly one '/'. Always allocated. */
char *vz_path_join(const char *a, const char *b);

/* The installation root: $VZ_ROOT or "" (so paths are absolute from /).
 * vz_root_path("/etc/vz/vz.conf") -> "$VZ_ROOT/etc/vz/vz.conf". */
const char *vz_root(void);
char *vz_root_path(const char *abs);

/* The directory of the running program (/proc/self/exe), or NULL when the
 * kernel does not say. Allocated. */
char *vz_self_dir(void);

/* Directory of shipped distro YAML: $VZ_DISTROS_DIR, else distros/ next to
 * the source tree the binary was built from (when running from build/bin),
 * else $(PREFIX)/share/vzforge/distros. */
const char *vz_shipped_distros_dir(void);

/* Check a single path component: non-empty, at most 255 bytes, not "." or
 * "..", no '/', no control character (a newline would break every line-based
 * listing), and no leading '-' (it would read as an option). */
int vz_safe_name(const char *name);

/* Copy a file (regular) preserving mode. */
int vz_copy_file(const char *src, const char *dst, vz_error_t *err);

#endif
