/* vpscore/runtime.h: running containers: start, stop, status, exec, enter,
 * mount, umount, suspend, resume.
 *
 * What a caller may rely on:
 *   - A started container does not depend on the process that started it:
 *     its init is the grandchild of the caller, reparented to the host's
 *     init (or subreaper) as soon as vz_ct_start() returns.
 *   - $VZ_ROOT/vz/run/CTID.pid holds "PID STARTTIME\n": the host pid of the
 *     container's init and its start time in clock ticks since boot (field
 *     22 of /proc/PID/stat). vz_ct_init_pid() says "running" only when a
 *     live (not zombie) process with that pid has that start time, so a
 *     recycled pid never passes for the container.
 *   - The root is mounted on VE_ROOT in the host's mount namespace (overlay
 *     of VE_LOWERDIR + VE_PRIVATE/upper + VE_PRIVATE/work, or a bind mount of
 *     VE_PRIVATE for the plain layout), as OpenVZ shows it; the container's
 *     own mounts (/proc, /sys, /dev, ...) live only in its namespace. stop
 *     unmounts VE_ROOT when it is done.
 *   - Status codes (common/error.h): VZ_ENOCTCONF 14 no such container,
 *     VZ_ELOCKED 9, VZ_ERUNNING 32 already running, VZ_ENOTRUNNING 31,
 *     VZ_ENOPRIVATE 43 private area missing, VZ_EMOUNTED 41 / VZ_ENOTMOUNTED 40,
 *     VZ_ESTOP 33 could not stop, VZ_EBROKENCT 47 no init and no shell.
 *   - Every function takes the container's lock except status and exec/enter.
 */
#ifndef VZ_VPSCORE_RUNTIME_H
#define VZ_VPSCORE_RUNTIME_H

#include <sys/types.h>

#include "common/common.h"
#include "vpscore/ctconf.h"

/* 1 and *pid set when the container's init runs, 0 otherwise. */
int vz_ct_init_pid(const char *ctid, pid_t *pid);

struct vz_ct_state {
    int exists;    /* the private area exists */
    int mounted;   /* VE_ROOT is a mount point */
    int running;
    int suspended; /* running and frozen */
    pid_t pid;     /* init's host pid when running */
    /* running: its cgroup's memory events (vpscore/cgroup.h; -1: a count
     * the host does not keep, all -1 when it keeps none) */
    int64_t oom, oom_kill, mem_max;
};
/* VZ_EBADARG for a bad CTID; a CTID without conf is "deleted unmounted down". */
int vz_ct_status(const char *ctid, struct vz_ct_state *st, vz_error_t *err);
/* "CTID 101 exist mounted running" (allocated), as vzctl prints. */
char *vz_ct_status_line(const char *ctid, const struct vz_ct_state *st);

/* Mount VE_ROOT (VZ_EMOUNTED when it already is) / unmount it (VZ_ERUNNING
 * while the container runs, VZ_ENOTMOUNTED when it is not mounted). */
int vz_ct_mount(const char *ctid, vz_error_t *err);
int vz_ct_umount(const char *ctid, vz_error_t *err);
/* The same on a loaded container, without locking (start and stop use them). */
int vz_ct_mount_root(const struct vz_ct *ct, vz_error_t *err);
/* Undo vz_ct_mount_root: VE_ROOT, and the image layout's image (each a
 * no-op when not mounted). */
int vz_ct_umount_root(const struct vz_ct *ct, vz_error_t *err);

struct vz_start_opts {
    int no_network; /* skip the veth even when IP_ADDRESS is set (bench) */
};
int vz_ct_start(const char *ctid, const struct vz_start_opts *opts, vz_error_t *err);

/* fast: no clean shutdown, kill at once. Otherwise the init is asked to
 * shut down (the signal its kind understands) and given STOP_TIMEOUT
 * seconds (conf; default 60) before everything is killed. A container
 * whose init died on its own gets VZ_ENOTRUNNING, after what it left on the
 * host (cgroups, veth, root mount, pid file) was released. */
int vz_ct_stop(const char *ctid, int fast, vz_error_t *err);
/* vz_ct_stop (not fast), but the clean shutdown is given at most
 * max_wait_s seconds, less than STOP_TIMEOUT when that is longer (stop-all
 * keeps within its --timeout that way); 0 kills at once. */
int vz_ct_stop_within(const char *ctid, int max_wait_s, vz_error_t *err);

/* Whether exec/enter can join the container now: 0, or VZ_ENOCTCONF (no
 * such container), VZ_ENOTRUNNING ("container X is not running", or
 * "container X is suspended: run 'vzctl resume X' first": a process joining
 * a frozen container would stop, and its caller wait, until a resume).
 * vz_ct_exec and vz_ct_enter check the same before they join. */
int vz_ct_joinable(const char *ctid, vz_error_t *err);

/* Run argv inside the running container (all its namespaces, its user
 * namespace last when it has one of its own -- then as its root --, its
 * root, its cgroup, its capabilities); wait and return the exit status
 * through *status (0-255, 128+signal).
 * The command never gets a descriptor of the caller's: its stdin, stdout
 * and stderr are pipes the caller relays (stdout and stderr one pipe when
 * the caller's are the same file), or, when the caller's stdin is a
 * terminal whose foreground it has, a pty of the container's own devpts
 * for stdin and for each of stdout/stderr that is a terminal; the caller's
 * terminal is raw while it runs and restored after (vpscore/relay.h). A
 * closed or /dev/null stdin gives the command EOF at once. Output that a
 * process the command left behind writes after it exited is not waited
 * for. */
int vz_ct_exec(const char *ctid, char *const argv[], int *status, vz_error_t *err);

/* An interactive login shell on a new pty of the container's own devpts,
 * relayed by the caller to its stdin/stdout (raw mode while it runs when
 * stdin is a terminal; window size changes passed on). *status: the
 * shell's exit status. */
int vz_ct_enter(const char *ctid, int *status, vz_error_t *err);

/* Freeze / thaw every process of a running container (freezer cgroup). */
int vz_ct_suspend(const char *ctid, int frozen, vz_error_t *err);

#endif
