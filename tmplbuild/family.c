/* tmplbuild/family.c: the list of package families and the one lookup (family.h). */
#include <string.h>

#include "tmplbuild/family.h"

/* One line per family: its table lives in its own files. */
static const struct vz_family *const families[] = {
    &vz_family_deb,
    &vz_family_rpm,
    NULL,
};

const struct vz_family *const *vz_families(void)
{
    return families;
}

const struct vz_family *vz_family_of(const struct vz_template *t, vz_error_t *err)
{
    for (const struct vz_family *const *f = families; *f; f++)
        if (t->family && strcmp((*f)->name, t->family) == 0)
            return *f;
    struct vz_buf known = VZ_BUF_INIT;
    vz_buf_init(&known);
    for (const struct vz_family *const *f = families; *f; f++)
        vz_buf_addf(&known, "%s%s", f == families ? "" : ", ", (*f)->name);
    vz_error_set(err, VZ_EMETADATA, 0,
                 "%s: field 'family': this vzforge cannot build family '%s' (it builds: %s)",
                 t->source_path ? t->source_path : t->name, t->family ? t->family : "",
                 known.data);
    vz_buf_release(&known);
    return NULL;
}

void vz_env_put(char ***env, const char *kv)
{
    size_t klen = strcspn(kv, "=");
    for (char **e = *env; e && *e; e++)
        if (strncmp(*e, kv, klen) == 0 && (*e)[klen] == '=') {
            free(*e);
            *e = vz_xstrdup(kv);
            return;
        }
    vz_strv_push(env, kv);
}
