/* cache/tree_mark.c: the record of a verified shared tree (tree_mark.h). */
#include "cache/tree_mark.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <unistd.h>

char *vz_tree_mark_path(const char *tree)
{
    const char *slash = strrchr(tree, '/');
    if (slash == NULL)
        return vz_xasprintf(".%s.verified", tree);
    return vz_xasprintf("%.*s/.%s.verified", (int)(slash - tree), tree, slash + 1);
}

static char *record(const struct vz_cache_info *c, const struct stat *st)
{
    return vz_xasprintf("vzforge-tree 1 sha256=%s size=%" PRIu64 " tarball=%" PRIu64 ":%" PRIu64 ":%" PRIu64
                        ":%" PRId64 "%09ld:%" PRId64 "%09ld\n",
                        c->tar_sha256, c->tar_size, (uint64_t)st->st_dev, (uint64_t)st->st_ino,
                        (uint64_t)st->st_size, (int64_t)st->st_mtim.tv_sec, st->st_mtim.tv_nsec,
                        (int64_t)st->st_ctim.tv_sec, st->st_ctim.tv_nsec);
}

int vz_tree_mark_begin(const struct vz_cache_info *c, struct stat *tar_st, vz_error_t *err)
{
    cleanup_close int fd = -1;
    if (vz_cache_open_tarball(c, &fd, err) < 0)
        return -1;
    if (fstat(fd, tar_st) < 0)
        return vz_error_sys(err, "stat %s", c->tarball);
    return 0;
}

int vz_tree_mark_land(const char *tree, const struct vz_cache_info *c, const struct stat *tar_st,
                      vz_error_t *err)
{
    struct stat now;
    if (stat(c->tarball, &now) < 0)
        return vz_error_sys(err, "stat %s", c->tarball);
    if (now.st_dev != tar_st->st_dev || now.st_ino != tar_st->st_ino)
        return vz_error_set(err, VZ_ELOCKED, 0, "cache %s was replaced while being unpacked; create again",
                            c->name);
    cleanup_free char *path = vz_tree_mark_path(tree);
    cleanup_free char *text = record(c, tar_st);
    return vz_atomic_write(path, text, strlen(text), 0600, err);
}

/* Hash the open tarball against the signed manifest. */
static int rehash(int fd, const struct vz_cache_info *c, vz_error_t *err)
{
    struct vz_sha256 h;
    if (vz_sha256_init(&h, err) < 0)
        return -1;
    const size_t bufsz = 1 << 20;
    cleanup_free char *buf = vz_xmalloc(bufsz);
    uint64_t n = 0;
    for (off_t off = 0;;) {
        ssize_t r = pread(fd, buf, bufsz, off);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            vz_sha256_release(&h);
            return vz_error_sys(err, "read %s", c->tarball);
        }
        if (r == 0)
            break;
        vz_sha256_update(&h, buf, (size_t)r);
        off += r;
        n += (uint64_t)r;
    }
    char hex[VZ_SHA256_HEX_LEN + 1];
    vz_sha256_final(&h, NULL, hex);
    vz_sha256_release(&h);
    if (n != c->tar_size || strcmp(hex, c->tar_sha256) != 0)
        return vz_error_set(err, VZ_EVERIFY, 0,
                            "cache %s: tarball %s (%" PRIu64 " bytes, sha256 %s) is not what the signed manifest "
                            "says (%" PRIu64 " bytes, sha256 %s): it changed after it was signed; rebuild it "
                            "(vzpkg create-cache) or download it again", c->name, c->tarball, n, hex,
                            c->tar_size, c->tar_sha256);
    return 0;
}

int vz_tree_mark_check(const char *tree, const struct vz_cache_info *c, vz_error_t *err)
{
    cleanup_free char *path = vz_tree_mark_path(tree);
    cleanup_free char *have = NULL;
    vz_error_t e = NULL;
    bool missing = false;
    if (vz_read_file(path, &have, NULL, &e) < 0) {
        if (e->errnum != ENOENT) {
            *err = e;
            return vz_error_wrap(err, "shared tree %s", tree);
        }
        vz_error_release(&e);
        missing = true;
    }
    cleanup_close int fd = -1;
    struct stat st;
    /* the size check on the way: a truncated tarball fails here */
    if (vz_cache_open_tarball(c, &fd, err) < 0)
        return vz_error_wrap(err, "shared tree %s", tree);
    if (fstat(fd, &st) < 0)
        return vz_error_sys(err, "stat %s", c->tarball);
    cleanup_free char *want = record(c, &st);
    if (!missing && strcmp(have, want) == 0)
        return 0; /* the file hashed when the tree was made, unchanged since */
    if (!missing) {
        /* the part that does not depend on the tarball file must match */
        const char *tail = strstr(want, " tarball=");
        size_t head = (size_t)(tail - want);
        if (strncmp(have, want, head) != 0 || strncmp(have + head, " tarball=", 9) != 0 ||
            strchr(have, '\n') != have + strlen(have) - 1)
            return vz_error_set(err, VZ_ECORRUPT, 0,
                                "shared tree %s: its record %s does not match the signed manifest of cache %s "
                                "(sha256 %s, %" PRIu64 " bytes): the tree is not used; remove both (vzpkg clean "
                                "does, once no container uses the tree) and create again",
                                tree, path, c->name, c->tar_sha256, c->tar_size);
    }
    /* a tree from before records, or a tarball touched since it was
     * hashed: hash it now; good, and the record says so from now on */
    if (rehash(fd, c, err) < 0)
        return vz_error_wrap(err, "shared tree %s not used", tree);
    vz_info("shared tree %s: tarball %s verified again (%s)", tree, c->tarball,
            missing ? "no record yet" : "the file changed since it was hashed");
    return vz_atomic_write(path, want, strlen(want), 0600, err);
}
