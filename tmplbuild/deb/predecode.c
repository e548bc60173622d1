/* tmplbuild/deb/predecode.c: data.tar decompressed ahead (see predecode.h). */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/common.h"
#include "tmplbuild/deb/debimage.h"
#include "tmplbuild/deb/predecode.h"
#include "tmplbuild/deb/recode.h"

/* ---- the decoder process ---- */

/* A process, not a thread: the sandbox that runs the scripts meanwhile is
 * made with a raw clone(), whose child must not find a lock (malloc's, say)
 * held by another thread of ours. The decoder is forked while vzpkg has one
 * thread, writes each image into a memfd made beforehand, and reports each
 * package's end (its position in the order, and 1 for an image, 0 for none)
 * on a pipe. */

struct vz_predecode {
    size_t *order, n_order;
    char **recode;     /* per position: the original whose copy the decoder writes, or NULL */
    int *fd;           /* per position: the memfd of the image */
    signed char *got;  /* per position: -1 not reported, 0 none, 1 image */
    size_t reported;   /* positions reported so far */
    int pipe_r;
    pid_t pid;
};

struct report {
    uint32_t k;
    uint32_t ok;
};

static bool write_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n) {
        ssize_t w = write(fd, c, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        c += w;
        n -= (size_t)w;
    }
    return true;
}

static void decoder(const char *const *debs, const struct vz_predecode *p, int pipe_w,
                    size_t budget)
{
    size_t held = 0;
    for (size_t k = 0; k < p->n_order; k++) {
        size_t len = 0;
        const char *deb = debs[p->order[k]];
        void *img = held < budget ? vz_deb_image(deb, &len) : NULL;
        bool ok = img && write_all(p->fd[k], img, len);
        /* the package cache's copy, when this is its original: after the
         * image is handed over, so the install never waits for it */
        bool copy = ok && p->recode[k] != NULL;
        held += ok ? len : 0;
        struct report r = { (uint32_t)k, ok };
        bool reported = write_all(pipe_w, &r, sizeof(r));
        if (copy && img)
            vz_recode_write_part(deb, img, len, getppid());
        free(img);
        if (!reported)
            break;
    }
}

struct vz_predecode *vz_predecode_start(const char *const *debs, size_t n_debs,
                                        const size_t *order, size_t n_order, size_t budget,
                                        const char *const *recode)
{
    (void)n_debs;
    struct vz_predecode *p = vz_xcalloc(1, sizeof(*p));
    p->order = vz_xcalloc(n_order + 1, sizeof(size_t));
    memcpy(p->order, order, n_order * sizeof(size_t));
    p->n_order = n_order;
    p->fd = vz_xcalloc(n_order + 1, sizeof(int));
    p->got = vz_xcalloc(n_order + 1, 1);
    p->recode = vz_xcalloc(n_order + 1, sizeof(char *));
    for (size_t k = 0; recode && k < n_order; k++)
        if (strcmp(debs[order[k]], recode[order[k]]) == 0)
            p->recode[k] = vz_xstrdup(debs[order[k]]);
    p->pipe_r = -1;
    for (size_t k = 0; k < n_order; k++) {
        p->got[k] = -1;
        p->fd[k] = memfd_create("vz-predecode", MFD_CLOEXEC);
    }
    int pp[2] = { -1, -1 };
    if (pipe2(pp, O_CLOEXEC) < 0) {
        vz_predecode_stop(p);
        return NULL;
    }
    p->pipe_r = pp[0];
    pid_t parent = getpid();
    p->pid = fork();
    if (p->pid == 0) {
        close(pp[0]);
        /* dies with vzpkg; never outlives the install */
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) == 0 && getppid() == parent)
            decoder(debs, p, pp[1], budget);
        _exit(0);
    }
    close(pp[1]);
    if (p->pid < 0) {
        p->pid = 0;
        vz_predecode_stop(p);
        return NULL;
    }
    return p;
}

/* Read reports until position k's has come (or the decoder is gone). */
static void wait_for(struct vz_predecode *p, size_t k)
{
    while (p->got[k] < 0 && p->pipe_r >= 0) {
        struct report r;
        ssize_t n = read(p->pipe_r, &r, sizeof(r));
        if (n < 0 && errno == EINTR)
            continue;
        if (n != (ssize_t)sizeof(r) || r.k >= p->n_order) {
            close(p->pipe_r); /* the decoder is gone: the rest is read from the files */
            p->pipe_r = -1;
            for (size_t j = 0; j < p->n_order; j++)
                if (p->got[j] < 0)
                    p->got[j] = 0;
            return;
        }
        p->got[r.k] = r.ok ? 1 : 0;
    }
}

void *vz_predecode_take(struct vz_predecode *p, size_t i, size_t *len)
{
    size_t k = 0;
    while (k < p->n_order && p->order[k] != i)
        k++;
    if (k == p->n_order || p->fd[k] < 0)
        return NULL;
    wait_for(p, k);
    int fd = p->fd[k];
    p->fd[k] = -1;
    void *img = NULL;
    struct stat st;
    if (p->got[k] == 1 && fstat(fd, &st) == 0 && st.st_size > 0) {
        img = vz_xmalloc((size_t)st.st_size);
        if (pread(fd, img, (size_t)st.st_size, 0) == st.st_size)
            *len = (size_t)st.st_size;
        else {
            free(img);
            img = NULL;
        }
    }
    close(fd);
    return img;
}

void vz_predecode_stop(struct vz_predecode *p)
{
    if (!p)
        return;
    if (p->pid > 0) {
        kill(p->pid, SIGKILL);
        while (waitpid(p->pid, NULL, 0) < 0 && errno == EINTR)
            ;
        /* a copy it was writing when killed (recode.h) */
        for (size_t k = 0; k < p->n_order; k++)
            if (p->recode[k]) {
                cleanup_free char *part = vz_recode_part_path(p->recode[k], p->pid);
                unlink(part);
            }
    }
    for (size_t k = 0; k < p->n_order; k++)
        free(p->recode[k]);
    free(p->recode);
    if (p->pipe_r >= 0)
        close(p->pipe_r);
    for (size_t k = 0; k < p->n_order; k++)
        if (p->fd[k] >= 0)
            close(p->fd[k]);
    free(p->order);
    free(p->fd);
    free(p->got);
    free(p);
}
