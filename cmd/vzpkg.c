/* vzpkg: build, store and publish OS template caches. */
#include "cmd/cli.h"
#include "cmd/vzpkg.h"

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

int main(int argc, char **argv)
{
    return vz_cli_dispatch("vzpkg", "Usage: vzpkg [-q|-v] COMMAND [OPTIONS] [ARGS]\n", cmds, argc, argv);
}
