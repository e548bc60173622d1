/* tmplbuild/deb/recode: the package cache's zstd copies read as their
 * originals (same entries, same bytes), an install with recode makes the
 * missing ones and reads them the next time (same root), a damaged copy
 * fails that install and is removed so that the next one reads the
 * original, and a recoder stopped at any point leaves only whole copies. */
#include <archive.h>
#include <archive_entry.h>
#include <criterion/criterion.h>
#include <stdlib.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/common.h"
#include "tests/lib/testrepo.h"
#include "tests/tmplbuild/install_fixture.h"
#include "tmplbuild/deb/deb.h"
#include "tmplbuild/deb/install.h"
#include "tmplbuild/deb/debimage.h"
#include "tmplbuild/deb/predecode.h"
#include "tmplbuild/deb/recode.h"

static char tmp[64];
static struct vz_testrepo repo;

/* The synthetic minimal set, in an order libsolv would give. */
static const char *const order[] = { "busybox-sh", "base-files", "base-passwd", "dpkg-alts",
                                     "mawk-t",     "libt1",      "newapi",      "pager-a",
                                     "tools-t",    "editor-t" };
#define N VZ_ARRAY_SIZE(order)
static char *debs[N];

static void setup(void)
{
    snprintf(tmp, sizeof(tmp), "/tmp/vzt-recode-XXXXXX");
    cr_assert_not_null(mkdtemp(tmp));
    cleanup_free char *repodir = vz_path_join(tmp, "repo");
    vz_error_t err = NULL;
    cr_assert_eq(vz_testrepo_create(repodir, NULL, 0, NULL, &repo, &err), 0);
    /* a package cache of copies, as template/pkgs holds them */
    cleanup_free char *pkgs = vz_path_join(tmp, "pkgs");
    cr_assert_eq(vz_mkdir_p(pkgs, 0755, &err), 0);
    for (size_t i = 0; i < N; i++) {
        cleanup_free char *src = install_find_deb(repo.dir, order[i]);
        cr_assert_not_null(src, "no .deb for %s", order[i]);
        debs[i] = vz_xasprintf("%s/%02zu-%s", pkgs, i, order[i]);
        cleanup_free char *cp = vz_xasprintf("cp '%s' '%s'", src, debs[i]);
        cr_assert_eq(system(cp), 0);
    }
}

static void teardown(void)
{
    vz_testrepo_release(&repo);
    for (size_t i = 0; i < N; i++)
        free(debs[i]);
    vz_error_t err = NULL;
    vz_rm_rf(tmp, &err);
    vz_error_release(&err);
}

TestSuite(recode, .init = setup, .fini = teardown, .timeout = 120);

/* A sink that lists each entry: name, type, mode, size, link target and the
 * content's bytes. */
static int list_entry(void *ctx, struct archive *a, struct archive_entry *e, const char *rel,
                      const struct vz_deb_info *info, vz_error_t *err)
{
    (void)info;
    (void)err;
    struct vz_buf *b = ctx;
    const char *link = archive_entry_symlink(e) ? archive_entry_symlink(e)
                       : archive_entry_hardlink(e) ? archive_entry_hardlink(e)
                                                   : "";
    cleanup_free char *line = vz_xasprintf("%s %o %lld %s|", rel, (unsigned)archive_entry_mode(e),
                                           (long long)archive_entry_size(e), link);
    vz_buf_add(b, line, strlen(line));
    char chunk[4096];
    la_ssize_t n;
    while ((n = archive_read_data(a, chunk, sizeof(chunk))) > 0)
        vz_buf_add(b, chunk, (size_t)n);
    vz_buf_addc(b, '\n');
    return 0;
}

static char *listing(const char *deb, char **control)
{
    struct vz_buf b = VZ_BUF_INIT;
    vz_buf_init(&b);
    struct vz_deb_sink sink = { .entry = list_entry, .ctx = &b };
    struct vz_deb_info *info = NULL;
    vz_error_t err = NULL;
    cr_assert_eq(vz_deb_read(deb, &sink, &info, &err), 0, "%s: %s", deb, err ? err->msg : "");
    *control = vz_xstrdup(info->control);
    vz_deb_info_free(info);
    return vz_buf_detach(&b, NULL);
}

