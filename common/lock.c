/* common/lock.c: flock-based locks that say who holds them. */
#include "common/lock.h"
#include "common/buf.h"
#include "common/fs.h"
#include "common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct vz_lock {
    char *path;
    char *what;
    int fd;
    int refs;
    bool shared;
    pid_t pid;      /* a forked child does not hold its parent's locks */
    struct vz_lock *next;
};

/* Locks this process holds (re-entrancy). A builder is single-threaded
 * where it takes locks. */
static struct vz_lock *held;

/* "pid cmdline" of this process, for the lock file. */
static char *self_desc(void)
{
    struct vz_buf b = VZ_BUF_INIT;
    vz_buf_init(&b);
    vz_buf_addf(&b, "%ld", (long)getpid());
    cleanup_free char *cmd = NULL;
    size_t len = 0;
    vz_error_t e = NULL;
    if (vz_read_file("/proc/self/cmdline", &cmd, &len, &e) == 0 && len) {
        for (size_t i = 0; i + 1 < len; i++)
            if (cmd[i] == '\0')
                cmd[i] = ' ';
        /* program name without its directory */
        char *sp = strchr(cmd, ' ');
        char *slash = memrchr(cmd, '/', sp ? (size_t)(sp - cmd) : strlen(cmd));
        vz_buf_addc(&b, ' ');
        vz_buf_adds(&b, slash ? slash + 1 : cmd);
    }
    vz_error_release(&e);
    vz_buf_addc(&b, '\n');
    return vz_buf_detach(&b, NULL);
}

/* "pid 1234 (vzpkg create-cache X)" from the lock file, or "another process". */
static char *holder_desc(int fd)
{
    char buf[512];
    ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
    if (n <= 0)
        return vz_xstrdup("another process");
    buf[n] = '\0';
    char *nl = strchr(buf, '\n');
    if (nl)
        *nl = '\0';
    /* padding, or the "PID        " an older vzctl wrote */
    for (size_t len = strlen(buf); len && buf[len - 1] == ' '; len--)
        buf[len - 1] = '\0';
    if (!buf[0])
        return vz_xstrdup("another process");
    char *sp = strchr(buf, ' ');
    if (!sp)
        return vz_xasprintf("pid %s", buf);
    *sp = '\0';
    return vz_xasprintf("pid %s (%s)", buf, sp + 1);
}

/* Names this process in the file: padded with spaces over what an earlier
 * holder wrote, so no ftruncate is needed. */
static void record_holder(int fd, const char *path, bool shared)
{
    struct stat st;
    if (fstat(fd, &st) < 0)
        return;
    if (st.st_mode & 077)
        if (fchmod(fd, 0600) < 0)
            vz_debug("chmod %s: %s", path, strerror(errno));
    if (shared && st.st_size > 0)
        return; /* keeps naming a live holder as often as possible */
    cleanup_free char *me = self_desc();
    size_t len = strlen(me);
    if ((size_t)st.st_size > len && st.st_size <= 4096) {
        size_t size = (size_t)st.st_size;
        me = vz_xrealloc(me, size);
        memset(me + len, ' ', size - len);
        len = size;
    } else if ((size_t)st.st_size > len && ftruncate(fd, 0) < 0) {
        vz_debug("truncate %s: %s", path, strerror(errno));
    }
    if (pwrite(fd, me, len, 0) < 0)
        vz_debug("cannot record holder in %s: %s", path, strerror(errno));
}

int vz_flock_fd(int fd, bool shared, bool wait)
{
    if (flock(fd, (shared ? LOCK_SH : LOCK_EX) | (wait ? 0 : LOCK_NB)) == 0)
        return 0;
    return !wait && errno == EWOULDBLOCK ? 1 : -1;
}

