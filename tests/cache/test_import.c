#include <archive.h>
#include <archive_entry.h>
#include <criterion/criterion.h>
#include <string.h>
#include <fcntl.h>
#include <locale.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cache/clean.h"
#include "cache/pkgs.h"
#include "cache/store.h"
#include "cache/unpack.h"
#include "vpscore/ctlist.h"
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

TestSuite(import, .init = setup, .fini = teardown, .timeout = 300);
TestSuite(clean, .init = setup, .fini = teardown, .timeout = 300);

struct ent {
    const char *path;
    char type;          /* 'f' file, 'd' dir, 'l' symlink, 'h' hard link, 'b' block
                         * device, 'c' character device, 'p' FIFO, 'u' set-uid
                         * file, 'S' sparse file of data bytes (apparent size,
                         * one byte of data at its middle) */
    const char *data;   /* file contents or link target */
};

/* The stream of a sparse entry: the pax writer skips the holes unread, so
 * a 4 GiB file costs nothing to write. */
static void write_sparse_body(struct archive *a, la_int64_t size)
{
    static const char zero[1 << 20];
    for (la_int64_t pos = 0; pos < size;) {
        if (pos == size / 2) {
            cr_assert_eq(archive_write_data(a, "x", 1), 1);
            pos++;
            continue;
        }
        la_int64_t n = pos < size / 2 ? size / 2 - pos : size - pos;
        if (n > (la_int64_t)sizeof(zero))
            n = sizeof(zero);
        cr_assert_eq(archive_write_data(a, zero, (size_t)n), n, "%s", archive_error_string(a));
        pos += n;
    }
}

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
        case 'b':
        case 'c':
            archive_entry_set_filetype(x, e[i].type == 'b' ? AE_IFBLK : AE_IFCHR);
            archive_entry_set_perm(x, 0666);
            archive_entry_set_rdevmajor(x, e[i].type == 'b' ? 8 : 1); /* sda, mem */
            archive_entry_set_rdevminor(x, e[i].type == 'b' ? 0 : 1);
            break;
        case 'p':
            archive_entry_set_filetype(x, AE_IFIFO);
            archive_entry_set_perm(x, 0600);
            break;
        case 'u':
            archive_entry_set_filetype(x, AE_IFREG);
            archive_entry_set_perm(x, 04755);
            archive_entry_set_size(x, (la_int64_t)strlen(e[i].data));
            break;
        case 'S': {
            la_int64_t size = strtoll(e[i].data, NULL, 10);
            archive_entry_set_filetype(x, AE_IFREG);
            archive_entry_set_perm(x, 0644);
            archive_entry_set_size(x, size);
            archive_entry_sparse_add_entry(x, size / 2, 1);
            break;
        }
        default:
            archive_entry_set_filetype(x, AE_IFREG);
            archive_entry_set_perm(x, 0644);
            archive_entry_set_size(x, (la_int64_t)strlen(e[i].data));
        }
        cr_assert_eq(archive_write_header(a, x), ARCHIVE_OK, "%s", archive_error_string(a));
        if (e[i].type == 'f' || e[i].type == 'u')
            archive_write_data(a, e[i].data, strlen(e[i].data));
        if (e[i].type == 'S')
            write_sparse_body(a, strtoll(e[i].data, NULL, 10));
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
    /* recoded copies (tmplbuild/deb/recode.h) go with their packages */
    char *fkz = vz_xasprintf("%s%s", fk, VZ_PKGCACHE_RECODED);
    char *fdz = vz_xasprintf("%s%s", fd, VZ_PKGCACHE_RECODED);
    vzt_write(fkz, "01234");
    vzt_write(fdz, "0123456");
    struct vz_gc_result res;
    cr_assert_eq(vz_pkgcache_gc(false, true, 0, &res, &err), 0, "%s", vzt_errmsg(&err));
    cr_assert_eq(res.removed_files, 3);
    cr_assert(vz_file_exists(fd), "dry run removed a file");
    vz_gc_result_release(&res);
    cr_assert_eq(vz_pkgcache_gc(false, false, 0, &res, &err), 0, "%s", vzt_errmsg(&err));
    cr_assert_eq(res.removed_files, 3);
    cr_assert_eq(res.removed_bytes, 30);
    cr_assert_eq(res.kept_files, 2);
    cr_assert_eq(res.kept_bytes, 15);
    cr_assert_str_eq(res.removed[0], drop);
    cr_assert(vz_file_exists(fk));
    cr_assert(vz_file_exists(fkz), "the copy of a kept package was removed");
    cr_assert(!vz_file_exists(fd));
    cr_assert(!vz_file_exists(fdz), "the copy of a removed package was kept");
    cr_assert(!vz_file_exists(fp));
    cr_assert(vz_file_exists(foreign));
    vz_gc_result_release(&res);
    cr_assert_eq(vz_pkgcache_gc(true, false, 0, &res, &err), 0);
    cr_assert_eq(res.removed_files, 2);
    cr_assert(!vz_file_exists(fk));
    cr_assert(!vz_file_exists(fkz));
    vz_gc_result_release(&res);
    free(fkz);
    free(fdz);

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

