/* cache/stage.h: builds published into another tree (a staging tree), merged
 * into a published tree (`vzpkg publish DIR --from STAGE`, docs/nightly.md).
 *
 * A nightly pipeline runs one job per template, each on its own runner: the
 * job publishes its build into a staging tree of its own (a plain
 * `vzpkg publish STAGE NAME`, plus any exported formats it puts into the
 * build directory), and a final step merges every staging tree into the one
 * published tree. The runner that merges does not hold the caches, only the
 * staging trees, so what it can trust is the files themselves:
 *
 *   STAGE/NAME/ID/NAME.manifest       signature in NAME.manifest.sig checked
 *                                     against this host's trusted keys
 *                                     (cache/sign.h: trusted/ plus its own key)
 *   STAGE/NAME/ID/NAME.tar.COMP       the manifest's tarball: its name, size
 *                                     and sha256 as the manifest states
 *   ID                                BUILDTIME-SHA12 of that manifest, as
 *                                     publish names it (docs/publish.md)
 *
 * Anything else in a build directory (the exported formats: OCI layout,
 * LXC and Incus files) must be exactly what the build's signed list of
 * files says (cache/build_files.h), and a staged root.tar.xz or incus.tar.xz
 * (simplestreams files, which the merging host makes) is refused; it is
 * copied along as it is: regular files and
 * directories only; a symlink, device or other special file is refused,
 * since the published tree is served as plain files. STAGE's own index.json
 * is not read (its signer may be any job's key; the builds are checked one by
 * one). Directories named "streams" or "nightly" are not templates
 * (simplestreams files, nightly reports) and are skipped, as are names
 * starting with '.' (a half-copied build).
 *
 * A caller may rely on: vz_stage_check() reads only; it fails (VZ_EVERIFY
 * naming the file and what was wrong, or VZ_ECORRUPT for a manifest that
 * does not parse) on the first bad build, so a merge either takes every
 * staged build or none. vz_stage_copy() makes DIR/NAME/ID appear whole
 * (written as DIR/NAME/.ID.tmp and renamed) or not at all.
 */
#ifndef VZ_CACHE_STAGE_H
#define VZ_CACHE_STAGE_H

#include <stddef.h>

#include "common/common.h"

struct vz_staged_build {
    char *name;   /* template name */
    char *id;     /* BUILDTIME-SHA12 */
    char *path;   /* STAGE/NAME/ID */
};

/* Every build in stage, checked as above, sorted by name then ID. A stage
 * with no build is not an error (*n = 0): a night where nothing changed. */
int vz_stage_check(const char *stage, struct vz_staged_build **out, size_t *n, vz_error_t *err);
void vz_staged_free(struct vz_staged_build *b, size_t n);

/* Copy b into dir/NAME/ID, unless that exists already (then nothing is
 * done: IDs name their content). Directories it creates are pushed onto made
 * (dir/NAME when new, then dir/NAME/ID) so a failing publish can remove
 * them; the ID is pushed onto published when it was copied. */
int vz_stage_copy(const char *dir, const struct vz_staged_build *b, char ***published,
                  char ***made, vz_error_t *err);

/* Copy the regular files and directories under src into dst (which
 * exists); a symlink or special file is refused (VZ_EVERIFY). */
int vz_stage_copy_tree(const char *src, const char *dst, vz_error_t *err);

#endif
