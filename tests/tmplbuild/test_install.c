/* Installing .debs into a root: tmplbuild/install + unpack + deb + dpkgdb,
 * on the synthetic repository (tests/lib/testrepo.h) and on hand-made
 * hostile packages. Scripts run through a plain chroot runner here. */
#include <criterion/criterion.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "common/common.h"
#include "tests/lib/testrepo.h"
#include "tests/tmplbuild/install_fixture.h"
#include "tmplbuild/deb/deb.h"
#include "tmplbuild/deb/helper_shim.h"
#include "tmplbuild/deb/install.h"

/* fx_entry lists give name, type and data; the rest defaults to zero */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

static char tmp[64];
static char *root;

static void setup(void)
{
    snprintf(tmp, sizeof(tmp), "/tmp/vzt-install-XXXXXX");
    cr_assert_not_null(mkdtemp(tmp));
    root = vz_path_join(tmp, "root");
    cr_assert_eq(mkdir(root, 0755), 0);
}

static void teardown(void)
{
    vz_error_t err = NULL;
    vz_rm_rf(tmp, &err);
    vz_error_release(&err);
    free(root);
    install_strings_release();
}

TestSuite(install, .init = setup, .fini = teardown, .timeout = 120);

/* The minimal set plus editor-t, in an order libsolv would give. */
static const char *const order[] = { "busybox-sh", "base-files", "base-passwd", "dpkg-alts",
                                     "mawk-t",     "libt1",      "newapi",      "pager-a",
                                     "tools-t",    "editor-t" };

static int install_synthetic(vz_error_t *err)
{
    cleanup_free char *repodir = vz_path_join(tmp, "repo");
    struct vz_testrepo repo = { 0 };
    if (vz_testrepo_create(repodir, NULL, 0, NULL, &repo, err) < 0)
        return -1;
    const char *debs[VZ_ARRAY_SIZE(order)];
    for (size_t i = 0; i < VZ_ARRAY_SIZE(order); i++) {
        debs[i] = install_find_deb(repo.dir, order[i]);
        cr_assert_not_null(debs[i], "no .deb for %s", order[i]);
    }
    struct vz_install_opts o = { .root = root, .debs = debs, .n = VZ_ARRAY_SIZE(order),
                                 .merged_usr = true, .arch = "amd64", .jobs = 2,
                                 .runner = &install_chroot_runner };
    struct vz_install_timings t = { 0 };
    int r = vz_deb_install(&o, &t, err);
    for (size_t i = 0; i < VZ_ARRAY_SIZE(order); i++)
        free((char *)debs[i]);
    vz_testrepo_release(&repo);
    return r;
}

static char *stanza_of(const char *status, const char *pkg)
{
    cleanup_free char *needle = vz_xasprintf("Package: %s\n", pkg);
    const char *p = strstr(status, needle);
    if (!p)
        return NULL;
    const char *end = strstr(p, "\n\n");
    return strndup(p, end ? (size_t)(end - p + 1) : strlen(p));
}

