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
 *   subvol PATH                       make a btrfs subvolume PATH (escapes
 *                                     the qgroup limit of the one it is in)
 *   fill PATH MIB                     write MIB MiB of data to PATH and
 *                                     fsync ("fill: ok" or the errno)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/btrfs.h>
#include <sys/ioctl.h>
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
    if (argc == 3 && strcmp(argv[1], "subvol") == 0) {
        char *slash = strrchr(argv[2], '/');
        if (slash == NULL)
            return 2;
        *slash = '\0';
        const char *dir = slash == argv[2] ? "/" : argv[2];
        struct btrfs_ioctl_vol_args a;
        memset(&a, 0, sizeof(a));
        snprintf(a.name, sizeof(a.name), "%s", slash + 1);
        int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (report("open", fd >= 0))
            return 1;
        return report("subvol", ioctl(fd, BTRFS_IOC_SUBVOL_CREATE, &a) == 0);
    }
    if (argc == 4 && strcmp(argv[1], "fill") == 0) {
        static char chunk[1 << 20];
        memset(chunk, 'f', sizeof(chunk));
        int fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (report("open", fd >= 0))
            return 1;
        /* a short write is no refusal: the rest is written again, and the
         * write that fails says why (ENOSPC, EDQUOT) */
        for (long long left = atoll(argv[3]) << 20; left > 0;) {
            ssize_t w = write(fd, chunk, left < (long long)sizeof(chunk) ? (size_t)left : sizeof(chunk));
            if (w == 0)
                errno = EIO;
            if (w <= 0)
                return report("fill", 0);
            left -= w;
        }
        return report("fill", fsync(fd) == 0);
    }
    fprintf(stderr, "usage: vzt-probe euid | cgroup OPTS FILE VALUE | cgroup2 FILE VALUE | keyring NAME | open PATH | mknod PATH | subvol PATH | fill PATH MIB\n");
    return 2;
}