int vz_flock_take(const struct vz_flock_req *r, int *fd, vz_error_t *err)
{
    cleanup_close int f = open(r->path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (f < 0 && errno == ENOENT) {
        cleanup_free char *dir = vz_xstrdup(r->path);
        char *slash = strrchr(dir, '/');
        if (slash && slash != dir) {
            *slash = '\0';
            if (vz_mkdir_p(dir, 0755, err) < 0)
                return vz_error_wrap(err, "lock directory");
        }
        f = open(r->path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    }
    if (f < 0)
        return vz_error_sys(err, "open lock file %s", r->path);
    int op = (r->shared ? LOCK_SH : LOCK_EX) | LOCK_NB;
    double deadline = vz_now() + (r->timeout_s > 0 ? r->timeout_s : 0);
    bool told = false;
    for (;;) {
        if (flock(f, op) == 0)
            break;
        if (errno != EWOULDBLOCK && errno != EINTR)
            return vz_error_sys(err, "lock %s", r->path);
        if (r->timeout_s >= 0 && vz_now() >= deadline) {
            cleanup_free char *who = holder_desc(f);
            if (r->timeout_s == 0)
                return vz_error_set(err, VZ_ELOCKED, 0, "%s is locked by %s%s", r->what, who,
                                    r->busy_hint ? r->busy_hint : " (wait with --timeout SECONDS)");
            return vz_error_set(err, VZ_ELOCKED, 0,
                                "%s is locked by %s; gave up after %d s (--timeout)", r->what, who,
                                r->timeout_s);
        }
        if (!told) {
            cleanup_free char *who = holder_desc(f);
            vz_info("waiting for %s, locked by %s", r->what, who);
            told = true;
        }
        struct timespec ts = { 0, 50 * 1000 * 1000 };
        nanosleep(&ts, NULL);
    }
    record_holder(f, r->path, r->shared);
    *fd = get_and_reset_fd(&f);
    return 0;
}

int vz_lock_acquire(const char *file, const char *what, bool shared, int timeout_s,
                    struct vz_lock **out, vz_error_t *err)
{
    cleanup_free char *dir = vz_root_path("/vz/lock");
    cleanup_free char *path = vz_path_join(dir, file);
    for (struct vz_lock *l = held; l; l = l->next)
        if (l->pid == getpid() && strcmp(l->path, path) == 0) {
            if (l->shared && !shared)
                return vz_error_set(err, VZ_EFAIL, 0,
                                    "%s: this process holds it shared and asks for it exclusive",
                                    what);
            l->refs++;
            *out = l;
            return 0;
        }
    struct vz_flock_req req = { path, what, shared, timeout_s, NULL };
    int fd = -1;
    if (vz_flock_take(&req, &fd, err) < 0)
        return -1;
    struct vz_lock *l = vz_xcalloc(1, sizeof(*l));
    l->path = get_and_reset(&path);
    l->what = vz_xstrdup(what);
    l->fd = fd;
    l->refs = 1;
    l->shared = shared;
    l->pid = getpid();
    l->next = held;
    held = l;
    *out = l;
    return 0;
}

void vz_lock_release(struct vz_lock *l)
{
    if (!l || --l->refs > 0)
        return;
    for (struct vz_lock **p = &held; *p; p = &(*p)->next)
        if (*p == l) {
            *p = l->next;
            break;
        }
    if (!l->shared) {
        /* empty the text before unlocking: nobody should be named after us */
        if (ftruncate(l->fd, 0) < 0)
            vz_debug("truncate %s: %s", l->path, strerror(errno));
    }
    close(l->fd); /* drops the flock */
    free(l->path);
    free(l->what);
    free(l);
}

void vz_lock_releasep(struct vz_lock **l)
{
    vz_lock_release(*l);
    *l = NULL;
}

int vz_lock_parse_timeout(const char *s, int *out, vz_error_t *err)
{
    char *end = NULL;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || !end || *end || end == s || v < 0 || v > 86400 * 7)
        return vz_error_set(err, VZ_EBADARG, 0,
                            "--timeout '%s': expected a number of seconds (0 to 604800)", s);
    *out = (int)v;
    return 0;
}
