/* tests/lib/httpd.c: the loopback test HTTP server (see httpd.h).
 *
 * Threads: one accept thread polls the listening socket and a wake pipe; each
 * connection gets its own thread that answers requests in a keep-alive loop.
 * Every blocking wait is a poll() of at most 100 ms followed by a look at the
 * stop flag, so vz_httpd_stop() (or the lifetime limit) ends everything
 * promptly. Shared state (per-path records) is under one mutex.
 */
#include "tests/lib/httpd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define REQ_MAX 16384
#define IDLE_S 5.0
#define CHUNK 16384

struct path_rec {
    char *path;
    unsigned hits, range_hits;
    int64_t last_range_start;
    char *last_head;          /* raw request head of the last request */
    enum vz_httpd_fault_kind kind;
    int64_t arg;
    bool limited;             /* times counts down */
    unsigned times;
    char *alt;
    size_t alt_len;
    struct path_rec *next;
};

struct conn {
    struct vz_httpd *h;
    int fd;
    pthread_t th;
    bool used;
    atomic_bool done;
};

struct vz_httpd {
    char *root;
    int lfd;
    int port;
    int wake[2];
    pthread_t accept_th;
    pthread_mutex_t mu;
    struct path_rec *recs;
    struct conn conns[VZ_HTTPD_MAX_CONNS];
    atomic_bool stop;
    unsigned total, nconn;
    double started;
};

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("httpd: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    abort();
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *xstrdup(const char *s)
{
    char *r = strdup(s);
    if (r == NULL)
        die("out of memory");
    return r;
}

/* Caller holds h->mu. */
static struct path_rec *rec_get(struct vz_httpd *h, const char *path)
{
    for (struct path_rec *r = h->recs; r; r = r->next)
        if (strcmp(r->path, path) == 0)
            return r;
    struct path_rec *r = calloc(1, sizeof(*r));
    if (r == NULL)
        die("out of memory");
    r->path = xstrdup(path);
    r->last_range_start = -1;
    r->next = h->recs;
    h->recs = r;
    return r;
}

/* ---- socket helpers ------------------------------------------------------ */

static bool stopping(struct vz_httpd *h)
{
    if (atomic_load(&h->stop))
        return true;
    if (now_s() - h->started > VZ_HTTPD_LIFETIME_S) {
        atomic_store(&h->stop, true);
        return true;
    }
    return false;
}

static int send_all(struct vz_httpd *h, int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n > 0) {
        if (stopping(h))
            return -1;
        struct pollfd pfd = { .fd = fd, .events = POLLOUT };
        int pr = poll(&pfd, 1, 100);
        if (pr < 0 && errno != EINTR)
            return -1;
        if (pr <= 0)
            continue;
        ssize_t w = send(fd, c, n, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w < 0) {
            if (errno == EINTR || errno == EAGAIN)
                continue;
            return -1;
        }
        c += w;
        n -= (size_t)w;
    }
    return 0;
}

static void sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

/* ---- request parsing ----------------------------------------------------- */

