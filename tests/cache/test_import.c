#include <archive.h>
#include <archive_entry.h>
#include <criterion/criterion.h>
#include <string.h>
#include <fcntl.h>
#include <locale.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache/clean.h"
#include "cache/store.h"
#include "common/common.h"
#include "tmplbuild/import.h"
#include "util.h"

static const char *root;
static char *work;

static void setup(void)
{
    root = vzt_root_setup();
    work = vz_path_join(root, "work");
    vz_error_t err = NULL;
    cr_assert_eq(vz_mkdir_p(work, 0755, &err), 0);
    setenv("SOURCE_DATE_EPOCH", "1700000000", 1);
    vz_log_level = VZ_LOG_WARN;
}

static void teardown(void)
{
    free(work);
    vzt_root_teardown();
}

TestSuite(import, .init = setup, .fini = teardown);
TestSuite(clean, .init = setup, .fini = teardown);

struct ent {
    const char *path;
    char type;          /* 'f' file, 'd' dir, 'l' symlink, 'h' hard link */
    const char *data;   /* file contents or link target */
};

static char *make_tar(const char *name, const struct ent *e, size_t n)
{
    char *p = vz_path_join(work, name);
    /* like any other tool writing UTF-8 names */
    locale_t utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
    cr_assert(utf8, "no C.UTF-8 locale");
    locale_t prev = uselocale(utf8);
    struct archive *a = archive_write_new();
    archive_write_set_format_pax(a);
    archive_write_add_filter_gzip(a);
    cr_assert_eq(archive_write_open_filename(a, p), ARCHIVE_OK);
    for (size_t i = 0; i < n; i++) {
        struct archive_entry *x = archive_entry_new();
        archive_entry_set_pathname(x, e[i].path);
        archive_entry_set_mtime(x, 1600000000, 0);
        switch (e[i].type) {
        case 'd':
            archive_entry_set_filetype(x, AE_IFDIR);
            archive_entry_set_perm(x, 0755);
            break;
        case 'l':
            archive_entry_set_filetype(x, AE_IFLNK);
            archive_entry_set_perm(x, 0777);
            archive_entry_set_symlink(x, e[i].data);
            break;
        case 'h':
            archive_entry_set_filetype(x, AE_IFREG);
            archive_entry_set_perm(x, 0644);
            archive_entry_set_hardlink(x, e[i].data);
            break;
        default:
            archive_entry_set_filetype(x, AE_IFREG);
            archive_entry_set_perm(x, 0644);
            archive_entry_set_size(x, (la_int64_t)strlen(e[i].data));
        }
        cr_assert_eq(archive_write_header(a, x), ARCHIVE_OK, "%s", archive_error_string(a));
        if (e[i].type == 'f')
            archive_write_data(a, e[i].data, strlen(e[i].data));
        archive_entry_free(x);
    }
    archive_write_close(a);
    archive_write_free(a);
    uselocale(prev);
    freelocale(utf8);
    return p;
}

static const char status_text[] =
    "Package: base-files\nStatus: install ok installed\nPriority: required\nVersion: 12.4+deb12u5\n"
    "Architecture: amd64\nDescription: Debian base system\n miscellaneous files\n\n"
    "Package: removed-one\nStatus: deinstall ok config-files\nVersion: 1.0\nArchitecture: amd64\n\n"
    "Package: libc6\nStatus: install ok installed\nArchitecture: amd64\nMulti-Arch: same\n"
    "Version: 2.36-9+deb12u7\n";

