/* tests/lib/cghost.h: which cgroup layout the host running the tests has,
 * for tests that use real cgroups (a v1 host such as the build machines,
 * the cgroup-v2 guest of `make check-vm`).
 *
 * A test that depends on the layout asks vzt_cg_host() and runs the variant
 * for it: none may pass by skipping on both. vzt_cg_host() also prints one
 * line "vzt-host: cgroup-v1" or "vzt-host: cgroup-v2" on stderr, which
 * tests/run-tests.sh counts, so that each suite's summary says how many
 * tests ran against which layout. Call it once per test. */
#ifndef VZT_CGHOST_H
#define VZT_CGHOST_H

/* 1: the root /sys/fs/cgroup is cgroup v1 (with or without the hybrid
 * cgroup2 mount at /sys/fs/cgroup/unified); 2: it is cgroup2 (pure v2).
 * Prints the tag. */
int vzt_cg_host(void);

/* A real cgroup2 hierarchy to run v2 code against: the root on a v2 host,
 * the hybrid "unified" mount on a v1 host (which has no controllers);
 * NULL when there is none. Does not print the tag. */
const char *vzt_cg2_root(void);

#endif
