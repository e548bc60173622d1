/* vpscore/seccomp.c: the container's seccomp filter (vpscore/seccomp.h,
 * docs/seccomp.md says why each entry is there and why its errno).
 *
 * libseccomp compiles the profile; the program is exported as classic BPF
 * (2.5 can only export to a file descriptor, so through a memfd) and kept in
 * memory, so that the container's init installs it with one system call and
 * no allocation. The default profile's program is also compiled once, at
 * build time, into the binary (vpscore/seccomp-builtin.c).
 */
#include "vpscore/seccomp.h"

#include "common/common.h"

#include <errno.h>
#include <linux/btrfs.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Keep in step with docs/seccomp.md (tests/vpscore/test_seccomp.c checks
 * that every name is documented there). EPERM: "you may not", as the kernel
 * says when a capability is missing. ENOSYS: "this kernel has no such call",
 * for features programs probe and then do without. */
static const struct vz_seccomp_entry defaults[] = {
    { "kexec_load", EPERM, VZ_SECCOMP_ALWAYS },
    { "kexec_file_load", EPERM, VZ_SECCOMP_ALWAYS },
    { "init_module", EPERM, VZ_SECCOMP_ALWAYS },
    { "finit_module", EPERM, VZ_SECCOMP_ALWAYS },
    { "delete_module", EPERM, VZ_SECCOMP_ALWAYS },
    { "open_by_handle_at", EPERM, VZ_SECCOMP_ALWAYS },
    { "bpf", EPERM, VZ_SECCOMP_ALWAYS },
    { "perf_event_open", EPERM, VZ_SECCOMP_ALWAYS },
    { "userfaultfd", EPERM, VZ_SECCOMP_ALWAYS },
    { "keyctl", ENOSYS, VZ_SECCOMP_ALWAYS },
    { "add_key", ENOSYS, VZ_SECCOMP_ALWAYS },
    { "request_key", ENOSYS, VZ_SECCOMP_ALWAYS },
    { "io_uring_setup", ENOSYS, VZ_SECCOMP_ALWAYS },
    { "io_uring_enter", ENOSYS, VZ_SECCOMP_ALWAYS },
    { "io_uring_register", ENOSYS, VZ_SECCOMP_ALWAYS },
    { "lookup_dcookie", EPERM, VZ_SECCOMP_ALWAYS },
    { "acct", EPERM, VZ_SECCOMP_ALWAYS },
    { "swapon", EPERM, VZ_SECCOMP_ALWAYS },
    { "swapoff", EPERM, VZ_SECCOMP_ALWAYS },
    { "iopl", EPERM, VZ_SECCOMP_ALWAYS },
    { "ioperm", EPERM, VZ_SECCOMP_ALWAYS },
    { "quotactl", EPERM, VZ_SECCOMP_ALWAYS },
    { "quotactl_fd", EPERM, VZ_SECCOMP_ALWAYS },
    { "syslog", EPERM, VZ_SECCOMP_ALWAYS },
    { "uselib", EPERM, VZ_SECCOMP_ALWAYS },
    { "vm86", EPERM, VZ_SECCOMP_ALWAYS },
    { "vm86old", EPERM, VZ_SECCOMP_ALWAYS },
    { "nfsservctl", ENOSYS, VZ_SECCOMP_ALWAYS },
    { "personality", EPERM, VZ_SECCOMP_PERSONALITY },
    { "umount2", EPERM, VZ_SECCOMP_MNT_FORCE },
    { "ioctl", EPERM, VZ_SECCOMP_BTRFS_SUBVOL },
};

const struct vz_seccomp_entry *vz_seccomp_defaults(size_t *n)
{
    *n = VZ_ARRAY_SIZE(defaults);
    return defaults;
}

/* 0 default, 1 unconfined, -1 (VZ_EBADARG) anything else. */
static int mode_check(const char *mode, vz_error_t *err)
{
    if (!mode || !*mode || !strcmp(mode, "default"))
        return 0;
    if (!strcmp(mode, "unconfined"))
        return 1;
    return vz_error_set(err, VZ_EBADARG, 0, "SECCOMP=\"%s\": \"default\" or \"unconfined\"", mode);
}

