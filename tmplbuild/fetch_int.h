/* tmplbuild/fetch_int.h: pieces shared by the fetch files (not public).
 *
 * fetch_curl.c owns libcurl's global state and the options every transfer
 * gets (user agent, timeouts, redirects, proxies left to the environment);
 * fetch.c runs the multi loop; fetch_plan.c turns a plan into items.
 */
#ifndef VZ_TMPLBUILD_FETCH_INT_H
#define VZ_TMPLBUILD_FETCH_INT_H

#include <curl/curl.h>
#include <stdbool.h>

#include "tmplbuild/fetch.h"

#define VZ_FETCH_DEFAULT_JOBS 8
#define VZ_FETCH_DEFAULT_RETRIES 4
#define VZ_FETCH_DEFAULT_TIMEOUT_S 30
#define VZ_FETCH_DEFAULT_BACKOFF_MS 500
#define VZ_FETCH_MAX_BACKOFF_MS 8000
#define VZ_FETCH_MAX_FREE_RESUMES 32 /* dropped connections that made progress, per item */
#define VZ_FETCH_USER_AGENT "vzforge/" VZ_VERSION

/* curl_global_init once per process (thread-safe). */
void vz_fetch_global_init(void);

/* Options every transfer gets. errbuf holds CURL_ERROR_SIZE bytes. A
 * transfer slower than min_rate bytes/s (< 1: 1) for timeout_s is stalled;
 * deadline (vz_now() time, 0 = none) bounds the transfer as a whole. */
void vz_fetch_easy_setup(CURL *c, const char *url, long timeout_s, long min_rate, double deadline,
                         char *errbuf);
/* The error of a passed deadline: VZ_ETIMEOUT naming what. */
int vz_fetch_deadline_error(vz_error_t *err, const char *what);
/* Whether a transfer that ended with rc ended because of the deadline
 * (0 = none): the deadline has passed, or curl timed it out within
 * VZ_FETCH_DEADLINE_SLACK_S of it. curl checks CURLOPT_TIMEOUT_MS on a time
 * stamp it cached earlier, so it may stop a transfer a few milliseconds
 * before vz_now() reaches the deadline; that is still the deadline, not a
 * stall to retry. */
#define VZ_FETCH_DEADLINE_SLACK_S 0.2
bool vz_fetch_past_deadline(double deadline, CURLcode rc);

/* How a finished transfer failed. */
enum vz_fetch_class {
    VZ_FC_RETRY,    /* transient (5xx, 408, 429, network, timeout): retry with backoff */
    VZ_FC_URL_DEAD, /* permanent for this URL (404, 403, file missing): fail over */
    VZ_FC_FATAL,    /* local problem (bad URL, out of memory): stop */
};

/* Classify a failed transfer and describe it ("HTTP 404", "timed out (no
 * data for 30 s)", curl's message). desc holds 256 bytes. */
enum vz_fetch_class vz_fetch_classify(CURLcode rc, long http_code, const char *errbuf,
                                      long timeout_s, char *desc);

/* Backoff before attempt number n (1 = first retry), with jitter. */
long vz_fetch_backoff_ms(long base_ms, unsigned n);

/* Durability off the transfer loop (fetch_sync.c): each pushed file (fd
 * handed over, strings kept alive by the caller until finish) is
 * fdatasync()ed, renamed part -> dest and closed, in order. cap bounds the
 * number of pushes. finish() waits for all, frees, and reports the first
 * failure (VZ_ESYSTEM). */
struct vz_fetch_syncer;
struct vz_fetch_syncer *vz_fetch_syncer_new(size_t cap, bool durable);
void vz_fetch_syncer_push(struct vz_fetch_syncer *s, int fd, const char *part, const char *dest,
                          const char *label);
int vz_fetch_syncer_failed(struct vz_fetch_syncer *s); /* errno of the first failure, or 0 */
int vz_fetch_syncer_finish(struct vz_fetch_syncer *s, vz_error_t *err);

#endif
