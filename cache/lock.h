/* cache/lock.h: advisory locks between vzforge processes.
 *
 * One lock per template ("template NAME": builds, landing, removal of that
 * template's cache) and one for the package cache ("package cache": shared
 * by builds, which only add files, exclusive for `vzpkg clean`). They are
 * flock()s on files under $VZ_ROOT/vz/lock/ (template-NAME.lock,
 * pkgcache.lock); the holder writes "PID COMMAND LINE\n" into the file so a
 * waiter can say who holds it. flock is released by the kernel when the
 * holder dies, so a dead holder never blocks anyone; its stale text is only
 * read while the lock is actually held by someone.
 *
 * Locks are re-entrant within a process: acquiring a lock this process
 * already holds succeeds at once and counts; the flock is dropped when the
 * last vz_lock_release() of it runs. (flock would otherwise make a process
 * wait for itself, since every open() is a new lock owner.)
 *
 * timeout_s: < 0 waits forever, 0 tries once, > 0 waits that many seconds.
 * Failing to get the lock is VZ_ELOCKED (exit 9), the message naming the
 * holder: "template X is locked by pid 1234 (vzpkg create-cache X)".
 */
#ifndef VZ_CACHE_LOCK_H
#define VZ_CACHE_LOCK_H

#include <stdbool.h>

#include "common/common.h"

struct vz_lock;

int vz_lock_template(const char *name, int timeout_s, struct vz_lock **out, vz_error_t *err);
int vz_lock_pkgcache(bool shared, int timeout_s, struct vz_lock **out, vz_error_t *err);
/* The shared read-only trees of template NAME (vz_template_path("unpacked")/
 * NAME-<sha256>, file tree-NAME.lock): `vzctl create` holds it shared from
 * before it unpacks or reuses the tree until the container's conf names it;
 * `vzpkg clean` takes it exclusive (timeout 0) before removing a tree and
 * keeps the trees of a template whose lock is busy. */
int vz_lock_tree(const char *name, bool shared, int timeout_s, struct vz_lock **out,
                 vz_error_t *err);
/* General form: file $VZ_ROOT/vz/lock/FILE, WHAT for messages. */
int vz_lock_acquire(const char *file, const char *what, bool shared, int timeout_s,
                    struct vz_lock **out, vz_error_t *err);
void vz_lock_release(struct vz_lock *l); /* NULL-safe */
#define cleanup_lock __attribute__((cleanup(vz_lock_releasep)))
void vz_lock_releasep(struct vz_lock **l);

/* Parse --timeout's value: seconds, >= 0. */
int vz_lock_parse_timeout(const char *s, int *out, vz_error_t *err);

#endif
