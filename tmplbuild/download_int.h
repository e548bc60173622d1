/* tmplbuild/download_int.h: pieces of download.c that download_export.c
 * shares (not for other callers). */
#ifndef VZ_TMPLBUILD_DOWNLOAD_INT_H
#define VZ_TMPLBUILD_DOWNLOAD_INT_H

#include "cache/index.h"
#include "tmplbuild/download.h"

/* Fetch index.json + .sig from the index URL of o and accept them
 * (vz_index_accept: signature, serial). *url: that URL (allocated). */
int vz_download_index(const struct vz_download_opts *o, double deadline, char **url,
                      struct vz_index **out, vz_error_t *err);
/* A small file into b, refused beyond max bytes, by the deadline. */
int vz_download_text(const char *url, struct vz_buf *b, size_t max, double deadline,
                     vz_error_t *err);
/* The directory part of url, with its trailing '/' (allocated). */
char *vz_download_url_dir(const char *url);

#endif
