/* tmplbuild/deb/helper_shim.c: the first-install dpkg-maintscript-helper shim (helper_shim.h). */
#include "tmplbuild/deb/helper_shim.h"

#include <string.h>

#include "tmplbuild/deb/dpkgdb.h"

/* The conditions, command by command, are those under which
 * dpkg-maintscript-helper (dpkg 1.19 to 1.22) does nothing but check its
 * arguments; the checks below are those checks or stricter ones, so a call
 * the real helper would refuse always reaches it. */
static const char shim_head[] =
    "#!/bin/sh\n"
    "# Build-time only (vzforge removes it before packing the root): the\n"
    "# dpkg-maintscript-helper calls that do nothing on a first install end\n"
    "# here; every other call goes to the real helper.\n"
    "noop() {\n"
    "\t[ -z \"${DPKG_ROOT:-}\" ] && [ -z \"${DPKG_DEBUG:-}\" ] &&\n"
    "\t\t[ -n \"${DPKG_MAINTSCRIPT_PACKAGE:-}\" ] || return 1\n"
    "\tcmd=$1\n"
    "\tshift\n"
    "\tcase $cmd in\n"
    "\trm_conffile) [ $# -ge 1 ] || return 1; a=$1; b=-; shift ;;\n"
    "\tmv_conffile|symlink_to_dir|dir_to_symlink)\n"
    "\t\t[ $# -ge 2 ] || return 1; a=$1; b=$2; shift 2 ;;\n"
    "\t*) return 1 ;;\n"
    "\tesac\n"
    "\tver=\n"
    "\tif [ $# -gt 0 ] && [ \"$1\" != -- ]; then ver=$1; shift; fi\n"
    "\tif [ $# -gt 0 ] && [ \"$1\" != -- ]; then shift; fi\n"
    "\t[ $# -ge 1 ] && [ \"$1\" = -- ] || return 1\n"
    "\tshift\n"
    "\t[ -n \"${1:-}\" ] || return 1\n"
    "\tcase $cmd in\n"
    "\tdir_to_symlink) a=${a%/} ;;\n"
    "\tsymlink_to_dir) case $a in */) return 1 ;; esac ;;\n"
    "\tesac\n"
    "\tcase $a in /?*) ;; *) return 1 ;; esac\n"
    "\tcase $cmd in\n"
    "\tmv_conffile) case $b in /?*) ;; *) return 1 ;; esac ;;\n"
    "\t*) [ -n \"$b\" ] || return 1 ;;\n"
    "\tesac\n"
    "\tcase $ver in\n"
    "\t'') ;;\n"
    "\t[0-9]*) case $ver in *[![:alnum:].+~-]*|*-) return 1 ;; esac ;;\n"
    "\t*) return 1 ;;\n"
    "\tesac\n"
    "\tcase ${DPKG_MAINTSCRIPT_NAME:-} in\n"
    "\tpreinst) [ \"$1\" = install ] && [ -z \"${2:-}\" ] ;;\n"
    "\tpostinst)\n"
    "\t\t[ \"$1\" = configure ] && [ -z \"${2:-}\" ] || return 1\n"
    "\t\tcase $cmd in\n"
    "\t\tsymlink_to_dir) [ ! -h \"$a.dpkg-backup\" ] ;;\n"
    "\t\tdir_to_symlink) [ ! -d \"$a.dpkg-backup\" ] ;;\n"
    "\t\tesac ;;\n"
    "\t*) return 1 ;;\n"
    "\tesac\n"
    "}\n";

/* A shim stands in only for a helper that the root has: without one, the
 * call fails as "not found" (127) would. */
char *vz_helper_shim_maintscript(const char *real)
{
    return vz_xasprintf("%s[ -x %s ] && noop \"$@\" && exit 0\nexec %s \"$@\"\n", shim_head, real,
                        real);
}

