/* vpscore/relay.h: copy bytes between the caller's stdio and a command in a
 * container, so that the command never holds one of the caller's own file
 * descriptors (docs/runtime.md, "exec, exec2, enter"; docs/security-exec.md).
 *
 * What a caller may rely on:
 *   - Each stream copies src to dst in order, through one buffer of its
 *     own: two streams never mix their bytes, and a slow or full dst holds
 *     back only its own stream (the others go on).
 *   - Descriptors the relay "owns" (VZ_RELAY_OWN_SRC / _OWN_DST: the ends of
 *     pipes it made, the pty master) are switched to O_NONBLOCK and closed by
 *     it; the caller's own descriptors are never switched to non-blocking
 *     (their open file descriptions are shared with other processes, the
 *     caller's shell among them) and never closed.
 *   - End of input (src EOF) closes an owned dst (the command then reads
 *     EOF), or, with VZ_RELAY_EOT_AT_EOF, writes ^D to it (a pty in
 *     canonical mode). EPIPE or another error writing dst ends the stream and
 *     closes an owned src, so a command writing to a vzctl whose stdout was
 *     closed gets EPIPE/SIGPIPE as it would have writing there itself.
 *   - vz_relay_run() returns when the process behind pidfd has exited and
 *     every output stream is at EOF, or when it has exited and what it had
 *     written is drained (output a daemon it left behind writes later is
 *     not waited for: its pipe then has no reader). It never spins: it
 *     sleeps in ppoll() until a descriptor, the exit or a signal wakes it.
 *   - SIGPIPE is ignored while it runs; SIGWINCH copies the window size of
 *     winch_from to winch_to; the signal mask and dispositions are restored
 *     on return.
 */
#ifndef VZ_VPSCORE_RELAY_H
#define VZ_VPSCORE_RELAY_H

#include <signal.h>
#include <termios.h>

enum {
    VZ_RELAY_OWN_SRC = 1,    /* close src when done; made non-blocking */
    VZ_RELAY_OWN_DST = 2,    /* close dst when done; made non-blocking */
    VZ_RELAY_INPUT = 4,      /* caller -> command: dropped once the command exited */
    VZ_RELAY_EOT_AT_EOF = 8, /* at src EOF write ^D to dst instead of closing it */
    VZ_RELAY_GIVE_BACK = 16, /* input from a seekable src: see peek */
    VZ_RELAY_HANGUP = 32,    /* dst failing ends every stream (a pty whose terminal is gone) */
};

struct vz_relay_stream {
    int src, dst; /* dst -1: read and discard */
    unsigned flags;
    /* VZ_RELAY_GIVE_BACK: a read end of the pipe dst writes to (owned).
     * At the end src's offset is moved back over every byte the command
     * did not read (still buffered here or in the pipe), so that a
     * `while read ...; do vzctl exec ...; done < file` loop keeps its
     * lines, as it did when the command shared the caller's stdin. */
    int peek;
    /* private */
    char *buf;
    size_t len, off;
    int done;
};

struct vz_relay_opts {
    int pidfd;                          /* the process whose exit ends the relay */
    int winch_from, winch_to;           /* -1: no window size passing */
    const volatile sig_atomic_t *hangup; /* set by a signal handler: close every owned fd at once */
};

#define VZ_RELAY_MAX 8 /* streams per relay; more are ignored */

/* Run until the end described above. Returns 0, or -1 with errno when
 * ppoll itself failed. The streams' owned descriptors are all closed on
 * return. */
int vz_relay_run(struct vz_relay_stream *s, int n, const struct vz_relay_opts *o);

/* Put a terminal in raw mode; *saved gets its settings for vz_tty_restore.
 * Returns 0, or -1 when fd is not a terminal. */
int vz_tty_raw(int fd, struct termios *saved);
void vz_tty_restore(int fd, const struct termios *saved);

#endif
