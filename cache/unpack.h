/* cache/unpack.h: a cache tarball unpacked into a tree, verified in the
 * same pass (read -> sha256 -> libarchive decompress + extract).
 *
 * What a caller may rely on:
 *   - vz_unpack_verified() reads the file once; the bytes it unpacks are
 *     the bytes it hashes. A mismatch with the signed manifest's sha256 or
 *     size is VZ_EVERIFY, also when the change broke the compressed stream
 *     first (a corrupt stream of a changed file is reported as changed).
 *   - No entry lands outside dest: absolute names, ".." components and
 *     writes through symlinks are refused (VZ_ECORRUPT); character and
 *     block device nodes are skipped with a warning (the runtime makes a
 *     container's /dev).
 *   - On failure dest may hold a partial tree: the caller removes it.
 *   - Linking this pulls in libarchive: vzctl does not (vzctl-create does;
 *     docs/design.md, "Process start-up cost").
 */
#ifndef VZ_CACHE_UNPACK_H
#define VZ_CACHE_UNPACK_H

#include <stdint.h>

#include "common/common.h"
#include "common/idmap.h"

/* Unpack tarball (compression detected) into the existing directory dest
 * while hashing the compressed bytes in the same pass; VZ_EVERIFY when the
 * sha256 (hex) or size (0 = unchecked) differ. VZ_ENOTEMPLATE when tarball
 * does not exist. shift (NULL or not enabled: ids as in the archive): every
 * owner uid/gid u becomes shift->uid + u (ids of shift->count and above are
 * refused), and file capabilities are rewritten for the container's user
 * namespace (VFS_CAP_REVISION_3 with its root id), so a plain container's
 * tree is owned by its own id range. */
int vz_unpack_verified(const char *tarball, const char *sha256, uint64_t size, const char *dest,
                       const struct vz_idmap *shift, vz_error_t *err);

/* Shift an entry's owner into m's range, and its file capabilities to
 * revision 3 with the range's root. -1 when the owner does not fit the
 * range. vzrestore shifts its archives' entries the same way. */
struct archive_entry;
int vz_archive_shift_entry(struct archive_entry *e, const struct vz_idmap *m);

#endif