/* ---- device nodes, set-uid files, sparse files, size bound ---- */

struct scan {
    int devices;        /* character and block device nodes */
    mode_t mode;        /* of the path asked for; 0 when absent */
};

/* What a cache tarball holds. */
static struct scan scan_tarball(const char *tarball, const char *path)
{
    struct scan sc = { 0, 0 };
    struct archive *a = archive_read_new();
    archive_read_support_filter_all(a);
    archive_read_support_format_tar(a);
    cr_assert_eq(archive_read_open_filename(a, tarball, 1 << 16), ARCHIVE_OK);
    struct archive_entry *x;
    int h;
    while ((h = archive_read_next_header(a, &x)) == ARCHIVE_OK || h == ARCHIVE_WARN) {
        unsigned t = archive_entry_filetype(x);
        if (t == AE_IFCHR || t == AE_IFBLK)
            sc.devices++;
        if (strcmp(archive_entry_pathname(x), path) == 0)
            sc.mode = archive_entry_mode(x);
    }
    archive_read_free(a);
    return sc;
}

/* Device nodes, recursively. */
static int count_devices(const char *dir)
{
    char *cmd = vz_xasprintf("test $(find %s \\( -type b -o -type c \\) | wc -l) -eq 0", dir);
    int r = system(cmd);
    free(cmd);
    return r == 0 ? 0 : 1;
}

/* The cache of name unpacked as vzctl create does, into a fresh directory. */
static char *unpack_cache(const char *name)
{
    struct vz_cache_info *c = NULL;
    vz_error_t err = NULL;
    cr_assert_eq(vz_cache_find(name, &c, &err), 0, "%s", vzt_errmsg(&err));
    char *dest = vz_xasprintf("%s/ct-%s", work, name);
    cr_assert_eq(vz_mkdir_p(dest, 0755, &err), 0);
    cr_assert_eq(vz_unpack_verified(c->tarball, c->tar_sha256, c->tar_size, dest, NULL, &err), 0, "%s",
                 vzt_errmsg(&err));
    vz_cache_info_free(c);
    return dest;
}

Test(import, device_nodes_are_dropped_fifos_and_setuid_files_kept)
{
    struct ent e[] = {
        { "./", 'd', NULL },
        { "./dev/", 'd', NULL },
        { "./dev/sda", 'b', NULL },
        { "./dev/mem", 'c', NULL },
        { "./dev/disk", 'h', "./dev/sda" },   /* a hard link to a dropped node */
        { "./run/", 'd', NULL },
        { "./run/initctl", 'p', NULL },
        { "./usr/", 'd', NULL },
        { "./usr/bin/", 'd', NULL },
        { "./usr/bin/su", 'u', "#!su\n" },
    };
    char *tar = make_tar("devices.tar.gz", e, sizeof(e) / sizeof(e[0]));
    vz_error_t err = NULL;
    struct vz_pack_result res;
    struct vz_import_result ires;
    cr_assert_eq(vz_import_tarball_limited(tar, "devs", NULL, 0, VZ_IMPORT_MAX_SIZE_DEFAULT, &res, &ires, &err),
                 0, "%s", vzt_errmsg(&err));
    cr_assert_eq(ires.devices_dropped, 3);
    struct vz_cache_info *c = NULL;
    cr_assert_eq(vz_cache_find("devs", &c, &err), 0);
    cr_assert_eq(scan_tarball(c->tarball, "./dev/sda").devices, 0, "a device node reached the cache");
    cr_assert_eq(scan_tarball(c->tarball, "./dev/disk").mode, 0, "the hard link to a device was kept");
    cr_assert(S_ISFIFO(scan_tarball(c->tarball, "./run/initctl").mode), "the FIFO was dropped");
    cr_assert_eq(scan_tarball(c->tarball, "./usr/bin/su").mode, S_IFREG | 04755, "set-uid bit lost");
    /* and what a container gets from it */
    char *ct = unpack_cache("devs");
    cr_assert_eq(count_devices(ct), 0);
    char *su = vz_path_join(ct, "usr/bin/su");
    struct stat st;
    cr_assert_eq(stat(su, &st), 0);
    cr_assert_eq(st.st_mode & 07777, 04755);
    free(su);
    free(ct);
    vz_cache_info_free(c);
    free(tar);
}

