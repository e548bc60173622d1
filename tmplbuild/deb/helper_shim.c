/* tmplbuild/deb/helper_shim.c: the build-time stand-ins for the maintainer-script helpers (helper_shim.h). */
#include "tmplbuild/deb/helper_shim.h"

#include <string.h>

#include "tmplbuild/deb/dpkgdb.h"
#include "tmplbuild/deb/native_progs.h"

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
    "\tver= e=\n"
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
    "\t*:*) e=${ver%%:*}\n"
    "\t\tcase $e in ''|*[!0-9]*|??????????*) return 1 ;; esac\n"
    "\t\tver=${ver#*:} ;;\n"
    "\tesac\n"
    "\tcase $ver in\n"
    "\t'') [ -z \"${e:-}\" ] || return 1 ;;\n"
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

/* update-ca-certificates (ca-certificates 20230311 and before, POSIX sh):
 * ca-certificates' postinst runs it (`--hooksdir ""`) and then activates its
 * own trigger, whose run (no arguments) comes at the end of the configure
 * stage: about 650 programs (a basename, sed, readlink and sed per
 * certificate) on exactly the state the first run left when nothing
 * touched the certificates meanwhile. Such a run changes nothing: every
 * enabled certificate's link is there and right (no `ln`), the `!` ones are
 * gone, nothing is added or removed (no `openssl rehash`), and the bundle
 * it writes has the bytes it replaces; only the hooks would run. So the
 * shim records a fingerprint of everything a run reads after each real run
 * whose end state a plain run keeps (arguments among none, --fresh, -f,
 * --verbose, -v, --hooksdir DIR), and ends a run without arguments when the
 * fingerprint is the same and there is no hook to run. @R@ is the root ("" in
 * a build), @REAL@ the program, @SUM@ the sha256 of the program the native
 * stand-in was checked against.
 *
 * A real run goes through the native stand-in (native/ca_update.c) when the
 * program is the one it was checked against: that one does the work in one
 * process where the script starts about 650, and runs the script itself
 * outside the state of a first install. */
static const char ca_text[] =
    "#!/bin/sh\n"
    "# Build-time only (vzforge removes it before packing the root): a run\n"
    "# without arguments on exactly the state the last run of this build\n"
    "# left, with no hook to run, would change nothing: it ends here. Every\n"
    "# other call runs the real program.\n"
    "R='@R@'\n"
    "real='@REAL@'\n"
    "stamp=\"$R" VZ_HELPER_SHIM_DIR "/update-ca-certificates.state\"\n"
    "[ -x \"$real\" ] || exec \"$real\" \"$@\"\n"
    "state() {\n"
    "\tcat \"$R/etc/ca-certificates.conf\"\n"
    "\tfor d in /usr/share/ca-certificates /usr/local/share/ca-certificates /etc/ssl/certs; do\n"
    "\t\t[ -d \"$R$d\" ] && echo \"dir $d\"\n"
    "\tdone\n"
    "\tfind -L \"$R/usr/share/ca-certificates\" \"$R/usr/local/share/ca-certificates\" -type f \\\n"
    "\t\t-name '*.crt' -print0 2>/dev/null | sort -z | xargs -0r sha256sum\n"
    "\tfind \"$R/etc/ssl/certs\" -printf '%y %Y %p %l\\n' 2>/dev/null | sort\n"
    "\tfind \"$R/etc/ssl/certs\" -type f -print0 2>/dev/null | sort -z | xargs -0r sha256sum\n"
    "}\n"
    "if [ $# -eq 0 ] && [ -z \"${DPKG_ROOT:-}\" ] && [ -s \"$R/etc/ca-certificates.conf\" ] &&\n"
    "\t[ -f \"$stamp\" ] && [ -z \"$(run-parts --test -- \"$R/etc/ca-certificates/update.d\" 2>/dev/null)\" ] &&\n"
    "\t[ \"$(state | sha256sum)\" = \"$(cat \"$stamp\")\" ]; then\n"
    "\techo 'Updating certificates in /etc/ssl/certs...'\n"
    "\techo '0 added, 0 removed; done.'\n"
    "\tif [ -d \"$R/etc/ca-certificates/update.d\" ]; then\n"
    "\t\techo 'Running hooks in /etc/ca-certificates/update.d...'\n"
    "\t\techo 'done.'\n"
    "\tfi\n"
    "\texit 0\n"
    "fi\n"
    "rm -f \"$stamp\"\n"
    "native=\"$R" VZ_HELPER_SHIM_DIR "/" VZ_NATIVE_CA_NAME "\"\n"
    "if [ -z \"${DPKG_ROOT:-}\" ] && [ -x \"$native\" ] &&\n"
    "\t[ \"$(sha256sum <\"$real\")\" = '@SUM@  -' ]; then\n"
    "\t\"$native\" \"$real\" \"$@\" || exit\n"
    "else\n"
    "\t\"$real\" \"$@\" || exit\n"
    "fi\n"
    "keeps=1\n"
    "while [ $# -gt 0 ]; do\n"
    "\tcase $1 in\n"
    "\t--fresh|-f|--verbose|-v) ;;\n"
    "\t--hooksdir) [ $# -ge 2 ] && shift || keeps= ;;\n"
    "\t*) keeps= ;;\n"
    "\tesac\n"
    "\tshift\n"
    "done\n"
    "[ -z \"$keeps\" ] || state | sha256sum >\"$stamp\" || rm -f \"$stamp\"\n"
    "exit 0\n";

static char *subst(const char *text, const char *key, const char *value)
{
    const char *at = strstr(text, key);
    if (at == NULL)
        return vz_xstrdup(text);
    return vz_xasprintf("%.*s%s%s", (int)(at - text), text, value, at + strlen(key));
}

char *vz_helper_shim_ca(const char *real, const char *root, const char *checked_sha256)
{
    cleanup_free char *a = subst(ca_text, "@R@", root);
    cleanup_free char *b = subst(a, "@REAL@", real);
    return subst(b, "@SUM@", checked_sha256);
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
    if (write_shim(dir, "deb-systemd-helper",
                   vz_helper_shim_systemd("/usr/bin/deb-systemd-helper", ""), err) < 0)
        return -1;
    if (write_shim(dir, "update-ca-certificates",
                   vz_helper_shim_ca("/usr/sbin/update-ca-certificates", "", VZ_CA_CHECKED_SHA256), err) < 0)
        return -1;
    return vz_helper_shim_install_native(dir, err);
}

int vz_helper_shim_install_native(const char *dir, vz_error_t *err)
{
    size_t n = (size_t)(vz_native_ca_update_end - vz_native_ca_update);
    if (n == 0)
        return 0;
    cleanup_free char *path = vz_path_join(dir, VZ_NATIVE_CA_NAME);
    return vz_write_plain(path, vz_native_ca_update, n, 0755, err);
}

int vz_helper_shim_remove(const char *root, vz_error_t *err)
{
    cleanup_free char *dir = vz_path_join(root, VZ_HELPER_SHIM_DIR);
    return vz_rm_rf(dir, err);
}
