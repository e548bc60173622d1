#include <archive.h>
#include <archive_entry.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <sched.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "common/common.h"
#include "tmplbuild/pack.h"
#include "util.h"

static char *work;

static void setup(void)
{
    work = vzt_mkdtemp("pack");
    unsetenv("SOURCE_DATE_EPOCH");
}

static void teardown(void)
{
    vz_error_t err = NULL;
    vz_rm_rf(work, &err);
    vz_error_release(&err);
    free(work);
}

TestSuite(pack, .init = setup, .fini = teardown, .timeout = 300);

/* Pack dir into work/NAME with compression c; returns the path. */
static char *pack_to(const char *dir, const char *name, const char *c, long sde,
                     struct vz_pack_result *res)
{
    char *out = vz_path_join(work, name);
    int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    cr_assert(fd >= 0);
    struct vz_pack_opts o = VZ_PACK_OPTS_INIT;
    o.compress = c;
    o.source_date_epoch = sde;
    vz_error_t err = NULL;
    cr_assert_eq(vz_pack_tree(dir, fd, &o, res, &err), 0, "%s", vzt_errmsg(&err));
    close(fd);
    return out;
}

Test(pack, byte_identical_for_trees_made_in_different_orders)
{
    const char *cs[] = { "zst", "gz", "xz" };
    char *a = vz_path_join(work, "a"), *b = vz_path_join(work, "b");
    vzt_make_tree(a, 0, 1800000000);  /* mtimes after SOURCE_DATE_EPOCH: clamped */
    vzt_make_tree(b, 1, 1900000000);
    for (size_t i = 0; i < 3; i++) {
        struct vz_pack_result ra, rb;
        char *na = vz_xasprintf("a.%s", cs[i]), *nb = vz_xasprintf("b.%s", cs[i]);
        char *pa = pack_to(a, na, cs[i], 1700000000, &ra);
        char *pb = pack_to(b, nb, cs[i], 1700000000, &rb);
        size_t la = 0, lb = 0;
        char *da = vzt_slurp(pa, &la), *db = vzt_slurp(pb, &lb);
        cr_assert_eq(la, lb, "%s sizes differ", cs[i]);
        cr_assert(memcmp(da, db, la) == 0, "%s tarballs differ", cs[i]);
        cr_assert_str_eq(ra.sha256, rb.sha256);
        /* the hash computed while writing is the file's hash */
        char hex[65];
        uint64_t size = 0;
        vz_error_t err = NULL;
        cr_assert_eq(vz_sha256_file(pa, hex, &size, &err), 0);
        cr_assert_str_eq(hex, ra.sha256);
        cr_assert_eq(size, ra.size);
        cr_assert_eq(la, ra.size);
        free(da);
        free(db);
        free(pa);
        free(pb);
        free(na);
        free(nb);
    }
    /* a second pack of the same tree with threads=1 gives the same zst */
    struct vz_pack_result r1, r2;
    char *p1 = pack_to(a, "t1", "zst", 1700000000, &r1);
    char *out = vz_path_join(work, "t2");
    int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    struct vz_pack_opts o = VZ_PACK_OPTS_INIT;
    o.threads = 1;
    o.source_date_epoch = 1700000000;
    vz_error_t err = NULL;
    cr_assert_eq(vz_pack_tree(a, fd, &o, &r2, &err), 0);
    close(fd);
    cr_assert_str_eq(r1.sha256, r2.sha256, "zstd output depends on the thread count");
    free(p1);
    free(out);
    free(a);
    free(b);
}

struct seen {
    char path[256];
    int64_t uid, gid;
    int has_uname;
    time_t mtime;
    mode_t type;
};

static int read_back(const char *file, struct seen *out, int max)
{
    struct archive *r = archive_read_new();
    archive_read_support_filter_all(r);
    archive_read_support_format_all(r);
    cr_assert_eq(archive_read_open_filename(r, file, 65536), ARCHIVE_OK, "%s",
                 archive_error_string(r));
    struct archive_entry *e;
    int n = 0;
    while (archive_read_next_header(r, &e) == ARCHIVE_OK && n < max) {
        snprintf(out[n].path, sizeof(out[n].path), "%s", archive_entry_pathname(e));
        out[n].uid = archive_entry_uid(e);
        out[n].gid = archive_entry_gid(e);
        out[n].has_uname = archive_entry_uname(e) && *archive_entry_uname(e);
        out[n].mtime = archive_entry_mtime(e);
        out[n].type = archive_entry_filetype(e);
        n++;
    }
    archive_read_free(r);
    return n;
}

