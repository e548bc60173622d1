/* vzpkg: build, store and publish OS template caches. */
#include "cmd/cli.h"
#include "cmd/vzpkg.h"

#include <string.h>

static const struct vz_subcommand cmds[] = {
    { "list", vzpkg_list, "list templates known from metadata, and which are cached" },
    { "info", vzpkg_info, "show a template's metadata fields" },
    { "create-cache", vzpkg_create_cache, "build and store a signed template cache" },
    { "update-cache", vzpkg_update_cache, "bring a cache up to date (a no-op when nothing changed)" },
    { "status", vzpkg_status, "exit 0 when a cache is current, 2 when updates are available" },
    { "fetch", vzpkg_fetch, "download a template's packages only" },
    { "remove-cache", vzpkg_remove_cache, "remove template caches" },
    { "verify", vzpkg_verify, "check cache signatures and hashes" },
    { "clean", vzpkg_clean, "garbage-collect the package cache and unused shared trees" },
    { "keygen", vzpkg_keygen, "create the signing key pair" },
    { "trust", vzpkg_trust, "manage trusted public keys (add, list, remove)" },
    { "import", vzpkg_import, "turn a root file-system tarball into a signed cache" },
    { "publish", vzpkg_publish, "write caches and a signed index into a directory" },
    { "download", vzpkg_download, "fetch a cache from a published index" },
    { NULL, NULL, NULL },
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
