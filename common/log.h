/* common/log.h: leveled messages to stderr, and a progress display.
 *
 * Level is global: cmd/ sets it from -q / -v. Messages go to stderr so that
 * stdout stays clean for --json and for plans. vz_log_error is for reporting
 * only; functions that fail return a vz_error_t instead.
 */
#ifndef VZ_COMMON_LOG_H
#define VZ_COMMON_LOG_H

#include <stdint.h>

enum vz_log_level {
    VZ_LOG_QUIET = 0, /* errors only */
    VZ_LOG_WARN = 1,
    VZ_LOG_INFO = 2,  /* default */
    VZ_LOG_DEBUG = 3,
};

extern int vz_log_level;
extern const char *vz_log_prog; /* "vzpkg", "vzctl", ...: message prefix */

void vz_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define vz_warn(...)  vz_log(VZ_LOG_WARN, __VA_ARGS__)
#define vz_info(...)  vz_log(VZ_LOG_INFO, __VA_ARGS__)
#define vz_debug(...) vz_log(VZ_LOG_DEBUG, __VA_ARGS__)

/* The action log (OpenVZ's /var/log/vzctl.log): once a file is set, every
 * vz_log message at or below file_level (whatever -q/-v say), every error
 * vz_error_report prints, and vz_log_action's lines are appended to it as
 * "2026-12-03T15:49:52Z vzctl[1234]: message", one write(2) per line with
 * O_APPEND, so concurrent vzctl processes never interleave within a line.
 * A file that cannot be opened is reported once as a warning and logging
 * stays off: logging never makes a command fail. */
void vz_log_set_file(const char *path, int file_level);
void vz_log_action(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Progress: on a terminal (stderr is a tty and level >= INFO) a single
 * redrawn line "stage  [####....]  12/88 pkgs  3.1/31 MB  12 MB/s  ETA 2s";
 * otherwise nothing until vz_progress_done() prints one line per stage. */
struct vz_progress {
    const char *stage;
    uint64_t total_items, done_items;
    uint64_t total_bytes, done_bytes;
    double start, last_draw;
    int tty;
};

void vz_progress_start(struct vz_progress *p, const char *stage,
                       uint64_t total_items, uint64_t total_bytes);
void vz_progress_update(struct vz_progress *p, uint64_t done_items, uint64_t done_bytes);
/* Final line: "stage: 88 items, 31.2 MB in 0.41 s" (at INFO level). */
void vz_progress_done(struct vz_progress *p);

/* Monotonic seconds, for timings. */
double vz_now(void);
/* CPU seconds (user + system) used so far by this process's threads and by
 * the children (and their waited-for descendants) it has waited for: the
 * difference over a stage is that stage's CPU, whatever the machine's load.
 * Children still running are not counted until they are reaped. */
double vz_cpu_now(void);
/* "31.2 MB" style; writes into buf of at least 16 bytes and returns it. */
const char *vz_human_bytes(uint64_t n, char *buf);

#endif
