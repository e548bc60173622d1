/* cache/store.h: template caches on disk: template/cache/NAME.tar.{zst,gz,xz}
 * with NAME.manifest (JSON, docs/cache-format.md) and NAME.manifest.sig
 * (Ed25519 over the manifest bytes).
 *
 * What a consumer (vzctl create) may rely on: after vz_cache_find() and
 * vz_cache_verify_signature() succeed, info->tar_sha256 and info->tar_size are
 * the values the signed manifest states; the consumer must still hash the
 * tarball while reading it and refuse on mismatch.
 */
#ifndef VZ_CACHE_STORE_H
#define VZ_CACHE_STORE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

#include "common/common.h"
#include "cache/manifest.h"

struct vz_cache_info {
    char *name;          /* debian-12-x86_64-minimal */
    char *tarball;       /* full path */
    char *compress;      /* "zst", "gz" or "xz" */
    char *manifest_path; /* full path */
    char *sig_path;      /* full path */
    char tar_sha256[65]; /* from the manifest */
    uint64_t tar_size;   /* from the manifest */
    char *manifest_json; /* the manifest text, as signed */
    /* read by the store along with the manifest: */
    char *sig_text;      /* the signature file, read with the manifest */
    size_t manifest_len;
    size_t sig_len;
    struct stat *manifest_st; /* the manifest file as read (identity check) */
};

/* Find NAME in template/cache/. VZ_ENOTEMPLATE when there is none. Finds
 * the old complete cache or the new complete one of a landing, never a mix:
 * while a live writer is inside its landing it waits (up to 30 s, then
 * VZ_ELOCKED); a dead writer's landing it finishes itself, which takes the
 * template lock for a moment and needs write access to template/cache. */
int vz_cache_find(const char *name, struct vz_cache_info **out, vz_error_t *err);
/* Check the manifest signature against $VZ_ROOT/etc/vz/keys/trusted/ (and the
 * host's own public key). VZ_EVERIFY naming what failed. */
int vz_cache_verify_signature(const struct vz_cache_info *c, vz_error_t *err);
void vz_cache_info_free(struct vz_cache_info *c);

/* Open the tarball of a found cache for reading, guaranteeing that the file
 * opened is the one the manifest that vz_cache_find() read describes (a
 * cache replaced in between gives VZ_ELOCKED: call vz_cache_find() again).
 * The caller still hashes what it reads. */
int vz_cache_open_tarball(const struct vz_cache_info *c, int *fd, vz_error_t *err);

/* ---- the rest of the store (cache/store.c, docs/cache-format.md) ---- */

/* Hash the tarball and compare with info (size, then sha256). VZ_EVERIFY
 * "tarball FILE: ..." naming expected and actual values. */
int vz_cache_verify_tarball(const struct vz_cache_info *c, vz_error_t *err);
/* find + signature + manifest well-formed + tarball hash. On success
 * *signer (may be NULL) holds the signer's key ID. */
int vz_cache_verify(const char *name, char *signer, vz_error_t *err);
/* The parsed manifest of a found cache. */
int vz_cache_manifest(const struct vz_cache_info *c, struct vz_manifest **out, vz_error_t *err);

/* Names of every visible cache (those with a manifest), sorted. */
int vz_cache_list(char ***names, vz_error_t *err);

/* A tarball NAME.tar.{zst,gz,xz} that has no manifest (dropped into
 * template/cache by hand, OpenVZ habit; not a landing under way): its path
 * (allocated), else NULL. Such a tarball is no cache: vz_cache_find says
 * VZ_ENOTEMPLATE with the 'vzpkg import PATH --name NAME' that adopts it,
 * and the next create-cache or import of NAME replaces it. */
char *vz_cache_unadopted(const char *name);
/* Names of every such tarball, sorted, each once. */
int vz_cache_list_unadopted(char ***names, vz_error_t *err);
/* A cache tarball as it lies in template/cache/, manifest or not. */
struct vz_cache_file {
    char *name; /* NAME of NAME.tar.EXT */
    char *path;
};
/* Every NAME.tar.{zst,gz,xz} in template/cache/ but dot files, one per
 * NAME (the first extension in that order wins), sorted by NAME; none when
 * the directory cannot be read. For listing: a tarball without its
 * manifest is not a cache vz_cache_find() finds. */
struct vz_cache_file *vz_cache_tarballs(size_t *n);
void vz_cache_files_free(struct vz_cache_file *v, size_t n);

/* Remove a cache: manifest first (it disappears for readers at once), then
 * signature and tarball. Takes the template lock. VZ_ENOTEMPLATE if absent. */
int vz_cache_remove(const char *name, int lock_timeout_s, vz_error_t *err);

/* Landing a new cache. Protocol (see docs/cache-format.md, "Landing"):
 *
 *     vz_cache_begin(name, "zst", timeout, &t, err);   // lock + stale temps removed
 *     write the tarball to vz_cache_txn_fd(t) (tmplbuild/pack.h)
 *     m->tar_size, m->tar_sha256 = what was written
 *     vz_cache_commit(t, m, err);   // sign + all three appear together
 *     vz_cache_txn_free(t);         // removes temps if not committed, unlocks
 *
 * vz_cache_find() sees the previous complete cache (or none) until commit's
 * commit point, the new complete one after it, never a mix and never
 * neither: a writer killed after the commit point is finished by the next
 * reader or writer (the temps are complete by then); one killed before it
 * leaves temps that the next begin() removes. */
struct vz_cache_txn;
int vz_cache_begin(const char *name, const char *compress, int lock_timeout_s,
                   struct vz_cache_txn **out, vz_error_t *err);
int vz_cache_txn_fd(const struct vz_cache_txn *t);
const char *vz_cache_txn_tar_tmppath(const struct vz_cache_txn *t);
const char *vz_cache_txn_tarball_name(const struct vz_cache_txn *t);
/* Sets m->tarball, m->compress and m->signer (the host key, created on first
 * use), checks the temp tarball's size against m->tar_size, signs and lands. */
int vz_cache_commit(struct vz_cache_txn *t, struct vz_manifest *m, vz_error_t *err);
/* Land a manifest and signature made elsewhere (download): the manifest
 * must name this txn's tarball, and its size must match the temp tarball. */
int vz_cache_commit_signed(struct vz_cache_txn *t, const char *manifest, size_t mlen,
                           const char *sig, size_t slen, vz_error_t *err);
void vz_cache_txn_free(struct vz_cache_txn *t);

/* Test hook: when $VZ_TEST_KILL_AT names STAGE, the process SIGKILLs
 * itself there (crash tests). Stages, in order: "begun", "packed",
 * "temps-written", "landing-recorded" (the commit point), "sig-renamed",
 * "tarball-renamed", "manifest-renamed", "landed". The last four also fire
 * when a reader or the next writer finishes a dead writer's landing.
 * `vzpkg publish --from` (cache/stage.h): "merge-copied" (a staged build
 * copied as DIR/NAME/.ID.tmp), "merge-renamed" (renamed to DIR/NAME/ID,
 * before the index is written). */
void vz_cache_test_hook(const char *stage);

#endif
