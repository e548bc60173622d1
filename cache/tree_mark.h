/* cache/tree_mark.h: the record that a shared overlay tree
 * (vz_template_path("unpacked")/NAME-<sha256>) is a complete unpack of the
 * cache tarball the signed manifest describes.
 *
 * The record is a file next to the tree, ".NAME-<sha256>.verified" (root's,
 * mode 0600, written atomically), one line:
 *
 *     vzforge-tree 1 sha256=HEX size=N tarball=DEV:INO:SIZE:MTIME_NS:CTIME_NS
 *
 * sha256 and size: the tarball the tree was unpacked from, which the unpack
 * hashed in the same pass; tarball=: that file's identity when it was hashed.
 *
 * What a caller may rely on (docs/cache-format.md, "Shared trees"):
 *   - vz_tree_mark_begin() + the unpack + vz_tree_mark_land() write the
 *     record before the tree is renamed to its final name, so a tree under
 *     its final name with a matching record is complete;
 *   - vz_tree_mark_check() (a create that reuses the tree) costs a stat or
 *     two while the tarball is unchanged. A tarball whose size differs from
 *     the manifest's is VZ_EVERIFY at once; one whose identity changed since
 *     it was hashed (rewritten, truncated, copied back) is hashed again:
 *     VZ_EVERIFY when it no longer matches the signed manifest, otherwise the
 *     record is renewed. A record that names another sha256 or size, or that
 *     cannot be read as one, is VZ_ECORRUPT: the tree is not used. A tree
 *     with no record (made by vzforge before records existed) is adopted
 *     once its tarball hashes to the manifest's sha256.
 *   - No check reads the tree itself: a change inside it (only root can
 *     write the store) is not detected.
 */
#ifndef VZ_CACHE_TREE_MARK_H
#define VZ_CACHE_TREE_MARK_H

#include <sys/stat.h>

#include "cache/store.h"
#include "common/common.h"

/* ".NAME-<sha>.verified" next to tree (allocated). */
char *vz_tree_mark_path(const char *tree);

/* Before the unpack: the identity of the tarball about to be hashed. */
int vz_tree_mark_begin(const struct vz_cache_info *c, struct stat *tar_st, vz_error_t *err);

/* After a verified unpack into a temporary directory, before it is renamed
 * to tree: write the record (VZ_ELOCKED when the tarball path no longer
 * names the file of tar_st: the cache was replaced meanwhile). */
int vz_tree_mark_land(const char *tree, const struct vz_cache_info *c, const struct stat *tar_st,
                      vz_error_t *err);

/* Before a create reuses tree: 0 when it may (see above). */
int vz_tree_mark_check(const char *tree, const struct vz_cache_info *c, vz_error_t *err);

#endif