Test(import, a_cache_with_device_nodes_unpacks_without_them)
{
    /* a build (or an older vzforge) packed a device node: create skips it */
    char *tree = vz_path_join(work, "tree");
    vzt_make_tree(tree, 0, 1600000000);
    char *blk = vz_path_join(tree, "sda");
    cr_assert_eq(mknod(blk, S_IFBLK | 0660, makedev(8, 0)), 0);
    struct vz_manifest *m = vz_manifest_new("withdev");
    vz_error_t err = NULL;
    cr_assert_eq(vz_pack_to_cache(tree, m, NULL, 0, NULL, &err), 0, "%s", vzt_errmsg(&err));
    vz_manifest_free(m);
    char *ct = unpack_cache("withdev");
    cr_assert_eq(count_devices(ct), 0, "a device node was unpacked into a container");
    char *f = vz_path_join(ct, "sda");
    cr_assert(!vz_file_exists(f));
    free(f);
    free(ct);
    free(blk);
    free(tree);
}

Test(import, over_max_size_is_refused_naming_the_entry_and_the_limit)
{
    /* 4 GiB of apparent size in a tarball of a few hundred bytes */
    struct ent e[] = { { "./", 'd', NULL }, { "./etc/", 'd', NULL }, { "./etc/motd", 'f', "hi\n" },
                       { "./var/big", 'S', "4294967296" } };
    char *tar = make_tar("bomb.tar.gz", e, 4);
    vz_error_t err = NULL;
    struct vz_pack_result res;
    cr_assert_eq(vz_import_tarball_limited(tar, "bomb", NULL, 0, 1ULL << 30, &res, NULL, &err), -1);
    cr_assert_eq(err->status, VZ_ECORRUPT);
    char *want = vz_xasprintf("import %s as bomb: %s: entry './var/big' (4294967296 bytes) takes the import "
                              "to 4294967299 bytes, over the limit of 1073741824 (--max-size); refusing the "
                              "archive", tar, tar);
    cr_assert_str_eq(err->msg, want);
    vz_error_release(&err);
    struct vz_cache_info *c = NULL;
    cr_assert_eq(vz_cache_find("bomb", &c, &err), -1);
    vz_error_release(&err);
    char *tmp = vz_template_path("tmp");
    cr_assert_eq(vzt_count_entries(tmp), 0, "temp tree left behind");
    /* the default bound (64 GiB) refuses a 100 GiB one */
    struct ent e2[] = { { "./", 'd', NULL }, { "./big", 'S', "107374182400" } };
    char *tar2 = make_tar("bomb2.tar.gz", e2, 2);
    cr_assert_eq(vz_import_tarball(tar2, "bomb", NULL, 0, &res, &err), -1);
    cr_assert(strstr(err->msg, "entry './big' (107374182400 bytes) takes the import to 107374182400 bytes, "
                               "over the limit of 68719476736 (--max-size)"), "%s", err->msg);
    vz_error_release(&err);
    cr_assert_eq(vzt_count_entries(tmp), 0, "temp tree left behind");
    free(tar2);
    free(tmp);
    free(want);
    free(tar);
}

