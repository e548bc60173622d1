/* tmplbuild/deb/install.h: install a resolved set of .deb files into a root.
 *
 * The order of work, and why (docs/building.md has the long form):
 *  1. The root gets its merged-/usr symlinks (when asked) and an empty
 *     dpkg database.
 *  2. Every package without a preinst is unpacked at once, by `jobs`
 *     threads, one streaming pass per package, and registered
 *     ("install ok unpacked").
 *  3. If the root cannot run /bin/sh yet (Debian: libc6 has a preinst), the
 *     rest of the essential set (Essential: yes packages and what they
 *     Pre-Depend/Depend on, transitively) is unpacked the same way and its
 *     preinsts run afterwards ("preinst install"), as debootstrap and
 *     mmdebstrap do: nothing can run inside a root without a shell.
 *  4. Once the whole essential set is unpacked it is configured (dpkg
 *     --configure of those packages), before any other preinst runs.
 *  5. Every other package with a preinst is handled as dpkg would: what it
 *     Pre-Depends on first (recursively), then its control area goes to
 *     var/lib/dpkg/tmp.ci, its preinst runs from there, then it is unpacked
 *     (honouring diversions the preinsts made) and registered, one at a
 *     time, in plan order; the rest of the essential set before the others.
 *  With more than one job, these packages' data.tar are decompressed ahead
 *  by a forked process (predecode.h) while the essential set is configured;
 *  each is still unpacked at its turn, from the image in memory.
 *  Files that two packages ship end as dpkg leaves them (overlap.h).
 *  6. Configuration of the rest (meanwhile, with opts->recode, a forked
 *     process makes the package cache's missing zstd copies: recode.h): when the root has dpkg, its own
 *     `dpkg --force-unsafe-io --configure -a` runs (which orders postinsts
 *     by dependencies and processes the triggers), with a policy-rc.d that
 *     exits 101 in place for the duration. A root without dpkg (test roots
 *     built from synthetic packages) gets each postinst run as
 *     "postinst configure ''" in plan order and the status written as
 *     "install ok installed" with conffile hashes, as dpkg would record it.
 *
 * Scripts run through opts->runner (family.h): the builder passes the vpscore sandbox.
 * For the whole install their PATH starts with helper_shim.h's directory (a
 * dpkg-maintscript-helper that ends the helper's first-install no-ops), which
 * is removed from the root before vz_deb_install returns.
 * This is the deb family's install operation (deb_table.c).
 * A script that fails fails the install with its name, exit status and the
 * tail of its output.
 */
#ifndef VZ_TMPLBUILD_INSTALL_H
#define VZ_TMPLBUILD_INSTALL_H

#include <stdbool.h>
#include <stddef.h>

#include "common/common.h"
#include "tmplbuild/family.h"

struct vz_install_opts {
    const char *root;          /* existing, empty directory */
    const char *const *debs;   /* package files in install (plan) order */
    size_t n;
    bool merged_usr;           /* map bin/, sbin/, lib.../ into usr/ */
    bool merged_usr_shipped;   /* the packages ship the top-level symlinks (trixie) */
    const char *arch;          /* Debian architecture: "amd64" */
    int jobs;                  /* unpack threads; 0 = online CPUs */
    const struct vz_script_runner *runner;
    char *const *environment;  /* extra KEY=VALUE for scripts (template's), may be NULL */
    const char *const *priorities; /* per package, the index's Priority (NULL entries or
                                    * NULL array: the control file's) */
    const char *const *labels; /* per package, for messages ("apt 2.6.1"); may be NULL */
    bool recode;               /* debs are package-cache files: read their zstd copies
                                * where there are some, make the others while
                                * configuring (recode.h) */
};

int vz_deb_install(const struct vz_install_opts *o, struct vz_install_timings *t, vz_error_t *err);

#endif
