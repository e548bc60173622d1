/* vpscore/features.c: --features (features.h). */
#include "vpscore/features.h"
#include "vpscore/devices.h"

#include <string.h>

static const struct {
    const char *name;
    const char *dev;    /* the device it opens, or NULL */
    const char *refuse; /* why it cannot be had, or NULL */
} features[] = {
    { "tun", "net/tun", NULL },
    { "fuse", "fuse", NULL },
    { "ppp", "ppp", NULL },
    { "bridge", NULL, NULL },
    { "sit", NULL, NULL },
    { "ipip", NULL, NULL },
    { "ipgre", NULL, NULL },
    { "sysfs", NULL, NULL },
    { "nfs", NULL, "the kernel does not let a user namespace mount nfs (mount it on the host and bind it in)" },
    { "nfsd", NULL, "the kernel's nfs server serves the host's namespaces only (run a user-space one inside)" },
};

/* The feature of spec and whether it is on; -1 + err when spec is bad. */
static int lookup(const char *spec, int *on, vz_error_t *err)
{
    const char *colon = strrchr(spec, ':');
    if (!colon || (strcmp(colon + 1, "on") != 0 && strcmp(colon + 1, "off") != 0))
        return vz_error_set(err, VZ_EBADARG, 0, "--features %s: want NAME:on or NAME:off", spec);
    *on = strcmp(colon + 1, "on") == 0;
    size_t n = (size_t)(colon - spec);
    for (size_t i = 0; i < VZ_ARRAY_SIZE(features); i++)
        if (strlen(features[i].name) == n && strncmp(features[i].name, spec, n) == 0)
            return (int)i;
    return vz_error_set(err, VZ_EBADARG, 0, "--features %s: unknown; known: tun fuse ppp bridge sit ipip ipgre "
                        "sysfs (nfs, nfsd: not available)", spec);
}

int vz_feature_check(const char *spec, vz_error_t *err)
{
    int on;
    int i = lookup(spec, &on, err);
    if (i < 0)
        return -1;
    if (features[i].refuse)
        return vz_error_set(err, VZ_EBADARG, 0, "--features %s: not available: %s", spec, features[i].refuse);
    if (!on && !features[i].dev)
        return vz_error_set(err, VZ_EBADARG, 0, "--features %s: cannot be turned off: the container has its own "
                            "%s", spec, strcmp(features[i].name, "sysfs") == 0 ? "sysfs" : "network namespace");
    return 0;
}

int vz_features_add_devices(struct vz_devices *d, const char *spec, vz_error_t *err)
{
    if (vz_feature_check(spec, err) < 0)
        return -1;
    int on;
    int i = lookup(spec, &on, err);
    if (!features[i].dev)
        return 0;
    cleanup_free char *as = vz_xasprintf("%s:%s", features[i].dev, on ? "rw" : "none");
    return vz_devices_add(d, as, err) < 0 ? vz_error_wrap(err, "--features %s", spec) : 0;
}
