/* vpscore/devices-bpf.c: the device policy as a cgroup v2 BPF program
 * (vpscore/devices-bpf.h), assembled by hand: no libbpf, no compiler at
 * run time. The program reads struct bpf_cgroup_dev_ctx:
 *     access_type = (BPF_DEVCG_ACC_* << 16) | BPF_DEVCG_DEV_*, major, minor
 * and for each rule in turn jumps to the next rule as soon as one field
 * differs; a rule that matches returns 1 (allow); falling off the end
 * returns 0 (deny: open and mknod fail with EPERM). */
#include "vpscore/devices-bpf.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* registers: r1 ctx (then scratch), r2 device type, r3 access asked for,
 * r4 major, r5 minor */
/* The registers are 4-bit fields that gcc's -Wconversion flags whatever
 * the value; every caller names r0..r10. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wconversion"
static struct bpf_insn insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
    struct bpf_insn i = { .code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm };
    return i;
}
#pragma GCC diagnostic pop
#define LDX_W(dst, src, off) insn(BPF_LDX | BPF_MEM | BPF_W, dst, src, off, 0)
#define MOV32_REG(dst, src) insn(BPF_ALU | BPF_MOV | BPF_X, dst, src, 0, 0)
#define AND32_IMM(dst, imm) insn(BPF_ALU | BPF_AND | BPF_K, dst, 0, 0, imm)
#define RSH32_IMM(dst, imm) insn(BPF_ALU | BPF_RSH | BPF_K, dst, 0, 0, imm)
#define JNE32_IMM(dst, imm, off) insn(BPF_JMP32 | BPF_JNE | BPF_K, dst, 0, off, imm)
#define MOV64_IMM(dst, imm) insn(BPF_ALU64 | BPF_MOV | BPF_K, dst, 0, 0, imm)
#define EXIT() insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

static unsigned devcg_access(unsigned a)
{
    return ((a & VZ_DEV_R) ? BPF_DEVCG_ACC_READ : 0) | ((a & VZ_DEV_W) ? BPF_DEVCG_ACC_WRITE : 0) |
           ((a & VZ_DEV_M) ? BPF_DEVCG_ACC_MKNOD : 0);
}

size_t vz_devices_bpf_build(const struct vz_devices *d, struct bpf_insn *out)
{
    size_t n = 0;
    out[n++] = LDX_W(2, 1, offsetof(struct bpf_cgroup_dev_ctx, access_type));
    out[n++] = MOV32_REG(3, 2);
    out[n++] = AND32_IMM(2, 0xffff);
    out[n++] = RSH32_IMM(3, 16);
    out[n++] = LDX_W(4, 1, offsetof(struct bpf_cgroup_dev_ctx, major));
    out[n++] = LDX_W(5, 1, offsetof(struct bpf_cgroup_dev_ctx, minor));
    for (size_t i = 0; i < d->nrules; i++) {
        const struct vz_dev_rule *r = &d->rules[i];
        unsigned all = BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE | BPF_DEVCG_ACC_MKNOD;
        unsigned acc = devcg_access(r->access);
        /* the block: checks, then "r0 = 1; exit"; each check's jump skips
         * what is left of the block */
        int len = 2 + (acc != all ? 3 : 0) + (r->major != VZ_DEV_ANY) + (r->minor != VZ_DEV_ANY) + 1;
        int left = len;
        out[n++] = JNE32_IMM(2, r->type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR, (int16_t)(--left));
        if (acc != all) {
            /* every bit asked for must be allowed: (asked & ~allowed) == 0 */
            out[n++] = MOV32_REG(1, 3);
            left--;
            out[n++] = AND32_IMM(1, (int32_t)(~acc & all));
            left--;
            out[n++] = JNE32_IMM(1, 0, (int16_t)(--left));
        }
        if (r->major != VZ_DEV_ANY)
            out[n++] = JNE32_IMM(4, r->major, (int16_t)(--left));
        if (r->minor != VZ_DEV_ANY)
            out[n++] = JNE32_IMM(5, r->minor, (int16_t)(--left));
        out[n++] = MOV64_IMM(0, 1);
        out[n++] = EXIT();
    }
    out[n++] = MOV64_IMM(0, 0);
    out[n++] = EXIT();
    return n;
}

