/* vpscore/idmap.h: the new mount API (open_tree, mount_setattr,
 * move_mount) for a container's root: idmapped template trees and a root
 * whose flags differ between the host's view and the container's.
 *
 * glibc 2.36 has no wrappers: these call syscall(2). The kernel needs
 * Linux 5.12 for idmapped mounts and 5.19 for overlayfs over an idmapped
 * lower layer; without them vz_idmap_mount() fails with VZ_ESYSTEM and a
 * message naming the kernel feature (docs/security.md: no silent fallback).
 */
#ifndef VZ_VPSCORE_IDMAP_H
#define VZ_VPSCORE_IDMAP_H

#include "common/common.h"
#include "vpscore/userns.h"

/* Attach a copy of the tree at src on target (an existing empty directory)
 * with the ids shifted by map m (files of host uid 0 show as m->uid) and
 * read-only. Undo with vz_umount(target). */
int vz_idmap_mount(const char *src, const char *target, const struct vz_idmap *m, vz_error_t *err);

/* A detached copy of the mount at path (O_CLOEXEC fd), with MOUNT_ATTR_*
 * flags set and cleared: how start gives the container its root with
 * set-uid allowed while the host's view of the same root stays nosuid. */
int vz_mount_clone(const char *path, unsigned set, unsigned clear, vz_error_t *err);

/* Attach a detached mount fd on target. */
int vz_mount_attach(int fd, const char *target, vz_error_t *err);

/* Child side (never allocates): the same, -1 with errno. */
int vz_mount_attach_raw(int fd, const char *target);

#endif