Test(recode, a_copy_reads_as_its_original)
{
    for (size_t i = 0; i < N; i++) {
        size_t len = 0;
        cleanup_free void *img = vz_deb_image_as(debs[i], 1, &len);
        cr_assert_not_null(img, "%s", debs[i]);
        cleanup_free char *copy = vz_xasprintf("%s%s", debs[i], VZ_PKGCACHE_RECODED);
        vz_error_t err = NULL;
        int fd = open(copy, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        cr_assert_geq(fd, 0);
        cr_assert_eq(write(fd, img, len), (ssize_t)len);
        close(fd);
        (void)err;
        char *c1 = NULL, *c2 = NULL;
        cleanup_free char *a = listing(debs[i], &c1);
        cleanup_free char *b = listing(copy, &c2);
        cr_assert_str_eq(b, a, "%s: the copy's entries differ", order[i]);
        cr_assert_str_eq(c2, c1, "%s: the copy's control differs", order[i]);
        free(c1);
        free(c2);
        /* the members: data.tar as zstd, after the others */
        cleanup_free char *cmd = vz_xasprintf("ar t '%s' | tr '\\n' ' '", copy);
        FILE *f = popen(cmd, "r");
        char names[256] = "";
        cr_assert_not_null(fgets(names, sizeof(names), f));
        pclose(f);
        cr_assert(strstr(names, "debian-binary control.tar") == names && strstr(names, " data.tar.zst "),
                  "%s: members %s", order[i], names);
        /* and it is a package dpkg-deb reads */
        cleanup_free char *dd = vz_xasprintf("dpkg-deb --fsys-tarfile '%s' >/dev/null", copy);
        cr_assert_eq(system(dd), 0, "dpkg-deb cannot read %s", copy);
    }
}


/* Every copy in place reads as its original (why: for the message). */
static void copies_in_place_are_whole(const char *why)
{
    for (size_t i = 0; i < N; i++) {
        cleanup_free char *c = vz_xasprintf("%s%s", debs[i], VZ_PKGCACHE_RECODED);
        if (!vz_file_exists(c))
            continue;
        char *c1 = NULL, *c2 = NULL;
        cleanup_free char *a = listing(debs[i], &c1);
        cleanup_free char *b = listing(c, &c2);
        cr_assert_str_eq(b, a, "%s: %s", order[i], why);
        free(c1);
        free(c2);
    }
}

static int install_into(const char *name, bool recode, vz_error_t *err)
{
    cleanup_free char *root = vz_path_join(tmp, name);
    cr_assert_eq(mkdir(root, 0755), 0);
    struct vz_install_opts o = { .root = root, .debs = (const char *const *)debs, .n = N,
                                 .merged_usr = true, .arch = "amd64", .jobs = 2,
                                 .runner = &install_chroot_runner, .recode = recode };
    return vz_deb_install(&o, NULL, err);
}

static size_t copies(void)
{
    size_t n = 0;
    for (size_t i = 0; i < N; i++) {
        cleanup_free char *c = vz_xasprintf("%s%s", debs[i], VZ_PKGCACHE_RECODED);
        n += vz_file_exists(c);
        cleanup_free char *picked = vz_recode_pick(debs[i]);
        cr_assert_str_eq(picked, vz_file_exists(c) ? c : debs[i]);
    }
    return n;
}

static bool part_left(void)
{
    cleanup_free char *cmd = vz_xasprintf("ls '%s/pkgs' | grep -q part", tmp);
    return system(cmd) == 0;
}

Test(recode, an_install_reads_the_copies_as_it_reads_the_originals)
{
    vz_error_t err = NULL;
    /* an install with copies missing: they are made meanwhile (here,
     * where configure is short, some or none) and the install is as ever */
    cr_assert_eq(copies(), 0);
    cr_assert_eq(install_into("r0", true, &err), 0, "%s", err ? err->msg : "");
    cr_assert_not(part_left(), "a .part is left");
    copies_in_place_are_whole("a copy made while unpacking differs");
    vz_recode_finish(vz_recode_start((const char *const *)debs, N), true);
    cr_assert_eq(copies(), N, "the copies were not made");
    cr_assert_not(part_left(), "a .part is left");

    cr_assert_eq(install_into("r1", false, &err), 0, "%s", err ? err->msg : "");
    cr_assert_eq(install_into("r2", true, &err), 0, "%s", err ? err->msg : "");
    cleanup_free char *t0 = install_tree_listing(install_str("%s/r0", tmp));
    cleanup_free char *t1 = install_tree_listing(install_str("%s/r1", tmp));
    cleanup_free char *t2 = install_tree_listing(install_str("%s/r2", tmp));
    cr_assert_str_eq(t2, t1, "the root from the copies differs");
    cr_assert_str_eq(t0, t1);

    /* a damaged copy fails the install (so it was read) and is removed;
     * the next install reads the original */
    cleanup_free char *bad = vz_xasprintf("%s%s", debs[N - 1], VZ_PKGCACHE_RECODED);
    struct stat st;
    cr_assert_eq(stat(bad, &st), 0);
    cr_assert_eq(truncate(bad, st.st_size / 2), 0);
    cr_assert_eq(install_into("r3", true, &err), -1, "a damaged copy was read without an error");
    cr_assert_eq(err->status, VZ_ECORRUPT, "%s", err->msg);
    cr_assert(strstr(err->msg, VZ_PKGCACHE_RECODED), "the message does not name the copy: %s", err->msg);
    vz_error_release(&err);
    cr_assert_not(vz_file_exists(bad), "the damaged copy is still there");
    cr_assert_eq(copies(), N - 1, "good copies were removed too");
    cr_assert_eq(install_into("r4", true, &err), 0, "%s", err ? err->msg : "");
    cleanup_free char *t4 = install_tree_listing(install_str("%s/r4", tmp));
    cr_assert_str_eq(t4, t1);
    install_strings_release();
}

Test(recode, a_recoder_stopped_at_any_point_leaves_only_whole_copies)
{
    for (int k = 0; k < 6; k++) {
        struct vz_recoder *r = vz_recode_start((const char *const *)debs, N);
        if (k == 0)
            cr_assert_not_null(r, "nothing to make, or no process");
        if (k > 0)
            usleep((useconds_t)(k * 3000));
        vz_recode_finish(r, false);
        cr_assert_not(part_left(), "a .part is left after stop %d", k);
        copies_in_place_are_whole("a copy in place is not whole");
    }
}