/* Value of header name in a raw request head (after the request line). */
static char *head_value(const char *head, const char *name)
{
    size_t nl = strlen(name);
    const char *p = strstr(head, "\r\n");
    while (p && p[2] != '\r' && p[2] != '\0') {
        p += 2;
        const char *eol = strstr(p, "\r\n");
        if (eol == NULL)
            break;
        if ((size_t)(eol - p) > nl && strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
            const char *v = p + nl + 1;
            while (*v == ' ' || *v == '\t')
                v++;
            const char *e = eol;
            while (e > v && (e[-1] == ' ' || e[-1] == '\t'))
                e--;
            return strndup(v, (size_t)(e - v));
        }
        p = eol;
    }
    return NULL;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decode %XX; returns NULL on a bad escape or a NUL byte. */
static char *pct_decode(const char *s)
{
    char *out = malloc(strlen(s) + 1), *o = out;
    if (out == NULL)
        die("out of memory");
    for (; *s; s++) {
        if (*s == '%') {
            int a = hexval(s[1]), b = a < 0 ? -1 : hexval(s[2]);
            if (a < 0 || b < 0 || (a == 0 && b == 0)) {
                free(out);
                return NULL;
            }
            *o++ = (char)(a * 16 + b);
            s += 2;
        } else {
            *o++ = *s;
        }
    }
    *o = '\0';
    return out;
}

static bool path_safe(const char *p)
{
    if (p[0] != '/')
        return false;
    for (const char *s = p; (s = strstr(s, "/..")) != NULL; s += 3)
        if (s[3] == '/' || s[3] == '\0')
            return false;
    return true;
}

/* ---- responses ----------------------------------------------------------- */

static const char *reason(int code)
{
    switch (code) {
    case 200: return "OK";
    case 206: return "Partial Content";
    case 302: return "Found";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 410: return "Gone";
    case 416: return "Range Not Satisfiable";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    default: return "Status";
    }
}

static void http_date(time_t t, char *buf, size_t n)
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, n, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

static int send_simple(struct vz_httpd *h, int fd, int code, bool head_only, bool keep,
                       const char *extra)
{
    char body[128], hdr[512];
    int bl = snprintf(body, sizeof(body), "%d %s\n", code, reason(code));
    int hl = snprintf(hdr, sizeof(hdr),
                      "HTTP/1.1 %d %s\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n%s%s\r\n",
                      code, reason(code), code == 304 ? 0 : bl, extra ? extra : "",
                      keep ? "" : "Connection: close\r\n");
    if (send_all(h, fd, hdr, (size_t)hl) < 0)
        return -1;
    if (!head_only && code != 304 && send_all(h, fd, body, (size_t)bl) < 0)
        return -1;
    return 0;
}

/* The body source: a file descriptor or a memory buffer. */
struct source {
    int fd;
    const char *mem;
    int64_t size;
};

static ssize_t source_read(const struct source *s, int64_t off, char *buf, size_t n)
{
    if (s->mem) {
        if (off >= s->size)
            return 0;
        if ((int64_t)n > s->size - off)
            n = (size_t)(s->size - off);
        memcpy(buf, s->mem + off, n);
        return (ssize_t)n;
    }
    if ((int64_t)n > s->size - off)
        n = (size_t)(s->size - off);
    return n ? pread(s->fd, buf, n, off) : 0;
}

/* Wait until the client closes (or stop / cap): the STALL fault. */
static void stall(struct vz_httpd *h, int fd)
{
    double until = now_s() + VZ_HTTPD_MAX_STALL_S;
    char junk[512];
    while (!stopping(h) && now_s() < until) {
        struct pollfd pfd = { .fd = fd, .events = POLLIN };
        if (poll(&pfd, 1, 100) > 0) {
            ssize_t r = recv(fd, junk, sizeof(junk), MSG_DONTWAIT);
            if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR))
                return;
        }
    }
}

/* The DRIP and ENDLESS faults: a body that never ends (JSON whitespace, so
 * a reader that parses as it goes is not stopped by a syntax error). drip:
 * one byte every arg ms, for at most VZ_HTTPD_MAX_STALL_S; else as fast as
 * the client reads, at most arg bytes (0 = 1 GiB). */
static void endless(struct vz_httpd *h, int fd, bool drip, int64_t arg, bool head_only)
{
    static const char hdr[] = "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
                              "Connection: close\r\n\r\n";
    if (send_all(h, fd, hdr, sizeof(hdr) - 1) < 0 || head_only)
        return;
    char buf[CHUNK];
    memset(buf, ' ', sizeof(buf));
    double until = now_s() + VZ_HTTPD_MAX_STALL_S;
    int64_t cap = arg > 0 ? arg : (int64_t)1 << 30, sent = 0;
    while (!stopping(h)) {
        if (drip) {
            if (now_s() >= until || send_all(h, fd, buf, 1) < 0)
                return;
            sleep_ms(arg > 0 ? (long)arg : 500);
            continue;
        }
        size_t n = (int64_t)sizeof(buf) < cap - sent ? sizeof(buf) : (size_t)(cap - sent);
        if (n == 0 || send_all(h, fd, buf, n) < 0)
            return;
        sent += (int64_t)n;
    }
}

struct fault {
    enum vz_httpd_fault_kind kind;
    int64_t arg;
    char *alt;
    size_t alt_len;
};

