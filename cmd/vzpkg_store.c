/* vzpkg_store.c: keygen, trust, verify, remove-cache, clean, import. */
#include <string.h>

#include "cache/clean.h"
#include "cache/lock.h"
#include "cache/sign.h"
#include "cache/store.h"
#include "cmd/cli.h"
#include "cmd/tmpl_hint.h"
#include "cmd/vzpkg.h"
#include "tmplbuild/import.h"
#include "vpscore/ctconf.h"
#include "vpscore/ctlist.h"

enum { OPT_FORCE = 0x1100, OPT_TIMEOUT, OPT_ALL, OPT_DRYRUN, OPT_NAME, OPT_COMPRESS, OPT_MAX_SIZE };

/* ---- keygen ---- */

const char vzpkg_keygen_usage[] =
    "Usage: vzpkg keygen [--force] [--json]\n"
    "Create this host's Ed25519 signing key pair in $VZ_ROOT/etc/vz/keys/\n"
    "(signing.key, mode 0600, and signing.pub). Refuses to replace an existing\n"
    "pair unless --force. Other hosts trust this host's caches after\n"
    "'vzpkg trust add' of a copy of signing.pub.\n";

const struct option vzpkg_keygen_options[] = {
    VZ_CLI_COMMON_OPTS,
    { "force", no_argument, NULL, OPT_FORCE },
    { "json", no_argument, NULL, VZ_OPT_JSON },
    { NULL, 0, NULL, 0 },
};

int vzpkg_keygen(int argc, char **argv)
{
    const struct option *opts = vzpkg_keygen_options;
    bool force = false, json = false;
    int c;
    while ((c = vz_cli_getopt(argc, argv, "hqv", opts)) != -1) {
        if (vz_cli_common_opt(c, vzpkg_keygen_usage))
            continue;
        if (c == OPT_FORCE)
            force = true;
        else if (c == VZ_OPT_JSON)
            json = true;
    }
    if (optind != argc)
        return vz_cli_usage_error(vzpkg_keygen_usage, "keygen takes no arguments");
    vz_error_t err = NULL;
    char id[VZ_KEYID_LEN + 1];
    if (vz_key_generate(force, id, &err) < 0)
        return vz_cli_fail(&err);
    cleanup_free char *priv = vz_key_private_path(), *pub = vz_key_public_path();
    if (json) {
        vz_cli_print_json(json_pack("{s:s, s:s, s:s}", "key_id", id, "private_key", priv,
                                    "public_key", pub));
    } else {
        printf("key ID %s\n  private key %s (mode 0600)\n  public key  %s\n", id, priv, pub);
    }
    return 0;
}

/* ---- trust ---- */

const char vzpkg_trust_usage[] =
    "Usage: vzpkg trust add KEYFILE [--json]\n"
    "       vzpkg trust list [--json]\n"
    "       vzpkg trust remove ID [--json]\n"
    "Manage the public keys whose signatures on caches and indexes are accepted\n"
    "($VZ_ROOT/etc/vz/keys/trusted/). The host's own key is always trusted.\n";

const struct option vzpkg_trust_options[] = {
    VZ_CLI_COMMON_OPTS,
    { "json", no_argument, NULL, VZ_OPT_JSON },
    { NULL, 0, NULL, 0 },
};

