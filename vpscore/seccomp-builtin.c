/* vpscore/seccomp-builtin.c: the default profile's filter, compiled when
 * vzforge is built (vpscore/seccomp.h, docs/seccomp.md "Built in").
 *
 * libseccomp takes ~1 ms of CPU to compile the default profile, and every
 * start and every exec needs the program: 2 ms of a start+exec+stop cycle
 * for a result that depends only on the profile in vpscore/seccomp.c, the
 * architecture and libseccomp's version. So the build runs
 * vpscore/gen/seccomp_gen.c, which compiles the default profile with
 * vz_seccomp_compile and writes the program as C
 * ($(BUILD)/gen/vpscore/seccomp-default.inc), and it lands in the binary.
 * The program is then part of vzctl itself: no file to read, no cache an
 * attacker could swap, nothing to verify but that it was built for this
 * process (architecture, libseccomp version: otherwise compile now, as
 * before). tests/vpscore/test_seccomp.c checks that it is byte for byte
 * what libseccomp compiles at run time. */
#include "vpscore/seccomp.h"

#include "common/common.h"

#include <linux/filter.h>
#include <seccomp.h>
#include <string.h>

/* VZ_SECCOMP_BUILTIN_ARCH, VZ_SECCOMP_BUILTIN_MAJOR/MINOR/MICRO and
 * vz_seccomp_builtin_prog[] (may be empty: then nothing is built in) */
#include "vpscore/seccomp-default.inc"

int vz_seccomp_builtin(struct vz_seccomp *out)
{
    out->filter = NULL;
    out->len = 0;
    size_t n = sizeof(vz_seccomp_builtin_prog) / sizeof(vz_seccomp_builtin_prog[0]);
    if (n == 0 || n > BPF_MAXINSNS || seccomp_arch_native() != VZ_SECCOMP_BUILTIN_ARCH)
        return 0;
    const struct scmp_version *v = seccomp_version();
    if (!v || v->major != VZ_SECCOMP_BUILTIN_MAJOR || v->minor != VZ_SECCOMP_BUILTIN_MINOR ||
        v->micro != VZ_SECCOMP_BUILTIN_MICRO)
        return 0; /* another libseccomp than the build's: compile as it would */
    out->filter = vz_xmalloc(sizeof(vz_seccomp_builtin_prog));
    memcpy(out->filter, vz_seccomp_builtin_prog, sizeof(vz_seccomp_builtin_prog));
    out->len = (unsigned short)n;
    return 1;
}

/* Nothing but separators: "", "  ", ",". */
static int blank(const char *s)
{
    for (; s && *s; s++)
        if (*s != ' ' && *s != '\t' && *s != ',')
            return 0;
    return 1;
}

int vz_seccomp_prepare(const struct vz_conf *conf, struct vz_seccomp *out, vz_error_t *err)
{
    const char *mode = vz_conf_get(conf, "SECCOMP");
    if ((!mode || !*mode || !strcmp(mode, "default")) && blank(vz_conf_get(conf, "SECCOMP_ALLOW")) &&
        blank(vz_conf_get(conf, "SECCOMP_DENY")) && vz_seccomp_builtin(out))
        return 0;
    return vz_seccomp_compile(conf, out, err);
}
