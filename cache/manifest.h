/* cache/manifest.h: the manifest of a template cache (docs/cache-format.md).
 *
 * The manifest is JSON, serialised canonically: keys sorted, two-space
 * indent, packages sorted by (name, arch, version), repositories by name,
 * one trailing newline. The same struct always gives the same bytes, so a
 * signature over them is stable and two builds of the same inputs produce
 * the same manifest.
 *
 * cache/ must not know the builder's types: the builder (tmplbuild/pack.h,
 * vz_pack_manifest_init) fills this struct from struct vz_template and
 * struct vz_plan.
 */
#ifndef VZ_CACHE_MANIFEST_H
#define VZ_CACHE_MANIFEST_H

#include <stddef.h>
#include <stdint.h>

#include "common/common.h"

#define VZ_MANIFEST_FORMAT 1

struct vz_manifest_pkg {
    char *name;
    char *version;
    char *arch;
    char sha256[65];   /* of the .deb; "" when unknown (imported caches) */
    uint64_t size;     /* download size; 0 when unknown */
};

struct vz_manifest_repo {
    char *name;
    char *suite;
    char *date;                /* Release "Date:" */
    char release_sha256[65];
};

struct vz_manifest {
    int format;                /* VZ_MANIFEST_FORMAT */
    char *template_name;
    char *metadata_sha256;     /* "" for imported caches */
    struct vz_manifest_repo *repos;
    size_t n_repos;
    struct vz_manifest_pkg *pkgs;
    size_t n_pkgs;
    char *tarball;             /* file name, no directory: NAME.tar.zst */
    char *compress;            /* "zst", "gz", "xz" */
    uint64_t tar_size;
    char tar_sha256[65];
    char *vzforge_version;
    int64_t build_time;        /* seconds since the epoch (SOURCE_DATE_EPOCH when set) */
    char *signer;              /* key ID */
    char *source;              /* "build" or "import:FILE-NAME" */
};

/* Zeroed manifest with format, vzforge_version and build_time set. */
struct vz_manifest *vz_manifest_new(const char *template_name);
void vz_manifest_free(struct vz_manifest *m);

/* Add entries (strings copied). */
void vz_manifest_add_pkg(struct vz_manifest *m, const char *name, const char *version,
                         const char *arch, const char *sha256, uint64_t size);
void vz_manifest_add_repo(struct vz_manifest *m, const char *name, const char *suite,
                          const char *date, const char *release_sha256);

/* Build time for a new manifest: $SOURCE_DATE_EPOCH if set and valid, else now. */
int64_t vz_build_time(void);

/* Canonical JSON text (allocated, NUL-terminated). */
int vz_manifest_serialize(const struct vz_manifest *m, char **text, size_t *len, vz_error_t *err);
/* Parse and validate (every required field present and well-formed);
 * VZ_ECORRUPT naming the field otherwise. */
int vz_manifest_parse(const char *text, size_t len, struct vz_manifest **out, vz_error_t *err);

#endif
