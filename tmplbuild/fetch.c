/* tmplbuild/fetch.c: vz_fetch_many(), the multi-transfer loop.
 *
 * Each item moves through: waiting -> active (a curl easy handle on the one
 * multi handle) -> done, or back to waiting after a failure (with a backoff
 * time and maybe the next URL). Bytes go to "DEST.part" and through sha256
 * in the same write callback, so verification needs no second read. The
 * .part file is flock()ed while we own it, so two processes never write the
 * same one; it survives a failure or an interruption, and the next attempt
 * (or run) continues it with a Range request. The final sha256 check covers
 * whatever was resumed.
 *
 * The policy (docs/downloads.md): a failure on a URL that has not been tried
 * yet fails over immediately; a retry of an already tried URL waits
 * backoff_ms * 2^k (capped, with jitter). Permanent answers (404...) retire a
 * URL. Every failure counts against opts->retries, except a server that
 * ignores or refuses our Range (the .part is dropped and the transfer restarts
 * at once).
 */
#include "tmplbuild/fetch_int.h"
#include "common/lock.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum xstate { X_WAITING, X_ACTIVE, X_DONE };

struct xfer {
    struct vz_fetch_item *item;
    const char *label;
    struct fetch_run *run;
    enum xstate st;
    char *part;
    int fd;                  /* locked .part, or -1 */
    struct vz_sha256 hash;   /* over the bytes [0, written) of .part */
    bool hashing;
    int64_t written;
    int64_t written_at_start; /* of the current attempt */
    double last_data;         /* when bytes last arrived (or the attempt began) */
    double lock_since;        /* waiting for another process's lock: since when */
    int64_t lock_size;        /* and the size of its .part then */
    size_t n_urls, url;      /* current URL index */
    bool *url_dead, *url_tried;
    unsigned attempts, backoffs, free_resumes;
    double not_before;
    bool oversize;
    int write_errno;
    char last_error[1024];
    int last_status;
    CURL *easy;
    char errbuf[CURL_ERROR_SIZE];
};

struct fetch_run {
    struct vz_fetch_opts o;
    CURLM *multi;
    CURL **pool;             /* idle easy handles */
    size_t n_pool;
    struct vz_progress prog;
    uint64_t done_items;
    uint64_t done_bytes;
    size_t active;
    struct vz_fetch_syncer *syncer;
};

/* ---- the .part file ------------------------------------------------------ */

static void part_reset(struct xfer *x)
{
    if (x->fd >= 0 && ftruncate(x->fd, 0) < 0) {
        /* the size is checked again at the end; nothing else to do */
    }
    x->run->done_bytes -= (uint64_t)x->written;
    x->written = 0;
    if (x->hashing)
        vz_sha256_release(&x->hash);
    x->hashing = false;
}

static void part_close(struct xfer *x)
{
    /* An empty .part is of no use to a later run: do not leave it behind.
     * (Unlinked while we hold the lock; a waiting process notices the inode
     * change and starts over.) */
    if (x->fd >= 0 && x->written == 0)
        unlink(x->part);
    if (x->fd >= 0)
        close(x->fd); /* releases the lock */
    x->fd = -1;
    if (x->hashing)
        vz_sha256_release(&x->hash);
    x->hashing = false;
}

/* Open and lock DEST.part, and hash what it already holds. Returns 0 when
 * ready, 1 when another process holds the lock (try later), 2 when DEST
 * appeared meanwhile (another process finished it), -1 on error. */
