#include <criterion/criterion.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/common.h"

static char tmp[64];

static void setup(void)
{
    strncpy(tmp, "/tmp/vzt-fs-XXXXXX", sizeof(tmp));
    cr_assert_not_null(mkdtemp(tmp));
}

static void teardown(void)
{
    vz_error_t err = NULL;
    vz_rm_rf(tmp, &err);
    vz_error_release(&err);
}

TestSuite(fs, .init = setup, .fini = teardown, .timeout = 300);

Test(fs, atomic_write_replaces_and_leaves_no_temp)
{
    char *p = vz_path_join(tmp, "f");
    vz_error_t err = NULL;
    cr_assert_eq(vz_atomic_write(p, "one", 3, 0644, &err), 0);
    cr_assert_eq(vz_atomic_write(p, "two!", 4, 0600, &err), 0);
    char *d = NULL;
    size_t n = 0;
    cr_assert_eq(vz_read_file(p, &d, &n, &err), 0);
    cr_assert_str_eq(d, "two!");
    struct stat st;
    stat(p, &st);
    cr_assert_eq(st.st_mode & 0777, 0600);
    DIR *dir = opendir(tmp);
    int count = 0;
    struct dirent *de;
    while ((de = readdir(dir)))
        if (de->d_name[0] != '.')
            count++;
    closedir(dir);
    cr_assert_eq(count, 1, "temporary files left behind");
    free(d);
    free(p);
}

Test(fs, atomic_abort_removes_temp)
{
    char *p = vz_path_join(tmp, "g");
    vz_error_t err = NULL;
    struct vz_atomic_file f = { NULL, NULL, -1 };
    cr_assert_eq(vz_atomic_open(&f, p, 0644, &err), 0);
    char *t = strdup(f.tmppath);
    cr_assert(vz_file_exists(t));
    vz_atomic_abort(&f);
    cr_assert_not(vz_file_exists(t));
    cr_assert_not(vz_file_exists(p));
    free(t);
    free(p);
}

Test(fs, rm_rf_does_not_follow_symlinks_out)
{
    char *outside = vz_path_join(tmp, "outside");
    char *tree = vz_path_join(tmp, "tree/a/b");
    vz_error_t err = NULL;
    cr_assert_eq(vz_mkdir_p(outside, 0755, &err), 0);
    cr_assert_eq(vz_mkdir_p(tree, 0755, &err), 0);
    char *keep = vz_path_join(outside, "keep");
    vz_atomic_write(keep, "x", 1, 0644, &err);
    char *link = vz_path_join(tree, "link");
    cr_assert_eq(symlink(outside, link), 0);
    char *top = vz_path_join(tmp, "tree");
    cr_assert_eq(vz_rm_rf(top, &err), 0);
    cr_assert_not(vz_file_exists(top));
    cr_assert(vz_file_exists(keep), "rm_rf followed a symlink out of the tree");
    free(outside); free(tree); free(keep); free(link); free(top);
}

Test(fs, rm_rf_refuses_to_cross_a_mount)
{
    if (geteuid() != 0)
        cr_skip_test("needs root for mounts");
    char *mnt = vz_path_join(tmp, "t/m");
    vz_error_t err = NULL;
    vz_mkdir_p(mnt, 0755, &err);
    cr_assert_eq(unshare(CLONE_NEWNS), 0);
    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
    cr_assert_eq(mount("tmpfs", mnt, "tmpfs", 0, NULL), 0);
    char *top = vz_path_join(tmp, "t");
    cr_assert_eq(vz_rm_rf(top, &err), -1);
    cr_assert(strstr(err->msg, "another file system") != NULL, "%s", err->msg);
    vz_error_release(&err);
    umount(mnt);
    free(mnt); free(top);
}

Test(fs, mkdir_p_and_join)
{
    char *j = vz_path_join("/a/", "/b");
    cr_assert_str_eq(j, "/a/b");
    free(j);
    cr_assert(vz_safe_name("101"));
    cr_assert_not(vz_safe_name(".."));
    cr_assert_not(vz_safe_name("a/b"));
    cr_assert_not(vz_safe_name(""));
    cr_assert_not(vz_safe_name("a\nb"));
    cr_assert_not(vz_safe_name("tab\there"));
    cr_assert_not(vz_safe_name("-1"));
    char longname[300];
    memset(longname, 'a', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = '\0';
    cr_assert_not(vz_safe_name(longname));
    longname[255] = '\0';
    cr_assert(vz_safe_name(longname));
    cr_assert(vz_safe_name("debian-12-x86_64-minimal"));
    cr_assert(vz_safe_name("libstdc++6"));
}
