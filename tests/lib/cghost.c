/* tests/lib/cghost.c: tests/lib/cghost.h. */
#include "tests/lib/cghost.h"

#include <stdio.h>
#include <sys/vfs.h>
#include <unistd.h>

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

static int root_is_v2(void)
{
    struct statfs sf;
    return statfs("/sys/fs/cgroup", &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC;
}

int vzt_cg_host(void)
{
    int v = root_is_v2() ? 2 : 1;
    /* one write: lines of tests running in parallel do not mix */
    dprintf(2, "vzt-host: cgroup-v%d\n", v);
    return v;
}

const char *vzt_cg2_root(void)
{
    if (root_is_v2())
        return "/sys/fs/cgroup";
    return access("/sys/fs/cgroup/unified/cgroup.procs", F_OK) == 0 ? "/sys/fs/cgroup/unified" : NULL;
}