/* Answer one request. Returns 1 to keep the connection, 0 to close it. */
static int respond(struct vz_httpd *h, int fd, const char *head, bool keep)
{
    char method[16], target[4096], version[16];
    if (sscanf(head, "%15s %4095s %15s", method, target, version) != 3) {
        send_simple(h, fd, 400, false, false, NULL);
        return 0;
    }
    if (strcmp(version, "HTTP/1.1") != 0)
        keep = false;
    bool head_only = strcmp(method, "HEAD") == 0;
    if (!head_only && strcmp(method, "GET") != 0)
        return send_simple(h, fd, 405, false, keep, "Allow: GET, HEAD\r\n") == 0 && keep;

    /* Absolute form (proxy requests): keep only the path. */
    char *path = target;
    if (strncasecmp(path, "http://", 7) == 0) {
        path = strchr(path + 7, '/');
        if (path == NULL)
            path = "/";
    }
    char pathbuf[4096];
    snprintf(pathbuf, sizeof(pathbuf), "%s", path);
    char *q = strchr(pathbuf, '?');
    if (q)
        *q = '\0';

    char *range = head_value(head, "Range");
    int64_t rstart = -1, rend = -1;
    if (range) {
        long long a = -1, b = -1;
        if (sscanf(range, "bytes=%lld-%lld", &a, &b) >= 1 && a >= 0) {
            rstart = a;
            rend = b;
        }
    }

    struct fault f = { VZ_HTTPD_NONE, 0, NULL, 0 };
    pthread_mutex_lock(&h->mu);
    struct path_rec *r = rec_get(h, pathbuf);
    r->hits++;
    h->total++;
    if (range) {
        r->range_hits++;
        r->last_range_start = rstart;
    }
    free(r->last_head);
    r->last_head = xstrdup(head);
    if (r->kind != VZ_HTTPD_NONE && (!r->limited || r->times > 0)) {
        f.kind = r->kind;
        f.arg = r->arg;
        if (r->alt) {
            f.alt = malloc(r->alt_len + 1);
            if (f.alt == NULL)
                die("out of memory");
            memcpy(f.alt, r->alt, r->alt_len);
            f.alt_len = r->alt_len;
        }
        if (r->limited && --r->times == 0)
            r->kind = VZ_HTTPD_NONE;
    }
    pthread_mutex_unlock(&h->mu);
    free(range);

    int ret = 0;
    struct source src = { -1, NULL, 0 };
    char *file = NULL, *decoded = NULL;
    time_t mtime = 0;

    if (f.kind == VZ_HTTPD_STATUS) {
        ret = send_simple(h, fd, (int)f.arg, head_only, keep, NULL) == 0 && keep;
        goto out;
    }
    if (f.kind == VZ_HTTPD_REDIRECT) {
        char extra[4200];
        snprintf(extra, sizeof(extra), "Location: %s\r\n", f.alt ? f.alt : "/");
        ret = send_simple(h, fd, 302, head_only, keep, extra) == 0 && keep;
        goto out;
    }
    if (f.kind == VZ_HTTPD_DRIP || f.kind == VZ_HTTPD_ENDLESS) {
        endless(h, fd, f.kind == VZ_HTTPD_DRIP, f.arg, head_only);
        goto out;
    }
    if (f.kind == VZ_HTTPD_ALT) {
        src.mem = f.alt;
        src.size = (int64_t)f.alt_len;
        mtime = time(NULL);
    } else {
        decoded = pct_decode(pathbuf);
        if (decoded == NULL || !path_safe(decoded)) {
            ret = send_simple(h, fd, 403, head_only, keep, NULL) == 0 && keep;
            goto out;
        }
        if (asprintf(&file, "%s%s", h->root, decoded) < 0)
            die("out of memory");
        struct stat st;
        src.fd = open(file, O_RDONLY | O_CLOEXEC);
        if (src.fd < 0 || fstat(src.fd, &st) < 0 || !S_ISREG(st.st_mode)) {
            ret = send_simple(h, fd, 404, head_only, keep, NULL) == 0 && keep;
            goto out;
        }
        src.size = st.st_size;
        mtime = st.st_mtime;
    }
    if (f.kind == VZ_HTTPD_TRUNCATE && f.arg < src.size)
        src.size = f.arg;

    if (f.kind != VZ_HTTPD_ALT) {
        char *ims = head_value(head, "If-Modified-Since");
        if (ims) {
            struct tm tm = { 0 };
            bool ok = strptime(ims, "%a, %d %b %Y %H:%M:%S GMT", &tm) != NULL;
            free(ims);
            if (ok && timegm(&tm) >= mtime) {
                ret = send_simple(h, fd, 304, head_only, keep, NULL) == 0 && keep;
                goto out;
            }
        }
    }

    int code = 200;
    int64_t from = 0, to = src.size - 1;
    char crange[128] = "";
    if (rstart >= 0 && f.kind != VZ_HTTPD_NORANGE) {
        if (rstart >= src.size) {
            char extra[96];
            snprintf(extra, sizeof(extra), "Content-Range: bytes */%lld\r\n", (long long)src.size);
            ret = send_simple(h, fd, 416, head_only, keep, extra) == 0 && keep;
            goto out;
        }
        code = 206;
        from = rstart;
        if (rend >= rstart && rend < src.size)
            to = rend;
        snprintf(crange, sizeof(crange), "Content-Range: bytes %lld-%lld/%lld\r\n",
                 (long long)from, (long long)to, (long long)src.size);
    }
    int64_t len = to - from + 1;
    char date[64], hdr[1024];
    http_date(mtime, date, sizeof(date));
    int hl = snprintf(hdr, sizeof(hdr),
                      "HTTP/1.1 %d %s\r\nContent-Type: application/octet-stream\r\n"
                      "Content-Length: %lld\r\nLast-Modified: %s\r\nAccept-Ranges: bytes\r\n%s%s\r\n",
                      code, reason(code), (long long)len, date, crange,
                      keep ? "" : "Connection: close\r\n");
    if (send_all(h, fd, hdr, (size_t)hl) < 0)
        goto out;
    if (head_only) {
        ret = keep;
        goto out;
    }

    int64_t limit = len; /* body bytes to send before a DROP/STALL */
    if ((f.kind == VZ_HTTPD_DROP || f.kind == VZ_HTTPD_STALL) && f.arg < len)
        limit = f.arg;
    long slept = 0;
    char buf[CHUNK];
    int64_t sent = 0;
    while (sent < limit) {
        size_t want = CHUNK;
        if (f.kind == VZ_HTTPD_SLOW)
            want = 1024;
        if ((int64_t)want > limit - sent)
            want = (size_t)(limit - sent);
        ssize_t n = source_read(&src, from + sent, buf, want);
        if (n <= 0)
            goto out;
        if (f.kind == VZ_HTTPD_CORRUPT && f.arg >= from + sent && f.arg < from + sent + n)
            buf[f.arg - (from + sent)] ^= (char)0xff;
        if (f.kind == VZ_HTTPD_SLOW && slept < VZ_HTTPD_MAX_STALL_S * 1000L) {
            sleep_ms((long)f.arg);
            slept += (long)f.arg;
        }
        if (send_all(h, fd, buf, (size_t)n) < 0)
            goto out;
        sent += n;
    }
    if (f.kind == VZ_HTTPD_STALL && limit < len) {
        stall(h, fd);
        goto out;
    }
    if (f.kind == VZ_HTTPD_DROP && limit < len)
        goto out; /* close mid-body */
    ret = keep;
out:
    if (src.fd >= 0)
        close(src.fd);
    free(file);
    free(decoded);
    free(f.alt);
    return ret;
}

