/* The parallel unpack leaves the process umask as it found it.
 *
 * libarchive's disk writer does umask(0) and then puts back what that
 * returned, on every entry. Two unpack threads inside that window at once
 * can each read the other's 0 and leave the umask at 0 for the rest of the
 * build, and every maintainer script then inherits it (the build whose
 * etc/group- came out 0664 one time in five). The window is two system calls
 * wide, so a test that only unpacks a lot would catch it now and then; this
 * binary's umask() below (the executable's definition wins over libc's for
 * libarchive's calls) counts the windows, notes when one opens while another
 * is open, and holds each open a moment, as a preempted thread would: with
 * the windows serialised there is never an overlap, without it there are
 * many. Everything else in this binary sees an ordinary umask(). */
#include <criterion/criterion.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "common/common.h"
#include "tests/tmplbuild/install_fixture.h"
#include "tmplbuild/deb/install.h"

#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

static atomic_bool watching;
static atomic_int windows, open_windows, overlaps;
static _Thread_local bool in_window;

mode_t umask(mode_t mask)
{
    mode_t old = (mode_t)syscall(SYS_umask, mask);
    if (!atomic_load(&watching))
        return old;
    if (in_window) { /* the put-back (of whatever the query returned, 0 included) */
        in_window = false;
        atomic_fetch_sub(&open_windows, 1);
    } else if (mask == 0) {
        in_window = true;
        atomic_fetch_add(&windows, 1);
        if (atomic_fetch_add(&open_windows, 1) > 0)
            atomic_fetch_add(&overlaps, 1);
        struct timespec pause = { 0, 100 * 1000 };
        nanosleep(&pause, NULL);
    }
    return old;
}

static char tmp[64];
static char *root;

static void setup(void)
{
    snprintf(tmp, sizeof(tmp), "/tmp/vzt-umask-XXXXXX");
    cr_assert_not_null(mkdtemp(tmp));
    root = vz_path_join(tmp, "root");
    cr_assert_eq(mkdir(root, 0755), 0);
}

static void teardown(void)
{
    atomic_store(&watching, false);
    vz_error_t err = NULL;
    vz_rm_rf(tmp, &err);
    vz_error_release(&err);
    free(root);
}

TestSuite(unpack_umask, .init = setup, .fini = teardown, .timeout = 120);

enum { NPKG = 4, NFILES = 60 };

/* Package p: usr/share/pkgP/ with NFILES files of mode 0644 and one 0664. */
static char *make_pkg(int p)
{
    struct fx_entry e[NFILES + 4];
    char *names[NFILES + 4] = { 0 };
    size_t n = 0;
    e[n++] = (struct fx_entry){ "./", 'd', NULL };
    e[n++] = (struct fx_entry){ "./usr/", 'd', NULL };
    e[n++] = (struct fx_entry){ "./usr/share/", 'd', NULL };
    names[n] = vz_xasprintf("./usr/share/pkg%d/", p);
    e[n] = (struct fx_entry){ names[n], 'd', NULL };
    n++;
    for (int f = 0; f < NFILES; f++) {
        names[n] = vz_xasprintf("./usr/share/pkg%d/f%d", p, f);
        e[n] = (struct fx_entry){ names[n], 'f', "data\n", f == 0 ? 0664 : 0 };
        n++;
    }
    char *deb = vz_xasprintf("%s/pkg%d.deb", tmp, p);
    cleanup_free char *control = vz_xasprintf("Package: pkg%d\nVersion: 1\nArchitecture: all\n"
                                              "Maintainer: t <t@t>\nDescription: p\n",
                                              p);
    cr_assert_eq(install_make_deb(deb, control, NULL, NULL, e, n), 0);
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    return deb;
}

Test(unpack_umask, parallel_unpack_never_overlaps_libarchives_umask_windows)
{
    char *debs[NPKG];
    for (int p = 0; p < NPKG; p++)
        debs[p] = make_pkg(p);
    umask(022);
    /* no preinst, no postinst: one parallel wave, no script runs */
    struct vz_install_opts o = { .root = root, .debs = (const char *const *)debs, .n = NPKG,
                                 .merged_usr = true, .arch = "amd64", .jobs = NPKG,
                                 .runner = &install_chroot_runner };
    vz_error_t err = NULL;
    atomic_store(&watching, true);
    int r = vz_deb_install(&o, NULL, &err);
    atomic_store(&watching, false);
    cr_assert_eq(r, 0, "%s", err ? err->msg : "");
    /* the library still does its umask dance: the watch saw it (else this
     * test would check nothing) */
    cr_assert_gt(atomic_load(&windows), NPKG * NFILES, "windows seen: %d", atomic_load(&windows));
    cr_expect_eq(atomic_load(&overlaps), 0, "%d of %d umask(0) windows opened inside another",
                 atomic_load(&overlaps), atomic_load(&windows));
    mode_t now = umask(022);
    cr_assert_eq(now, 022, "the unpack left umask %03o", (unsigned)now);
    /* and the packages' own modes, whatever the windows did */
    for (int p = 0; p < NPKG; p++) {
        struct stat st;
        cr_assert_eq(stat(install_str("%s/usr/share/pkg%d/f0", root, p), &st), 0);
        cr_assert_eq(st.st_mode & 07777, 0664);
        cr_assert_eq(stat(install_str("%s/usr/share/pkg%d/f1", root, p), &st), 0);
        cr_assert_eq(st.st_mode & 07777, 0644);
        free(debs[p]);
    }
    install_strings_release();
}
