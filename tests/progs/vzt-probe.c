/* tests/progs/vzt-probe.c: what a hostile root inside a container (or a
 * user on the host) tries, one attack per subcommand, each printing
 * "NAME: ok" or "NAME: <errno name>" per step so that a test can assert on
 * the outcome. Static, so it runs inside any test root.
 *
 *   euid                              print the effective uid
 *   cgroup OPTS FILE VALUE            in a new user+mount+cgroup namespace
 *                                     (as `unshare -U -r -m -C`): mount a v1
 *                                     hierarchy with OPTS on /tmp/vzt-m, write
 *                                     VALUE to FILE in it (FILE "+DIR": mkdir)
 *   cgroup2 FILE VALUE                the same with a cgroup2 mount (the
 *                                     container's own group is its root)
 *   keyring NAME                      search the user keyring for a "user" key
 *   open PATH                         open read-write, read one byte
 *   mknod PATH                        make a block device node 7:0
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/keyctl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static int report(const char *step, int ok)
{
    int e = errno;
    if (ok)
        printf("%s: ok\n", step);
    else
        printf("%s: %s\n", step, strerrorname_np(e) ? strerrorname_np(e) : "?");
    fflush(stdout);
    return ok ? 0 : 1;
}

static int write_file(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = write(fd, text, strlen(text));
    int e = errno;
    close(fd);
    errno = e;
    return n == (ssize_t)strlen(text) ? 0 : -1;
}

static int cgroup_attack(const char *type, const char *opts, const char *file, const char *value)
{
    char map[64];
    uid_t uid = geteuid();
    gid_t gid = getegid();
    if (report("unshare", unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWCGROUP) == 0))
        return 1;
    snprintf(map, sizeof(map), "0 %u 1", (unsigned)uid);
    write_file("/proc/self/setgroups", "deny");
    if (report("uid_map", write_file("/proc/self/uid_map", map) == 0))
        return 1;
    snprintf(map, sizeof(map), "0 %u 1", (unsigned)gid);
    write_file("/proc/self/gid_map", map);
    mkdir("/tmp/vzt-m", 0755);
    if (report("mount", mount("c", "/tmp/vzt-m", type, 0, opts) == 0))
        return 1;
    char path[512];
    if (file[0] == '+') {
        snprintf(path, sizeof(path), "/tmp/vzt-m/%s", file + 1);
        return report("mkdir", mkdir(path, 0755) == 0);
    }
    snprintf(path, sizeof(path), "/tmp/vzt-m/%s", file);
    return report("write", write_file(path, value) == 0);
}

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "euid") == 0) {
        printf("euid: %u\n", (unsigned)geteuid());
        return 0;
    }
    if (argc == 5 && strcmp(argv[1], "cgroup") == 0)
        return cgroup_attack("cgroup", argv[2], argv[3], argv[4]);
    if (argc == 4 && strcmp(argv[1], "cgroup2") == 0)
        return cgroup_attack("cgroup2", NULL, argv[2], argv[3]);
    if (argc == 3 && strcmp(argv[1], "keyring") == 0) {
        long k = syscall(SYS_keyctl, KEYCTL_SEARCH, KEY_SPEC_USER_KEYRING, "user", argv[2], 0);
        if (report("search", k >= 0))
            return 1;
        char buf[256] = { 0 };
        long n = syscall(SYS_keyctl, KEYCTL_READ, k, buf, sizeof(buf) - 1);
        report("read", n >= 0);
        printf("key: %s\n", buf);
        return 0;
    }
    if (argc == 3 && strcmp(argv[1], "open") == 0) {
        int fd = open(argv[2], O_RDWR | O_CLOEXEC);
        if (report("open", fd >= 0))
            return 1;
        char c;
        return report("read", read(fd, &c, 1) >= 0);
    }
    if (argc == 3 && strcmp(argv[1], "mknod") == 0)
        return report("mknod", mknod(argv[2], S_IFBLK | 0600, makedev(7, 0)) == 0);
    fprintf(stderr, "usage: vzt-probe euid | cgroup OPTS FILE VALUE | cgroup2 FILE VALUE | keyring NAME | open PATH | mknod PATH\n");
    return 2;
}
