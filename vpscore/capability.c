/* vpscore/capability.c: --capability (capability.h). */
#include "vpscore/capability.h"

#include <ctype.h>
#include <linux/capability.h>
#include <string.h>
#include <strings.h>

#include "vpscore/ns.h"

static const char *const names[] = {
    "CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID", "SETUID",
    "SETPCAP", "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN", "NET_RAW", "IPC_LOCK",
    "IPC_OWNER", "SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT", "SYS_ADMIN", "SYS_BOOT",
    "SYS_NICE", "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD", "LEASE", "AUDIT_WRITE", "AUDIT_CONTROL",
    "SETFCAP", "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG", "WAKE_ALARM", "BLOCK_SUSPEND", "AUDIT_READ", "PERFMON",
    "BPF", "CHECKPOINT_RESTORE",
};

int vz_cap_number(const char *name)
{
    for (size_t i = 0; i < VZ_ARRAY_SIZE(names); i++)
        if (strcasecmp(names[i], name) == 0)
            return (int)i;
    return -1;
}

/* Split "NAME:on|off"; -1 when it is not that shape. */
static int split(const char *spec, char *name, size_t n, int *on)
{
    const char *colon = strrchr(spec, ':');
    if (!colon || (size_t)(colon - spec) >= n || colon == spec)
        return -1;
    memcpy(name, spec, (size_t)(colon - spec));
    name[colon - spec] = '\0';
    if (strcmp(colon + 1, "on") == 0)
        *on = 1;
    else if (strcmp(colon + 1, "off") == 0)
        *on = 0;
    else
        return -1;
    return 0;
}

int vz_cap_check(const char *spec, vz_error_t *err)
{
    char name[32];
    int on;
    if (split(spec, name, sizeof(name), &on) < 0)
        return vz_error_set(err, VZ_EBADARG, 0, "--capability %s: want NAME:on or NAME:off", spec);
    int c = vz_cap_number(name);
    if (c < 0)
        return vz_error_set(err, VZ_EBADARG, 0, "--capability %s: no capability '%s'", spec, name);
    if (on && c != CAP_SYS_ADMIN && vz_ns_cap_always_dropped(c))
        return vz_error_set(err, VZ_EBADARG, 0,
                            "--capability %s: not granted: CAP_%s acts on the host, not on the container's "
                            "namespaces (docs/security.md)", spec, names[c]);
    return 0;
}

char *vz_cap_merge(const char *old, const char *spec)
{
    char name[32];
    int on = 0;
    split(spec, name, sizeof(name), &on);
    struct vz_buf b = VZ_BUF_INIT;
    vz_buf_init(&b);
    cleanup_free char *copy = vz_xstrdup(old);
    for (char *save = NULL, *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
        char wn[32];
        int won;
        if (split(w, wn, sizeof(wn), &won) == 0 && strcasecmp(wn, name) == 0)
            continue;
        vz_buf_addf(&b, "%s%s", b.len ? " " : "", w);
    }
    vz_buf_addf(&b, "%s", b.len ? " " : "");
    for (const char *p = name; *p; p++)
        vz_buf_addc(&b, (char)toupper((unsigned char)*p));
    vz_buf_addf(&b, ":%s", on ? "on" : "off");
    return vz_buf_detach(&b, NULL);
}

int vz_caps_from_conf(const struct vz_conf *c, uint64_t *off, int *sys_admin_on, vz_error_t *err)
{
    *off = 0;
    *sys_admin_on = 0;
    cleanup_free char *v = vz_xstrdup(vz_conf_get(c, "CAPABILITY"));
    for (char *save = NULL, *w = strtok_r(v, " ,", &save); w; w = strtok_r(NULL, " ,", &save)) {
        if (vz_cap_check(w, err) < 0)
            return vz_error_wrap(err, "CAPABILITY in the container's conf");
        char name[32];
        int on;
        split(w, name, sizeof(name), &on);
        int n = vz_cap_number(name);
        if (!on)
            *off |= 1ULL << n;
        else if (n == CAP_SYS_ADMIN)
            *sys_admin_on = 1;
    }
    if (*off & (1ULL << CAP_SYS_ADMIN))
        *sys_admin_on = 0;
    return 0;
}
