/* vpscore/cteach.h: the one walk over this host's containers.
 *
 * What a caller may rely on: containers are the files
 * $VZ_ROOT/etc/vz/conf/CTID.conf whose CTID passes vz_ctid_check();
 * samples, temporaries and other files are never visited. Each conf is
 * read once, when it is visited; nothing is locked, so a container created
 * or destroyed during the walk may or may not be seen. This file calls
 * nothing above ctconf, so any part of the runtime may use it.
 */
#ifndef VZ_VPSCORE_CTEACH_H
#define VZ_VPSCORE_CTEACH_H

#include "common/common.h"

/* One container met by vz_ct_each. conf is NULL when the conf could not
 * be read; bad then holds why (the visitor may take it: set it to NULL). */
struct vz_ct_seen {
    const char *ctid;
    const char *path;      /* $VZ_ROOT/etc/vz/conf/CTID.conf */
    struct vz_conf *conf;  /* loaded; freed after the call (the visitor may take
                            * it and leave it zeroed) */
    vz_error_t bad;
};
/* 0: go on; 1: stop, vz_ct_each returns 0; -1 with *err set: stop, vz_ct_each
 * returns -1. */
typedef int vz_ct_visit_fn(struct vz_ct_seen *ct, void *arg, vz_error_t *err);

/* Call visit for each container, in directory order. No conf directory:
 * no containers (0). Each conf is read once, when it is visited. */
int vz_ct_each(vz_ct_visit_fn *visit, void *arg, vz_error_t *err);

#endif
