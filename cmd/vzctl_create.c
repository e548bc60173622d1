/* cmd/vzctl_create.c: vzctl create. Argument parsing and messages only; the
 * work is in vpscore/create.h. vzctl links no archive code (docs/design.md,
 * "Process start-up cost"): its create (vzctl_create_light) makes overlay
 * containers over a shared tree already unpacked, the common case, and
 * hands every other create to the vzctl-create helper, which passes
 * vz_unpack_verified (cmd/vzctl_create_main.c). */
#include "cmd/cli.h"
#include "cmd/vzctl.h"
#include "cmd/vzctl_tmpl.h"

#include "cache/store.h"
#include "vpscore/create.h"
#include "vpscore/ctconf.h"

#include <string.h>

static const char create_usage[] =
    "Usage: vzctl create CTID --ostemplate NAME [--layout overlay|plain] [--config SAMPLE]\n"
    "                    [--hostname H] [--ipadd A]... [--nameserver A]... [--searchdomain D]...\n"
    "                    [--private DIR] [--root DIR] [--privileged] [--json]\n"
    "Create container CTID from the signed template cache NAME.\n"
    "  --ostemplate NAME  template cache (vzpkg list --cached)\n"
    "  --layout L         overlay (default where the kernel has it): share one read-only tree;\n"
    "                     plain: a private copy\n"
    "  --config SAMPLE    start from ve-SAMPLE.conf-sample (default: vz.conf CONFIGFILE or basic)\n"
    "  --private DIR      private area (default VE_PRIVATE of vz.conf, /vz/private/$VEID)\n"
    "  --root DIR         mount point (default VE_ROOT of vz.conf, /vz/root/$VEID)\n"
    "  --privileged       no user namespace: root inside is host root (trusted workloads only;\n"
    "                     not a security boundary, docs/security.md). Default: the container gets\n"
    "                     its own range of 65536 host ids (LOCAL_UID, LOCAL_GID)\n"
    "Exit codes: 21 bad argument or CTID, 44 container exists, 91 template not found,\n"
    "204 signature or checksum mismatch, 9 locked (docs/exit-codes.md).\n";

enum { O_OSTEMPLATE = 0x2000, O_LAYOUT, O_CONFIG, O_HOSTNAME, O_IPADD, O_NAMESERVER, O_SEARCHDOMAIN,
       O_PRIVATE, O_ROOT, O_PRIVILEGED };

int vzctl_create_cmd(int argc, char **argv, vz_unpack_fn *unpack)
{
    static const struct option opts[] = {
        { "ostemplate", required_argument, NULL, O_OSTEMPLATE },
        { "layout", required_argument, NULL, O_LAYOUT },
        { "config", required_argument, NULL, O_CONFIG },
        { "hostname", required_argument, NULL, O_HOSTNAME },
        { "ipadd", required_argument, NULL, O_IPADD },
        { "nameserver", required_argument, NULL, O_NAMESERVER },
        { "searchdomain", required_argument, NULL, O_SEARCHDOMAIN },
        { "private", required_argument, NULL, O_PRIVATE },
        { "root", required_argument, NULL, O_ROOT },
        { "privileged", no_argument, NULL, O_PRIVILEGED },
        { "json", no_argument, NULL, VZ_OPT_JSON },
        VZ_CLI_COMMON_OPTS,
        { NULL, 0, NULL, 0 },
    };
    struct vz_create_opts o = { 0 };
    cleanup_strv char **ips = NULL, **ns = NULL, **sd = NULL;
    const char *tmpl = NULL;
    int json = 0, c;
    while ((c = vz_cli_getopt(argc, argv, "hqv", opts)) != -1) {
        switch (c) {
        case O_OSTEMPLATE: tmpl = optarg; break;
        case O_LAYOUT: o.layout = optarg; break;
        case O_CONFIG: o.config = optarg; break;
        case O_HOSTNAME: o.hostname = optarg; break;
        case O_IPADD: vz_strv_push(&ips, optarg); break;
        case O_NAMESERVER: vz_strv_push(&ns, optarg); break;
        case O_SEARCHDOMAIN: vz_strv_push(&sd, optarg); break;
        case O_PRIVATE: o.private_dir = optarg; break;
        case O_ROOT: o.root_dir = optarg; break;
        case O_PRIVILEGED: o.privileged = 1; break;
        case VZ_OPT_JSON: json = 1; break;
        default: vz_cli_common_opt(c, create_usage);
        }
    }
    int rc = 0;
    o.ctid = vz_cli_one_ctid(argc, argv, create_usage, &rc);
    if (o.ctid == NULL)
        return rc;
    o.ipadd = ips;
    o.nameserver = ns;
    o.searchdomain = sd;
    vz_error_t err = NULL;
    /* the CTID first (its message unwrapped), then every option, before a
     * template is looked up, downloaded or verified */
    if (vz_ctid_check(o.ctid, &err) < 0 || vz_ct_create_check(&o, &err) < 0)
        return vz_cli_fail(&err);
    if (tmpl == NULL) {
        tmpl = vz_conf_get(vz_global_conf(), "DEF_OSTEMPLATE");
        if (tmpl == NULL || *tmpl == '\0') {
            vz_error_set(&err, VZ_ENOOSTEMPLATE, 0, "--ostemplate NAME is required (or DEF_OSTEMPLATE in vz.conf)");
            return vz_cli_fail(&err);
        }
    }
    struct vz_cache_info *cache = NULL;
    if (vzctl_find_template(tmpl, &cache, &err) < 0) /* downloads it when INDEX_URL is set */
        return vz_cli_fail(&err);
    if (vz_cache_verify_signature(cache, &err) < 0) {
        vz_cache_info_free(cache);
        return vz_cli_fail(&err);
    }
    /* the same two lines either way; without unpack the create may turn out
     * to be the helper's, which says the first itself */
    if (unpack)
        vz_info("Creating container private area (%s)", tmpl);
    struct vz_create_result res;
    int r = vz_ct_create_with(&o, cache, unpack, &res, &err);
    if (r == 0 && !unpack)
        vz_info("Creating container private area (%s)", tmpl);
    vz_cache_info_free(cache);
    if (r < 0)
        return vz_cli_fail(&err);
    if (r == 1) /* nothing written: the helper does it all again, with libarchive */
        return vzctl_create_exec(argc, argv);
    if (json) {
        json_t *j = json_pack("{s:s, s:s, s:b, s:f}", "ctid", o.ctid, "ostemplate", tmpl, "reused_tree",
                              res.reused_tree, "seconds", res.seconds);
        vz_cli_print_json(j);
    }
    vz_info("Container private area was created (%.1f ms%s)", res.seconds * 1e3,
            res.reused_tree ? ", shared template tree reused" : "");
    return 0;
}

int vzctl_create_light(int argc, char **argv)
{
    return vzctl_create_cmd(argc, argv, NULL);
}