/* The profile being built: defaults, then SECCOMP_ALLOW and SECCOMP_DENY. */
struct rule {
    char *name;
    int nr; /* libseccomp's number: negative for calls the native ABI lacks */
    int errnum;
    enum vz_seccomp_when when;
};
struct profile {
    struct rule *r;
    size_t n;
};

static void profile_release(struct profile *p)
{
    for (size_t i = 0; i < p->n; i++)
        free(p->r[i].name);
    free(p->r);
    p->r = NULL;
    p->n = 0;
}

static struct rule *profile_find(struct profile *p, const char *name)
{
    for (size_t i = 0; i < p->n; i++)
        if (!strcmp(p->r[i].name, name))
            return &p->r[i];
    return NULL;
}

static void profile_put(struct profile *p, const char *name, int nr, int errnum, enum vz_seccomp_when when)
{
    struct rule *r = profile_find(p, name);
    if (!r) {
        p->r = vz_xrealloc(p->r, (p->n + 1) * sizeof(*p->r));
        r = &p->r[p->n++];
        r->name = vz_xstrdup(name);
    }
    r->nr = nr;
    r->errnum = errnum;
    r->when = when;
}

/* libseccomp's number for name; negative (but not __NR_SCMP_ERROR) for a
 * call the native ABI lacks and a compatibility ABI has (vm86 on x86_64). */
static int resolve(const char *key, const char *name, int *nr, vz_error_t *err)
{
    *nr = seccomp_syscall_resolve_name(name);
    if (*nr == __NR_SCMP_ERROR)
        return vz_error_set(err, VZ_EBADARG, 0, "%s: unknown system call \"%s\"", key, name);
    return 0;
}

/* "EPERM" (any name glibc knows) or a number 1..4095. */
static int parse_errno(const char *key, const char *word, const char *s, vz_error_t *err)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (*s && !*end && v > 0 && v < 4096)
        return (int)v;
    for (int e = 1; e < 4096; e++) {
        const char *n = strerrorname_np(e);
        if (n && !strcmp(n, s))
            return e;
    }
    return vz_error_set(err, VZ_EBADARG, 0, "%s: \"%s\": unknown errno \"%s\" (a name such as EPERM, or 1-4095)",
                        key, word, s);
}

static int apply_allow(struct profile *p, const char *list, vz_error_t *err)
{
    cleanup_free char *copy = vz_xstrdup(list ? list : "");
    char *save = NULL;
    for (char *w = strtok_r(copy, " \t,", &save); w; w = strtok_r(NULL, " \t,", &save)) {
        int nr;
        if (resolve("SECCOMP_ALLOW", w, &nr, err) < 0)
            return -1;
        struct rule *r = profile_find(p, w);
        if (!r)
            continue; /* not denied: nothing to remove (see docs/seccomp.md) */
        free(r->name);
        *r = p->r[--p->n];
    }
    return 0;
}

static int apply_deny(struct profile *p, const char *list, vz_error_t *err)
{
    cleanup_free char *copy = vz_xstrdup(list ? list : "");
    char *save = NULL;
    for (char *w = strtok_r(copy, " \t,", &save); w; w = strtok_r(NULL, " \t,", &save)) {
        cleanup_free char *name = vz_xstrdup(w);
        char *colon = strchr(name, ':');
        int e = EPERM;
        if (colon) {
            *colon = '\0';
            if ((e = parse_errno("SECCOMP_DENY", w, colon + 1, err)) < 0)
                return -1;
        }
        int nr;
        if (resolve("SECCOMP_DENY", name, &nr, err) < 0)
            return -1;
        profile_put(p, name, nr, e, VZ_SECCOMP_ALWAYS);
    }
    return 0;
}

/* personality(2) takes an unsigned int: only the low 32 bits of the
 * argument count, so every comparison masks them and ignores the rest (a
 * rule on the whole 64-bit value would let garbage in the high half slip
 * by). Allowed: values whose bits are all in ok_bits (0, UNAME26,
 * PER_LINUX32, both), and 0xffffffff, the query. libseccomp compares an
 * argument once per rule, so "not allowed" is spelt as a union of masked
 * patterns, split by the lowest clear bit z of the value: its bits below z
 * are set, bit z is clear (so the value is not 0xffffffff); if one of those
 * set bits is outside ok_bits, every such value is denied (one rule);
 * otherwise one rule per higher bit outside ok_bits. 59 rules for Docker's
 * set; only personality calls walk them. */
