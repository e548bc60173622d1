/* cmd/tmpl_hint.c: vz_cli_template_hint() (cmd/tmpl_hint.h). */
#include "cmd/tmpl_hint.h"

#include "cache/store.h"
#include "metadata/metadata.h"

#include <string.h>

void vz_cli_template_hint(const char *name, vz_error_t *err)
{
    if (*err == NULL || (*err)->status != VZ_ENOTEMPLATE)
        return;
    cleanup_free char *dropped = vz_cache_unadopted(name);
    if (dropped)
        return;
    struct vz_metadata_opts mopts = { .skip_mirrors = true };
    struct vz_template_entry *e = NULL;
    size_t ne = 0;
    vz_error_t lerr = NULL;
    if (vz_template_list(&mopts, &e, &ne, &lerr) < 0)
        vz_error_release(&lerr);
    char **names = vz_xcalloc(1, sizeof(char *));
    bool known = false;
    for (size_t i = 0; i < ne; i++) {
        known |= strcmp(e[i].name, name) == 0;
        vz_strv_push(&names, e[i].name);
    }
    vz_template_list_free(e, ne);
    char **more[2] = { NULL, NULL };
    if (vz_cache_list(&more[0], &lerr) < 0)
        vz_error_release(&lerr);
    if (vz_cache_list_unadopted(&more[1], &lerr) < 0)
        vz_error_release(&lerr);
    for (size_t k = 0; k < 2; k++)
        for (char **p = more[k]; p && *p; p++)
            vz_strv_push(&names, *p);
    vz_strv_free(more[0]);
    vz_strv_free(more[1]);
    if (!known) {
        const char *sug = vz_metadata_suggest(name, (const char *const *)names, vz_strv_len(names));
        cleanup_free char *why = sug ? vz_xasprintf("did you mean '%s'?", sug)
                                     : vz_xstrdup("'vzpkg list' shows the known ones");
        vz_error_release(err);
        vz_error_set(err, VZ_ENOTEMPLATE, 0, "unknown template '%s': no cache and no metadata define it (%s)",
                     name, why);
    }
    vz_strv_free(names);
}
