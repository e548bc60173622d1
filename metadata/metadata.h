/* metadata/metadata.h: per-distro YAML -> a validated template.
 *
 * A distro file (distros/debian-12.yaml) describes one release with several
 * variants; a template is one (release, architecture, variant) triple, named
 * as OpenVZ does: <distribution>-<release>-<arch>-<variant>, for example
 * debian-12-x86_64-minimal. The YAML schema is documented in
 * docs/template-metadata.md.
 *
 * vz_template_load() finds the file (local overrides in
 * $VZ_ROOT/etc/vz/distros/ shadow the shipped ones), applies `extends`,
 * expands {{variables}}, resolves mirrors (--mirror, VZ_MIRROR_<NAME>,
 * vz.conf MIRROR_<NAME>, then the host's apt sources) and validates.
 * Every error about the metadata itself starts with "FILE:LINE:COL: " and
 * has status VZ_EMETADATA; a template name that no file defines gives
 * VZ_ENOTEMPLATE with a "did you mean" (no location: there is no file).
 *
 * A loaded template is immutable and owned by the caller
 * (vz_template_free()).
 */
#ifndef VZ_METADATA_METADATA_H
#define VZ_METADATA_METADATA_H

#include <stdbool.h>
#include <stddef.h>

#include "common/common.h"

struct vz_repo_def {
    char *name;        /* "main", "updates", "security": unique in a template */
    char **uris;       /* mirror list after expansion, in fail-over order (>= 1);
                        * rpm: the baseurl list (each holds repodata/repomd.xml) */
    char *suite;       /* "bookworm"; rpm: the release ("9") */
    char **components; /* "main", ... (>= 1); rpm: empty (NULL-terminated, no entry) */
    char *keyring;     /* path of an OpenPGP keyring, NULL only if allow_unsigned;
                        * rpm: the absolute path of the gpgkey file (a relative gpgkey
                        * is relative to the YAML file's directory), NULL only when
                        * gpgcheck and repo_gpgcheck are both false */
    bool allow_unsigned;
    /* The base set (base: required) is not read from this repository: it is
     * not among the repositories of the variant that sets `base` (Ubuntu's
     * universe and later pockets in a default built on minimal: debootstrap
     * reads the release pocket's main alone). Names found in the base
     * repositories may still be satisfied by a newer version from here. */
    bool base_excluded;
    /* Family rpm (both default true, stricter than dnf's defaults):
     * gpgcheck: every package's header signature checked against keyring;
     * repo_gpgcheck: repodata/repomd.xml.asc checked before repomd.xml is read. */
    bool gpgcheck;
    bool repo_gpgcheck;
    /* Added, family rpm: at most one is set, the URL (variables expanded)
     * of a MirrorManager metalink or of a mirrorlist (one baseurl a line),
     * whose mirrors are tried in their order of preference (rpm/rpm_mirrors.c).
     * Set only when the repository's baseurl could not be used: a baseurl
     * whose {{mirror.NAME}} has a value (--mirror, VZ_MIRROR_<NAME>, vz.conf)
     * wins, and uris is then that baseurl list. With a list URL, uris is
     * empty until the rpm family's repo_load fills it with the list's
     * baseurls (the one that answered first), from which packages are then
     * fetched. */
    char *metalink;
    char *mirrorlist;
};

/* One {{mirror.NAME}} variable as resolved for a template, for `vzpkg info
 * mirrorlist` and for logs: which URIs, and where they came from. */
struct vz_mirror_var {
    char *name;    /* "debian" for {{mirror.debian}} */
    char **uris;   /* NULL-terminated, >= 1, no trailing '/' */
    char *origin;  /* "--mirror", "environment VZ_MIRROR_DEBIAN",
                      "/etc/vz/vz.conf MIRROR_DEBIAN",
                      "/etc/apt/sources.list.d/debian.sources:3, suite bookworm" */
};

