/* cmd/vzctl_run.c: vzctl start, stop, restart, status, enter, exec, exec2,
 * mount, umount, suspend, resume. Parsing and output only; the work is in
 * vpscore/runtime.h. */
#include "cmd/cli.h"
#include "cmd/vzctl.h"
#include "vpscore/ctconf.h"
#include "vpscore/ctname.h"
#include "vpscore/quota.h"
#include "vpscore/runtime.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* A progress line on stdout, as OpenVZ's vzctl prints ("Starting container
 * 101 ..."); -q silences it, as it does vzctl's. */
static void __attribute__((format(printf, 1, 2))) say(const char *fmt, ...)
{
    if (vz_log_level <= VZ_LOG_QUIET)
        return;
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
}

/* Parse "CMD [common options] [extra] CTID": returns the CTID or NULL after
 * printing a usage error (*rc set). want_fast: --fast is recognised; json:
 * where --json is recognised (NULL: the command does not take it). */
static const struct option opts[] = {
    VZ_CLI_COMMON_OPTS,
    { "fast", no_argument, NULL, 'f' },
    { "json", no_argument, NULL, VZ_OPT_JSON },
    { NULL, 0, NULL, 0 },
};
/* What each command takes (vzctl.c's table): the parser above knows them
 * all and refuses those a command does not take (want_fast, json). */
const struct option vzctl_stop_options[] = { { "fast", no_argument, NULL, 'f' }, { NULL, 0, NULL, 0 } };
const struct option vzctl_status_options[] = { { "json", no_argument, NULL, VZ_OPT_JSON }, { NULL, 0, NULL, 0 } };

static const char *parse_json(int argc, char **argv, const char *usage, int want_fast, int *fast,
                              int *json, int *rc)
{
    int c;
    /* '+': stop at the first non-option (exec's command keeps its own options). */
    while ((c = vz_cli_getopt(argc, argv, "+hqv", opts)) != -1) {
        if (vz_cli_common_opt(c, usage))
            continue;
        if (c == 'f' && want_fast) {
            *fast = 1;
            continue;
        }
        if (c == VZ_OPT_JSON && json) {
            *json = 1;
            continue;
        }
        *rc = vz_cli_bad_option("unknown option '%s'", argv[optind - 1]);
        return NULL;
    }
    if (optind >= argc) {
        *rc = vz_cli_usage_error(usage, "%s: missing CTID", argv[0]);
        return NULL;
    }
    /* a CTID or a container's --name; kept for the process's life */
    const char *ctid = vz_ct_resolve(argv[optind++]);
    /* Options after the CTID, as vzctl accepts them (stop 101 --fast,
     * status 101 --json). */
    for (; optind < argc; optind++) {
        if (want_fast && strcmp(argv[optind], "--fast") == 0)
            *fast = 1;
        else if (json && strcmp(argv[optind], "--json") == 0)
            *json = 1;
        else
            break;
    }
    return ctid;
}

static const char *parse(int argc, char **argv, const char *usage, int want_fast, int *fast, int *rc)
{
    return parse_json(argc, argv, usage, want_fast, fast, NULL, rc);
}

static int no_more_args(int argc, char **argv, const char *usage)
{
    if (optind < argc)
        return vz_cli_usage_error(usage, "unexpected argument '%s'", argv[optind]);
    return 0;
}

/* The usage of a command that takes a CTID only, with its own exit codes. */
#define SIMPLE_USAGE(cmd, what, codes) \
    "Usage: vzctl " cmd " CTID\n" what "\nExit codes: 0 done, 9 locked, 14 no such container, 21 bad CTID, " codes \
    " (docs/exit-codes.md).\n"

const char vzctl_start_usage[] =
    SIMPLE_USAGE("start", "Start a container: its init, or vzforge's tiny init when it has none.",
                 "32 already running,\n34 network set-up failed, 43 private area or "
                 "template tree missing,\n47 broken container (a /sbin/init that cannot run)");

