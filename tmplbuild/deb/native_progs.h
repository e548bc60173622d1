/* tmplbuild/deb/native_progs.h: the static programs that a deb build puts into its root.
 *
 * tmplbuild/deb/native/ holds small programs that stand in for a package's
 * shell program during the build (helper_shim.h says when). They run inside
 * the build root, which has its own libc and may be of another
 * architecture, so they are built static for the host, with libc only, and
 * their bytes are linked into the library: vzpkg carries them wherever it
 * is installed, and a build writes them into the root's shim directory.
 * An empty image (start == end) means the library was built without them
 * (a lint run compiling this file alone): the shims then run the real
 * programs.
 */
#ifndef VZ_TMPLBUILD_DEB_NATIVE_PROGS_H
#define VZ_TMPLBUILD_DEB_NATIVE_PROGS_H

/* tmplbuild/deb/native/ca_update.c, static: `vz-ca-update REAL [ARG...]`. */
extern const unsigned char vz_native_ca_update[];
extern const unsigned char vz_native_ca_update_end[];

#endif
