/* common/proc.h: run a subprocess and wait for it.
 *
 * vz_run() forks and execs argv (PATH lookup), optionally feeding stdin from a
 * buffer and capturing stdout and/or stderr into buffers, and waits. It never
 * leaves the child behind: on any error the child is killed and reaped.
 * The exit status is returned through *status as a shell would report it
 * (0-255, or 128+signal).
 */
#ifndef VZ_COMMON_PROC_H
#define VZ_COMMON_PROC_H

#include <stddef.h>

#include "common/buf.h"
#include "common/error.h"

struct vz_run_opts {
    const char *cwd;          /* NULL: inherit */
    char *const *env;         /* NULL: inherit environ */
    const char *stdin_data;   /* NULL: /dev/null */
    size_t stdin_len;
    struct vz_buf *out;       /* NULL: inherit stdout */
    struct vz_buf *errbuf;    /* NULL: inherit stderr; may equal out (merged) */
    int quiet;                /* with out/errbuf NULL: send to /dev/null */
};

int vz_run(char *const argv[], const struct vz_run_opts *opts, int *status, vz_error_t *err);

/* Convenience: run, and fail with VZ_EFAIL naming argv[0], the exit code and
 * the captured stderr when the command does not exit 0. */
int vz_run_ok(char *const argv[], const struct vz_run_opts *opts, vz_error_t *err);

/* For callers that fork their own child (namespaces, pid 1 of its own):
 * read rfd to its end into out, close it, reap pid and set *status as
 * vz_run does. what names the child in the error. */
int vz_collect_child(int pid, int rfd, struct vz_buf *out, int *status, const char *what, vz_error_t *err);

/* A wait status as a shell reports it: the exit code, 128 + the signal that
 * killed it, 255 for anything else. */
int vz_shell_status(int ws);

/* Find an executable in PATH; NULL if absent. Allocated. */
char *vz_which(const char *prog);

#endif
