/* vzpkg_publish.c: publish caches to a signed static tree; download from one. */
#include <string.h>

#include "cache/export/export.h"
#include "cache/index.h"
#include "cache/lock.h"
#include "cache/store.h"
#include "cmd/cli.h"
#include "cmd/vzpkg.h"
#include "tmplbuild/download.h"

enum { OPT_KEEP = 0x1200, OPT_INDEX, OPT_INSECURE, OPT_TIMEOUT, OPT_STREAMS, OPT_XZ_LEVEL,
       OPT_FROM, OPT_FORMATS, OPT_WITH, OPT_FORMAT };

const char vzpkg_publish_usage[] =
    "Usage: vzpkg publish DIR [NAME...] [--from STAGE]... [--keep N]\n"
    "                     [--simplestreams [--xz-level 1-9]] [--formats FORMAT[,FORMAT...]]\n"
    "                     [--with EXPORTS] [--json]\n"
    "Copy the named caches (all when none is named), after verifying them, into\n"
    "the static tree DIR as DIR/NAME/ID/{NAME.tar.zst,NAME.manifest,NAME.manifest.sig},\n"
    "keep the newest N builds per template (default 3), and write a signed index\n"
    "DIR/index.json + DIR/index.json.sig (docs/publish.md). Any web server, CDN or\n"
    "object store can serve DIR.\n"
    "--simplestreams also writes an Incus/LXD simplestreams image server into DIR\n"
    "(streams/v1/index.json, images.json; root.tar.xz and incus.tar.xz per build);\n"
    "once DIR has streams/v1/index.json, every later publish keeps it up to date.\n"
    "--xz-level: xz compression of root.tar.xz and of the lxc export (--formats),\n"
    "1 (fast) to 9; default 6.\n"
    "--from STAGE (repeatable): also merge the builds of the published tree STAGE\n"
    "(another host's or CI job's publish), each checked first: manifest signed by a\n"
    "trusted key, tarball sha256 and size, build ID; files besides the cache (exported\n"
    "formats) are copied along. With --from and no NAME, no local cache is published.\n"
    "One bad staged build refuses the whole merge, with nothing written (docs/nightly.md).\n"
    "--formats: also write each newly published build in these export formats\n"
    "(rootfs, oci, lxc, incus: as 'vzpkg export') into its DIR/NAME/ID/.\n"
    "--with EXPORTS: also copy the files under directory EXPORTS (made with\n"
    "'vzpkg export -o') into the DIR/NAME/ID/ of each named cache newly published.\n"
    "Each new build gets NAME.files.json (+ .sig): the signed list of its exported\n"
    "files and whether it has an init, which the signed index names by sha256.\n";

const struct option vzpkg_publish_options[] = {
    VZ_CLI_COMMON_OPTS,
    { "keep", required_argument, NULL, OPT_KEEP },
    { "json", no_argument, NULL, VZ_OPT_JSON },
    { "simplestreams", no_argument, NULL, OPT_STREAMS },
    { "xz-level", required_argument, NULL, OPT_XZ_LEVEL },
    { "from", required_argument, NULL, OPT_FROM },
    { "formats", required_argument, NULL, OPT_FORMATS },
    { "with", required_argument, NULL, OPT_WITH },
    { NULL, 0, NULL, 0 },
};

