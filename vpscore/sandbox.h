/* vpscore/sandbox.h: run one command with a directory as its root, isolated.
 *
 * The builder runs maintainer scripts and template hooks this way; container
 * start uses the same namespace/mount code (vpscore/ns.c, vpscore/mount.c).
 *
 * The command runs in new mount, pid, uts, ipc and network namespaces (the
 * network namespace has only a down loopback: no network), with opts->root as
 * "/" (pivot_root), a fresh /proc, /sys read-only, a minimal /dev (null, zero,
 * full, random, urandom, tty, ptmx + devpts, shm) and /tmp as given by the
 * root. Everything mounted is gone when the command exits (it all lives in
 * the private mount namespace), and every process of the sandbox is killed
 * when the command exits (it is pid 1 of its namespace) or when the caller
 * dies (PR_SET_PDEATHSIG). Pid 1's root is the sandbox's /dev, not the
 * command's "/": the command sees a chroot (ischroot), as in a chroot build.
 *
 * The command starts with umask VZ_SANDBOX_UMASK (022), whatever the
 * caller's umask is at the moment of the call: dpkg sets 022 before it runs
 * a maintainer script, and what a script creates ("cat > /etc/group") must
 * get the same mode on every build, whoever runs the builder and whatever
 * another of its threads is doing (libarchive's archive_write_disk sets the
 * process umask to 0 for a moment on every header; docs/building.md).
 */
#ifndef VZ_VPSCORE_SANDBOX_H
#define VZ_VPSCORE_SANDBOX_H

#include "common/common.h"

/* The umask the command starts with. */
#define VZ_SANDBOX_UMASK 022

struct vz_sandbox_opts {
    const char *root;       /* directory that becomes "/" */
    char *const *argv;      /* command, resolved inside the root */
    char *const *env;       /* complete environment; NULL = a minimal PATH/HOME/TERM set */
    const char *cwd;        /* inside the root; NULL = "/" */
    const char *hostname;   /* NULL = "vzforge-build" */
    struct vz_buf *out;     /* capture stdout and stderr merged; NULL = inherit */
    const char *stdin_data; /* NULL = /dev/null */
    size_t stdin_len;
};

/* Run and wait. *status is the command's exit status (0-255, 128+signal). */
int vz_sandbox_run(const struct vz_sandbox_opts *opts, int *status, vz_error_t *err);

#endif
