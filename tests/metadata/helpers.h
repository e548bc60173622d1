/* tests/metadata/helpers.h: a temporary VZ_ROOT with a distros/ directory.
 *
 * md_setup() makes a temp dir, chdirs into it (so messages name
 * "distros/debian-12.yaml" exactly as users see them), sets VZ_ROOT to it and
 * clears the mirror environment. Criterion runs every test in its own
 * process, so chdir, setenv and vz_global_conf()'s one-time load are per test.
 */
#ifndef VZ_TESTS_METADATA_HELPERS_H
#define VZ_TESTS_METADATA_HELPERS_H

#include "metadata/metadata.h"

extern char md_tmp[64];

/* The valid base document of the error tests; its lines are numbered in
 * test_errors.c. */
extern const char md_base_yaml[];

void md_setup(void);
void md_teardown(void);

/* Write text to path (relative to the temp dir); parent dirs are made. */
void md_write(const char *path, const char *text);
/* md_base_yaml with the one occurrence of from replaced by to. Allocated. */
char *md_base_with(const char *from, const char *to);
/* Write distros/debian-12.yaml, load debian-12-x86_64-minimal without
 * mirrors and assert a VZ_EMETADATA error with exactly msg. */
void md_expect_error(const char *yaml, const char *msg);
/* Same for any template name, with the given opts (NULL: skip mirrors). */
void md_expect_error_for(const char *yaml, const char *name, const struct vz_metadata_opts *o,
                         int status, const char *msg);
/* Load a template from distros/ (opts may be NULL: skip mirrors); asserts success. */
struct vz_template *md_load_ok(const char *name, const struct vz_metadata_opts *o);
/* NULL-terminated list joined with ' '. Allocated. */
char *md_join(char *const *v);
/* The shipped distros/ (allocated): VZ_SRC's, else the one the binaries
 * find beside the source tree they were built from, so the suites that read
 * the shipped files run without make check's environment too. */
char *md_shipped_dir(void);

#endif
