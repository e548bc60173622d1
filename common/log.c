#include "common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

int vz_log_level = VZ_LOG_INFO;
const char *vz_log_prog = "vzforge";

static int log_fd = -1;
static int log_file_level = VZ_LOG_INFO;

void vz_log_set_file(const char *path, int file_level)
{
    if (log_fd >= 0)
        close(log_fd);
    log_fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    log_file_level = file_level;
    if (log_fd < 0)
        vz_warn("log file %s: %s: not logging (LOGFILE, LOGGING in vz.conf)", path, strerror(errno));
}

static void file_line(const char *prefix, const char *fmt, va_list ap)
{
    char line[2048];
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    int n = (int)strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%SZ ", &tm);
    n += snprintf(line + n, sizeof(line) - (size_t)n, "%s[%d]: %s", vz_log_prog, (int)getpid(), prefix);
    if (n < (int)sizeof(line))
        n += vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
    if (n >= (int)sizeof(line) - 1)
        n = (int)sizeof(line) - 2;
    for (int i = 0; i < n; i++) /* one entry, one line */
        if (line[i] == '\n')
            line[i] = ' ';
    line[n++] = '\n';
    ssize_t w = write(log_fd, line, (size_t)n);
    (void)w; /* a full disk must not fail the command */
}

void vz_log_action(const char *fmt, ...)
{
    if (log_fd < 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    file_line("", fmt, ap);
    va_end(ap);
}

void vz_log(int level, const char *fmt, ...)
{
    va_list ap;
    if (log_fd >= 0 && level <= log_file_level) {
        va_start(ap, fmt);
        file_line(level == VZ_LOG_WARN ? "warning: " : "", fmt, ap);
        va_end(ap);
    }
    if (level > vz_log_level)
        return;
    va_start(ap, fmt);
    if (level == VZ_LOG_WARN)
        fprintf(stderr, "%s: warning: ", vz_log_prog);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

double vz_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double tv_sec(struct timeval tv)
{
    return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

double vz_cpu_now(void)
{
    struct rusage self, kids;
    if (getrusage(RUSAGE_SELF, &self) < 0 || getrusage(RUSAGE_CHILDREN, &kids) < 0)
        return 0;
    return tv_sec(self.ru_utime) + tv_sec(self.ru_stime) + tv_sec(kids.ru_utime) +
           tv_sec(kids.ru_stime);
}

const char *vz_human_bytes(uint64_t n, char *buf)
{
    static const char *unit[] = { "B", "kB", "MB", "GB", "TB" };
    double v = (double)n;
    int u = 0;
    while (v >= 1000.0 && u < 4) {
        v /= 1000.0;
        u++;
    }
    snprintf(buf, 16, u ? "%.1f %s" : "%.0f %s", v, unit[u]);
    return buf;
}

void vz_progress_start(struct vz_progress *p, const char *stage,
                       uint64_t total_items, uint64_t total_bytes)
{
    p->stage = stage;
    p->total_items = total_items;
    p->total_bytes = total_bytes;
    p->done_items = p->done_bytes = 0;
    p->start = vz_now();
    p->last_draw = 0;
    p->tty = isatty(STDERR_FILENO) && vz_log_level >= VZ_LOG_INFO;
}

static void draw(struct vz_progress *p, double now)
{
    char b1[16], b2[16], b3[16];
    double el = now - p->start;
    double rate = el > 0 ? (double)p->done_bytes / el : 0;
    int width = 24, fill = 0;
    double frac = 0;
    if (p->total_bytes)
        frac = (double)p->done_bytes / (double)p->total_bytes;
    else if (p->total_items)
        frac = (double)p->done_items / (double)p->total_items;
    if (frac > 1)
        frac = 1;
    fill = (int)(frac * width);
    fprintf(stderr, "\r%-10s [", p->stage);
    for (int i = 0; i < width; i++)
        fputc(i < fill ? '#' : '.', stderr);
    fprintf(stderr, "] %llu/%llu", (unsigned long long)p->done_items,
            (unsigned long long)p->total_items);
    if (p->total_bytes) {
        fprintf(stderr, "  %s/%s  %s/s", vz_human_bytes(p->done_bytes, b1),
                vz_human_bytes(p->total_bytes, b2), vz_human_bytes((uint64_t)rate, b3));
        if (rate > 0 && frac < 1)
            fprintf(stderr, "  ETA %.0fs", (double)(p->total_bytes - p->done_bytes) / rate);
    }
    fputs("\033[K", stderr);
    fflush(stderr);
}

void vz_progress_update(struct vz_progress *p, uint64_t done_items, uint64_t done_bytes)
{
    p->done_items = done_items;
    p->done_bytes = done_bytes;
    if (!p->tty)
        return;
    double now = vz_now();
    if (now - p->last_draw < 0.1)
        return;
    p->last_draw = now;
    draw(p, now);
}

void vz_progress_done(struct vz_progress *p)
{
    double el = vz_now() - p->start;
    char b1[16];
    if (p->tty)
        fputs("\r\033[K", stderr);
    if (vz_log_level < VZ_LOG_INFO)
        return;
    if (p->total_bytes || p->done_bytes)
        fprintf(stderr, "%s: %llu items, %s in %.2f s\n", p->stage,
                (unsigned long long)p->done_items, vz_human_bytes(p->done_bytes, b1), el);
    else
        fprintf(stderr, "%s: %llu items in %.2f s\n", p->stage,
                (unsigned long long)p->done_items, el);
}