Test(install, synthetic_root_registers_every_package_as_dpkg_would)
{
    vz_error_t err = NULL;
    cr_assert_eq(install_synthetic(&err), 0, "%s", err ? err->msg : "");
    cleanup_free char *status = install_slurp(root, "var/lib/dpkg/status");
    for (size_t i = 0; i < VZ_ARRAY_SIZE(order); i++) {
        cleanup_free char *st = stanza_of(status, order[i]);
        cr_assert_not_null(st, "%s missing from status", order[i]);
        cr_assert(strstr(st, "\nStatus: install ok installed\n"), "%s: %s", order[i], st);
    }
    /* dpkg's field order: Package, Essential, Status, Priority ... */
    cleanup_free char *bb = stanza_of(status, "busybox-sh");
    const char *head = "Package: busybox-sh\nEssential: yes\nStatus: install ok installed\n"
                       "Priority: required\nSection: shells\n";
    cr_assert(strncmp(bb, head, strlen(head)) == 0, "%s", bb);
    /* a configured conffile carries the md5 of the file on disk */
    cleanup_free char *conf = install_slurp(root, "etc/editor-t.conf");
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    EVP_Digest(conf, strlen(conf), md, &mdlen, EVP_md5(), NULL);
    char hex[2 * EVP_MAX_MD_SIZE + 1];
    vz_hex_encode(md, mdlen, hex);
    cleanup_free char *ed = stanza_of(status, "editor-t");
    cleanup_free char *line = vz_xasprintf("Conffiles:\n /etc/editor-t.conf %s\n", hex);
    cr_assert(strstr(ed, line), "%s", ed);
    cr_assert_eq(access(install_str("%s/etc/editor-t.conf.dpkg-new", root), F_OK), -1);
    /* empty databases and directories dpkg expects */
    const char *files[] = { "available", "diversions", "statoverride", "triggers/Unincorp" };
    for (size_t i = 0; i < VZ_ARRAY_SIZE(files); i++) {
        cleanup_free char *p = vz_xasprintf("%s/var/lib/dpkg/%s", root, files[i]);
        struct stat st;
        cr_assert_eq(stat(p, &st), 0, "%s", p);
        cr_assert_eq(st.st_size, 0, "%s", p);
    }
    cr_assert(vz_is_dir(install_str("%s/var/lib/dpkg/updates", root)));
    cleanup_free char *fmt = install_slurp(root, "var/lib/dpkg/info/format");
    cr_assert_str_eq(fmt, "1\n");
    /* the build-time helper shim (helper_shim.h) is gone */
    cr_assert_eq(access(install_str("%s" VZ_HELPER_SHIM_DIR, root), F_OK), -1);
}

Test(install, list_md5sums_and_conffiles_files)
{
    vz_error_t err = NULL;
    cr_assert_eq(install_synthetic(&err), 0, "%s", err ? err->msg : "");
    cleanup_free char *list = install_slurp(root, "var/lib/dpkg/info/base-files.list");
    cr_assert_str_eq(list, "/.\n/etc\n/etc/issue\n/etc/os-release\n/usr\n/usr/share\n"
                           "/usr/share/base-files\n/usr/share/base-files/motd\n");
    /* generated for packages that ship none, as dpkg does: md5 of each file */
    cleanup_free char *sums = install_slurp(root, "var/lib/dpkg/info/base-files.md5sums");
    cleanup_free char *issue = install_slurp(root, "etc/issue");
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    EVP_Digest(issue, strlen(issue), md, &mdlen, EVP_md5(), NULL);
    char hex[2 * EVP_MAX_MD_SIZE + 1];
    vz_hex_encode(md, mdlen, hex);
    cleanup_free char *want = vz_xasprintf("%s  etc/issue\n", hex);
    cr_assert(strstr(sums, want), "%s", sums);
    cleanup_free char *cf = install_slurp(root, "var/lib/dpkg/info/base-files.conffiles");
    cr_assert_str_eq(cf, "/etc/issue\n");
    /* Multi-Arch: same packages are registered as pkg:arch */
    cr_assert(vz_file_exists(install_str("%s/var/lib/dpkg/info/libt1:amd64.list", root)));
    cr_assert_not(vz_file_exists(install_str("%s/var/lib/dpkg/info/libt1.list", root)));
    /* maintainer scripts are kept, executable */
    struct stat st;
    cr_assert_eq(stat(install_str("%s/var/lib/dpkg/info/editor-t.postinst", root), &st), 0);
    cr_assert_eq(st.st_mode & 0777, 0755);
    cr_assert(vz_file_exists(install_str("%s/var/lib/dpkg/info/base-passwd.preinst", root)));
    cr_assert_not(vz_file_exists(install_str("%s/var/lib/dpkg/tmp.ci", root)));
}

Test(install, preinst_runs_before_unpack_and_postinst_sets_alternative)
{
    vz_error_t err = NULL;
    cr_assert_eq(install_synthetic(&err), 0, "%s", err ? err->msg : "");
    /* base-passwd's preinst fails when its files are already there */
    cleanup_free char *passwd = install_slurp(root, "etc/passwd");
    cr_assert(strstr(passwd, "nobody:x:65534:65534:"), "%s", passwd);
    char buf[256];
    cleanup_free char *l1 = vz_xasprintf("%s/usr/bin/editor", root);
    ssize_t n = readlink(l1, buf, sizeof(buf) - 1);
    cr_assert_gt(n, 0);
    buf[n] = '\0';
    cr_assert_str_eq(buf, "/etc/alternatives/editor");
    cleanup_free char *l2 = vz_xasprintf("%s/etc/alternatives/editor", root);
    n = readlink(l2, buf, sizeof(buf) - 1);
    cr_assert_gt(n, 0);
    buf[n] = '\0';
    cr_assert_str_eq(buf, "/usr/bin/editor-t");
}

