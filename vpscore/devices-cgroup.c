/* vpscore/devices-cgroup.c: vz_cgroup_devices() (vpscore/devices.h): the
 * device policy written into the container's group, v1 or v2. */
#include "vpscore/cgroup-internal.h"
#include "vpscore/devices-bpf.h"
#include "vpscore/devices.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static int has_rule(const struct vz_devices *d, const char *line)
{
    char buf[48];
    for (size_t i = 0; i < d->nrules; i++)
        if (strcmp(vz_dev_rule_str(&d->rules[i], buf, sizeof(buf)), line) == 0)
            return 1;
    return 0;
}

/* A group nobody is in yet: deny all, then allow each rule. A running one:
 * devices.list is what it has now ("a *:* rwm" while nothing was set);
 * every line the new policy does not have is denied, every rule allowed, so
 * a device both policies allow (null) never stops working. */
static int v1_devices(const char *dir, const struct vz_devices *d, vz_error_t *err)
{
    cleanup_free char *list = NULL;
    if (vz_cg_read(dir, "devices.list", &list, err) < 0)
        return -1;
    cleanup_free char *procs = vz_path_join(dir, "cgroup.procs");
    pid_t *pids = NULL;
    size_t n = 0;
    if (vz_cg_read_pids(procs, &pids, &n, err) < 0)
        return -1;
    free(pids);
    if (n == 0 || strncmp(list, "a ", 2) == 0) {
        if (vz_cg_write(dir, "devices.deny", "a", err) < 0)
            return -1;
    } else {
        char *save = NULL;
        for (char *t = strtok_r(list, "\n", &save); t; t = strtok_r(NULL, "\n", &save))
            if (!has_rule(d, t) && vz_cg_write(dir, "devices.deny", t, err) < 0)
                return -1;
    }
    char buf[48];
    for (size_t i = 0; i < d->nrules; i++)
        if (vz_cg_write(dir, "devices.allow", vz_dev_rule_str(&d->rules[i], buf, sizeof(buf)), err) < 0)
            return -1;
    return 0;
}

int vz_cgroup_devices(struct vz_cgroup *cg, const struct vz_devices *d, vz_error_t *err)
{
    if (cg->version == 2) {
        cleanup_free char *dir = vz_cgroup_path(cg, NULL);
        if (vz_devices_bpf_attach(dir, d, err) < 0)
            return vz_error_wrap(err, "device policy of cgroup %s", cg->name);
        return 0;
    }
    for (size_t i = 0; i < cg->nhier; i++) {
        if (!(cg->hier[i].kind & VZ_CGH_DEVICES))
            continue;
        cleanup_free char *dir = vz_path_join(cg->hier[i].dir, cg->name);
        if (v1_devices(dir, d, err) < 0)
            return vz_error_wrap(err, "device policy of cgroup %s", cg->name);
        return 0;
    }
    return vz_error_set(err, VZ_ESYSTEM, ENOENT,
                        "device policy of cgroup %s: no devices controller is mounted under %s (without it "
                        "the container could open every device node it finds or is given)", cg->name, cg->root);
}
