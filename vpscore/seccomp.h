/* vpscore/seccomp.h: the container's seccomp filter (docs/seccomp.md).
 *
 * Two halves, because the container's init is a raw clone() child that must
 * not allocate (and must not call into libseccomp):
 *
 *   host side   vz_seccomp_prepare() gives the classic BPF program of the
 *               container's conf: the default profile's was compiled by
 *               libseccomp when vzforge was built (vpscore/seccomp-builtin.c),
 *               any other is compiled now (vz_seccomp_compile);
 *   child side  vz_seccomp_install() hands that program to the kernel.
 *
 * The filter is a deny-list: every system call is allowed except the entries
 * of the default profile (minus SECCOMP_ALLOW, plus SECCOMP_DENY), which fail
 * with the errno the profile names. It covers the native ABI and the
 * compatibility ABIs of the host (x86_64: i386 and x32); a system call made
 * through any other architecture kills the process.
 *
 * What a caller may rely on:
 *   - prepare allocates only on success; release frees and zeroes (safe on a
 *     zeroed struct, and twice).
 *   - SECCOMP="unconfined" gives len 0 (no filter); install then does nothing.
 *   - Bad conf values (SECCOMP other than default/unconfined, an unknown system
 *     call or errno name) are VZ_EBADARG; the message names the key and the
 *     bad word.
 *   - install never allocates and never sets no_new_privs (that would break
 *     setuid programs inside the container). It therefore needs CAP_SYS_ADMIN
 *     in the caller's user namespace: call it before capabilities are
 *     dropped. Returns 0, or -1 with errno (EACCES without that capability).
 *   - The filter is inherited across fork and exec and cannot be removed:
 *     install it in the process that will exec the container's programs.
 */
#ifndef VZ_VPSCORE_SECCOMP_H
#define VZ_VPSCORE_SECCOMP_H

#include <stddef.h>

#include "common/conf.h"
#include "common/error.h"

struct sock_filter;

struct vz_seccomp {
    struct sock_filter *filter; /* classic BPF, as seccomp(2) takes it */
    unsigned short len;         /* instructions; 0: no filter */
};

/* Host side: the filter for the container whose conf is conf (keys
 * SECCOMP, SECCOMP_ALLOW, SECCOMP_DENY). Allocates *out. The same program
 * as vz_seccomp_compile gives: for the default profile (SECCOMP unset or
 * "default", SECCOMP_ALLOW and SECCOMP_DENY empty) a copy of the one built
 * into the binary, when it was built for this architecture and this
 * libseccomp version; otherwise compiled now (~1 ms of CPU). */
int vz_seccomp_prepare(const struct vz_conf *conf, struct vz_seccomp *out, vz_error_t *err);

/* Always compile with libseccomp (the build's generator, tests). */
int vz_seccomp_compile(const struct vz_conf *conf, struct vz_seccomp *out, vz_error_t *err);

/* The built-in program of the default profile: 1 and a copy in *out (to
 * release) when it fits this process (its architecture and libseccomp
 * version are the build's), 0 and out zeroed otherwise. */
int vz_seccomp_builtin(struct vz_seccomp *out);
void vz_seccomp_release(struct vz_seccomp *s);

/* Child side (after fork/clone, before exec and before dropping
 * capabilities): seccomp(SECCOMP_SET_MODE_FILTER), or prctl(PR_SET_SECCOMP)
 * on a kernel without seccomp(2). Async-signal-safe. */
int vz_seccomp_install(const struct vz_seccomp *s);

/* The default profile, for docs and tests. */
enum vz_seccomp_when {
    VZ_SECCOMP_ALWAYS,      /* every call */
    VZ_SECCOMP_PERSONALITY, /* personality(2) other than PER_LINUX, UNAME26,
                               PER_LINUX32, their combination, and the
                               0xffffffff query (the values Docker allows) */
    VZ_SECCOMP_MNT_FORCE,   /* umount2(2) with MNT_FORCE */
    VZ_SECCOMP_BTRFS_SUBVOL,/* ioctl(2) making a btrfs subvolume or snapshot:
                               one would escape the container's qgroup limit
                               (vpscore/quota.h) */
};
struct vz_seccomp_entry {
    const char *name; /* system call, as libseccomp names it */
    int errnum;       /* what the call fails with */
    enum vz_seccomp_when when;
};
const struct vz_seccomp_entry *vz_seccomp_defaults(size_t *n);

#endif
