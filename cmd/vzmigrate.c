/* vzmigrate: move a container to another host without shared storage, as
 * OpenVZ's vzmigrate: rsync over ssh while it runs, stop, rsync the
 * difference, start on the destination (docs/migrate.md).
 *
 * The undo of every step lives in one place, a guardian process forked
 * first: the migration tells it each step it completes through a pipe, and
 * "commit" once the destination runs. When the pipe closes without a commit
 * (a failure, or vzmigrate killed at any point) the guardian undoes what
 * the steps did, so the container runs on exactly one host. */
#include "cmd/cli.h"
#include "cmd/vzmigrate.h"

#include "vpscore/ctconf.h"
#include "vpscore/runtime.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const char usage[] =
    "Usage: vzmigrate [--online [--online-fallback]] [--keep-dst] [-r|--remove-area yes|no]\n"
    "                 [--ssh OPTIONS] [--remote-root DIR] [--remote-bin DIR] DESTINATION CTID\n"
    "Move container CTID to DESTINATION ([user@]host) over ssh: the same template build checked\n"
    "(or copied and verified) there, the private area (overlay: the upper layer) copied with\n"
    "rsync -aHAX --numeric-ids --sparse --delete while it runs, then stopped, the difference\n"
    "copied, started there. A failure at any step (or vzmigrate killed) undoes the steps done:\n"
    "the container runs on exactly one host (docs/migrate.md).\n"
    "  --ssh OPTIONS      options for ssh (-p PORT -i KEY ...)\n"
    "  --remote-root DIR  VZ_ROOT of the destination's vzforge (default: none)\n"
    "  --remote-bin DIR   where vzctl and vzpkg are on the destination (default: its PATH)\n"
    "  -r, --remove-area  yes (default): destroy the source after; no: keep it, stopped and disabled\n"
    "  --keep-dst         keep what was copied to the destination when it fails\n"
    "  --online           live migration: needs CRIU, which this kernel cannot run: refused,\n"
    "                     unless --online-fallback (freeze-less: stop, copy, start)\n"
    "  --json             print {ctid, destination, downtime_seconds, seconds} on stdout\n"
    "Exit codes: 14 no such container, 44 it exists on the destination, 91 template not\n"
    "available there, 21 bad option, 1 a step failed (undone), 9 locked (docs/exit-codes.md).\n";

enum { O_ONLINE = 0x2000, O_FALLBACK, O_KEEPDST, O_SSH, O_RROOT, O_RBIN };

/* The guardian: reads step names until "commit" or EOF; at EOF undoes. */
static void guardian(int rfd, struct vzm *m)
{
    char buf[256];
    size_t have = 0;
    unsigned steps = 0;
    for (;;) {
        ssize_t n = read(rfd, buf + have, sizeof(buf) - 1 - have);
        if (n <= 0)
            break;
        have += (size_t)n;
        buf[have] = '\0';
        char *nl;
        while ((nl = strchr(buf, '\n')) != NULL) {
            *nl = '\0';
            if (strcmp(buf, "commit") == 0)
                _exit(0);
            steps |= vzm_step_bit(buf);
            size_t used = (size_t)(nl + 1 - buf);
            memmove(buf, nl + 1, have - used + 1);
            have -= used;
        }
    }
    _exit(vzm_undo(m, steps) < 0 ? 1 : 0);
}

