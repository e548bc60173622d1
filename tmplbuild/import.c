/* tmplbuild/import.c: root-file-system tarball -> signed cache. */
#include "tmplbuild/family.h"
#include "tmplbuild/import.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <string.h>
#include <sys/stat.h>

#include "cache/lock.h"

/* "./a/b/" -> "a/b"; NULL when the path escapes (absolute or ".."). */
static char *normalize(const char *p, const char **why)
{
    if (p[0] == '/') {
        *why = "absolute path";
        return NULL;
    }
    struct vz_buf b = VZ_BUF_INIT;
    vz_buf_init(&b);
    const char *s = p;
    while (*s) {
        const char *e = strchr(s, '/');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        if (n == 2 && s[0] == '.' && s[1] == '.') {
            vz_buf_release(&b);
            *why = "'..' component";
            return NULL;
        }
        if (n > 0 && !(n == 1 && s[0] == '.')) {
            if (b.len)
                vz_buf_addc(&b, '/');
            vz_buf_add(&b, s, n);
        }
        s += n;
        while (*s == '/')
            s++;
    }
    return vz_buf_detach(&b, NULL);
}

/* Is any proper prefix of rel a symlink already extracted under root? */
static const char *through_symlink(int rootfd, const char *rel, char *buf, size_t bufsz)
{
    snprintf(buf, bufsz, "%s", rel);
    for (char *p = strchr(buf, '/'); p; p = strchr(p + 1, '/')) {
        *p = '\0';
        struct stat st;
        if (fstatat(rootfd, buf, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
            return buf;
        *p = '/';
    }
    return NULL;
}

/* What one extraction saw and may still accept. */
struct extract_ctx {
    bool had_root;          /* the archive has an entry for the root itself */
    uint64_t max_size;      /* bound on total (0 = none) */
    uint64_t total;         /* apparent bytes of the entries so far */
    uint64_t devices;       /* device nodes (and hard links to them) dropped */
    char **dropped;         /* their normalized paths, for later hard links */
};

/* A device node gives whoever opens it the host's device: a template never
 * needs one (the runtime makes the container's /dev). Dropped here, not
 * refused, because root-fs tarballs made with tar from a real root often
 * carry a /dev full of them. Returns true when e is dropped. */
static bool drop_device(struct extract_ctx *x, struct archive_entry *e, const char *rel,
                        const char *hrel)
{
    unsigned t = archive_entry_filetype(e);
    bool dev = hrel ? vz_strv_contains(x->dropped, hrel) : (t == AE_IFCHR || t == AE_IFBLK);
    if (!dev)
        return false;
    vz_strv_push(&x->dropped, rel);
    x->devices++;
    return true;
}

/* Refuse the entry that would take the import over x->max_size, before any
 * of it is written: apparent sizes, so a sparse file counts in full (another
 * tool unpacking the cache may not keep its holes). */
static int check_size(struct extract_ctx *x, struct archive_entry *e, const char *file,
                      const char *orig, vz_error_t *err)
{
    if (archive_entry_hardlink(e) || !archive_entry_size_is_set(e) || archive_entry_size(e) <= 0)
        return 0;
    uint64_t sz = (uint64_t)archive_entry_size(e);
    x->total = sz > UINT64_MAX - x->total ? UINT64_MAX : x->total + sz;
    if (x->max_size == 0 || x->total <= x->max_size)
        return 0;
    return vz_error_set(err, VZ_ECORRUPT, 0,
                        "%s: entry '%s' (%llu bytes) takes the import to %llu bytes, over the limit "
                        "of %llu (--max-size); refusing the archive", file, orig,
                        (unsigned long long)sz, (unsigned long long)x->total,
                        (unsigned long long)x->max_size);
}

static int extract_locked(const char *file, const char *dest, struct extract_ctx *x, vz_error_t *err);

/* Names are read and written under C.UTF-8 (this thread only), as pack
 * writes them: UTF-8 names pass unchanged whatever the caller's locale. */
static int extract(const char *file, const char *dest, struct extract_ctx *x, vz_error_t *err)
{
    locale_t utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
    locale_t prev = utf8 ? uselocale(utf8) : (locale_t)0;
    int r = extract_locked(file, dest, x, err);
    if (utf8) {
        uselocale(prev);
        freelocale(utf8);
    }
    return r;
}

static int extract_locked(const char *file, const char *dest, struct extract_ctx *x, vz_error_t *err)
{
    struct archive *r = archive_read_new();
    archive_read_support_filter_all(r);
    /* Tar only: "all" would take any text file for an mtree spec, whose
     * contents= keyword reads files of the host into the cache. */
    archive_read_support_format_tar(r);
    archive_read_support_format_gnutar(r);
    struct archive *w = archive_write_disk_new();
    archive_write_disk_set_options(
        w, ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_OWNER |
               ARCHIVE_EXTRACT_XATTR | ARCHIVE_EXTRACT_SECURE_NODOTDOT |
               ARCHIVE_EXTRACT_SPARSE);
    /* SPARSE: runs of zeros of a plain entry become holes (a sparse entry
     * keeps its holes anyway: its data blocks come with offsets) */
    /* libarchive's SECURE_SYMLINKS and NOABSOLUTEPATHS would judge the whole
     * destination path (ours is absolute, and may legitimately go through a
     * symlink such as /tmp); the entry paths are checked here instead. */
    /* numeric owners: the image's /etc/passwd is not the host's */
    int rootfd = open(dest, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int r_ = 0;
    if (rootfd < 0)
        r_ = vz_error_sys(err, "open %s", dest);
    if (r_ == 0 && archive_read_open_filename(r, file, 1 << 16) != ARCHIVE_OK)
        r_ = vz_error_set(err, VZ_ECORRUPT, (archive_errno(r) > 0 ? archive_errno(r) : 0), "%s: %s", file,
                          archive_error_string(r));
    struct archive_entry *e;
    char buf[4096];
    while (r_ == 0) {
        int h = archive_read_next_header(r, &e);
        if (h == ARCHIVE_EOF)
            break;
        if (h < ARCHIVE_WARN) {
            r_ = vz_error_set(err, VZ_ECORRUPT, 0, "%s: %s", file, archive_error_string(r));
            break;
        }
        /* a copy: archive_entry_set_pathname() below frees the entry's own,
         * and the messages after it still name the entry */
        const char *name = archive_entry_pathname(e);
        cleanup_free char *orig = vz_xstrdup(name ? name : "");
        const char *why = NULL;
        cleanup_free char *rel = normalize(orig, &why);
        if (!rel) {
            r_ = vz_error_set(err, VZ_ECORRUPT, 0,
                              "%s: entry '%s' escapes the root (%s); refusing the archive",
                              file, orig, why);
            break;
        }
        const char *hl = archive_entry_hardlink(e);
        cleanup_free char *hrel = NULL;
        if (hl) {
            hrel = normalize(hl, &why);
            if (!hrel || !*hrel) {
                r_ = vz_error_set(err, VZ_ECORRUPT, 0,
                                  "%s: hard link '%s' -> '%s' escapes the root (%s); refusing "
                                  "the archive", file, orig, hl, why ? why : "the root itself");
                break;
            }
        }
        const char *via = *rel ? through_symlink(rootfd, rel, buf, sizeof(buf)) : NULL;
        if (!via && hrel)
            via = through_symlink(rootfd, hrel, buf, sizeof(buf));
        if (via) {
            r_ = vz_error_set(err, VZ_ECORRUPT, 0,
                              "%s: entry '%s' would be written through the symbolic link '%s' "
                              "(a symlink trick to escape the root); refusing the archive",
                              file, orig, via);
            break;
        }
        if (!*rel)
            x->had_root = true;
        if (drop_device(x, e, rel, hrel))
            continue;
        if (check_size(x, e, file, orig, err) < 0) {
            r_ = -1;
            break;
        }
        /* a later entry replaces an earlier symlink of the same name, as tar
         * does; never let libarchive follow it (a directory entry would
         * otherwise chmod/chown the link's target) */
        struct stat lst;
        if (*rel && fstatat(rootfd, rel, &lst, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(lst.st_mode) &&
            unlinkat(rootfd, rel, 0) < 0) {
            r_ = vz_error_sys(err, "%s: replace symlink '%s'", file, rel);
            break;
        }
        cleanup_free char *full = *rel ? vz_xasprintf("%s/%s", dest, rel) : vz_xstrdup(dest);
        archive_entry_set_pathname(e, full);
        /* no names: keep the archive's numeric ids */
        archive_entry_set_uname(e, NULL);
        archive_entry_set_gname(e, NULL);
        cleanup_free char *hfull = hrel ? vz_xasprintf("%s/%s", dest, hrel) : NULL;
        if (hfull)
            archive_entry_set_hardlink(e, hfull);
        if (archive_entry_filetype(e) == AE_IFSOCK)
            continue;
        if (archive_write_header(w, e) < ARCHIVE_WARN) {
            r_ = vz_error_set(err, VZ_ECORRUPT, (archive_errno(w) > 0 ? archive_errno(w) : 0), "%s: entry '%s': %s", file,
                              orig, archive_error_string(w));
            break;
        }
        if (archive_entry_size(e) > 0) {
            const void *blk;
            size_t sz;
            la_int64_t off;
            int d;
            while ((d = archive_read_data_block(r, &blk, &sz, &off)) == ARCHIVE_OK) {
                if (archive_write_data_block(w, blk, sz, off) < ARCHIVE_WARN) {
                    d = ARCHIVE_FATAL;
                    vz_error_set(err, VZ_ESYSTEM, (archive_errno(w) > 0 ? archive_errno(w) : 0), "%s: write '%s': %s", file,
                                 orig, archive_error_string(w));
                    break;
                }
            }
            if (d != ARCHIVE_EOF) {
                if (!*err)
                    vz_error_set(err, VZ_ECORRUPT, 0, "%s: entry '%s': %s", file, orig,
                                 archive_error_string(r));
                r_ = -1;
                break;
            }
        }
        if (archive_write_finish_entry(w) < ARCHIVE_WARN) {
            r_ = vz_error_set(err, VZ_ESYSTEM, (archive_errno(w) > 0 ? archive_errno(w) : 0), "%s: entry '%s': %s", file, orig,
                              archive_error_string(w));
            break;
        }
    }
    if (r_ == 0 && archive_write_close(w) != ARCHIVE_OK)
        r_ = vz_error_set(err, VZ_ESYSTEM, (archive_errno(w) > 0 ? archive_errno(w) : 0), "%s: %s", file,
                          archive_error_string(w));
    archive_write_free(w);
    archive_read_free(r);
    if (rootfd >= 0)
        close(rootfd);
    return r_;
}

int vz_import_extract(const char *file, const char *dest, bool *had_root, vz_error_t *err)
{
    struct extract_ctx x = { .max_size = VZ_IMPORT_MAX_SIZE_DEFAULT };
    int r = extract(file, dest, &x, err);
    vz_strv_free(x.dropped);
    *had_root = x.had_root;
    return r;
}

int vz_import_dpkg_status(const char *status_path, struct vz_manifest *m, vz_error_t *err)
{
    cleanup_free char *text = NULL;
    size_t len = 0;
    if (vz_read_file(status_path, &text, &len, err) < 0)
        return -1;
    char *pkg = NULL, *ver = NULL, *arch = NULL;
    bool installed = false;
    char *line = text;
    for (;;) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        if (*line == '\0') {
            if (pkg && installed)
                vz_manifest_add_pkg(m, pkg, ver, arch, NULL, 0);
            pkg = ver = arch = NULL;
            installed = false;
        } else if (!strncmp(line, "Package: ", 9)) {
            pkg = line + 9;
        } else if (!strncmp(line, "Version: ", 9)) {
            ver = line + 9;
        } else if (!strncmp(line, "Architecture: ", 14)) {
            arch = line + 14;
        } else if (!strncmp(line, "Status: ", 8)) {
            installed = strcmp(line + 8, "install ok installed") == 0 ||
                        strcmp(line + 8, "hold ok installed") == 0;
        }
        if (!nl)
            break;
        line = nl + 1;
    }
    if (pkg && installed)
        vz_manifest_add_pkg(m, pkg, ver, arch, NULL, 0);
    return 0;
}

int vz_import_tarball(const char *file, const char *name, const struct vz_pack_opts *opts,
                      int lock_timeout_s, struct vz_pack_result *res, vz_error_t *err)
{
    return vz_import_tarball_limited(file, name, opts, lock_timeout_s, VZ_IMPORT_MAX_SIZE_DEFAULT, res,
                                     NULL, err);
}

/* The first family whose package database the root has lists the packages
 * (family.h: read_installed). */
static int read_installed(const char *dir, const char *file, struct vz_manifest *m,
                          vz_error_t *err)
{
    for (const struct vz_family *const *f = vz_families(); *f; f++) {
        vz_error_t e = NULL;
        if ((*f)->read_installed(dir, m, &e) == 0)
            return 0;
        if (e->errnum != ENOENT) {
            *err = e;
            return -1;
        }
        vz_error_release(&e);
    }
    vz_warn("%s has no var/lib/dpkg/status: the manifest lists no packages", file);
    return 0;
}

int vz_import_tarball_limited(const char *file, const char *name, const struct vz_pack_opts *opts,
                              int lock_timeout_s, uint64_t max_size, struct vz_pack_result *res,
                              struct vz_import_result *ires, vz_error_t *err)
{
    if (!vz_safe_name(name))
        return vz_error_set(err, VZ_EBADARG, 0, "'%s' is not a valid template name", name);
    if (!vz_file_exists(file))
        return vz_error_set(err, VZ_EFAIL, ENOENT, "import %s", file);
    /* lock first: an import replaces the cache of NAME */
    struct vz_lock *lock cleanup_lock = NULL;
    if (vz_lock_template(name, lock_timeout_s, &lock, err) < 0)
        return -1;
    cleanup_free char *tbase = vz_template_path("");
    cleanup_free char *tmpbase = vz_template_path("tmp");
    if (vz_mkdir_p(tbase, 0755, err) < 0 || vz_mkdir_p(tmpbase, 0700, err) < 0 ||
        (chmod(tmpbase, 0700) < 0 && vz_error_sys(err, "chmod 0700 %s", tmpbase)))
        return -1;
    cleanup_free char *dir = vz_xasprintf("%s/import-%s.XXXXXX", tmpbase, name);
    if (!mkdtemp(dir))
        return vz_error_sys(err, "create %s", dir);
    struct extract_ctx x = { .max_size = max_size };
    int r = extract(file, dir, &x, err);
    vz_strv_free(x.dropped);
    if (r == 0 && !x.had_root && chmod(dir, 0755) < 0)
        r = vz_error_sys(err, "chmod %s", dir);
    if (r == 0 && x.devices)
        vz_warn("%s: %llu device node%s dropped (a template holds none; the container's /dev is "
                "made when it starts)", file, (unsigned long long)x.devices, x.devices == 1 ? "" : "s");
    if (ires) {
        ires->devices_dropped = x.devices;
        ires->apparent_bytes = x.total;
    }
    struct vz_manifest *m = NULL;
    if (r == 0) {
        m = vz_manifest_new(name);
        const char *base = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
        free(m->source);
        m->source = vz_xasprintf("import:%s", base);
        r = read_installed(dir, file, m, err);
    }
    if (r == 0)
        r = vz_pack_to_cache(dir, m, opts, lock_timeout_s, res, err);
    vz_manifest_free(m);
    vz_error_t e2 = NULL;
    if (vz_rm_rf(dir, &e2) < 0) {
        vz_warn("cannot remove %s: %s", dir, e2->msg);
        vz_error_release(&e2);
    }
    if (r < 0)
        return vz_error_wrap(err, "import %s as %s", file, name);
    return 0;
}
