/* cache/streams.h: the published tree also as an Incus/LXD simplestreams
 * image server (docs/publish.md, "Simplestreams").
 *
 * For every build the signed index lists, a build directory NAME/ID/ gains
 *     root.tar.xz    the cache's tar stream, xz-compressed (the tar bytes are
 *                    those of NAME.tar.zst; a cache already packed as .tar.xz
 *                    is used as it is and no copy is made)
 *     incus.tar.xz   the metadata tarball: metadata.yaml (architecture,
 *                    creation_date, properties, templates) and templates/
 *                    hostname.tpl, hosts.tpl
 * and DIR/streams/v1/index.json + images.json describe them: one product per
 * template ("OS:RELEASE:ARCH:VARIANT", Debian architecture names), one
 * version per build (keyed "YYYYMMDD_HHMM" of the build time), items
 * "root.tar.xz", "incus.tar.xz" and "lxd.tar.xz" (the same metadata file)
 * with sha256 and size; the metadata items carry combined_sha256 and
 * combined_rootxz_sha256 = sha256(metadata bytes + rootfs bytes), the image
 * fingerprint Incus and LXD check after downloading.
 *
 * Files are made once per build (each written to a temp name and renamed),
 * so publishing again costs only the hashing. Template names that do not
 * follow DISTRO-RELEASE-ARCH[-VARIANT] with a known ARCH are left out of the
 * streams with a warning (they stay in the signed index).
 */
#ifndef VZ_CACHE_STREAMS_H
#define VZ_CACHE_STREAMS_H

#include "cache/index.h"
#include "common/common.h"

struct vz_streams_name {
    char *os;          /* "debian" */
    char *release;     /* "12" (may contain '-') */
    char *arch;        /* Debian name: "amd64" */
    char *kernel_arch; /* as in the template name / uname: "x86_64" */
    char *variant;     /* "minimal"; "default" when the name has none */
};

/* Split a template name; -1 (nothing allocated) when it does not parse. */
int vz_streams_parse_name(const char *name, struct vz_streams_name *out);
void vz_streams_name_release(struct vz_streams_name *n);

/* Make root.tar.xz (unless the cache is xz already; xz preset xz_level,
 * 0 = 6) and incus.tar.xz in the build directory of b under dir; a no-op for
 * files already there. */
int vz_streams_prepare(const char *dir, const struct vz_index_build *b, int xz_level,
                       vz_error_t *err);

/* Write dir/streams/v1/images.json, then dir/streams/v1/index.json, for the
 * builds of ix (each prepared). now: the "updated" time. */
int vz_streams_write(const char *dir, const struct vz_index *ix, int64_t now, vz_error_t *err);

/* "YYYYMMDD_HHMM" (UTC) of t: the version key of a build. */
void vz_streams_version_key(int64_t t, char out[32]);

/* Path of the rootfs item of b relative to dir (allocated). */
char *vz_streams_root_path(const struct vz_index_build *b);

#endif
