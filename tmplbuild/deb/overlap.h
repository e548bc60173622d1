/* tmplbuild/deb/overlap.h: files shipped by more than one package (see overlap.c).
 *
 * After every package is unpacked and registered: for each non-directory path
 * listed by several packages, the package latest in plan order keeps it (its
 * bytes are on disk: the file is written again from it if another owner was
 * written at the same time or later, per seq[]), and the path leaves the other packages'
 * info/<pkg>.list, as dpkg does when a package Replaces another's file.
 * seq[i] is the unpack wave of package i (same number = unpacked in parallel).
 */
#ifndef VZ_TMPLBUILD_OVERLAP_H
#define VZ_TMPLBUILD_OVERLAP_H

#include "common/common.h"
#include "tmplbuild/deb/deb.h"
#include "tmplbuild/deb/unpack.h"

/* After a wave of packages unpacked in parallel (which[i]): a directory
 * shipped by several of them gets the mode, owner and mtime of the one
 * latest in plan order, as when the wave is unpacked one package after the
 * other in plan order. Unpacked in parallel, the last package to finish
 * (libarchive sets a directory's mode and time when its package is done)
 * or a file written into it afterwards would decide: not the same on every
 * build (bookworm's usr/lib/mime/, shipped by tar and util-linux). Uses
 * info[i]->dirs (vz_unpack_deb*). */
int vz_overlap_settle_dirs(const struct vz_unpack_root *ur, struct vz_deb_info **info,
                           const bool *which, size_t n, vz_error_t *err);

int vz_overlap_fix(const struct vz_unpack_root *ur, const char *const *debs,
                   struct vz_deb_info **info, const unsigned *seq, size_t n, vz_error_t *err);

#endif
