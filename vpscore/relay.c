/* vpscore/relay.c: the stdio relay of exec and enter (vpscore/relay.h).
 *
 * One buffer per stream, read only when empty: a stream never reorders its
 * bytes, and a stalled destination stalls only its own stream. The caller's
 * descriptors stay blocking (they are shared with its shell), so a write
 * to them is only attempted once ppoll said it can make progress; our own
 * pipe ends and the pty master are non-blocking, so a command that does not
 * read its stdin never stops us draining its output. */
#include "vpscore/relay.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define RELAY_BUF 65536

static volatile sig_atomic_t got_winch;
static void on_winch(int sig)
{
    (void)sig;
    got_winch = 1;
}

static void set_nonblock(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0 && !(fl & O_NONBLOCK))
        fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

static void close_owned(struct vz_relay_stream *s)
{
    if ((s->flags & VZ_RELAY_OWN_SRC) && s->src >= 0)
        close(s->src);
    if ((s->flags & VZ_RELAY_OWN_DST) && s->dst >= 0)
        close(s->dst);
    if (s->flags & VZ_RELAY_OWN_SRC)
        s->src = -1;
    if (s->flags & VZ_RELAY_OWN_DST)
        s->dst = -1;
}

static void finish(struct vz_relay_stream *s)
{
    s->done = 1;
    s->len = s->off = 0;
    close_owned(s);
}

/* src reached its end: tell the other side. */
static void at_eof(struct vz_relay_stream *s)
{
    if ((s->flags & VZ_RELAY_EOT_AT_EOF) && s->dst >= 0) {
        ssize_t w = write(s->dst, "\004", 1);
        (void)w;
    }
    finish(s);
}

static int hung_up; /* a VZ_RELAY_HANGUP stream lost its dst */

/* One write attempt. 0 on progress or "later", -1 when dst is gone. */
static int flush_once(struct vz_relay_stream *s)
{
    if (s->dst < 0) {
        s->len = s->off = 0;
        return 0;
    }
    ssize_t w = write(s->dst, s->buf + s->off, s->len - s->off);
    if (w < 0) {
        if (errno == EAGAIN || errno == EINTR)
            return 0;
        if (s->flags & VZ_RELAY_HANGUP)
            hung_up = 1;
        finish(s); /* EPIPE, EIO: the reader is gone; closing src passes it on */
        return -1;
    }
    s->off += (size_t)w;
    if (s->off == s->len)
        s->len = s->off = 0;
    return 0;
}

static void read_once(struct vz_relay_stream *s)
{
    ssize_t r = read(s->src, s->buf, RELAY_BUF);
    if (r > 0) {
        s->len = (size_t)r;
        s->off = 0;
        flush_once(s);
    } else if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
        at_eof(s); /* EIO from a pty master: every slave descriptor is closed */
    }
}

/* Write out s->buf whatever it takes (the command has exited: nothing
 * else needs us any more). */
static void flush_all(struct vz_relay_stream *s)
{
    while (!s->done && s->len > 0) {
        if (flush_once(s) < 0)
            return;
        if (s->len > 0) {
            struct pollfd p = { s->dst, POLLOUT, 0 };
            if (poll(&p, 1, -1) < 0 && errno != EINTR)
                return finish(s);
        }
    }
}

/* After the exit: copy what the command had written before it exited (what
 * the pipe or pty held then), not what a process it left behind writes
 * later, which could go on forever. */
static void drain(struct vz_relay_stream *s)
{
    if (s->done)
        return;
    if (s->flags & VZ_RELAY_INPUT)
        return finish(s);
    flush_all(s);
    int avail = 0;
    if (!s->done && ioctl(s->src, FIONREAD, &avail) < 0)
        avail = 0;
    while (!s->done && avail > 0) {
        ssize_t r = read(s->src, s->buf, avail < RELAY_BUF ? (size_t)avail : RELAY_BUF);
        if (r <= 0)
            break;
        avail -= (int)r;
        s->len = (size_t)r;
        s->off = 0;
        flush_all(s);
    }
    finish(s);
}

/* The command is gone: what it did not read of a seekable stdin goes back. */
static void give_back(struct vz_relay_stream *s)
{
    int inpipe = 0;
    if (ioctl(s->peek, FIONREAD, &inpipe) < 0)
        inpipe = 0;
    off_t n = (off_t)(s->len - s->off) + inpipe;
    if (n > 0)
        lseek(s->src, -n, SEEK_CUR);
    close(s->peek);
    s->peek = -1;
}