int main(int argc, char **argv)
{
    vz_log_prog = "vzmigrate";
    static const struct option opts[] = {
        { "online", no_argument, NULL, O_ONLINE },
        { "online-fallback", no_argument, NULL, O_FALLBACK },
        { "keep-dst", no_argument, NULL, O_KEEPDST },
        { "remove-area", required_argument, NULL, 'r' },
        { "ssh", required_argument, NULL, O_SSH },
        { "remote-root", required_argument, NULL, O_RROOT },
        { "remote-bin", required_argument, NULL, O_RBIN },
        { "json", no_argument, NULL, VZ_OPT_JSON },
        VZ_CLI_COMMON_OPTS,
        { NULL, 0, NULL, 0 },
    };
    struct vzm m = { .remove_area = 1, .remote_root = "", .remote_bin = "" };
    int online = 0, fallback = 0, json = 0, c;
    while ((c = vz_cli_getopt(argc, argv, "r:hqv", opts)) != -1) {
        switch (c) {
        case O_ONLINE: online = 1; break;
        case O_FALLBACK: fallback = 1; break;
        case O_KEEPDST: m.keep_dst = 1; break;
        case 'r':
            if (strcmp(optarg, "yes") != 0 && strcmp(optarg, "no") != 0)
                return vz_cli_bad_option("--remove-area %s: use yes or no", optarg);
            m.remove_area = strcmp(optarg, "yes") == 0;
            break;
        case O_SSH: m.ssh_opts = optarg; break;
        case O_RROOT: m.remote_root = optarg; break;
        case O_RBIN: m.remote_bin = optarg; break;
        case VZ_OPT_JSON: json = 1; break;
        default: vz_cli_common_opt(c, usage);
        }
    }
    if (argc - optind != 2)
        return vz_cli_usage_error(usage, "expected DESTINATION and CTID");
    m.dest = argv[optind];
    m.ctid = argv[optind + 1];
    vz_error_t err = NULL;
    if (vz_ctid_check(m.ctid, &err) < 0)
        return vz_cli_fail(&err);
    if (online && !fallback) {
        vz_error_set(&err, VZ_EBADARG, 0,
                     "--online needs CRIU to checkpoint the running container, and CRIU does not work on this "
                     "kernel: migrate offline (without --online: the container is stopped while the difference "
                     "is copied), or add --online-fallback to do that when --online cannot be done");
        return vz_cli_fail(&err);
    }
    if (online)
        vz_warn("--online: CRIU does not work on this kernel: falling back to an offline migration");
    if (m.dest[0] == '-' || strchr(m.dest, ' ')) {
        vz_error_set(&err, VZ_EBADARG, 0, "DESTINATION %s: a host name or user@host", m.dest);
        return vz_cli_fail(&err);
    }
    if (vzm_prepare(&m, &err) < 0)
        return vz_cli_fail(&err);
    int p[2];
    if (pipe(p) < 0) {
        vz_error_sys(&err, "pipe");
        return vz_cli_fail(&err);
    }
    fflush(NULL);
    pid_t g = fork();
    if (g < 0) {
        vz_error_sys(&err, "fork");
        return vz_cli_fail(&err);
    }
    if (g == 0) {
        close(p[1]);
        signal(SIGINT, SIG_IGN); /* a ^C of the admin reaches us too: the undo still runs */
        guardian(p[0], &m);
    }
    close(p[0]);
    m.step_fd = p[1];
    double t0 = vz_now();
    int r = vzm_run(&m, &err);
    if (r == 0 && write(p[1], "commit\n", 7) != 7)
        r = vz_error_sys(&err, "guardian");
    close(p[1]);
    int st = 0;
    while (waitpid(g, &st, 0) < 0 && errno == EINTR)
        ;
    if (r < 0) {
        vz_error_wrap(&err, "migrate %s to %s (%s)", m.ctid, m.dest,
                      WIFEXITED(st) && WEXITSTATUS(st) == 0 ? "every step undone: it runs here as before"
                                                             : "the undo failed too: see the messages above");
        return vz_cli_fail(&err);
    }
    if (vzm_finish(&m, &err) < 0) /* the destination runs it: the source goes */
        return vz_cli_fail(&err);
    vz_info("Container %s migrated to %s (downtime %.2f s, %.2f s in all)", m.ctid, m.dest, m.downtime,
            vz_now() - t0);
    if (json)
        vz_cli_print_json(json_pack("{s:s, s:s, s:f, s:f}", "ctid", m.ctid, "destination", m.dest,
                                    "downtime_seconds", m.downtime, "seconds", vz_now() - t0));
    vzm_release(&m);
    return 0;
}
