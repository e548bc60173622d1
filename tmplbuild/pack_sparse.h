/* tmplbuild/pack_sparse.h: sparse files in the packed tarball (pack.c's
 * helper; not for other callers).
 *
 * A regular file whose blocks cover less than its size has holes: it is
 * stored as a sparse pax entry (GNU.sparse 1.0, which libarchive and GNU tar
 * read), whose map lists the data regions SEEK_DATA/SEEK_HOLE report. The
 * holes cost nothing in the tarball, in packing time or when unpacked:
 * libarchive hands the unpacker data blocks with their offsets and
 * archive_write_disk seeks over the rest.
 */
#ifndef VZ_TMPLBUILD_PACK_SPARSE_H
#define VZ_TMPLBUILD_PACK_SPARSE_H

#include <archive.h>
#include <archive_entry.h>
#include <stdbool.h>
#include <sys/stat.h>

#include "common/common.h"

/* Whether st (a regular file) has holes worth a sparse entry. */
bool vz_pack_has_holes(const struct stat *st);

/* Add the data regions of fd (size st->st_size) to e's sparse map (at least
 * one entry, so that a file that is all hole is still sparse). */
int vz_pack_sparse_map(int fd, const struct stat *st, struct archive_entry *e, const char *what,
                       vz_error_t *err);

/* Write the body of a sparse entry whose header was written: data regions
 * read from fd, holes passed as zeros (the pax writer skips them unread). */
int vz_pack_sparse_data(struct archive *a, int fd, struct archive_entry *e, char *buf, size_t bufsz,
                        const char *what, vz_error_t *err);

#endif
