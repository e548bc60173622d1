/* tmplbuild/download.h: fetch a published cache (vzpkg download).
 *
 * From an index (NAME): fetch index.json and index.json.sig, accept the index
 * (signature against trusted keys, serial not older than one already seen:
 * cache/index.h), take the newest build of NAME, fetch its manifest and
 * signature and check them (manifest sha256 as the index states, signature
 * against trusted keys, tarball name, sha256 and size as the index states),
 * then download the tarball with progress and resume, hashing it as it
 * arrives, and land all three atomically (cache/store.h). Nothing is written
 * to the cache before every check that can be made has passed, and nothing
 * at all on a refusal.
 *
 * From a URL of a tarball (.../NAME.tar.zst): the manifest and signature are
 * taken from the same directory; there is no index, so no replay check.
 *
 * insecure skips the signature checks (hashes are still checked), with a
 * warning; it is never implied.
 *
 * A hostile or broken server cannot hold a download forever or fill memory:
 * index.json, manifests and signatures are refused while they stream in
 * once larger than the caps below; every transfer slower than
 * VZ_DOWNLOAD_MIN_RATE bytes/s for 30 s is stalled (retried); and the whole
 * download (index, manifest, waiting for the template lock, tarball,
 * retries) must finish within timeout_s, else VZ_ETIMEOUT (exit 15).
 * docs/downloads.md.
 */
#ifndef VZ_TMPLBUILD_DOWNLOAD_H
#define VZ_TMPLBUILD_DOWNLOAD_H

#include <jansson.h>
#include <stdbool.h>

#include "common/common.h"

#define VZ_DOWNLOAD_MAX_INDEX (16u << 20)    /* index.json and a manifest: bytes */
#define VZ_DOWNLOAD_MAX_SIG (64u << 10)       /* index.json.sig, NAME.manifest.sig */
#define VZ_DOWNLOAD_MIN_RATE 1024             /* bytes/s, averaged over 30 s */
#define VZ_DOWNLOAD_DEFAULT_TIMEOUT 3600      /* seconds, the whole download */

struct vz_download_opts {
    const char *index_url;  /* NULL: INDEX_URL from vz.conf */
    bool insecure;
    int retries;            /* tarball download retries; 0 = fetch's default */
    long backoff_ms;        /* 0 = fetch's default */
    int lock_timeout_s;     /* template lock; < 0 waits (within timeout_s) */
    int timeout_s;          /* the whole download; 0 = VZ_DOWNLOAD_DEFAULT_TIMEOUT */
};

/* what: a template name or an http(s)/file URL of a tarball. *name (may be
 * NULL) receives the template name landed. Returns 1 when the local cache
 * was already this build (nothing downloaded), 0 when one was landed. */
int vz_download(const char *what, const struct vz_download_opts *o, char **name, vz_error_t *err);

/* The index URL a NAME download would use: o->index_url or vz.conf
 * INDEX_URL, normalised to end in index.json. NULL when none is set. */
char *vz_download_index_url(const struct vz_download_opts *o);

/* Fetch the exported files of format (cache/export/export.h: rootfs, oci,
 * lxc, incus) of the newest build of name from the signed index, into
 * outdir (created if missing). The chain of checks: index signature and
 * serial; the build's list of files (cache/build_files.h) has the sha256 and
 * size the index states and is for this build; each file has the sha256 and
 * size the list states (checked while it downloads). Files land as the list
 * names them from their "NAME." component on (outdir/NAME.oci/...,
 * outdir/NAME.rootfs.tar.gz), each top-level output complete or not at all
 * (downloaded into outdir/.NAME.FORMAT.tmp.PID, then renamed over what was
 * there). A refusal leaves outdir as it was. VZ_ENOTEMPLATE when the build
 * has no such export (or no list: published before lists existed).
 * *result (may be NULL): {"template", "id", "format", "has_init",
 * "files": [{"path", "size", "sha256"}]}, paths as landed. */
int vz_download_export(const char *name, const char *format, const char *outdir,
                       const struct vz_download_opts *o, json_t **result, vz_error_t *err);

#endif
