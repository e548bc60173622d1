/* tmplbuild/deb/deb.h: reading Debian binary packages (.deb) with libarchive.
 *
 * A .deb is an ar archive: "debian-binary", "control.tar[.gz|.xz|.zst]",
 * "data.tar[.gz|.xz|.zst|.bz2]" in that order. vz_deb_read() makes one
 * streaming pass over the file: the control members are kept in memory, and
 * each data.tar entry is handed to a caller's sink while the bytes stream
 * (nothing of data.tar is buffered). With sink == NULL the pass stops after
 * control.tar, which costs a fraction of a millisecond per package.
 *
 * What a caller may rely on after success:
 *  - info->control is the control stanza exactly as shipped, ending in one
 *    "\n"; package/version/arch are set (a package without them is refused).
 *  - info->members holds every other control.tar member (preinst, postinst,
 *    md5sums, conffiles, triggers, shlibs, symbols, templates, ...) by its
 *    base name, with its mode.
 *  - with a sink, info->files lists every data.tar path as dpkg records it
 *    ("/." for the root, "/usr/bin/x" for "./usr/bin/x", no trailing "/"),
 *    in archive order, and entries with absolute paths, ".." components or
 *    an empty name refuse the package (VZ_ECORRUPT) before the sink sees them.
 */
#ifndef VZ_TMPLBUILD_DEB_H
#define VZ_TMPLBUILD_DEB_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "common/common.h"

struct archive;
struct archive_entry;

struct vz_deb_member {
    char *name;   /* "preinst", "md5sums", ... */
    char *data;   /* NUL-terminated for convenience */
    size_t len;
    mode_t mode;
};

/* A directory entry of data.tar as the unpack wrote it (unpack.h). */
struct vz_deb_dir {
    char *path;        /* as in files[]: "/usr/lib/mime" */
    mode_t mode;       /* permission bits (07777) */
    uid_t uid;
    gid_t gid;
    time_t mtime;
    long mtime_ns;
};

struct vz_deb_info {
    char *path;        /* the .deb file */
    char *control;     /* control stanza, "\n"-terminated */
    char *package;
    char *version;
    char *arch;
    char *multi_arch;  /* NULL, "same", "foreign", "allowed" */
    bool essential;
    struct vz_deb_member *members;
    size_t n_members;
    char **files;      /* NULL-terminated, see above */
    size_t n_files;
    size_t cap_files;
    /* Set by vz_unpack_deb*(), not by the reader: the directory entries it
     * wrote to disk (those it left alone, a symlink on disk, are not here). */
    struct vz_deb_dir *dirs;
    size_t n_dirs;
    /* Set by callers, not by the reader: the archive's Priority for the
     * package (the index overrides the control file's, and that is what a
     * status file built from the archive records). NULL = the control's. */
    char *priority;
};

/* Called for each data.tar entry. path is the normalised name without the
 * leading "/" ("usr/bin/x"; "" for the root entry). Return < 0 to abort. The
 * sink reads the entry's data itself from in (archive_read_data*). */
struct vz_deb_sink {
    int (*entry)(void *ctx, struct archive *in, struct archive_entry *e, const char *path,
                 const struct vz_deb_info *info, vz_error_t *err);
    void *ctx;
};

int vz_deb_read(const char *path, const struct vz_deb_sink *sink, struct vz_deb_info **out,
                vz_error_t *err);
/* The same pass over an image of `path` in memory (predecode.h makes one:
 * the same members, data.tar already decompressed); info->path and
 * messages name `path`. */
int vz_deb_read_image(const char *path, const void *image, size_t len,
                      const struct vz_deb_sink *sink, struct vz_deb_info **out, vz_error_t *err);
void vz_deb_info_free(struct vz_deb_info *info);

/* A control member by name, or NULL. */
const struct vz_deb_member *vz_deb_member(const struct vz_deb_info *info, const char *name);

/* The value of field `name` (case-insensitive) in a control stanza, with
 * continuation lines kept ("\n " joined) and surrounding blanks trimmed.
 * Allocated; NULL when absent. */
char *vz_deb_field(const char *stanza, const char *name);

/* The name dpkg uses for the package in info/ and messages: "pkg" or, for
 * Multi-Arch: same, "pkg:arch". Allocated. */
char *vz_deb_infoname(const struct vz_deb_info *info);

/* Check one archive path and normalise it: strips a leading "./", refuses
 * absolute paths, ".." components and empty names. Returns an allocated
 * relative path ("" for the root) or NULL with *err set (VZ_ECORRUPT). */
char *vz_deb_safe_path(const char *name, const char *deb, vz_error_t *err);

#endif