static int sys_bpf(int cmd, union bpf_attr *attr)
{
    return (int)syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

static int load(const struct vz_devices *d, vz_error_t *err)
{
    struct bpf_insn prog[VZ_DEVBPF_MAX_INSNS];
    size_t n = vz_devices_bpf_build(d, prog);
    static char log[8192];
    union bpf_attr a;
    memset(&a, 0, sizeof(a));
    a.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
    a.insns = (uint64_t)(uintptr_t)prog;
    a.insn_cnt = (uint32_t)n;
    a.license = (uint64_t)(uintptr_t)"GPL"; /* calls no helper: the string is not checked */
    log[0] = '\0';
    int fd = sys_bpf(BPF_PROG_LOAD, &a);
    if (fd < 0 && errno != EPERM && errno != ENOSYS) {
        /* once more with the verifier's log, for the message only (a log
         * on every load could fail a good program with ENOSPC) */
        a.log_buf = (uint64_t)(uintptr_t)log;
        a.log_size = sizeof(log);
        a.log_level = 1;
        int fd2 = sys_bpf(BPF_PROG_LOAD, &a);
        if (fd2 >= 0)
            return fd2;
    }
    if (fd < 0)
        return vz_error_sys(err, "load the device policy as a BPF program (%zu instructions)%s%.200s", n,
                            log[0] ? ": verifier: " : "", log);
    return fd;
}

/* ids of the device programs attached to dirfd itself */
static int query(int dirfd, uint32_t *ids, uint32_t *n, vz_error_t *err)
{
    union bpf_attr a;
    memset(&a, 0, sizeof(a));
    a.query.target_fd = (uint32_t)dirfd;
    a.query.attach_type = BPF_CGROUP_DEVICE;
    a.query.prog_ids = (uint64_t)(uintptr_t)ids;
    a.query.prog_cnt = *n;
    if (sys_bpf(BPF_PROG_QUERY, &a) < 0)
        return vz_error_sys(err, "query the device programs of the cgroup");
    *n = a.query.prog_cnt;
    return 0;
}

int vz_devices_bpf_count(const char *dir, vz_error_t *err)
{
    cleanup_close int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dirfd < 0)
        return vz_error_sys(err, "open cgroup %s", dir);
    uint32_t ids[64], n = 64;
    if (query(dirfd, ids, &n, err) < 0)
        return -1;
    return (int)n;
}

int vz_devices_bpf_attach(const char *dir, const struct vz_devices *d, vz_error_t *err)
{
    cleanup_close int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dirfd < 0)
        return vz_error_sys(err, "open cgroup %s", dir);
    uint32_t old[64], nold = 64;
    if (query(dirfd, old, &nold, err) < 0)
        return vz_error_wrap(err, "cgroup %s", dir);
    cleanup_close int prog = load(d, err);
    if (prog < 0)
        return -1;
    union bpf_attr a;
    memset(&a, 0, sizeof(a));
    a.target_fd = (uint32_t)dirfd;
    a.attach_bpf_fd = (uint32_t)prog;
    a.attach_type = BPF_CGROUP_DEVICE;
    a.attach_flags = BPF_F_ALLOW_MULTI;
    if (sys_bpf(BPF_PROG_ATTACH, &a) < 0)
        return vz_error_sys(err, "attach the device program to cgroup %s", dir);
    /* the new program is in force: now the old ones may go */
    for (uint32_t i = 0; i < nold; i++) {
        union bpf_attr g;
        memset(&g, 0, sizeof(g));
        g.prog_id = old[i];
        cleanup_close int ofd = sys_bpf(BPF_PROG_GET_FD_BY_ID, &g);
        if (ofd < 0)
            continue; /* gone meanwhile */
        memset(&a, 0, sizeof(a));
        a.target_fd = (uint32_t)dirfd;
        a.attach_bpf_fd = (uint32_t)ofd;
        a.attach_type = BPF_CGROUP_DEVICE;
        if (sys_bpf(BPF_PROG_DETACH, &a) < 0 && errno != ENOENT)
            return vz_error_sys(err, "detach the previous device program %u from cgroup %s", old[i], dir);
    }
    return 0;
}
