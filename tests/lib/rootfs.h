/* tests/lib/rootfs.h: tiny container roots for tests, from busybox-static.
 *
 * vzt_busybox_root() makes /tmp/vzt-root-XXXXXX with /bin/busybox (a copy of
 * the host's static busybox; never a hard link, so a test root can never
 * write to the host's binary), one symlink per applet in /bin and /sbin,
 * and empty /etc, /tmp, /root, /proc, /sys, /dev. It fails loudly (abort
 * with a message) when /bin/busybox is not the static build (package
 * busybox-static), since a dynamic one would not run inside the root.
 */
#ifndef VZ_TESTS_LIB_ROOTFS_H
#define VZ_TESTS_LIB_ROOTFS_H

#include <sys/types.h>

/* Allocated path of a new root. */
char *vzt_busybox_root(void);
/* The ids a test container's user namespace maps to (LOCAL_UID/LOCAL_GID). */
#define VZT_LOCAL_ID 3000000u
/* Shift the owner of every entry below root (root itself included) by
 * VZT_LOCAL_ID, as `vzctl create` unpacks a plain container. */
void vzt_shift_tree(const char *root);
/* 'LOCAL_UID="..."\nLOCAL_GID="..."\n' for a hand-written CTID.conf. */
#define VZT_LOCAL_ID_CONF "LOCAL_UID=\"3000000\"\nLOCAL_GID=\"3000000\"\n"

/* Remove a root made above (refuses to cross mount points), free path. */
void vzt_root_remove(char *root);

/* Number of mounts whose mount point is under a test directory (/tmp/vzt-*). */
int vzt_mount_count(void);
/* Number of processes whose parent chain reaches us (our descendants). */
int vzt_descendant_count(void);

#endif