Test(import, good_rootfs_becomes_a_signed_cache)
{
    struct ent e[] = {
        { "./", 'd', NULL },
        { "./etc/", 'd', NULL },
        { "./etc/motd", 'f', "hello\n" },
        { "./usr/", 'd', NULL },
        { "./usr/bin/", 'd', NULL },
        { "./usr/bin/sh", 'l', "dash" },
        { "./usr/bin/dash", 'f', "#!binary\n" },
        { "./usr/bin/dash2", 'h', "./usr/bin/dash" },
        { "./bin", 'l', "/usr/bin" },   /* absolute symlink targets are normal */
        { "./var/lib/dpkg/status", 'f', status_text },
        { "./usr/share/F\xc5\x91tan\xc3\xbas\xc3\xadtv\xc3\xa1ny.crt", 'f', "cert\n" },
    };
    char *tar = make_tar("rootfs.tar.gz", e, sizeof(e) / sizeof(e[0]));
    vz_error_t err = NULL;
    struct vz_pack_result res;
    cr_assert_eq(vz_import_tarball(tar, "imported-1", NULL, 0, &res, &err), 0, "%s",
                 vzt_errmsg(&err));
    char signer[17];
    cr_assert_eq(vz_cache_verify("imported-1", signer, &err), 0, "%s", vzt_errmsg(&err));
    struct vz_cache_info *c = NULL;
    struct vz_manifest *m = NULL;
    cr_assert_eq(vz_cache_find("imported-1", &c, &err), 0);
    cr_assert_eq(vz_cache_manifest(c, &m, &err), 0);
    cr_assert_eq(m->n_pkgs, 2);
    cr_assert_str_eq(m->pkgs[0].name, "base-files");
    cr_assert_str_eq(m->pkgs[0].version, "12.4+deb12u5");
    cr_assert_str_eq(m->pkgs[1].name, "libc6");
    cr_assert_str_eq(m->pkgs[1].arch, "amd64");
    cr_assert_str_eq(m->source, "import:rootfs.tar.gz");
    cr_assert_eq(res.entries, 15); /* implied var, var/lib, var/lib/dpkg added */
    /* the repacked tree keeps the hard link */
    char *cmd = vz_xasprintf("tar --zstd -tvf %s | grep -q 'usr/bin/dash2 link to ./usr/bin/dash'",
                             c->tarball);
    cr_assert_eq(system(cmd), 0, "hard link not kept");
    char *cmd2 = vz_xasprintf("tar --zstd -tf %s | grep -q 'usr/share/F\xc5\x91tan'", c->tarball);
    cr_assert_eq(system(cmd2), 0, "UTF-8 name lost");
    free(cmd2);
    /* nothing left in the temp area */
    char *tmp = vz_template_path("tmp");
    cr_assert_eq(vzt_count_entries(tmp), 0);
    /* importing the same tarball again gives the same cache, byte for byte */
    char first[65];
    memcpy(first, c->tar_sha256, 65);
    cr_assert_eq(vz_import_tarball(tar, "imported-1", NULL, 0, &res, &err), 0);
    cr_assert_str_eq(res.sha256, first);
    free(tmp);
    free(cmd);
    vz_manifest_free(m);
    vz_cache_info_free(c);
    free(tar);
}

static void expect_refused(const struct ent *e, size_t n, const char *msg_tail)
{
    char *tar = make_tar("evil.tar.gz", e, n);
    vz_error_t err = NULL;
    struct vz_pack_result res;
    cr_assert_eq(vz_import_tarball(tar, "evil", NULL, 0, &res, &err), -1, "accepted: %s", msg_tail);
    cr_assert_eq(err->status, VZ_ECORRUPT);
    char *want = vz_xasprintf("import %s as evil: %s: %s", tar, tar, msg_tail);
    cr_assert_str_eq(err->msg, want);
    vz_error_release(&err);
    /* nothing landed, nothing left behind, nothing written outside */
    struct vz_cache_info *c = NULL;
    cr_assert_eq(vz_cache_find("evil", &c, &err), -1);
    vz_error_release(&err);
    char *cache = vz_template_path("cache");
    cr_assert(vzt_count_entries(cache) <= 0, "files in the cache dir");
    char *tmp = vz_template_path("tmp");
    cr_assert_eq(vzt_count_entries(tmp), 0, "temp tree left behind");
    char *outside = vz_path_join(work, "pwned");
    cr_assert(!vz_file_exists(outside), "a file was written outside the root");
    free(outside);
    free(tmp);
    free(cache);
    free(want);
    free(tar);
}

