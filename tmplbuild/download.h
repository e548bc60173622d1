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
 */
#ifndef VZ_TMPLBUILD_DOWNLOAD_H
#define VZ_TMPLBUILD_DOWNLOAD_H

#include <stdbool.h>

#include "common/common.h"

struct vz_download_opts {
    const char *index_url;  /* NULL: INDEX_URL from vz.conf */
    bool insecure;
    int retries;            /* tarball download retries; 0 = fetch's default */
    long backoff_ms;        /* 0 = fetch's default */
    int lock_timeout_s;     /* template lock; < 0 waits */
};

/* what: a template name or an http(s)/file URL of a tarball. *name (may be
 * NULL) receives the template name landed. Returns 1 when the local cache
 * was already this build (nothing downloaded), 0 when one was landed. */
int vz_download(const char *what, const struct vz_download_opts *o, char **name, vz_error_t *err);

/* The index URL a NAME download would use: o->index_url or vz.conf
 * INDEX_URL, normalised to end in index.json. NULL when none is set. */
char *vz_download_index_url(const struct vz_download_opts *o);

#endif
