/* metadata/keyring.c: where a repository's keyring file is (internal.h).
 *
 * Distributions whose archive key no Debian package ships (Ubuntu's is in
 * ubuntu-keyring, but a build host need not have it) keep the key in the
 * vzforge tree next to their distro file: distros/keys/. A relative keyring
 * therefore names a file relative to the directory of the YAML file that
 * says it, so the shipped files work wherever they are installed, and a local
 * override in $VZ_ROOT/etc/vz/distros/ finds its own keys/ beside it. The
 * schema refuses ".." (schema.c): a distro file names a key below itself. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "metadata/internal.h"

char *md_yaml_dir(const char *yaml_path)
{
    const char *slash = strrchr(yaml_path, '/');
    char *dir = slash == yaml_path ? vz_xstrdup("/")
              : slash ? vz_xasprintf("%.*s", (int)(slash - yaml_path), yaml_path) : vz_xstrdup(".");
    if (dir[0] != '/') {
        /* gpgv runs long after loading, maybe from another directory */
        cleanup_free char *cwd = getcwd(NULL, 0);
        if (cwd) {
            char *abs = strcmp(dir, ".") == 0 ? vz_xstrdup(cwd) : vz_path_join(cwd, dir);
            free(dir);
            dir = abs;
        }
    }
    return dir;
}

char *md_keyring_path(const char *yaml_path, const char *keyring)
{
    if (keyring[0] == '/')
        return vz_xstrdup(keyring);
    cleanup_free char *dir = md_yaml_dir(yaml_path);
    return vz_path_join(dir, keyring);
}