Test(import, entries_escaping_the_root_are_refused)
{
    char *outside = vz_path_join(work, "pwned");
    char *abs = vz_xasprintf("%s", outside);
    struct ent e1[] = { { "./etc/", 'd', NULL }, { abs, 'f', "x" } };
    char *m1 = vz_xasprintf("entry '%s' escapes the root (absolute path); refusing the archive", abs);
    expect_refused(e1, 2, m1);

    struct ent e2[] = { { "./etc/", 'd', NULL }, { "./etc/../../work/pwned", 'f', "x" } };
    expect_refused(e2, 2, "entry './etc/../../work/pwned' escapes the root ('..' component); "
                          "refusing the archive");

    /* symlink to outside, then a file through it */
    struct ent e3[] = { { "./etc/", 'd', NULL }, { "./etc/evil", 'l', work },
                        { "./etc/evil/pwned", 'f', "x" } };
    expect_refused(e3, 3, "entry './etc/evil/pwned' would be written through the symbolic link "
                          "'etc/evil' (a symlink trick to escape the root); refusing the archive");

    /* relative symlink climbing out, then a directory and file through it */
    struct ent e4[] = { { "./a", 'l', "../../../.." }, { "./a/work/pwned", 'f', "x" } };
    expect_refused(e4, 2, "entry './a/work/pwned' would be written through the symbolic link "
                          "'a' (a symlink trick to escape the root); refusing the archive");

    /* hard link to a file outside */
    struct ent e5[] = { { "./x", 'h', "../../etc/passwd" } };
    expect_refused(e5, 1, "hard link './x' -> '../../etc/passwd' escapes the root ('..' "
                          "component); refusing the archive");
    free(m1);
    free(abs);
    free(outside);
}

Test(import, directory_entry_over_a_symlink_does_not_touch_its_target)
{
    char *target = vz_path_join(work, "victim");
    vz_error_t err = NULL;
    cr_assert_eq(vz_mkdir_p(target, 0700, &err), 0);
    struct ent e[] = { { "./d", 'l', target }, { "./d/", 'd', NULL } };
    char *tar = make_tar("dir-over-link.tar.gz", e, 2);
    struct vz_pack_result res;
    cr_assert_eq(vz_import_tarball(tar, "t", NULL, 0, &res, &err), 0, "%s", vzt_errmsg(&err));
    struct stat st;
    cr_assert_eq(stat(target, &st), 0);
    cr_assert_eq(st.st_mode & 0777, 0700, "the symlink's target was chmod'ed");
    free(tar);
    free(target);
}

Test(import, missing_file_and_bad_name)
{
    vz_error_t err = NULL;
    struct vz_pack_result res;
    cr_assert_eq(vz_import_tarball("/nonexistent.tar", "x", NULL, 0, &res, &err), -1);
    cr_assert_str_eq(err->msg, "import /nonexistent.tar: No such file or directory");
    vz_error_release(&err);
    cr_assert_eq(vz_import_tarball("/nonexistent.tar", "../x", NULL, 0, &res, &err), -1);
    cr_assert_eq(err->status, VZ_EBADARG);
    vz_error_release(&err);
}

