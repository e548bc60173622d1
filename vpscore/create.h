/* vpscore/create.h: a container on disk from a verified template cache:
 * create, destroy, and the verified unpacking both layouts use.
 *
 * What a caller may rely on:
 *   - vz_ct_create() expects a cache whose manifest signature was already
 *     checked (vz_cache_verify_signature); it hashes the tarball itself while
 *     unpacking and refuses (VZ_EVERIFY, 204) when the sha256 or the size
 *     differs from the manifest's.
 *   - All or nothing: on any failure nothing it made remains: no private
 *     area, no conf, no half-unpacked shared tree. The conf file is written
 *     last, so "conf exists" means "container complete".
 *   - It takes the per-container lock (VZ_ELOCKED, 9) for its whole run.
 *   - Layouts:
 *       overlay  the cache unpacked once into vz_template_path("unpacked")/
 *                NAME-<tar sha256> (unpacked into a temporary directory next
 *                to it, renamed into place only when the hash matched; later
 *                containers reuse it while its record matches the signed
 *                manifest and the tarball is unchanged or hashes right again:
 *                cache/tree_mark.h); VE_PRIVATE gets upper/ and work/ only.
 *                The conf records the tree as VE_LOWERDIR; the runtime mounts
 *                overlay lowerdir=VE_LOWERDIR,upperdir=VE_PRIVATE/upper,
 *                workdir=VE_PRIVATE/work on VE_ROOT.
 *       plain    the cache unpacked into VE_PRIVATE itself (bind-mounted on
 *                VE_ROOT by the runtime), as OpenVZ's simfs.
 *   - The private area is a btrfs subvolume where its parent is on btrfs;
 *     DISKSPACE/DISKINODES (options over the sample's) are enforced on it
 *     before anything is unpacked (vpscore/quota.h); a limit that cannot
 *     be enforced fails the create (VZ_EBADARG).
 *   - Exit statuses: VZ_EBADARG (21) bad CTID, hostname, address or layout;
 *     VZ_EPRIVATEEXISTS (44) private area or conf already there;
 *     VZ_EVERIFY (204) checksum; VZ_ECORRUPT (206) unreadable or unsafe
 *     archive (absolute or ".." paths); VZ_ESYSTEM (3) anything else.
 */
#ifndef VZ_VPSCORE_CREATE_H
#define VZ_VPSCORE_CREATE_H

#include <stdint.h>

#include "cache/store.h"
#include "common/common.h"

/* In a private area from its mkdir until the conf is saved (create and
 * vzrestore): the next create of the CTID removes such remains. */
#define VZ_CREATE_MARKER ".vzforge-create-incomplete"

struct vz_create_opts {
    const char *ctid;
    const char *layout;               /* "overlay", "plain", NULL: vz.conf VE_LAYOUT, else overlay when the kernel has it */
    const char *config;               /* sample: ve-NAME.conf-sample; NULL: vz.conf CONFIGFILE, else "basic" */
    const char *hostname;             /* NULL: none */
    char *const *ipadd;               /* NULL-terminated, may be NULL */
    char *const *nameserver;
    char *const *searchdomain;
    const char *private_dir;          /* NULL: VE_PRIVATE of vz.conf */
    const char *root_dir;             /* NULL: VE_ROOT of vz.conf */
    int privileged;                   /* no user namespace (PRIVILEGED="yes"): not a security boundary */
    const char *diskspace;            /* "SOFT[:HARD]" (vpscore/quota.h), NULL: the sample's DISKSPACE */
    const char *diskinodes;           /* likewise DISKINODES */
};

struct vz_create_result {
    int reused_tree;   /* overlay: the shared tree already existed */
    double seconds;    /* wall time of the whole create */
};

/* Everything vz_ct_create checks before it needs the cache: CTID, hostname,
 * addresses, layout, paths, that the container does not exist yet, that
 * the sample config is there; nothing is locked or written. So that a bad
 * option fails before a template is looked up, downloaded or verified. The
 * create checks all again under its lock. */
int vz_ct_create_check(const struct vz_create_opts *o, vz_error_t *err);

struct vz_idmap;
/* How a cache is unpacked (vz_unpack_verified, cache/unpack.h). */
typedef int vz_unpack_fn(const char *tarball, const char *sha256, uint64_t size, const char *dest,
                         const struct vz_idmap *shift, vz_error_t *err);

/* vz_ct_create_with(o, cache, vz_unpack_verified, ...). In unpack.c: what
 * links it links libarchive (cache/unpack.c). */
int vz_ct_create(const struct vz_create_opts *o, const struct vz_cache_info *cache,
                 struct vz_create_result *res, vz_error_t *err);

/* The create itself, unpacking with unpack (not NULL). vzctl links no
 * archive code and execs vzctl-create for every create (docs/design.md,
 * "Process start-up cost"). */
int vz_ct_create_with(const struct vz_create_opts *o, const struct vz_cache_info *cache, vz_unpack_fn *unpack,
                      struct vz_create_result *res, vz_error_t *err);

/* The shared read-only tree of cache (overlay lower dir), unpacked with
 * unpack into a temporary directory and renamed into place when it is not
 * there yet, reused (after vz_tree_mark_check) when it is. The caller
 * holds vz_lock_tree(cache->name) until a conf names the tree. *path
 * allocated; *reused 1 when it existed. */
int vz_ct_template_tree(const struct vz_cache_info *cache, vz_unpack_fn *unpack, char **path, int *reused,
                        vz_error_t *err);

/* Remove a stopped container: cgroups, host veth, private area, root mount
 * point, conf (last). VZ_ERUNNING (32) while running (vz_ct_init_pid),
 * VZ_ENOCTCONF (14) when there is no such container. */
int vz_ct_destroy(const char *ctid, vz_error_t *err);

/* Path of sample config ve-NAME.conf-sample, searched in $VZ_ROOT/etc/vz/conf,
 * $VZ_ROOT/etc/vz (make install), $VZ_SAMPLES_DIR, etc/ of the source tree
 * the binary runs from, $(PREFIX)/share/vzforge/etc. VZ_EBADARG naming all
 * places when it is in none. */
char *vz_conf_sample_path(const char *name, vz_error_t *err);

#endif