int vzpkg_publish(int argc, char **argv)
{
    const struct option *opts = vzpkg_publish_options;
    int keep = 3, xz_level = 0, c;
    const char *with = NULL;
    cleanup_strv char **from = vz_xcalloc(1, sizeof(char *));
    cleanup_strv char **formats = vz_xcalloc(1, sizeof(char *));
    bool json = false, streams = false;
    while ((c = vz_cli_getopt(argc, argv, "hqv", opts)) != -1) {
        if (vz_cli_common_opt(c, vzpkg_publish_usage))
            continue;
        if (c == VZ_OPT_JSON) {
            json = true;
        } else if (c == OPT_FROM) {
            vz_strv_push(&from, optarg);
        } else if (c == OPT_STREAMS) {
            streams = true;
        } else if (c == OPT_WITH) {
            with = optarg;
        } else if (c == OPT_FORMATS) {
            int fr = vzpkg_export_formats_opt(optarg, &formats);
            if (fr)
                return fr;
        } else if (c == OPT_XZ_LEVEL) {
            int xr = vzpkg_xz_level_opt(optarg, &xz_level);
            if (xr)
                return xr;
        } else if (c == OPT_KEEP) {
            char *end = NULL;
            long k = strtol(optarg, &end, 10);
            if (!end || *end || k < 1 || k > 1000) {
                vz_error_t err = NULL;
                vz_error_set(&err, VZ_EBADARG, 0, "--keep '%s': expected a number from 1 to 1000",
                             optarg);
                return vz_cli_fail(&err);
            }
            keep = (int)k;
        }
    }
    if (optind >= argc)
        return vz_cli_usage_error(vzpkg_publish_usage, "publish: missing DIR");
    if (with && !vz_is_dir(with)) {
        vz_error_t err = NULL;
        vz_error_set(&err, VZ_EBADARG, 0, "--with %s: not a directory", with);
        return vz_cli_fail(&err);
    }
    const char *dir = argv[optind];
    char **names = vz_xcalloc(1, sizeof(char *));
    for (int i = optind + 1; i < argc; i++)
        vz_strv_push(&names, argv[i]);
    char **published = vz_xcalloc(1, sizeof(char *));
    vz_error_t err = NULL;
    struct vz_publish_opts po = { keep, streams, xz_level, from, formats, with };
    int r = vz_publish_with(dir, names, &po, &published, &err);
    vz_strv_free(names);
    if (r < 0) {
        vz_strv_free(published);
        return vz_cli_fail(&err);
    }
    if (json) {
        json_t *a = json_array();
        for (char **p = published; *p; p++)
            json_array_append_new(a, json_string(*p));
        cleanup_free char *sx = vz_path_join(dir, "streams/v1/index.json");
        vz_cli_print_json(json_pack("{s:s, s:o, s:b}", "dir", dir, "published", a,
                                    "simplestreams", vz_file_exists(sx)));
    } else {
        printf("published %zu new build(s) to %s; index %s/index.json signed\n",
               vz_strv_len(published), dir, dir);
        cleanup_free char *sx = vz_path_join(dir, "streams/v1/index.json");
        if (vz_file_exists(sx))
            printf("simplestreams: %s/streams/v1/index.json\n", dir);
    }
    vz_strv_free(published);
    return 0;
}

const char vzpkg_download_usage[] =
    "Usage: vzpkg download NAME|URL [--index URL] [--insecure] [--timeout SECONDS] [--json]\n"
    "       vzpkg download NAME --format FORMAT [-o|--output DIR] [--index URL] [--timeout SECONDS]\n"
    "                      [--json]\n"
    "Fetch the newest published build of template NAME from a signed index\n"
    "(--index, or INDEX_URL in vz.conf), or the cache whose tarball URL is given,\n"
    "verify index signature, index serial (no replayed older index of the same\n"
    "signer and name), manifest signature and tarball sha256 (while downloading),\n"
    "and land it atomically.\n"
    "--timeout SECONDS  give up after this long (1 to 86400, default 3600): index,\n"
    "                   waiting for the template lock, tarball and retries together\n"
    "                   (exit 15). Transfers slower than 1 KiB/s for 30 s are retried;\n"
    "                   index.json and manifests over 16 MiB, signatures over 64 KiB\n"
    "                   are refused (exit 203).\n"
    "--insecure skips the signature checks (hashes are still checked): only for\n"
    "testing, never for production hosts.\n"
    "--json: an object: name, action (downloaded, or none when the local cache was\n"
    "already this build), tarball, tar_size, tar_sha256, insecure.\n"
    "--format FORMAT (rootfs, oci, lxc, incus): instead of the cache, fetch that\n"
    "export of the newest build into DIR (default .), verified through the signed\n"
    "index and the build's signed list of files (docs/exports.md); --json: template,\n"
    "id, format, has_init, files (path, size, sha256).\n";

