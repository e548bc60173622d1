/* tests/export/fixture.h: a signed template cache made by the test (a
 * busybox root with /etc/debian_version, packed and signed as a build
 * would), and helpers to run vzpkg export and the tools that consume its
 * output. */
#ifndef VZ_TESTS_EXPORT_FIXTURE_H
#define VZ_TESTS_EXPORT_FIXTURE_H

#include <jansson.h>
#include <stdbool.h>

/* The name of the fixture's caches: distro-release-arch-variant, so that
 * the exports get debian's LXC config and the x86_64 architecture. */
#define VZT_EXPORT_NAME "debian-12-x86_64-bbtest"
#define VZT_EXPORT_NOINIT "debian-12-x86_64-bbnoinit"
#define VZT_DEBIAN_VERSION "12.99"

/* A fresh /tmp/vzt-export-XXXXXX as VZ_ROOT, holding both caches
 * (SOURCE_DATE_EPOCH 1700000000): VZT_EXPORT_NAME with /sbin/init
 * (busybox), VZT_EXPORT_NOINIT without. Returns the directory. */
const char *vzt_export_setup(void);
void vzt_export_teardown(void);
/* top/SUB (allocated). */
char *vzt_export_path(const char *sub);

/* Run build/bin/vzpkg export NAME --format FORMATS -o DIR --json; the
 * exit status into *status, the parsed stdout (NULL when not JSON). */
json_t *vzt_export_cli(const char *name, const char *formats, const char *dir, int *status);

/* Run a shell command (printf-style); its exit status. Its output goes to
 * the test's stderr. */
int vzt_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Its stdout instead (allocated, trailing newline removed). */
char *vzt_sh_out(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Mounts whose mount point is under this test's directory (other tests
 * and other test runs use /tmp/vzt-* too, at the same time). */
int vzt_export_mounts(void);
/* Whether PROG is on PATH. */
bool vzt_have(const char *prog);

/* The "files" entry of kind K in output of format F of an export result. */
json_t *vzt_export_file(json_t *res, const char *format, const char *kind);
json_t *vzt_export_output(json_t *res, const char *format);

#endif
