/* vzctl exec/exec2 never hand a descriptor of the caller's to the container
 * (issue 11, item 5): the command gets pipes, or a pty of the container's
 * own devpts, and vzctl relays. Every test drives the real vzctl binary
 * against a started busybox container (plain layout), in network and mount
 * namespaces the test makes first, with stdio the test chose: host files,
 * pipes, /dev/null, a closed descriptor, a pty of its own. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "common/common.h"
#include "tests/lib/ctfix.h"
#include "tests/lib/rootfs.h"
#include "vpscore/cgroup.h"
#include "vpscore/ns.h"
#include "vpscore/runtime.h"

static char vzroot[64];
static char ctid[32];
static char *priv, *vzctl_bin;

static void setup(void)
{
    snprintf(ctid, sizeof(ctid), "vzx%d", (int)getpid());
    struct vzt_ctfix f;
    vzt_ctfix_setup(&f, "/tmp/vzt-ex-XXXXXX", ctid, NULL);
    memcpy(vzroot, f.vzroot, sizeof(vzroot));
    priv = f.priv;
    free(f.veroot);
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    cr_assert_gt(n, 0);
    exe[n] = '\0';
    *strrchr(exe, '/') = '\0'; /* build/tests */
    *strrchr(exe, '/') = '\0'; /* build */
    vzctl_bin = vz_xasprintf("%s/bin/vzctl", exe);
    vz_error_t err = NULL;
    cr_assert_eq(vz_ct_start(ctid, NULL, &err), 0, "start: %s", err ? err->msg : "");
}

static void teardown(void)
{
    vz_error_t err = NULL;
    if (vz_ct_init_pid(ctid, NULL) && vz_ct_stop(ctid, 1, &err) < 0) {
        cr_log_error("teardown stop: %s", err->msg);
        vz_error_release(&err);
    }
    struct vz_cgroup *cg = NULL;
    if (vz_cgroup_open(ctid, &cg, &err) == 0) {
        cr_expect_eq(vz_cgroup_exists(cg), 0, "cgroup of %s left behind", ctid);
        vz_cgroup_remove(cg, &err);
        vz_error_release(&err);
        vz_cgroup_free(cg);
    }
    vz_rm_rf(vzroot, &err);
    vz_error_release(&err);
    free(priv);
    free(vzctl_bin);
}

TestSuite(exec_relay, .init = setup, .fini = teardown, .timeout = 120);

/* Start `vzctl exec2 CTID SCRIPT` (or exec) with fd in/out/errfd as its
 * stdin/stdout/stderr; -1 leaves that descriptor closed. */
static pid_t spawn(const char *verb, const char *script, int in, int out, int errfd)
{
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        int fds[3] = { in, out, errfd };
        if (vz_ns_arrange_fds(fds, 3) < 0)
            _exit(126);
        for (int i = 0; i < 3; i++)
            if (fds[i] < 0)
                close(i);
        execl(vzctl_bin, "vzctl", verb, ctid, script, (char *)NULL); /* enter: script NULL */
        _exit(126);
    }
    return pid;
}

/* Exit status as a shell reports it. */
static int wait_status(pid_t pid)
{
    int ws = 0;
    cr_assert_eq(waitpid(pid, &ws, 0), pid);
    return WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
}

static char *host_path(const char *name)
{
    return vz_path_join(vzroot, name);
}

static char *slurp(const char *path)
{
    char *data = NULL;
    size_t len = 0;
    vz_error_t err = NULL;
    cr_assert_eq(vz_read_file(path, &data, &len, &err), 0, "%s", err ? err->msg : "");
    return data;
}

/* Run script with stdin from in_path (NULL: /dev/null), stdout and stderr
 * to files; return the status, *out and *errout their contents. */
