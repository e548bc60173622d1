/* vpscore/features.h: OpenVZ's --features NAME:on|off (FEATURES in
 * CTID.conf) mapped onto what this runtime has (docs/security.md).
 *
 * What a caller may rely on:
 *   - tun, fuse, ppp: the device (net/tun, fuse, ppp) opened (on) or
 *     revoked (off) as --devnodes DEV:rw / DEV:none would; applied with the
 *     device policy (vz_devices_from_conf reads FEATURES first, so a
 *     DEVNODES word about the same device wins). ppp needs /dev/ppp on the
 *     host.
 *   - bridge, sit, ipip, ipgre, sysfs: always there (the container's own
 *     network namespace, where the host kernel has the driver; its own
 *     sysfs): on is accepted and changes nothing; off is refused.
 *   - nfs, nfsd: refused either way: the kernel does not let a user
 *     namespace mount nfs or run the nfs server, and a privileged container
 *     does not get CAP_SYS_ADMIN for it from this option.
 *   - Anything else: VZ_EBADARG naming the known features.
 */
#ifndef VZ_VPSCORE_FEATURES_H
#define VZ_VPSCORE_FEATURES_H

#include "common/common.h"

struct vz_devices;

/* Check one "NAME:on|off"; VZ_EBADARG with the reason. */
int vz_feature_check(const char *spec, vz_error_t *err);
/* The device part of one FEATURES word into d (nothing for the others). */
int vz_features_add_devices(struct vz_devices *d, const char *spec, vz_error_t *err);

#endif
