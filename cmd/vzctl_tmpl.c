/* cmd/vzctl_tmpl.c: vzctl_find_template() (cmd/vzctl_tmpl.h). */
#include "cmd/vzctl_tmpl.h"

#include "tmplbuild/download.h"

int vzctl_find_template(const char *name, struct vz_cache_info **cache, vz_error_t *err)
{
    if (vz_cache_find(name, cache, err) == 0)
        return 0;
    if ((*err)->status != VZ_ENOTEMPLATE)
        return -1;
    struct vz_download_opts o = { NULL, false, 0, 0, -1 };
    cleanup_free char *index = vz_download_index_url(&o);
    if (index == NULL)
        return -1; /* the store's message already says how to get the cache */
    vz_error_release(err);
    vz_info("Template %s is not cached: downloading it from %s", name, index);
    int r = vz_download(name, &o, NULL, err);
    if (r < 0)
        return vz_error_wrap(err, "template %s is not cached and its download was refused", name);
    vz_info("Template %s downloaded and verified", name);
    return vz_cache_find(name, cache, err);
}
