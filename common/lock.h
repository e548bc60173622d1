/* common/lock.h: advisory locks between vzforge processes that name their
 * holder. The one lock primitive: cache's template/tree/package-cache locks
 * (cache/lock.h) and vpscore's per-container lock (vz_ct_lock) are built on it.
 *
 * What a caller may rely on:
 *   - A lock is an flock() on a file; the kernel drops it when the holder
 *     dies, so a dead holder never blocks anyone.
 *   - The file is created mode 0600 and an older, wider mode is narrowed on
 *     the next acquire: flock needs only read access, so a file any user can
 *     open is a lock any user can hold forever.
 *   - An exclusive holder writes "PID COMMAND LINE\n" at the start of the
 *     file (padded over older text, never truncated first: an ftruncate
 *     costs a journal transaction on every vzctl command, measured up to
 *     7 ms under load); a shared holder writes it only into an empty file.
 *     The text is read only while someone holds the lock, to name them.
 *   - timeout_s: < 0 waits forever, 0 tries once, > 0 waits that many
 *     seconds. Failing to get the lock is VZ_ELOCKED (exit 9), the message
 *     naming the holder: "template X is locked by pid 1234 (vzpkg
 *     create-cache X)", then the request's hint when it only tried once.
 */
#ifndef VZ_COMMON_LOCK_H
#define VZ_COMMON_LOCK_H

#include <stdbool.h>

#include "common/error.h"
#include "common/cleanup.h"

struct vz_flock_req {
    const char *path;       /* created (and its directory) when missing */
    const char *what;       /* "container 101", for messages */
    bool shared;
    int timeout_s;
    const char *busy_hint;  /* after the message when timeout_s == 0;
                             * NULL: " (wait with --timeout SECONDS)" */
};

/* Take the lock; *fd holds it until closed (or the process ends). Not
 * re-entrant: a second take of a lock this process holds fails like a take
 * from another process (vzctl's container lock relies on that). */
int vz_flock_take(const struct vz_flock_req *r, int *fd, vz_error_t *err);

/* The bare flock of an open file that is no lock file of its own (a
 * download's .part, a directory, the start-all lock): nothing is created
 * and no holder text is written, so the file's contents are untouched.
 * wait false tries once. 0 when locked; 1 when another holds it (wait false
 * only); -1 with errno otherwise (EINTR: a signal ended the wait, so the
 * caller can see whether it was told to stop). Released by closing fd. */
int vz_flock_fd(int fd, bool shared, bool wait);

/* Re-entrant locks on $VZ_ROOT/vz/lock/FILE (WHAT for messages): acquiring
 * a lock this process already holds succeeds at once and counts; the flock
 * is dropped, and the holder text emptied, when the last vz_lock_release()
 * of it runs. (flock would otherwise make a process wait for itself, since
 * every open() is a new lock owner.) A forked child holds none of its
 * parent's locks. Asking exclusive for a lock held shared fails. */
struct vz_lock;
int vz_lock_acquire(const char *file, const char *what, bool shared, int timeout_s,
                    struct vz_lock **out, vz_error_t *err);
void vz_lock_release(struct vz_lock *l); /* NULL-safe */
#define cleanup_lock __attribute__((cleanup(vz_lock_releasep)))
void vz_lock_releasep(struct vz_lock **l);

/* Parse --timeout's value: seconds, >= 0. */
int vz_lock_parse_timeout(const char *s, int *out, vz_error_t *err);

#endif
