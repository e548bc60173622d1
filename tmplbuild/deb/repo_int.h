/* tmplbuild/deb/repo_int.h: pieces of tmplbuild/repo shared between its files. */
#ifndef VZ_TMPLBUILD_REPO_INT_H
#define VZ_TMPLBUILD_REPO_INT_H

#include <stdint.h>
#include <time.h>

#include <solv/pool.h>
#include <solv/repo.h>

#include "common/common.h"

/* repo_sig.c: OpenPGP verification through gpgv.
 * Clearsigned: writes the signed text (what the signature covers) to out_path.
 * Detached: sig_path signs data_path.
 * what names the file in messages ("InRelease", "Release.gpg"). */
int vz_sig_verify_clearsigned(const char *keyring, const char *in_path, const char *out_path,
                              const char *what, const char *workdir, vz_error_t *err);
int vz_sig_verify_detached(const char *keyring, const char *sig_path, const char *data_path,
                           const char *what, const char *workdir, vz_error_t *err);

/* repo_release.c: the parts of a Release file we use. */
struct vz_release_file {
    char *path;     /* "main/binary-amd64/Packages.xz" */
    char sha256[65];
    uint64_t size;
};
struct vz_release {
    char *suite, *codename, *date, *valid_until;
    time_t date_t, valid_until_t;  /* 0 when absent or unparsable */
    struct vz_release_file *files;
    size_t n_files;
};
int vz_release_parse(const char *text, struct vz_release *r, vz_error_t *err);
void vz_release_free(struct vz_release *r);
const struct vz_release_file *vz_release_find(const struct vz_release *r, const char *path);
/* RFC 2822 dates as Release files write them ("Sat, 10 Jun 2023 08:53:33 UTC"). */
time_t vz_release_parse_date(const char *s);

/* repo_index.c: parse a verified Packages file (any compression libarchive
 * reads) into repo, adding priority/essential/size; write/read .solv. */
int vz_repo_index_parse(Repo *repo, const char *path, vz_error_t *err);
int vz_repo_index_write_solv(Repo *repo, const char *path, vz_error_t *err);
/* Returns 1 when loaded, 0 when the file is missing or unusable (then it is
 * removed and the caller parses the index), -1 on error. */
int vz_repo_index_load_solv(Repo *repo, const char *path, vz_error_t *err);

#endif
