/* tests/tmplbuild/fetch_fixture.h: a served directory with files of
 * pseudo-random content and known sha256, and an output directory, for the
 * fetch tests. ff_setup/ff_teardown are the suite's init/fini. */
#ifndef VZ_TESTS_FETCH_FIXTURE_H
#define VZ_TESTS_FETCH_FIXTURE_H

#include <stddef.h>

#include "common/common.h"
#include "tmplbuild/fetch.h"

struct ff_file {
    char *path;      /* URL path, "/pool/a.deb" */
    char *data;
    size_t len;
    char sha256[65];
};

extern struct vz_httpd *ff_srv;
extern char ff_dir[64];      /* the temporary root */
extern char *ff_srv_dir;     /* served: ff_dir/srv */
extern char *ff_out;         /* destinations: ff_dir/out */

void ff_setup(void);
void ff_teardown(void);

/* A served file of len pseudo-random bytes (seeded by path). */
struct ff_file *ff_add(const char *path, size_t len);
struct ff_file *ff_add_data(const char *path, const void *data, size_t len);
/* URL of a served path, allocated. */
char *ff_url(const char *path);
/* An item for f: its URL, dest ff_out/<sha256>, size and sha256 given when
 * verified is set. Free with ff_item_free. */
struct vz_fetch_item ff_item(const struct ff_file *f, const char *label, int verified);
void ff_item_free(struct vz_fetch_item *it);
/* Options for tests: short backoff so retries do not slow the suite. */
struct vz_fetch_opts ff_opts(void);

/* cr_assert that path holds exactly f's bytes. */
void ff_assert_file(const char *path, const struct ff_file *f);
int ff_exists_part(const char *dest);

#endif
