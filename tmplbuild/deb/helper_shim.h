/* tmplbuild/deb/helper_shim.h: skip the maintainer-script helpers' no-op calls of a first install.
 *
 * Starting a program is what preinst and configure cost (a build starts
 * about 550), and two helpers are called mostly to do nothing on a first
 * install:
 *  - `dpkg-maintscript-helper rm_conffile|mv_conffile|symlink_to_dir|
 *    dir_to_symlink ... -- "$@"` (debhelper adds them; debian-12 minimal
 *    makes 88 such calls, each a shell, basename and `dpkg --validate-
 *    version`). On a first install (preinst "install" with no old version,
 *    postinst "configure" with an empty one) each only checks its arguments
 *    (dpkg-maintscript-helper(1): they act on upgrades; the postinst of the
 *    two symlink commands acts only on a `.dpkg-backup` its preinst left,
 *    which a first install never does).
 *  - `deb-systemd-helper unmask U` and `deb-systemd-helper --quiet
 *    was-enabled U` (dh_installsystemd's postinst; 12 of the 18 perl runs
 *    of debian-12 minimal): unmask acts only on a mask link
 *    /etc/systemd/system/U or the masked state directories, was-enabled
 *    reads U's state file and says "enabled" (exit 0) when there is none.
 *
 *  - the second `update-ca-certificates` of a build (ca-certificates'
 *    trigger, about 650 programs) when nothing it reads changed since the
 *    first and there is no hook to run: it would rewrite the same state.
 *    The first runs in one process (native/ca_update.c) when the program is
 *    the one that stand-in was checked against, in a first install's state.
 *
 * While the install runs, shims with the helpers' names sit in a directory
 * of the root (VZ_HELPER_SHIM_DIR) that is put first in the scripts' PATH.
 * A shim exits 0 itself only for such a call in such a state, with
 * arguments of a shape the real helper surely accepts (absolute paths, a
 * version of the plain form ^([0-9]{1,9}:)?[0-9][[:alnum:].+~-]*$ not
 * ending in '-', which dpkg always accepts, plain unit names; DPKG_ROOT empty, no debug
 * variable set), and only when the real helper exists; any other call, any
 * other command and any doubt go to the real helper with the same
 * arguments (`exec`). The directory is removed before the root is packed,
 * so the output has no trace of it: a build gives the same bytes with or
 * without the shims.
 */
#ifndef VZ_TMPLBUILD_DEB_HELPER_SHIM_H
#define VZ_TMPLBUILD_DEB_HELPER_SHIM_H

#include "common/common.h"

/* Inside the root; prepended to the scripts' PATH. */
#define VZ_HELPER_SHIM_DIR "/var/lib/dpkg/vzforge-shim"

/* The shims' texts (POSIX sh scripts); `real` is the helper they hand the
 * other calls to ("/usr/bin/dpkg-maintscript-helper", "/usr/bin/deb-systemd-
 * helper" in a build; tests pass a recorder); the systemd shim looks for
 * state under `root` ("" in a build). Free with free(). */
char *vz_helper_shim_maintscript(const char *real);
char *vz_helper_shim_systemd(const char *real, const char *root);
/* The update-ca-certificates shim; its fingerprint of the last real run is
 * VZ_HELPER_SHIM_DIR/update-ca-certificates.state under root. A real run
 * goes through root's VZ_HELPER_SHIM_DIR/VZ_NATIVE_CA_NAME when that is
 * there, DPKG_ROOT is empty and `real` has the sha256 checked_sha256
 * (VZ_CA_CHECKED_SHA256 in a build). */
char *vz_helper_shim_ca(const char *real, const char *root, const char *checked_sha256);

/* The native update-ca-certificates (native_progs.h) in the shim directory,
 * and the sha256 of the one program it was checked against: ca-certificates
 * 20230311 (Debian 12; tests/tmplbuild/test_ca_native.c). Other versions run
 * as they are. */
#define VZ_NATIVE_CA_NAME "vz-ca-update"
#define VZ_CA_CHECKED_SHA256 "395364bffc7ce85ccbe2de71215f9c6c85c024af3bbd991c75a01c2d2aa3080a"

/* Write the native programs into dir (none when the library has none). */
int vz_helper_shim_install_native(const char *dir, vz_error_t *err);

/* Write the shims into root's VZ_HELPER_SHIM_DIR. */
int vz_helper_shim_install(const char *root, vz_error_t *err);

/* Remove VZ_HELPER_SHIM_DIR from root (no error when it is absent). */
int vz_helper_shim_remove(const char *root, vz_error_t *err);

#endif
