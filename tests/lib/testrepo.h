/* tests/lib/testrepo.h: a synthetic, signed Debian repository for tests.
 *
 * vz_testrepo_create() builds, under a directory the caller owns (normally a
 * mkdtemp() dir), a repository laid out as a Debian mirror:
 *
 *   DIR/pool/main/<p>/<name>/<name>_<version>_<arch>.deb   built by dpkg-deb --build
 *   DIR/dists/SUITE/main/binary-ARCH/Packages{,.gz,.xz}
 *   DIR/dists/SUITE/Release        (SHA256 with sizes, Date, optional Valid-Until)
 *   DIR/dists/SUITE/InRelease      (clearsigned Release)
 *   DIR/dists/SUITE/Release.gpg    (detached, armored signature of Release)
 *   DIR/keyring.gpg                (the public key, binary: what a YAML `keyring:` names)
 *
 * Creating a second repository in the same directory adds a suite, or, with
 * the same suite and another component, a component: Release then lists
 * every component that has indexes (Ubuntu's main + universe).
 *
 * The signing key is a throwaway Ed25519 OpenPGP key generated with
 * `gpg --batch` in a private GNUPGHOME the first time a repository is signed
 * in a process, and reused for every later repository of that process; the
 * GNUPGHOME (and its gpg-agent) is removed at exit. vz_testrepo_other_keyring()
 * writes the public key of a second, unrelated key (for "signed by the wrong
 * key" tests).
 *
 * Packages are described by struct vz_testpkg. Any control field may be
 * given; files are given inline. The default package set
 * (vz_testrepo_default_pkgs) is a minimal bootable root:
 *
 *   busybox-sh    Essential, required, Multi-Arch: foreign; /bin/busybox (the
 *                 host's static busybox) with /bin/sh and applet symlinks;
 *                 Provides: sh
 *   base-files    Essential, required, arch all; /etc/os-release, conffile /etc/issue
 *   base-passwd   Essential, required; Pre-Depends: busybox-sh; a preinst that
 *                 creates /etc/passwd and /etc/group (must run before unpack)
 *   dpkg-alts     Essential, required; /usr/bin/update-alternatives (a shell
 *                 script: --install LINK NAME PATH PRIO, --remove NAME PATH)
 *   mawk-t        required; Provides: awk (a virtual package)
 *   gawk-t        optional; Provides: awk (the other candidate, never chosen)
 *   tools-t       required; Depends: awk, libt1 (>= 1.0), pager-a | pager-b,
 *                 oldapi (>= 2)
 *   libt1         Multi-Arch: same, optional; a "library" pulled by tools-t
 *   newapi        optional; Provides: oldapi (= 2.0) (a versioned Provides)
 *   pager-a       optional; first alternative of tools-t
 *   pager-b       optional; second alternative (not chosen)
 *   editor-t      important (not in the minimal set); conffile /etc/editor-t.conf;
 *                 its postinst registers /usr/bin/editor with update-alternatives
 *   i386-only     Architecture i386 (ignored by an amd64 pool)
 *   interp-t      optional, Multi-Arch: allowed (an interpreter)
 *   script-t      optional, arch all; Depends: interp-t:any (>= 3)
 *   oldver        optional, in two versions (1.0 and 2.0): the newer one wins
 *
 * The minimal set (Essential or Priority required, closed under Depends,
 * first alternatives) is therefore: busybox-sh base-files base-passwd
 * dpkg-alts mawk-t tools-t libt1 newapi pager-a (9 packages);
 * VZ_TESTREPO_MINIMAL lists them sorted.
 *
 * All functions return 0 or -1 with *err set (common/error.h).
 */
#ifndef VZ_TESTS_TESTREPO_H
#define VZ_TESTS_TESTREPO_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "common/common.h"
#include "metadata/metadata.h"

struct vz_testfile {
    const char *path;     /* absolute path inside the package: "/etc/issue" */
    const char *content;  /* file content; NULL with link/src set */
    const char *link;     /* non-NULL: a symlink to this target */
    const char *src;      /* non-NULL: copy this host file (e.g. "/bin/busybox") */
    unsigned mode;        /* 0 = 0644 (0755 for src copies) */
};