static void *conn_main(void *arg)
{
    struct conn *c = arg;
    struct vz_httpd *h = c->h;
    char *buf = malloc(REQ_MAX + 1);
    size_t have = 0;
    double idle_since = now_s();
    if (buf == NULL)
        die("out of memory");
    while (!stopping(h)) {
        char *end = NULL;
        buf[have] = '\0';
        if (have && (end = strstr(buf, "\r\n\r\n")) != NULL) {
            size_t hlen = (size_t)(end - buf) + 4;
            char saved = buf[hlen];
            buf[hlen] = '\0';
            char *conn_hdr = head_value(buf, "Connection");
            bool keep = !(conn_hdr && strcasecmp(conn_hdr, "close") == 0);
            free(conn_hdr);
            char *head = xstrdup(buf);
            buf[hlen] = saved;
            memmove(buf, buf + hlen, have - hlen);
            have -= hlen;
            int k = respond(h, c->fd, head, keep);
            free(head);
            if (!k)
                break;
            idle_since = now_s();
            continue;
        }
        if (have == REQ_MAX) {
            send_simple(h, c->fd, 431, false, false, NULL);
            break;
        }
        struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
        int pr = poll(&pfd, 1, 100);
        if (pr < 0 && errno != EINTR)
            break;
        if (pr <= 0) {
            if (now_s() - idle_since > IDLE_S)
                break;
            continue;
        }
        ssize_t r = recv(c->fd, buf + have, REQ_MAX - have, MSG_DONTWAIT);
        if (r == 0)
            break;
        if (r < 0) {
            if (errno == EINTR || errno == EAGAIN)
                continue;
            break;
        }
        have += (size_t)r;
    }
    free(buf);
    shutdown(c->fd, SHUT_RDWR);
    atomic_store(&c->done, true);
    return NULL;
}

