/* vpscore/dump.h: one container as one archive (vzdump) and back
 * (vzrestore), as Proxmox's tools name it. docs/backup.md has the format.
 *
 * What a caller may rely on:
 *   - An archive is a tar (pax) stream, zstd-compressed by default, with, in
 *     this order: vzdump/ct.conf (the container's conf as it was), with
 *     --full the signed template cache it stands on (vzdump/template/NAME.*),
 *     the container's own files under files/ (overlay: the upper layer with
 *     its whiteouts and trusted.overlay.* xattrs; plain: the private area),
 *     then vzdump/manifest.json and vzdump/manifest.sig last.
 *   - Owners are stored as the container sees them (0..65535), never as the
 *     host ids of its range; file capabilities as revision 2 (no root id).
 *     So an archive restores into any id range.
 *   - The manifest lists every entry in archive order with a sha256 over
 *     its header (path, type, mode, owner, times, link target, xattrs) and
 *     its contents; it is signed with the host's Ed25519 key
 *     (cache/sign.h). vz_ct_restore() reads the whole archive once and
 *     checks all of it (signature from a trusted key, every digest, safe
 *     paths and types) before it writes anything; a tampered archive is
 *     VZ_EVERIFY (204), a truncated, corrupt or unsafe one VZ_ECORRUPT (206).
 *     The second pass that writes checks every digest again and removes
 *     what it wrote on a mismatch (the file changed in between).
 *   - Restore never writes outside the new private area (and the conf, the
 *     shared template tree of an overlay container): entry paths are
 *     relative without "..", links are never followed while extracting
 *     (libarchive's secure flags), device nodes other than overlay
 *     whiteouts (char 0:0) and xattrs outside user.*, trusted.overlay.*
 *     and security.capability are refused or dropped.
 *   - A restore makes a new container: new id range (LOCAL_UID/LOCAL_GID),
 *     its own VE_PRIVATE/VE_ROOT; it refuses IP addresses that another
 *     container has (VZ_EIPINUSE 78) unless told to drop them, and drops
 *     a NAME another container has (with a warning). All or nothing: on
 *     failure nothing of it remains.
 */
#ifndef VZ_VPSCORE_DUMP_H
#define VZ_VPSCORE_DUMP_H

#include <stdint.h>

#include "cache/store.h"
#include "common/common.h"

#define VZ_DUMP_FORMAT "vzforge-dump/1"

enum vz_dump_mode { VZ_DUMP_STOP, VZ_DUMP_SUSPEND, VZ_DUMP_SNAPSHOT };

struct vz_dump_opts {
    const char *ctid;
    const char *dumpdir;   /* NULL: vz.conf DUMPDIR, else $VZ_ROOT/vz/dump */
    const char *compress;  /* "zstd" (NULL), "gzip" or "0"/"none" */
    enum vz_dump_mode mode;
    int full;              /* include the template cache */
};

struct vz_dump_result {
    char *archive;          /* full path (allocated) */
    uint64_t archive_bytes;
    uint64_t file_bytes;    /* bytes of regular files stored */
    uint64_t entries;
    double seconds;         /* the whole dump */
    double frozen_seconds;  /* stopped or frozen for (0 when it was down) */
};

/* "stop", "suspend", "snapshot" -> mode; VZ_EBADARG otherwise. */
int vz_dump_mode_parse(const char *s, enum vz_dump_mode *m, vz_error_t *err);

/* Write the archive (atomically: DIR/vzdump-CTID-DATE.tar.zst appears only
 * complete). stop: a running container is stopped for the copy and started
 * again; suspend: frozen and thawed. snapshot: VZ_EBADARG saying what it
 * needs. A container that is down is copied as it is. */
int vz_ct_dump(const struct vz_dump_opts *o, struct vz_dump_result *res, vz_error_t *err);
void vz_dump_result_release(struct vz_dump_result *r);

/* What the first (verifying) pass found. */
struct vz_dump_info {
    char *ctid;          /* the source container */
    char *layout;        /* "overlay" or "plain" */
    int privileged;
    char *ostemplate;
    char *template_sha256; /* tarball sha256 of the template build */
    int full;
    char *conf_text;     /* vzdump/ct.conf */
    size_t conf_len;
    char *signer;        /* key ID */
    uint64_t entries;
    struct vz_dump_list *list; /* every entry's path and digest (dump_verify.c) */
};
void vz_dump_info_release(struct vz_dump_info *i);

/* Read and verify a whole archive; writes nothing. */
int vz_dump_verify(const char *archive, struct vz_dump_info *info, vz_error_t *err);

/* Land the template cache an archive made with --full carries into this
 * host's store (vz_cache_begin/commit_signed), after its manifest's
 * signature (a trusted key) and the tarball's sha256 were checked. For a
 * host that has no cache of that name. */
int vz_dump_land_template(const char *archive, const struct vz_dump_info *info, vz_error_t *err);

struct vz_restore_opts {
    const char *archive;
    const char *ctid;        /* the new container */
    const char *private_dir; /* NULL: VE_PRIVATE of vz.conf */
    const char *root_dir;    /* NULL: VE_ROOT of vz.conf */
    int no_ip;               /* drop IP_ADDRESS instead of refusing one in use */
};

/* The template an overlay archive stands on: cache must be the store's
 * verified cache named info->ostemplate (or NULL for a plain archive, which
 * needs none). VZ_ENOTEMPLATE when its build is not the archive's. */
int vz_ct_restore(const struct vz_restore_opts *o, const struct vz_dump_info *info,
                  const struct vz_cache_info *cache, vz_error_t *err);

/* Find (or fetch, or land from the archive) the verified cache an overlay
 * archive stands on; *cache NULL for a plain one (cmd/vzrestore_tmpl.c). */
typedef int vz_restore_tmpl_fn(const char *archive, const struct vz_dump_info *info, struct vz_cache_info **cache,
                               vz_error_t *err);

/* vzrestore reading the archive once: each files/ entry is written into a
 * staging directory beside the private area (.CTID.restore.XXXXXX, under
 * its 0700 parent) as it is read and hashed; only when every entry, the
 * conf and the manifest's signature check out (and the conf's layout and
 * ids are the manifest's) is the template found with tmpl, the staging
 * directory renamed to the private area and the conf saved. Any failure
 * removes the staging directory: the private area's name never holds an
 * unverified file. *info is filled on success (release it). Returns 1,
 * having written nothing and with *info empty, for an archive that carries
 * its template (vzdump --full): restore that with vz_dump_verify +
 * vz_ct_restore. Errors as vz_dump_verify's and vz_ct_restore's. */
int vz_ct_restore_once(const struct vz_restore_opts *o, struct vz_dump_info *info, vz_restore_tmpl_fn *tmpl,
                       vz_error_t *err);

#endif
