/* tmplbuild/binfmt.h: can this host run a template's programs?
 *
 * A template of the host's own architecture (or one the host runs natively:
 * i686 on x86_64) needs nothing. A foreign one (aarch64 on x86_64) is built
 * by running its maintainer scripts under a user-mode emulator the kernel
 * starts through binfmt_misc. The emulator must be registered with the F
 * flag ("fix binary": the kernel opens the interpreter when it is
 * registered, so it works inside any root and mount namespace and nothing
 * is copied into the template). vz_binfmt_check() is called at the start
 * of a build, before anything is downloaded.
 *
 * What a caller may rely on: 0 when programs of `arch` (OpenVZ's name:
 * "aarch64") can run in a root here; otherwise VZ_EBUILD with one message
 * naming the missing piece and how to add it:
 *   - binfmt_misc not mounted (mount it, or install binfmt-support);
 *   - no enabled entry whose magic and mask match an ELF executable of that
 *     machine (apt-get install qemu-user-static binfmt-support, or
 *     update-binfmts --enable qemu-ARCH when installed but not registered);
 *   - an entry without the F flag (re-register it with F);
 *   - binfmt_misc switched off as a whole (its status file says disabled).
 * An architecture vzforge does not know the ELF machine of is refused too.
 *
 * The binfmt_misc directory is /proc/sys/fs/binfmt_misc; VZ_BINFMT_MISC_DIR
 * overrides it (tests point it at a directory of their own).
 */
#ifndef VZ_TMPLBUILD_BINFMT_H
#define VZ_TMPLBUILD_BINFMT_H

#include <stdbool.h>

#include "common/common.h"

/* Does the host run programs of arch without an emulator? */
bool vz_binfmt_native(const char *arch);

int vz_binfmt_check(const char *arch, vz_error_t *err);

#endif
