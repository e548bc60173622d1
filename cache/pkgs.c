/* cache/pkgs.c: the content-addressed package cache (see cache/pkgs.h). */
#include "cache/pkgs.h"

#include <string.h>

static int valid_hex(const char *h)
{
    if (h == NULL || strlen(h) != VZ_SHA256_HEX_LEN)
        return 0;
    for (const char *c = h; *c; c++)
        if (!((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'f')))
            return 0;
    return 1;
}

char *vz_pkgcache_path(const char *sha256hex)
{
    cleanup_free char *dir = vz_template_path("pkgs");
    /* A malformed digest cannot name a cache entry; give it a name that can
     * never exist rather than letting "../x" escape the directory. */
    return vz_path_join(dir, valid_hex(sha256hex) ? sha256hex : "invalid-sha256");
}

int vz_pkgcache_init(vz_error_t *err)
{
    cleanup_free char *dir = vz_template_path("pkgs");
    if (vz_mkdir_p(dir, 0755, err) < 0)
        return vz_error_wrap(err, "package cache");
    return 0;
}

int vz_pkgcache_has(const char *sha256hex)
{
    if (!valid_hex(sha256hex))
        return 0;
    cleanup_free char *p = vz_pkgcache_path(sha256hex);
    return vz_file_exists(p);
}

bool vz_pkgcache_recoded_name(const char *name, char sha[65])
{
    size_t n = strlen(name), sl = strlen(VZ_PKGCACHE_RECODED);
    if (n != VZ_SHA256_HEX_LEN + sl || strcmp(name + VZ_SHA256_HEX_LEN, VZ_PKGCACHE_RECODED) != 0)
        return false;
    memcpy(sha, name, VZ_SHA256_HEX_LEN);
    sha[VZ_SHA256_HEX_LEN] = '\0';
    return valid_hex(sha) != 0;
}