/* deb-systemd-helper (init-system-helpers 1.65 to 1.68, perl): "unmask U"
 * removes U's mask link only when /etc/systemd/system/U exists (a link to
 * /dev/null with a state file in the masked state directory), then removes
 * the masked state directories if empty; "was-enabled U" reads U's state
 * file in the enabled state directory and is true (exit 0) when it is
 * absent. @P@ is the root (empty in a build). */
static const char systemd_head[] =
    "#!/bin/sh\n"
    "# Build-time only (vzforge removes it before packing the root): the\n"
    "# deb-systemd-helper calls that do nothing on a first install end here;\n"
    "# every other call goes to the real helper.\n"
    "noop() {\n"
    "\t[ -z \"${DPKG_ROOT:-}\" ] && [ -z \"${_DEB_SYSTEMD_HELPER_DEBUG:-}\" ] &&\n"
    "\t\t[ -n \"${DPKG_MAINTSCRIPT_PACKAGE:-}\" ] || return 1\n"
    "\tquiet=\n"
    "\tif [ \"${1:-}\" = --quiet ]; then quiet=1; shift; fi\n"
    "\t[ $# -ge 2 ] || return 1\n"
    "\taction=$1\n"
    "\tshift\n"
    "\tfor u in \"$@\"; do\n"
    "\t\tcase $u in ''|-*|*/*) return 1 ;; esac\n"
    "\tdone\n"
    "\tcase $action in\n"
    "\tunmask)\n"
    "\t\tfor d in deb-systemd-helper-masked deb-systemd-user-helper-masked; do\n"
    "\t\t\t[ ! -e \"%s/var/lib/systemd/$d\" ] && [ ! -h \"%s/var/lib/systemd/$d\" ] || return 1\n"
    "\t\tdone\n"
    "\t\tfor u in \"$@\"; do\n"
    "\t\t\t[ ! -e \"%s/etc/systemd/system/$u\" ] || return 1\n"
    "\t\tdone ;;\n"
    "\twas-enabled)\n"
    "\t\t[ -n \"$quiet\" ] || return 1\n"
    "\t\tfor u in \"$@\"; do\n"
    "\t\t\tf=\"%s/var/lib/systemd/deb-systemd-helper-enabled/$u.dsh-also\"\n"
    "\t\t\t[ ! -e \"$f\" ] && [ ! -h \"$f\" ] || return 1\n"
    "\t\tdone ;;\n"
    "\t*) return 1 ;;\n"
    "\tesac\n"
    "}\n"
    "[ -x %s ] && noop \"$@\" && exit 0\n"
    "exec %s \"$@\"\n";

char *vz_helper_shim_systemd(const char *real, const char *root)
{
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    return vz_xasprintf(systemd_head, root, root, root, root, real, real);
#pragma GCC diagnostic pop
}

static int write_shim(const char *dir, const char *name, char *text, vz_error_t *err)
{
    cleanup_free char *path = vz_path_join(dir, name);
    int r = vz_write_plain(path, text, strlen(text), 0755, err);
    free(text);
    return r;
}

int vz_helper_shim_install(const char *root, vz_error_t *err)
{
    cleanup_free char *dir = vz_path_join(root, VZ_HELPER_SHIM_DIR);
    if (vz_rm_rf(dir, err) < 0 || vz_mkdir_p(dir, 0755, err) < 0)
        return -1;
    if (write_shim(dir, "dpkg-maintscript-helper",
                   vz_helper_shim_maintscript("/usr/bin/dpkg-maintscript-helper"), err) < 0)
        return -1;
    return write_shim(dir, "deb-systemd-helper",
                      vz_helper_shim_systemd("/usr/bin/deb-systemd-helper", ""), err);
}

int vz_helper_shim_remove(const char *root, vz_error_t *err)
{
    cleanup_free char *dir = vz_path_join(root, VZ_HELPER_SHIM_DIR);
    return vz_rm_rf(dir, err);
}
