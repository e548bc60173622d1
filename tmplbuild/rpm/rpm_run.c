/* tmplbuild/rpm/rpm_run.c: the host's rpm run against a build root, isolated.
 *
 * rpm is not in the root before the packages are (and Debian's rpm is the
 * one that knows the root's formats), so the host's binary runs with
 * --root: rpm itself chroot()s into the root for every scriptlet. Around it:
 * new mount, pid, network, ipc and uts namespaces (no network, no host
 * processes visible to scriptlets, nothing mounted outlives the run), the
 * root's /dev populated with the host's null, zero, full, random, urandom
 * and tty bound onto placeholder files, and a fresh /proc. The placeholders
 * are removed afterwards (vz_rpm_root_dev_release), so the template carries
 * no device files.
 *
 * The known gap against the deb side's sandbox (vpscore/sandbox.c,
 * pivot_root): a chroot is not a mount-namespace root, so a scriptlet run
 * as real root could leave the chroot. The packages it comes from passed
 * the signature checks first (rpm_install.c); docs/family-rpm.md says so.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/proc.h"
#include "tmplbuild/rpm/rpm_family.h"

static const char *const dev_nodes[] = { "null", "zero", "full", "random", "urandom", "tty" };

int vz_rpm_root_dev_prepare(const char *root, vz_error_t *err)
{
    cleanup_free char *dev = vz_path_join(root, "dev");
    cleanup_free char *proc = vz_path_join(root, "proc");
    if (vz_mkdir_p(dev, 0755, err) < 0 || vz_mkdir_p(proc, 0555, err) < 0)
        return -1;
    for (size_t i = 0; i < VZ_ARRAY_SIZE(dev_nodes); i++) {
        cleanup_free char *p = vz_path_join(dev, dev_nodes[i]);
        int fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (fd < 0 && errno != EEXIST)
            return vz_error_sys(err, "create %s", p);
        if (fd >= 0)
            close(fd);
    }
    return 0;
}

void vz_rpm_root_dev_release(const char *root)
{
    for (size_t i = 0; i < VZ_ARRAY_SIZE(dev_nodes); i++) {
        cleanup_free char *p = vz_xasprintf("%s/dev/%s", root, dev_nodes[i]);
        struct stat st;
        /* only our empty placeholder, never something a package put there */
        if (lstat(p, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 0)
            unlink(p);
    }
}

/* pid 1 of the new pid namespace: mounts, then rpm. Never returns. */
static void child_exec(const char *root, char *const argv[], char *const env[], int outfd)
{
    if (dup2(outfd, 1) < 0 || dup2(outfd, 2) < 0)
        _exit(126);
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0)
        dup2(devnull, 0);
    for (size_t i = 0; i < VZ_ARRAY_SIZE(dev_nodes); i++) {
        char host[64], in[4096];
        snprintf(host, sizeof(host), "/dev/%s", dev_nodes[i]);
        snprintf(in, sizeof(in), "%s/dev/%s", root, dev_nodes[i]);
        /* the host's tty may not exist for a daemon: the others must */
        if (mount(host, in, NULL, MS_BIND, NULL) < 0 && strcmp(dev_nodes[i], "tty") != 0) {
            dprintf(2, "vzforge: bind %s on %s: %s\n", host, in, strerror(errno));
            _exit(126);
        }
    }
    char proc[4096];
    snprintf(proc, sizeof(proc), "%s/proc", root);
    if (mount("proc", proc, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) {
        dprintf(2, "vzforge: mount proc on %s: %s\n", proc, strerror(errno));
        _exit(126);
    }
    /* as the deb side's sandbox: never the builder's umask (sandbox.h) */
    umask(022);
    execve(argv[0], argv, env);
    dprintf(2, "vzforge: exec %s: %s\n", argv[0], strerror(errno));
    _exit(127);
}

/* The process between us and pid 1: enters the namespaces, forks pid 1,
 * passes its exit status on. */
static void child_ns(const char *root, char *const argv[], char *const env[], int outfd)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (unshare(CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS) < 0) {
        dprintf(outfd, "vzforge: unshare: %s\n", strerror(errno));
        _exit(126);
    }
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
        dprintf(outfd, "vzforge: make / private: %s\n", strerror(errno));
        _exit(126);
    }
    pid_t pid = fork();
    if (pid < 0)
        _exit(126);
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        child_exec(root, argv, env, outfd);
    }
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    _exit(vz_shell_status(st));
}

int vz_rpm_run(const char *root, char *const argv[], char *const env[], struct vz_buf *out,
               int *status, vz_error_t *err)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0)
        return vz_error_sys(err, "pipe");
    pid_t pid = fork();
    if (pid < 0) {
        close(p[0]);
        close(p[1]);
        return vz_error_sys(err, "fork");
    }
    if (pid == 0) {
        close(p[0]);
        child_ns(root, argv, env, p[1]);
    }
    close(p[1]);
    return vz_collect_child(pid, p[0], out, status, argv[0], err);
}
