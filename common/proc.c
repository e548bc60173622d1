#include "common/proc.h"
#include "common/cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static void child(char *const argv[], const struct vz_run_opts *o, int in_fd, int out_fd, int err_fd)
{
    if (in_fd >= 0)
        dup2(in_fd, 0);
    else {
        int n = open("/dev/null", O_RDONLY);
        if (n >= 0)
            dup2(n, 0);
    }
    if (out_fd >= 0)
        dup2(out_fd, 1);
    if (err_fd >= 0)
        dup2(err_fd, 2);
    if (o->cwd && chdir(o->cwd) < 0)
        _exit(126);
    signal(SIGPIPE, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    if (o->env)
        execvpe(argv[0], argv, o->env);
    else
        execvp(argv[0], argv);
    _exit(127);
}

int vz_run(char *const argv[], const struct vz_run_opts *opts, int *status, vz_error_t *err)
{
    static const struct vz_run_opts none;
    const struct vz_run_opts *o = opts ? opts : &none;
    int inp[2] = { -1, -1 }, outp[2] = { -1, -1 }, errp[2] = { -1, -1 };
    int devnull = -1;
    /* declared before the first goto: a jump past the initialisation of a
     * cleanup variable would run the cleanup on an indeterminate pid */
    cleanup_pid pid_t guard = 0;

    if (o->stdin_data && pipe2(inp, O_CLOEXEC) < 0)
        return vz_error_sys(err, "pipe");
    if (o->out && pipe2(outp, O_CLOEXEC) < 0)
        goto fail_pipe;
    if (o->errbuf && o->errbuf != o->out && pipe2(errp, O_CLOEXEC) < 0)
        goto fail_pipe;
    if (o->quiet)
        devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);

    pid_t pid = fork();
    if (pid < 0)
        goto fail_pipe;
    if (pid == 0) {
        int out_fd = outp[1] >= 0 ? outp[1] : (o->quiet ? devnull : -1);
        int err_fd = errp[1] >= 0 ? errp[1]
                     : (o->errbuf && o->errbuf == o->out) ? outp[1]
                     : (o->quiet ? devnull : -1);
        child(argv, o, inp[0], out_fd, err_fd);
    }
    guard = pid;
    if (devnull >= 0)
        close(devnull);
    if (inp[0] >= 0)
        close(inp[0]);
    if (outp[1] >= 0)
        close(outp[1]);
    if (errp[1] >= 0)
        close(errp[1]);

    size_t in_off = 0;
    int in_fd = inp[1], out_fd = outp[0], err_fd = errp[0];
    if (in_fd >= 0)
        fcntl(in_fd, F_SETFL, O_NONBLOCK);
    void (*old_pipe)(int) = signal(SIGPIPE, SIG_IGN);
    while (in_fd >= 0 || out_fd >= 0 || err_fd >= 0) {
        struct pollfd p[3];
        int n = 0;
        if (in_fd >= 0) {
            if (in_off >= o->stdin_len) {
                close(in_fd);
                in_fd = -1;
                continue;
            }
            p[n++] = (struct pollfd){ in_fd, POLLOUT, 0 };
        }
        if (out_fd >= 0)
            p[n++] = (struct pollfd){ out_fd, POLLIN, 0 };
        if (err_fd >= 0)
            p[n++] = (struct pollfd){ err_fd, POLLIN, 0 };
        if (poll(p, (nfds_t)n, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        for (int i = 0; i < n; i++) {
            if (!p[i].revents)
                continue;
            if (p[i].fd == in_fd) {
                ssize_t w = write(in_fd, o->stdin_data + in_off, o->stdin_len - in_off);
                if (w > 0)
                    in_off += (size_t)w;
                else if (w < 0 && errno != EAGAIN && errno != EINTR) {
                    close(in_fd);
                    in_fd = -1;
                }
                continue;
            }
            char buf[8192];
            ssize_t r = read(p[i].fd, buf, sizeof(buf));
            if (r > 0) {
                vz_buf_add(p[i].fd == out_fd ? o->out : o->errbuf, buf, (size_t)r);
            } else if (r == 0 || (errno != EINTR && errno != EAGAIN)) {
                close(p[i].fd);
                if (p[i].fd == out_fd)
                    out_fd = -1;
                else
                    err_fd = -1;
            }
        }
    }
    signal(SIGPIPE, old_pipe);
    int ws;
    while (waitpid(pid, &ws, 0) < 0) {
        if (errno != EINTR)
            return vz_error_sys(err, "wait for %s", argv[0]);
    }
    guard = 0;
    int st = vz_shell_status(ws);
    if (st == 127 && !o->env) {
        cleanup_free char *w = strchr(argv[0], '/') ? NULL : vz_which(argv[0]);
        if (!strchr(argv[0], '/') && w == NULL)
            return vz_error_set(err, VZ_ESYSTEM, ENOENT, "run %s", argv[0]);
    }
    if (status)
        *status = st;
    return 0;

fail_pipe: {
        int e = errno;
        for (int i = 0; i < 2; i++) {
            if (inp[i] >= 0) close(inp[i]);
            if (outp[i] >= 0) close(outp[i]);
            if (errp[i] >= 0) close(errp[i]);
        }
        if (devnull >= 0)
            close(devnull);
        return vz_error_set(err, VZ_ESYSTEM, e, "run %s", argv[0]);
    }
}

int vz_run_ok(char *const argv[], const struct vz_run_opts *opts, vz_error_t *err)
{
    struct vz_run_opts o = opts ? *opts : (struct vz_run_opts){ 0 };
    struct vz_buf ebuf = VZ_BUF_INIT;
    int own_err = 0;
    if (o.errbuf == NULL && !o.quiet) {
        vz_buf_init(&ebuf);
        o.errbuf = &ebuf;
        own_err = 1;
    }
    int st = 0;
    if (vz_run(argv, &o, &st, err) < 0) {
        vz_buf_release(&ebuf);
        return -1;
    }
    if (st != 0) {
        const char *e = o.errbuf ? o.errbuf->data : "";
        size_t n = e ? strlen(e) : 0;
        while (n > 0 && (e[n - 1] == '\n'))
            n--;
        vz_error_set(err, VZ_EFAIL, 0, "%s exited with status %d%s%.*s", argv[0], st,
                     n ? ": " : "", (int)n, n ? e : "");
        vz_buf_release(&ebuf);
        return -1;
    }
    if (own_err)
        vz_buf_release(&ebuf);
    return 0;
}

char *vz_which(const char *prog)
{
    const char *path = getenv("PATH");
    if (path == NULL || *path == '\0')
        path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    cleanup_free char *copy = vz_xstrdup(path);
    char *save = NULL;
    for (char *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
        char *cand = vz_xasprintf("%s/%s", d, prog);
        struct stat st;
        if (stat(cand, &st) == 0 && S_ISREG(st.st_mode) && access(cand, X_OK) == 0)
            return cand;
        free(cand);
    }
    return NULL;
}

int vz_shell_status(int ws)
{
    return WIFEXITED(ws) ? WEXITSTATUS(ws) : WIFSIGNALED(ws) ? 128 + WTERMSIG(ws) : 255;
}

int vz_collect_child(int pid, int rfd, struct vz_buf *out, int *status, const char *what, vz_error_t *err)
{
    char buf[8192];
    ssize_t n;
    while ((n = read(rfd, buf, sizeof(buf))) != 0) {
        if (n < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        vz_buf_add(out, buf, (size_t)n);
    }
    close(rfd);
    int st = 0;
    while (waitpid((pid_t)pid, &st, 0) < 0)
        if (errno != EINTR)
            return vz_error_sys(err, "wait for %s", what);
    *status = vz_shell_status(st);
    return 0;
}
