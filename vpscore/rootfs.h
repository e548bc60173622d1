/* vpscore/rootfs.h: read and write files inside a container's root from the
 * host, never leaving it.
 *
 * root is a directory as seen from the host: a stopped plain container's
 * private area, a stopped overlay container's upper dir, or a running
 * container's /proc/PID/root. Paths are resolved with openat2(2)
 * RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS: ".." and absolute symlinks inside
 * the container stay inside it, /proc magic links are refused. Writes are
 * atomic (temporary file + renameat in the same directory), keep the mode and
 * owner of the file they replace, and replace a symlink rather than writing
 * through it.
 */
#ifndef VZ_VPSCORE_ROOTFS_H
#define VZ_VPSCORE_ROOTFS_H

#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "common/common.h"

/* rel is relative to root ("etc/hostname"). Missing parent directories are
 * created (0755). mode applies to a new file only. */
int vz_rootfs_write(const char *root, const char *rel, const void *data, size_t len, mode_t mode,
                    vz_error_t *err);
/* As vz_rootfs_write, but a new file gets like's mode and owner (copy-up of
 * an overlay lower file). like may be NULL. */
int vz_rootfs_write_like(const char *root, const char *rel, const void *data, size_t len, mode_t mode,
                         const struct stat *like, vz_error_t *err);
/* lstat inside the root (confined). -1 with errno on failure, no err. */
int vz_rootfs_stat(const char *root, const char *rel, struct stat *st);
/* VZ_EFAIL with errnum ENOENT when the file does not exist. */
int vz_rootfs_read(const char *root, const char *rel, char **data, size_t *len, vz_error_t *err);

#endif