Test(pack, sorted_numeric_owners_clamped_mtimes)
{
    char *a = vz_path_join(work, "a");
    vzt_make_tree(a, 1, 1800000000);
    char *f = vz_path_join(a, "etc/passwd");
    cr_assert_eq(chown(f, 1234, 5678), 0);
    struct vz_pack_result res;
    char *p = pack_to(a, "t.tar.zst", "zst", 1700000000, &res);
    struct seen s[64];
    int n = read_back(p, s, 64);
    const char *want[] = { "./", "./etc", "./etc/hostname", "./etc/passwd", "./usr",
                           "./usr/bin", "./usr/bin/hello", "./usr/bin/hi", "./usr/share",
                           "./usr/share/doc", "./usr/share/doc/a", "./usr/share/doc/a/README",
                           "./usr/share/doc/b", "./usr/share/doc/b/README", "./var",
                           "./var/empty", "./var/lib", "./var/lib/empty-dir", "./zz-last" };
    cr_assert_eq(n, (int)(sizeof(want) / sizeof(want[0])));
    cr_assert_eq(res.entries, (uint64_t)n);
    for (int i = 0; i < n; i++) {
        /* libarchive may add a trailing slash to directories */
        size_t l = strlen(s[i].path);
        if (l > 2 && s[i].path[l - 1] == '/')
            s[i].path[l - 1] = '\0';
        cr_assert_str_eq(s[i].path, want[i]);
        cr_assert(!s[i].has_uname, "%s has a user name", s[i].path);
        cr_assert_eq(s[i].mtime, 1700000000, "%s mtime not clamped", s[i].path);
        if (!strcmp(want[i], "./etc/passwd"))
            cr_assert(s[i].uid == 1234 && s[i].gid == 5678);
        if (!strcmp(want[i], "./usr/bin/hi"))
            cr_assert_eq(s[i].type, AE_IFLNK);
    }
    /* older mtimes are kept */
    struct vz_pack_result r2;
    char *p2 = pack_to(a, "t2.tar.zst", "zst", 1900000000, &r2);
    n = read_back(p2, s, 64);
    cr_assert_eq(s[3].mtime, 1800000000);
    /* GNU tar reads it */
    char *cmd = vz_xasprintf("tar --zstd -tvf %s ./usr/bin/hi >/dev/null", p);
    cr_assert_eq(system(cmd), 0, "tar cannot list %s", p);
    free(cmd);
    free(p2);
    free(p);
    free(f);
    free(a);
}

