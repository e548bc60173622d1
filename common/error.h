/* common/error.h: the error contract of vzforge.
 *
 * Every function that can fail has the shape
 *
 *     int thing_do(..., vz_error_t *err);
 *
 * It returns a negative number on failure (by convention -1 or the negated
 * status) and then, and only then, has set *err to an allocated error object.
 * On success it returns >= 0 and leaves *err untouched. The caller either
 * handles the error (vz_error_release()) or passes it up, optionally adding
 * context with vz_error_wrap():
 *
 *     if (repo_fetch(r, err) < 0)
 *         return vz_error_wrap(err, "repository %s", r->name);
 *
 * which yields messages such as
 *     "repository main: fetch InRelease: HTTP 404"
 *
 * The status is one of enum vz_status; it is also the process exit code
 * (docs/exit-codes.md lists them). Numbers shared with OpenVZ's vzctl keep
 * vzctl's meaning. errno, when the cause was a system call, is kept apart so
 * that the message ends with strerror() exactly once.
 *
 * Library code never calls exit(): only cmd/ turns an error into an exit code.
 */
#ifndef VZ_COMMON_ERROR_H
#define VZ_COMMON_ERROR_H

#include <stdarg.h>

/* X-macro: name, exit code, short description (shown by docs and --help). */
#define VZ_STATUS_LIST(X)                                                     \
    X(VZ_OK,                 0,   "success")                                  \
    X(VZ_EFAIL,              1,   "operation failed")                         \
    X(VZ_EUSAGE,             2,   "invalid command line usage")               \
    X(VZ_ESYSTEM,            3,   "system error")                             \
    X(VZ_EEXEC,              8,   "command run by exec returned non-zero")    \
    X(VZ_ELOCKED,            9,   "locked by another vzforge process")        \
    X(VZ_ENOCONF,            10,  "global configuration vz.conf not found")   \
    X(VZ_EPERM,              12,  "permission denied")                        \
    X(VZ_ENOCTCONF,          14,  "container configuration not found")       \
    X(VZ_ETIMEOUT,           15,  "timed out")                                \
    X(VZ_ESYNTAX,            20,  "invalid command line parameter (vzctl)")   \
    X(VZ_EBADARG,            21,  "invalid value for a command line option")  \
    X(VZ_ENOOSTEMPLATE,      29,  "OS template not specified")                \
    X(VZ_ENOTRUNNING,        31,  "container not running")                   \
    X(VZ_ERUNNING,           32,  "container already running")               \
    X(VZ_ESTOP,              33,  "unable to stop container")                \
    X(VZ_EIPADD,             34,  "unable to add IP address to container")   \
    X(VZ_ENOTMOUNTED,        40,  "container not mounted")                   \
    X(VZ_EMOUNTED,           41,  "container already mounted")               \
    X(VZ_ENOPRIVATE,         43,  "container private area not found")        \
    X(VZ_EPRIVATEEXISTS,     44,  "container private area already exists")   \
    X(VZ_EBROKENCT,          47,  "broken container (no init or shell)")      \
    X(VZ_EBADIP,             71,  "invalid IP address (vzctl)")              \
    X(VZ_EBADDNS,            72,  "invalid DNS server address (vzctl)")      \
    X(VZ_EIPINUSE,           78,  "IP address already in use")               \
    X(VZ_ENOTEMPLATE,        91,  "OS template not found")                   \
    X(VZ_EDISABLED,          105, "container is disabled (DISABLED=yes)")        \
    X(VZ_EMETADATA,          201, "invalid template metadata")               \
    X(VZ_ESOLVER,            202, "package resolution failed")               \
    X(VZ_EFETCH,             203, "download failed")                         \
    X(VZ_EVERIFY,            204, "signature or checksum verification failed")\
    X(VZ_EBUILD,             205, "template build step failed")              \
    X(VZ_ECORRUPT,           206, "cache or archive corrupt or unsafe")   \
    X(VZ_EPARTIAL,           207, "some containers failed (start-all, stop-all)")

enum vz_status {
#define VZ_X(name, code, desc) name = code,
    VZ_STATUS_LIST(VZ_X)
#undef VZ_X
};

/* Exit code 2 of `vzpkg status` (updates available) is not an error. */
#define VZ_STATUS_UPDATES 2

struct vz_error {
    int status;   /* enum vz_status */
    int errnum;   /* errno of the failing system call, 0 if none */
    char *msg;    /* full message, outermost context first, never NULL */
};
typedef struct vz_error *vz_error_t;

/* Set *err and return -1. errnum 0 = no errno. An error already in *err is
 * released and replaced (never leaked); err NULL: nothing is recorded. */
int vz_error_set(vz_error_t *err, int status, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
int vz_error_vset(vz_error_t *err, int status, int errnum, const char *fmt, va_list ap);

/* Shorthand: status VZ_ESYSTEM with errno. */
#define vz_error_sys(err, ...) vz_error_set((err), VZ_ESYSTEM, errno, __VA_ARGS__)

/* Prefix "context: " to the message of *err (which must be set); return -1. */
int vz_error_wrap(vz_error_t *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Replace the status of a set error (for example a generic I/O failure that
 * the caller knows to be a verification failure); returns -1. */
int vz_error_restatus(vz_error_t *err, int status);

/* Free *err and set it to NULL. Safe on NULL. */
void vz_error_release(vz_error_t *err);

/* Print "PROG: error: MSG" to stderr and return the status (an exit code). */
int vz_error_report(const char *prog, vz_error_t *err);

/* Description of a status code, for docs and messages. */
const char *vz_status_str(int status);

#endif
