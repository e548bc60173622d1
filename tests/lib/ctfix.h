/* tests/lib/ctfix.h: a stopped busybox container written by hand, for the
 * runtime's tests (no template cache, no vzctl create).
 *
 * vzt_ctfix_setup() puts the calling test process in network and mount
 * namespaces of its own (veths and mounts of parallel tests never mix),
 * makes a VZ_ROOT from pattern (mkdtemp, exported), and in it container
 * ctid: a busybox root (tests/lib/rootfs.h) as its plain private area,
 * owned by its own ids (vzt_shift_tree) and a CTID.conf with VE_PRIVATE,
 * VE_ROOT ($VZ_ROOT/vz/root/CTID), VE_LAYOUT="plain", STOP_TIMEOUT="3",
 * LOCAL_UID/LOCAL_GID and extra_conf (may be NULL) appended. */
#ifndef VZ_TESTS_LIB_CTFIX_H
#define VZ_TESTS_LIB_CTFIX_H

#include <stddef.h>

struct vzt_ctfix {
    char vzroot[64];
    char *priv;   /* the private area (allocated) */
    char *veroot; /* VE_ROOT (allocated) */
};

void vzt_ctfix_setup(struct vzt_ctfix *f, const char *pattern, const char *ctid, const char *extra_conf);
/* Another container ctid in the same VZ_ROOT, made the same way
 * (private area $VZ_ROOT/vz/private/CTID, VE_ROOT $VZ_ROOT/vz/root/CTID). */
void vzt_ctfix_add(const struct vzt_ctfix *f, const char *ctid, const char *extra_conf);
/* Free what setup allocated (the caller removes vzroot itself). */
void vzt_ctfix_release(struct vzt_ctfix *f);

#endif