Test(install, merged_usr_maps_bin_to_usr_bin_and_records_shipped_paths)
{
    vz_error_t err = NULL;
    cr_assert_eq(install_synthetic(&err), 0, "%s", err ? err->msg : "");
    const char *links[][2] = { { "bin", "usr/bin" }, { "sbin", "usr/sbin" },
                               { "lib", "usr/lib" }, { "lib64", "usr/lib64" } };
    for (size_t i = 0; i < VZ_ARRAY_SIZE(links); i++) {
        char buf[64];
        cleanup_free char *p = vz_path_join(root, links[i][0]);
        ssize_t n = readlink(p, buf, sizeof(buf) - 1);
        cr_assert_gt(n, 0, "%s is not a symlink", p);
        buf[n] = '\0';
        cr_assert_str_eq(buf, links[i][1]);
    }
    struct stat st;
    cleanup_free char *bb = vz_path_join(root, "usr/bin/busybox");
    cr_assert_eq(lstat(bb, &st), 0);
    cr_assert(S_ISREG(st.st_mode));
    cleanup_free char *list = install_slurp(root, "var/lib/dpkg/info/busybox-sh.list");
    cr_assert(strncmp(list, "/.\n/bin\n/bin/busybox\n", 21) == 0, "%s", list);
}

static const char CONTROL[] = "Package: evil\nVersion: 1.0\nArchitecture: all\n"
                              "Maintainer: t <t@t>\nDescription: hostile\n";

static void expect_refused(const struct fx_entry *e, size_t n, const char *msg)
{
    cleanup_free char *outside = vz_path_join(tmp, "outside");
    cr_assert_eq(mkdir(outside, 0755), 0);
    cleanup_free char *deb = vz_path_join(tmp, "evil.deb");
    cr_assert_eq(install_make_deb(deb, CONTROL, NULL, NULL, e, n), 0);
    const char *debs[] = { deb };
    struct vz_install_opts o = { .root = root, .debs = debs, .n = 1, .merged_usr = true,
                                 .arch = "amd64", .runner = &install_chroot_runner };
    vz_error_t err = NULL;
    cr_assert_eq(vz_deb_install(&o, NULL, &err), -1);
    cr_assert_eq(err->status, VZ_ECORRUPT, "%s", err->msg);
    cr_assert(strstr(err->msg, msg), "message '%s' lacks '%s'", err->msg, msg);
    cr_assert(strstr(err->msg, deb), "message '%s' does not name the package", err->msg);
    vz_error_release(&err);
    /* nothing appeared next to the root */
    cleanup_dir DIR *d = opendir(outside);
    struct dirent *de;
    int count = 0;
    while ((de = readdir(d)))
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
            count++;
    cr_assert_eq(count, 0, "files written outside the root");
    cr_assert_not(vz_file_exists(install_str("%s/pwned", tmp)));
}

Test(install, refuses_absolute_path)
{
    cleanup_free char *abs = vz_xasprintf("%s/outside/pwned", tmp);
    struct fx_entry e[] = { { "./", 'd', NULL }, { abs, 'f', "x" } };
    expect_refused(e, 2, "absolute path");
}

Test(install, refuses_dotdot)
{
    struct fx_entry e[] = { { "./", 'd', NULL }, { "./etc/../../outside/pwned", 'f', "x" } };
    expect_refused(e, 2, "'..' component");
}

Test(install, refuses_write_through_symlink)
{
    cleanup_free char *target = vz_xasprintf("%s/outside", tmp);
    struct fx_entry e[] = { { "./", 'd', NULL }, { "./escape", 'l', target },
                            { "./escape/pwned", 'f', "x" } };
    expect_refused(e, 3, "cannot unpack '/escape/pwned'");
}

Test(install, refuses_hardlink_out_of_root)
{
    struct fx_entry e[] = { { "./", 'd', NULL }, { "./etc/", 'd', NULL },
                            { "./etc/shadow", 'h', "../../outside/x" } };
    expect_refused(e, 3, "'..' component");
}

