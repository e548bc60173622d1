/* tmplbuild/deb/unpack.c: data.tar -> build root (see unpack.h). */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <limits.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tmplbuild/deb/unpack.h"

/* libarchive's disk writer reads the umask by setting it: archive_write_disk_new()
 * and every archive_write_header() on it do umask(0) and then put back what
 * that returned. Two threads doing so at once can each read the other's 0,
 * and the process umask stays 0 for the rest of the build: every maintainer
 * script then creates its files with it (base-passwd's preinst wrote
 * /etc/group 0666, and shadow's backup of it, group-, came out 0664, in about
 * one build in five). The calls that hold such a window therefore go through
 * these two, one thread at a time; nothing else of the unpack creates files,
 * and the data is still written in parallel. */
static pthread_mutex_t umask_window = PTHREAD_MUTEX_INITIALIZER;

static struct archive *disk_new(void)
{
    pthread_mutex_lock(&umask_window);
    struct archive *a = archive_write_disk_new();
    pthread_mutex_unlock(&umask_window);
    return a;
}

static int disk_header(struct archive *disk, struct archive_entry *e)
{
    pthread_mutex_lock(&umask_window);
    int r = archive_write_header(disk, e);
    pthread_mutex_unlock(&umask_window);
    return r;
}

static const char *const merged_dirs[] = { "bin", "sbin", "lib", "lib32", "lib64", "libx32" };

/* Architectures whose ABI puts the dynamic loader under /lib64. */
static bool arch_has_lib64(const char *arch)
{
    static const char *const a[] = { "amd64", "ppc64el", "ppc64", "s390x", "mips64el", "sparc64" };
    for (size_t i = 0; i < VZ_ARRAY_SIZE(a); i++)
        if (arch && strcmp(arch, a[i]) == 0)
            return true;
    return false;
}

int vz_unpack_root_init(struct vz_unpack_root *r, const char *root, bool merged_usr,
                        bool links_shipped, const char *arch, vz_error_t *err)
{
    memset(r, 0, sizeof(*r));
    char *real = realpath(root, NULL);
    if (!real)
        return vz_error_sys(err, "build root %s", root);
    r->root = real;
    r->merged_usr = merged_usr;
    r->links_shipped = links_shipped;
    if (!merged_usr)
        return 0;
    const char *dirs[] = { "bin", "sbin", "lib", arch_has_lib64(arch) ? "lib64" : NULL };
    cleanup_free char *usr = vz_path_join(real, "usr");
    if (mkdir(usr, 0755) < 0 && errno != EEXIST)
        return vz_error_sys(err, "mkdir %s", usr);
    for (size_t i = 0; i < VZ_ARRAY_SIZE(dirs) && dirs[i]; i++) {
        cleanup_free char *d = vz_xasprintf("%s/usr/%s", real, dirs[i]);
        cleanup_free char *l = vz_xasprintf("%s/%s", real, dirs[i]);
        cleanup_free char *target = vz_xasprintf("usr/%s", dirs[i]);
        if (mkdir(d, 0755) < 0 && errno != EEXIST)
            return vz_error_sys(err, "mkdir %s", d);
        if (!links_shipped && symlink(target, l) < 0 && errno != EEXIST)
            return vz_error_sys(err, "symlink %s -> %s", l, target);
    }
    return 0;
}

void vz_unpack_root_release(struct vz_unpack_root *r)
{
    free(r->root);
    for (size_t i = 0; i < r->n_div; i++) {
        free(r->div[i].from);
        free(r->div[i].to);
        free(r->div[i].package);
    }
    free(r->div);
    memset(r, 0, sizeof(*r));
}

