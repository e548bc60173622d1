/* tmplbuild/binfmt.c: is a foreign architecture runnable here? (binfmt.h) */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "tmplbuild/binfmt.h"

/* The ELF identity of a template architecture (OpenVZ's names, as the
 * distros' YAML `architectures:` keys spell them). */
struct elf_arch {
    const char *arch;     /* "aarch64" */
    const char *qemu;     /* qemu-user's name for it */
    uint8_t cls;          /* ELFCLASS32 1, ELFCLASS64 2 */
    uint8_t data;         /* ELFDATA2LSB 1, ELFDATA2MSB 2 */
    uint16_t machine;     /* e_machine */
};

static const struct elf_arch arches[] = {
    { "x86_64", "x86_64", 2, 1, 62 },
    { "i686", "i386", 1, 1, 3 },
    { "i386", "i386", 1, 1, 3 },
    { "aarch64", "aarch64", 2, 1, 183 },
    { "armv7l", "arm", 1, 1, 40 },
    { "armhf", "arm", 1, 1, 40 },
    { "ppc64le", "ppc64le", 2, 1, 21 },
    { "s390x", "s390x", 2, 2, 22 },
    { "riscv64", "riscv64", 2, 1, 243 },
};

static const struct elf_arch *elf_arch(const char *arch)
{
    for (size_t i = 0; i < VZ_ARRAY_SIZE(arches); i++)
        if (!strcmp(arches[i].arch, arch))
            return &arches[i];
    return NULL;
}

bool vz_binfmt_native(const char *arch)
{
    struct utsname u;
    if (uname(&u) < 0)
        return false;
    if (!strcmp(u.machine, arch))
        return true;
    /* a 64-bit x86 kernel runs 32-bit x86 programs itself */
    const struct elf_arch *a = elf_arch(arch);
    return a && a->machine == 3 && !strcmp(u.machine, "x86_64");
}

/* The first 20 bytes of an ELF header of a position-independent executable
 * (ET_DYN, what Debian builds its programs as) for a. */
static void elf_header(const struct elf_arch *a, uint8_t h[20])
{
    memset(h, 0, 20);
    h[0] = 0x7f, h[1] = 'E', h[2] = 'L', h[3] = 'F';
    h[4] = a->cls;
    h[5] = a->data;
    h[6] = 1; /* EV_CURRENT */
    bool le = a->data == 1;
    h[le ? 16 : 17] = 3; /* ET_DYN */
    h[le ? 18 : 19] = (uint8_t)(a->machine & 0xff);
    h[le ? 19 : 18] = (uint8_t)(a->machine >> 8);
}

static size_t unhex(const char *s, uint8_t *out, size_t max)
{
    size_t n = 0;
    while (n < max && s[0] && s[1]) {
        unsigned v;
        if (sscanf(s, "%2x", &v) != 1)
            break;
        out[n++] = (uint8_t)v;
        s += 2;
    }
    return n;
}

/* One binfmt_misc entry, as the kernel prints it. */
struct entry {
    bool enabled;
    char interpreter[512];
    char flags[32];
    long offset;
    uint8_t magic[128], mask[128];
    size_t n_magic, n_mask;
    bool is_magic;
};

static bool read_entry(const char *path, struct entry *e)
{
    memset(e, 0, sizeof(*e));
    cleanup_file FILE *f = fopen(path, "re");
    if (!f)
        return false;
    char line[1024];
    while (fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\n")] = 0;
        if (!strcmp(line, "enabled"))
            e->enabled = true;
        else if (!strncmp(line, "interpreter ", 12))
            snprintf(e->interpreter, sizeof(e->interpreter), "%.511s", line + 12);
        else if (!strncmp(line, "flags: ", 7))
            snprintf(e->flags, sizeof(e->flags), "%.31s", line + 7);
        else if (!strncmp(line, "offset ", 7))
            e->offset = strtol(line + 7, NULL, 10);
        else if (!strncmp(line, "magic ", 6)) {
            e->n_magic = unhex(line + 6, e->magic, sizeof(e->magic));
            e->is_magic = true;
        } else if (!strncmp(line, "mask ", 5))
            e->n_mask = unhex(line + 5, e->mask, sizeof(e->mask));
    }
    return true;
}

