/* vzdump: back a container up into one signed archive, with Proxmox's
 * option names (vpscore/dump.h; docs/backup.md). Parsing and output only. */
#include "cmd/cli.h"

#include "vpscore/ctname.h"
#include "vpscore/dump.h"

#include <string.h>

static const char usage[] =
    "Usage: vzdump CTID [--dumpdir DIR] [--compress zstd|gzip|0] [--mode stop|suspend|snapshot]\n"
    "              [--full] [--json] [-q|-v]\n"
    "Write container CTID into one archive: its conf, its own files (overlay: the upper layer;\n"
    "plain: the private area), a reference to its signed template build, and a manifest of\n"
    "sha256 digests signed with this host's key (docs/backup.md).\n"
    "  --dumpdir DIR   where the archive goes (default: vz.conf DUMPDIR, else /vz/dump)\n"
    "  --compress C    zstd (default), gzip, or 0 for none\n"
    "  --mode M        a running container is stopped and started again (stop), frozen while\n"
    "                  its files are read (suspend, the default), or frozen only while a\n"
    "                  snapshot is taken and archived from it as it runs (snapshot)\n"
    "  --full          put the template cache into the archive too (restores on a host that\n"
    "                  does not have it)\n"
    "  --json          print {archive, bytes, seconds, ...} on stdout\n"
    "Exit codes: 14 no such container, 21 bad option, 91 template not found (--full),\n"
    "9 locked, 3 system error (docs/exit-codes.md).\n";

enum { O_DUMPDIR = 0x2000, O_COMPRESS, O_MODE, O_FULL };

int main(int argc, char **argv)
{
    vz_log_prog = "vzdump";
    static const struct option opts[] = {
        { "dumpdir", required_argument, NULL, O_DUMPDIR },
        { "compress", required_argument, NULL, O_COMPRESS },
        { "mode", required_argument, NULL, O_MODE },
        { "full", no_argument, NULL, O_FULL },
        { "json", no_argument, NULL, VZ_OPT_JSON },
        VZ_CLI_COMMON_OPTS,
        { NULL, 0, NULL, 0 },
    };
    struct vz_dump_opts o = { .mode = VZ_DUMP_SUSPEND };
    const char *mode = NULL;
    int json = 0, c;
    while ((c = vz_cli_getopt(argc, argv, "hqv", opts)) != -1) {
        switch (c) {
        case O_DUMPDIR: o.dumpdir = optarg; break;
        case O_COMPRESS: o.compress = optarg; break;
        case O_MODE: mode = optarg; break;
        case O_FULL: o.full = 1; break;
        case VZ_OPT_JSON: json = 1; break;
        default: vz_cli_common_opt(c, usage);
        }
    }
    int rc = 0;
    const char *arg = vz_cli_one_ctid(argc, argv, usage, &rc);
    if (arg == NULL)
        return rc;
    cleanup_free char *ctid = vz_ct_resolve(arg);
    o.ctid = ctid;
    vz_error_t err = NULL;
    if (mode && vz_dump_mode_parse(mode, &o.mode, &err) < 0)
        return vz_cli_fail(&err);
    if (o.dumpdir && o.dumpdir[0] != '/') {
        vz_error_set(&err, VZ_EBADARG, 0, "--dumpdir %s: must be an absolute path", o.dumpdir);
        return vz_cli_fail(&err);
    }
    if (o.compress && strcmp(o.compress, "none") == 0)
        o.compress = "0";
    struct vz_dump_result res;
    if (vz_ct_dump(&o, &res, &err) < 0)
        return vz_cli_fail(&err);
    vz_info("Archive %s: %llu bytes, %llu entries, %.2f s%s", res.archive, (unsigned long long)res.archive_bytes,
            (unsigned long long)res.entries, res.seconds, res.frozen_seconds > 0 ? "" : " (container was down)");
    if (json)
        vz_cli_print_json(json_pack("{s:s, s:s, s:I, s:I, s:I, s:f, s:f}", "ctid", ctid, "archive", res.archive,
                                    "bytes", (json_int_t)res.archive_bytes, "file_bytes",
                                    (json_int_t)res.file_bytes, "entries", (json_int_t)res.entries, "seconds",
                                    res.seconds, "downtime_seconds", res.frozen_seconds));
    vz_dump_result_release(&res);
    return 0;
}