static int run_files(const char *script, const char *in_path, char **out, char **errout)
{
    cleanup_free char *op = host_path("o.txt"), *ep = host_path("e.txt");
    int in = open(in_path ? in_path : "/dev/null", O_RDONLY | O_CLOEXEC);
    int o = open(op, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    int e = open(ep, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    cr_assert(in >= 0 && o >= 0 && e >= 0);
    int st = wait_status(spawn("exec2", script, in, o, e));
    close(in);
    close(o);
    close(e);
    *out = slurp(op);
    if (errout)
        *errout = slurp(ep);
    return st;
}

static void wait_for_file(const char *rel)
{
    cleanup_free char *p = vz_path_join(priv, rel);
    for (int i = 0; i < 1000 && !vz_file_exists(p); i++)
        usleep(10000);
    cr_assert(vz_file_exists(p), "%s never appeared", rel);
}

Test(exec_relay, a_host_file_given_as_stdout_is_out_of_reach)
{
    /* vzctl's stdout is a host file holding a secret, opened write-only:
     * through /proc/PID/fd/1 a process inside could reopen it for reading. */
    cleanup_free char *secret = host_path("secret");
    const char *text = "TOPSECRET-HOST-DATA\n";
    vz_error_t err = NULL;
    cr_assert_eq(vz_atomic_write(secret, text, strlen(text), 0600, &err), 0);
    int fd = open(secret, O_WRONLY | O_APPEND | O_CLOEXEC);
    cr_assert_geq(fd, 0);
    pid_t a = spawn("exec2", "readlink /proc/$$/fd/1; echo $$ > /tmp/a.pid; exec sleep 60", -1, fd, fd);
    close(fd);
    wait_for_file("tmp/a.pid");
    /* Another process of the container looks at every descriptor of it. */
    cleanup_free char *o = NULL, *e = NULL;
    int st = run_files("P=$(cat /tmp/a.pid); for f in /proc/$P/fd/*; do echo \"$f $(readlink $f)\"; done; "
                       "for n in 0 1 2; do timeout 1 cat /proc/$P/fd/$n; done; "
                       "test -p /proc/$P/fd/1 && echo fd1-is-a-pipe; kill $P",
                       NULL, &o, &e);
    cr_assert_eq(st, 0, "%s%s", o, e);
    cr_assert_eq(wait_status(a), 143);
    cr_assert_null(strstr(o, "TOPSECRET"), "the container read the host file: %s", o);
    cr_assert_null(strstr(o, vzroot), "the container saw the host path: %s", o);
    cr_assert(strstr(o, "fd1-is-a-pipe"), "%s", o);
    char *s = slurp(secret);
    /* the command's own view of its stdout, relayed into the file */
    cr_assert(strncmp(s, "TOPSECRET-HOST-DATA\npipe:[", 26) == 0, "got %s", s);
    free(s);
}

Test(exec_relay, stdin_is_relayed_to_eof_and_8_mib_round_trip_byte_exact)
{
    cleanup_free char *big = host_path("big"), *o1 = NULL, *e1 = NULL;
    size_t n = 8 << 20;
    char *data = malloc(n);
    cr_assert(data);
    unsigned x = 12345;
    for (size_t i = 0; i < n; i++) {
        x = x * 1103515245 + 12345;
        data[i] = (char)(x >> 16);
    }
    vz_error_t err = NULL;
    cr_assert_eq(vz_atomic_write(big, data, n, 0600, &err), 0);
    /* cat copies it back; wc inside counts what arrived (on stderr) */
    int st = run_files("tee /tmp/copy; wc -c < /tmp/copy >&2; rm /tmp/copy", big, &o1, &e1);
    cr_assert_eq(st, 0, "%s", e1);
    cleanup_free char *op = host_path("o.txt");
    struct stat sb;
    cr_assert_eq(stat(op, &sb), 0);
    cr_assert_eq((size_t)sb.st_size, n);
    cr_assert_eq(memcmp(o1, data, n), 0, "bytes differ");
    cr_assert_eq(atol(e1), (long)n, "%s", e1);
    free(data);

    /* EOF reaches the command; then it goes on */
    cleanup_free char *small = host_path("small"), *o2 = NULL;
    cr_assert_eq(vz_atomic_write(small, "data", 4, 0600, &err), 0);
    cr_assert_eq(run_files("cat; echo :after-eof", small, &o2, NULL), 0);
    cr_assert_str_eq(o2, "data:after-eof\n");

    /* stdin /dev/null or closed: a pipe at EOF, never the caller's descriptor */
    cleanup_free char *o3 = NULL;
    cr_assert_eq(run_files("cat; readlink /proc/$$/fd/0", NULL, &o3, NULL), 0);
    cr_assert(strncmp(o3, "pipe:[", 6) == 0, "got %s", o3);
    int p[2];
    cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
    pid_t c = spawn("exec2", "cat; readlink /proc/$$/fd/0", -1, p[1], p[1]);
    close(p[1]);
    char buf[128] = { 0 };
    size_t got = 0;
    ssize_t r;
    while ((r = read(p[0], buf + got, sizeof(buf) - 1 - got)) > 0)
        got += (size_t)r;
    close(p[0]);
    cr_assert_eq(wait_status(c), 0);
    cr_assert(strncmp(buf, "pipe:[", 6) == 0, "got %s", buf);
}

Test(exec_relay, a_stdin_that_never_ends_does_not_hold_vzctl)
{
    /* The test keeps the write end open: the command exits without reading,
     * vzctl must return all the same. */
    int in[2], out[2];
    cr_assert_eq(pipe2(in, O_CLOEXEC), 0);
    cr_assert_eq(pipe2(out, O_CLOEXEC), 0);
    pid_t c = spawn("exec2", "echo done; exit 4", in[0], out[1], out[1]);
    close(in[0]);
    close(out[1]);
    cr_assert_eq(wait_status(c), 4);
    char buf[64] = { 0 };
    cr_assert_gt(read(out[0], buf, sizeof(buf) - 1), 0);
    cr_assert_str_eq(buf, "done\n");
    close(in[1]);
    close(out[0]);
}

Test(exec_relay, stderr_stays_apart_and_merged_output_keeps_its_order)
{
    cleanup_free char *o = NULL, *e = NULL;
    cr_assert_eq(run_files("for i in 1 2 3; do echo out$i; echo err$i >&2; done", NULL, &o, &e), 0);
    cr_assert_str_eq(o, "out1\nout2\nout3\n");
    cr_assert_str_eq(e, "err1\nerr2\nerr3\n");
    /* 2>&1: one pipe for both, so the lines come in the order written */
    cleanup_free char *mp = host_path("m.txt");
    int m = open(mp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    cr_assert_eq(wait_status(spawn("exec2", "i=0; while [ $i -lt 300 ]; do echo o$i; echo e$i >&2; "
                                             "i=$((i+1)); done", -1, m, m)), 0);
    close(m);
    char *got = slurp(mp);
    struct vz_buf want = VZ_BUF_INIT;
    vz_buf_init(&want);
    for (int i = 0; i < 300; i++)
        vz_buf_addf(&want, "o%d\ne%d\n", i, i);
    cr_assert_str_eq(got, want.data);
    vz_buf_release(&want);
    free(got);
}

Test(exec_relay, exit_status_signals_and_a_closed_reader)
{
    cleanup_free char *o1 = NULL, *o2 = NULL, *o3 = NULL;
    cr_assert_eq(run_files("exit 42", NULL, &o1, NULL), 42);
    cr_assert_eq(run_files("kill -9 $$", NULL, &o2, NULL), 137);
    cr_assert_eq(run_files("kill -TERM $$", NULL, &o3, NULL), 143);
    int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
    cr_assert_eq(wait_status(spawn("exec", "exit 3", -1, devnull, devnull)), 8);
    /* vzctl's stdout closed by its reader: the command gets SIGPIPE, as it
     * would have writing there itself */
    int p[2];
    cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
    pid_t c = spawn("exec2", "yes", -1, p[1], devnull);
    close(p[1]);
    char buf[4096];
    cr_assert_gt(read(p[0], buf, sizeof(buf)), 0);
    close(p[0]);
    cr_assert_eq(wait_status(c), 141);
    close(devnull);
}

Test(exec_relay, the_command_holds_only_0_1_2)
{
    /* A host directory open without O_CLOEXEC in vzctl's parent. */
    int d = open("/", O_RDONLY | O_DIRECTORY);
    cr_assert_eq(dup2(d, 57), 57);
    close(d);
    cleanup_free char *o = NULL;
    int st = run_files("ls /proc/$$/fd | tr '\\n' ' '; echo; for f in /proc/$$/fd/*; do readlink $f || :; done", NULL, &o,
                       NULL);
    close(57);
    cr_assert_eq(st, 0, "%s", o);
    /* 0 1 2; the shell may hold a pipe of its own pipeline (3, 4) while ls
     * looks; nothing of the caller's (57, the test runner's) */
    cr_assert(strncmp(o, "0 1 2 ", 6) == 0, "got %s", o);
    cr_assert_null(strstr(o, vzroot), "a host path reached the container: %s", o);
    cr_assert_null(strstr(o, "/dev/pts"), "a terminal reached the container: %s", o);
    char *rest = strchr(o, '\n');
    cr_assert(rest);
    *rest++ = '\0';
    cr_assert(strncmp(rest, "pipe:[", 6) == 0, "fd 0 is %s", rest);
    char *save = NULL;
    for (char *t = strtok_r(o, " ", &save); t; t = strtok_r(NULL, " ", &save))
        cr_assert_lt(atoi(t), 5, "descriptor %s reached the container", t);
}

/* ---- a terminal: a pty of the test's own as vzctl's stdio ---- */

struct term {
    int master, slave;
    struct termios before;
    struct vz_buf out;
};

static void term_open(struct term *t, unsigned short rows, unsigned short cols)
{
    t->master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    cr_assert_geq(t->master, 0);
    cr_assert_eq(grantpt(t->master), 0);
    cr_assert_eq(unlockpt(t->master), 0);
    t->slave = open(ptsname(t->master), O_RDWR | O_NOCTTY | O_CLOEXEC);
    cr_assert_geq(t->slave, 0);
    struct winsize ws = { .ws_row = rows, .ws_col = cols };
    ioctl(t->slave, TIOCSWINSZ, &ws);
    cr_assert_eq(tcgetattr(t->slave, &t->before), 0);
    vz_buf_init(&t->out);
}

/* Read what the terminal shows until `want` appears (or the reader is gone). */
static int term_read_until(struct term *t, const char *want)
{
    for (int i = 0; i < 3000; i++) {
        if (want && t->out.data && strstr(t->out.data, want))
            return 1;
        struct pollfd p = { t->master, POLLIN, 0 };
        if (poll(&p, 1, 20) <= 0)
            continue;
        char b[4096];
        ssize_t r = read(t->master, b, sizeof(b));
        if (r <= 0)
            return 0;
        vz_buf_add(&t->out, b, (size_t)r);
    }
    return 0;
}

static void term_expect_unchanged(const struct term *t)
{
    struct termios now;
    cr_assert_eq(tcgetattr(t->slave, &now), 0);
    cr_assert_eq(now.c_lflag, t->before.c_lflag, "c_lflag %#x, was %#x", now.c_lflag, t->before.c_lflag);
    cr_assert_eq(now.c_iflag, t->before.c_iflag);
    cr_assert_eq(now.c_oflag, t->before.c_oflag);
    cr_assert_eq(now.c_cflag, t->before.c_cflag);
    cr_assert_eq(memcmp(now.c_cc, t->before.c_cc, sizeof(now.c_cc)), 0);
}

static void term_close(struct term *t)
{
    close(t->master);
    close(t->slave);
    vz_buf_release(&t->out);
}

Test(exec_relay, a_terminal_gets_a_pty_of_the_container_and_comes_back_unchanged)
{
    struct term t;
    term_open(&t, 33, 111);
    pid_t c = spawn("exec2",
                    "echo \"tty=$(tty) fd0=$(readlink /proc/$$/fd/0) pts=$(ls /dev/pts | tr '\\n' ,)\"; "
                    "stty size; stty raw -echo; "
                    "while read l; do [ \"$l\" = q ] && exit 7; stty size; done",
                    t.slave, t.slave, t.slave);
    cr_assert(term_read_until(&t, "33 111"), "got %s", t.out.data);
    /* the container's own devpts: numbered from 0 there, listed there */
    cr_assert(strstr(t.out.data, "tty=/dev/pts/0 fd0=/dev/pts/0 pts=0,ptmx,"), "got %s", t.out.data);
    /* a resize reaches the command (vzctl passes SIGWINCH on) */
    struct winsize ws = { .ws_row = 44, .ws_col = 122 };
    ioctl(t.slave, TIOCSWINSZ, &ws);
    kill(c, SIGWINCH);
    int seen = 0;
    for (int i = 0; i < 200 && !seen; i++) {
        cr_assert_eq(write(t.master, "\n", 1), 1); /* raw inside: no CR -> NL */
        seen = term_read_until(&t, "44 122");
    }
    cr_assert(seen, "window size not passed on: %s", t.out.data);
    /* the command made its terminal raw: ours is untouched once vzctl is gone */
    cr_assert_eq(write(t.master, "q\n", 2), 2);
    cr_assert_eq(wait_status(c), 7);
    term_expect_unchanged(&t);
    term_close(&t);
}

Test(exec_relay, enter_relays_a_login_shell_on_the_containers_pty)
{
    struct term t;
    term_open(&t, 30, 100);
    pid_t c = spawn("enter", NULL, t.slave, t.slave, t.slave);
    /* the shell's descriptors: the container's pty, nothing else of ours */
    const char *cmd = "echo \"T=$(tty) S=$(stty size) OTHER=$(for f in /proc/$$/fd/*; do readlink $f; done | "
                      "grep -v -e '^/dev/pts/0$' -e '^/dev/tty$' -e '^pipe:' | wc -l)\"; stty raw; exit 6\r";
    cr_assert_eq(write(t.master, cmd, strlen(cmd)), (ssize_t)strlen(cmd));
    cr_assert(term_read_until(&t, "T=/dev/pts/0 S=30 100 OTHER=0"), "got %s", t.out.data);
    cr_assert_eq(wait_status(c), 6);
    term_expect_unchanged(&t);
    term_close(&t);
}

Test(exec_relay, a_terminal_is_restored_when_vzctl_is_told_to_stop)
{
    struct term t;
    term_open(&t, 24, 80);
    pid_t c = spawn("exec2", "stty raw; echo ready; exec sleep 60", t.slave, t.slave, t.slave);
    cr_assert(term_read_until(&t, "ready"), "got %s", t.out.data);
    struct termios during;
    cr_assert_eq(tcgetattr(t.slave, &during), 0);
    cr_assert_eq(during.c_lflag & ICANON, 0, "vzctl keeps the caller's terminal raw while it relays");
    kill(c, SIGTERM);
    int st = wait_status(c);
    cr_assert(st == 143 || st == 129, "status %d", st);
    term_expect_unchanged(&t);
    term_close(&t);
}

Test(exec_relay, stdin_a_terminal_stdout_a_file_gets_no_carriage_returns)
{
    struct term t;
    term_open(&t, 24, 80);
    cleanup_free char *op = host_path("o.txt");
    int o = open(op, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    pid_t c = spawn("exec2", "[ -t 0 ] && echo in-tty; [ -t 1 ] || echo out-pipe; readlink /proc/$$/fd/1",
                    t.slave, o, o);
    close(o);
    cr_assert_eq(wait_status(c), 0);
    char *got = slurp(op);
    cr_assert(strncmp(got, "in-tty\nout-pipe\npipe:[", 22) == 0, "got %s", got);
    free(got);
    term_expect_unchanged(&t);
    term_close(&t);
}

/* ---- a container in a user namespace of its own ---- */

static void write_text(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    cr_assert_geq(fd, 0, "open %s: %s", path, strerror(errno));
    cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text), "write %s: %s", path, strerror(errno));
    close(fd);
}

Test(exec_relay, a_container_in_its_own_user_namespace_is_joined_as_its_root)
{
    /* Until start makes one (LOCAL_UID), a stand-in init: a process in new
     * user (0 -> host 200000, 65536 ids), mount, uts, ipc, net, cgroup and
     * pid namespaces; the container's pid file is pointed at it. */
    int ready[2], go[2];
    cr_assert_eq(pipe2(ready, O_CLOEXEC), 0);
    cr_assert_eq(pipe2(go, O_CLOEXEC), 0);
    pid_t f = fork();
    cr_assert_geq(f, 0);
    if (f == 0) {
        char b;
        if (unshare(CLONE_NEWUSER) < 0 || write(ready[1], "u", 1) != 1 || read(go[0], &b, 1) != 1 ||
            unshare(CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWCGROUP | CLONE_NEWPID) < 0)
            _exit(1);
        pid_t g = fork();
        if (g == 0) {
            for (;;)
                pause();
        }
        if (write(ready[1], &g, sizeof(g)) != sizeof(g))
            _exit(2);
        _exit(wait_status(g) == 137 ? 0 : 3);
    }
    char b;
    cr_assert_eq(read(ready[0], &b, 1), 1);
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/uid_map", (int)f);
    write_text(path, "0 200000 65536\n");
    snprintf(path, sizeof(path), "/proc/%d/gid_map", (int)f);
    write_text(path, "0 200000 65536\n");
    cr_assert_eq(write(go[1], "g", 1), 1);
    pid_t g = 0;
    cr_assert_eq(read(ready[0], &g, sizeof(g)), (ssize_t)sizeof(g));
    cleanup_free char *pidfile = vz_xasprintf("%s/vz/run/%s.pid", vzroot, ctid);
    char *real = slurp(pidfile);
    cleanup_free char *fake = vz_xasprintf("%d %llu\n", (int)g, vz_proc_starttime(g));
    vz_error_t err = NULL;
    cr_assert_eq(vz_atomic_write(pidfile, fake, strlen(fake), 0644, &err), 0);

    /* A host directory anyone may write, and a host root's file in it. */
    char hd[] = "/tmp/vzt-uns-XXXXXX";
    cr_assert(mkdtemp(hd));
    chmod(hd, 0777);
    cleanup_free char *rootfile = vz_xasprintf("%s/rootfile", hd), *made = vz_xasprintf("%s/made", hd);
    cr_assert_eq(vz_atomic_write(rootfile, "orig\n", 5, 0666, &err), 0);
    chmod(rootfile, 0644);
    cleanup_free char *script = vz_xasprintf("id -u; id -g; (echo x > %s) 2>/dev/null && echo wrote-host-root-file; "
                                             "touch %s; cat /proc/self/uid_map", rootfile, made);
    cleanup_free char *o = NULL, *e = NULL;
    int st = run_files(script, NULL, &o, &e);

    kill(g, SIGKILL);
    int fst = wait_status(f);
    cr_assert_eq(vz_atomic_write(pidfile, real, strlen(real), 0644, &err), 0);
    free(real);
    struct stat sb;
    int made_ok = stat(made, &sb);
    char *rf = slurp(rootfile);
    unlink(made);
    unlink(rootfile);
    rmdir(hd);
    cr_assert_eq(fst, 0);

    cr_assert_eq(st, 0, "%s%s", o, e);
    cr_assert(strncmp(o, "0\n0\n", 4) == 0, "inside: uid/gid 0 expected, got %s", o);
    cr_assert_null(strstr(o, "wrote-host-root-file"), "host root's file was writable: %s", o);
    cr_assert_str_eq(rf, "orig\n");
    free(rf);
    cr_assert(strstr(o, "200000"), "not in the container's user namespace: %s", o);
    cr_assert_eq(made_ok, 0, "the command made no file: %s", e);
    cr_assert_eq(sb.st_uid, 200000, "host uid %u", (unsigned)sb.st_uid);
    cr_assert_eq(sb.st_gid, 200000, "host gid %u", (unsigned)sb.st_gid);
}

Test(exec_relay, in_the_background_of_its_terminal_vzctl_uses_pipes_and_is_not_stopped)
{
    struct term t;
    term_open(&t, 24, 80);
    cleanup_free char *op = host_path("o.txt");
    int o = open(op, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    /* a session whose controlling terminal is the test's pty; vzctl runs in
     * a process group of its own in it, as `vzctl exec CT cmd &` does */
    pid_t leader = fork();
    cr_assert_geq(leader, 0);
    if (leader == 0) {
        if (setsid() < 0 || ioctl(t.slave, TIOCSCTTY, 0) < 0)
            _exit(90);
        pid_t c = fork();
        if (c == 0) {
            setpgid(0, 0);
            int fds[3] = { t.slave, o, o };
            if (vz_ns_arrange_fds(fds, 3) < 0)
                _exit(126);
            execl(vzctl_bin, "vzctl", "exec2", ctid, "readlink /proc/$$/fd/0", (char *)NULL);
            _exit(126);
        }
        int ws;
        if (waitpid(c, &ws, WUNTRACED) != c)
            _exit(91);
        if (WIFSTOPPED(ws)) {
            kill(c, SIGKILL);
            _exit(92); /* stopped by SIGTTOU/SIGTTIN */
        }
        _exit(WIFEXITED(ws) ? WEXITSTATUS(ws) : 93);
    }
    close(o);
    cr_assert_eq(wait_status(leader), 0);
    char *got = slurp(op);
    cr_assert(strncmp(got, "pipe:[", 6) == 0, "got %s", got);
    free(got);
    term_expect_unchanged(&t);
    term_close(&t);
}

Test(exec_relay, a_read_loop_over_a_file_keeps_its_lines)
{
    /* `while read ...; do vzctl exec ...; done < file`: what a command
     * leaves unread of a file on stdin is given back to the loop. */
    cleanup_free char *list = host_path("list"), *op = host_path("o.txt");
    vz_error_t err = NULL;
    cr_assert_eq(vz_atomic_write(list, "l1\nl2\nl3\n", 9, 0600, &err), 0);
    int in = open(list, O_RDONLY | O_CLOEXEC), o = open(op, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    pid_t c = fork();
    cr_assert_geq(c, 0);
    if (c == 0) {
        int fds[3] = { in, o, o };
        if (vz_ns_arrange_fds(fds, 3) < 0)
            _exit(126);
        execl("/bin/sh", "sh", "-c", "while read l; do \"$0\" exec2 \"$1\" \"echo got-$l\"; done", vzctl_bin, ctid,
              (char *)NULL);
        _exit(126);
    }
    close(in);
    close(o);
    cr_assert_eq(wait_status(c), 0);
    char *got = slurp(op);
    cr_assert_str_eq(got, "got-l1\ngot-l2\ngot-l3\n");
    free(got);
}

Test(exec_relay, a_terminal_that_goes_away_hangs_the_command_up)
{
    /* stdin one terminal that stays, stdout/stderr another that goes away
     * (a window closed): vzctl's writes fail; it closes the container's
     * pty, whose session gets SIGHUP, rather than leave the command
     * blocked on a full pty nobody drains. */
    struct term in, t;
    term_open(&in, 24, 80);
    term_open(&t, 24, 80);
    pid_t c = spawn("exec2", "echo ready; while :; do echo xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx; done", in.slave,
                    t.slave, t.slave);
    cr_assert(term_read_until(&t, "ready"), "got %s", t.out.data);
    close(t.master);
    t.master = open("/dev/null", O_RDONLY | O_CLOEXEC);
    close(t.slave);
    t.slave = open("/dev/null", O_RDONLY | O_CLOEXEC);
    cr_assert_eq(wait_status(c), 129);
    term_expect_unchanged(&in);
    term_close(&t);
    term_close(&in);
}
