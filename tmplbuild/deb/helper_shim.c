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
    "}\n"
    "noop \"$@\" && exit 0\n";

char *vz_helper_shim_text(const char *real)
{
    return vz_xasprintf("%sexec %s \"$@\"\n", shim_head, real);
}

int vz_helper_shim_install(const char *root, vz_error_t *err)
{
    cleanup_free char *dir = vz_path_join(root, VZ_HELPER_SHIM_DIR);
    if (vz_rm_rf(dir, err) < 0 || vz_mkdir_p(dir, 0755, err) < 0)
        return -1;
    cleanup_free char *path = vz_path_join(dir, "dpkg-maintscript-helper");
    cleanup_free char *text = vz_helper_shim_text("/usr/bin/dpkg-maintscript-helper");
    return vz_write_plain(path, text, strlen(text), 0755, err);
}

int vz_helper_shim_remove(const char *root, vz_error_t *err)
{
    cleanup_free char *dir = vz_path_join(root, VZ_HELPER_SHIM_DIR);
    return vz_rm_rf(dir, err);
}
