/* metadata/uri.c: mirror URIs as the metadata and the host's apt sources
 * give them. Its own file so that mirror.c and aptsources.c, which both use
 * them, do not call into each other both ways. */
#include "metadata/internal.h"

#include <ctype.h>
#include <string.h>

bool md_is_url(const char *s)
{
    if (!isalpha((unsigned char)*s))
        return false;
    while (isalnum((unsigned char)*s) || *s == '+' || *s == '-' || *s == '.')
        s++;
    return strncmp(s, "://", 3) == 0 && s[3] != '\0';
}

static char *strip_slash(const char *u)
{
    size_t n = strlen(u);
    while (n > 1 && u[n - 1] == '/')
        n--;
    return vz_xasprintf("%.*s", (int)n, u);
}

void md_push_uri(char ***v, const char *u)
{
    cleanup_free char *s = strip_slash(u);
    if (!vz_strv_contains(*v, s))
        vz_strv_push(v, s);
}
