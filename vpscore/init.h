/* vpscore/init.h: the tiny init, pid 1 of a sandbox or a container.
 *
 * It is not a separate binary: the child of clone() runs this code in place
 * (no exec), so it needs no file inside the root and costs no exec. It is
 * made non-dumpable and the container has no CAP_SYS_PTRACE, so no process
 * inside can open /proc/1/exe, /proc/1/mem or /proc/1/root (docs/runtime.md).
 */
#ifndef VZ_VPSCORE_INIT_H
#define VZ_VPSCORE_INIT_H

#include <sys/types.h>

/* Sandbox: reap every child until main_pid exits; return its status as a
 * shell reports it (0-255, 128+signal). The caller then exits, and the
 * kernel kills whatever else is left in the pid namespace. */
int vz_init_wait_main(pid_t main_pid);

/* Container without an init: reap children forever. SIGTERM, SIGINT, SIGPWR
 * or SIGRTMIN+4 (what `vzctl stop` and systemd's poweroff send) shut down:
 * SIGTERM to every process of the namespace, up to grace_ms for them to
 * exit, then SIGKILL, then exit 0. */
void vz_init_run(int grace_ms) __attribute__((noreturn));

#endif
