/* cmd/vzctl_create.c: vzctl create, destroy, set: the container on disk.
 * Argument parsing and messages only; the work is in vpscore/create.h and
 * vpscore/ctset.h. */
#include "cmd/cli.h"
#include "cmd/vzctl.h"
#include "cmd/vzctl_tmpl.h"

#include "cache/store.h"
#include "vpscore/create.h"
#include "vpscore/ctconf.h"
#include "vpscore/ctset.h"

#include <string.h>

static const char create_usage[] =
    "Usage: vzctl create CTID --ostemplate NAME [--layout overlay|plain] [--config SAMPLE]\n"
    "                    [--hostname H] [--ipadd A]... [--nameserver A]... [--searchdomain D]...\n"
    "                    [--private DIR] [--root DIR] [--json]\n"
    "Create container CTID from the signed template cache NAME.\n"
    "  --ostemplate NAME  template cache (vzpkg list --cached)\n"
    "  --layout L         overlay (default where the kernel has it): share one read-only tree;\n"
    "                     plain: a private copy\n"
    "  --config SAMPLE    start from ve-SAMPLE.conf-sample (default: vz.conf CONFIGFILE or basic)\n"
    "  --private DIR      private area (default VE_PRIVATE of vz.conf, /vz/private/$VEID)\n"
    "  --root DIR         mount point (default VE_ROOT of vz.conf, /vz/root/$VEID)\n"
    "Exit codes: 21 bad argument or CTID, 44 container exists, 91 template not found,\n"
    "204 signature or checksum mismatch, 9 locked (docs/exit-codes.md).\n";

enum { O_OSTEMPLATE = 0x2000, O_LAYOUT, O_CONFIG, O_HOSTNAME, O_IPADD, O_NAMESERVER, O_SEARCHDOMAIN,
       O_PRIVATE, O_ROOT, O_IPDEL, O_RAM, O_SWAP, O_CPUS, O_CPULIMIT, O_CPUUNITS, O_NUMPROC, O_ONBOOT,
       O_USERPASSWD, O_SAVE };

/* The CTID is the one positional argument, before or after the options. */
static const char *one_ctid(int argc, char **argv, const char *usage, int *rc)
{
    if (optind != argc - 1) {
        *rc = vz_cli_usage_error(usage, optind >= argc ? "CTID missing" : "one CTID, got '%s' too",
                                 optind >= argc ? NULL : argv[optind + 1]);
        return NULL;
    }
    return argv[optind];
}

int vzctl_create(int argc, char **argv)
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
        { "json", no_argument, NULL, VZ_OPT_JSON },
        VZ_CLI_COMMON_OPTS,
        { NULL, 0, NULL, 0 },
    };
    struct vz_create_opts o = { 0 };
    cleanup_strv char **ips = NULL, **ns = NULL, **sd = NULL;
    const char *tmpl = NULL;
    int json = 0, c;
    while ((c = getopt_long(argc, argv, "hqv", opts, NULL)) != -1) {
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
        case VZ_OPT_JSON: json = 1; break;
        default: vz_cli_common_opt(c, create_usage);
        }
    }
    int rc = 0;
    o.ctid = one_ctid(argc, argv, create_usage, &rc);
    if (o.ctid == NULL)
        return rc;
    o.ipadd = ips;
    o.nameserver = ns;
    o.searchdomain = sd;
    vz_error_t err = NULL;
    /* the CTID is checked before anything else is looked at */
    if (vz_ctid_check(o.ctid, &err) < 0)
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
    vz_info("Creating container private area (%s)", tmpl);
    struct vz_create_result res;
    int r = vz_ct_create(&o, cache, &res, &err);
    vz_cache_info_free(cache);
    if (r < 0)
        return vz_cli_fail(&err);
    if (json) {
        json_t *j = json_pack("{s:s, s:s, s:b, s:f}", "ctid", o.ctid, "ostemplate", tmpl, "reused_tree",
                              res.reused_tree, "seconds", res.seconds);
        vz_cli_print_json(j);
    }
    vz_info("Container private area was created (%.1f ms%s)", res.seconds * 1e3,
            res.reused_tree ? ", shared template tree reused" : "");
    return 0;
}

static const char destroy_usage[] =
    "Usage: vzctl destroy CTID\n"
    "Remove a stopped container: its cgroups, network pair, private area, mount point and conf.\n"
    "Exit codes: 14 no such container, 32 running (stop it first), 9 locked.\n";

