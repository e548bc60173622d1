/* vpscore/cgroup-events.c: vz_cgroup_memory_events() (vpscore/cgroup.h):
 * how often the container ran into its memory limit and what the OOM
 * killer did about it, read from the kernel's own counters. */
#include "vpscore/cgroup-internal.h"

#include <stdlib.h>
#include <string.h>

/* The number after "key " in a "key value" per line file; -1 if absent. */
static int64_t keyed(const char *text, const char *key)
{
    size_t n = strlen(key);
    for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
        if (strncmp(l, key, n) == 0 && l[n] == ' ')
            return strtoll(l + n + 1, NULL, 10);
    return -1;
}

static int read_quiet(const char *dir, const char *file, char **out)
{
    vz_error_t e = NULL;
    if (vz_cg_read(dir, file, out, &e) == 0)
        return 0;
    vz_error_release(&e);
    return -1;
}

int vz_cgroup_memory_events(const struct vz_cgroup *cg, struct vz_cgroup_memev *ev)
{
    ev->oom = ev->oom_kill = ev->max = -1;
    cleanup_free char *dir = vz_cgroup_path(cg, "memory");
    cleanup_free char *text = NULL;
    if (cg->version == 2) {
        /* hierarchical: the container's own sub-groups count too */
        if (read_quiet(dir, "memory.events", &text) < 0)
            return -1;
        ev->oom = keyed(text, "oom");
        ev->oom_kill = keyed(text, "oom_kill");
        ev->max = keyed(text, "max");
        return 0;
    }
    /* v1: oom_control's oom_kill (Linux 4.13+) counts kills. Nothing
     * counts OOM events apart from the kills, and memory.failcnt is not a
     * count of limit hits to rely on (it stayed 0 through an OOM kill at
     * the limit on Linux 6.18): both -1. */
    if (read_quiet(dir, "memory.oom_control", &text) < 0)
        return -1;
    ev->oom_kill = keyed(text, "oom_kill");
    return 0;
}
