/* tmplbuild/fetch.h: parallel, verified downloads with libcurl.
 *
 * vz_fetch_many() runs up to opts->jobs transfers at once on one curl multi
 * handle (keep-alive, HTTP/2 multiplexing where offered), retries with
 * backoff, fails over to the next URL of an item, resumes with Range after a
 * dropped connection, honours the usual proxy environment variables, and
 * sends a "vzforge/VERSION" user agent.
 *
 * An item's file appears under item->dest only after its size and sha256
 * (when given) matched: the bytes go to "DEST.part" and are renamed into
 * place after verification. A bad file is deleted and fetched again up to
 * opts->retries times; then the call fails naming the item's label, the URL
 * and what was wrong. An existing DEST is trusted and not fetched (callers
 * that want freshness pass a new dest). file:// URLs work too.
 */
#ifndef VZ_TMPLBUILD_FETCH_H
#define VZ_TMPLBUILD_FETCH_H

#include <stdbool.h>
#include <stdint.h>

#include "common/common.h"
#include "tmplbuild/plan.h"

struct vz_fetch_item {
    char **urls;         /* full URLs in fail-over order, NULL-terminated */
    const char *dest;    /* final path */
    const char *sha256;  /* expected hex digest, or NULL for no check */
    int64_t size;        /* expected size, or -1 */
    const char *label;   /* for messages and progress: a package name or "InRelease" */
};

struct vz_fetch_opts {
    int jobs;            /* parallel transfers; 0 = 8 */
    int retries;         /* per item, across all its URLs; 0 = 4 */
    long timeout_s;      /* low-speed timeout: abort a transfer stalled this long; 0 = 30 */
    const char *stage;   /* progress label, NULL = "download" */
    long backoff_ms;     /* first retry delay of a URL already tried; 0 = 500 (doubles, max 8 s) */
    bool no_sync;        /* skip fdatasync before the rename into place: still atomic against
                          * interruption, but a power cut may leave an empty file under a final
                          * name. For benchmarks and throw-away caches only. */
    /* Added for vzpkg download (a hostile server must not hold us forever or
     * fill memory): */
    double deadline;     /* vz_now() time by which everything, retries included, must be
                          * done; 0 = none. Passing it fails with VZ_ETIMEOUT. */
    long min_rate;       /* bytes/s: a transfer slower than this over timeout_s seconds is
                          * stalled (and retried); 0 = 1 (only "no data at all") */
    size_t max_bytes;    /* vz_fetch_to_buf_opts: refuse a body larger than this, checked
                          * while it streams in; 0 = 1 GiB */
};

int vz_fetch_many(struct vz_fetch_item *items, size_t n, const struct vz_fetch_opts *opts,
                  vz_error_t *err);

/* Fetch one URL into memory (for Release files). HTTP errors are failures
 * whose message names the URL and the HTTP status; *http_code may be NULL. */
int vz_fetch_to_buf(const char *url, struct vz_buf *out, long *http_code, vz_error_t *err);
/* The same with the retry policy of opts (retries, timeout_s, backoff_ms;
 * jobs and stage are unused); NULL = defaults. Transient failures (5xx, 408,
 * 429, network, a stall of timeout_s) are retried; 4xx fails at once. */
int vz_fetch_to_buf_opts(const char *url, struct vz_buf *out, long *http_code,
                         const struct vz_fetch_opts *opts, vz_error_t *err);

/* Download every package of plan into the package cache (cache/pkgs):
 * packages already cached are skipped. */
int vz_fetch_plan(const struct vz_plan *plan, const struct vz_fetch_opts *opts, vz_error_t *err);

#endif