Test(install, refuses_file_over_merged_usr_symlink)
{
    struct fx_entry e[] = { { "./", 'd', NULL }, { "./bin", 'f', "x" } };
    expect_refused(e, 2, "merged-/usr symlink");
}

Test(install, failing_postinst_fails_with_its_output)
{
    vz_error_t err = NULL;
    cleanup_free char *repodir = vz_path_join(tmp, "repo");
    struct vz_testrepo repo = { 0 };
    cr_assert_eq(vz_testrepo_create(repodir, NULL, 0, NULL, &repo, &err), 0, "%s",
                 err ? err->msg : "");
    cleanup_free char *bb = install_find_deb(repo.dir, "busybox-sh");
    cleanup_free char *deb = vz_path_join(tmp, "bad.deb");
    struct fx_entry e[] = { { "./", 'd', NULL }, { "./usr/", 'd', NULL },
                            { "./usr/share/", 'd', NULL }, { "./usr/share/bad", 'f', "x\n" } };
    cr_assert_eq(install_make_deb(deb,
                                  "Package: bad\nVersion: 1\nArchitecture: all\n"
                                  "Maintainer: t <t@t>\nDescription: fails\n",
                                  "#!/bin/sh\necho \"pre $DPKG_MAINTSCRIPT_PACKAGE "
                                  "$DPKG_MAINTSCRIPT_NAME $DPKG_MAINTSCRIPT_ARCH $*\" > /preinst.env\n",
                                  "#!/bin/sh\necho cannot configure bad >&2\nexit 3\n", e, 4),
                 0);
    const char *debs[] = { bb, deb };
    struct vz_install_opts o = { .root = root, .debs = debs, .n = 2, .merged_usr = true,
                                 .arch = "amd64", .runner = &install_chroot_runner };
    cr_assert_eq(vz_deb_install(&o, NULL, &err), -1);
    cr_assert_eq(err->status, VZ_EBUILD);
    cr_assert(strstr(err->msg, "bad postinst script (postinst configure) failed with exit status 3"),
              "%s", err->msg);
    cr_assert(strstr(err->msg, "cannot configure bad"), "%s", err->msg);
    vz_error_release(&err);
    /* the preinst ran first, with dpkg's environment and "install" */
    cleanup_free char *env = install_slurp(root, "preinst.env");
    cr_assert_str_eq(env, "pre bad preinst all install\n");
    vz_testrepo_release(&repo);
}

Test(install, deb_field_and_safe_path)
{
    const char *st = "Package: a\nDescription: short\n long line\n .\n more\nHomepage: x\n";
    cleanup_free char *d = vz_deb_field(st, "description");
    cr_assert_str_eq(d, "short\n long line\n .\n more");
    cr_assert_null(vz_deb_field(st, "Depends"));
    vz_error_t err = NULL;
    cleanup_free char *p = vz_deb_safe_path("./usr//bin/./x/", "t.deb", &err);
    cr_assert_str_eq(p, "usr/bin/x");
    cleanup_free char *r = vz_deb_safe_path("./", "t.deb", &err);
    cr_assert_str_eq(r, "");
    cr_assert_null(vz_deb_safe_path("a/../../b", "t.deb", &err));
    cr_assert_str_eq(err->msg, "t.deb: unsafe archive entry 'a/../../b': '..' component");
    vz_error_release(&err);
}

