/* tests/lib/testrepo_tmpl.c: a struct vz_template for a synthetic repository. */
#include "tests/lib/testrepo.h"

#include <string.h>

static char **strv_copy(const char *const *v)
{
    char **out = vz_xcalloc(1, sizeof(char *)); /* an empty list is a list, not NULL */
    for (size_t i = 0; v && v[i]; i++)
        vz_strv_push(&out, v[i]);
    return out;
}

struct vz_template *vz_testrepo_template(const struct vz_testrepo *r, const char *const *packages,
                                         const char *const *excludes)
{
    struct vz_template *t = vz_xcalloc(1, sizeof(*t));
    t->name = vz_xstrdup("test-1-x86_64-minimal");
    t->distribution = vz_xstrdup("test");
    t->release = vz_xstrdup("1");
    t->codename = vz_xstrdup(r->suite);
    t->family = vz_xstrdup("deb");
    t->arch = vz_xstrdup("x86_64");
    t->distro_arch = vz_xstrdup(r->arch);
    t->variant = vz_xstrdup("minimal");
    t->merged_usr = vz_xstrdup("symlinks");
    t->base_required = true;
    t->source_path = vz_xstrdup("tests/test.yaml");
    t->n_repos = 1;
    t->repos = vz_xcalloc(1, sizeof(*t->repos));
    t->repos[0].name = vz_xstrdup("main");
    vz_strv_push(&t->repos[0].uris, r->url);
    t->repos[0].suite = vz_xstrdup(r->suite);
    vz_strv_push(&t->repos[0].components, r->component);
    t->repos[0].keyring = vz_xstrdup(r->keyring);
    t->packages = strv_copy(packages);
    t->excludes = strv_copy(excludes);
    return t;
}

void vz_testrepo_template_free(struct vz_template *t)
{
    if (t == NULL)
        return;
    for (size_t i = 0; i < t->n_repos; i++) {
        free(t->repos[i].name);
        vz_strv_free(t->repos[i].uris);
        free(t->repos[i].suite);
        vz_strv_free(t->repos[i].components);
        free(t->repos[i].keyring);
    }
    free(t->repos);
    free(t->name);
    free(t->distribution);
    free(t->release);
    free(t->codename);
    free(t->family);
    free(t->arch);
    free(t->distro_arch);
    free(t->variant);
    free(t->summary);
    free(t->description);
    free(t->merged_usr);
    free(t->source_path);
    free(t->script_pre_cache);
    free(t->script_post_install);
    vz_strv_free(t->packages);
    vz_strv_free(t->excludes);
    vz_strv_free(t->environment);
    free(t);
}
