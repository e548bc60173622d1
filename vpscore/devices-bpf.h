/* vpscore/devices-bpf.h: the cgroup v2 side of the device policy: a
 * BPF_PROG_TYPE_CGROUP_DEVICE program made from the rules of a struct
 * vz_devices. Used by vpscore/devices-cgroup.c and its tests only. */
#ifndef VZ_VPSCORE_DEVICES_BPF_H
#define VZ_VPSCORE_DEVICES_BPF_H

#include <linux/bpf.h>

#include "vpscore/devices.h"

/* Longest program: a 6-instruction prologue, at most 8 per rule, 2 to end. */
#define VZ_DEVBPF_MAX_INSNS (6 + 8 * VZ_DEV_MAX + 2)

/* Assemble the program: allow (return 1) when a rule matches the type,
 * major, minor and every access bit asked for, deny (return 0) otherwise.
 * Returns the number of instructions. */
size_t vz_devices_bpf_build(const struct vz_devices *d, struct bpf_insn *out);

/* Load the program and attach it to the cgroup v2 group at dir
 * (BPF_CGROUP_DEVICE, BPF_F_ALLOW_MULTI), then detach the programs this
 * group had before (a re-apply replaces, never stacks). */
int vz_devices_bpf_attach(const char *dir, const struct vz_devices *d, vz_error_t *err);

/* Number of device programs attached to dir itself (not inherited). */
int vz_devices_bpf_count(const char *dir, vz_error_t *err);

#endif
