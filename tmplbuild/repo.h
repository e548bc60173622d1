/* tmplbuild/repo.h: verified repository indexes, loaded into a libsolv pool.
 *
 * For each repository of a template, vz_repo_load() fetches
 * dists/SUITE/InRelease (falling back to Release + Release.gpg), verifies the
 * OpenPGP signature with gpgv against the keyring the template names, checks
 * Valid-Until, then for each component fetches the Packages index that
 * Release lists (.xz, else .gz, else plain), which tmplbuild/fetch verifies
 * against Release's size and sha256. docs/repositories.md explains why.
 *
 * Verified files are kept under REPODATA/<name>-<suite>-<urlhash>/ with the
 * sha256 of the fetched (In)Release file as their prefix, next to a parsed
 * libsolv copy (<sha>-<component>-<arch>.solv, written atomically). When the
 * Release is unchanged the .solv is loaded and the index is not downloaded.
 * Files of older Releases are removed once a new one verified.
 *
 * Every libsolv Repo added has repo->appdata pointing at its vz_repo_def (the
 * template must outlive the pool). Besides what libsolv's Debian parser keeps,
 * each solvable carries, through the .solv as well:
 *   VZ_KEY_PRIORITY  (pool string: "required", "important", ...)
 *   VZ_KEY_ESSENTIAL (void: present when Essential: yes)
 *   SOLVABLE_DOWNLOADSIZE (the index's Size:)
 * read with vz_repo_priority(), vz_repo_essential(), vz_repo_size().
 *
 * Errors name the repository ("repository main: ...") and the URL or file.
 * Signature problems and checksum mismatches have status VZ_EVERIFY.
 */
#ifndef VZ_TMPLBUILD_REPO_H
#define VZ_TMPLBUILD_REPO_H

#include <stdbool.h>
#include <time.h>

#include <solv/pool.h>
#include <solv/repo.h>

#include "metadata/metadata.h"
#include "tmplbuild/fetch.h"
#include "tmplbuild/plan.h"

#define VZ_KEY_PRIORITY  "vzforge:priority"
#define VZ_KEY_ESSENTIAL "vzforge:essential"

struct vz_repo_opts {
    const char *repodata_dir; /* NULL = vz_template_path("repodata") */
    bool allow_expired;       /* accept a Release whose Valid-Until has passed */
    time_t now;               /* 0 = time(NULL) (tests pin it) */
    const struct vz_fetch_opts *fetch; /* retries, timeouts for index downloads; NULL = defaults */
};

/* What one call did, for tests and --verbose. */
struct vz_repo_stats {
    unsigned index_downloads; /* Packages files fetched */
    unsigned solv_loads;      /* components loaded from a .solv copy */
    unsigned parses;          /* components parsed from the index */
};

/* Load every repository (and component) of t into pool, whose arch and
 * disttype the caller set. On success *states (n = t->n_repos) describes each
 * repository's Release, owned by the caller (vz_repo_states_free). stats may
 * be NULL. On failure nothing is added to *states; repos already added to the
 * pool stay (the caller frees the pool). */
int vz_repo_load(Pool *pool, const struct vz_template *t, const struct vz_repo_opts *opts,
                 struct vz_repo_state **states, struct vz_repo_stats *stats, vz_error_t *err);
void vz_repo_states_free(struct vz_repo_state *s, size_t n);

/* Per-solvable data (see above). priority is NULL when the index has none. */
const char *vz_repo_priority(Pool *pool, Id p);
bool vz_repo_essential(Pool *pool, Id p);
unsigned long long vz_repo_size(Pool *pool, Id p);

#endif
