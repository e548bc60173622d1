/* tests/lib/rootfs.c: see rootfs.h. */
#include "tests/lib/rootfs.h"

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/common.h"

static void die(const char *what, const char *path)
{
    fprintf(stderr, "vzt_busybox_root: %s %s: %s\n", what, path, strerror(errno));
    abort();
}

char *vzt_busybox_root(void)
{
    char tmpl[] = "/tmp/vzt-root-XXXXXX";
    if (!mkdtemp(tmpl))
        die("mkdtemp", tmpl);
    chmod(tmpl, 0755);
    static const char *const dirs[] = { "bin", "sbin", "etc", "tmp", "root", "proc", "sys", "dev", "usr", "var" };
    for (size_t i = 0; i < VZ_ARRAY_SIZE(dirs); i++) {
        cleanup_free char *d = vz_path_join(tmpl, dirs[i]);
        if (mkdir(d, strcmp(dirs[i], "tmp") == 0 ? 01777 : 0755) < 0)
            die("mkdir", d);
    }
    cleanup_free char *tmpd = vz_path_join(tmpl, "tmp");
    chmod(tmpd, 01777);
    cleanup_free char *bb = vz_path_join(tmpl, "bin/busybox");
    vz_error_t err = NULL;
    if (vz_copy_file("/bin/busybox", bb, &err) < 0) {
        fprintf(stderr, "vzt_busybox_root: %s (install busybox-static)\n", err->msg);
        abort();
    }
    /* The applet list, from the static binary itself. */
    struct vz_buf out = VZ_BUF_INIT;
    vz_buf_init(&out);
    char *argv[] = { "/bin/busybox", "--list", NULL };
    struct vz_run_opts o = { .out = &out, .quiet = 1 };
    if (vz_run_ok(argv, &o, &err) < 0) {
        fprintf(stderr, "vzt_busybox_root: %s\n", err->msg);
        abort();
    }
    char *save = NULL;
    for (char *name = strtok_r(out.data, "\n", &save); name; name = strtok_r(NULL, "\n", &save)) {
        if (strcmp(name, "busybox") == 0 || strchr(name, '/') || strchr(name, '['))
            continue;
        cleanup_free char *l = vz_xasprintf("%s/bin/%s", tmpl, name);
        if (symlink("busybox", l) < 0)
            die("symlink", l);
    }
    vz_buf_release(&out);
    /* No /sbin/init: tests of the tiny init need its absence; tests that
     * want busybox init make the link themselves. */
    cleanup_free char *passwd = vz_xasprintf("%s/etc/passwd", tmpl);
    const char *pw = "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n";
    if (vz_atomic_write(passwd, pw, strlen(pw), 0644, &err) < 0) {
        fprintf(stderr, "vzt_busybox_root: %s\n", err->msg);
        abort();
    }
    return vz_xstrdup(tmpl);
}

void vzt_root_remove(char *root)
{
    if (!root)
        return;
    vz_error_t err = NULL;
    if (vz_rm_rf(root, &err) < 0) {
        fprintf(stderr, "vzt_root_remove: %s\n", err->msg);
        vz_error_release(&err);
    }
    free(root);
}

int vzt_mount_count(void)
{
    /* Only mounts under the tests' own temporary directories (/tmp/vzt-*):
     * the kernel detaches a mount from every namespace when its mount point
     * is removed, so other jobs on the host move the total for reasons that
     * have nothing to do with the code under test. */
    FILE *f = fopen("/proc/self/mountinfo", "re");
    if (!f)
        return -1;
    int n = 0;
    char line[4096];
    while (fgets(line, sizeof(line), f)) {
        char *save = NULL, *field = strtok_r(line, " ", &save);
        for (int i = 1; field && i < 5; i++)
            field = strtok_r(NULL, " ", &save);
        if (field && strstr(field, "/vzt-"))
            n++;
    }
    fclose(f);
    return n;
}

static pid_t parent_of(pid_t pid)
{
    char path[64], buf[512];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "re");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *p = strrchr(buf, ')');
    if (!p)
        return -1;
    char state;
    int ppid;
    if (sscanf(p + 1, " %c %d", &state, &ppid) != 2)
        return -1;
    return ppid;
}

int vzt_descendant_count(void)
{
    pid_t self = getpid();
    DIR *d = opendir("/proc");
    if (!d)
        return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        pid_t pid = (pid_t)atoi(e->d_name);
        if (pid <= 0 || pid == self)
            continue;
        for (pid_t p = parent_of(pid), hops = 0; p > 1 && hops < 64; p = parent_of(p), hops++)
            if (p == self) {
                n++;
                break;
            }
    }
    closedir(d);
    return n;
}

static int shift_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)flag;
    (void)ftw;
    if (lchown(path, VZT_LOCAL_ID + st->st_uid, VZT_LOCAL_ID + st->st_gid) < 0) {
        fprintf(stderr, "vzt_shift_tree: lchown %s: %s\n", path, strerror(errno));
        abort();
    }
    /* chown clears set-uid bits: put them back */
    if (!S_ISLNK(st->st_mode) && (st->st_mode & 06000))
        chmod(path, st->st_mode & 07777);
    return 0;
}

void vzt_shift_tree(const char *root)
{
    if (nftw(root, shift_one, 32, FTW_PHYS | FTW_MOUNT) < 0) {
        fprintf(stderr, "vzt_shift_tree %s: %s\n", root, strerror(errno));
        abort();
    }
}