static void pass_winsize(const struct vz_relay_opts *o)
{
    struct winsize ws;
    if (o->winch_from >= 0 && o->winch_to >= 0 && ioctl(o->winch_from, TIOCGWINSZ, &ws) == 0)
        ioctl(o->winch_to, TIOCSWINSZ, &ws);
}

int vz_relay_run(struct vz_relay_stream *s, int n, const struct vz_relay_opts *o)
{
    /* TERM and HUP (whose handlers the caller set) and WINCH are only let
     * in while we sleep in ppoll: none is lost between a check and the sleep. */
    sigset_t block, old, waitmask;
    sigemptyset(&block);
    sigaddset(&block, SIGWINCH);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGHUP);
    sigprocmask(SIG_BLOCK, &block, &old);
    waitmask = old;
    sigdelset(&waitmask, SIGWINCH);
    sigdelset(&waitmask, SIGTERM);
    sigdelset(&waitmask, SIGHUP);
    struct sigaction ign = { .sa_handler = SIG_IGN }, winch = { .sa_handler = on_winch }, old_pipe, old_winch;
    sigaction(SIGPIPE, &ign, &old_pipe);
    sigaction(SIGWINCH, &winch, &old_winch);
    got_winch = 0;
    hung_up = 0;

    if (n > VZ_RELAY_MAX)
        n = VZ_RELAY_MAX;
    char *bufs = malloc((size_t)n * RELAY_BUF);
    for (int i = 0; i < n; i++) {
        s[i].buf = bufs ? bufs + (size_t)i * RELAY_BUF : NULL;
        s[i].len = s[i].off = 0;
        s[i].done = 0;
        if (!bufs) { /* no relay: the command gets EOF and EPIPE rather than wait */
            finish(&s[i]);
            continue;
        }
        if ((s[i].flags & VZ_RELAY_OWN_SRC) && s[i].src >= 0)
            set_nonblock(s[i].src);
        if ((s[i].flags & VZ_RELAY_OWN_DST) && s[i].dst >= 0)
            set_nonblock(s[i].dst);
        if (s[i].src < 0)
            at_eof(&s[i]);
    }
    struct pollfd p[VZ_RELAY_MAX + 1];
    int who[VZ_RELAY_MAX + 1], rc = 0, exited = 0, hung = 0;
    while (!exited) {
        if (((o->hangup && *o->hangup) || hung_up) && !hung) {
            hung = 1; /* closing the pty master hangs up the session inside */
            for (int i = 0; i < n; i++)
                finish(&s[i]);
        }
        if (got_winch) {
            got_winch = 0;
            if (!hung)
                pass_winsize(o);
        }
        int np = 0;
        for (int i = 0; i < n; i++) {
            if (s[i].done)
                continue;
            if (s[i].len == 0)
                p[np] = (struct pollfd){ s[i].src, POLLIN, 0 };
            else
                p[np] = (struct pollfd){ s[i].dst, POLLOUT, 0 };
            who[np++] = i;
        }
        p[np] = (struct pollfd){ o->pidfd, POLLIN, 0 };
        who[np++] = -1;
        if (ppoll(p, (nfds_t)np, NULL, &waitmask) < 0) {
            if (errno == EINTR)
                continue;
            rc = -1;
            break;
        }
        for (int k = 0; k < np; k++) {
            if (!p[k].revents)
                continue;
            if (who[k] < 0) {
                exited = 1;
                continue;
            }
            struct vz_relay_stream *t = &s[who[k]];
            if (t->done)
                continue;
            if (p[k].events == POLLIN)
                read_once(t);
            else
                flush_once(t);
        }
    }
    int e = errno;
    for (int i = 0; i < n; i++) {
        if ((s[i].flags & VZ_RELAY_GIVE_BACK) && s[i].peek >= 0)
            give_back(&s[i]);
        drain(&s[i]);
    }
    free(bufs);
    sigaction(SIGPIPE, &old_pipe, NULL);
    sigaction(SIGWINCH, &old_winch, NULL);
    sigprocmask(SIG_SETMASK, &old, NULL);
    errno = e;
    return rc;
}

int vz_tty_raw(int fd, struct termios *saved)
{
    if (!isatty(fd) || tcgetattr(fd, saved) < 0)
        return -1;
    struct termios t = *saved;
    cfmakeraw(&t);
    return tcsetattr(fd, TCSANOW, &t);
}

void vz_tty_restore(int fd, const struct termios *saved)
{
    /* TCSADRAIN: what is still queued is written with the raw settings it
     * was meant for. */
    tcsetattr(fd, TCSADRAIN, saved);
}
