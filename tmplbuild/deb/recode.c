/* tmplbuild/deb/recode.c: the package cache's zstd copies (see recode.h). */
#include "tmplbuild/deb/recode.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/common.h"
#include "tmplbuild/deb/debimage.h"

/* zstd level 1: a copy is written once, on a core that idles anyway, and
 * read by every later build; decoding speed does not depend on the level,
 * and level 1 keeps the copy's writing well inside the configure stage. */
#define RECODE_LEVEL 1

static char *copy_path(const char *deb)
{
    return vz_xasprintf("%s%s", deb, VZ_PKGCACHE_RECODED);
}

char *vz_recode_pick(const char *deb)
{
    char *c = copy_path(deb);
    struct stat st;
    if (stat(c, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0)
        return c;
    free(c);
    return vz_xstrdup(deb);
}

struct vz_recoder {
    pid_t pid;
    char **todo; /* per package, its original when its copy was missing */
    size_t n;
};

char *vz_recode_part_path(const char *deb, pid_t pid)
{
    return vz_xasprintf("%s%s.%ld.part", deb, VZ_PKGCACHE_RECODED, (long)pid);
}

static char *part_path(const char *deb, pid_t pid)
{
    return vz_recode_part_path(deb, pid);
}

static bool write_part(const char *part, const void *data, size_t len, bool sync)
{
    int fd = open(part, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
    bool ok = fd >= 0;
    const char *p = data;
    for (size_t left = len; ok && left > 0;) {
        ssize_t w = write(fd, p, left);
        if (w < 0 && errno == EINTR)
            continue;
        ok = w > 0;
        p += ok ? w : 0;
        left -= ok ? (size_t)w : 0;
    }
    ok = ok && (!sync || fdatasync(fd) == 0);
    if (fd >= 0)
        ok = close(fd) == 0 && ok;
    if (!ok)
        unlink(part);
    return ok;
}

bool vz_recode_write_part(const char *deb, const void *image, size_t len, pid_t owner)
{
    size_t zl = 0;
    void *z = vz_deb_image_recode(image, len, RECODE_LEVEL, &zl);
    if (z == NULL)
        return false;
    /* written under this process's name, then given the owner's whole: a
     * writer killed halfway (the predecoder is) leaves only its own name */
    cleanup_free char *part = part_path(deb, getpid());
    bool ok = write_part(part, z, zl, false);
    free(z);
    if (ok && owner != getpid()) {
        cleanup_free char *theirs = part_path(deb, owner);
        ok = rename(part, theirs) == 0;
        if (!ok)
            unlink(part);
    }
    return ok;
}

/* A ".part" the install wrote (owner's pid): synced, then named. */
static bool settle_part(const char *deb, pid_t owner)
{
    cleanup_free char *part = part_path(deb, owner);
    cleanup_free char *final = copy_path(deb);
    int fd = open(part, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return false;
    bool ok = fdatasync(fd) == 0;
    ok = close(fd) == 0 && ok;
    ok = ok && rename(part, final) == 0;
    if (!ok)
        unlink(part);
    return ok;
}

/* One copy made from the file: decoded, re-encoded, written as a ".part",
 * synced, then renamed, so that a copy that exists is whole. */
static bool make_copy(const char *deb)
{
    size_t len = 0;
    void *img = vz_deb_image_as(deb, RECODE_LEVEL, &len);
    if (img == NULL)
        return false; /* not a well-formed package: reading it says why */
    cleanup_free char *part = part_path(deb, getpid());
    cleanup_free char *final = copy_path(deb);
    bool ok = write_part(part, img, len, true);
    free(img);
    ok = ok && rename(part, final) == 0;
    if (!ok)
        unlink(part);
    return ok;
}

struct vz_recoder *vz_recode_start(const char *const *debs, size_t n)
{
    /* only the missing ones */
    char **todo = vz_xcalloc(n + 1, sizeof(char *));
    size_t missing = 0;
    for (size_t i = 0; i < n; i++) {
        cleanup_free char *c = copy_path(debs[i]);
        if (access(c, F_OK) != 0) {
            todo[i] = vz_xstrdup(debs[i]);
            missing++;
        }
    }
    pid_t parent = getpid();
    pid_t pid = missing ? fork() : -1;
    if (pid == 0) {
        /* dies with vzpkg; a ".part" it leaves is for `vzpkg clean` */
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) == 0 && getppid() == parent) {
            /* first the copies the install wrote while unpacking (only a
             * sync and a rename each), then the others from their files */
            for (size_t i = 0; i < n; i++)
                if (todo[i] && settle_part(todo[i], parent))
                    todo[i] = NULL;
            for (size_t i = 0; i < n; i++)
                if (todo[i])
                    make_copy(todo[i]);
        }
        _exit(0);
    }
    if (pid < 0) {
        for (size_t i = 0; i < n; i++)
            free(todo[i]);
        free(todo);
        return NULL;
    }
    struct vz_recoder *r = vz_xcalloc(1, sizeof(*r));
    r->pid = pid;
    r->todo = todo;
    r->n = n;
    vz_debug("recoding %zu packages to zstd in process %ld", missing, (long)pid);
    return r;
}

void vz_recode_finish(struct vz_recoder *r, bool wait_all)
{
    if (!r)
        return;
    /* what it finished is in place; the copy it was making is dropped */
    if (!wait_all)
        kill(r->pid, SIGKILL);
    while (waitpid(r->pid, NULL, 0) < 0 && errno == EINTR)
        ;
    size_t made = 0;
    for (size_t i = 0; i < r->n; i++) {
        if (!r->todo[i])
            continue;
        cleanup_free char *part = part_path(r->todo[i], r->pid);
        unlink(part);
        cleanup_free char *ours = part_path(r->todo[i], getpid());
        unlink(ours);
        cleanup_free char *c = copy_path(r->todo[i]);
        made += access(c, F_OK) == 0;
        free(r->todo[i]);
    }
    vz_debug("recoded packages to zstd: %zu in place", made);
    free(r->todo);
    free(r);
}

void vz_recode_forget(const char *const *debs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        cleanup_free char *part = part_path(debs[i], getpid());
        unlink(part);
    }
}

void vz_recode_drop(const char *const *debs, size_t n, const char *msg)
{
    /* the copy the message names, or every copy when it names none */
    bool named = false;
    for (size_t i = 0; i < n && msg; i++)
        named = named || (vz_str_ends_with(debs[i], VZ_PKGCACHE_RECODED) && strstr(msg, debs[i]));
    for (size_t i = 0; i < n; i++) {
        if (!vz_str_ends_with(debs[i], VZ_PKGCACHE_RECODED) || (named && !strstr(msg, debs[i])))
            continue;
        if (unlink(debs[i]) == 0)
            vz_warn("removed %s: the install failed while reading it; the next build reads the "
                    "original package",
                    debs[i]);
    }
}
