/* vpscore/init.c: the tiny init (reaper). */
#include "vpscore/init.h"

#include <errno.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/proc.h"

int vz_init_wait_main(pid_t main_pid)
{
    for (;;) {
        int ws;
        pid_t p = waitpid(-1, &ws, 0);
        if (p < 0) {
            if (errno == EINTR)
                continue;
            return 255; /* ECHILD: main is gone without our seeing it */
        }
        if (p == main_pid)
            return vz_shell_status(ws);
    }
}

static void reap_all(void)
{
    while (waitpid(-1, NULL, WNOHANG) > 0)
        ;
}

void vz_init_run(int grace_ms)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGPWR);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGRTMIN + 4);
    sigprocmask(SIG_BLOCK, &set, NULL);
    prctl(PR_SET_NAME, "vzinit", 0, 0, 0);
    for (;;) {
        int sig = sigwaitinfo(&set, NULL);
        if (sig < 0)
            continue;
        if (sig == SIGCHLD) {
            reap_all();
            continue;
        }
        if (sig == SIGHUP)
            continue;
        break;
    }
    /* Shut down: ask everyone, wait a little, then insist. */
    kill(-1, SIGTERM);
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    for (;;) {
        reap_all();
        if (waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD)
            break;
        clock_gettime(CLOCK_MONOTONIC, &now);
        long left = grace_ms - ((now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000);
        if (left <= 0)
            break;
        struct timespec ts = { left / 1000, (left % 1000) * 1000000 };
        sigtimedwait(&chld, NULL, &ts);
    }
    kill(-1, SIGKILL);
    reap_all();
    _exit(0);
}