int vzctl_start(int argc, char **argv)
{
    const char *usage = vzctl_start_usage;
    int rc = 0, fast = 0;
    const char *ctid = parse(argc, argv, usage, 0, &fast, &rc);
    if (!ctid)
        return rc;
    if ((rc = no_more_args(argc, argv, usage)))
        return rc;
    vz_error_t err = NULL;
    say("Starting container %s ...\n", ctid);
    fflush(stdout);
    if (vz_ct_start(ctid, NULL, &err) < 0)
        return vz_cli_fail(&err);
    say("Container %s started\n", ctid);
    return 0;
}

const char vzctl_stop_usage[] =
    "Usage: vzctl stop CTID [--fast]\n"
    "Stop a container: ask its init to power off, wait STOP_TIMEOUT seconds (conf,\n"
    "default 60), then kill everything in it. --fast: kill at once.\n"
    "Exit codes: 0 stopped, 9 locked, 14 no such container, 31 not running, 33 could\n"
    "not stop (docs/exit-codes.md).\n";

int vzctl_stop(int argc, char **argv)
{
    int rc = 0, fast = 0;
    const char *ctid = parse(argc, argv, vzctl_stop_usage, 1, &fast, &rc);
    if (!ctid)
        return rc;
    if ((rc = no_more_args(argc, argv, vzctl_stop_usage)))
        return rc;
    vz_error_t err = NULL;
    say("Stopping container %s ...\n", ctid);
    fflush(stdout);
    if (vz_ct_stop(ctid, fast, &err) < 0)
        return vz_cli_fail(&err);
    say("Container %s stopped\n", ctid);
    return 0;
}

const char vzctl_restart_usage[] = "Usage: vzctl restart CTID [--fast]\n"
                                   "Stop the container if it runs (see vzctl stop --help), then start it.\n";

int vzctl_restart(int argc, char **argv)
{
    const char *usage = vzctl_restart_usage;
    int rc = 0, fast = 0;
    const char *ctid = parse(argc, argv, usage, 1, &fast, &rc);
    if (!ctid)
        return rc;
    if ((rc = no_more_args(argc, argv, usage)))
        return rc;
    vz_error_t err = NULL;
    say("Restarting container %s ...\n", ctid);
    fflush(stdout);
    if (vz_ct_stop(ctid, fast, &err) < 0) {
        if (err->status != VZ_ENOTRUNNING)
            return vz_cli_fail(&err);
        vz_error_release(&err);
    }
    if (vz_ct_start(ctid, NULL, &err) < 0)
        return vz_cli_fail(&err);
    say("Container %s started\n", ctid);
    return 0;
}

static json_t *count_or_null(int64_t v)
{
    return v >= 0 ? json_integer(v) : json_null();
}

/* "disk" of status --json: the backend, usage and limits (1 KiB blocks,
 * inodes); null when the container does not exist or its conf is broken. */
static json_t *disk_json(const char *ctid, int exists)
{
    struct vz_ct ct;
    vz_error_t err = NULL;
    if (!exists || vz_ct_load(ctid, &ct, &err) < 0) {
        vz_error_release(&err);
        return json_null();
    }
    struct vz_quota_limits l;
    struct vz_quota_usage u = { -1, -1 };
    json_t *j = json_null();
    if (vz_quota_from_conf(&ct.conf, &l, &err) == 0) {
        if (vz_quota_usage(ct.private_dir, &u, &err) < 0)
            vz_error_release(&err);
        j = json_pack("{s:s, s:{s:o, s:o, s:o}, s:{s:o, s:o, s:o}}", "backend",
                      vz_quota_backend_name(vz_quota_probe(ct.private_dir)), "space", "usage",
                      count_or_null(u.space), "soft", count_or_null(l.space_soft), "hard",
                      count_or_null(l.space_hard), "inodes", "usage", count_or_null(u.inodes), "soft",
                      count_or_null(l.inodes_soft), "hard", count_or_null(l.inodes_hard));
    }
    vz_error_release(&err);
    vz_ct_release(&ct);
    return j;
}

