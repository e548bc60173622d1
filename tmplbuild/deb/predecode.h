/* tmplbuild/deb/predecode.h: decompress packages' data.tar ahead, in a process of its own.
 *
 * The install's serial phase (install.h step 5: each remaining package's
 * preinst, then its unpack, one after another) leaves a core idle while dpkg
 * configures the essential set and while the preinsts run. A predecoder
 * reads the .debs it is given, in the order given, and keeps for each an
 * image in memory: the same ar members in the same order, data.tar
 * decompressed. Unpacking from the image (vz_unpack_deb_image) goes through
 * the same reader, checks and sink as unpacking from the file, so the root
 * gets the same files, written at the same point of the install: only the
 * decompression, which touches nothing but memory, moved earlier.
 *
 * The decoder is a forked process (predecode.c says why not a thread); it
 * dies with the caller and is killed and reaped by vz_predecode_stop().
 * Memory: the images it makes add up to `budget` bytes plus one image at
 * most (memfds, freed as they are taken); the packages after that are read
 * from their files. Nothing here fails a build: an image that cannot be made
 * is simply not there, and the caller reads the file, which reports the
 * problem as before.
 */
#ifndef VZ_TMPLBUILD_PREDECODE_H
#define VZ_TMPLBUILD_PREDECODE_H

#include <stddef.h>

struct vz_predecode;

/* Start decoding debs[order[0]], debs[order[1]], ... (indices < n_debs) in
 * a forked process; call it while the caller has no other thread. NULL when
 * no process can start. */
struct vz_predecode *vz_predecode_start(const char *const *debs, size_t n_debs,
                                        const size_t *order, size_t n_order, size_t budget,
                                        const char *const *recode);
/* recode (may be NULL): per package, its original in the package cache;
 * the decoder also writes the zstd copy of each package it decodes from
 * that original (recode.h, vz_recode_write_part), for the caller to put in
 * place. */

/* The image of debs[i] (malloc'ed, the caller frees it), waiting until the
 * decoder has done it (and those before it in the order). NULL when there is
 * none: not in the order, taken already, over the budget, or not made. */
void *vz_predecode_take(struct vz_predecode *p, size_t i, size_t *len);

/* Kill and reap the decoder and free what is left. */
void vz_predecode_stop(struct vz_predecode *p);

#endif