Test(import, sparse_file_stays_sparse_from_import_to_container)
{
    struct ent e[] = { { "./", 'd', NULL }, { "./var/", 'd', NULL }, { "./var/big", 'S', "4294967296" } };
    char *tar = make_tar("sparse.tar.gz", e, 3);
    vz_error_t err = NULL;
    struct vz_pack_result res;
    cr_assert_eq(vz_import_tarball(tar, "sparse", NULL, 0, &res, &err), 0, "%s", vzt_errmsg(&err));
    cr_assert_lt(res.size, 64 * 1024, "the cache tarball holds the holes: %llu bytes",
                 (unsigned long long)res.size);
    char *ct = unpack_cache("sparse");
    char *big = vz_path_join(ct, "var/big");
    struct stat st;
    cr_assert_eq(stat(big, &st), 0);
    cr_assert_eq(st.st_size, 4294967296LL);
    cr_assert_lt((long long)st.st_blocks * 512, 1 << 20, "holes were written: %lld blocks",
                 (long long)st.st_blocks);
    int fd = open(big, O_RDONLY);
    char b = 0;
    cr_assert_eq(pread(fd, &b, 1, 2147483648LL), 1);
    cr_assert_eq(b, 'x', "the data in the middle was lost");
    close(fd);
    free(big);
    free(ct);
    free(tar);
}

Test(import, store_directories_keep_their_modes)
{
    /* the store's directories are the host's boundary (0700): an import and
     * an unpack never widen them, whatever the archive's root entry says */
    const char *subs[] = { "", "cache", "tmp" };
    vz_error_t err = NULL;
    for (size_t i = 0; i < 3; i++) {
        char *d = vz_template_path(subs[i]);
        cr_assert_eq(vz_mkdir_p(d, 0700, &err), 0);
        cr_assert_eq(chmod(d, 0700), 0);
        free(d);
    }
    struct ent e[] = { { "./", 'd', NULL }, { "./etc/", 'd', NULL }, { "./etc/motd", 'f', "hi\n" } };
    char *tar = make_tar("modes.tar.gz", e, 3);
    struct vz_pack_result res;
    cr_assert_eq(vz_import_tarball(tar, "modes", NULL, 0, &res, &err), 0, "%s", vzt_errmsg(&err));
    char *ct = unpack_cache("modes");
    for (size_t i = 0; i < 3; i++) {
        char *d = vz_template_path(subs[i]);
        struct stat st;
        cr_assert_eq(stat(d, &st), 0);
        cr_assert_eq(st.st_mode & 07777, 0700, "%s widened to %o", d, st.st_mode & 07777);
        free(d);
    }
    free(ct);
    free(tar);
}

Test(clean, a_removed_shared_tree_takes_its_record_along)
{
    char *dir = vz_template_path("unpacked");
    char sha[65];
    memset(sha, 'b', 64);
    sha[64] = '\0';
    char *tree = vz_xasprintf("%s/t-%s", dir, sha);
    char *file = vz_path_join(tree, "etc/os-release");
    vzt_write(file, "x");
    char *rec = vz_xasprintf("%s/.t-%s.verified", dir, sha);
    vzt_write(rec, "vzforge-tree 1\n");
    /* a record whose tree is gone, and the temporary of one */
    memset(sha, 'e', 64);
    char *orphan = vz_xasprintf("%s/.t-%s.verified", dir, sha);
    char *orphan_tmp = vz_xasprintf("%s/.t-%s.verified.tmp.Ab12Cd", dir, sha);
    vzt_write(orphan, "vzforge-tree 1\n");
    vzt_write(orphan_tmp, "vzforge-tree 1\n");
    struct vz_gc_result res;
    vz_error_t err = NULL;
    cr_assert_eq(vz_tree_gc(false, vz_ct_trees_in_use, &res, &err), 0, "%s", vzt_errmsg(&err));
    cr_assert_eq(res.removed_files, 1);
    vz_gc_result_release(&res);
    cr_assert(!vz_is_dir(tree), "tree kept");
    cr_assert(!vz_file_exists(rec), "the removed tree's record kept");
    cr_assert(!vz_file_exists(orphan) && !vz_file_exists(orphan_tmp), "a record without a tree kept");
    cr_assert_eq(vzt_count_entries(dir), 0, "something left in unpacked/");
    free(orphan_tmp), free(orphan), free(rec), free(file), free(tree), free(dir);
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
