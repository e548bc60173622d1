/* vpscore/devices-conf.c: a container's device policy from its conf
 * (FEATURES, then DEVICES, then DEVNODES). Apart from devices.c because
 * FEATURES is features.c's, and features.c builds on devices.c. */
#include "vpscore/devices.h"
#include "vpscore/features.h"

#include <string.h>

/* Every word of the conf's key through add. */
static int add_words(const struct vz_conf *c, const char *key, struct vz_devices *out,
                     int (*add)(struct vz_devices *, const char *, vz_error_t *), vz_error_t *err)
{
    const char *v = vz_conf_get(c, key);
    cleanup_free char *copy = vz_xstrdup(v);
    char *save = NULL;
    for (char *t = strtok_r(copy, " \t", &save); t; t = strtok_r(NULL, " \t", &save))
        if (add(out, t, err) < 0)
            return vz_error_wrap(err, "%s in %s", key, c->path ? c->path : "the container's conf");
    return 0;
}

int vz_devices_from_conf(const struct vz_conf *c, struct vz_devices *out, vz_error_t *err)
{
    vz_devices_default(out);
    if (add_words(c, "FEATURES", out, vz_features_add_devices, err) < 0 ||
        add_words(c, "DEVICES", out, vz_devices_add_number, err) < 0)
        return -1;
    return add_words(c, "DEVNODES", out, vz_devices_add, err);
}