/* vzpkg download NAME --format F: an export, not the cache. */
static int download_export(const char *name, const char *format, const char *outdir,
                           const struct vz_download_opts *o, bool json)
{
    vz_error_t err = NULL;
    if (!vz_export_format_known(format)) {
        vz_error_set(&err, VZ_EBADARG, 0, "--format %s: expected rootfs, oci, lxc or incus",
                     format);
        return vz_cli_fail(&err);
    }
    if (o->insecure) {
        vz_error_set(&err, VZ_EBADARG, 0, "--insecure does not go with --format: an export is "
                     "only ever taken verified");
        return vz_cli_fail(&err);
    }
    json_t *res = NULL;
    if (vz_download_export(name, format, outdir, o, &res, &err) < 0)
        return vz_cli_fail(&err);
    if (json) {
        vz_cli_print_json(res);
    } else {
        size_t i;
        json_t *f;
        printf("%s: %s export of build %s downloaded and verified\n", name, format,
               json_string_value(json_object_get(res, "id")));
        json_array_foreach(json_object_get(res, "files"), i, f)
            if (i < 20)
                printf("  %s\n", json_string_value(json_object_get(f, "path")));
        if (json_array_size(json_object_get(res, "files")) > 20)
            printf("  ... (%zu files)\n", json_array_size(json_object_get(res, "files")));
        json_decref(res);
    }
    return 0;
}

const struct option vzpkg_download_options[] = {
    VZ_CLI_COMMON_OPTS,
    { "index", required_argument, NULL, OPT_INDEX },
    { "insecure", no_argument, NULL, OPT_INSECURE },
    { "timeout", required_argument, NULL, OPT_TIMEOUT },
    { "json", no_argument, NULL, VZ_OPT_JSON },
    { "format", required_argument, NULL, OPT_FORMAT },
    { "output", required_argument, NULL, 'o' },
    { NULL, 0, NULL, 0 },
};

int vzpkg_download(int argc, char **argv)
{
    const struct option *opts = vzpkg_download_options;
    struct vz_download_opts o = { NULL, false, 0, 0, -1, 0 };
    bool json = false;
    const char *format = NULL, *outdir = NULL;
    int c;
    while ((c = vz_cli_getopt(argc, argv, "hqvo:", opts)) != -1) {
        if (vz_cli_common_opt(c, vzpkg_download_usage))
            continue;
        if (c == 'o') {
            outdir = optarg;
        } else if (c == OPT_FORMAT) {
            format = optarg;
        } else if (c == VZ_OPT_JSON) {
            json = true;
        } else if (c == OPT_INDEX) {
            o.index_url = optarg;
        } else if (c == OPT_INSECURE) {
            o.insecure = true;
        } else if (c == OPT_TIMEOUT) {
            char *end;
            long n = strtol(optarg, &end, 10);
            if (*optarg == '\0' || *end || n < 1 || n > 86400) {
                vz_error_t err = NULL;
                vz_error_set(&err, VZ_EBADARG, 0,
                             "--timeout %s: give a number of seconds from 1 to 86400", optarg);
                return vz_cli_fail(&err);
            }
            o.timeout_s = (int)n;
        }
    }
    if (optind + 1 != argc)
        return vz_cli_usage_error(vzpkg_download_usage, "download: expected one NAME or URL");
    if (outdir && !format)
        return vz_cli_usage_error(vzpkg_download_usage, "download: -o DIR goes with --format");
    if (format)
        return download_export(argv[optind], format, outdir ? outdir : ".", &o, json);
    if (o.insecure)
        fprintf(stderr, "%s: WARNING: --insecure: signatures will NOT be checked; the cache you "
                        "get is whatever the server or the network sends\n", vz_log_prog);
    vz_error_t err = NULL;
    char *name = NULL;
    int r = vz_download(argv[optind], &o, &name, &err);
    if (r < 0)
        return vz_cli_fail(&err);
    if (json) {
        struct vz_cache_info *ci = NULL;
        if (vz_cache_find(name, &ci, &err) < 0) {
            free(name);
            return vz_cli_fail(&err);
        }
        vz_cli_print_json(json_pack("{s:s, s:s, s:s, s:I, s:s, s:b}", "name", name, "action",
                                    r == 1 ? "none" : "downloaded", "tarball", ci->tarball,
                                    "tar_size", (json_int_t)ci->tar_size, "tar_sha256",
                                    ci->tar_sha256, "insecure", o.insecure));
        vz_cache_info_free(ci);
    } else if (r == 1) {
        printf("%s: already up to date\n", name);
    } else {
        printf("%s: downloaded and verified\n", name);
    }
    free(name);
    return 0;
}