struct vz_template {
    char *name;         /* debian-12-x86_64-minimal */
    char *distribution; /* debian */
    char *release;      /* 12 */
    char *codename;     /* bookworm */
    char *family;       /* "deb" (or "rpm" later) */
    char *arch;         /* OpenVZ arch name: x86_64 */
    char *distro_arch;  /* distro's name: amd64 */
    char *variant;      /* minimal */
    char *summary;
    char *description;

    struct vz_repo_def *repos;
    size_t n_repos;

    /* Base set: true when the variant chain asks for the distro's minimal
     * base (Debian: Essential: yes + Priority: required), as minbase. */
    bool base_required;
    char **packages;    /* requested names, extends applied, NULL-terminated */
    char **excludes;    /* NULL-terminated */
    char **environment; /* "KEY=VALUE", NULL-terminated */

    /* Merged /usr: "symlinks" (create bin,sbin,lib* -> usr/... before unpacking,
     * as debootstrap does for bookworm), "packages" (the packages ship it, trixie)
     * or "none". */
    char *merged_usr;

    /* Family rpm: where the rpm database lives inside the root
     * ("/var/lib/rpm", "/usr/lib/sysimage/rpm"); NULL for deb. */
    char *rpmdb;
    /* Family rpm: the comps group whose mandatory and default packages
     * are the base set of `base: required` ("core"); NULL for deb. */
    char *base_group;

    char *script_pre_cache;    /* shell text run on the host, $1 = build root; or NULL */
    char *script_post_install; /* shell text run inside the sandbox; or NULL */

    char *source_path;   /* the YAML file the template came from */
    char metadata_sha256[65]; /* hash of the effective template (stable across runs) */

    bool mirrors_resolved;        /* false with opts->skip_mirrors: uris keep "{{mirror.NAME}}" */
    struct vz_mirror_var *mirrors; /* the mirror variables the repositories use */
    size_t n_mirrors;
};

struct vz_metadata_opts {
    /* --mirror values: "URL" (applies to every mirror variable) or "NAME=URL". */
    char **mirrors;
    /* Directory of shipped distros; NULL = vz_shipped_distros_dir(). */
    const char *distros_dir;
    /* Host apt sources root for mirror discovery; NULL = $VZ_APT_ROOT, else "/"
     * (tests point it elsewhere). */
    const char *apt_root;
    /* Do not resolve mirrors (listing, `vzpkg info packages`): repository
     * uris then hold the URI template with {{mirror.NAME}} unexpanded. */
    bool skip_mirrors;
};

/* Check one --mirror value before anything else runs: "URL" or "NAME=URL",
 * NAME lower-case letters, digits and '_' (a mirror variable), URL an
 * http://HOST..., https://HOST... or file:///PATH URL without whitespace,
 * control or non-ASCII characters. VZ_EBADARG with a message that quotes the
 * value (escaped), says what is wrong and shows the accepted forms. Every
 * command that takes --mirror calls it on each value. */
int vz_mirror_arg_check(const char *arg, vz_error_t *err);

/* Load and validate one template by name. */
int vz_template_load(const char *name, const struct vz_metadata_opts *opts,
                     struct vz_template **out, vz_error_t *err);
void vz_template_free(struct vz_template *t);

/* All template names known from metadata (shipped + local), sorted, with
 * their summaries. Files that fail to parse are reported as warnings and
 * skipped, so one broken override does not hide the rest. */
struct vz_template_entry {
    char *name;
    char *summary;
    char *source_path;
};
int vz_template_list(const struct vz_metadata_opts *opts, struct vz_template_entry **out,
                     size_t *n, vz_error_t *err);
void vz_template_list_free(struct vz_template_entry *e, size_t n);

/* The closest of cands to word when it looks like a typo, else NULL
 * (the "did you mean" of every metadata message; cmd/ uses it for fields). */
const char *vz_metadata_suggest(const char *word, const char *const *cands, size_t n);

/* The directory of local overrides, $VZ_ROOT/etc/vz/distros (allocated). */
char *vz_local_distros_dir(void);

#endif
