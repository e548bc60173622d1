/* tests/vpscore/bbns.h: the set-up that the lifecycle, netif and devfeat
 * suites share: the test process in a network and mount namespace of its
 * own (nothing it starts touches the host's network or mount table), a new
 * VZ_ROOT /tmp/vzt-TAG-XXXXXX holding a signed busybox cache named tmpl,
 * and a CTID "TAGPID" that no other run uses. */
#ifndef VZT_BBNS_H
#define VZT_BBNS_H

#include <stddef.h>

#include "vpscore/netif.h"

/* vzroot and ctid are the caller's buffers (64 and 32 bytes are enough). */
void bbns_setup(const char *tag, const char *tmpl, char *vzroot, size_t rootsz, char *ctid, size_t ctidsz);
/* Stops the container if it runs and removes the VZ_ROOT. */
void bbns_teardown(const char *vzroot, const char *ctid);
/* The namespace's bridge vzbr0, up, with address addr ("10.77.0.1/24";
 * NULL: none); cr_asserts. */
void bbns_bridge(const char *addr);
/* The container's one NETIF entry (its conf's), into *l (cr_asserts that
 * there is exactly one). */
void bbns_one_netif(const char *ctid, struct vz_netifs *l);

#endif
