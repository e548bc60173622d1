/* vzpkg: build, store and publish OS template caches. */
#include "cmd/cli.h"
#include "cmd/vzpkg.h"

#include <string.h>

static const struct vz_subcommand cmds[] = {
    { "list", vzpkg_list, "list templates known from metadata, and which are cached",
      vzpkg_list_usage, vzpkg_list_options, NULL },
    { "info", vzpkg_info, "show a template's metadata fields",
      vzpkg_info_usage, vzpkg_info_options, NULL },
    { "create-cache", vzpkg_create_cache, "build and store a signed template cache",
      vzpkg_create_cache_usage, vzpkg_create_cache_options, NULL },
    { "update-cache", vzpkg_update_cache, "bring a cache up to date (a no-op when nothing changed)",
      vzpkg_update_cache_usage, vzpkg_update_cache_options, NULL },
    { "status", vzpkg_status, "exit 0 when a cache is current, 2 when updates are available",
      vzpkg_status_usage, vzpkg_status_options, NULL },
    { "fetch", vzpkg_fetch, "download a template's packages only",
      vzpkg_fetch_usage, vzpkg_fetch_options, NULL },
    { "remove-cache", vzpkg_remove_cache, "remove template caches",
      vzpkg_remove_cache_usage, vzpkg_remove_cache_options, NULL },
    { "verify", vzpkg_verify, "check cache signatures and hashes",
      vzpkg_verify_usage, vzpkg_verify_options, NULL },
    { "clean", vzpkg_clean, "garbage-collect the package cache and unused shared trees",
      vzpkg_clean_usage, vzpkg_clean_options, NULL },
    { "keygen", vzpkg_keygen, "create the signing key pair",
      vzpkg_keygen_usage, vzpkg_keygen_options, NULL },
    { "trust", vzpkg_trust, "manage trusted public keys (add, list, remove)",
      vzpkg_trust_usage, vzpkg_trust_options, NULL },
    { "import", vzpkg_import, "turn a root file-system tarball into a signed cache",
      vzpkg_import_usage, vzpkg_import_options, NULL },
    { "publish", vzpkg_publish, "write caches and a signed index into a directory",
      vzpkg_publish_usage, vzpkg_publish_options, NULL },
    { "download", vzpkg_download, "fetch a cache from a published index",
      vzpkg_download_usage, vzpkg_download_options, NULL },
    { "export", vzpkg_export, "write a cache as OCI, LXC, Incus/LXD images or a rootfs tarball",
      vzpkg_export_usage, vzpkg_export_options, NULL },
    { NULL, NULL, NULL, NULL, NULL, NULL },
};

/* Virtuozzo's two-word forms ("vzpkg create cache NAME", "update cache",
 * "remove cache") are the hyphenated commands: argv is rewritten in place,
 * one word shorter. */
static int two_words(int argc, char **argv)
{
    static char joined[3][16] = { "create-cache", "update-cache", "remove-cache" };
    int i = 1;
    while (i < argc && argv[i][0] == '-' && strcmp(argv[i], "--help") && strcmp(argv[i], "-h"))
        i++; /* global -q/-v */
    if (i + 1 >= argc || strcmp(argv[i + 1], "cache") != 0)
        return argc;
    for (size_t k = 0; k < 3; k++)
        if (strncmp(argv[i], joined[k], strlen(argv[i])) == 0 && joined[k][strlen(argv[i])] == '-') {
            argv[i] = joined[k];
            memmove(&argv[i + 1], &argv[i + 2], (size_t)(argc - i - 1) * sizeof(*argv)); /* with the NULL */
            return argc - 1;
        }
    return argc;
}

int main(int argc, char **argv)
{
    argc = two_words(argc, argv);
    return vz_cli_dispatch("vzpkg", "Usage: vzpkg [-q|-v] COMMAND [OPTIONS] [ARGS]\n", cmds, argc, argv);
}
