/* vzpkg_export.c: vzpkg export NAME --format F[,F...] -o DIR [--json]. */
#include <string.h>

#include "cache/export/export.h"
#include "cmd/cli.h"
#include "cmd/vzpkg.h"

enum { OPT_FORMAT = 0x1300, OPT_OUTPUT, OPT_XZ };

const char vzpkg_export_usage[] =
    "Usage: vzpkg export NAME [--format FORMAT[,FORMAT...]]... [-o DIR] [--xz-level 1-9] [--json]\n"
    "Write the cache NAME, after verifying its signature and tarball, in the\n"
    "formats other tools consume (docs/exports.md); the same cache always gives\n"
    "the same bytes. FORMAT (default: all four):\n"
    "  rootfs  DIR/NAME.rootfs.tar.gz            podman import, docker import\n"
    "  oci     DIR/NAME.oci/ (OCI image layout,  skopeo, umoci, podman\n"
    "          tag " VZ_EXPORT_OCI_REF ")\n"
    "  lxc     DIR/NAME.lxc.meta.tar.xz and      lxc-create -t local -- --metadata\n"
    "          DIR/NAME.lxc.rootfs.tar.xz        META --fstree ROOTFS\n"
    "  incus   DIR/NAME.incus.tar.gz (unified),  lxc image import / incus image\n"
    "          DIR/NAME.incus.meta.tar.gz and    import (LXD, Incus)\n"
    "          DIR/NAME.incus.rootfs.tar.gz (split)\n"
    "  -o, --output DIR  where to write (default: the current directory)\n"
    "  --xz-level 1-9    xz preset of the lxc tarballs (default 6; 1 is about 5\n"
    "                    times cheaper in CPU for files about 20% larger)\n"
    "  --json            one object: template, cache_sha256, signer, architecture,\n"
    "                    has_init, outputs[] (format, path, files[] with kind,\n"
    "                    path, size, sha256; oci: ref and digests; incus:\n"
    "                    fingerprint and split_fingerprint)\n"
    "A template without /sbin/init is exported with a warning and marked in\n"
    "every format's metadata (it cannot boot as a system container).\n"
    "Exit codes: 0; 2 usage; 21 unknown format; 91 no such cache; 204 signature\n"
    "or tarball hash wrong; 206 tarball unreadable; 3 writing failed.\n";

int vzpkg_xz_level_opt(const char *arg, int *level)
{
    if (arg[0] < '1' || arg[0] > '9' || arg[1]) {
        vz_error_t err = NULL;
        vz_error_set(&err, VZ_EBADARG, 0, "--xz-level '%s': expected a number from 1 to 9", arg);
        return vz_cli_fail(&err);
    }
    *level = arg[0] - '0';
    return 0;
}

int vzpkg_export_formats_opt(const char *arg, char ***formats)
{
    cleanup_free char *copy = vz_xstrdup(arg);
    char *save = NULL;
    for (char *f = strtok_r(copy, ",", &save); f; f = strtok_r(NULL, ",", &save)) {
        if (!vz_export_format_known(f)) {
            vz_error_t err = NULL;
            vz_error_set(&err, VZ_EBADARG, 0,
                         "--format '%s': expected rootfs, oci, lxc or incus", f);
            return vz_cli_fail(&err);
        }
        if (!vz_strv_contains(*formats, f))
            vz_strv_push(formats, f);
    }
    return 0;
}

static void print_text(json_t *res)
{
    json_t *o;
    size_t i;
    printf("%s: verified (signed by %s), %s, %s\n",
           json_string_value(json_object_get(res, "template")),
           json_string_value(json_object_get(res, "signer")),
           json_string_value(json_object_get(res, "architecture")),
           json_is_true(json_object_get(res, "has_init")) ? "init /sbin/init"
                                                          : "NO INIT (not bootable)");
    json_array_foreach(json_object_get(res, "outputs"), i, o) {
        printf("%s:\n", json_string_value(json_object_get(o, "format")));
        const char *extra[] = { "manifest_digest", "diff_id", "fingerprint", "split_fingerprint" };
        for (size_t k = 0; k < 4; k++)
            if (json_object_get(o, extra[k]))
                printf("  %-17s %s\n", extra[k], json_string_value(json_object_get(o, extra[k])));
        json_t *f;
        size_t j;
        json_array_foreach(json_object_get(o, "files"), j, f)
            printf("  %-10s %s\n    size %lld  sha256 %s\n",
                   json_string_value(json_object_get(f, "kind")),
                   json_string_value(json_object_get(f, "path")),
                   (long long)json_integer_value(json_object_get(f, "size")),
                   json_string_value(json_object_get(f, "sha256")));
    }
}

const struct option vzpkg_export_options[] = {
    VZ_CLI_COMMON_OPTS,
    { "format", required_argument, NULL, OPT_FORMAT },
    { "output", required_argument, NULL, 'o' },
    { "json", no_argument, NULL, VZ_OPT_JSON },
    { "xz-level", required_argument, NULL, OPT_XZ },
    { NULL, 0, NULL, 0 },
};

int vzpkg_export(int argc, char **argv)
{
    const struct option *opts = vzpkg_export_options;
    cleanup_strv char **formats = vz_xcalloc(1, sizeof(char *));
    int xz_level = 0;
    const char *dir = ".";
    bool json = false;
    int c;
    while ((c = vz_cli_getopt(argc, argv, "hqvo:", opts)) != -1) {
        if (vz_cli_common_opt(c, vzpkg_export_usage))
            continue;
        if (c == VZ_OPT_JSON)
            json = true;
        else if (c == 'o')
            dir = optarg;
        else if (c == OPT_XZ) {
            int r = vzpkg_xz_level_opt(optarg, &xz_level);
            if (r)
                return r;
        }
        else if (c == OPT_FORMAT) {
            int r = vzpkg_export_formats_opt(optarg, &formats);
            if (r)
                return r;
        }
    }
    if (optind >= argc)
        return vz_cli_usage_error(vzpkg_export_usage, "export: no template name given");
    if (optind + 1 < argc)
        return vz_cli_usage_error(vzpkg_export_usage, "export: one template at a time");
    if (!formats[0])
        vzpkg_export_formats_opt("rootfs,oci,lxc,incus", &formats);
    vz_error_t err = NULL;
    json_t *res = NULL;
    if (vz_export_with(argv[optind], formats, dir, xz_level, &res, &err) < 0)
        return vz_cli_fail(&err);
    if (json)
        vz_cli_print_json(res);
    else {
        print_text(res);
        json_decref(res);
    }
    return 0;
}
