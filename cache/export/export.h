/* cache/export/export.h: a verified template cache -> the image formats other
 * tools consume (docs/exports.md).
 *
 * An export reads a cache; it never builds. The cache's manifest signature is
 * checked first and its tarball is hashed on every read: a tarball that is
 * not what the signed manifest says fails with VZ_EVERIFY and no output is
 * left under its final name. Outputs are reproducible: the same cache gives
 * the same bytes (entry order and mtimes are the cache's, written metadata
 * takes its time from the manifest's build_time, gzip headers carry no name
 * and no time, xz blocks of a fixed size whatever the number of threads).
 *
 * Formats (names as on the command line):
 *   rootfs  NAME.rootfs.tar.gz: the root file system (podman import, ...)
 *   oci     NAME.oci/: an OCI image layout, one image tagged VZ_EXPORT_OCI_REF
 *   lxc     NAME.lxc.meta.tar.xz + NAME.lxc.rootfs.tar.xz (lxc-create -t local)
 *   incus   NAME.incus.tar.gz (unified) and NAME.incus.meta.tar.gz +
 *           NAME.incus.rootfs.tar.gz (split), for Incus and LXD
 * An output that exists already is replaced (rename: the old one or the new
 * one, never a mix).
 */
#ifndef VZ_CACHE_EXPORT_H
#define VZ_CACHE_EXPORT_H

#include <jansson.h>
#include <stdbool.h>

#include "common/common.h"

#define VZ_EXPORT_OCI_REF "latest"

/* Whether fmt is one of the format names above. */
bool vz_export_format_known(const char *fmt);

/* Export cache NAME in each of formats (NULL-terminated, no duplicates) into
 * dir (created if missing). On success *result is a new JSON object:
 *   { "template": NAME, "cache_sha256": HEX, "signer": KEYID,
 *     "architecture": "x86_64", "has_init": bool,
 *     "outputs": [ { "format": F, "path": P, ...format's fields...,
 *                    "files": [ { "kind": K, "path": P, "size": N,
 *                                 "sha256": HEX } ] } ] }
 * (docs/exports.md lists every field). Errors: VZ_ENOTEMPLATE, VZ_EVERIFY,
 * VZ_ECORRUPT (unreadable tarball), VZ_ESYSTEM (writing). */
int vz_export(const char *name, char *const *formats, const char *dir, json_t **result,
              vz_error_t *err);

/* vz_export with the xz preset of the lxc tarballs (1 fastest to 9; 0 = 6,
 * xz's default). Any level is as reproducible as the default (same cache,
 * same level: same bytes); lower levels cost less CPU for larger files. */
int vz_export_with(const char *name, char *const *formats, const char *dir, int xz_level,
                   json_t **result, vz_error_t *err);

/* The sentence that marks a template without an init in every format's
 * metadata and in the warnings of export and publish. */
extern const char vz_export_noinit_note[];

/* Verify cache NAME as vz_export does (signature, then the tarball hashed
 * while it is read) and say whether it has an init (/sbin/init, directly
 * or behind the merged-/usr link): a template without one cannot boot as a
 * system container. */
int vz_export_probe(const char *name, bool *has_init, vz_error_t *err);

#endif