int vzpkg_trust(int argc, char **argv)
{
    const struct option *opts = vzpkg_trust_options;
    bool json = false;
    int c;
    while ((c = vz_cli_getopt(argc, argv, "hqv", opts)) != -1) {
        if (vz_cli_common_opt(c, vzpkg_trust_usage))
            continue;
        if (c == VZ_OPT_JSON)
            json = true;
    }
    if (optind >= argc)
        return vz_cli_usage_error(vzpkg_trust_usage, "trust: missing action (add, list, remove)");
    const char *act = argv[optind];
    int nargs = argc - optind - 1;
    vz_error_t err = NULL;
    if (!strcmp(act, "add")) {
        if (nargs != 1)
            return vz_cli_usage_error(vzpkg_trust_usage, "trust add: expected one KEYFILE");
        char id[VZ_KEYID_LEN + 1];
        if (vz_trust_add(argv[optind + 1], id, &err) < 0)
            return vz_cli_fail(&err);
        if (json)
            vz_cli_print_json(json_pack("{s:s}", "key_id", id));
        else
            printf("trusted key %s (from %s)\n", id, argv[optind + 1]);
        return 0;
    }
    if (!strcmp(act, "remove")) {
        if (nargs != 1)
            return vz_cli_usage_error(vzpkg_trust_usage, "trust remove: expected one key ID");
        if (vz_trust_remove(argv[optind + 1], &err) < 0)
            return vz_cli_fail(&err);
        if (json)
            vz_cli_print_json(json_pack("{s:s}", "key_id", argv[optind + 1]));
        else
            printf("no longer trusted: %s\n", argv[optind + 1]);
        return 0;
    }
    if (!strcmp(act, "list")) {
        if (nargs != 0)
            return vz_cli_usage_error(vzpkg_trust_usage, "trust list takes no arguments");
        struct vz_trusted_key *k = NULL;
        size_t n = 0;
        if (vz_trust_list(&k, &n, &err) < 0)
            return vz_cli_fail(&err);
        json_t *a = json ? json_array() : NULL;
        for (size_t i = 0; i < n; i++) {
            if (json)
                json_array_append_new(a, json_pack("{s:s, s:s, s:b}", "key_id", k[i].id, "file",
                                                   k[i].path, "own", k[i].own));
            else
                printf("%s  %s%s\n", k[i].id, k[i].path, k[i].own ? "  (own key)" : "");
        }
        if (json)
            vz_cli_print_json(a);
        vz_trust_list_free(k, n);
        return 0;
    }
    return vz_cli_usage_error(vzpkg_trust_usage, "trust: unknown action '%s'", act);
}

/* ---- verify ---- */

const char vzpkg_verify_usage[] =
    "Usage: vzpkg verify [NAME...] [--json]\n"
    "Check each cache (all when no NAME is given): the manifest's signature\n"
    "against the trusted keys, and the tarball's size and sha256 against the\n"
    "manifest. Exit 0 when all are good, else the status of the first failure\n"
    "(204 verification, 206 corrupt, 91 not found).\n";

const struct option vzpkg_verify_options[] = {
    VZ_CLI_COMMON_OPTS,
    { "json", no_argument, NULL, VZ_OPT_JSON },
    { NULL, 0, NULL, 0 },
};

int vzpkg_verify(int argc, char **argv)
{
    const struct option *opts = vzpkg_verify_options;
    bool json = false;
    int c;
    while ((c = vz_cli_getopt(argc, argv, "hqv", opts)) != -1) {
        if (vz_cli_common_opt(c, vzpkg_verify_usage))
            continue;
        if (c == VZ_OPT_JSON)
            json = true;
    }
    vz_error_t err = NULL;
    char **names = NULL;
    if (optind < argc) {
        names = vz_xcalloc(1, sizeof(char *));
        for (int i = optind; i < argc; i++)
            vz_strv_push(&names, argv[i]);
    } else if (vz_cache_list(&names, &err) < 0) {
        return vz_cli_fail(&err);
    }
    int status = 0;
    json_t *a = json ? json_array() : NULL;
    for (char **n = names; *n; n++) {
        char signer[VZ_KEYID_LEN + 1] = "";
        int r = vz_cache_verify(*n, signer, &err);
        if (r < 0)
            vz_cli_template_hint(*n, &err);
        if (json) {
            json_array_append_new(a, json_pack("{s:s, s:b, s:s?, s:s?}", "name", *n, "ok", r == 0,
                                               "signer", r == 0 ? signer : NULL, "error",
                                               r == 0 ? NULL : err->msg));
        } else if (r == 0) {
            printf("%s: OK (signed by %s)\n", *n, signer);
        } else {
            printf("%s: FAILED: %s\n", *n, err->msg);
        }
        if (r < 0) {
            if (!status)
                status = err->status;
            if (json) /* the text form says it on stdout; --json on stderr too */
                vz_cli_fail(&err);
            vz_error_release(&err);
        }
    }
    if (json)
        vz_cli_print_json(a);
    else if (!names[0])
        printf("no caches\n");
    vz_strv_free(names);
    return status;
}

