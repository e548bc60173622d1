/* tmplbuild/deb/recode.h: a zstd copy of each cached package, so that a warm build decodes no xz.
 *
 * Debian's packages carry data.tar.xz. Decoding xz is the largest part of
 * unpacking (about 3.5 s of CPU for debian-12 default's 143 packages, where
 * zstd decodes the same bytes in about 0.3 s), and a warm build did it
 * again each time. So the package cache keeps, next to each package file
 * template/pkgs/<sha256>, a recoded copy <sha256>.zdeb: a .deb with the
 * same members in the same order, data.tar re-encoded as data.tar.zst
 * (level 1; dpkg reads such packages too). A build reads the copy when it
 * is there: the same tar stream, so the same files (unpack, registration
 * and the output do not change; tests/tmplbuild/test_recode.c).
 *
 * A build that reads a package from its xz original unpacks it from an
 * image in memory (data.tar decoded, debimage.h) and encodes
 * the copy from that image: zstd level 1 of the decoded bytes, about 0.5 s
 * of CPU for debian-12 default on the unpack threads, where decoding xz a
 * second time would cost 3.5 s. (A first version decoded again in a
 * process during the configure stage: dpkg's scripts were a second slower
 * beside it, on a core that looked idle.) During the configure stage a
 * forked process syncs and names these, and makes from their files the
 * few copies that were not written while unpacking (the serial phase's
 * packages); what is not done when configure ends is dropped and made by a
 * later build. Each copy is written as <sha256>.zdeb.<pid>.part, synced
 * (fdatasync) and only then renamed into place, so a copy that exists is whole; the process dies
 * with vzpkg (a ".part" it leaves is removed by `vzpkg clean`), and
 * an install that fails on a damaged copy removes the copies it read, so
 * the next build reads the originals.
 * Trust: the originals in the cache were verified when they came; the
 * copies are made only from them, in the same root-only directory.
 * `vzpkg clean` removes a copy with its original. Cost on disk:
 * about 1.4 times the packages (72 MB beside 50 MB for debian-12 default).
 */
#ifndef VZ_TMPLBUILD_DEB_RECODE_H
#define VZ_TMPLBUILD_DEB_RECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "cache/pkgs.h" /* VZ_PKGCACHE_RECODED, the copies' suffix */

/* deb's recoded copy when there is one (a regular file), else deb.
 * Allocated. */
char *vz_recode_pick(const char *deb);

/* While unpacking: write deb's copy, made from its image in memory (data.tar
 * decoded, debimage.h), as a ".part" of process owner (the install's,
 * getpid() of vzpkg), not yet synced; vz_recode_start() syncs and names
 * it. False when it could not. */
bool vz_recode_write_part(const char *deb, const void *image, size_t len, pid_t owner);

/* deb's ".part" copy of process pid. Allocated. */
char *vz_recode_part_path(const char *deb, pid_t pid);

/* Remove this process's ".part" copies of debs (an install that ends
 * before its configure stage). */
void vz_recode_forget(const char *const *debs, size_t n);

struct vz_recoder;

/* Start putting in place the copies that are missing for debs[0..n) (the
 * originals), in a forked process: those vz_recode_write_part() wrote are
 * synced and named, the others made from their files. Call it while the
 * caller has no other thread. NULL when nothing is missing or no process
 * can start. */
struct vz_recoder *vz_recode_start(const char *const *debs, size_t n);

/* Stop the process (the copies it finished are in place, the one it was
 * making is dropped) and reap it; with wait_all, let it make every copy
 * first. NULL is a no-op. */
void vz_recode_finish(struct vz_recoder *r, bool wait_all);

/* After an install failed on a damaged package (message msg): remove the
 * recoded copy among debs that msg names, or all of them when it names
 * none, so that the next build reads the originals. */
void vz_recode_drop(const char *const *debs, size_t n, const char *msg);

#endif
