#include "common/buf.h"
#include "common/cleanup.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static void grow(struct vz_buf *b, size_t extra)
{
    if (b->data && b->len + extra + 1 <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + extra + 1)
        cap *= 2;
    b->data = vz_xrealloc(b->data, cap);
    b->cap = cap;
    b->data[b->len] = '\0';
}

void vz_buf_init(struct vz_buf *b)
{
    b->data = NULL;
    b->len = b->cap = 0;
    grow(b, 0);
}

void vz_buf_release(struct vz_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

void vz_buf_reset(struct vz_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

void vz_buf_add(struct vz_buf *b, const void *p, size_t n)
{
    grow(b, n);
    memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void vz_buf_adds(struct vz_buf *b, const char *s)
{
    vz_buf_add(b, s, strlen(s));
}

void vz_buf_addc(struct vz_buf *b, char c)
{
    vz_buf_add(b, &c, 1);
}

void vz_buf_addf(struct vz_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    grow(b, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

char *vz_buf_detach(struct vz_buf *b, size_t *len)
{
    grow(b, 0);
    char *r = b->data;
    if (len)
        *len = b->len;
    b->data = NULL;
    b->len = b->cap = 0;
    return r;
}
