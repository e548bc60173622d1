/* Sandbox: vz_sandbox_run() in a busybox root (needs root and busybox-static). */
#include <criterion/criterion.h>
#include <dirent.h>
#include <fcntl.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/common.h"
#include "tests/lib/rootfs.h"
#include "vpscore/mount.h"
#include "vpscore/sandbox.h"

static char *root;
static int mounts_before;

static void setup(void)
{
    root = vzt_busybox_root();
    mounts_before = vzt_mount_count();
}

static void teardown(void)
{
    /* Whatever a test did, nothing it mounted may remain on the host. */
    cr_expect_eq(vzt_mount_count(), mounts_before, "mounts left on the host");
    cr_expect_eq(vz_mounts_under(root), 0, "mounts left under %s", root);
    vzt_root_remove(root);
    root = NULL;
}

TestSuite(sandbox, .init = setup, .fini = teardown, .timeout = 300);

/* Run `sh -c script`; returns the status, output in *out (allocated). */
static int sh(const char *script, char **out)
{
    struct vz_buf b = VZ_BUF_INIT;
    vz_buf_init(&b);
    char *argv[] = { "sh", "-c", (char *)script, NULL };
    struct vz_sandbox_opts o = { .root = root, .argv = argv, .out = &b };
    int st = -1;
    vz_error_t err = NULL;
    int rc = vz_sandbox_run(&o, &st, &err);
    cr_assert_eq(rc, 0, "vz_sandbox_run: %s", err ? err->msg : "?");
    if (out)
        *out = vz_buf_detach(&b, NULL);
    else
        vz_buf_release(&b);
    return st;
}

static void write_file(const char *rel, const char *text)
{
    cleanup_free char *p = vz_path_join(root, rel);
    vz_error_t err = NULL;
    cr_assert_eq(vz_atomic_write(p, text, strlen(text), 0755, &err), 0);
}

Test(sandbox, output_status_and_merged_stderr)
{
    cleanup_free char *out = NULL;
    cr_assert_eq(sh("echo hello; echo err >&2; echo after; exit 7", &out), 7);
    cr_assert_str_eq(out, "hello\nerr\nafter\n");
}

/* Whatever the caller's umask is when it runs the sandbox (0 while a
 * builder thread is inside libarchive's umask(0) window, 002 or 077 for
 * some users), the command starts with 022, as dpkg runs maintainer
 * scripts: what a script creates gets the same mode on every build. */
Test(sandbox, command_starts_with_umask_022_whatever_the_callers)
{
    static const mode_t caller[] = { 0, 002, 077, 022 };
    for (size_t i = 0; i < VZ_ARRAY_SIZE(caller); i++) {
        mode_t old = umask(caller[i]);
        cleanup_free char *out = NULL;
        int st = sh("umask; rm -f /tmp/made; echo x > /tmp/made; mkdir -p /tmp/d$$; "
                    "stat -c %a /tmp/made /tmp/d$$",
                    &out);
        umask(old);
        cr_assert_eq(st, 0, "%s", out);
        cr_assert_str_eq(out, "0022\n644\n755\n", "caller's umask %03o: %s", (unsigned)caller[i],
                         out);
    }
}

Test(sandbox, killed_command_reports_128_plus_signal)
{
    cr_assert_eq(sh("kill -9 $$", NULL), 137);
}

Test(sandbox, stdin_env_cwd_and_default_environment)
{
    struct vz_buf b = VZ_BUF_INIT;
    vz_buf_init(&b);
    char *argv[] = { "sh", "-c", "cat; echo \" $FOO $(pwd)\"", NULL };
    char *env[] = { "PATH=/bin", "FOO=bar", NULL };
    struct vz_sandbox_opts o = { .root = root, .argv = argv, .env = env, .cwd = "/etc",
                                 .out = &b, .stdin_data = "abc", .stdin_len = 3 };
    int st = -1;
    vz_error_t err = NULL;
    cr_assert_eq(vz_sandbox_run(&o, &st, &err), 0);
    cr_assert_eq(st, 0);
    cr_assert_str_eq(b.data, "abc bar /etc\n");
    vz_buf_release(&b);

    cleanup_free char *out = NULL;
    sh("echo $PATH $HOME; cat </dev/stdin | wc -c", &out);
    cr_assert_str_eq(out, "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin /root\n0\n");
}

