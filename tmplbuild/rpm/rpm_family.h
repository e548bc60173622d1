/* tmplbuild/rpm/rpm_family.h: the pieces of the rpm family's table
 * (rpm_table.c) that live in their own files. docs/family-rpm.md says what
 * the family does and why.
 */
#ifndef VZ_TMPLBUILD_RPM_FAMILY_H
#define VZ_TMPLBUILD_RPM_FAMILY_H

#include "tmplbuild/family.h"

/* rpm_repo.c: repo_load (family.h). For each repository, from the first
 * baseurl that answers: repodata/repomd.xml and, with repo_gpgcheck, its
 * detached signature repomd.xml.asc verified with gpgv against the gpgkey
 * BEFORE repomd.xml is parsed; then primary and, when listed, the comps
 * "group" file fetched and checked against the sha256 repomd.xml gives,
 * parsed into the pool (libsolv's rpm-md and comps readers). Kept under
 * REPODATA/<name>-<release>-<urlhash8>/: <sha>.repomd.xml (the verified
 * file, sha = its sha256), the fetched files, and <sha>-<arch>.solv, which
 * a later run with the same repomd.xml loads instead of parsing.
 * The repo state's release_sha256 is the sha256 of repomd.xml, its date the
 * repomd revision. */
int vz_rpm_repo_load(Pool *pool, const struct vz_template *t, const struct vz_repo_opts *opts,
                     struct vz_repo_state **states, struct vz_repo_stats *stats, vz_error_t *err);

/* rpm_repo.c: served_current (family.h): the sha256 of the repomd.xml the
 * first baseurl serves now; true when the verified copy of it is kept. */
bool vz_rpm_served_current(const struct vz_repo_def *d, char out[65]);

/* rpm_mirrors.c: what a repository's metalink or mirrorlist says. */
struct vz_rpm_repomd_hash {
    char sha256[65];      /* lower-case hex */
    long long size;       /* -1 when not given */
};
struct vz_rpm_mirrors {
    char **baseurls;      /* to try in this order (a metalink's by preference,
                           * highest first; a mirrorlist's as listed), http(s)
                           * only, no trailing '/', NULL-terminated, >= 1 */
    bool metalink;        /* hashes below vouch for repomd.xml */
    struct vz_rpm_repomd_hash *hashes; /* [0] the current repomd.xml, then the
                                        * alternates (older, still accepted) */
    size_t n_hashes;      /* >= 1 for a metalink */
};
/* Parse a MirrorManager metalink (XML, by expat): the URLs of
 * <file name="repomd.xml"> whose protocol is http or https and which end
 * in /repodata/repomd.xml (the baseurl is what precedes it), and the sha256
 * (and size) of the file and of its alternates. Refused (VZ_EVERIFY) when no
 * sha256 is given; VZ_ECORRUPT when it is no metalink or lists no URL. */
int vz_rpm_metalink_parse(const char *xml, size_t len, struct vz_rpm_mirrors *out,
                          vz_error_t *err);
/* Parse a mirrorlist: one baseurl a line, blank lines and '#' comments
 * skipped, only http and https taken. */
int vz_rpm_mirrorlist_parse(const char *text, size_t len, struct vz_rpm_mirrors *out,
                            vz_error_t *err);
/* Fetch and parse d->metalink or d->mirrorlist (at most 4 MiB); in the
 * URLs it gives, $releasever becomes d->suite and $basearch basearch (as
 * dnf substitutes them; NULL: not known, such entries are dropped). */
int vz_rpm_mirrors_fetch(const struct vz_repo_def *d, const char *basearch,
                         const struct vz_fetch_opts *fo, struct vz_rpm_mirrors *out,
                         vz_error_t *err);
/* 0 when m is NULL or not a metalink, or when data (repomd.xml as fetched
 * from url) has the sha256 (and size) of the metalink's file or of one of
 * its alternates; else VZ_EVERIFY naming url and both digests. */
int vz_rpm_mirrors_check(const struct vz_rpm_mirrors *m, const char *data, size_t len,
                         const char *url, vz_error_t *err);
void vz_rpm_mirrors_free(struct vz_rpm_mirrors *m);

/* rpm_install.c: install (family.h). */
int vz_rpm_install(const struct vz_family_install *in, struct vz_install_timings *t,
                   vz_error_t *err);

/* rpm_install.c: the rpm database of root: "usr/lib/sysimage/rpm" or
 * "var/lib/rpm" (relative), whichever holds one reached without a symlink
 * (an imported root is untrusted); NULL when none. Static storage. */
const char *vz_rpm_find_db(const char *root);

/* rpm_install.c: the host's rpm tool name (rpm, rpmkeys) as a path, or NULL
 * with an error saying which Debian package provides it. Allocated. */
char *vz_rpm_host_tool(const char *name, vz_error_t *err);

/* rpm_run.c: run argv (argv[0] a host path: the host's rpm) with root
 * prepared by vz_rpm_root_dev_prepare, in new mount, pid, network, ipc and
 * uts namespaces, the root's /dev entries bound to the host's and its /proc
 * mounted for the run only; stdout and stderr into out, the exit status
 * (128+signal) into *status. */
int vz_rpm_run(const char *root, char *const argv[], char *const env[], struct vz_buf *out,
               int *status, vz_error_t *err);
/* Create root/dev, root/proc and empty placeholder files for the device
 * nodes vz_rpm_run binds; vz_rpm_root_dev_release removes the placeholders
 * that are still empty regular files. */
int vz_rpm_root_dev_prepare(const char *root, vz_error_t *err);
void vz_rpm_root_dev_release(const char *root);

#endif