/* Join finished connection threads; with all, join every one. */
static void reap(struct vz_httpd *h, bool all)
{
    for (int i = 0; i < VZ_HTTPD_MAX_CONNS; i++) {
        struct conn *c = &h->conns[i];
        if (!c->used || (!all && !atomic_load(&c->done)))
            continue;
        pthread_join(c->th, NULL);
        close(c->fd);
        c->used = false;
    }
}

static void *accept_main(void *arg)
{
    struct vz_httpd *h = arg;
    while (!stopping(h)) {
        struct pollfd pfd[2] = { { .fd = h->lfd, .events = POLLIN }, { .fd = h->wake[0], .events = POLLIN } };
        int pr = poll(pfd, 2, 100);
        reap(h, false);
        if (pr <= 0 || !(pfd[0].revents & POLLIN))
            continue;
        int fd = accept4(h->lfd, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0)
            continue;
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        struct conn *slot = NULL;
        for (int i = 0; i < VZ_HTTPD_MAX_CONNS && !slot; i++)
            if (!h->conns[i].used)
                slot = &h->conns[i];
        if (slot == NULL) { /* over the bound: refuse */
            close(fd);
            continue;
        }
        slot->h = h;
        slot->fd = fd;
        slot->used = true;
        atomic_store(&slot->done, false);
        pthread_mutex_lock(&h->mu);
        h->nconn++;
        pthread_mutex_unlock(&h->mu);
        if (pthread_create(&slot->th, NULL, conn_main, slot) != 0) {
            close(fd);
            slot->used = false;
        }
    }
    return NULL;
}

struct vz_httpd *vz_httpd_start(const char *root)
{
    struct vz_httpd *h = calloc(1, sizeof(*h));
    if (h == NULL)
        die("out of memory");
    h->root = xstrdup(root);
    size_t rl = strlen(h->root);
    while (rl > 1 && h->root[rl - 1] == '/')
        h->root[--rl] = '\0';
    pthread_mutex_init(&h->mu, NULL);
    h->started = now_s();
    h->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (h->lfd < 0)
        die("socket: %s", strerror(errno));
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = 0 };
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(h->lfd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(h->lfd, 128) < 0)
        die("bind/listen on 127.0.0.1: %s", strerror(errno));
    socklen_t al = sizeof(a);
    if (getsockname(h->lfd, (struct sockaddr *)&a, &al) < 0)
        die("getsockname: %s", strerror(errno));
    h->port = ntohs(a.sin_port);
    if (pipe2(h->wake, O_CLOEXEC) < 0)
        die("pipe: %s", strerror(errno));
    if (pthread_create(&h->accept_th, NULL, accept_main, h) != 0)
        die("pthread_create failed");
    return h;
}

void vz_httpd_stop(struct vz_httpd *h)
{
    if (h == NULL)
        return;
    atomic_store(&h->stop, true);
    if (write(h->wake[1], "x", 1) < 0) {
        /* the accept thread also polls the stop flag every 100 ms */
    }
    pthread_join(h->accept_th, NULL);
    for (int i = 0; i < VZ_HTTPD_MAX_CONNS; i++)
        if (h->conns[i].used)
            shutdown(h->conns[i].fd, SHUT_RDWR);
    reap(h, true);
    close(h->lfd);
    close(h->wake[0]);
    close(h->wake[1]);
    while (h->recs) {
        struct path_rec *r = h->recs;
        h->recs = r->next;
        free(r->path);
        free(r->last_head);
        free(r->alt);
        free(r);
    }
    pthread_mutex_destroy(&h->mu);
    free(h->root);
    free(h);
}

