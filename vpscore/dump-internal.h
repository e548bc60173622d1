/* vpscore/dump-internal.h: what vzdump's writer and vzrestore's reader share
 * (vpscore/dump.h is the public side). */
#ifndef VZ_VPSCORE_DUMP_INTERNAL_H
#define VZ_VPSCORE_DUMP_INTERNAL_H

#include <archive.h>
#include <archive_entry.h>
#include <stdint.h>

#include "common/common.h"

#define VZ_DUMP_CONF "vzdump/ct.conf"
#define VZ_DUMP_MANIFEST "vzdump/manifest.json"
#define VZ_DUMP_SIG "vzdump/manifest.sig"
#define VZ_DUMP_TMPL_DIR "vzdump/template/"
#define VZ_DUMP_FILES "files"
/* The conf and the signed manifest are read into memory: bounded. */
#define VZ_DUMP_SMALL_MAX (64u << 20)

/* The digest of one archive entry: its header as the archive stores it
 * (path, type, permission bits, numeric owner, mtime, size, symlink and
 * hard-link target, device numbers, xattrs sorted by name) and its
 * contents. Contents are hashed as 64 KiB pages (the last one up to the
 * size) by page number, all-zero
 * pages skipped, so a sparse file gives the same digest whichever way its
 * holes were written or read (and a huge hole costs no hashing). Data
 * blocks must come in increasing offset order, as libarchive gives them. */
struct vz_dump_digest;
struct vz_dump_digest *vz_dump_digest_begin(struct archive_entry *e, vz_error_t *err);
void vz_dump_digest_data(struct vz_dump_digest *d, int64_t offset, const void *buf, size_t len);
/* Finish into hex (65 bytes) and free d. */
void vz_dump_digest_end(struct vz_dump_digest *d, char *hex);
void vz_dump_digest_free(struct vz_dump_digest *d); /* NULL-safe, without finishing */

/* Entry paths an archive may hold: VZ_DUMP_FILES, or VZ_DUMP_FILES/REL with
 * REL of non-empty components other than "." and ".." (no "//"); a
 * directory's path ends in '/' (as tar writes it), nothing else's does. */
int vz_dump_files_path_ok(const char *p, int is_dir);

/* Keep the xattrs of e that keep() accepts (it may replace *val and *len with
 * a value that lives until the next call); count the others in *dropped. */
typedef int vz_xattr_keep_fn(const char *name, const void **val, size_t *len, void *arg);
void vz_dump_xattrs_filter(struct archive_entry *e, vz_xattr_keep_fn *keep, void *arg, size_t *dropped);

/* Both passes of vzrestore (dump_verify.c). vz_dump_open: an archive for
 * reading (tar, any compression libarchive knows); vz_dump_corrupt: the
 * error of a read that failed (VZ_ECORRUPT, "truncated or corrupt");
 * vz_dump_read_entry: the entry's data through its digest (hex), kept in
 * *small (at most VZ_DUMP_SMALL_MAX bytes) when small is not NULL. */
int vz_dump_open(const char *path, struct archive **out, vz_error_t *err);
int vz_dump_corrupt(struct archive *a, const char *path, vz_error_t *err);
int vz_dump_read_entry(struct archive *a, const char *path, struct archive_entry *e, char *hex, char **small,
                       size_t *small_len, vz_error_t *err);
/* vzrestore's single read (restore.c): vz_dump_verify with hooks. conf
 * gets the first entry (the container's conf, not verified yet); files
 * gets each files/ entry that passed the path and type checks, reads its
 * data (writing it where it likes) and gives its digest in hex. Returns 1,
 * and no error, at a template entry (an archive made with --full: the
 * caller verifies and restores it in two reads); 0 when everything read
 * matched the signed manifest. */
struct vz_dump_hooks {
    int (*conf)(void *arg, const char *text, size_t len, vz_error_t *err);
    int (*files)(void *arg, struct archive *a, struct archive_entry *e, char *hex, vz_error_t *err);
    void *arg;
};
struct vz_dump_info;
int vz_dump_verify_hooked(const char *path, struct vz_dump_info *info, const struct vz_dump_hooks *hk,
                          vz_error_t *err);
/* Entry i of a verified archive: its digest (NULL past the end), *path. */
struct vz_dump_list;
const char *vz_dump_list_digest(const struct vz_dump_list *l, size_t i, const char **path);

#endif
