/* vpscore/devices.h: which device nodes a container may use, and the
 * cgroup that enforces it.
 *
 * The policy is an allow-list; everything else is denied (open, and mknod of
 * any char or block node). The default set:
 *   c 1:3 null   c 1:5 zero   c 1:7 full   c 1:8 random   c 1:9 urandom
 *   c 5:0 tty    c 5:2 ptmx   c 136:* the container's own devpts ptys
 *   c 10:229 fuse             c 10:200 net/tun
 * all "rwm". /dev/console inside is a 1:3 node (vpscore/mount.c: the
 * container has no console of its own), so the host console 5:1 is NOT in
 * the default set: a privileged container could otherwise mknod it and
 * write to the host's console. `--devnodes console:rw` opens it.
 *
 * OpenVZ's `vzctl set CTID --devnodes DEV:r|w|rw|none [--save]` (DEV is a
 * path below /dev: "net/tun", "fuse", "sdb1") opens more, per container; it
 * is saved as DEVNODES="net/tun:rw fuse:rw" in CTID.conf. "none" revokes,
 * also a default entry ("fuse:none"). The node must exist on the host: its
 * type and major:minor are read from the host's /dev/DEV.
 *
 * Enforcement (vz_cgroup_devices):
 *   v1: the container's group of the devices hierarchy: "a" to devices.deny,
 *       then each rule to devices.allow, before any task enters;
 *   v2: a BPF_PROG_TYPE_CGROUP_DEVICE program (vpscore/devices-bpf.c)
 *       attached to the container's group with BPF_F_ALLOW_MULTI: a program
 *       attached below (by a nested runtime) runs as well and can only deny
 *       more, never allow what this one denies. The kernel keeps it attached
 *       after the attaching process exits, until the group is removed.
 * Root inside cannot change either: devices.* files are the host root's and
 * mounted read-only, and loading or detaching a BPF program needs
 * CAP_SYS_ADMIN/CAP_BPF in the host's user namespace.
 */
#ifndef VZ_VPSCORE_DEVICES_H
#define VZ_VPSCORE_DEVICES_H

#include <stddef.h>

#include "common/common.h"
#include "common/conf.h"

struct vz_cgroup;

enum { VZ_DEV_R = 1, VZ_DEV_W = 2, VZ_DEV_M = 4, VZ_DEV_RWM = 7 };
#define VZ_DEV_ANY (-1) /* major or minor "*" */
#define VZ_DEV_MAX 64

struct vz_dev_rule {
    char type;        /* 'c' or 'b' */
    int major, minor; /* VZ_DEV_ANY for "*" */
    unsigned access;  /* VZ_DEV_R | VZ_DEV_W | VZ_DEV_M */
};

/* A node the container's /dev needs. Inside a user namespace mknod fails,
 * so start binds the host's node (host_path) onto /dev/path. */
struct vz_dev_node {
    char path[64];      /* below /dev: "null", "net/tun" */
    char host_path[80]; /* "/dev/null", "/dev/net/tun" */
    char type;          /* 'c' or 'b' */
    unsigned major, minor;
    unsigned access;
    int from_devnodes;  /* 1: asked for by DEVNODES; 0: the default set */
};

/* Fixed size on purpose: start's child reads it between clone() and exec(),
 * where nothing may be allocated. */
struct vz_devices {
    size_t nrules;
    struct vz_dev_rule rules[VZ_DEV_MAX];
    size_t nnodes;
    struct vz_dev_node nodes[VZ_DEV_MAX];
};

/* The default set. Nodes: null zero full random urandom tty, and fuse and
 * net/tun where the host has them (ptmx and pts come from the container's
 * own devpts). */
void vz_devices_default(struct vz_devices *d);
/* Apply one OpenVZ --devnodes value "DEV:r|w|rw|none" (also "DEV:rw:..."
 * is not accepted). VZ_EBADARG names what is wrong: a DEV that is not a
 * path below /dev, a host /dev/DEV that is missing or not a device node. */
int vz_devices_add(struct vz_devices *d, const char *spec, vz_error_t *err);
/* OpenVZ's --devices "c|b:MAJOR:MINOR:r|w|rw|none": the host's node of
 * that number below /dev, as vz_devices_add of its path would (so DEVICES
 * and DEVNODES give the same thing: a rule and the host's node bound in;
 * nothing can be made inside). "all" and "*" are refused. VZ_EBADARG. */
int vz_devices_add_number(struct vz_devices *d, const char *spec, vz_error_t *err);
/* The default set, then FEATURES' devices (vpscore/features.h), DEVICES,
 * DEVNODES (each space separated; a later word wins). */
int vz_devices_from_conf(const struct vz_conf *c, struct vz_devices *out, vz_error_t *err);
/* DEVNODES with spec ("DEV:perm", checked by vz_devices_add first) put in
 * place of any earlier value for the same DEV (allocated). */
char *vz_devnodes_merge(const char *devnodes, const char *spec);
/* "c 1:3 rwm" into buf (at least 32 bytes); returns buf. */
char *vz_dev_rule_str(const struct vz_dev_rule *r, char *buf, size_t size);

/* Enforce d on the container's group (created, see vpscore/cgroup.h):
 * before any task enters, or on a running container (then v1 changes only
 * the rules that differ, and v2 attaches the new program before it detaches
 * the old one: no moment where null is denied). v1 without a devices
 * hierarchy, or v2 without BPF: VZ_ESYSTEM, naming what is missing. */
int vz_cgroup_devices(struct vz_cgroup *cg, const struct vz_devices *d, vz_error_t *err);

#endif