Test(install, file_in_two_packages_belongs_to_the_later_one)
{
    vz_error_t err = NULL;
    cleanup_free char *repodir = vz_path_join(tmp, "repo");
    struct vz_testrepo repo = { 0 };
    cr_assert_eq(vz_testrepo_create(repodir, NULL, 0, NULL, &repo, &err), 0, "%s",
                 err ? err->msg : "");
    cleanup_free char *bb = install_find_deb(repo.dir, "busybox-sh");
    /* "old" is written first by its thread but spends long on a big file
     * before reaching the shared one, so without the overlap pass it would
     * be the last writer */
    size_t big = 8 << 20;
    char *bigdata = vz_xmalloc(big + 1);
    memset(bigdata, 'b', big);
    bigdata[big] = '\0';
    struct fx_entry eo[] = { { "./", 'd', NULL }, { "./usr/", 'd', NULL },
                             { "./usr/share/", 'd', NULL }, { "./usr/share/big", 'f', bigdata },
                             { "./usr/share/shared", 'f', "from old\n" } };
    struct fx_entry en[] = { { "./", 'd', NULL }, { "./usr/", 'd', NULL },
                             { "./usr/share/", 'd', NULL },
                             { "./usr/share/shared", 'f', "from new\n" } };
    cleanup_free char *d_old = vz_path_join(tmp, "old.deb");
    cleanup_free char *d_new = vz_path_join(tmp, "new.deb");
    cr_assert_eq(install_make_deb(d_old, "Package: old\nVersion: 1\nArchitecture: all\n"
                                         "Maintainer: t <t@t>\nDescription: old\n",
                                  NULL, NULL, eo, 5), 0);
    cr_assert_eq(install_make_deb(d_new, "Package: new\nVersion: 1\nArchitecture: all\n"
                                         "Replaces: old\nMaintainer: t <t@t>\nDescription: new\n",
                                  NULL, NULL, en, 4), 0);
    free(bigdata);
    const char *debs[] = { bb, d_old, d_new };
    struct vz_install_opts o = { .root = root, .debs = debs, .n = 3, .merged_usr = true,
                                 .arch = "amd64", .jobs = 2, .runner = &install_chroot_runner };
    cr_assert_eq(vz_deb_install(&o, NULL, &err), 0, "%s", err ? err->msg : "");
    cleanup_free char *shared = install_slurp(root, "usr/share/shared");
    cr_assert_str_eq(shared, "from new\n");
    cleanup_free char *lo = install_slurp(root, "var/lib/dpkg/info/old.list");
    cr_assert_str_eq(lo, "/.\n/usr\n/usr/share\n/usr/share/big\n");
    cleanup_free char *ln = install_slurp(root, "var/lib/dpkg/info/new.list");
    cr_assert_str_eq(ln, "/.\n/usr\n/usr/share\n/usr/share/shared\n");
    vz_testrepo_release(&repo);
}

Test(install, essential_set_is_configured_before_other_preinsts)
{
    vz_error_t err = NULL;
    cleanup_free char *repodir = vz_path_join(tmp, "repo");
    struct vz_testrepo repo = { 0 };
    cr_assert_eq(vz_testrepo_create(repodir, NULL, 0, NULL, &repo, &err), 0, "%s",
                 err ? err->msg : "");
    cleanup_free char *bb = install_find_deb(repo.dir, "busybox-sh");
    cleanup_free char *deb = vz_path_join(tmp, "late.deb");
    struct fx_entry e[] = { { "./", 'd', NULL }, { "./etc/", 'd', NULL },
                            { "./etc/late", 'f', "x\n" } };
    cr_assert_eq(install_make_deb(deb,
                                  "Package: late\nVersion: 1\nArchitecture: all\n"
                                  "Maintainer: t <t@t>\nDescription: late\n",
                                  "#!/bin/sh\nsed -n '/^Package: busybox-sh$/,/^$/p' "
                                  "/var/lib/dpkg/status | grep '^Status:' > /late.txt\n"
                                  "sed -n '/^Package: late$/,/^$/p' /var/lib/dpkg/status "
                                  ">> /late.txt\n",
                                  NULL, e, 3),
                 0);
    const char *debs[] = { deb, bb };
    struct vz_install_opts o = { .root = root, .debs = debs, .n = 2, .merged_usr = true,
                                 .arch = "amd64", .runner = &install_chroot_runner };
    cr_assert_eq(vz_deb_install(&o, NULL, &err), 0, "%s", err ? err->msg : "");
    /* even though "late" comes first in the plan: the essential busybox-sh was
     * configured before its preinst ran, and "late" itself was not registered yet */
    cleanup_free char *got = install_slurp(root, "late.txt");
    cr_assert_str_eq(got, "Status: install ok installed\n");
    cleanup_free char *status = install_slurp(root, "var/lib/dpkg/status");
    cr_assert(strstr(status, "Package: late\nStatus: install ok installed\n"), "%s", status);
    vz_testrepo_release(&repo);
}