/* ---- remove-cache ---- */

const char vzpkg_remove_cache_usage[] =
    "Usage: vzpkg remove-cache NAME... [--timeout SECONDS] [--json]\n"
    "Remove template caches (tarball, manifest and signature). Waits for a\n"
    "running build of the same template (at most --timeout seconds). Every NAME\n"
    "is tried; the exit code is that of the first failure.\n"
    "  --json  an array, one object per NAME: name, removed (boolean), error\n"
    "          (the message, or null)\n";

static int parse_timeout(int *timeout, const char *usage)
{
    vz_error_t err = NULL;
    if (vz_lock_parse_timeout(optarg, timeout, &err) < 0) {
        vz_error_report(vz_log_prog, &err);
        fputs(usage, stderr);
        return -1;
    }
    return 0;
}

const struct option vzpkg_remove_cache_options[] = {
    VZ_CLI_COMMON_OPTS,
    { "timeout", required_argument, NULL, OPT_TIMEOUT },
    { "json", no_argument, NULL, VZ_OPT_JSON },
    { NULL, 0, NULL, 0 },
};

int vzpkg_remove_cache(int argc, char **argv)
{
    const struct option *opts = vzpkg_remove_cache_options;
    int timeout = -1, c;
    bool json = false;
    while ((c = vz_cli_getopt(argc, argv, "hqv", opts)) != -1) {
        if (vz_cli_common_opt(c, vzpkg_remove_cache_usage))
            continue;
        if (c == VZ_OPT_JSON)
            json = true;
        else if (c == OPT_TIMEOUT && parse_timeout(&timeout, vzpkg_remove_cache_usage) < 0)
            return VZ_EBADARG;
    }
    if (optind >= argc)
        return vz_cli_usage_error(vzpkg_remove_cache_usage, "remove-cache: no template name given");
    int status = 0;
    json_t *a = json ? json_array() : NULL;
    for (int i = optind; i < argc; i++) {
        vz_error_t err = NULL;
        if (vz_cache_remove(argv[i], timeout, &err) < 0) {
            if (a)
                json_array_append_new(a, json_pack("{s:s, s:b, s:s}", "name", argv[i], "removed",
                                                   0, "error", err->msg));
            int s = vz_cli_fail(&err);
            if (!status)
                status = s;
            continue;
        }
        if (a)
            json_array_append_new(a, json_pack("{s:s, s:b, s:n}", "name", argv[i], "removed", 1,
                                               "error"));
        vz_info("removed cache %s", argv[i]);
    }
    if (a)
        vz_cli_print_json(a);
    return status;
}

/* ---- clean ---- */

const char vzpkg_clean_usage[] =
    "Usage: vzpkg clean [--all] [--dry-run] [--timeout SECONDS] [--json]\n"
    "Garbage-collect the package cache: remove the packages no current cache's\n"
    "manifest lists (with --all: every package) and partial downloads; and the\n"
    "shared overlay trees (template/unpacked/NAME-SHA256) that no container's\n"
    "VE_LOWERDIR names and that are not the tree of a current cache (never one a\n"
    "running vzctl create holds). Prints what was freed; --dry-run only says it.\n";

const struct option vzpkg_clean_options[] = {
    VZ_CLI_COMMON_OPTS,
    { "all", no_argument, NULL, OPT_ALL },
    { "dry-run", no_argument, NULL, OPT_DRYRUN },
    { "timeout", required_argument, NULL, OPT_TIMEOUT },
    { "json", no_argument, NULL, VZ_OPT_JSON },
    { NULL, 0, NULL, 0 },
};