Test(pack, xattrs_caps_hardlinks_devices_fifos_kept_sockets_skipped)
{
    cr_assert_eq(geteuid(), 0, "this test needs root (device nodes, security.* xattrs)");
    char *a = vz_path_join(work, "a");
    vzt_make_tree(a, 0, 1600000000);
    char *ping = vz_path_join(a, "usr/bin/hello");
    /* file capability cap_net_raw+ep, as setcap writes it */
    char *setcap = vz_xasprintf("setcap cap_net_raw+ep %s", ping);
    cr_assert_eq(system(setcap), 0, "setcap failed");
    free(setcap);
    cr_assert_eq(setxattr(ping, "user.vz", "v1", 2, 0), 0, "user xattr: %s", strerror(errno));
    char *hl = vz_path_join(a, "usr/bin/hello-link");
    cr_assert_eq(link(ping, hl), 0);
    char *dev = vz_path_join(a, "dev-null");
    cr_assert_eq(mknod(dev, S_IFCHR | 0666, makedev(1, 3)), 0);
    char *fifo = vz_path_join(a, "fifo");
    cr_assert_eq(mkfifo(fifo, 0600), 0);
    char *sock = vz_path_join(a, "sock");
    int sfd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock);
    cr_assert_eq(bind(sfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    close(sfd);

    struct vz_pack_result res;
    char *p = pack_to(a, "t.tar.zst", "zst", 1700000000, &res);
    /* extract with GNU tar, as a consumer would, and look */
    char *x = vz_path_join(work, "x");
    vz_error_t err = NULL;
    cr_assert_eq(vz_mkdir_p(x, 0755, &err), 0);
    char *cmd = vz_xasprintf("tar --zstd --xattrs --xattrs-include='*' --numeric-owner -xpf %s -C %s",
                             p, x);
    cr_assert_eq(system(cmd), 0);
    char *xping = vz_path_join(x, "usr/bin/hello"), *xhl = vz_path_join(x, "usr/bin/hello-link");
    struct stat s1, s2;
    cr_assert_eq(stat(xping, &s1), 0);
    cr_assert_eq(stat(xhl, &s2), 0);
    cr_assert_eq(s1.st_ino, s2.st_ino, "hard link lost");
    char val[16] = "";
    cr_assert_eq(getxattr(xping, "user.vz", val, sizeof(val)), 2);
    cr_assert_eq(memcmp(val, "v1", 2), 0);
    char *gc = vz_xasprintf("getcap %s | grep -q cap_net_raw=ep", xping);
    cr_assert_eq(system(gc), 0, "file capability lost");
    char *xdev = vz_path_join(x, "dev-null");
    cr_assert_eq(lstat(xdev, &s1), 0, "device node lost");
    cr_assert(S_ISCHR(s1.st_mode));
    cr_assert_eq(major(s1.st_rdev), 1);
    cr_assert_eq(minor(s1.st_rdev), 3);
    char *xfifo = vz_path_join(x, "fifo");
    cr_assert_eq(lstat(xfifo, &s1), 0);
    cr_assert(S_ISFIFO(s1.st_mode));
    char *xsock = vz_path_join(x, "sock");
    cr_assert(!vz_file_exists(xsock), "socket was packed");
    free(xsock);
    free(xfifo);
    free(xdev);
    free(gc);
    free(xping);
    free(xhl);
    free(cmd);
    free(x);
    free(p);
    free(sock);
    free(fifo);
    free(dev);
    free(hl);
    free(ping);
    free(a);
}

Test(pack, refuses_a_mount_inside_the_root)
{
    cr_assert_eq(geteuid(), 0, "this test needs root (mount)");
    char *a = vz_path_join(work, "a");
    vzt_make_tree(a, 0, 1600000000);
    char *m = vz_path_join(a, "proc");
    vz_error_t err = NULL;
    cr_assert_eq(vz_mkdir_p(m, 0755, &err), 0);
    /* a private mount namespace so nothing leaks if the test dies */
    cr_assert_eq(unshare(CLONE_NEWNS), 0);
    cr_assert_eq(system("mount --make-rprivate / 2>/dev/null"), 0);
    char *cmd = vz_xasprintf("mount -t tmpfs none %s", m);
    cr_assert_eq(system(cmd), 0);
    char *out = vz_path_join(work, "t");
    int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    struct vz_pack_result res;
    cr_assert_eq(vz_pack_tree(a, fd, NULL, &res, &err), -1);
    char *want = vz_xasprintf("%s/proc is on another file system (a mount left in the build "
                              "root?): unmount it before packing", a);
    cr_assert_str_eq(err->msg, want);
    vz_error_release(&err);
    close(fd);
    char *um = vz_xasprintf("umount %s", m);
    cr_assert_eq(system(um), 0);
    free(um);
    free(want);
    free(out);
    free(cmd);
    free(m);
    free(a);
}

Test(pack, utf8_and_non_utf8_file_names_kept_byte_for_byte)
{
    char *a = vz_path_join(work, "a");
    vzt_make_tree(a, 0, 1600000000);
    const char *names[] = { "F\xc5\x91tan\xc3\xbas\xc3\xadtv\xc3\xa1ny.crt", "bad-\xff\xfe-name" };
    for (int i = 0; i < 2; i++) {
        char *p = vz_path_join(a, names[i]);
        vzt_write(p, "x\n");
        free(p);
    }
    struct vz_pack_result res;
    char *p = pack_to(a, "t.tar.zst", "zst", 1700000000, &res);
    char *x = vz_path_join(work, "x");
    vz_error_t err = NULL;
    cr_assert_eq(vz_mkdir_p(x, 0755, &err), 0);
    char *cmd = vz_xasprintf("tar --zstd -xf %s -C %s 2>&1", p, x);
    cr_assert_eq(system(cmd), 0);
    for (int i = 0; i < 2; i++) {
        char *q = vz_path_join(x, names[i]);
        cr_assert(vz_file_exists(q), "name %d lost or changed", i);
        free(q);
    }
    /* GNU tar sees no unknown pax keywords in a UTF-8-only tree */
    char *b = vz_path_join(work, "b");
    vzt_make_tree(b, 0, 1600000000);
    char *q = vz_path_join(b, names[0]);
    vzt_write(q, "x\n");
    struct vz_pack_result rb;
    char *pb = pack_to(b, "b.tar.zst", "zst", 1700000000, &rb);
    char *chk = vz_xasprintf("tar --zstd -tf %s 2>&1 | grep -q Ignoring", pb);
    cr_assert_neq(system(chk), 0, "GNU tar warns about the headers");
    free(chk);
    free(pb);
    free(q);
    free(b);
    free(cmd);
    free(x);
    free(p);
    free(a);
}
