/* common/buf.h: a growable byte buffer, always NUL-terminated (git's strbuf). */
#ifndef VZ_COMMON_BUF_H
#define VZ_COMMON_BUF_H

#include <stddef.h>

struct vz_buf {
    char *data;   /* NUL-terminated; never NULL after vz_buf_init */
    size_t len;
    size_t cap;
};

#define VZ_BUF_INIT { NULL, 0, 0 }

void vz_buf_init(struct vz_buf *b);
void vz_buf_release(struct vz_buf *b);
void vz_buf_reset(struct vz_buf *b);           /* len = 0, keeps memory */
void vz_buf_add(struct vz_buf *b, const void *p, size_t n);
void vz_buf_adds(struct vz_buf *b, const char *s);
void vz_buf_addc(struct vz_buf *b, char c);
void vz_buf_addf(struct vz_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Hand out the string; the buffer is re-initialised. Never NULL. */
char *vz_buf_detach(struct vz_buf *b, size_t *len);

#define cleanup_buf __attribute__((cleanup(vz_buf_release)))

#endif