static int add_personality(scmp_filter_ctx ctx, int nr, uint32_t act)
{
    const uint32_t ok_bits = 0x0008 /* UNAME26 */ | 0x20000 /* PER_LINUX32 */;
    const uint32_t bad = ~ok_bits;
    for (int z = 0; z < 32; z++) {
        uint32_t below = (uint32_t)((1ull << z) - 1);
        uint32_t mask = (uint32_t)((1ull << (z + 1)) - 1);
        int rc;
        if (below & bad) {
            rc = seccomp_rule_add(ctx, act, nr, 1, SCMP_A0(SCMP_CMP_MASKED_EQ, mask, below));
            if (rc < 0)
                return rc;
            continue;
        }
        for (int b = z + 1; b < 32; b++) {
            uint32_t bit = 1u << b;
            if (!(bit & bad))
                continue;
            rc = seccomp_rule_add(ctx, act, nr, 1, SCMP_A0(SCMP_CMP_MASKED_EQ, mask | bit, below | bit));
            if (rc < 0)
                return rc;
        }
    }
    return 0;
}

static int add_rule(scmp_filter_ctx ctx, const struct rule *r)
{
    uint32_t act = SCMP_ACT_ERRNO((uint32_t)r->errnum);
    switch (r->when) {
    case VZ_SECCOMP_PERSONALITY:
        return add_personality(ctx, r->nr, act);
    case VZ_SECCOMP_MNT_FORCE:
        return seccomp_rule_add(ctx, act, r->nr, 1, SCMP_A1(SCMP_CMP_MASKED_EQ, MNT_FORCE, MNT_FORCE));
    case VZ_SECCOMP_BTRFS_SUBVOL: {
        /* the request is an unsigned int to the kernel: compare its 32 bits */
        const uint32_t reqs[] = { BTRFS_IOC_SUBVOL_CREATE, BTRFS_IOC_SUBVOL_CREATE_V2, BTRFS_IOC_SNAP_CREATE,
                                  BTRFS_IOC_SNAP_CREATE_V2 };
        for (size_t i = 0; i < VZ_ARRAY_SIZE(reqs); i++) {
            int rc = seccomp_rule_add(ctx, act, r->nr, 1, SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, reqs[i]));
            if (rc < 0)
                return rc;
        }
        return 0;
    }
    case VZ_SECCOMP_ALWAYS:
        break;
    }
    return seccomp_rule_add(ctx, act, r->nr, 0);
}

/* The native ABI's compatibility ABIs: a 64-bit process can enter the
 * kernel through them (int 0x80 on x86_64), so each gets the same rules. */
static int add_compat_arches(scmp_filter_ctx ctx)
{
    static const struct { uint32_t native, compat[2]; } t[] = {
        { SCMP_ARCH_X86_64, { SCMP_ARCH_X86, SCMP_ARCH_X32 } },
        { SCMP_ARCH_AARCH64, { SCMP_ARCH_ARM, 0 } },
        { SCMP_ARCH_PPC64LE, { SCMP_ARCH_PPC64, SCMP_ARCH_PPC } },
        { SCMP_ARCH_PPC64, { SCMP_ARCH_PPC, 0 } },
        { SCMP_ARCH_S390X, { SCMP_ARCH_S390, 0 } },
    };
    uint32_t native = seccomp_arch_native();
    for (size_t i = 0; i < VZ_ARRAY_SIZE(t); i++) {
        if (t[i].native != native)
            continue;
        for (size_t j = 0; j < 2 && t[i].compat[j]; j++) {
            int rc = seccomp_arch_add(ctx, t[i].compat[j]);
            if (rc < 0 && rc != -EEXIST)
                return rc;
        }
    }
    return 0;
}