Test(clean, keeps_referenced_packages_removes_the_rest)
{
    /* a cache whose manifest references one package */
    const char *keep = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    const char *drop = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
    char *tree = vz_path_join(work, "tree");
    vzt_make_tree(tree, 0, 1600000000);
    struct vz_manifest *m = vz_manifest_new("t1");
    vz_manifest_add_pkg(m, "keepme", "1", "amd64", keep, 10);
    vz_error_t err = NULL;
    cr_assert_eq(vz_pack_to_cache(tree, m, NULL, 0, NULL, &err), 0, "%s", vzt_errmsg(&err));
    vz_manifest_free(m);
    char *pk = vz_template_path("pkgs");
    char *fk = vz_path_join(pk, keep), *fd = vz_path_join(pk, drop);
    char *fp = vz_xasprintf("%s/%s.part", pk, drop), *foreign = vz_path_join(pk, "README");
    vzt_write(fk, "0123456789");
    vzt_write(fd, "01234567890123456789");
    vzt_write(fp, "012");
    vzt_write(foreign, "not ours");
    struct vz_gc_result res;
    cr_assert_eq(vz_pkgcache_gc(false, true, 0, &res, &err), 0, "%s", vzt_errmsg(&err));
    cr_assert_eq(res.removed_files, 2);
    cr_assert(vz_file_exists(fd), "dry run removed a file");
    vz_gc_result_release(&res);
    cr_assert_eq(vz_pkgcache_gc(false, false, 0, &res, &err), 0, "%s", vzt_errmsg(&err));
    cr_assert_eq(res.removed_files, 2);
    cr_assert_eq(res.removed_bytes, 23);
    cr_assert_eq(res.kept_files, 1);
    cr_assert_eq(res.kept_bytes, 10);
    cr_assert_str_eq(res.removed[0], drop);
    cr_assert(vz_file_exists(fk));
    cr_assert(!vz_file_exists(fd));
    cr_assert(!vz_file_exists(fp));
    cr_assert(vz_file_exists(foreign));
    vz_gc_result_release(&res);
    cr_assert_eq(vz_pkgcache_gc(true, false, 0, &res, &err), 0);
    cr_assert_eq(res.removed_files, 1);
    cr_assert(!vz_file_exists(fk));
    vz_gc_result_release(&res);

    /* leftovers of interrupted downloads and imports; one download running */
    char *tmp = vz_template_path("tmp");
    char *stale_dl = vz_xasprintf("%s/download-%s.part", tmp, drop);
    char *live_dl = vz_xasprintf("%s/download-%s.part", tmp, keep);
    char *stale_imp = vz_xasprintf("%s/import-t9.Ab12Cd/etc/passwd", tmp);
    char *stale_imp_dir = vz_xasprintf("%s/import-t9.Ab12Cd", tmp);
    vzt_write(stale_dl, "part");
    vzt_write(live_dl, "part");
    vzt_write(stale_imp, "root:x:0:0::/root:/bin/sh\n");
    int lfd = open(live_dl, O_RDWR);
    cr_assert_eq(flock(lfd, LOCK_EX), 0);
    cr_assert_eq(vz_pkgcache_gc(false, false, 0, &res, &err), 0, "%s", vzt_errmsg(&err));
    cr_assert(!vz_file_exists(stale_dl), "stale partial download kept");
    cr_assert(!vz_file_exists(stale_imp_dir), "stale import tree kept");
    cr_assert(vz_file_exists(live_dl), "a running download's file was removed");
    cr_assert_eq(res.removed_files, 2);
    vz_gc_result_release(&res);
    close(lfd);
    free(stale_dl);
    free(live_dl);
    free(stale_imp);
    free(stale_imp_dir);
    free(tmp);
    free(fk);
    free(fd);
    free(fp);
    free(foreign);
    free(pk);
    free(tree);
}

/* Found by fuzz/fuzz_import.c: the messages after an entry was renamed to
 * its destination path used the entry's freed name (heap use after free). */
Test(import, error_in_entry_data_names_the_entry)
{
    char *p = vz_path_join(work, "truncated.tar");
    struct archive *a = archive_write_new();
    archive_write_set_format_ustar(a);
    archive_write_set_bytes_in_last_block(a, 1);
    cr_assert_eq(archive_write_open_filename(a, p), ARCHIVE_OK);
    struct archive_entry *x = archive_entry_new();
    archive_entry_set_pathname(x, "./etc/big");
    archive_entry_set_filetype(x, AE_IFREG);
    archive_entry_set_perm(x, 0644);
    archive_entry_set_size(x, 8192);
    cr_assert_eq(archive_write_header(a, x), ARCHIVE_OK);
    char data[8192];
    memset(data, 'x', sizeof(data));
    cr_assert_eq(archive_write_data(a, data, sizeof(data)), (la_ssize_t)sizeof(data));
    archive_entry_free(x);
    archive_write_close(a);
    archive_write_free(a);
    cr_assert_eq(truncate(p, 512 + 4096), 0); /* the header and half the data */

    vz_error_t err = NULL;
    struct vz_pack_result res;
    cr_assert_eq(vz_import_tarball(p, "t", NULL, 0, &res, &err), -1);
    char *want = vz_xasprintf("import %s as t: %s: entry './etc/big': ", p, p);
    cr_assert_eq(strncmp(err->msg, want, strlen(want)), 0, "%s", err->msg);
    vz_error_release(&err);
    free(want);
    free(p);
}
