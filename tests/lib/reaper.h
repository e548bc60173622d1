/* tests/lib/reaper.h: what a killed test run left behind is ended when the
 * next test binary starts.
 *
 * A test that makes a VZ_ROOT in which containers may run makes it with
 * vzt_mkroot(), which records the creating process (its pid and start
 * time) in DIR/.vzt-owner. Every test binary links reaper.o (Makefile), whose
 * Criterion PRE_ALL hook calls vzt_reap_stale() before the first test:
 *
 * - It looks only at /tmp/vzt-* directories that have a .vzt-owner whose
 *   process no longer exists (a pid alive with another start time is gone
 *   too). A concurrent run's directories, and directories without the
 *   record, are never touched.
 * - In such a directory, each container of etc/vz/conf is stopped and
 *   unmounted with the built vzctl (VZ_ROOT set to it); then every process
 *   left in the directory's cgroups (vzforge-DEV-INO, named by the
 *   directory's identity: vpscore/cgroup.c) is killed and those cgroups
 *   removed; then the directory is removed (not crossing into other file
 *   systems). Each removal is said on stderr ("vzt-reap: ...").
 * - It is best effort: what it cannot end it leaves, and says so; it never
 *   fails a test. run-tests.sh's reap() after each binary still ends what a
 *   binary killed by a timeout leaves; this covers a run killed as a whole. */
#ifndef VZ_TESTS_LIB_REAPER_H
#define VZ_TESTS_LIB_REAPER_H

/* mkdtemp(tmpl), and the owner record in it; returns tmpl or NULL (errno). */
char *vzt_mkroot(char *tmpl);
/* See above; returns how many directories it removed. */
int vzt_reap_stale(void);

#endif
