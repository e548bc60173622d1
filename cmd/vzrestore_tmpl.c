/* cmd/vzrestore_tmpl.c: the template build an overlay archive stands on,
 * found, downloaded or landed from the archive itself (vzdump --full). */
#include "cmd/cli.h"
#include "cmd/vzctl_tmpl.h"

#include "cmd/vzrestore.h"

#include <string.h>

int vzrestore_template(const char *archive, const struct vz_dump_info *info, struct vz_cache_info **cache,
                       vz_error_t *err)
{
    *cache = NULL;
    if (strcmp(info->layout, "overlay") != 0)
        return 0; /* a plain private area is the whole tree */
    vz_error_t e = NULL;
    if (vz_cache_find(info->ostemplate, cache, &e) < 0) {
        if (e->status != VZ_ENOTEMPLATE) {
            *err = e;
            return -1;
        }
        vz_error_release(&e);
        if (info->full) {
            if (vz_dump_land_template(archive, info, err) < 0)
                return -1;
            vz_info("Template %s landed from the archive (signature verified)", info->ostemplate);
        }
        if (vzctl_find_template(info->ostemplate, cache, err) < 0) /* downloads it when INDEX_URL is set */
            return vz_error_wrap(err, "the archive's template");
    }
    if (vz_cache_verify_signature(*cache, err) < 0) {
        vz_cache_info_free(*cache);
        *cache = NULL;
        return -1;
    }
    return 0;
}
