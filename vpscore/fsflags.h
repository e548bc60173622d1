/* vpscore/fsflags.h: inode flags that stop a removal.
 *
 * A file or directory marked immutable (chattr +i) or append-only
 * (chattr +a) cannot be unlinked, nor can anything in such a directory,
 * even by root: a container that sets them (a privileged one can, with
 * CAP_LINUX_IMMUTABLE) would make destroy fail half-way. destroy clears
 * them on the whole tree first, so that it either removes everything or
 * (when clearing fails) nothing.
 */
#ifndef VZ_VPSCORE_FSFLAGS_H
#define VZ_VPSCORE_FSFLAGS_H

#include "common/common.h"

/* Clear FS_IMMUTABLE_FL and FS_APPEND_FL on every regular file and
 * directory below (and of) path, without following symlinks or crossing
 * into other mounts. A missing path is fine. The error names the file
 * whose flags could not be cleared (VZ_EPERM without CAP_LINUX_IMMUTABLE).
 * *cleared (may be NULL) counts the files changed. */
int vz_fsflags_clear_tree(const char *path, long *cleared, vz_error_t *err);

#endif
