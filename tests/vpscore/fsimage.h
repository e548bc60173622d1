/* tests/vpscore/fsimage.h: a file system of the test's own on a fixture's
 * VZ_ROOT/vz/private (tests/vpscore/fixture.h): an image file made by mkfs,
 * mounted over a loop device in the caller's own mount namespace (made with
 * vzr_private_ns first, tests/lib/robust.h) and unlinked once mounted, so
 * that a test killed at any point leaves neither the image nor the loop
 * device behind (the namespace dies with the test; the loop device clears
 * itself at unmount). */
#ifndef VZ_TESTS_VPSCORE_FSIMAGE_H
#define VZ_TESTS_VPSCORE_FSIMAGE_H

#include <stdbool.h>

#include "tests/vpscore/fixture.h"

/* system() of the formatted command: its exit status, 128 when it did not
 * exit. */
int fx_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* VZ_ROOT/vz/private made, and the image VZ_ROOT/fs.img of size (truncate's
 * form, "400M") made by the command mkfs (given the image as its last
 * argument; its stdout dropped); cr_asserts naming mkfs. */
void fx_image_make(const struct fx *f, const char *size, const char *mkfs);
/* Mount that image on VZ_ROOT/vz/private with "-o loop" and opts (may be
 * NULL), mount's complaints dropped when quiet; the image is unlinked
 * whether it mounted or not. 0 when mounted. */
int fx_image_mount(const struct fx *f, const char *opts, bool quiet);
/* Both, cr_asserting that it mounts: a btrfs of size on vz/private. */
void fx_image_btrfs(const struct fx *f, const char *size);
/* Detach (MNT_DETACH) whatever is mounted on VZ_ROOT/vz/root/CTID for each
 * ctid (NULL-terminated; may be NULL) and then on VZ_ROOT/vz/private; either
 * may be absent. */
void fx_image_umount(const struct fx *f, const char *const *ctids);

#endif