int vzpkg_clean(int argc, char **argv)
{
    const struct option *opts = vzpkg_clean_options;
    bool all = false, dry = false, json = false;
    int timeout = -1, c;
    while ((c = vz_cli_getopt(argc, argv, "hqv", opts)) != -1) {
        if (vz_cli_common_opt(c, vzpkg_clean_usage))
            continue;
        if (c == OPT_ALL)
            all = true;
        else if (c == OPT_DRYRUN)
            dry = true;
        else if (c == VZ_OPT_JSON)
            json = true;
        else if (c == OPT_TIMEOUT && parse_timeout(&timeout, vzpkg_clean_usage) < 0)
            return VZ_EBADARG;
    }
    if (optind != argc)
        return vz_cli_usage_error(vzpkg_clean_usage, "clean takes no arguments");
    vz_error_t err = NULL;
    struct vz_gc_result res;
    if (vz_pkgcache_gc(all, dry, timeout, &res, &err) < 0) {
        vz_gc_result_release(&res);
        return vz_cli_fail(&err);
    }
    struct vz_gc_result trees;
    if (vz_tree_gc(dry, vz_ct_trees_in_use, &trees, &err) < 0) {
        vz_gc_result_release(&res);
        vz_gc_result_release(&trees);
        return vz_cli_fail(&err);
    }
    if (json) {
        json_t *rm = json_array(), *trm = json_array();
        for (char **n = res.removed; *n; n++)
            json_array_append_new(rm, json_string(*n));
        for (char **n = trees.removed; *n; n++)
            json_array_append_new(trm, json_string(*n));
        json_t *tj = json_pack("{s:o, s:I, s:I, s:I, s:I}", "removed", trm, "removed_trees",
                               (json_int_t)trees.removed_files, "removed_bytes",
                               (json_int_t)trees.removed_bytes, "kept_trees",
                               (json_int_t)trees.kept_files, "kept_bytes", (json_int_t)trees.kept_bytes);
        vz_cli_print_json(json_pack("{s:o, s:I, s:I, s:I, s:I, s:b, s:o}", "removed", rm,
                                    "removed_files", (json_int_t)res.removed_files,
                                    "removed_bytes", (json_int_t)res.removed_bytes, "kept_files",
                                    (json_int_t)res.kept_files, "kept_bytes",
                                    (json_int_t)res.kept_bytes, "dry_run", dry, "trees", tj));
    } else {
        for (char **n = res.removed; *n; n++)
            vz_debug("%s %s", dry ? "would remove" : "removed", *n);
        char b1[16], b2[16];
        printf("%s %llu files, %s; kept %llu files, %s\n", dry ? "would free" : "freed",
               (unsigned long long)res.removed_files, vz_human_bytes(res.removed_bytes, b1),
               (unsigned long long)res.kept_files, vz_human_bytes(res.kept_bytes, b2));
        for (char **n = trees.removed; *n; n++)
            vz_info("%s shared tree %s", dry ? "would remove" : "removed", *n);
        if (trees.removed_files || trees.kept_files)
            printf("%s %llu shared trees, %s; kept %llu shared trees, %s\n",
                   dry ? "would free" : "freed", (unsigned long long)trees.removed_files,
                   vz_human_bytes(trees.removed_bytes, b1), (unsigned long long)trees.kept_files,
                   vz_human_bytes(trees.kept_bytes, b2));
    }
    vz_gc_result_release(&res);
    vz_gc_result_release(&trees);
    return 0;
}

/* ---- import ---- */