int vz_httpd_port(const struct vz_httpd *h)
{
    return h->port;
}

char *vz_httpd_url(const struct vz_httpd *h, const char *path)
{
    char *u;
    if (asprintf(&u, "http://127.0.0.1:%d%s", h->port, path) < 0)
        die("out of memory");
    return u;
}

void vz_httpd_fault(struct vz_httpd *h, const char *path, enum vz_httpd_fault_kind kind,
                    int64_t arg, unsigned times)
{
    pthread_mutex_lock(&h->mu);
    struct path_rec *r = rec_get(h, path);
    r->kind = kind;
    r->arg = arg;
    r->limited = times > 0;
    r->times = times;
    pthread_mutex_unlock(&h->mu);
}

void vz_httpd_alt(struct vz_httpd *h, const char *path, const void *body, size_t len,
                  unsigned times)
{
    char *copy = malloc(len + 1);
    if (copy == NULL)
        die("out of memory");
    memcpy(copy, body, len);
    pthread_mutex_lock(&h->mu);
    struct path_rec *r = rec_get(h, path);
    free(r->alt);
    r->alt = copy;
    r->alt_len = len;
    r->kind = VZ_HTTPD_ALT;
    r->arg = 0;
    r->limited = times > 0;
    r->times = times;
    pthread_mutex_unlock(&h->mu);
}

void vz_httpd_redirect(struct vz_httpd *h, const char *path, const char *location, unsigned times)
{
    vz_httpd_alt(h, path, location, strlen(location) + 1, times);
    pthread_mutex_lock(&h->mu);
    rec_get(h, path)->kind = VZ_HTTPD_REDIRECT;
    pthread_mutex_unlock(&h->mu);
}

void vz_httpd_clear(struct vz_httpd *h, const char *path)
{
    pthread_mutex_lock(&h->mu);
    for (struct path_rec *r = h->recs; r; r = r->next)
        if (path == NULL || strcmp(r->path, path) == 0)
            r->kind = VZ_HTTPD_NONE;
    pthread_mutex_unlock(&h->mu);
}

unsigned vz_httpd_hits(struct vz_httpd *h, const char *path)
{
    pthread_mutex_lock(&h->mu);
    unsigned n = rec_get(h, path)->hits;
    pthread_mutex_unlock(&h->mu);
    return n;
}

unsigned vz_httpd_range_hits(struct vz_httpd *h, const char *path)
{
    pthread_mutex_lock(&h->mu);
    unsigned n = rec_get(h, path)->range_hits;
    pthread_mutex_unlock(&h->mu);
    return n;
}

int64_t vz_httpd_last_range_start(struct vz_httpd *h, const char *path)
{
    pthread_mutex_lock(&h->mu);
    int64_t n = rec_get(h, path)->last_range_start;
    pthread_mutex_unlock(&h->mu);
    return n;
}

unsigned vz_httpd_total_hits(struct vz_httpd *h)
{
    pthread_mutex_lock(&h->mu);
    unsigned n = h->total;
    pthread_mutex_unlock(&h->mu);
    return n;
}

unsigned vz_httpd_connections(struct vz_httpd *h)
{
    pthread_mutex_lock(&h->mu);
    unsigned n = h->nconn;
    pthread_mutex_unlock(&h->mu);
    return n;
}

char *vz_httpd_last_header(struct vz_httpd *h, const char *path, const char *name)
{
    char *v = NULL;
    pthread_mutex_lock(&h->mu);
    struct path_rec *r = rec_get(h, path);
    if (r->last_head) {
        if (strcmp(name, ":target") == 0) {
            char m[16], t[4096];
            if (sscanf(r->last_head, "%15s %4095s", m, t) == 2)
                v = xstrdup(t);
        } else {
            v = head_value(r->last_head, name);
        }
    }
    pthread_mutex_unlock(&h->mu);
    return v;
}