Test(sandbox, sees_only_its_own_processes)
{
    cleanup_free char *out = NULL;
    /* Glob expansion by the shell itself: no extra process. */
    cr_assert_eq(sh("cd /proc && echo [0-9]* && echo $$", &out), 0);
    cr_assert_str_eq(out, "1 2\n2\n");
}

Test(sandbox, own_hostname)
{
    cleanup_free char *out = NULL;
    sh("hostname", &out);
    cr_assert_str_eq(out, "vzforge-build\n");

    struct vz_buf b = VZ_BUF_INIT;
    vz_buf_init(&b);
    char *argv[] = { "hostname", NULL };
    struct vz_sandbox_opts o = { .root = root, .argv = argv, .hostname = "box1", .out = &b };
    int st;
    vz_error_t err = NULL;
    cr_assert_eq(vz_sandbox_run(&o, &st, &err), 0);
    cr_assert_str_eq(b.data, "box1\n");
    vz_buf_release(&b);
    char host[256];
    gethostname(host, sizeof(host));
    cr_assert_str_neq(host, "box1");
}

Test(sandbox, own_mounts_only)
{
    cleanup_free char *out = NULL;
    /* Outside /proc (whose masks depend on what this kernel has), exactly these. */
    cr_assert_eq(sh("cut -d' ' -f5 /proc/self/mountinfo | grep -v '^/proc/' | tr '\\n' ' '", &out), 0);
    cr_assert_str_eq(out, "/ /proc /sys /dev /dev/pts /dev/shm /dev/mqueue /sys/firmware ", "got %s", out);
}

Test(sandbox, minimal_dev)
{
    cleanup_free char *out = NULL;
    cr_assert_eq(sh("ls /dev | tr '\\n' ' '; echo; ls -l /dev/null | cut -c1-10; "
                    "echo x > /dev/null && head -c 4 /dev/zero | wc -c && head -c 3 /dev/urandom | wc -c",
                    &out),
                 0);
    cr_assert_str_eq(out,
                     "console fd full mqueue null ptmx pts random shm stderr stdin stdout tty urandom zero \n"
                     "crw-rw-rw-\n4\n3\n");
}

Test(sandbox, proc_sys_and_sys_read_only)
{
    cleanup_free char *out = NULL;
    sh("echo 1 > /proc/sys/kernel/ctrl-alt-del; touch /sys/x; echo 1 > /proc/sys/net/ipv4/ip_forward", &out);
    cr_assert_str_eq(out,
                     "sh: can't create /proc/sys/kernel/ctrl-alt-del: Read-only file system\n"
                     "touch: /sys/x: Read-only file system\n"
                     "sh: can't create /proc/sys/net/ipv4/ip_forward: Read-only file system\n",
                     "got %s", out);
}

Test(sandbox, sensitive_proc_files_are_masked)
{
    /* The host shows them with content (as root); the sandbox, empty. */
    static const char *const files[] = { "/proc/kallsyms", "/proc/keys", "/proc/timer_list", "/proc/kcore",
                                         "/proc/sched_debug", "/proc/key-users" };
    struct vz_buf script = VZ_BUF_INIT, want = VZ_BUF_INIT;
    vz_buf_init(&script);
    vz_buf_init(&want);
    int checked = 0;
    for (size_t i = 0; i < VZ_ARRAY_SIZE(files); i++) {
        char buf[16];
        FILE *f = fopen(files[i], "re");
        if (!f)
            continue;
        size_t n = fread(buf, 1, sizeof(buf), f);
        fclose(f);
        if (n == 0)
            continue;
        vz_buf_addf(&script, "echo %s $(head -c 16 %s | wc -c);", files[i], files[i]);
        vz_buf_addf(&want, "%s 0\n", files[i]);
        checked++;
    }
    cr_assert_geq(checked, 2, "the host has too few of the masked files to test");
    cleanup_free char *out = NULL;
    sh(script.data, &out);
    cr_assert_str_eq(out, want.data);
    vz_buf_release(&script);
    vz_buf_release(&want);
}