/* libseccomp 2.5 exports only to a file descriptor: a memfd, read back. */
static int export_bpf(scmp_filter_ctx ctx, struct vz_seccomp *out, vz_error_t *err)
{
    cleanup_close int fd = memfd_create("vz-seccomp", MFD_CLOEXEC);
    if (fd < 0)
        return vz_error_sys(err, "seccomp: memfd_create");
    int rc = seccomp_export_bpf(ctx, fd);
    if (rc < 0)
        return vz_error_set(err, VZ_ESYSTEM, -rc, "seccomp: export the filter");
    off_t size = lseek(fd, 0, SEEK_END);
    if (size < 0)
        return vz_error_sys(err, "seccomp: size of the exported filter");
    size_t len = (size_t)size / sizeof(struct sock_filter);
    if (size == 0 || (size_t)size % sizeof(struct sock_filter) || len > BPF_MAXINSNS)
        return vz_error_set(err, VZ_ESYSTEM, 0, "seccomp: libseccomp exported %lld bytes, not a filter",
                            (long long)size);
    struct sock_filter *f = vz_xmalloc((size_t)size);
    ssize_t got = pread(fd, f, (size_t)size, 0);
    if (got != size) {
        int e = got < 0 ? errno : EIO;
        free(f);
        return vz_error_set(err, VZ_ESYSTEM, e, "seccomp: read back the exported filter");
    }
    out->filter = f;
    out->len = (unsigned short)len;
    return 0;
}

static int build(scmp_filter_ctx ctx, const struct profile *p, vz_error_t *err)
{
    /* A call through an architecture the filter does not know (one the
     * kernel may add, or one we did not list) is not checked by any rule:
     * kill the whole process rather than let it through. */
    int rc;
    if ((rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS)) < 0 ||
        (rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0)) < 0 ||
        /* a binary tree of system call numbers: a call not on the list is
         * decided in a few comparisons instead of one per entry */
        (rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2)) < 0)
        return vz_error_set(err, VZ_ESYSTEM, -rc, "seccomp: set filter attributes");
    if ((rc = add_compat_arches(ctx)) < 0)
        return vz_error_set(err, VZ_ESYSTEM, -rc, "seccomp: add compatibility architectures");
    for (size_t i = 0; i < p->n; i++)
        if ((rc = add_rule(ctx, &p->r[i])) < 0)
            return vz_error_set(err, VZ_ESYSTEM, -rc, "seccomp: rule for %s", p->r[i].name);
    return 0;
}

static int compile(const struct profile *p, struct vz_seccomp *out, vz_error_t *err)
{
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
    if (!ctx)
        return vz_error_set(err, VZ_ESYSTEM, ENOMEM, "seccomp: libseccomp could not start a filter");
    int rc = build(ctx, p, err) < 0 ? -1 : export_bpf(ctx, out, err);
    seccomp_release(ctx);
    return rc;
}

int vz_seccomp_compile(const struct vz_conf *conf, struct vz_seccomp *out, vz_error_t *err)
{
    out->filter = NULL;
    out->len = 0;
    int mode = mode_check(vz_conf_get(conf, "SECCOMP"), err);
    if (mode < 0)
        return -1;
    if (mode == 1)
        return 0; /* unconfined */
    struct profile p = { 0 };
    for (size_t i = 0; i < VZ_ARRAY_SIZE(defaults); i++) {
        int nr = seccomp_syscall_resolve_name(defaults[i].name);
        if (nr == __NR_SCMP_ERROR)
            continue; /* a libseccomp older than the list: nothing to filter by */
        profile_put(&p, defaults[i].name, nr, defaults[i].errnum, defaults[i].when);
    }
    int rc = -1;
    if (apply_allow(&p, vz_conf_get(conf, "SECCOMP_ALLOW"), err) < 0 ||
        apply_deny(&p, vz_conf_get(conf, "SECCOMP_DENY"), err) < 0)
        goto out;
    rc = p.n ? compile(&p, out, err) : 0;
out:
    profile_release(&p);
    return rc;
}

void vz_seccomp_release(struct vz_seccomp *s)
{
    free(s->filter);
    s->filter = NULL;
    s->len = 0;
}

int vz_seccomp_install(const struct vz_seccomp *s)
{
    if (!s || !s->len)
        return 0;
    struct sock_fprog prog = { .len = s->len, .filter = s->filter };
    if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) == 0)
        return 0;
    if (errno != ENOSYS)
        return -1;
    return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0);
}