static int part_open(struct xfer *x, vz_error_t *err)
{
    const struct vz_fetch_item *it = x->item;
    for (;;) {
        int fd = open(x->part, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0)
            return vz_error_sys(err, "fetch %s: open %s", x->label, x->part);
        int busy = vz_flock_fd(fd, false, false);
        if (busy != 0) {
            int e = errno;
            close(fd);
            if (busy == 1)
                return 1;
            return vz_error_set(err, VZ_ESYSTEM, e, "fetch %s: lock %s", x->label, x->part);
        }
        /* The path may have been renamed into place or removed by the
         * previous owner between our open and our lock: retry on a new one. */
        struct stat a, b;
        if (fstat(fd, &a) < 0 || stat(x->part, &b) < 0 || a.st_ino != b.st_ino || a.st_dev != b.st_dev) {
            close(fd);
            if (vz_file_exists(it->dest))
                return 2;
            continue;
        }
        x->fd = fd;
        break;
    }
    if (vz_sha256_init(&x->hash, err) < 0) {
        part_close(x);
        return -1;
    }
    x->hashing = true;
    struct stat st;
    fstat(x->fd, &st);
    int64_t have = st.st_size;
    if (it->size >= 0 && have > it->size) {
        if (ftruncate(x->fd, 0) < 0) {
            int e = errno;
            part_close(x);
            return vz_error_set(err, VZ_ESYSTEM, e, "fetch %s: truncate %s", x->label, x->part);
        }
        have = 0;
    }
    char buf[65536];
    int64_t off = 0;
    while (off < have) {
        ssize_t r = pread(x->fd, buf, sizeof(buf), off);
        if (r < 0) {
            int e = errno;
            part_close(x);
            return vz_error_set(err, VZ_ESYSTEM, e, "fetch %s: read %s", x->label, x->part);
        }
        if (r == 0)
            break;
        vz_sha256_update(&x->hash, buf, (size_t)r);
        off += r;
    }
    x->written = off;
    x->run->done_bytes += (uint64_t)off;
    return 0;
}

/* ---- transfers ----------------------------------------------------------- */

static size_t on_data(char *p, size_t sz, size_t nm, void *ud)
{
    struct xfer *x = ud;
    size_t n = sz * nm;
    if (x->item->size >= 0 && x->written + (int64_t)n > x->item->size) {
        x->oversize = true;
        return 0;
    }
    size_t off = 0;
    while (off < n) {
        ssize_t w = pwrite(x->fd, p + off, n - off, (off_t)(x->written + (int64_t)off));
        if (w < 0) {
            if (errno == EINTR)
                continue;
            x->write_errno = errno;
            return 0;
        }
        off += (size_t)w;
    }
    vz_sha256_update(&x->hash, p, n);
    x->written += (int64_t)n;
    x->last_data = vz_now();
    x->run->done_bytes += n;
    vz_progress_update(&x->run->prog, x->run->done_items, x->run->done_bytes);
    return n;
}