Test(sandbox, no_module_loading_no_clock_setting)
{
    write_file("tmp/fake.ko", "not a module\n");
    cleanup_free char *out = NULL;
    sh("insmod /tmp/fake.ko; date -s 2001-01-01 >/dev/null; grep CapBnd /proc/self/status", &out);
    /* Bits 16 (SYS_MODULE), 17 (SYS_RAWIO), 19 (SYS_PTRACE), 21 (SYS_ADMIN),
     * 22 (SYS_BOOT), 25 (SYS_TIME), 27 (MKNOD) are clear. */
    /* A kernel without module support says so before it checks capabilities. */
    cr_assert(strstr(out, "insmod: can't insert '/tmp/fake.ko': Operation not permitted\n") ||
                  strstr(out, "insmod: can't insert '/tmp/fake.ko': kernel does not support requested operation\n"),
              "got %s", out);
    cr_assert(strstr(out, "date: can't set date: Operation not permitted\n"), "got %s", out);
    const char *bnd = strstr(out, "CapBnd:");
    cr_assert(bnd);
    unsigned long long caps = strtoull(bnd + 7, NULL, 16);
    const int gone[] = { 16, 17, 19, 21, 22, 25, 27 };
    for (size_t i = 0; i < VZ_ARRAY_SIZE(gone); i++)
        cr_assert_eq(caps & (1ULL << gone[i]), 0, "capability %d still in %s", gone[i], bnd);
    cr_assert_neq(caps & 1ULL, 0, "CAP_CHOWN must stay for dpkg");
}

Test(sandbox, cannot_reach_the_host_file_system)
{
    write_file("ROOT_MARKER", "");
    cleanup_free char *link = vz_path_join(root, "escape");
    cr_assert_eq(symlink("/../../..", link), 0);
    cleanup_free char *out = NULL;
    sh("ls /../../.. | grep -c -e ROOT_MARKER -e work; ls /escape/ | grep -c -e ROOT_MARKER -e work; "
       "ls /proc/1/root/ 2>&1 | grep -c -e ROOT_MARKER -e work -e denied; "
       "ls -d /work /tmp/vzt-root-* 2>/dev/null | wc -l",
       &out);
    cr_assert_str_eq(out, "1\n1\n1\n0\n", "got %s", out);
}

/* As in a chroot build, pid 1's root is not the command's "/": the root
 * mount in /proc/1/mountinfo (what debianutils' ischroot compares) is not
 * the command's, so packages' scripts see a chroot (libc6's postinst then
 * skips re-executing init and its one-second sleep). Pid 1's own root shows
 * nothing of the host either. */
Test(sandbox, command_sees_a_chroot)
{
    write_file("ROOT_MARKER", "");
    cleanup_free char *out = NULL;
    sh("a=$(awk '$5 == \"/\" { print $1, $4 }' /proc/1/mountinfo); "
       "b=$(awk '$5 == \"/\" { print $1, $4 }' /proc/self/mountinfo); "
       "[ -n \"$a\" ] && [ -n \"$b\" ] && [ \"$a\" != \"$b\" ] && echo chroot; "
       "grep -c -e ROOT_MARKER -e /work /proc/1/mountinfo; ls /ROOT_MARKER",
       &out);
    cr_assert_str_eq(out, "chroot\n0\n/ROOT_MARKER\n", "got %s", out);
}

Test(sandbox, no_network_only_down_loopback)
{
    /* A listener on the host's loopback must be unreachable from inside. */
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    cr_assert_eq(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
    socklen_t al = sizeof(a);
    getsockname(s, (struct sockaddr *)&a, &al);
    listen(s, 1);
    cleanup_free char *script = vz_xasprintf("ls /sys/class/net; ip route | wc -l; "
                                             "nc -w 1 127.0.0.1 %d </dev/null; echo nc=$?",
                                             ntohs(a.sin_port));
    cleanup_free char *out = NULL;
    sh(script, &out);
    close(s);
    cr_assert_str_eq(out, "lo\n0\nnc: can't connect to remote host (127.0.0.1): Network is unreachable\nnc=1\n",
                     "got %s", out);
}

/* Processes on the host whose command line contains tag. */
static int count_tagged(const char *tag)
{
    DIR *d = opendir("/proc");
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9')
            continue;
        char path[300], buf[256];
        snprintf(path, sizeof(path), "/proc/%s/cmdline", e->d_name);
        FILE *f = fopen(path, "re");
        if (!f)
            continue;
        size_t len = fread(buf, 1, sizeof(buf) - 1, f);
        fclose(f);
        for (size_t i = 0; i < len; i++)
            if (!buf[i])
                buf[i] = ' ';
        buf[len] = '\0';
        if (strstr(buf, tag))
            n++;
    }
    closedir(d);
    return n;
}

/* A sleep duration unique to this test process, so parallel tests never
 * count each other's processes. */
static char *tag(int n)
{
    return vz_xasprintf("sleep 7%06d%d", (int)getpid() % 1000000, n);
}

