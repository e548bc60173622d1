/* vpscore/userns_join.c: join a container's user namespace as its root
 * (vpscore/userns_join.h). */
#include "vpscore/userns_join.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

int vz_userns_open(pid_t pid, int *fd, vz_error_t *err)
{
    *fd = -1;
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
    int nfd = open(path, O_RDONLY | O_CLOEXEC);
    if (nfd < 0)
        return vz_error_sys(err, "open %s", path);
    struct stat theirs, ours;
    if (fstat(nfd, &theirs) < 0 || stat("/proc/self/ns/user", &ours) < 0) {
        int e = errno;
        close(nfd);
        errno = e;
        return vz_error_sys(err, "stat the user namespaces of process %d and ours", (int)pid);
    }
    if (theirs.st_dev == ours.st_dev && theirs.st_ino == ours.st_ino) {
        close(nfd);
        return 0;
    }
    *fd = nfd;
    return 0;
}

int vz_userns_join(int fd, vz_error_t *err)
{
    if (fd < 0)
        return 0;
    /* Drop the host's supplementary groups while we still may: inside,
     * setgroups() is refused when the namespace's setgroups file says deny. */
    int rc = 0;
    if (setgroups(0, NULL) < 0)
        rc = vz_error_sys(err, "drop supplementary groups");
    else if (setns(fd, CLONE_NEWUSER) < 0)
        rc = vz_error_sys(err, "join the container's user namespace");
    close(fd);
    if (rc < 0)
        return rc;
    if (setgroups(0, NULL) < 0 && errno != EPERM)
        return vz_error_sys(err, "drop supplementary groups in the container's user namespace");
    if (setresgid(0, 0, 0) < 0)
        return vz_error_sys(err, "become gid 0 of the container's user namespace (is gid 0 mapped?)");
    if (setresuid(0, 0, 0) < 0)
        return vz_error_sys(err, "become uid 0 of the container's user namespace (is uid 0 mapped?)");
    /* A change of credentials resets dumpability to fs.suid_dumpable. */
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    return 0;
}