static void progress_warn(struct fetch_run *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void progress_warn(struct fetch_run *r, const char *fmt, ...)
{
    if (vz_log_level < VZ_LOG_WARN)
        return;
    char msg[1400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (r->prog.tty)
        fputs("\r\033[K", stderr);
    vz_warn("%s", msg);
}

/* Verified: the syncer makes it durable, renames it into place and
 * releases its lock (fetch_sync.c), while the transfers go on. The item
 * counts as done for the progress display from now on. */
static void commit(struct xfer *x)
{
    struct fetch_run *r = x->run;
    /* (No sync_file_range() here: starting write-back can block on a busy
     * disk, and this loop must not wait for the disk.) */
    vz_fetch_syncer_push(r->syncer, x->fd, x->part, x->item->dest, x->label);
    x->fd = -1; /* handed over: part_close() must not touch it */
    x->st = X_DONE;
    r->done_items++;
    vz_progress_update(&r->prog, r->done_items, r->done_bytes);
}

/* Size and sha256 of the complete .part. Returns 0 and fills what (the
 * problem) when it does not match, 1 when it matches. */
static int verify(struct xfer *x, char *what, size_t n)
{
    const struct vz_fetch_item *it = x->item;
    if (it->size >= 0 && x->written != it->size) {
        snprintf(what, n, "size mismatch (expected %" PRId64 " bytes, got %" PRId64 ")", it->size,
                 x->written);
        return 0;
    }
    if (it->sha256) {
        char hex[VZ_SHA256_HEX_LEN + 1];
        vz_sha256_final(&x->hash, NULL, hex);
        vz_sha256_release(&x->hash);
        x->hashing = false;
        if (strcasecmp(hex, it->sha256) != 0) {
            snprintf(what, n, "sha256 mismatch (expected %s, got %s)", it->sha256, hex);
            return 0;
        }
    }
    return 1;
}

/* A failed attempt: decide between fail-over, backoff and giving up. */
static int attempt_failed(struct xfer *x, int status, bool url_dead, bool timed_out,
                          const char *what, vz_error_t *err)
{
    const struct vz_fetch_item *it = x->item;
    struct fetch_run *r = x->run;
    const char *url = it->urls[x->url];
    snprintf(x->last_error, sizeof(x->last_error), "%s: %s", url, what);
    x->last_status = status;
    /* A connection dropped after delivering new bytes does not use up a
     * retry (a flaky link still gets a big file through), up to a bound. */
    bool progressed = status == VZ_EFETCH && !timed_out && x->written > x->written_at_start;
    if (progressed && x->free_resumes < VZ_FETCH_MAX_FREE_RESUMES)
        x->free_resumes++;
    else
        x->attempts++;
    if (url_dead)
        x->url_dead[x->url] = true;
    size_t next = x->n_urls;
    for (size_t k = 1; k <= x->n_urls; k++) {
        size_t i = (x->url + k) % x->n_urls;
        if (!x->url_dead[i]) {
            next = i;
            break;
        }
    }
    if (next == x->n_urls || x->attempts > (unsigned)r->o.retries) {
        part_close(x);
        return vz_error_set(err, status, 0, "fetch %s: %s", x->label, x->last_error);
    }
    x->url = next;
    long ms = 0;
    /* A dropped connection that delivered bytes is resumed at once; only
     * an attempt that got nowhere waits before returning to a URL. */
    if (x->url_tried[next] && !progressed)
        ms = vz_fetch_backoff_ms(r->o.backoff_ms, ++x->backoffs);
    x->not_before = vz_now() + (double)ms / 1000.0;
    if (ms)
        progress_warn(r, "fetch %s: %s (retrying in %.1f s)", x->label, x->last_error,
                      (double)ms / 1000.0);
    else
        progress_warn(r, "fetch %s: %s (trying %s)", x->label, x->last_error, it->urls[next]);
    x->st = X_WAITING;
    return 0;
}

static int start(struct xfer *x, vz_error_t *err)
{
    struct fetch_run *r = x->run;
    const struct vz_fetch_item *it = x->item;
    if (x->fd < 0) {
        if (vz_file_exists(it->dest)) { /* another process finished it */
            x->st = X_DONE;
            r->done_items++;
            return 0;
        }
        int k = part_open(x, err);
        if (k < 0)
            return -1;
        if (k == 1) { /* locked by another process: look again soon */
            /* (Our own verified files are being renamed and unlocked by the
             * syncer meanwhile, so two runs never wait for each other.) */
            struct stat st;
            int64_t size = stat(x->part, &st) == 0 ? (int64_t)st.st_size : -1;
            double now = vz_now();
            if (x->lock_since == 0 || size != x->lock_size) {
                x->lock_since = now;
                x->lock_size = size;
            } else if (now - x->lock_since > 2.0 * (double)r->o.timeout_s) {
                return vz_error_set(err, VZ_ELOCKED, 0,
                                    "fetch %s: %s is locked by another process that made no "
                                    "progress for %ld s",
                                    x->label, x->part, 2 * r->o.timeout_s);
            }
            x->not_before = now + 0.2;
            return 0;
        }
        if (k == 2) {
            x->st = X_DONE;
            r->done_items++;
            return 0;
        }
    }
    if (!x->hashing) {
        if (vz_sha256_init(&x->hash, err) < 0)
            return -1;
        x->hashing = true;
    }
    /* A complete .part from an earlier run: verify without the network. */
    if (it->size >= 0 && x->written == it->size && x->written > 0) {
        char what[512];
        if (verify(x, what, sizeof(what))) {
            commit(x);
            return 0;
        }
        part_reset(x);
        if (vz_sha256_init(&x->hash, err) < 0)
            return -1;
        x->hashing = true;
    }
    CURL *c = r->n_pool ? r->pool[--r->n_pool] : curl_easy_init();
    if (c == NULL)
        return vz_error_set(err, VZ_EFETCH, 0, "fetch %s: cannot initialise libcurl", x->label);
    curl_easy_reset(c);
    const char *url = it->urls[x->url];
    vz_fetch_easy_setup(c, url, r->o.timeout_s, r->o.min_rate, r->o.deadline, x->errbuf);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(c, CURLOPT_PRIVATE, x);
    curl_easy_setopt(c, CURLOPT_RESUME_FROM_LARGE, (curl_off_t)x->written);
    if (strncmp(url, "https:", 6) == 0)
        curl_easy_setopt(c, CURLOPT_PIPEWAIT, 1L); /* prefer multiplexing on h2 */
    x->oversize = false;
    x->write_errno = 0;
    x->written_at_start = x->written;
    x->last_data = vz_now();
    x->url_tried[x->url] = true;
    x->easy = c;
    CURLMcode mc = curl_multi_add_handle(r->multi, c);
    if (mc != CURLM_OK) {
        r->pool[r->n_pool++] = c;
        x->easy = NULL;
        return vz_error_set(err, VZ_EFETCH, 0, "fetch %s: %s", x->label, curl_multi_strerror(mc));
    }
    x->st = X_ACTIVE;
    r->active++;
    return 0;
}

static int finish(struct xfer *x, CURLcode rc, vz_error_t *err)
{
    struct fetch_run *r = x->run;
    long code = 0;
    curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &code);
    curl_multi_remove_handle(r->multi, x->easy);
    r->pool[r->n_pool++] = x->easy;
    x->easy = NULL;
    r->active--;
    char what[512];

    if (rc == CURLE_OK) {
        if (verify(x, what, sizeof(what))) {
            commit(x);
            return 0;
        }
        /* A bad file is deleted; the next attempt starts from nothing. */
        part_reset(x);
        return attempt_failed(x, VZ_EVERIFY, false, false, what, err);
    }
    if (rc == CURLE_WRITE_ERROR && x->write_errno) {
        int e = x->write_errno;
        part_close(x);
        return vz_error_set(err, VZ_ESYSTEM, e, "fetch %s: write %s", x->label, x->part);
    }
    if (rc == CURLE_WRITE_ERROR && x->oversize) {
        snprintf(what, sizeof(what), "larger than the expected %" PRId64 " bytes", x->item->size);
        part_reset(x);
        return attempt_failed(x, VZ_EVERIFY, false, false, what, err);
    }
    /* The server ignores our Range (200 to a ranged request) or says the
     * range is past the end (416): start this file again from byte 0. */
    if (x->written > 0 && (rc == CURLE_RANGE_ERROR || (rc == CURLE_HTTP_RETURNED_ERROR && code == 416))) {
        part_reset(x);
        x->st = X_WAITING;
        x->not_before = 0;
        return 0;
    }
    if (vz_fetch_past_deadline(r->o.deadline, rc)) {
        /* curl's CURLOPT_TIMEOUT_MS or our own check: not a stall, the end */
        part_close(x);
        cleanup_free char *w = vz_xasprintf("fetch %s: %s", x->label, x->item->urls[x->url]);
        return vz_fetch_deadline_error(err, w);
    }
    enum vz_fetch_class cl = vz_fetch_classify(rc, code, x->errbuf, r->o.timeout_s, what);
    if (cl == VZ_FC_FATAL) {
        part_close(x);
        return vz_error_set(err, VZ_EFETCH, 0, "fetch %s: %s: %s", x->label,
                            x->item->urls[x->url], what);
    }
    /* Keep what arrived: the next attempt resumes it with Range. */
    return attempt_failed(x, VZ_EFETCH, cl == VZ_FC_URL_DEAD, rc == CURLE_OPERATION_TIMEDOUT, what,
                          err);
}

/* ---- the loop ------------------------------------------------------------ */

static char *part_name(const char *dest)
{
    return vz_xasprintf("%s.part", dest);
}

static int prepare_dir(const char *dest, vz_error_t *err)
{
    cleanup_free char *d = vz_xstrdup(dest);
    char *dir = dirname(d);
    if (vz_is_dir(dir))
        return 0;
    return vz_mkdir_p(dir, 0755, err);
}

int vz_fetch_many(struct vz_fetch_item *items, size_t n, const struct vz_fetch_opts *opts,
                  vz_error_t *err)
{
    struct fetch_run r = { 0 };
    if (opts)
        r.o = *opts;
    if (r.o.jobs <= 0)
        r.o.jobs = VZ_FETCH_DEFAULT_JOBS;
    if (r.o.retries <= 0)
        r.o.retries = VZ_FETCH_DEFAULT_RETRIES;
    if (r.o.timeout_s <= 0)
        r.o.timeout_s = VZ_FETCH_DEFAULT_TIMEOUT_S;
    if (r.o.backoff_ms <= 0)
        r.o.backoff_ms = VZ_FETCH_DEFAULT_BACKOFF_MS;
    if (r.o.stage == NULL)
        r.o.stage = "download";

    struct xfer *xs = vz_xcalloc(n ? n : 1, sizeof(*xs));
    size_t todo = 0;
    uint64_t total_bytes = 0;
    int ret = -1;

    for (size_t i = 0; i < n; i++) {
        struct xfer *x = &xs[i];
        struct vz_fetch_item *it = &items[i];
        x->item = it;
        x->run = &r;
        x->fd = -1;
        x->st = X_DONE;
        if (it->urls == NULL || it->urls[0] == NULL || it->dest == NULL) {
            vz_error_set(err, VZ_EFETCH, 0, "fetch %s: no URL or destination given",
                         it->label ? it->label : "?");
            goto out;
        }
        x->label = it->label ? it->label : it->dest;
        if (vz_file_exists(it->dest))
            continue; /* trusted: only verified files get a final name */
        bool dup = false;
        for (size_t j = 0; j < i && !dup; j++)
            dup = xs[j].st != X_DONE && strcmp(items[j].dest, it->dest) == 0;
        if (dup)
            continue;
        if (prepare_dir(it->dest, err) < 0) {
            vz_error_wrap(err, "fetch %s", x->label);
            goto out;
        }
        x->st = X_WAITING;
        x->part = part_name(it->dest);
        x->n_urls = vz_strv_len(it->urls);
        x->url_dead = vz_xcalloc(x->n_urls, sizeof(bool));
        x->url_tried = vz_xcalloc(x->n_urls, sizeof(bool));
        todo++;
        if (it->size > 0)
            total_bytes += (uint64_t)it->size;
    }
    if (todo == 0) {
        ret = 0;
        goto out;
    }

    vz_fetch_global_init();
    r.multi = curl_multi_init();
    r.pool = vz_xcalloc((size_t)r.o.jobs, sizeof(CURL *));
    if (r.multi == NULL) {
        vz_error_set(err, VZ_EFETCH, 0, "%s: cannot initialise libcurl", r.o.stage);
        goto out;
    }
    curl_multi_setopt(r.multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX);
    curl_multi_setopt(r.multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)r.o.jobs);
    curl_multi_setopt(r.multi, CURLMOPT_MAXCONNECTS, (long)r.o.jobs * 2);

    r.syncer = vz_fetch_syncer_new(todo, !r.o.no_sync);
    vz_progress_start(&r.prog, r.o.stage, todo, total_bytes);
    size_t finished = 0;
    for (;;) {
        finished = 0;
        double now = vz_now(), next_wake = 0;
        for (size_t i = 0; i < n; i++) {
            struct xfer *x = &xs[i];
            if (x->st == X_DONE) {
                finished++;
                continue;
            }
            if (x->st != X_WAITING || r.active >= (size_t)r.o.jobs)
                continue;
            if (x->not_before > now) {
                if (next_wake == 0 || x->not_before < next_wake)
                    next_wake = x->not_before;
                continue;
            }
            if (start(x, err) < 0)
                goto out_abort;
            if (x->st == X_DONE)
                finished++;
            else if (x->st == X_WAITING && (next_wake == 0 || x->not_before < next_wake))
                next_wake = x->not_before;
        }
        if (finished == n)
            break;
        if (vz_fetch_syncer_failed(r.syncer)) /* disk full...: stop now */
            break;
        if (r.o.deadline > 0 && vz_now() >= r.o.deadline) {
            /* the .part files stay: a later run resumes them */
            vz_fetch_deadline_error(err, r.o.stage);
            goto out_abort;
        }
        vz_progress_update(&r.prog, r.done_items, r.done_bytes); /* rate and ETA move during stalls too */
        int running = 0;
        CURLMcode mc = curl_multi_perform(r.multi, &running);
        if (mc != CURLM_OK) {
            vz_error_set(err, VZ_EFETCH, 0, "%s: %s", r.o.stage, curl_multi_strerror(mc));
            goto out_abort;
        }
        CURLMsg *m;
        int left;
        bool any = false;
        while ((m = curl_multi_info_read(r.multi, &left)) != NULL) {
            if (m->msg != CURLMSG_DONE)
                continue;
            struct xfer *x = NULL;
            curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&x);
            any = true;
            if (finish(x, m->data.result, err) < 0)
                goto out_abort;
        }
        if (any)
            continue; /* start the next ones right away */
        /* Stalls: curl's low-speed check averages over several seconds;
         * "no byte for timeout_s" is what we promise, so check it here. */
        double t = vz_now();
        for (size_t i = 0; i < n; i++) {
            struct xfer *x = &xs[i];
            if (x->st == X_ACTIVE && t - x->last_data > (double)r.o.timeout_s) {
                any = true;
                if (finish(x, CURLE_OPERATION_TIMEDOUT, err) < 0)
                    goto out_abort;
            }
        }
        if (any)
            continue;
        int wait_ms = 250;
        if (next_wake > 0) {
            double d = (next_wake - vz_now()) * 1000.0;
            wait_ms = d < 0 ? 0 : d > 250 ? 250 : (int)d + 1;
        }
        if (r.active == 0) {
            struct timespec ts = { wait_ms / 1000, (long)(wait_ms % 1000) * 1000000L };
            nanosleep(&ts, NULL);
            continue;
        }
        mc = curl_multi_poll(r.multi, NULL, 0, wait_ms, NULL);
        if (mc != CURLM_OK) {
            vz_error_set(err, VZ_EFETCH, 0, "%s: %s", r.o.stage, curl_multi_strerror(mc));
            goto out_abort;
        }
    }
    if (vz_fetch_syncer_finish(r.syncer, err) < 0) {
        r.syncer = NULL;
        goto out_abort;
    }
    r.syncer = NULL;
    vz_progress_done(&r.prog);
    ret = 0;
    goto out;

out_abort:
    if (r.syncer) { /* keep what was verified, report the first error */
        vz_error_t e2 = NULL;
        vz_fetch_syncer_finish(r.syncer, &e2);
        vz_error_release(&e2);
        r.syncer = NULL;
    }
    if (r.prog.tty)
        fputs("\r\033[K", stderr);
out:
    for (size_t i = 0; i < n; i++) {
        struct xfer *x = &xs[i];
        if (x->easy) {
            curl_multi_remove_handle(r.multi, x->easy);
            curl_easy_cleanup(x->easy);
        }
        part_close(x); /* the .part stays for the next run to resume */
        free(x->part);
        free(x->url_dead);
        free(x->url_tried);
    }
    for (size_t i = 0; i < r.n_pool; i++)
        curl_easy_cleanup(r.pool[i]);
    free(r.pool);
    if (r.multi)
        curl_multi_cleanup(r.multi);
    free(xs);
    return ret;
}
