/* tmplbuild/deb/index_stream.c: decode an index on its own thread (see index_stream.h). */
#include "tmplbuild/deb/index_stream.h"

#include <archive.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define BLOCK (1 << 16)
#define INFLIGHT (1 << 20)

struct vz_index_stream {
    char *path;
    struct archive *a;
    vz_index_feed_fn feed;
    void *ctx;
    int wfd;          /* the decoder thread's end of the socket pair, -1 when unthreaded */
    pthread_t thread;
    bool threaded;
    char *errmsg;     /* why decoding stopped early; written by the decoder only */
};

/* One block of decoded text, n >= 0; -1 (errmsg set) on a decoding error. */
static ssize_t decode_block(struct vz_index_stream *s, char *buf, size_t size)
{
    la_ssize_t n = archive_read_data(s->a, buf, size);
    if (n < 0) {
        if (s->errmsg == NULL)
            s->errmsg = vz_xstrdup(archive_error_string(s->a) ? archive_error_string(s->a)
                                                              : "decompression failed");
        return -1;
    }
    if (n > 0 && s->feed)
        s->feed(s->ctx, buf, (size_t)n);
    return n;
}

static void *decoder(void *arg)
{
    struct vz_index_stream *s = arg;
    char *buf = vz_xmalloc(BLOCK);
    ssize_t n;
    while ((n = decode_block(s, buf, BLOCK)) > 0) {
        for (ssize_t off = 0; off < n;) {
            /* MSG_NOSIGNAL: a reader that stopped early (closed its end)
             * ends the decoding with EPIPE, not the process with SIGPIPE */
            ssize_t w = send(s->wfd, buf + off, (size_t)(n - off), MSG_NOSIGNAL);
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0)
                goto out;
            off += w;
        }
    }
out:
    close(s->wfd); /* the reader sees the end of the text */
    s->wfd = -1;
    free(buf);
    return NULL;
}

/* The unthreaded way: decode as the reader reads (fopencookie). */
static ssize_t cookie_read(void *cookie, char *buf, size_t size)
{
    ssize_t n = decode_block(cookie, buf, size);
    if (n < 0)
        errno = EIO;
    return n;
}

static void stream_free(struct vz_index_stream *s)
{
    if (s->a)
        archive_read_free(s->a);
    free(s->errmsg);
    free(s->path);
    free(s);
}

static bool start_thread(struct vz_index_stream *s, FILE **f)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
        return false;
    *f = fdopen(sv[0], "r");
    if (*f == NULL) {
        close(sv[0]);
        close(sv[1]);
        return false;
    }
    /* room for about 1 MB in flight and big reads: on a loaded machine
     * every hand-off that blocks waits for the scheduler, so few of them */
    int sz = INFLIGHT;
    (void)setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
    (void)setsockopt(sv[0], SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
    (void)setvbuf(*f, NULL, _IOFBF, BLOCK * 4);
    s->wfd = sv[1];
    if (pthread_create(&s->thread, NULL, decoder, s) != 0) {
        fclose(*f);
        close(sv[1]);
        s->wfd = -1;
        *f = NULL;
        return false;
    }
    s->threaded = true;
    return true;
}

int vz_index_stream_open(const char *path, vz_index_feed_fn feed, void *ctx,
                         struct vz_index_stream **out, FILE **f, vz_error_t *err)
{
    struct vz_index_stream *s = vz_xcalloc(1, sizeof(*s));
    s->path = vz_xstrdup(path);
    s->feed = feed;
    s->ctx = ctx;
    s->wfd = -1;
    s->a = archive_read_new();
    archive_read_support_filter_all(s->a);
    archive_read_support_format_raw(s->a);
    /* An index with no stanza at all is valid and common: a pocket before its
     * first update (Ubuntu's -updates and -security on release day), a
     * component empty for one architecture. The raw format refuses an empty
     * stream, the empty format takes it and reports the end at once. */
    archive_read_support_format_empty(s->a);
    struct archive_entry *ae;
    int hr = ARCHIVE_FATAL;
    if (archive_read_open_filename(s->a, path, BLOCK) != ARCHIVE_OK ||
        ((hr = archive_read_next_header(s->a, &ae)) != ARCHIVE_OK && hr != ARCHIVE_EOF)) {
        vz_error_set(err, VZ_ECORRUPT, 0, "%s: %s", path, archive_error_string(s->a));
        stream_free(s);
        return -1;
    }
    if (hr == ARCHIVE_EOF) { /* nothing to decode: libsolv reads an empty file */
        *f = fopen("/dev/null", "re");
        if (*f == NULL) {
            vz_error_sys(err, "open /dev/null");
            stream_free(s);
            return -1;
        }
        *out = s;
        return 0;
    }
    *f = NULL;
    if (!start_thread(s, f)) {
        vz_debug("%s: decoding on the reader's thread (%s)", path, strerror(errno));
        *f = fopencookie(s, "r", (cookie_io_functions_t){ .read = cookie_read });
        if (*f == NULL) {
            vz_error_sys(err, "fopencookie");
            stream_free(s);
            return -1;
        }
    }
    *out = s;
    return 0;
}

int vz_index_stream_close(struct vz_index_stream *s, FILE *f, vz_error_t *err)
{
    fclose(f);
    if (s->threaded)
        pthread_join(s->thread, NULL);
    int r = 0;
    if (s->errmsg)
        r = vz_error_set(err, VZ_ECORRUPT, 0, "%s: %s", s->path, s->errmsg);
    stream_free(s);
    return r;
}
