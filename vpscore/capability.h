/* vpscore/capability.h: OpenVZ's --capability NAME:on|off (CAPABILITY in
 * CTID.conf) mapped onto what the runtime enforces (docs/runtime.md,
 * "Capabilities"; docs/security.md).
 *
 * What a caller may rely on:
 *   - NAME is a capability's name without CAP_, either case ("net_admin",
 *     "NET_ADMIN"); the conf keeps it upper case: CAPABILITY="NET_RAW:off".
 *   - NAME:off removes a capability the container would keep (bounding,
 *     effective, permitted, inheritable, ambient), at start and at every
 *     exec/enter.
 *   - NAME:on of a capability the runtime always removes (SYS_MODULE,
 *     SYS_TIME, SYS_RAWIO, MKNOD, ...: they act on the host, not on the
 *     container's namespaces) is refused, VZ_EBADARG naming it, by set and
 *     by start (a hand-edited conf): never granted silently or ignored.
 *   - SYS_ADMIN:on is the one opt-in: a privileged container keeps
 *     CAP_SYS_ADMIN (not a security boundary); an unprivileged one has it
 *     anyway, in its own user namespace only. NAME:on of any other kept
 *     capability changes nothing.
 */
#ifndef VZ_VPSCORE_CAPABILITY_H
#define VZ_VPSCORE_CAPABILITY_H

#include <stdint.h>

#include "common/common.h"
#include "common/conf.h"

/* Capability number of NAME (no CAP_ prefix, any case); -1 if unknown. */
int vz_cap_number(const char *name);
/* Check one "NAME:on|off"; VZ_EBADARG with the reason. */
int vz_cap_check(const char *spec, vz_error_t *err);
/* CAPABILITY's value with spec applied (the same name's old entry
 * replaced); allocated. spec must have passed vz_cap_check. */
char *vz_cap_merge(const char *old, const char *spec);
/* From the conf's CAPABILITY: *off gets the bit of every NAME:off, and
 * *sys_admin_on 1 for SYS_ADMIN:on. -1 (VZ_EBADARG) when an entry is bad. */
int vz_caps_from_conf(const struct vz_conf *c, uint64_t *off, int *sys_admin_on, vz_error_t *err);

#endif