int vz_unpack_load_diversions(struct vz_unpack_root *r, vz_error_t *err)
{
    for (size_t i = 0; i < r->n_div; i++) {
        free(r->div[i].from);
        free(r->div[i].to);
        free(r->div[i].package);
    }
    free(r->div);
    r->div = NULL;
    r->n_div = 0;
    cleanup_free char *path = vz_path_join(r->root, "var/lib/dpkg/diversions");
    cleanup_free char *data = NULL;
    size_t len = 0;
    if (!vz_file_exists(path))
        return 0;
    if (vz_read_file(path, &data, &len, err) < 0)
        return -1;
    /* Three lines per diversion: from, to, package. */
    char *lines[3];
    int k = 0;
    char *save = NULL;
    for (char *l = strtok_r(data, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        lines[k++] = l;
        if (k < 3)
            continue;
        k = 0;
        r->div = vz_xrealloc(r->div, (r->n_div + 1) * sizeof(*r->div));
        r->div[r->n_div].from = vz_xstrdup(lines[0]);
        r->div[r->n_div].to = vz_xstrdup(lines[1]);
        r->div[r->n_div].package = vz_xstrdup(lines[2]);
        r->n_div++;
    }
    if (k != 0)
        return vz_error_set(err, VZ_ECORRUPT, 0, "%s: truncated (not a multiple of 3 lines)",
                            path);
    return 0;
}

struct sink_ctx {
    const struct vz_unpack_root *r;
    struct archive *disk;
    char **conffiles; /* "etc/x" (no leading "/"), parsed at the first entry */
    bool parsed;
    const char *const *only; /* sorted "/path" list to extract, or NULL for all */
    size_t n_only;
    int gen_md5;            /* -1 unknown, 0 the package ships md5sums, 1 generate */
    struct vz_buf md5sums;  /* generated, as dpkg does for packages without one */
    struct vz_deb_dir *dirs; /* directory entries written, for info->dirs */
    size_t n_dirs;
};

/* Conffiles are unpacked as NAME.dpkg-new, as dpkg does: configuring moves
 * them into place and records their md5 in the status file. */
static bool is_conffile(struct sink_ctx *c, const struct vz_deb_info *info, const char *rel)
{
    if (!c->parsed) {
        c->parsed = true;
        const struct vz_deb_member *m = vz_deb_member(info, "conffiles");
        cleanup_free char *copy = m ? vz_xstrdup(m->data) : NULL;
        char *save = NULL;
        for (char *l = copy ? strtok_r(copy, "\n", &save) : NULL; l;
             l = strtok_r(NULL, "\n", &save)) {
            while (*l == ' ' || *l == '\t')
                l++;
            if (strncmp(l, "remove-on-upgrade ", 18) == 0)
                continue;
            char *end = l + strlen(l);
            while (end > l && (end[-1] == ' ' || end[-1] == '\r'))
                *--end = '\0';
            while (*l == '/')
                l++;
            if (*l)
                vz_strv_push(&c->conffiles, l);
        }
    }
    return c->conffiles && vz_strv_contains(c->conffiles, rel);
}

/* Which merged directory rel starts with: index into merged_dirs, or -1.
 * *exact is set when rel is that directory itself. */
static int merged_prefix(const char *rel, bool *exact)
{
    for (size_t i = 0; i < VZ_ARRAY_SIZE(merged_dirs); i++) {
        size_t n = strlen(merged_dirs[i]);
        if (strncmp(rel, merged_dirs[i], n) == 0 && (rel[n] == '\0' || rel[n] == '/')) {
            *exact = rel[n] == '\0';
            return (int)i;
        }
    }
    return -1;
}

/* Map a safe relative path to the absolute on-disk path. NULL with
 * *skip = true for entries that are left as they are on disk. */
static char *disk_path(const struct vz_unpack_root *r, const char *rel, const char *pkg, bool *skip)
{
    *skip = false;
    const char *use = rel;
    cleanup_free char *diverted = NULL;
    for (size_t i = 0; i < r->n_div; i++) {
        if (strcmp(r->div[i].from + (r->div[i].from[0] == '/'), rel) == 0 &&
            strcmp(r->div[i].package, pkg) != 0) {
            diverted = vz_xstrdup(r->div[i].to + (r->div[i].to[0] == '/'));
            use = diverted;
            break;
        }
    }
    bool exact = false;
    if (r->merged_usr && merged_prefix(use, &exact) >= 0) {
        if (exact) {
            *skip = true;
            return NULL;
        }
        return vz_xasprintf("%s/usr/%s", r->root, use);
    }
    return vz_xasprintf("%s/%s", r->root, use);
}

char *vz_unpack_path(const struct vz_unpack_root *r, const char *path, const char *pkg)
{
    while (*path == '/')
        path++;
    bool skip = false;
    char *p = disk_path(r, path, pkg, &skip);
    return p ? p : vz_xasprintf("%s/%s", r->root, path);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int sink_entry(void *vctx, struct archive *in, struct archive_entry *e, const char *rel,
                      const struct vz_deb_info *info, vz_error_t *err)
{
    struct sink_ctx *c = vctx;
    if (rel[0] == '\0')
        return 0; /* "./": the root already exists with its own mode */
    if (c->only) {
        cleanup_free char *abs = vz_xasprintf("/%s", rel);
        if (!bsearch(&abs, c->only, c->n_only, sizeof(char *), cmp_str))
            return 0;
    }
    bool skip = false;
    cleanup_free char *full = disk_path(c->r, rel, info->package, &skip);
    if (skip) {
        mode_t t = archive_entry_filetype(e);
        if (t == AE_IFDIR)
            return 0; /* the directory is the symlink's target, usr/<name> */
        cleanup_free char *want = vz_xasprintf("usr/%s", rel);
        const char *target = t == AE_IFLNK ? archive_entry_symlink(e) : NULL;
        if (target &&
            (strcmp(target, want) == 0 || (target[0] == '/' && strcmp(target + 1, want) == 0))) {
            if (!c->r->links_shipped)
                return 0; /* ours is there already, the same */
            full = vz_xasprintf("%s/%s", c->r->root, rel);
        } else {
            return vz_error_set(err, VZ_ECORRUPT, 0,
                                "%s: entry '%s' would replace the merged-/usr symlink /%s -> %s",
                                info->path, rel, rel, want);
        }
    }
    if (archive_entry_filetype(e) == AE_IFDIR) {
        /* dpkg keeps a directory symlink it finds on disk (var/run -> /run). */
        struct stat st;
        if (lstat(full, &st) == 0 && S_ISLNK(st.st_mode))
            return 0;
    }
    if (archive_entry_filetype(e) != AE_IFDIR && is_conffile(c, info, rel)) {
        char *n = vz_xasprintf("%s.dpkg-new", full);
        free(full);
        full = n;
    }
    archive_entry_set_pathname(e, full);
    const char *hl = archive_entry_hardlink(e);
    if (hl) {
        cleanup_free char *hrel = vz_deb_safe_path(hl, info->path, err);
        if (!hrel)
            return -1;
        cleanup_free char *hfull = disk_path(c->r, hrel, info->package, &skip);
        if (skip)
            return vz_error_set(err, VZ_ECORRUPT, 0, "%s: hard link '%s' to a directory '%s'",
                                info->path, rel, hl);
        archive_entry_set_hardlink(e, hfull);
    }
    int r = disk_header(c->disk, e);
    if (r < ARCHIVE_WARN)
        return vz_error_set(err, VZ_ECORRUPT, archive_errno(c->disk) > 0 ? archive_errno(c->disk) : 0,
                            "%s: cannot unpack '/%s': %s", info->path, rel,
                            archive_error_string(c->disk));
    if (archive_entry_filetype(e) == AE_IFDIR) {
        c->dirs = vz_xrealloc(c->dirs, (c->n_dirs + 1) * sizeof(*c->dirs));
        c->dirs[c->n_dirs++] = (struct vz_deb_dir){
            .path = vz_xasprintf("/%s", rel),
            .mode = archive_entry_perm(e) & 07777,
            .uid = (uid_t)archive_entry_uid(e),
            .gid = (gid_t)archive_entry_gid(e),
            .mtime = archive_entry_mtime(e),
            .mtime_ns = archive_entry_mtime_nsec(e),
        };
    }
    if (c->gen_md5 < 0)
        c->gen_md5 = vz_deb_member(info, "md5sums") ? 0 : 1;
    EVP_MD_CTX *md = NULL;
    if (c->gen_md5 && archive_entry_filetype(e) == AE_IFREG && !hl) {
        md = EVP_MD_CTX_new();
        if (!md || EVP_DigestInit_ex(md, EVP_md5(), NULL) != 1) {
            EVP_MD_CTX_free(md);
            return vz_error_set(err, VZ_ESYSTEM, 0, "%s: OpenSSL md5 unavailable", info->path);
        }
    }
    if (archive_entry_size(e) > 0 && !hl) {
        const void *buf;
        size_t size;
        la_int64_t off;
        while ((r = archive_read_data_block(in, &buf, &size, &off)) == ARCHIVE_OK) {
            if (md)
                EVP_DigestUpdate(md, buf, size);
            if (archive_write_data_block(c->disk, buf, size, off) < ARCHIVE_WARN) {
                EVP_MD_CTX_free(md);
                return vz_error_set(err, VZ_ESYSTEM,
                                    archive_errno(c->disk) > 0 ? archive_errno(c->disk) : 0,
                                    "%s: writing '/%s': %s", info->path, rel,
                                    archive_error_string(c->disk));
            }
        }
        if (r != ARCHIVE_EOF) {
            EVP_MD_CTX_free(md);
            return vz_error_set(err, VZ_ECORRUPT, 0, "%s: reading '/%s': %s", info->path, rel,
                                archive_error_string(in));
        }
    }
    if (md) {
        unsigned char d[EVP_MAX_MD_SIZE];
        unsigned int dlen = 0;
        char hex[2 * EVP_MAX_MD_SIZE + 1];
        EVP_DigestFinal_ex(md, d, &dlen);
        EVP_MD_CTX_free(md);
        vz_hex_encode(d, dlen, hex);
        vz_buf_addf(&c->md5sums, "%s  %s\n", hex, rel);
    }
    if (archive_write_finish_entry(c->disk) < ARCHIVE_WARN)
        return vz_error_set(err, VZ_ESYSTEM, archive_errno(c->disk) > 0 ? archive_errno(c->disk) : 0,
                            "%s: finishing '/%s': %s", info->path, rel,
                            archive_error_string(c->disk));
    return 0;
}

static int unpack(const struct vz_unpack_root *r, const char *deb, const void *image,
                  size_t image_len, const char *const *only, size_t n_only,
                  struct vz_deb_info **out, vz_error_t *err)
{
    *out = NULL;
    struct sink_ctx c = { r, disk_new(), NULL, false, only, n_only, -1, VZ_BUF_INIT, NULL, 0 };
    vz_buf_init(&c.md5sums);
    /* Numeric owners on purpose: no archive_write_disk_set_standard_lookup(),
     * which would map names through the host's passwd and group files. */
    archive_write_disk_set_options(c.disk, ARCHIVE_EXTRACT_OWNER | ARCHIVE_EXTRACT_PERM |
                                               ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_XATTR |
                                               ARCHIVE_EXTRACT_SECURE_SYMLINKS |
                                               ARCHIVE_EXTRACT_SECURE_NODOTDOT);
    struct vz_deb_sink sink = { sink_entry, &c };
    int ret = vz_deb_read_image(deb, image, image_len, &sink, out, err);
    /* close applies the deferred directory modes and times */
    if (archive_write_close(c.disk) != ARCHIVE_OK && ret == 0) {
        ret = vz_error_set(err, VZ_ESYSTEM, 0, "%s: finishing directories: %s", deb,
                           archive_error_string(c.disk));
        vz_deb_info_free(*out);
        *out = NULL;
    }
    archive_write_free(c.disk);
    vz_strv_free(c.conffiles);
    if (ret == 0 && c.gen_md5 == 1 && c.md5sums.len) {
        struct vz_deb_info *info = *out;
        info->members = vz_xrealloc(info->members, (info->n_members + 1) * sizeof(*info->members));
        struct vz_deb_member *m = &info->members[info->n_members++];
        m->name = vz_xstrdup("md5sums");
        m->mode = 0644;
        m->data = vz_buf_detach(&c.md5sums, &m->len);
    }
    vz_buf_release(&c.md5sums);
    if (ret == 0 && *out) {
        (*out)->dirs = c.dirs;
        (*out)->n_dirs = c.n_dirs;
    } else {
        for (size_t i = 0; i < c.n_dirs; i++)
            free(c.dirs[i].path);
        free(c.dirs);
    }
    return ret;
}

int vz_unpack_deb(const struct vz_unpack_root *r, const char *deb, struct vz_deb_info **out,
                  vz_error_t *err)
{
    return unpack(r, deb, NULL, 0, NULL, 0, out, err);
}

int vz_unpack_deb_image(const struct vz_unpack_root *r, const char *deb, const void *image,
                        size_t len, struct vz_deb_info **out, vz_error_t *err)
{
    return unpack(r, deb, image, len, NULL, 0, out, err);
}

int vz_unpack_deb_paths(const struct vz_unpack_root *r, const char *deb, const char *const *paths,
                        size_t n, vz_error_t *err)
{
    struct vz_deb_info *info = NULL;
    int ret = unpack(r, deb, NULL, 0, paths, n, &info, err);
    vz_deb_info_free(info);
    return ret;
}