struct vz_testpkg {
    const char *name;
    const char *version;
    const char *arch;          /* NULL = the repository's arch; "all" allowed */
    const char *priority;      /* NULL = "optional" */
    bool essential;
    const char *multi_arch;    /* NULL = field absent */
    const char *section;       /* NULL = "misc" */
    const char *depends, *pre_depends, *provides, *conflicts, *breaks, *replaces,
               *recommends;    /* NULL = absent */
    const char *extra_control; /* appended verbatim ("Field: value\n...") */
    /* maintainer scripts: the whole text, "#!/bin/sh\n..." */
    const char *preinst, *postinst, *prerm, *postrm;
    const struct vz_testfile *files; /* terminated by an entry with path NULL */
    const char *const *conffiles;    /* NULL-terminated paths; must be among files */
    const char *compress;      /* dpkg-deb -Z: "gzip" (NULL), "xz", "zstd", "none" */
};

struct vz_testrepo_opts {
    const char *suite;      /* NULL = "testing" */
    const char *arch;       /* NULL = "amd64" */
    const char *component;  /* NULL = "main" */
    /* Which Packages variants the Release lists and the dists dir holds:
     * bit 1 plain, 2 .gz, 4 .xz; 0 = all three. */
    int indexes;
    bool unsigned_repo;     /* no InRelease / Release.gpg at all */
    bool no_inrelease;      /* only Release + Release.gpg */
    bool also_other_key;    /* signed by the test key and by the second key, as
                             * Debian signs with several keys at once */
    time_t date;            /* Release Date: 0 = now */
    time_t valid_until;     /* 0 = no Valid-Until */
};

struct vz_testrepo {
    char *dir;       /* the repository root (what a mirror URI points at) */
    char *url;       /* "file://DIR" */
    char *keyring;   /* DIR/keyring.gpg */
    char *suite;
    char *arch;
    char *component;
};

/* Build the repository in dir (created if missing). pkgs NULL = default set. */
int vz_testrepo_create(const char *dir, const struct vz_testpkg *pkgs, size_t n,
                       const struct vz_testrepo_opts *opts, struct vz_testrepo *out,
                       vz_error_t *err);
void vz_testrepo_release(struct vz_testrepo *r);

/* Re-write Release (hashes of the index files as they are now on disk) and,
 * unless opts says unsigned, sign it again. For tests that tamper with an
 * index and want a consistently signed repository around it. */
int vz_testrepo_write_release(const struct vz_testrepo *r, const struct vz_testrepo_opts *opts,
                              vz_error_t *err);

/* Write the public keyring of a second, unrelated key to path. */
int vz_testrepo_other_keyring(const char *path, vz_error_t *err);

/* Long key ID (16 hex digits, as gpgv reports it) of the signing key, or of
 * the second key when other is true. */
int vz_testrepo_keyid(bool other, char out[17], vz_error_t *err);

/* A template for r as metadata would produce it: name "test-1-x86_64-minimal",
 * one repository "main" (r->url, r->suite, r->component, r->keyring), arch
 * x86_64/amd64, base_required, merged_usr "symlinks", and copies of packages
 * and excludes (NULL-terminated, may be NULL). Tests adjust fields freely;
 * vz_testrepo_template_free() frees every string and array it holds. */
struct vz_template *vz_testrepo_template(const struct vz_testrepo *r, const char *const *packages,
                                         const char *const *excludes);
void vz_testrepo_template_free(struct vz_template *t);

/* The default package set (static storage). */
const struct vz_testpkg *vz_testrepo_default_pkgs(size_t *n);

#define VZ_TESTREPO_MINIMAL \
    "base-files base-passwd busybox-sh dpkg-alts libt1 mawk-t newapi pager-a tools-t"

/* Path of dists/SUITE/FILE inside r (allocated), for tests that tamper. */
char *vz_testrepo_dists_path(const struct vz_testrepo *r, const char *file);

#endif
