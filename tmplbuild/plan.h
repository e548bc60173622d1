/* tmplbuild/plan.h: the resolved install plan, shared by every builder stage.
 *
 * resolve produces it; fetch downloads its packages into the package cache;
 * unpack/deb installs them; pack records it in the manifest. Packages are in
 * install order (libsolv's transaction order: dependencies, and Pre-Depends
 * in particular, before their dependents).
 */
#ifndef VZ_TMPLBUILD_PLAN_H
#define VZ_TMPLBUILD_PLAN_H

#include <stdbool.h>
#include <stdint.h>

#include "metadata/metadata.h"

struct vz_pkg {
    char *name;
    char *version;
    char *arch;            /* "amd64" or "all" */
    char *filename;        /* path relative to the repository URI: pool/main/a/apt/apt_2.6.1_amd64.deb */
    char sha256[65];       /* from the verified index */
    uint64_t size;         /* download size in bytes */
    uint64_t installed_size; /* bytes (Installed-Size x 1024) */
    bool essential;
    char *priority;        /* "required", "important", ... or NULL */
    char *multi_arch;      /* "same", "foreign", "allowed" or NULL */
    const struct vz_repo_def *repo; /* where it comes from (mirror list for fail-over) */
};

/* What the manifest records about each repository's state. */
struct vz_repo_state {
    char *name;            /* vz_repo_def.name */
    char *suite;
    char *date;            /* Release "Date:" */
    char release_sha256[65]; /* of the verified (In)Release file */
};

struct vz_plan {
    struct vz_pkg *pkgs;
    size_t n;
    uint64_t total_size;
    uint64_t total_installed_size;
    struct vz_repo_state *repos;
    size_t n_repos;
};

void vz_plan_free(struct vz_plan *p);  /* frees contents and p itself; NULL-safe */

#endif