Test(sandbox, daemons_die_with_the_command)
{
    cleanup_free char *t1 = tag(1), *t2 = tag(2);
    cleanup_free char *script = vz_xasprintf("%s & setsid sh -c 'trap \"\" TERM HUP; %s' & "
                                             "sleep 0.2; pidof sleep | wc -w",
                                             t1, t2);
    cleanup_free char *out = NULL;
    cr_assert_eq(sh(script, &out), 0);
    cr_assert_str_eq(out, "2\n", "the daemons did not start: %s", out);
    cr_assert_eq(count_tagged(t1) + count_tagged(t2), 0, "a daemon outlived the sandbox");
}

Test(sandbox, killing_the_caller_kills_the_sandbox)
{
    cleanup_free char *t1 = tag(1), *t2 = tag(2);
    cleanup_free char *script = vz_xasprintf("%s & exec %s", t1, t2);
    pid_t child = fork();
    if (child == 0) {
        char *argv[] = { "sh", "-c", script, NULL };
        struct vz_sandbox_opts o = { .root = root, .argv = argv };
        int st;
        vz_error_t err = NULL;
        vz_sandbox_run(&o, &st, &err);
        _exit(0);
    }
    int i, seen = 0;
    /* Exact argv match: "sleep N" alone, not the sh -c line that names both. */
    for (i = 0; i < 500 && (seen = count_tagged(t1) + count_tagged(t2)) < 3; i++)
        usleep(10000);
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    cr_assert_geq(seen, 2, "the sandbox did not start its processes");
    for (i = 0; i < 500 && count_tagged(t1) + count_tagged(t2) > 0; i++)
        usleep(10000);
    cr_assert_eq(count_tagged(t1) + count_tagged(t2), 0, "sandbox processes outlived their caller");
}

Test(sandbox, missing_command_is_an_error_naming_it)
{
    char *argv[] = { "/no/such/cmd", NULL };
    struct vz_sandbox_opts o = { .root = root, .argv = argv };
    int st = -1;
    vz_error_t err = NULL;
    cr_assert_eq(vz_sandbox_run(&o, &st, &err), -1);
    cleanup_free char *want =
        vz_xasprintf("sandbox %s: execute /no/such/cmd inside %s: No such file or directory", root, root);
    cr_assert_str_eq(err->msg, want);
    vz_error_release(&err);
}

Test(sandbox, symlinked_mount_point_is_refused)
{
    cleanup_free char *proc = vz_path_join(root, "proc");
    rmdir(proc);
    cr_assert_eq(symlink("/etc", proc), 0);
    char *argv[] = { "true", NULL };
    struct vz_sandbox_opts o = { .root = root, .argv = argv };
    int st;
    vz_error_t err = NULL;
    cr_assert_eq(vz_sandbox_run(&o, &st, &err), -1);
    cleanup_free char *want = vz_xasprintf(
        "sandbox %s: /proc in the root is not a directory (a symlink); refusing to mount on it", root);
    cr_assert_str_eq(err->msg, want);
    vz_error_release(&err);
}

Test(sandbox, missing_root_is_an_error)
{
    char *argv[] = { "true", NULL };
    struct vz_sandbox_opts o = { .root = "/nonexistent-vz-root", .argv = argv };
    int st;
    vz_error_t err = NULL;
    cr_assert_eq(vz_sandbox_run(&o, &st, &err), -1);
    cr_assert_str_eq(err->msg, "sandbox root /nonexistent-vz-root: Not a directory");
    vz_error_release(&err);
}

Test(sandbox, many_runs_leave_nothing_behind)
{
    int procs = vzt_descendant_count();
    cleanup_free char *t = tag(5);
    cleanup_free char *script = vz_xasprintf("%s & exit 3", t);
    for (int i = 0; i < 50; i++)
        cr_assert_eq(sh(script, NULL), 3);
    cr_assert_eq(vzt_descendant_count(), procs);
    cr_assert_eq(count_tagged(t), 0);
}

Test(sandbox, no_caller_descriptor_reaches_the_command)
{
    int d = open("/", O_RDONLY | O_DIRECTORY);
    cr_assert_eq(dup2(d, 57), 57);
    close(d);
    cleanup_free char *out = NULL;
    sh("cd /proc/self/fd && echo *", &out);
    close(57);
    /* 0-2, plus the directory the shell's glob has open while it reads. */
    cr_assert_str_eq(out, "0 1 2 3\n");
}
