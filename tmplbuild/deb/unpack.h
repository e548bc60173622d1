/* tmplbuild/deb/unpack.h: extract a package's data.tar into a build root, safely.
 *
 * Entries are written with libarchive's disk writer, owners numeric (the
 * host's user database is never consulted), modes, mtimes, hard links,
 * symlinks and extended attributes (file capabilities) kept, and with all of
 * libarchive's guards on: no absolute paths, no "..", and no write through a
 * symlink that exists on disk. The one exception dpkg users expect is merged
 * /usr: with merged_usr set, an entry under bin/, sbin/, lib/, lib32/, lib64/
 * or libx32/ is written to usr/<same> (the path the root symlink points to),
 * and the top-level directory entries themselves are left as the symlinks.
 * The package database still records the path as shipped ("/bin/bash"), as
 * dpkg does on a merged system.
 *
 * A package that ships no md5sums gets one generated while its files stream
 * by (MD5 of each regular file, "HEX  path"), as dpkg does.
 *
 * Conffiles (the package's conffiles member) are written as NAME.dpkg-new,
 * as dpkg does; configuring moves them into place.
 *
 * Diversions (var/lib/dpkg/diversions, as dpkg-divert writes it) are honoured
 * for packages unpacked after a preinst added them: a file diverted by
 * another package lands under the diverted name.
 *
 * Many packages may be unpacked into one root at once from several threads:
 * nothing here depends on the process's working directory, and the process
 * umask is the same after as before. libarchive's disk writer sets the umask
 * to 0 and back on every entry; those windows are serialised here, so that
 * two threads never read each other's 0 and leave it set (which every
 * maintainer script started later would inherit). Rule for any other code
 * that drives archive_write_disk from several threads: do the same (or keep
 * to one thread), never a bare archive_write_disk_new()/archive_write_header()
 * in parallel. The data itself is written in parallel.
 */
#ifndef VZ_TMPLBUILD_UNPACK_H
#define VZ_TMPLBUILD_UNPACK_H

#include <stdbool.h>

#include "common/common.h"
#include "tmplbuild/deb/deb.h"

struct vz_diversion {
    char *from;    /* "/bin/sh" */
    char *to;      /* "/bin/sh.distrib" */
    char *package; /* diverting package, ":" for a local diversion */
};

struct vz_unpack_root {
    char *root;                 /* canonical absolute path (realpath) */
    bool merged_usr;            /* map bin/, sbin/, lib.../ to usr/ */
    bool links_shipped;         /* the packages ship the top-level symlinks */
    struct vz_diversion *div;   /* loaded by vz_unpack_load_diversions() */
    size_t n_div;
};

/* Canonicalise root (which must exist) and, when merged_usr, create
 * usr/{bin,sbin,lib} (+ usr/lib64 where the architecture has it) and, unless
 * links_shipped, the top-level symlinks to them, as debootstrap does for
 * bookworm. With links_shipped (trixie: base-files ships ./bin -> usr/bin)
 * the package's own symlink entries create them; any other kind of entry at
 * those names, or a symlink pointing elsewhere, is refused. `arch` is the
 * Debian architecture ("amd64"). */
int vz_unpack_root_init(struct vz_unpack_root *r, const char *root, bool merged_usr,
                        bool links_shipped, const char *arch, vz_error_t *err);
void vz_unpack_root_release(struct vz_unpack_root *r);

/* (Re)read ROOT/var/lib/dpkg/diversions. A missing file means none. */
int vz_unpack_load_diversions(struct vz_unpack_root *r, vz_error_t *err);

/* Where the package file `path` ("/etc/x", as dpkg records it) of package
 * `pkg` is on disk (merged /usr and diversions applied). Allocated. */
char *vz_unpack_path(const struct vz_unpack_root *r, const char *path, const char *pkg);

/* One streaming pass over `deb`: control members into *out, data.tar into
 * the root. On failure *out is NULL and the root may hold some of the
 * package's files (the caller removes the whole root). */
int vz_unpack_deb(const struct vz_unpack_root *r, const char *deb, struct vz_deb_info **out,
                  vz_error_t *err);

/* The same from an image of deb in memory (vz_deb_read_image); NULL image:
 * vz_unpack_deb(). */
int vz_unpack_deb_image(const struct vz_unpack_root *r, const char *deb, const void *image,
                        size_t len, struct vz_deb_info **out, vz_error_t *err);

/* Unpack only the given paths ("/usr/bin/x", as dpkg records them, sorted
 * by strcmp) of deb; everything else in it is skipped. */
int vz_unpack_deb_paths(const struct vz_unpack_root *r, const char *deb, const char *const *paths,
                        size_t n, vz_error_t *err);

#endif