const char vzpkg_import_usage[] =
    "Usage: vzpkg import FILE --name NAME [--compress zst|gz|xz] [--max-size SIZE]\n"
    "                    [--timeout SECONDS] [--json]\n"
    "Turn a root file-system tarball made elsewhere (mmdebstrap, debootstrap + tar,\n"
    "an LXC image) into a signed cache NAME, with a manifest listing the packages\n"
    "of its var/lib/dpkg/status. Archives with entries that escape the root\n"
    "(absolute paths, '..', paths through symbolic links) are refused; device\n"
    "nodes are dropped (with a warning); sparse files stay sparse.\n"
    "SOURCE_DATE_EPOCH, when set, clamps the repacked mtimes.\n"
    "  --max-size SIZE  refuse an archive whose files add up to more than SIZE\n"
    "                   (apparent sizes, holes of sparse files included; 512M,\n"
    "                   20G, 1T or unlimited; default 64G)\n"
    "  --json  an object: name, source, tarball, entries, tar_size, tar_sha256\n";

/* --max-size SIZE: as vzctl's sizes (512M, 20G); "unlimited" = no bound. */
static int parse_max_size(uint64_t *out, const char *usage)
{
    int64_t b = 0;
    if (vz_parse_size(optarg, &b) < 0 || b == 0) {
        vz_cli_usage_error(usage, "--max-size '%s': want a size such as 512M or 20G, or unlimited",
                           optarg);
        return -1;
    }
    *out = b < 0 ? 0 : (uint64_t)b;
    return 0;
}

const struct option vzpkg_import_options[] = {
    VZ_CLI_COMMON_OPTS,
    { "name", required_argument, NULL, OPT_NAME },
    { "compress", required_argument, NULL, OPT_COMPRESS },
    { "max-size", required_argument, NULL, OPT_MAX_SIZE },
    { "timeout", required_argument, NULL, OPT_TIMEOUT },
    { "json", no_argument, NULL, VZ_OPT_JSON },
    { NULL, 0, NULL, 0 },
};

int vzpkg_import(int argc, char **argv)
{
    const struct option *opts = vzpkg_import_options;
    const char *name = NULL;
    uint64_t max_size = VZ_IMPORT_MAX_SIZE_DEFAULT;
    struct vz_pack_opts po = VZ_PACK_OPTS_INIT;
    int timeout = -1, c;
    bool json = false;
    while ((c = vz_cli_getopt(argc, argv, "hqv", opts)) != -1) {
        if (vz_cli_common_opt(c, vzpkg_import_usage))
            continue;
        if (c == VZ_OPT_JSON)
            json = true;
        else if (c == OPT_NAME)
            name = optarg;
        else if (c == OPT_COMPRESS)
            po.compress = optarg;
        else if (c == OPT_MAX_SIZE && parse_max_size(&max_size, vzpkg_import_usage) < 0)
            return VZ_EBADARG;
        else if (c == OPT_TIMEOUT && parse_timeout(&timeout, vzpkg_import_usage) < 0)
            return VZ_EBADARG;
    }
    if (optind + 1 != argc)
        return vz_cli_usage_error(vzpkg_import_usage, "import: expected one FILE");
    if (!name)
        return vz_cli_usage_error(vzpkg_import_usage, "import: --name NAME is required");
    vz_error_t err = NULL;
    struct vz_pack_result res;
    if (vz_import_tarball_limited(argv[optind], name, &po, timeout, max_size, &res, NULL, &err) < 0)
        return vz_cli_fail(&err);
    if (json) {
        struct vz_cache_info *ci = NULL;
        if (vz_cache_find(name, &ci, &err) < 0)
            return vz_cli_fail(&err);
        vz_cli_print_json(json_pack("{s:s, s:s, s:s, s:I, s:I, s:s}", "name", name, "source",
                                    argv[optind], "tarball", ci->tarball, "entries",
                                    (json_int_t)res.entries, "tar_size", (json_int_t)res.size,
                                    "tar_sha256", res.sha256));
        vz_cache_info_free(ci);
        return 0;
    }
    char b[16];
    printf("imported %s as cache %s: %llu entries, %s, sha256 %s\n", argv[optind], name,
           (unsigned long long)res.entries, vz_human_bytes(res.size, b), res.sha256);
    return 0;
}
