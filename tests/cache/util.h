/* tests/cache/util.h: helpers shared by the cache tests. */
#ifndef VZ_TESTS_CACHE_UTIL_H
#define VZ_TESTS_CACHE_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* A fresh temp dir set as $VZ_ROOT (returned; static storage). */
const char *vzt_root_setup(void);
void vzt_root_teardown(void);
/* Make a temp dir (allocated path). */
char *vzt_mkdtemp(const char *tag);
/* Write a file (creating parent dirs). */
void vzt_write(const char *path, const char *text);
/* Flip one byte of a file at offset (negative: from the end). */
void vzt_flip_byte(const char *path, long offset);
void vzt_truncate(const char *path, long len);
/* Number of directory entries (without . and ..). */
int vzt_count_entries(const char *dir);
/* Whole file into a malloc'd buffer. */
char *vzt_slurp(const char *path, size_t *len);
/* A small tree under dir: files, subdirs, a symlink, an empty file. The
 * order of creation is reversed when reverse != 0; all mtimes are set to
 * mtime. */
void vzt_make_tree(const char *dir, int reverse, long mtime);
/* The last error message, then release it. */
const char *vzt_errmsg(void *errp);

#endif
