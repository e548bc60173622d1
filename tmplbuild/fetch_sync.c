/* tmplbuild/fetch_sync.c: the durability step of vz_fetch_many(), off the
 * transfer loop.
 *
 * A verified .part is handed over (with its open, locked descriptor) and a
 * worker thread makes it durable (fdatasync), gives it its final name
 * (rename) and closes it (releasing the lock), in the order received. The
 * transfers never wait for the disk; only the end of the call waits for the
 * last files. If the thread cannot be started, the work is done inline.
 */
#include "tmplbuild/fetch_int.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

struct sync_entry {
    int fd;
    const char *part, *dest, *label;
};

#define SYNC_WORKERS 4

struct vz_fetch_syncer {
    pthread_t th[SYNC_WORKERS];
    int n_th;
    bool started, closing, durable;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct sync_entry *q;
    size_t cap, head, tail;
    int failed;          /* first failure: errno, message below */
    char what[1024];
};

/* Returns 0, or errno with s->what set (the caller records the first). */
static int settle(const struct sync_entry *e, bool durable, char *what, size_t n)
{
    int r = 0;
    if (durable && fdatasync(e->fd) < 0) {
        r = errno;
        snprintf(what, n, "fetch %s: write %s", e->label, e->part);
    } else if (rename(e->part, e->dest) < 0) {
        r = errno;
        snprintf(what, n, "fetch %s: rename %s into place", e->label, e->dest);
    }
    close(e->fd); /* releases the lock; on failure the complete .part stays */
    return r;
}

static void record(struct vz_fetch_syncer *s, int e, const char *what)
{
    if (e && !s->failed) {
        s->failed = e;
        snprintf(s->what, sizeof(s->what), "%s", what);
    }
}

static void *worker(void *arg)
{
    struct vz_fetch_syncer *s = arg;
    char what[1024];
    pthread_mutex_lock(&s->mu);
    for (;;) {
        while (s->head == s->tail && !s->closing)
            pthread_cond_wait(&s->cv, &s->mu);
        if (s->head == s->tail)
            break;
        struct sync_entry e = s->q[s->head++];
        pthread_mutex_unlock(&s->mu);
        int r = settle(&e, s->durable, what, sizeof(what));
        pthread_mutex_lock(&s->mu);
        record(s, r, what);
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

struct vz_fetch_syncer *vz_fetch_syncer_new(size_t cap, bool durable)
{
    struct vz_fetch_syncer *s = vz_xcalloc(1, sizeof(*s));
    s->durable = durable;
    s->q = vz_xcalloc(cap ? cap : 1, sizeof(*s->q));
    s->cap = cap;
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    for (int i = 0; i < SYNC_WORKERS; i++)
        if (pthread_create(&s->th[s->n_th], NULL, worker, s) == 0)
            s->n_th++;
    s->started = s->n_th > 0;
    return s;
}

void vz_fetch_syncer_push(struct vz_fetch_syncer *s, int fd, const char *part, const char *dest,
                          const char *label)
{
    struct sync_entry e = { fd, part, dest, label };
    if (!s->started || s->tail == s->cap) {
        char what[1024];
        int r = settle(&e, s->durable, what, sizeof(what));
        pthread_mutex_lock(&s->mu);
        record(s, r, what);
        pthread_mutex_unlock(&s->mu);
        return;
    }
    pthread_mutex_lock(&s->mu);
    s->q[s->tail++] = e;
    pthread_cond_signal(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

int vz_fetch_syncer_failed(struct vz_fetch_syncer *s)
{
    pthread_mutex_lock(&s->mu);
    int f = s->failed;
    pthread_mutex_unlock(&s->mu);
    return f;
}

int vz_fetch_syncer_finish(struct vz_fetch_syncer *s, vz_error_t *err)
{
    if (s == NULL)
        return 0;
    if (s->started) {
        pthread_mutex_lock(&s->mu);
        s->closing = true;
        pthread_cond_broadcast(&s->cv);
        pthread_mutex_unlock(&s->mu);
        for (int i = 0; i < s->n_th; i++)
            pthread_join(s->th[i], NULL);
    }
    int ret = 0;
    if (s->failed)
        ret = vz_error_set(err, VZ_ESYSTEM, s->failed, "%s", s->what);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv);
    free(s->q);
    free(s);
    return ret;
}
