/* cmd/vzctl_boot.c: vzctl start-all and stop-all, what the vz service runs
 * at boot and shutdown. Parsing and output only; the work is in
 * vpscore/boot.h. */
#include "cmd/cli.h"
#include "cmd/vzctl.h"
#include "vpscore/boot.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

enum { O_ONBOOT = 0x2000, O_JOBS, O_TIMEOUT };

const char vzctl_start_all_usage[] =
    "Usage: vzctl start-all [--onboot] [--jobs N] [--json]\n"
    "Start every stopped container; with --onboot only those with ONBOOT=\"yes\" (what\n"
    "the vz service runs at boot). Order: BOOTORDER, higher first; containers without\n"
    "it last. Containers with the same BOOTORDER start in parallel, at most N at once\n"
    "(--jobs; default VE_PARALLEL of vz.conf, else 4 per CPU). DISABLED=\"yes\"\n"
    "containers and running ones are skipped. A container that fails to start does\n"
    "not stop the others. One run at a time: a second waits for the first.\n"
    "  --json  one object at the end: counts and a record per container, in the\n"
    "          order they finished (docs/commands.md)\n"
    "Exit codes: 0 all started (or skipped), 207 some failed (each named on stderr),\n"
    "20 usage (docs/exit-codes.md).\n";

const char vzctl_stop_all_usage[] =
    "Usage: vzctl stop-all [--jobs N] [--timeout SECONDS] [--json]\n"
    "Stop every running container, in reverse boot order (BOOTORDER lowest first,\n"
    "containers without it first of all), those with the same BOOTORDER in parallel\n"
    "(at most N, --jobs). Each gets its clean shutdown and STOP_TIMEOUT seconds, then\n"
    "is killed, as with vzctl stop. --timeout: the whole run's deadline; a container\n"
    "still stopping then is killed, later ones at once, so nothing is left running.\n"
    "  --json  as for start-all\n"
    "Exit codes: 0 all stopped, 207 some could not be stopped (each named on\n"
    "stderr), 20 usage (docs/exit-codes.md).\n";

struct out {
    int start;     /* start-all (else stop-all) */
    int json;
    int tty;       /* stdout is a terminal: also "Starting container X ..." */
    json_t *records;
};

static void on_event(const struct vz_boot_event *ev, void *ud)
{
    struct out *o = ud;
    const char *verb = o->start ? "start" : "stop";
    if (ev->kind == VZ_BOOT_DONE && ev->status)
        fprintf(stderr, "vzctl: error: container %s failed to %s (exit code %d): %s\n", ev->ctid, verb, ev->status,
                ev->msg);
    if (o->json) {
        if (ev->kind == VZ_BOOT_BEGIN)
            return;
        const char *result = ev->kind == VZ_BOOT_SKIP ? "skipped"
                             : ev->status             ? "failed"
                             : o->start               ? "started"
                                                      : "stopped";
        json_array_append_new(o->records,
                              json_pack("{s:s, s:o, s:i, s:s, s:i, s:o}", "ctid", ev->ctid, "bootorder",
                                        ev->has_order ? json_integer(ev->bootorder) : json_null(), "wave", ev->wave,
                                        "result", result, "status", ev->status, "message",
                                        ev->msg ? json_string(ev->msg) : json_null()));
        return;
    }
    if (vz_log_level <= VZ_LOG_QUIET)
        return;
    if (ev->kind == VZ_BOOT_BEGIN && o->tty)
        printf("%s container %s ...\n", o->start ? "Starting" : "Stopping", ev->ctid);
    else if (ev->kind == VZ_BOOT_DONE && !ev->status)
        printf("Container %s %s\n", ev->ctid, o->start ? "started" : "stopped");
    else if (ev->kind == VZ_BOOT_SKIP)
        printf("Container %s skipped: %s\n", ev->ctid, ev->msg);
    fflush(stdout);
}

static volatile sig_atomic_t cancelled;