const char vzctl_status_usage[] =
    "Usage: vzctl status CTID [--json]\n"
                        "Print 'CTID N exist|deleted mounted|unmounted running|down [suspended]'. Exit 0\n"
                        "whatever the state (21 for an invalid CTID).\n"
                        "  --json  an object instead: ctid, exist, mounted, running, suspended (booleans),\n"
                        "          init_pid (the host pid of its init; null when it is down), and\n"
                        "          memory_events when it runs: oom, oom_kill, max (counts from its cgroup;\n"
                        "          null where the host keeps none: docs/runtime.md), and disk: backend\n"
                        "          (btrfs, project, none), space and inodes as {usage, soft, hard} (1 KiB\n"
                        "          blocks, inodes; null: unlimited or not counted; docs/quota.md)\n";

int vzctl_status(int argc, char **argv)
{
    const char *usage = vzctl_status_usage;
    int rc = 0, fast = 0, json = 0;
    const char *ctid = parse_json(argc, argv, usage, 0, &fast, &json, &rc);
    if (!ctid)
        return rc;
    if ((rc = no_more_args(argc, argv, usage)))
        return rc;
    vz_error_t err = NULL;
    struct vz_ct_state st;
    if (vz_ct_status(ctid, &st, &err) < 0)
        return vz_cli_fail(&err);
    if (json) {
        json_t *mem = json_null();
        if (st.running && (st.oom >= 0 || st.oom_kill >= 0 || st.mem_max >= 0))
            mem = json_pack("{s:o, s:o, s:o}", "oom", count_or_null(st.oom), "oom_kill",
                            count_or_null(st.oom_kill), "max", count_or_null(st.mem_max));
        vz_cli_print_json(json_pack("{s:s, s:b, s:b, s:b, s:b, s:o, s:o, s:o}", "ctid", ctid, "exist",
                                    st.exists, "mounted", st.mounted, "running", st.running,
                                    "suspended", st.suspended,
                                    "init_pid", st.running ? json_integer(st.pid) : json_null(),
                                    "memory_events", mem, "disk", disk_json(ctid, st.exists)));
        return 0;
    }
    cleanup_free char *line = vz_ct_status_line(ctid, &st);
    puts(line);
    return 0;
}

const char vzctl_enter_usage[] =
    "Usage: vzctl enter CTID\n"
                        "Open a login shell (bash, else sh) on a new terminal inside the running container.\n"
                        "Exit codes: the shell's exit status; 31 not running; 47 no shell.\n";

int vzctl_enter(int argc, char **argv)
{
    const char *usage = vzctl_enter_usage;
    int rc = 0, fast = 0;
    const char *ctid = parse(argc, argv, usage, 0, &fast, &rc);
    if (!ctid)
        return rc;
    if ((rc = no_more_args(argc, argv, usage)))
        return rc;
    vz_error_t err = NULL;
    int st = 0;
    if (vz_ct_joinable(ctid, &err) < 0) /* before saying "entered" */
        return vz_cli_fail(&err);
    fprintf(stderr, "entered into CT %s\n", ctid);
    if (vz_ct_enter(ctid, &st, &err) < 0)
        return vz_cli_fail(&err);
    fprintf(stderr, "exited from CT %s\n", ctid);
    return st;
}

const char vzctl_exec2_usage[] =
    "Usage: vzctl exec2 CTID COMMAND [ARG...]\n"
                                "Run COMMAND (with /bin/sh -c, the arguments joined by spaces, as vzctl does;\n"
                                "'-' reads the commands from stdin) inside the running container. Its stdin,\n"
                                "stdout and stderr are relayed (pipes; a pty of the container when stdin is a\n"
                                "terminal). Exits with the command's exit status (31 when the container\n"
                                "is not running, 47 when it has no /bin/sh).\n";
const char vzctl_exec_usage[] =
    "Usage: vzctl exec CTID COMMAND [ARG...]\n"
                                "Run COMMAND (with /bin/sh -c, the arguments joined by spaces, as vzctl does;\n"
                                "'-' reads the commands from stdin) inside the running container. Its stdin,\n"
                                "stdout and stderr are relayed (pipes; a pty of the container when stdin is a\n"
                                "terminal). Exit codes: 0, 8 when the command failed (use exec2 for its\n"
                                "own status), 31 not running, 47 no /bin/sh.\n";

