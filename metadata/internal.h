/* metadata/internal.h: what the files of metadata/ share (not public).
 *
 *   yamltree.c  YAML -> node tree with line:col
 *   schema.c    node tree -> struct md_file, structural validation
 *   expand.c    {{variable}} expansion
 *   mirror.c    mirror variable resolution (CLI, env, vz.conf, apt sources)
 *   aptsources.c  the host's apt sources (one-line and deb822 formats)
 *   uri.c       mirror URIs: is it one, push one without its trailing /
 *   template.c  variants/extends: the effective template, its hash
 *   catalog.c   file lookup (shipped + local overrides), load by name, list
 *   suggest.c   "did you mean" by edit distance
 *   strlist.c   ordered set of strings (package lists)
 */
#ifndef VZ_METADATA_INTERNAL_H
#define VZ_METADATA_INTERNAL_H

#include "metadata/metadata.h"
#include "metadata/yamltree.h"

/* --- suggest.c --- */
/* The closest candidate close enough to be a likely typo, or NULL. */
const char *md_suggest(const char *word, const char *const *cands, size_t n);
/* " (did you mean 'X'?)" or "" (static storage for "", else allocated: free). */
char *md_did_you_mean(const char *word, const char *const *cands, size_t n);

/* --- strlist.c --- */
/* Distinct strings in the order first added; v is NULL-terminated (NULL
 * while empty). Zero-initialise; add and look up in constant time. */
struct md_strlist {
    char **v;
    size_t n, cap;
    size_t *slots; /* hash table of index + 1, 0 = empty */
    size_t nslots;
};
/* Add a copy of s unless present; true if added. */
bool md_strlist_add(struct md_strlist *l, const char *s);
bool md_strlist_has(const struct md_strlist *l, const char *s);
/* The NULL-terminated vector (never NULL; the caller frees it with
 * vz_strv_free()); l is left empty. */
char **md_strlist_detach(struct md_strlist *l);
void md_strlist_release(struct md_strlist *l);

/* --- schema.c --- */
enum md_base { MD_BASE_UNSET = -1, MD_BASE_NONE = 0, MD_BASE_REQUIRED = 1 };

struct md_repo {
    const struct yt_node *node;
    const struct yt_node *name, *mirror, *suite, *components, *keyring, *allow_unsigned;
    bool allow_unsigned_v;
    /* family rpm (schema_rpm.c): */
    const struct yt_node *baseurl, *gpgkey, *gpgcheck, *repo_gpgcheck;
    bool gpgcheck_v, repo_gpgcheck_v;
    /* family rpm: a mirror list instead of (or besides) baseurl */
    const struct yt_node *metalink, *mirrorlist;
};

struct md_variant {
    const struct yt_node *key;   /* the variant's name in the file */
    const struct yt_node *node;  /* its mapping */
    const struct yt_node *summary, *description, *extends, *base, *packages, *excludes,
        *environment, *scripts, *repositories;
    enum md_base base_v;
    int parent;                  /* index into variants, -1 for none */
};

struct md_arch {
    const struct yt_node *key;   /* x86_64 */
    const struct yt_node *value; /* amd64 */
};

struct md_file {
    struct yt_doc doc;
    const struct yt_node *distribution, *release, *codename, *family, *summary, *description,
        *merged_usr, *environment, *scripts;
    const struct yt_node *rpmdb, *base_group; /* family rpm */
    struct md_arch *archs;
    size_t n_archs;
    struct md_repo *repos;
    size_t n_repos;
    struct md_variant *variants;
    size_t n_variants;
};

/* Parse and validate the structure of one distro file: keys, types, value
 * sets, extends, references between sections. Variables are checked by
 * template.c when it builds templates. */
/* keyring.c: the directory of yaml_path, absolute (against the working
 * directory). Allocated. */
char *md_yaml_dir(const char *yaml_path);
/* keyring.c: an absolute keyring as it is; a relative one joined to
 * md_yaml_dir(yaml_path). Allocated. */
char *md_keyring_path(const char *yaml_path, const char *keyring);

int md_file_load(struct md_file *f, const char *path, vz_error_t *err);
int md_file_load_text(struct md_file *f, const char *path, const char *text, vz_error_t *err);
void md_file_release(struct md_file *f);
int md_find_variant(const struct md_file *f, const char *name);
int md_find_arch(const struct md_file *f, const char *name);

/* --- schema_rpm.c: what family rpm adds (docs/family-rpm.md) --- */
/* The file-level rules of family rpm (rpmdb, base_group), or that a deb file
 * uses none of them. */
int md_check_family_keys(const struct md_file *f, vz_error_t *err);
/* One repository's family rules: deb needs mirror, suite, components and
 * keyring (or allow_unsigned); rpm needs baseurl and, unless both checks
 * are off, gpgkey, and takes none of deb's keys. */
int md_check_repo_family(const struct md_file *f, struct md_repo *r, vz_error_t *err);

/* OpenVZ architecture names the schema accepts. */
extern const char *const md_known_archs[];
extern const size_t md_n_known_archs;

/* --- mirror.c --- */
struct md_mirror_ctx {
    const struct vz_metadata_opts *opts;
    const char *distribution, *codename, *family;
    const char *apt_root;
    /* resolved so far, in order of first use */
    struct vz_mirror_var *vars;
    size_t n_vars;
};
/* Resolve mirror.NAME. On failure the message says how to set one (the
 * caller prefixes the location). */
int md_mirror_resolve(struct md_mirror_ctx *m, const char *name, const struct vz_mirror_var **out,
                      vz_error_t *err);
void md_mirror_ctx_release(struct md_mirror_ctx *m);

/* --- uri.c --- */
/* "scheme://..." */
bool md_is_url(const char *s);
/* Append u without trailing '/', unless already there. */
void md_push_uri(char ***v, const char *u);

/* --- aptsources.c --- */
/* URIs for mirror.<distribution> or mirror.<distribution>_security from the
 * host's apt sources under m->apt_root (deb family only); *uris stays NULL
 * when none serves the suite. *origin says which file and line. */
void md_mirror_from_apt(struct md_mirror_ctx *m, const char *name, char ***uris, char **origin);

/* --- expand.c --- */
struct md_vars {
    const char *codename, *release, *arch, *distro_arch, *distribution;
    struct md_mirror_ctx *mirrors; /* NULL: leave {{mirror.NAME}} as written */
};
/* Expand the scalar n into every string it stands for: one, or one per
 * mirror URI when it names a mirror variable with several. */
int md_expand_all(const struct md_vars *v, const struct yt_doc *doc, const struct yt_node *n,
                  char ***out, vz_error_t *err);
/* Expand to exactly one string (mirror variables give their first URI). */
int md_expand(const struct md_vars *v, const struct yt_doc *doc, const struct yt_node *n,
              char **out, vz_error_t *err);
/* Check the variables of every value in a document (keys hold none). */
int md_check_vars(const struct yt_doc *doc, vz_error_t *err);

/* --- template.c --- */
/* The template of architecture ai and variant vi of a validated file.
 * mirrors NULL: leave {{mirror.NAME}} unexpanded (listing, checks). */
int md_build(const struct md_file *f, int ai, int vi, struct md_mirror_ctx *mirrors,
             struct vz_template **out, vz_error_t *err);

#endif
