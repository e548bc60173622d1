/* cache/index.h: the signed index of a published cache tree
 * (docs/publish.md).
 *
 * A published tree (any static web server, CDN or object store can serve it):
 *     DIR/index.json, DIR/index.json.sig
 *     DIR/NAME/ID/NAME.tar.zst, NAME.manifest, NAME.manifest.sig
 * ID = zero-padded build time + "-" + the first 12 hex digits of the tarball
 * sha256, so IDs sort by age and a rebuild never overwrites a published one.
 *
 * index.json lists every published build per template, newest first, with
 * the tarball's sha256 and size, the manifest's sha256, the build date, and
 * a serial number that grows with every publish, and the index's name (the
 * published directory's base name). A downloader refuses an index whose
 * serial is lower than one it has already accepted for the same signer key
 * and name (a replayed or rolled-back index), and an index with the same
 * serial but different bytes. Each build may also name its signed list of
 * exported files ("files": path, sha256, size; "init"), so the index covers
 * the exports too (cache/build_files.h). The record is keyed by what the signed index
 * is, not by the URL it came from: another spelling of the URL
 * ("//index.json", "localhost" for "127.0.0.1", a mirror of the tree) is the
 * same index.
 */
#ifndef VZ_CACHE_INDEX_H
#define VZ_CACHE_INDEX_H

#include <stdbool.h>
#include <stdint.h>

#include "common/common.h"

#define VZ_INDEX_FORMAT 1

struct vz_index_build {
    char *name;
    char *id;
    char *tarball;            /* path relative to the index: NAME/ID/NAME.tar.zst */
    char *manifest;           /* NAME/ID/NAME.manifest */
    char *signature;          /* NAME/ID/NAME.manifest.sig */
    char *compress;
    uint64_t size;
    char sha256[65];
    char manifest_sha256[65];
    int64_t build_time;
    uint64_t packages;
    char *signer;
    /* the signed list of the build's exported files (cache/build_files.h):
     * NAME/ID/NAME.files.json with its sha256 and size, or NULL for a build
     * published without one (before lists existed) */
    char *files;
    uint64_t files_size;
    char files_sha256[65];
    int init; /* from the list: 1 /sbin/init, 0 none (cannot boot), -1 unknown */
};

struct vz_index {
    int format;
    uint64_t serial;
    char *signer;
    char *name;    /* "templates" for DIR=/srv/templates; "" in indexes made before names */
    struct vz_index_build *builds; /* by name, newest first within a name */
    size_t n;
};

int vz_index_serialize(const struct vz_index *ix, char **text, size_t *len, vz_error_t *err);
int vz_index_parse(const char *text, size_t len, struct vz_index **out, vz_error_t *err);
void vz_index_free(struct vz_index *ix);
/* Newest build of name, or NULL. */
const struct vz_index_build *vz_index_latest(const struct vz_index *ix, const char *name);

/* Check an index fetched from url: the signature against the trusted keys
 * (skipped with insecure, loudly), the format, and the serial against the
 * last one accepted with the same signer key ID and index name
 * ($VZ_ROOT/vz/template/indexes/replay-HASH.json; url only names it in
 * messages). On success the serial is recorded and *out holds the parsed
 * index. VZ_EVERIFY otherwise. */
int vz_index_accept(const char *url, const char *text, size_t len, const char *sig, size_t slen,
                    bool insecure, struct vz_index **out, vz_error_t *err);

/* The last index accepted from url (stored by vz_index_accept, which had
 * verified it), without network: for "update available" in listings.
 * Compare vz_index_latest(ix, name)->manifest_sha256 with the sha256 of the
 * local manifest. VZ_EFAIL (ENOENT) when none was fetched yet. */
int vz_index_cached(const char *url, struct vz_index **out, vz_error_t *err);

/* Publish the named caches (NULL or empty: every cache) into dir, keeping
 * the newest keep builds per template (keep < 1 = 3), and write a new
 * signed index. Each cache is verified (signature and tarball hash) before it
 * is copied. published (may be NULL) gets the IDs added. */
int vz_publish(const char *dir, char *const *names, int keep, char ***published,
               vz_error_t *err);

/* vz_publish with options. simplestreams: also write the Incus/LXD
 * simplestreams files (cache/streams.h) when true, and also whenever dir
 * already has streams/v1/index.json (so pruning never leaves a stream naming
 * removed files). formats: see below. */
struct vz_publish_opts {
    int keep;
    bool simplestreams;
    int xz_level;       /* root.tar.xz and the lxc export's xz preset 1-9; 0 = 6 (xz's default) */
    /* NULL-terminated staging trees to merge (cache/stage.h), or NULL. With
     * staging trees and no names, no local cache is published: only the
     * staged builds are added. Each staged build is checked (manifest
     * signature against the trusted keys, tarball hash, ID) before dir is
     * touched; one bad build refuses the whole merge. */
    char *const *from;
    /* NULL, or export formats (cache/export/export.h) written into each
     * newly published build's directory DIR/NAME/ID/ before it appears
     * under its final name (a build published earlier is left as it is) */
    char *const *formats;
    /* NULL, or a directory whose files (regular files and directories: the
     * exports a CI job made with 'vzpkg export') are copied into the
     * directory of each named cache newly published (not of staged builds,
     * which bring their own), as formats' are. Either way the build's
     * signed list of files (cache/build_files.h) covers them. */
    const char *with;
};
int vz_publish_with(const char *dir, char *const *names, const struct vz_publish_opts *o,
                    char ***published, vz_error_t *err);

#endif