static bool matches(const struct entry *e, const uint8_t h[20])
{
    if (!e->is_magic || e->offset < 0 || e->n_magic == 0 || (size_t)e->offset + e->n_magic > 20)
        return false;
    for (size_t i = 0; i < e->n_magic; i++) {
        uint8_t m = i < e->n_mask ? e->mask[i] : 0xff;
        if ((h[e->offset + i] & m) != (e->magic[i] & m))
            return false;
    }
    return true;
}

static int missing(vz_error_t *err, const char *arch, const char *host, const char *what,
                   const char *fix)
{
    return vz_error_set(err, VZ_EBUILD, 0,
                        "cannot run %s programs on this %s host, which building a template of "
                        "that architecture needs (its maintainer scripts run in the root): %s; %s",
                        arch, host, what, fix);
}

int vz_binfmt_check(const char *arch, vz_error_t *err)
{
    if (vz_binfmt_native(arch))
        return 0;
    struct utsname u;
    if (uname(&u) < 0)
        return vz_error_sys(err, "uname");
    const struct elf_arch *a = elf_arch(arch);
    if (!a)
        return vz_error_set(err, VZ_EBUILD, 0,
                            "cannot build a template of architecture %s on this %s host: vzforge "
                            "does not know how to run its programs (no emulator mapping)",
                            arch, u.machine);
    const char *dir = getenv("VZ_BINFMT_MISC_DIR");
    if (!dir || !*dir)
        dir = "/proc/sys/fs/binfmt_misc";
    cleanup_free char *install = vz_xasprintf(
        "install the emulator and its registration: apt-get install qemu-user-static "
        "binfmt-support (it registers qemu-%s with the F flag; when they are installed already, "
        "run update-binfmts --enable qemu-%s)", a->qemu, a->qemu);
    cleanup_free char *status = vz_path_join(dir, "status");
    cleanup_free char *st = NULL;
    size_t len = 0;
    vz_error_t rerr = NULL;
    if (vz_read_file(status, &st, &len, &rerr) < 0) {
        vz_error_release(&rerr);
        cleanup_free char *what = vz_xasprintf("binfmt_misc is not mounted at %s", dir);
        cleanup_free char *fix = vz_xasprintf(
            "mount it (mount -t binfmt_misc binfmt_misc %s), or %s", dir, install);
        return missing(err, arch, u.machine, what, fix);
    }
    if (strncmp(st, "enabled", 7) != 0) {
        cleanup_free char *what = vz_xasprintf("binfmt_misc is disabled (%s)", status);
        cleanup_free char *fix = vz_xasprintf("enable it: echo 1 > %s", status);
        return missing(err, arch, u.machine, what, fix);
    }
    uint8_t h[20];
    elf_header(a, h);
    cleanup_dir DIR *d = opendir(dir);
    if (!d)
        return vz_error_sys(err, "open %s", dir);
    struct dirent *de;
    char disabled[256] = "", nofix[256] = "";
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.' || !strcmp(de->d_name, "status") ||
            !strcmp(de->d_name, "register"))
            continue;
        cleanup_free char *p = vz_path_join(dir, de->d_name);
        struct entry e;
        if (!read_entry(p, &e) || !matches(&e, h))
            continue;
        if (!e.enabled)
            snprintf(disabled, sizeof(disabled), "%s", de->d_name);
        else if (!strchr(e.flags, 'F'))
            snprintf(nofix, sizeof(nofix), "%s", de->d_name);
        else {
            vz_debug("%s programs run through binfmt_misc entry %s (%s, flags %s)", arch,
                     de->d_name, e.interpreter, e.flags);
            return 0;
        }
    }
    if (*nofix) {
        cleanup_free char *what = vz_xasprintf(
            "binfmt_misc entry %s/%s is registered without the F flag, so its interpreter would "
            "have to exist inside the root", dir, nofix);
        cleanup_free char *fix = vz_xasprintf(
            "register it with F (the qemu-user-static package's registration has it: "
            "update-binfmts --disable %s && update-binfmts --enable qemu-%s)", nofix, a->qemu);
        return missing(err, arch, u.machine, what, fix);
    }
    if (*disabled) {
        cleanup_free char *what = vz_xasprintf("binfmt_misc entry %s/%s is disabled", dir,
                                               disabled);
        cleanup_free char *fix = vz_xasprintf("enable it: update-binfmts --enable %s", disabled);
        return missing(err, arch, u.machine, what, fix);
    }
    cleanup_free char *what = vz_xasprintf("no binfmt_misc entry in %s runs %s ELF programs", dir,
                                           arch);
    return missing(err, arch, u.machine, what, install);
}
