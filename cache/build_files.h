/* cache/build_files.h: the signed list of what a published build carries
 * besides its cache (docs/publish.md, "Exported formats").
 *
 * A build directory NAME/ID/ holds the cache (NAME.tar.COMP, NAME.manifest,
 * NAME.manifest.sig, covered by the manifest's signature) and may hold the
 * exported formats (OCI layout, LXC, Incus, rootfs tarball: cache/export/).
 * Those are covered by
 *
 *   NAME/ID/NAME.files.json       {"format": 1, "template": NAME, "id": ID,
 *                                  "tar_sha256": HEX, "init": "/sbin/init"|"none",
 *                                  "files": [{"path": P, "format": F,
 *                                             "size": N, "sha256": HEX}, ...]}
 *   NAME/ID/NAME.files.json.sig   its signature (cache/sign.h)
 *
 * written by whoever makes the build directory (`vzpkg publish`), and named
 * with its sha256 and size by the signed index.json, so a client that trusts
 * the index can verify any export it fetches. P is relative to the build
 * directory ("NAME.oci/index.json", or "oci/NAME.oci/index.json" when the
 * exports were made into a subdirectory); F is the export format the file
 * belongs to: the word after "NAME." in the first path component that starts
 * with "NAME." ("oci", "lxc", "incus", "rootfs"), else "other". "init" says
 * whether the template has /sbin/init: "none" marks a variant that runs
 * commands but cannot boot as a system container.
 *
 * Not listed: the cache's three files, the list and its signature, names
 * starting with '.', and the simplestreams files root.tar.xz and incus.tar.xz
 * at the top (cache/streams.h: the publishing host writes them later and
 * images.json gives their digests).
 *
 * A caller may rely on: vz_build_files_parse() accepts only relative paths
 * made of plain components (no "", ".", "..", no control characters), so a
 * listed path can be joined under any directory; vz_build_files_check()
 * refuses (VZ_EVERIFY) a list not signed by a trusted key, for another build,
 * a listed file missing or with other bytes, and a file present but not
 * listed.
 */
#ifndef VZ_CACHE_BUILD_FILES_H
#define VZ_CACHE_BUILD_FILES_H

#include <stdbool.h>
#include <stdint.h>

#include "common/common.h"

#define VZ_BUILD_FILES_FORMAT 1
#define VZ_BUILD_FILES_MAX (16u << 20) /* bytes of a list a client accepts */

struct vz_build_file {
    char *path;
    char *format;
    uint64_t size;
    char sha256[65];
};

struct vz_build_files {
    char *template_name;
    char *id;
    char tar_sha256[65];
    bool has_init;
    struct vz_build_file *files; /* sorted by path */
    size_t n;
};

/* "NAME.files.json" (allocated); the signature is that + ".sig". */
char *vz_build_files_name(const char *name);

/* Hash every file of build directory bdir that the list covers and write
 * NAME.files.json and its signature (the host's key) into bdir, each
 * atomically. */
int vz_build_files_write(const char *bdir, const char *name, const char *id,
                         const char *tar_sha256, bool has_init, vz_error_t *err);

/* Parse a list (VZ_ECORRUPT when malformed). */
int vz_build_files_parse(const char *text, size_t len, struct vz_build_files **out,
                         vz_error_t *err);
void vz_build_files_free(struct vz_build_files *l);

/* Check bdir's list as the header says, for build name/id of the tarball
 * with tar_sha256. A directory without a list passes only when it holds
 * nothing the list would cover. */
int vz_build_files_check(const char *bdir, const char *name, const char *id,
                         const char *tar_sha256, vz_error_t *err);

/* Where a listed file lands for a client: the part of path from its first
 * component starting with "NAME." (the whole path when there is none). */
const char *vz_build_files_landing(const char *name, const char *path);

#endif
