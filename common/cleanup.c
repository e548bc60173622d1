#include "common/cleanup.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

void vz_cleanup_freep(void *p)
{
    free(*(void **)p);
}

void vz_cleanup_closep(int *fd)
{
    if (*fd >= 0) {
        int saved = errno;
        close(*fd);
        errno = saved;
    }
}

void vz_cleanup_filep(FILE **f)
{
    if (*f)
        fclose(*f);
}

void vz_cleanup_dirp(DIR **d)
{
    if (*d)
        closedir(*d);
}

void vz_cleanup_pidp(pid_t *pid)
{
    if (*pid > 0) {
        int saved = errno;
        kill(*pid, SIGKILL);
        while (waitpid(*pid, NULL, 0) < 0 && errno == EINTR)
            ;
        errno = saved;
    }
}

void vz_strv_free(char **v)
{
    if (v == NULL)
        return;
    for (char **p = v; *p; p++)
        free(*p);
    free(v);
}

void vz_cleanup_strvp(char ***v)
{
    vz_strv_free(*v);
}

size_t vz_strv_len(char *const *v)
{
    size_t n = 0;
    while (v && v[n])
        n++;
    return n;
}

int vz_str_ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

void vz_strv_push(char ***v, const char *s)
{
    size_t n = vz_strv_len(*v);
    *v = vz_xrealloc(*v, (n + 2) * sizeof(char *));
    (*v)[n] = vz_xstrdup(s);
    (*v)[n + 1] = NULL;
}

int vz_strv_contains(char *const *v, const char *s)
{
    for (size_t i = 0; v && v[i]; i++)
        if (strcmp(v[i], s) == 0)
            return 1;
    return 0;
}

void *vz_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (p == NULL)
        abort();
    return p;
}

void *vz_xcalloc(size_t n, size_t m)
{
    void *p = calloc(n ? n : 1, m ? m : 1);
    if (p == NULL)
        abort();
    return p;
}

void *vz_xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (p == NULL)
        abort();
    return p;
}

char *vz_xstrdup(const char *s)
{
    char *r = strdup(s ? s : "");
    if (r == NULL)
        abort();
    return r;
}

char *vz_xasprintf(const char *fmt, ...)
{
    va_list ap;
    char *s = NULL;
    va_start(ap, fmt);
    if (vasprintf(&s, fmt, ap) < 0)
        abort();
    va_end(ap);
    return s;
}
