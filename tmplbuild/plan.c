/* tmplbuild/plan.c: freeing an install plan (plan.h). */
#include "tmplbuild/plan.h"

#include <stdlib.h>

void vz_plan_free(struct vz_plan *p)
{
    if (p == NULL)
        return;
    for (size_t i = 0; i < p->n; i++) {
        struct vz_pkg *k = &p->pkgs[i];
        free(k->name);
        free(k->version);
        free(k->arch);
        free(k->filename);
        free(k->priority);
        free(k->multi_arch);
    }
    free(p->pkgs);
    for (size_t i = 0; i < p->n_repos; i++) {
        free(p->repos[i].name);
        free(p->repos[i].suite);
        free(p->repos[i].date);
    }
    free(p->repos);
    free(p);
}
