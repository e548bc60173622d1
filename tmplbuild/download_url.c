/* tmplbuild/download_url.c: vz_download_index_url() (download.h). Apart from
 * download.c so that vzctl can name the index without linking the
 * HTTP client: it runs `vzpkg download` for the download itself. */
#include "tmplbuild/download.h"

#include <string.h>

char *vz_download_index_url(const struct vz_download_opts *o)
{
    const char *u = o && o->index_url ? o->index_url : vz_conf_get(vz_global_conf(), "INDEX_URL");
    if (!u || !*u)
        return NULL;
    if (vz_str_ends_with(u, "/index.json"))
        return vz_xstrdup(u);
    size_t n = strlen(u);
    return vz_xasprintf("%.*s/index.json", (int)(n && u[n - 1] == '/' ? n - 1 : n), u);
}
