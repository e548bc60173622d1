/* vzrestore: a vzdump archive into a new container (vpscore/dump.h;
 * docs/backup.md). Parsing and output only. */
#include "cmd/cli.h"
#include "cmd/vzrestore.h"
#include "vpscore/ctconf.h"

#include "vpscore/dump.h"

#include <string.h>

static const char usage[] =
    "Usage: vzrestore ARCHIVE CTID [--private DIR] [--root DIR] [--no-ip] [--json] [-q|-v]\n"
    "Restore a vzdump archive as container CTID (the same or another CTID, on this host or\n"
    "another). The archive is read once: written into a staging directory beside the private\n"
    "area while verified (signature from a trusted key, every digest, safe paths), renamed into\n"
    "place only when all of it is right (an archive made with --full is verified first, then\n"
    "read again). An overlay container needs the\n"
    "same build of its template here: it is downloaded (INDEX_URL) when not cached, or taken\n"
    "from an archive made with vzdump --full.\n"
    "  --private DIR   private area (default VE_PRIVATE of vz.conf)\n"
    "  --root DIR      mount point (default VE_ROOT of vz.conf)\n"
    "  --no-ip         leave the archive's IP addresses out when another container has them\n"
    "  --json          print {ctid, archive, seconds, ...} on stdout\n"
    "Exit codes: 204 tampered archive or untrusted signer, 206 truncated, corrupt or unsafe\n"
    "archive, 44 container exists, 78 IP address in use, 91 template build not available,\n"
    "21 bad argument, 9 locked (docs/exit-codes.md).\n";

enum { O_PRIVATE = 0x2000, O_ROOT, O_NOIP };

int main(int argc, char **argv)
{
    vz_log_prog = "vzrestore";
    static const struct option opts[] = {
        { "private", required_argument, NULL, O_PRIVATE },
        { "root", required_argument, NULL, O_ROOT },
        { "no-ip", no_argument, NULL, O_NOIP },
        { "json", no_argument, NULL, VZ_OPT_JSON },
        VZ_CLI_COMMON_OPTS,
        { NULL, 0, NULL, 0 },
    };
    struct vz_restore_opts o = { 0 };
    int json = 0, c;
    while ((c = vz_cli_getopt(argc, argv, "hqv", opts)) != -1) {
        switch (c) {
        case O_PRIVATE: o.private_dir = optarg; break;
        case O_ROOT: o.root_dir = optarg; break;
        case O_NOIP: o.no_ip = 1; break;
        case VZ_OPT_JSON: json = 1; break;
        default: vz_cli_common_opt(c, usage);
        }
    }
    if (argc - optind != 2)
        return vz_cli_usage_error(usage, "expected ARCHIVE and CTID");
    o.archive = argv[optind];
    o.ctid = argv[optind + 1];
    vz_error_t err = NULL;
    double t0 = vz_now();
    if (vz_ctid_check(o.ctid, &err) < 0)
        return vz_cli_fail(&err);
    struct vz_dump_info info;
    vz_info("Restoring container %s from %s (verified while read)", o.ctid, o.archive);
    int r = vz_ct_restore_once(&o, &info, vzrestore_template, &err), passes = 1;
    double tv = 0;
    if (r < 0)
        return vz_cli_fail(&err);
    if (r == 1) { /* it carries its template: verify all, then restore */
        passes = 2;
        vz_info("%s carries its template: verifying it whole first", o.archive);
        if (vz_dump_verify(o.archive, &info, &err) < 0)
            return vz_cli_fail(&err);
        tv = vz_now() - t0;
        struct vz_cache_info *cache = NULL;
        r = vzrestore_template(o.archive, &info, &cache, &err);
        if (r == 0) {
            vz_info("Restoring container %s (from %s, %s layout, signed by key %s)", o.ctid, info.ctid, info.layout,
                    info.signer);
            r = vz_ct_restore(&o, &info, cache, &err);
        }
        vz_cache_info_free(cache);
        if (r < 0) {
            vz_dump_info_release(&info);
            return vz_cli_fail(&err);
        }
    }
    double t = vz_now() - t0;
    if (passes == 1)
        vz_info("Container %s restored (%.2f s, one read; from %s, %s layout, signed by key %s)", o.ctid, t,
                info.ctid, info.layout, info.signer);
    else
        vz_info("Container %s restored (%.2f s, of which %.2f s verifying)", o.ctid, t, tv);
    if (json)
        vz_cli_print_json(json_pack("{s:s, s:s, s:s, s:s, s:I, s:f, s:f, s:i}", "ctid", o.ctid, "archive", o.archive,
                                    "source_ctid", info.ctid, "layout", info.layout, "entries",
                                    (json_int_t)info.entries, "seconds", t, "verify_seconds", tv, "passes", passes));
    vz_dump_info_release(&info);
    return 0;
}