static int do_exec(int argc, char **argv, int exec2)
{
    const char *usage = exec2 ? vzctl_exec2_usage : vzctl_exec_usage;
    int rc = 0, fast = 0;
    const char *ctid = parse(argc, argv, usage, 0, &fast, &rc);
    if (!ctid)
        return rc;
    if (optind >= argc)
        return vz_cli_usage_error(usage, "%s: missing COMMAND", argv[0]);
    struct vz_buf cmd = VZ_BUF_INIT;
    vz_buf_init(&cmd);
    for (int i = optind; i < argc; i++) {
        if (i > optind)
            vz_buf_addc(&cmd, ' ');
        vz_buf_adds(&cmd, argv[i]);
    }
    char *sh_c[] = { "/bin/sh", "-c", cmd.data, NULL };
    char *sh_s[] = { "/bin/sh", "-s", NULL };
    char **cargv = strcmp(cmd.data, "-") == 0 ? sh_s : sh_c;
    vz_error_t err = NULL;
    int st = 0;
    rc = vz_ct_exec(ctid, cargv, &st, &err);
    vz_buf_release(&cmd);
    if (rc < 0)
        return vz_cli_fail(&err);
    if (exec2)
        return st;
    if (st != 0) {
        vz_error_set(&err, VZ_EEXEC, 0, "command in container %s exited with status %d", ctid, st);
        return vz_cli_fail(&err);
    }
    return 0;
}

int vzctl_exec(int argc, char **argv)
{
    return do_exec(argc, argv, 0);
}

int vzctl_exec2(int argc, char **argv)
{
    return do_exec(argc, argv, 1);
}

static int simple(int argc, char **argv, const char *usage, int (*fn)(const char *, vz_error_t *),
                  const char *done)
{
    int rc = 0, fast = 0;
    const char *ctid = parse(argc, argv, usage, 0, &fast, &rc);
    if (!ctid)
        return rc;
    if ((rc = no_more_args(argc, argv, usage)))
        return rc;
    vz_error_t err = NULL;
    if (fn(ctid, &err) < 0)
        return vz_cli_fail(&err);
    say("Container %s %s\n", ctid, done);
    return 0;
}

const char vzctl_mount_usage[] =
    SIMPLE_USAGE("mount", "Mount the container's root on VE_ROOT (overlay or bind of VE_PRIVATE).",
                 "41 already mounted,\n43 private area missing");

int vzctl_mount(int argc, char **argv)
{
    return simple(argc, argv,
                  vzctl_mount_usage,
                  vz_ct_mount, "is mounted");
}

const char vzctl_umount_usage[] =
    SIMPLE_USAGE("umount", "Unmount the root of a stopped container.",
                 "32 running,\n40 not mounted");

int vzctl_umount(int argc, char **argv)
{
    return simple(argc, argv, vzctl_umount_usage, vz_ct_umount,
                  "is unmounted");
}

static int suspend(const char *ctid, vz_error_t *err)
{
    return vz_ct_suspend(ctid, 1, err);
}

static int resume(const char *ctid, vz_error_t *err)
{
    return vz_ct_suspend(ctid, 0, err);
}

const char vzctl_suspend_usage[] =
    SIMPLE_USAGE("suspend", "Freeze every process of a running container.",
                 "31 not running,\n15 the freezer did not settle in 10 s");

int vzctl_suspend(int argc, char **argv)
{
    return simple(argc, argv, vzctl_suspend_usage, suspend,
                  "is suspended");
}

const char vzctl_resume_usage[] =
    SIMPLE_USAGE("resume", "Thaw a suspended container.",
                 "31 not running,\n15 the freezer did not settle in 10 s");

int vzctl_resume(int argc, char **argv)
{
    return simple(argc, argv, vzctl_resume_usage, resume, "is resumed");
}