Test(install, merged_usr_links_shipped_by_a_package)
{
    cleanup_free char *base = vz_path_join(tmp, "base.deb");
    cleanup_free char *tool = vz_path_join(tmp, "tool.deb");
    struct fx_entry eb[] = { { "./", 'd', NULL }, { "./bin", 'l', "usr/bin" },
                             { "./lib64", 'l', "usr/lib64" }, { "./usr/", 'd', NULL },
                             { "./usr/bin/", 'd', NULL }, { "./usr/lib64/", 'd', NULL } };
    struct fx_entry et[] = { { "./", 'd', NULL }, { "./bin/", 'd', NULL },
                             { "./bin/tool", 'f', "tool\n" } };
    cr_assert_eq(install_make_deb(base, "Package: base\nVersion: 1\nArchitecture: all\n"
                                        "Maintainer: t <t@t>\nDescription: base\n",
                                  NULL, NULL, eb, 6), 0);
    cr_assert_eq(install_make_deb(tool, "Package: tool\nVersion: 1\nArchitecture: all\n"
                                        "Maintainer: t <t@t>\nDescription: tool\n",
                                  NULL, NULL, et, 3), 0);
    const char *debs[] = { tool, base };
    struct vz_install_opts o = { .root = root, .debs = debs, .n = 2, .merged_usr = true,
                                 .merged_usr_shipped = true, .arch = "amd64", .jobs = 2,
                                 .runner = &install_chroot_runner };
    vz_error_t err = NULL;
    cr_assert_eq(vz_deb_install(&o, NULL, &err), 0, "%s", err ? err->msg : "");
    char buf[64];
    ssize_t n = readlink(install_str("%s/bin", root), buf, sizeof(buf) - 1);
    cr_assert_gt(n, 0, "bin is not a symlink");
    buf[n] = '\0';
    cr_assert_str_eq(buf, "usr/bin");
    cleanup_free char *t = install_slurp(root, "usr/bin/tool");
    cr_assert_str_eq(t, "tool\n");
    /* not created by us: only what base shipped */
    cr_assert_eq(access(install_str("%s/sbin", root), F_OK), -1);
    cleanup_free char *list = install_slurp(root, "var/lib/dpkg/info/tool.list");
    cr_assert_str_eq(list, "/.\n/bin\n/bin/tool\n");
}

Test(install, merged_usr_link_pointing_elsewhere_is_refused)
{
    struct fx_entry e[] = { { "./", 'd', NULL }, { "./lib", 'l', "/elsewhere" } };
    expect_refused(e, 2, "would replace the merged-/usr symlink /lib -> usr/lib");
}

Test(install, owners_modes_hard_links_and_xattrs_are_kept)
{
    struct fx_entry e[] = {
        { "./", 'd', NULL, 0, 0, NULL },
        { "./usr/", 'd', NULL, 0, 0, NULL },
        { "./usr/bin/", 'd', NULL, 0, 0, NULL },
        { "./usr/bin/suid", 'f', "#!/bin/sh\n", 02755, 42, "user.vztest=kept" },
        { "./usr/bin/suid-link", 'h', "./usr/bin/suid", 0, 0, NULL },
        { "./usr/bin/sym", 'l', "suid", 0, 0, NULL },
        { "./var/", 'd', NULL, 0, 0, NULL },
        { "./var/mail/", 'd', NULL, 02775, 8, NULL },
    };
    cleanup_free char *deb = vz_path_join(tmp, "perm.deb");
    cr_assert_eq(install_make_deb(deb, "Package: perm\nVersion: 1\nArchitecture: all\n"
                                       "Maintainer: t <t@t>\nDescription: perm\n",
                                  NULL, NULL, e, VZ_ARRAY_SIZE(e)), 0);
    const char *debs[] = { deb };
    struct vz_install_opts o = { .root = root, .debs = debs, .n = 1, .merged_usr = true,
                                 .arch = "amd64", .runner = &install_chroot_runner };
    vz_error_t err = NULL;
    cr_assert_eq(vz_deb_install(&o, NULL, &err), 0, "%s", err ? err->msg : "");
    struct stat a, b;
    cr_assert_eq(lstat(install_str("%s/usr/bin/suid", root), &a), 0);
    cr_assert_eq(a.st_mode & 07777, 02755);
    cr_assert_eq(a.st_uid, 0);
    cr_assert_eq(a.st_gid, 42);
    cr_assert_eq(a.st_mtime, 1700000000);
    cr_assert_eq(lstat(install_str("%s/usr/bin/suid-link", root), &b), 0);
    cr_assert_eq(a.st_ino, b.st_ino, "hard link not kept");
    cr_assert_eq(a.st_nlink, 2);
    char buf[64];
    ssize_t n = getxattr(install_str("%s/usr/bin/suid", root), "user.vztest", buf, sizeof(buf));
    cr_assert_eq(n, 4, "xattr lost");
    cr_assert(memcmp(buf, "kept", 4) == 0);
    n = readlink(install_str("%s/usr/bin/sym", root), buf, sizeof(buf) - 1);
    cr_assert_eq(n, 4);
    cr_assert_eq(lstat(install_str("%s/var/mail", root), &a), 0);
    cr_assert_eq(a.st_mode & 07777, 02775);
    cr_assert_eq(a.st_gid, 8);
    cleanup_free char *list = install_slurp(root, "var/lib/dpkg/info/perm.list");
    cr_assert_str_eq(list, "/.\n/usr\n/usr/bin\n/usr/bin/suid\n/usr/bin/suid-link\n"
                           "/usr/bin/sym\n/var\n/var/mail\n");
}

