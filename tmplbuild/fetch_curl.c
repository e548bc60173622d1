/* tmplbuild/fetch_curl.c: libcurl set-up shared by every transfer, the
 * failure classification behind the retry policy, and vz_fetch_to_buf(). */
#include "tmplbuild/fetch_int.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static pthread_once_t global_once = PTHREAD_ONCE_INIT;

static void global_init(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

void vz_fetch_global_init(void)
{
    pthread_once(&global_once, global_init);
}

void vz_fetch_easy_setup(CURL *c, const char *url, long timeout_s, long min_rate, double deadline,
                         char *errbuf)
{
    errbuf[0] = '\0';
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(c, CURLOPT_USERAGENT, VZ_FETCH_USER_AGENT);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
    /* Only these protocols, after redirects too: a mirror must not send us
     * to file:// or elsewhere. */
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https,file");
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    /* A transfer that moves less than min_rate bytes/s (default 1) for
     * timeout_s seconds is stalled; a slow but moving one is left alone. */
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, min_rate > 0 ? min_rate : 1L);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, timeout_s);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, timeout_s);
    if (deadline > 0) {
        double left = deadline - vz_now();
        curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, left < 0.001 ? 1L : (long)(left * 1000.0) + 1);
    }
    curl_easy_setopt(c, CURLOPT_FAILONERROR, 1L);
    curl_easy_setopt(c, CURLOPT_BUFFERSIZE, 128L * 1024);
    curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
    /* Proxies: libcurl reads http_proxy, https_proxy, all_proxy and no_proxy
     * itself when CURLOPT_PROXY is not set; we do not set it. */
}

int vz_fetch_deadline_error(vz_error_t *err, const char *what)
{
    return vz_error_set(err, VZ_ETIMEOUT, 0, "%s: not done by the deadline (--timeout)", what);
}

bool vz_fetch_past_deadline(double deadline, CURLcode rc)
{
    if (deadline <= 0)
        return false;
    double now = vz_now();
    return now >= deadline || (rc == CURLE_OPERATION_TIMEDOUT && now >= deadline - VZ_FETCH_DEADLINE_SLACK_S);
}

enum vz_fetch_class vz_fetch_classify(CURLcode rc, long http_code, const char *errbuf,
                                      long timeout_s, char *desc)
{
    const int n = 256;
    switch (rc) {
    case CURLE_HTTP_RETURNED_ERROR:
        snprintf(desc, n, "HTTP %ld", http_code);
        if (http_code == 408 || http_code == 429 || http_code >= 500)
            return VZ_FC_RETRY;
        return VZ_FC_URL_DEAD;
    case CURLE_OPERATION_TIMEDOUT:
        snprintf(desc, n, "timed out (no data for %ld s)", timeout_s);
        return VZ_FC_RETRY;
    case CURLE_FILE_COULDNT_READ_FILE:
    case CURLE_REMOTE_FILE_NOT_FOUND:
    case CURLE_REMOTE_ACCESS_DENIED:
    case CURLE_LOGIN_DENIED:
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_TOO_MANY_REDIRECTS:
    case CURLE_PEER_FAILED_VERIFICATION: /* a mirror with a bad certificate stays bad */
    case CURLE_SSL_CACERT_BADFILE:
        snprintf(desc, n, "%s", errbuf && *errbuf ? errbuf : curl_easy_strerror(rc));
        return VZ_FC_URL_DEAD;
    case CURLE_URL_MALFORMAT:
    case CURLE_OUT_OF_MEMORY:
    case CURLE_FAILED_INIT:
        snprintf(desc, n, "%s", errbuf && *errbuf ? errbuf : curl_easy_strerror(rc));
        return VZ_FC_FATAL;
    default:
        snprintf(desc, n, "%s", errbuf && *errbuf ? errbuf : curl_easy_strerror(rc));
        return VZ_FC_RETRY;
    }
}

long vz_fetch_backoff_ms(long base_ms, unsigned n)
{
    static __thread unsigned seed;
    if (seed == 0)
        seed = (unsigned)time(NULL) ^ (unsigned)getpid();
    long d = base_ms;
    for (unsigned i = 1; i < n && d < VZ_FETCH_MAX_BACKOFF_MS; i++)
        d *= 2;
    if (d > VZ_FETCH_MAX_BACKOFF_MS)
        d = VZ_FETCH_MAX_BACKOFF_MS;
    /* up to +25% jitter, so that many clients of one mirror spread out */
    return d + (long)(rand_r(&seed) % (unsigned)(d / 4 + 1));
}

struct membuf {
    struct vz_buf *out;
    size_t start, limit;
    bool too_big;
    double last_data;   /* stall detection, as in vz_fetch_many */
    curl_off_t last_now;
    long timeout_s;
    double deadline;
    bool stalled, late;
};

static size_t on_mem(char *p, size_t sz, size_t nm, void *ud)
{
    struct membuf *m = ud;
    size_t n = sz * nm;
    if (m->out->len - m->start + n > m->limit) {
        m->too_big = true;
        return 0;
    }
    vz_buf_add(m->out, p, n);
    return n;
}