static void on_term(int sig)
{
    cancelled = sig;
}

static int parse_count(const char *opt, const char *v, int *n)
{
    /* digits only: " 5" or "+5" is a typo, not a number */
    long x = *v && strspn(v, "0123456789") == strlen(v) && strlen(v) <= 6 ? strtol(v, NULL, 10) : 0;
    if (x < 1 || x > 100000) {
        vz_error_t err = NULL;
        vz_error_set(&err, VZ_EBADARG, 0, "%s: '%s' is not a number from 1 to 100000", opt, v);
        return vz_cli_fail(&err);
    }
    *n = (int)x;
    return 0;
}

const struct option vzctl_start_all_options[] = {
    { "onboot", no_argument, NULL, O_ONBOOT },
    { "jobs", required_argument, NULL, O_JOBS },
    { "json", no_argument, NULL, VZ_OPT_JSON },
    VZ_CLI_COMMON_OPTS,
    { NULL, 0, NULL, 0 },
};
const struct option vzctl_stop_all_options[] = {
    { "jobs", required_argument, NULL, O_JOBS },
    { "timeout", required_argument, NULL, O_TIMEOUT },
    { "json", no_argument, NULL, VZ_OPT_JSON },
    VZ_CLI_COMMON_OPTS,
    { NULL, 0, NULL, 0 },
};

static int run(int argc, char **argv, int start)
{
    const struct option *start_opts = vzctl_start_all_options, *stop_opts = vzctl_stop_all_options;
    const char *usage = start ? vzctl_start_all_usage : vzctl_stop_all_usage;
    struct vz_boot_opts bo = { 0 };
    struct out o = { .start = start, .tty = isatty(STDOUT_FILENO) };
    int c, rc;
    while ((c = vz_cli_getopt(argc, argv, "hqv", start ? start_opts : stop_opts)) != -1) {
        switch (c) {
        case O_ONBOOT: bo.onboot = 1; break;
        case O_JOBS:
            if ((rc = parse_count("--jobs", optarg, &bo.jobs)))
                return rc;
            break;
        case O_TIMEOUT:
            if ((rc = parse_count("--timeout", optarg, &bo.timeout)))
                return rc;
            break;
        case VZ_OPT_JSON: o.json = 1; break;
        default: vz_cli_common_opt(c, usage);
        }
    }
    if (optind < argc)
        return vz_cli_usage_error(usage, "unexpected argument '%s' (%s takes no CTID)", argv[optind], argv[0]);
    if (o.json)
        o.records = json_array();
    bo.event = on_event;
    bo.ud = &o;
    if (start) {
        /* systemd stopping the service during the boot: launch nothing more,
         * let the starts under way finish, so that stop-all finds them */
        struct sigaction sa = { .sa_handler = on_term };
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGINT, &sa, NULL);
        bo.cancel = &cancelled;
    }
    struct vz_boot_result res;
    vz_error_t err = NULL;
    rc = start ? vz_boot_start_all(&bo, &res, &err) : vz_boot_stop_all(&bo, &res, &err);
    if (rc < 0) {
        json_decref(o.records);
        return vz_cli_fail(&err);
    }
    if (o.json)
        vz_cli_print_json(json_pack("{s:s, s:i, s:i, s:i, s:o}", "action", argv[0], start ? "started" : "stopped",
                                    res.done, "failed", res.failed, "skipped", res.skipped, "containers",
                                    o.records));
    else if (vz_log_level > VZ_LOG_QUIET)
        printf("%s: %d %s, %d skipped, %d failed\n", argv[0], res.done, start ? "started" : "stopped", res.skipped,
               res.failed);
    return res.failed ? VZ_EPARTIAL : 0;
}

int vzctl_start_all(int argc, char **argv)
{
    return run(argc, argv, 1);
}

int vzctl_stop_all(int argc, char **argv)
{
    return run(argc, argv, 0);
}
