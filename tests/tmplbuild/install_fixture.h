/* tests/tmplbuild/install_fixture.h: helpers for the install tests.
 *
 * install_chroot_runner: a vz_script_runner for tests of tmplbuild/install
 * itself: fork, chroot into the root, exec, capture output. It isolates
 * nothing; the builder uses the vpscore sandbox (tested in tests/vpscore).
 *
 * install_make_deb: write a .deb (ar + control.tar.gz + data.tar) with
 * arbitrary, possibly hostile, data.tar entries, which dpkg-deb refuses to
 * build. */
#ifndef VZ_TESTS_INSTALL_FIXTURE_H
#define VZ_TESTS_INSTALL_FIXTURE_H

#include "common/common.h"
#include "tmplbuild/deb/install.h"

extern const struct vz_script_runner install_chroot_runner;

struct fx_entry {
    const char *name;     /* as stored in data.tar, e.g. "./etc/x", "/abs", "../up" */
    char type;            /* 'f' file, 'd' dir, 'l' symlink, 'h' hard link */
    const char *data;     /* file content, or link target */
    unsigned mode;        /* 0 = 0644 files, 0755 dirs */
    int gid;              /* owner is uid 0; group gid */
    const char *xattr;    /* "name=value" extended attribute, or NULL */
};

/* control: the control stanza; preinst/postinst may be NULL. */
int install_make_deb(const char *path, const char *control, const char *preinst,
                     const char *postinst, const struct fx_entry *entries, size_t n);

/* Find DIR/pool/main/<x>/NAME/NAME_*.deb (the first match). Allocated or NULL. */
char *install_find_deb(const char *repo_dir, const char *name);

/* A formatted string kept until install_strings_release() (teardown), for
 * paths built inline in assertions. */
char *install_str(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void install_strings_release(void);

/* Read a file below root into a string ("" when missing). Allocated. */
char *install_slurp(const char *root, const char *rel);

/* Every name under dir with its type, mode and link target (find -printf
 * '%y %m %p %l', sorted), then each regular file's sha256: two trees with
 * the same listing have the same names, modes, links and bytes. cr_asserts.
 * Allocated. */
char *install_tree_listing(const char *dir);

#endif
