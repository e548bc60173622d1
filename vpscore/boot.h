/* vpscore/boot.h: start or stop every container of the host, as OpenVZ's
 * `vz` service did at boot and shutdown (vzctl start-all / stop-all).
 *
 * What a caller may rely on:
 *   - Order: OpenVZ's BOOTORDER key (an integer), higher first; containers
 *     without it (or with a value that is not an integer: warned) come last;
 *     ties by CTID as vzlist sorts. Containers with the same BOOTORDER form
 *     one wave and run in parallel (at most jobs at once); a wave begins
 *     only when the one before it has finished. Stop runs the waves in
 *     reverse: a container is stopped after those that started after it.
 *   - Start: every container that is not running, or with onboot only those
 *     with ONBOOT="yes". DISABLED="yes" containers are skipped (reported).
 *     A container that fails does not stop the others.
 *   - Stop: every running container (a suspended one is resumed first, so
 *     that it can shut down), each with vz_ct_stop()'s clean shutdown and
 *     kill after STOP_TIMEOUT; with a timeout, no container waits past the
 *     deadline (later ones are killed at once), so nothing is left running.
 *   - Each container is started or stopped in a child process of the caller
 *     (fork, then vz_ct_start/vz_ct_stop_within there): the runtime is not
 *     thread-safe, a crash in one container's start is reported as that
 *     container's failure, and each child takes that container's own lock.
 *     A container locked by another vzctl is retried for up to 30 s.
 *   - Runs exclude each other: start-all and stop-all hold
 *     $VZ_ROOT/vz/lock/_all.lck (no CTID can start with '_') for their
 *     whole run and wait for it, so two start-alls at once never both start
 *     a container: the second finds it running and skips it.
 *   - Events are delivered in the caller's process, in the order things
 *     happened (a wave's DONE events before the next wave's BEGIN).
 */
#ifndef VZ_VPSCORE_BOOT_H
#define VZ_VPSCORE_BOOT_H

#include <signal.h>

#include "common/common.h"

enum vz_boot_kind {
    VZ_BOOT_BEGIN, /* the container's start/stop was launched */
    VZ_BOOT_DONE,  /* it finished: status 0 (started/stopped) or the error's */
    VZ_BOOT_SKIP,  /* not touched; msg says why */
};

struct vz_boot_event {
    enum vz_boot_kind kind;
    const char *ctid;
    int has_order;   /* BOOTORDER set */
    long bootorder;
    int wave;        /* 1-based, in the order the waves run */
    int status;      /* DONE: 0 or an enum vz_status */
    const char *msg; /* DONE with status != 0: the error; SKIP: the reason */
};

struct vz_boot_opts {
    int onboot;  /* start: only ONBOOT="yes" containers */
    int jobs;    /* at most this many at once; <= 0: VE_PARALLEL of vz.conf, else 4 x CPUs */
    int timeout; /* stop: whole run's deadline in seconds; 0: each container's STOP_TIMEOUT */
    void (*event)(const struct vz_boot_event *ev, void *ud); /* may be NULL */
    void *ud;
    /* start: when it becomes non-zero (a signal handler sets it), no more
     * containers are launched; those running finish. May be NULL. */
    volatile sig_atomic_t *cancel;
};

/* Counts of one run. */
struct vz_boot_result {
    int done;    /* started / stopped */
    int failed;
    int skipped;
};

/* -1 with *err when nothing could be done (the container list, the lock);
 * else 0 and *res, also when some containers failed (res->failed). */
int vz_boot_start_all(const struct vz_boot_opts *o, struct vz_boot_result *res, vz_error_t *err);
int vz_boot_stop_all(const struct vz_boot_opts *o, struct vz_boot_result *res, vz_error_t *err);

#endif
