/* tmplbuild/deb/helper_shim.h: skip dpkg-maintscript-helper's no-op calls of a first install.
 *
 * Maintainer scripts call `dpkg-maintscript-helper rm_conffile|mv_conffile|
 * symlink_to_dir|dir_to_symlink ... -- "$@"` (debhelper adds them; debian-12
 * minimal makes 88 such calls). Each starts a shell, basename and `dpkg
 * --validate-version`. On a first install (preinst "install" with no old
 * version, postinst "configure" with an empty one) every one of these
 * commands only checks its arguments and does nothing (dpkg-maintscript-
 * helper(1): they act on upgrades; the postinst of the two symlink commands
 * acts only when its preinst left a `.dpkg-backup`, which a first install
 * never does).
 *
 * While the install runs, a shim named dpkg-maintscript-helper sits in a
 * directory of the root (VZ_HELPER_SHIM_DIR) that is put first in the
 * scripts' PATH. It exits 0 itself only for such a call whose arguments are
 * of a shape the real helper surely accepts (absolute paths, a version of
 * the plain form ^[0-9][[:alnum:].+~-]*$ not ending in '-', which dpkg
 * always accepts, DPKG_ROOT empty); any other call, any other command and
 * any doubt go to the real helper with the same arguments (`exec`).
 * The directory is removed before the root is packed, so the output has
 * no trace of it; a build whose scripts call the helper gives the same
 * bytes with or without the shim.
 */
#ifndef VZ_TMPLBUILD_DEB_HELPER_SHIM_H
#define VZ_TMPLBUILD_DEB_HELPER_SHIM_H

#include "common/common.h"

/* Inside the root; prepended to the scripts' PATH. */
#define VZ_HELPER_SHIM_DIR "/var/lib/dpkg/vzforge-shim"

/* The shim's text (a POSIX sh script); `real` is the helper it hands the
 * other calls to: "/usr/bin/dpkg-maintscript-helper" in a build (tests
 * pass a recorder). Free with free(). */
char *vz_helper_shim_text(const char *real);

/* Write the shim into root's VZ_HELPER_SHIM_DIR. */
int vz_helper_shim_install(const char *root, vz_error_t *err);

/* Remove VZ_HELPER_SHIM_DIR from root (no error when it is absent). */
int vz_helper_shim_remove(const char *root, vz_error_t *err);

#endif
