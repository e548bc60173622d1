/* tmplbuild/deb/index_stream.h: a compressed index decoded on a thread of its own.
 *
 * A cold index load is two CPU-bound halves of about equal cost: xz
 * decoding of Packages.xz and libsolv's parse of the text. Run one after
 * the other on the same thread, one core of two idles. Here the decoding
 * runs on a thread of its own and hands the text through a socket pair (a
 * few hundred kB in flight: memory stays bounded whatever the index's
 * size) to a FILE that the caller gives libsolv's parser, so the two halves
 * overlap.
 *
 * When no thread can be started the file is decoded on the caller's thread
 * as it is read (same result, no overlap).
 */
#ifndef VZ_TMPLBUILD_DEB_INDEX_STREAM_H
#define VZ_TMPLBUILD_DEB_INDEX_STREAM_H

#include <stddef.h>
#include <stdio.h>

#include "common/common.h"

struct vz_index_stream;

/* Called with each decoded block, in order, before the block reaches the
 * FILE; on the decoder thread (the caller must not touch ctx until
 * vz_index_stream_close returns). */
typedef void (*vz_index_feed_fn)(void *ctx, const char *buf, size_t n);

/* Open `path` (xz, gzip, zstd, bzip2 or plain: whatever libarchive reads)
 * and start decoding it. *f reads the decoded bytes; feed may be NULL.
 * Returns 0, or -1 with err (VZ_ECORRUPT when the file is no readable
 * stream). */
int vz_index_stream_open(const char *path, vz_index_feed_fn feed, void *ctx,
                         struct vz_index_stream **out, FILE **f, vz_error_t *err);

/* Close f (a reader may stop before the end), wait for the decoder and free
 * s. Returns 0 when the whole file decoded, or -1 with err (VZ_ECORRUPT,
 * naming path) when decoding failed: what the reader parsed was then a
 * truncated text and must be discarded. */
int vz_index_stream_close(struct vz_index_stream *s, FILE *f, vz_error_t *err);

#endif