/* libcurl calls this about once a second even when nothing arrives. */
static int on_xferinfo(void *ud, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
    struct membuf *m = ud;
    double now = vz_now();
    if (dlnow != m->last_now) {
        m->last_now = dlnow;
        m->last_data = now;
    }
    if (now - m->last_data > (double)m->timeout_s) {
        m->stalled = true;
        return 1;
    }
    if (m->deadline > 0 && now >= m->deadline) {
        m->late = true;
        return 1;
    }
    return 0;
}

#define TO_BUF_LIMIT ((size_t)1 << 30)

/* "16 MiB", "64 KiB" or "100 bytes", for limit messages. */
static void size_text(size_t n, char *buf, size_t len)
{
    if (n >= (1u << 20) && n % (1u << 20) == 0)
        snprintf(buf, len, "%zu MiB", n >> 20);
    else if (n >= 1024 && n % 1024 == 0)
        snprintf(buf, len, "%zu KiB", n >> 10);
    else
        snprintf(buf, len, "%zu bytes", n);
}

int vz_fetch_to_buf_opts(const char *url, struct vz_buf *out, long *http_code,
                         const struct vz_fetch_opts *opts, vz_error_t *err)
{
    long timeout_s = opts && opts->timeout_s > 0 ? opts->timeout_s : VZ_FETCH_DEFAULT_TIMEOUT_S;
    unsigned retries = opts && opts->retries > 0 ? (unsigned)opts->retries : VZ_FETCH_DEFAULT_RETRIES;
    long backoff = opts && opts->backoff_ms > 0 ? opts->backoff_ms : VZ_FETCH_DEFAULT_BACKOFF_MS;
    vz_fetch_global_init();
    CURL *c = curl_easy_init();
    if (c == NULL)
        return vz_error_set(err, VZ_EFETCH, 0, "%s: cannot initialise libcurl", url);
    char errbuf[CURL_ERROR_SIZE];
    char desc[256];
    long code = 0;
    int ret = -1;
    double deadline = opts ? opts->deadline : 0;
    long min_rate = opts ? opts->min_rate : 0;
    size_t limit = opts && opts->max_bytes ? opts->max_bytes : TO_BUF_LIMIT;
    struct membuf m = { .out = out, .start = out->len, .limit = limit, .timeout_s = timeout_s,
                        .deadline = deadline };
    for (unsigned attempt = 0;; attempt++) {
        out->len = m.start;
        if (out->data)
            out->data[out->len] = '\0';
        m.too_big = m.stalled = m.late = false;
        if (deadline > 0 && vz_now() >= deadline) {
            vz_fetch_deadline_error(err, url);
            break;
        }
        m.last_data = vz_now();
        m.last_now = 0;
        curl_easy_reset(c);
        vz_fetch_easy_setup(c, url, timeout_s, min_rate, deadline, errbuf);
        /* refused at the headers when the server announces a larger body */
        curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)limit);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_mem);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, &m);
        curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_xferinfo);
        curl_easy_setopt(c, CURLOPT_XFERINFODATA, &m);
        curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
        CURLcode rc = curl_easy_perform(c);
        code = 0;
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
        if (rc == CURLE_OK) {
            ret = 0;
            break;
        }
        if (m.too_big || rc == CURLE_FILESIZE_EXCEEDED) {
            char lim[32];
            size_text(m.limit, lim, sizeof(lim));
            vz_error_set(err, VZ_EFETCH, 0, "%s: larger than %s (the limit for this file)", url, lim);
            break;
        }
        if (m.late || vz_fetch_past_deadline(deadline, rc)) {
            vz_fetch_deadline_error(err, url);
            break;
        }
        if (m.stalled)
            rc = CURLE_OPERATION_TIMEDOUT;
        enum vz_fetch_class cl = vz_fetch_classify(rc, code, errbuf, timeout_s, desc);
        if (cl != VZ_FC_RETRY || attempt >= retries) {
            vz_error_set(err, VZ_EFETCH, 0, "%s: %s", url, desc);
            break;
        }
        long ms = vz_fetch_backoff_ms(backoff, attempt + 1);
        if (deadline > 0 && vz_now() + (double)ms / 1000.0 >= deadline) {
            vz_error_set(err, VZ_ETIMEOUT, 0, "%s: %s; no time left to retry before the deadline "
                                              "(--timeout)", url, desc);
            break;
        }
        vz_warn("%s: %s (retrying in %.1f s)", url, desc, (double)ms / 1000.0);
        struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
        nanosleep(&ts, NULL);
    }
    if (http_code)
        *http_code = code;
    if (ret < 0) {
        out->len = m.start;
        if (out->data)
            out->data[out->len] = '\0';
    }
    curl_easy_cleanup(c);
    return ret;
}

int vz_fetch_to_buf(const char *url, struct vz_buf *out, long *http_code, vz_error_t *err)
{
    return vz_fetch_to_buf_opts(url, out, http_code, NULL, err);
}
