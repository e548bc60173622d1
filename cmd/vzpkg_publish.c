/* vzpkg_publish.c: publish caches to a signed static tree; download from one. */
#include <string.h>

#include "cache/index.h"
#include "cache/lock.h"
#include "cache/store.h"
#include "cmd/cli.h"
#include "cmd/vzpkg.h"
#include "tmplbuild/download.h"

enum { OPT_KEEP = 0x1200, OPT_INDEX, OPT_INSECURE, OPT_TIMEOUT, OPT_STREAMS, OPT_XZ_LEVEL };

static const char publish_usage[] =
    "Usage: vzpkg publish DIR [NAME...] [--keep N] [--simplestreams [--xz-level 1-9]] [--json]\n"
    "Copy the named caches (all when none is named), after verifying them, into\n"
    "the static tree DIR as DIR/NAME/ID/{NAME.tar.zst,NAME.manifest,NAME.manifest.sig},\n"
    "keep the newest N builds per template (default 3), and write a signed index\n"
    "DIR/index.json + DIR/index.json.sig (docs/publish.md). Any web server, CDN or\n"
    "object store can serve DIR.\n"
    "--simplestreams also writes an Incus/LXD simplestreams image server into DIR\n"
    "(streams/v1/index.json, images.json; root.tar.xz and incus.tar.xz per build);\n"
    "once DIR has streams/v1/index.json, every later publish keeps it up to date.\n"
    "--xz-level: root.tar.xz compression, 1 (fast) to 9; default 6.\n";

int vzpkg_publish(int argc, char **argv)
{
    static const struct option opts[] = { VZ_CLI_COMMON_OPTS,
                                          { "keep", required_argument, NULL, OPT_KEEP },
                                          { "json", no_argument, NULL, VZ_OPT_JSON },
                                          { "simplestreams", no_argument, NULL, OPT_STREAMS },
                                          { "xz-level", required_argument, NULL, OPT_XZ_LEVEL },
                                          { NULL, 0, NULL, 0 } };
    int keep = 3, xz_level = 0, c;
    bool json = false, streams = false;
    while ((c = vz_cli_getopt(argc, argv, "hqv", opts)) != -1) {
        if (vz_cli_common_opt(c, publish_usage))
            continue;
        if (c == VZ_OPT_JSON) {
            json = true;
        } else if (c == OPT_STREAMS) {
            streams = true;
        } else if (c == OPT_XZ_LEVEL) {
            if (optarg[0] < '1' || optarg[0] > '9' || optarg[1]) {
                vz_error_t err = NULL;
                vz_error_set(&err, VZ_EBADARG, 0, "--xz-level '%s': expected a number from 1 to 9",
                             optarg);
                return vz_cli_fail(&err);
            }
            xz_level = optarg[0] - '0';
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
        return vz_cli_usage_error(publish_usage, "publish: missing DIR");
    const char *dir = argv[optind];
    char **names = vz_xcalloc(1, sizeof(char *));
    for (int i = optind + 1; i < argc; i++)
        vz_strv_push(&names, argv[i]);
    char **published = vz_xcalloc(1, sizeof(char *));
    vz_error_t err = NULL;
    struct vz_publish_opts po = { keep, streams, xz_level };
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

static const char download_usage[] =
    "Usage: vzpkg download NAME|URL [--index URL] [--insecure] [--timeout SECONDS] [--json]\n"
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
    "already this build), tarball, tar_size, tar_sha256, insecure.\n";

int vzpkg_download(int argc, char **argv)
{
    static const struct option opts[] = { VZ_CLI_COMMON_OPTS,
                                          { "index", required_argument, NULL, OPT_INDEX },
                                          { "insecure", no_argument, NULL, OPT_INSECURE },
                                          { "timeout", required_argument, NULL, OPT_TIMEOUT },
                                          { "json", no_argument, NULL, VZ_OPT_JSON },
                                          { NULL, 0, NULL, 0 } };
    struct vz_download_opts o = { NULL, false, 0, 0, -1, 0 };
    bool json = false;
    int c;
    while ((c = vz_cli_getopt(argc, argv, "hqv", opts)) != -1) {
        if (vz_cli_common_opt(c, download_usage))
            continue;
        if (c == VZ_OPT_JSON) {
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
        return vz_cli_usage_error(download_usage, "download: expected one NAME or URL");
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
