/* tests/lib/httpd.h: a small HTTP/1.1 server on 127.0.0.1 for hermetic tests.
 *
 *     struct vz_httpd *h = vz_httpd_start(dir);   // serves dir, ephemeral port
 *     char *url = vz_httpd_url(h, "/pool/a.deb"); // "http://127.0.0.1:PORT/pool/a.deb"
 *     vz_httpd_fault(h, "/pool/a.deb", VZ_HTTPD_STATUS, 500, 2); // first 2 GETs: 500
 *     ... fetch ...
 *     cr_assert_eq(vz_httpd_hits(h, "/pool/a.deb"), 3);
 *     vz_httpd_stop(h);
 *
 * What a test may rely on:
 * - It listens on 127.0.0.1 only, on an ephemeral port, and runs in threads of
 *   the calling process (one accept thread, one thread per connection, at most
 *   VZ_HTTPD_MAX_CONNS at once). A forked child can talk to it while the
 *   parent lives.
 * - HTTP/1.1 keep-alive, GET and HEAD, single byte ranges ("bytes=N-",
 *   "bytes=N-M": 206 with Content-Range; 416 when N is past the end),
 *   Last-Modified / If-Modified-Since (304). Absolute-form request targets
 *   ("GET http://host/path", as sent to a proxy) are served by their path, so
 *   the server doubles as an HTTP proxy for tests of proxy handling.
 * - Paths map onto the served directory; ".." is refused (403); a query
 *   string is ignored. Missing files are 404.
 * - Faults are per path (exact match of the URL path), one at a time; setting
 *   a fault replaces the previous one. `times` = 0 applies the fault to every
 *   request, N > 0 to the next N requests only (then the path serves normally).
 * - Every GET/HEAD is counted per path, faulted or not, before it is answered.
 * - Bounded: slowness and stalls are capped (VZ_HTTPD_MAX_STALL_S), idle
 *   keep-alive connections close after a few seconds, and the server stops by
 *   itself after VZ_HTTPD_LIFETIME_S even if a test forgets vz_httpd_stop().
 *
 * Functions abort the test (message on stderr, abort()) on setup failures:
 * a test without its server cannot do anything useful.
 */
#ifndef VZ_TESTS_HTTPD_H
#define VZ_TESTS_HTTPD_H

#include <stddef.h>
#include <stdint.h>

#define VZ_HTTPD_MAX_CONNS 64
#define VZ_HTTPD_MAX_STALL_S 20
#define VZ_HTTPD_LIFETIME_S 300

enum vz_httpd_fault_kind {
    VZ_HTTPD_NONE = 0,
    VZ_HTTPD_STATUS,   /* answer with HTTP status `arg` (404, 500, 503...) and a short body */
    VZ_HTTPD_DROP,     /* full headers, then `arg` body bytes, then close the connection */
    VZ_HTTPD_TRUNCATE, /* serve the first `arg` bytes as if they were the whole file */
    VZ_HTTPD_CORRUPT,  /* serve the file with the byte at offset `arg` flipped */
    VZ_HTTPD_SLOW,     /* sleep `arg` ms before each 1 KiB of body (capped in total) */
    VZ_HTTPD_STALL,    /* full headers, `arg` body bytes, then send nothing until the
                        * client gives up (or VZ_HTTPD_MAX_STALL_S) */
    VZ_HTTPD_ALT,      /* serve other content (vz_httpd_alt), e.g. a stale Release */
    VZ_HTTPD_NORANGE,  /* ignore Range headers: always 200 with the whole file */
    VZ_HTTPD_REDIRECT, /* answer 302 to the location given to vz_httpd_redirect() */
    VZ_HTTPD_DRIP,     /* 200 without Content-Length, then one space every `arg` ms, without
                        * end (until the client gives up, or VZ_HTTPD_MAX_STALL_S) */
    VZ_HTTPD_ENDLESS,  /* 200 without Content-Length, then spaces as fast as the client
                        * reads, without end (until it gives up, or `arg` bytes; 0 = 1 GiB) */
};

struct vz_httpd;

/* Serve directory root (copied). */
struct vz_httpd *vz_httpd_start(const char *root);
/* Stop: closes every connection, joins every thread, frees h. NULL-safe. */
void vz_httpd_stop(struct vz_httpd *h);

int vz_httpd_port(const struct vz_httpd *h);
/* "http://127.0.0.1:PORT" + path (path starts with '/'). Allocated. */
char *vz_httpd_url(const struct vz_httpd *h, const char *path);

/* Set the fault of path (see above). */
void vz_httpd_fault(struct vz_httpd *h, const char *path, enum vz_httpd_fault_kind kind,
                    int64_t arg, unsigned times);
/* Serve body (copied) instead of the file at path for the next `times`
 * requests (0 = always); the path need not exist on disk. */
void vz_httpd_alt(struct vz_httpd *h, const char *path, const void *body, size_t len,
                  unsigned times);
/* Answer 302 with Location: location (a path or a URL) for the next
 * `times` requests of path (0 = always). */
void vz_httpd_redirect(struct vz_httpd *h, const char *path, const char *location, unsigned times);
/* Remove the fault of path (NULL: of every path). Counters are kept. */
void vz_httpd_clear(struct vz_httpd *h, const char *path);

/* Requests (GET and HEAD) for path so far. */
unsigned vz_httpd_hits(struct vz_httpd *h, const char *path);
/* Of those, how many carried a Range header; and the start offset of the
 * last such Range (-1 if none). */
unsigned vz_httpd_range_hits(struct vz_httpd *h, const char *path);
int64_t vz_httpd_last_range_start(struct vz_httpd *h, const char *path);
/* Requests for every path together, and TCP connections accepted. */
unsigned vz_httpd_total_hits(struct vz_httpd *h);
unsigned vz_httpd_connections(struct vz_httpd *h);
/* Value of header `name` (case-insensitive) in the last request for path,
 * allocated, or NULL when absent. The request target as sent is available as
 * the pseudo header ":target". */
char *vz_httpd_last_header(struct vz_httpd *h, const char *path, const char *name);

#endif
