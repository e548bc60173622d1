#include "common/error.h"
#include "common/log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *xvasprintf(const char *fmt, va_list ap)
{
    char *s = NULL;
    if (vasprintf(&s, fmt, ap) < 0)
        return NULL;
    return s;
}

int vz_error_vset(vz_error_t *err, int status, int errnum, const char *fmt, va_list ap)
{
    if (err == NULL)
        return -1;
    if (*err != NULL)
        vz_error_release(err); /* a second set replaces: never leak */
    struct vz_error *e = calloc(1, sizeof(*e));
    if (e == NULL)
        abort();
    e->status = status ? status : VZ_EFAIL;
    e->errnum = errnum;
    char *body = xvasprintf(fmt, ap);
    if (body == NULL)
        abort();
    if (errnum) {
        if (asprintf(&e->msg, "%s: %s", body, strerror(errnum)) < 0)
            abort();
        free(body);
    } else {
        e->msg = body;
    }
    *err = e;
    return -1;
}

int vz_error_set(vz_error_t *err, int status, int errnum, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vz_error_vset(err, status, errnum, fmt, ap);
    va_end(ap);
    return -1;
}

int vz_error_wrap(vz_error_t *err, const char *fmt, ...)
{
    if (err == NULL || *err == NULL)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    char *ctx = xvasprintf(fmt, ap);
    va_end(ap);
    if (ctx == NULL)
        abort();
    char *msg = NULL;
    if (asprintf(&msg, "%s: %s", ctx, (*err)->msg) < 0)
        abort();
    free(ctx);
    free((*err)->msg);
    (*err)->msg = msg;
    return -1;
}

int vz_error_restatus(vz_error_t *err, int status)
{
    if (err && *err)
        (*err)->status = status;
    return -1;
}

void vz_error_release(vz_error_t *err)
{
    if (err == NULL || *err == NULL)
        return;
    free((*err)->msg);
    free(*err);
    *err = NULL;
}

int vz_error_report(const char *prog, vz_error_t *err)
{
    int status = VZ_EFAIL;
    if (err && *err) {
        status = (*err)->status;
        fprintf(stderr, "%s: error: %s\n", prog, (*err)->msg);
        vz_log_action("error: %s (exit %d)", (*err)->msg, status);
        vz_error_release(err);
    }
    return status;
}

const char *vz_status_str(int status)
{
    switch (status) {
#define VZ_X(name, code, desc) case code: return desc;
        VZ_STATUS_LIST(VZ_X)
#undef VZ_X
    }
    return "unknown status";
}
