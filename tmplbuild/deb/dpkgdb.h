/* tmplbuild/deb/dpkgdb.h: writing dpkg's database (var/lib/dpkg) for packages
 * unpacked by vzforge, in the form dpkg itself leaves after unpacking.
 *
 *  - status: one stanza per package, the control fields in dpkg's own field
 *    order, "Status: install ok unpacked" (or whatever the caller passes),
 *    Essential/Multi-Arch only when meaningful, and for each conffile
 *    " PATH newconffile" (dpkg's marker for "not configured yet").
 *  - info/NAME.list: every path of data.tar, "/." first, directories
 *    included; NAME is "pkg" or "pkg:arch" for Multi-Arch: same.
 *  - info/NAME.MEMBER for every control member except control itself
 *    (preinst, postinst, prerm, postrm, md5sums, conffiles, triggers, shlibs,
 *    symbols, templates, config, ...), modes as shipped.
 *  - triggers/File and triggers/NAME for the trigger interests the packages
 *    declare, triggers/Unincorp empty.
 *  - empty available, diversions, statoverride; updates/, alternatives/,
 *    parts/ and info/format ("1").
 *
 * Writes inside a build root are plain (no fsync): the root is thrown away
 * as a whole on failure.
 */
#ifndef VZ_TMPLBUILD_DPKGDB_H
#define VZ_TMPLBUILD_DPKGDB_H

#include <stdbool.h>

#include "common/common.h"
#include "tmplbuild/deb/deb.h"

int vz_dpkgdb_init(const char *root, vz_error_t *err);
int vz_dpkgdb_write_info(const char *root, const struct vz_deb_info *info, vz_error_t *err);

/* Append the status stanza of info (with `status`, e.g. "install ok
 * unpacked") and a blank line to out. */
void vz_dpkgdb_stanza(struct vz_buf *out, const struct vz_deb_info *info, const char *status);

/* Write var/lib/dpkg/status with the n packages (NULL entries skipped). */
int vz_dpkgdb_write_status(const char *root, struct vz_deb_info *const *infos, size_t n,
                           const char *status, vz_error_t *err);

/* The same, with the packages marked in `installed` as "install ok
 * installed", each conffile with the md5 of the file in the root (what dpkg
 * records after configuring), the others "install ok unpacked". */
int vz_dpkgdb_write_status_installed(const char *root, struct vz_deb_info *const *infos,
                                     const bool *installed, size_t n, vz_error_t *err);

/* Append one package's stanza to an existing status file (which dpkg may
 * have rewritten meanwhile). */
int vz_dpkgdb_append_status(const char *root, const struct vz_deb_info *info, const char *status,
                            vz_error_t *err);

/* Add the trigger interests of the packages' triggers members to
 * triggers/File and triggers/<name> (appending: call once per package). */
int vz_dpkgdb_write_triggers(const char *root, struct vz_deb_info *const *infos, size_t n,
                             vz_error_t *err);

/* Write a file in the build root (no fsync). */
int vz_write_plain(const char *path, const void *data, size_t len, mode_t mode, vz_error_t *err);

#endif
