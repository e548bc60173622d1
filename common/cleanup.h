/* common/cleanup.h: scope-bound cleanup, as crun does.
 *
 *     cleanup_free char *s = strdup(x);
 *     cleanup_close int fd = open(...);
 *     return get_and_reset(&s);     // hand ownership out; cleanup then no-ops
 *
 * cleanup_pid kills (SIGKILL) and reaps a child that was not handed out:
 * an error path never leaves a process behind.
 */
#ifndef VZ_COMMON_CLEANUP_H
#define VZ_COMMON_CLEANUP_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>

void vz_cleanup_freep(void *p);
void vz_cleanup_closep(int *fd);
void vz_cleanup_filep(FILE **f);
void vz_cleanup_dirp(DIR **d);
void vz_cleanup_pidp(pid_t *pid);
void vz_cleanup_strvp(char ***v);

#define cleanup_free  __attribute__((cleanup(vz_cleanup_freep)))
#define cleanup_close __attribute__((cleanup(vz_cleanup_closep)))
#define cleanup_file  __attribute__((cleanup(vz_cleanup_filep)))
#define cleanup_dir   __attribute__((cleanup(vz_cleanup_dirp)))
#define cleanup_pid   __attribute__((cleanup(vz_cleanup_pidp)))
#define cleanup_strv  __attribute__((cleanup(vz_cleanup_strvp)))

/* Return *p and set *p to its "empty" value (NULL or -1 for fds). */
#define get_and_reset(p)                                                      \
    __extension__({                                                           \
        __typeof__(*(p)) vz_tmp_ = *(p);                                      \
        *(p) = (__typeof__(*(p)))0;                                           \
        vz_tmp_;                                                              \
    })
static inline int get_and_reset_fd(int *fd)
{
    int r = *fd;
    *fd = -1;
    return r;
}

/* NULL-terminated string vectors. */
void vz_strv_free(char **v);
size_t vz_strv_len(char *const *v);
/* Append a copy of s; aborts on OOM. *v may be NULL. */
void vz_strv_push(char ***v, const char *s);
int vz_strv_contains(char *const *v, const char *s);
/* Whether s ends with suffix. */
int vz_str_ends_with(const char *s, const char *suffix);

/* Allocation that aborts on out-of-memory: a builder cannot do anything
 * sensible without memory, and every caller checking NULL hides real bugs. */
void *vz_xmalloc(size_t n);
void *vz_xcalloc(size_t n, size_t m);
void *vz_xrealloc(void *p, size_t n);
char *vz_xstrdup(const char *s);
char *vz_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