/* Two packages of one parallel wave ship the same directory with different
 * modes: the one later in plan order decides it, mode and time, as when
 * they are unpacked one after the other (bookworm's tar and util-linux both
 * ship usr/lib/mime/: its time differed from build to build). One job and
 * the later package the bigger, so the wave unpacks it first (biggest
 * first): without the settling pass the earlier package, unpacked last,
 * would win; the time must also survive the file written into the
 * directory after the first package finished. */
Test(install, directory_shipped_by_two_packages_of_a_wave_is_the_later_ones)
{
    struct fx_entry early[] = {
        { "./", 'd', NULL },
        { "./usr/", 'd', NULL },
        { "./usr/share/", 'd', NULL },
        { "./usr/share/shared/", 'd', NULL, 0750, 0 },
        { "./usr/share/shared/early", 'f', "early\n" },
    };
    size_t big_len = 256 << 10;
    cleanup_free char *big = vz_xmalloc(big_len + 1);
    memset(big, 'x', big_len);
    big[big_len] = '\0';
    struct fx_entry late[] = {
        { "./", 'd', NULL },
        { "./usr/", 'd', NULL },
        { "./usr/share/", 'd', NULL },
        { "./usr/share/shared/", 'd', NULL, 02775, 50 },
        { "./usr/share/shared/late", 'f', big },
    };
    cleanup_free char *d1 = vz_path_join(tmp, "early.deb");
    cleanup_free char *d2 = vz_path_join(tmp, "late.deb");
    cr_assert_eq(install_make_deb(d1, "Package: early\nVersion: 1\nArchitecture: all\n"
                                      "Maintainer: t <t@t>\nDescription: e\n",
                                  NULL, NULL, early, VZ_ARRAY_SIZE(early)), 0);
    cr_assert_eq(install_make_deb(d2, "Package: late\nVersion: 1\nArchitecture: all\n"
                                      "Maintainer: t <t@t>\nDescription: l\n",
                                  NULL, NULL, late, VZ_ARRAY_SIZE(late)), 0);
    const char *debs[] = { d1, d2 };
    struct vz_install_opts o = { .root = root, .debs = debs, .n = 2, .merged_usr = true,
                                 .arch = "amd64", .jobs = 1, .runner = &install_chroot_runner };
    vz_error_t err = NULL;
    cr_assert_eq(vz_deb_install(&o, NULL, &err), 0, "%s", err ? err->msg : "");
    struct stat st;
    cr_assert_eq(lstat(install_str("%s/usr/share/shared", root), &st), 0);
    cr_expect_eq(st.st_mode & 07777, 02775, "mode %04o", st.st_mode & 07777);
    cr_expect_eq(st.st_gid, 50);
    cr_expect_eq(st.st_mtime, 1700000000, "mtime %lld", (long long)st.st_mtime);
    cr_assert(vz_file_exists(install_str("%s/usr/share/shared/early", root)));
    cr_assert(vz_file_exists(install_str("%s/usr/share/shared/late", root)));
}
