/* tmplbuild/pack_sparse.c: sparse files in the packed tarball
 * (pack_sparse.h). */
#include "tmplbuild/pack_sparse.h"

#include <errno.h>
#include <unistd.h>

bool vz_pack_has_holes(const struct stat *st)
{
    return S_ISREG(st->st_mode) && st->st_size > 0 && (uint64_t)st->st_blocks * 512 < (uint64_t)st->st_size;
}

int vz_pack_sparse_map(int fd, const struct stat *st, struct archive_entry *e, const char *what,
                       vz_error_t *err)
{
    off_t size = st->st_size, pos = 0;
    int n = 0;
    archive_entry_sparse_clear(e);
    while (pos < size) {
        off_t data = lseek(fd, pos, SEEK_DATA);
        if (data < 0 && errno == ENXIO) /* only a hole from pos to the end */
            break;
        if (data < 0)
            return vz_error_sys(err, "find data in %s", what);
        if (data >= size)
            break;
        off_t hole = lseek(fd, data, SEEK_HOLE);
        if (hole < 0)
            return vz_error_sys(err, "find holes in %s", what);
        if (hole > size)
            hole = size;
        archive_entry_sparse_add_entry(e, data, hole - data);
        n++;
        pos = hole;
    }
    /* a map with nothing in it would mean "not sparse" to libarchive, and
     * the final hole needs an end anyway */
    if (n == 0 || pos < size)
        archive_entry_sparse_add_entry(e, size, 0);
    return 0;
}

static int put(struct archive *a, const void *p, size_t n, const char *what, vz_error_t *err)
{
    if (archive_write_data(a, p, n) != (la_ssize_t)n)
        return vz_error_set(err, VZ_EBUILD, archive_errno(a) > 0 ? archive_errno(a) : 0, "pack %s: %s", what,
                            archive_error_string(a));
    return 0;
}

int vz_pack_sparse_data(struct archive *a, int fd, struct archive_entry *e, char *buf, size_t bufsz,
                        const char *what, vz_error_t *err)
{
    cleanup_free char *zero = vz_xcalloc(1, bufsz);
    la_int64_t off, len;
    uint64_t pos = 0;
    archive_entry_sparse_reset(e);
    while (archive_entry_sparse_next(e, &off, &len) == ARCHIVE_OK) {
        for (; pos < (uint64_t)off;) { /* the hole before this region */
            size_t n = (uint64_t)off - pos < bufsz ? (size_t)((uint64_t)off - pos) : bufsz;
            if (put(a, zero, n, what, err) < 0)
                return -1;
            pos += n;
        }
        while (pos < (uint64_t)(off + len)) {
            size_t want = (uint64_t)(off + len) - pos < bufsz ? (size_t)((uint64_t)(off + len) - pos) : bufsz;
            ssize_t got = pread(fd, buf, want, (off_t)pos);
            if (got < 0 && errno == EINTR)
                continue;
            if (got < 0)
                return vz_error_sys(err, "read %s", what);
            if (got == 0)
                return vz_error_set(err, VZ_EBUILD, 0, "%s shrank while being packed", what);
            if (put(a, buf, (size_t)got, what, err) < 0)
                return -1;
            pos += (uint64_t)got;
        }
    }
    return 0;
}