int vzctl_destroy(int argc, char **argv)
{
    static const struct option opts[] = { VZ_CLI_COMMON_OPTS, { NULL, 0, NULL, 0 } };
    int c;
    while ((c = getopt_long(argc, argv, "hqv", opts, NULL)) != -1)
        vz_cli_common_opt(c, destroy_usage);
    int rc = 0;
    const char *ctid = one_ctid(argc, argv, destroy_usage, &rc);
    if (ctid == NULL)
        return rc;
    vz_error_t err = NULL;
    vz_info("Destroying container private area");
    if (vz_ct_destroy(ctid, &err) < 0)
        return vz_cli_fail(&err);
    vz_info("Container private area was destroyed");
    return 0;
}

static const char set_usage[] =
    "Usage: vzctl set CTID [--hostname H] [--ipadd A]... [--ipdel A|all]... [--nameserver A]...\n"
    "                 [--searchdomain D]... [--ram SIZE] [--swap SIZE] [--cpus N] [--cpulimit PCT]\n"
    "                 [--cpuunits N] [--numproc N] [--onboot yes|no] [--userpasswd USER:PASS] [--save]\n"
    "On a running container the change applies at once; --save also stores it in the conf.\n"
    "A stopped container needs --save (except --userpasswd, which writes /etc/shadow inside).\n"
    "Sizes: 512M, 2G, unlimited. --cpulimit: percent of one CPU (0 = unlimited).\n";

int vzctl_set(int argc, char **argv)
{
    static const struct option opts[] = {
        { "hostname", required_argument, NULL, O_HOSTNAME },
        { "ipadd", required_argument, NULL, O_IPADD },
        { "ipdel", required_argument, NULL, O_IPDEL },
        { "nameserver", required_argument, NULL, O_NAMESERVER },
        { "searchdomain", required_argument, NULL, O_SEARCHDOMAIN },
        { "ram", required_argument, NULL, O_RAM },
        { "swap", required_argument, NULL, O_SWAP },
        { "cpus", required_argument, NULL, O_CPUS },
        { "cpulimit", required_argument, NULL, O_CPULIMIT },
        { "cpuunits", required_argument, NULL, O_CPUUNITS },
        { "numproc", required_argument, NULL, O_NUMPROC },
        { "onboot", required_argument, NULL, O_ONBOOT },
        { "userpasswd", required_argument, NULL, O_USERPASSWD },
        { "save", no_argument, NULL, O_SAVE },
        VZ_CLI_COMMON_OPTS,
        { NULL, 0, NULL, 0 },
    };
    struct vz_set_opts o = { 0 };
    cleanup_strv char **add = NULL, **del = NULL, **ns = NULL, **sd = NULL;
    int c;
    while ((c = getopt_long(argc, argv, "hqv", opts, NULL)) != -1) {
        switch (c) {
        case O_HOSTNAME: o.hostname = optarg; break;
        case O_IPADD: vz_strv_push(&add, optarg); break;
        case O_IPDEL: vz_strv_push(&del, optarg); break;
        case O_NAMESERVER: vz_strv_push(&ns, optarg); break;
        case O_SEARCHDOMAIN: vz_strv_push(&sd, optarg); break;
        case O_RAM: o.ram = optarg; break;
        case O_SWAP: o.swap = optarg; break;
        case O_CPUS: o.cpus = optarg; break;
        case O_CPULIMIT: o.cpulimit = optarg; break;
        case O_CPUUNITS: o.cpuunits = optarg; break;
        case O_NUMPROC: o.numproc = optarg; break;
        case O_ONBOOT: o.onboot = optarg; break;
        case O_USERPASSWD: o.userpasswd = optarg; break;
        case O_SAVE: o.save = 1; break;
        default: vz_cli_common_opt(c, set_usage);
        }
    }
    int rc = 0;
    const char *ctid = one_ctid(argc, argv, set_usage, &rc);
    if (ctid == NULL)
        return rc;
    o.ipadd = add;
    o.ipdel = del;
    o.nameserver = ns;
    o.searchdomain = sd;
    vz_error_t err = NULL;
    if (vz_ct_set(ctid, &o, &err) < 0)
        return vz_cli_fail(&err);
    if (o.save)
        vz_info("Saved parameters for container %s", ctid);
    return 0;
}
