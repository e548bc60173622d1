/* vpscore/dump_template.c: the template cache a vzdump --full archive
 * carries, landed in this host's store (dump.h). */
#include "vpscore/dump.h"
#include "vpscore/dump-internal.h"

#include "cache/manifest.h"
#include "cache/sign.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

/* The tarball entry into the landing's temp file, hashed on the way. */
static int copy_tarball(struct archive *a, const char *archive, int fd, char *hex, uint64_t *n, vz_error_t *err)
{
    struct vz_sha256 h;
    if (vz_sha256_init(&h, err) < 0)
        return -1;
    *n = 0;
    for (;;) {
        const void *buf;
        size_t size;
        la_int64_t off;
        int r = archive_read_data_block(a, &buf, &size, &off);
        if (r == ARCHIVE_EOF)
            break;
        if (r < ARCHIVE_WARN || (uint64_t)off != *n) {
            vz_sha256_release(&h);
            return vz_dump_corrupt(a, archive, err);
        }
        vz_sha256_update(&h, buf, size);
        for (const char *p = buf; size > 0;) {
            ssize_t w = write(fd, p, size);
            if (w < 0 && errno == EINTR)
                continue;
            if (w < 0) {
                vz_sha256_release(&h);
                return vz_error_sys(err, "write template");
            }
            p += w;
            size -= (size_t)w;
            *n += (uint64_t)w;
        }
    }
    vz_sha256_final(&h, NULL, hex);
    vz_sha256_release(&h);
    return 0;
}

int vz_dump_land_template(const char *archive, const struct vz_dump_info *info, vz_error_t *err)
{
    struct archive *a;
    if (vz_dump_open(archive, &a, err) < 0)
        return -1;
    cleanup_free char *prefix = vz_xasprintf(VZ_DUMP_TMPL_DIR "%s.", info->ostemplate);
    cleanup_free char *mtext = NULL, *sig = NULL;
    size_t mlen = 0, slen = 0;
    struct vz_cache_txn *t = NULL;
    struct vz_manifest *m = NULL;
    char hex[VZ_SHA256_HEX_LEN + 1] = "";
    uint64_t n = 0;
    int r = -1, have_tar = 0;
    for (;;) {
        struct archive_entry *e;
        int h = archive_read_next_header(a, &e);
        if (h == ARCHIVE_EOF)
            break;
        if (h < ARCHIVE_WARN) {
            vz_dump_corrupt(a, archive, err);
            goto out;
        }
        const char *name = archive_entry_pathname(e);
        if (strncmp(name, prefix, strlen(prefix)) != 0)
            continue;
        const char *ext = name + strlen(prefix);
        char dummy[VZ_SHA256_HEX_LEN + 1];
        if (strcmp(ext, "manifest") == 0) {
            if (vz_dump_read_entry(a, archive, e, dummy, &mtext, &mlen, err) < 0)
                goto out;
        } else if (strcmp(ext, "manifest.sig") == 0) {
            if (vz_dump_read_entry(a, archive, e, dummy, &sig, &slen, err) < 0)
                goto out;
        } else if (strncmp(ext, "tar.", 4) == 0 && !have_tar) {
            if (vz_cache_begin(info->ostemplate, ext + 4, 30, &t, err) < 0 ||
                copy_tarball(a, archive, vz_cache_txn_fd(t), hex, &n, err) < 0)
                goto out;
            have_tar = 1;
        }
        if (have_tar && mtext && sig)
            break;
    }
    if (!have_tar || !mtext || !sig) {
        vz_error_set(err, VZ_ENOTEMPLATE, 0, "%s: no template %s in the archive", archive, info->ostemplate);
        goto out;
    }
    if (vz_verify(mtext, mlen, sig, slen, NULL, err) < 0 || vz_manifest_parse(mtext, mlen, &m, err) < 0) {
        vz_error_wrap(err, "%s: template %s", archive, info->ostemplate);
        goto out;
    }
    if (strcmp(m->tar_sha256, hex) != 0 || m->tar_size != n || strcmp(hex, info->template_sha256) != 0) {
        vz_error_set(err, VZ_EVERIFY, 0, "%s: template %s: the tarball does not match its signed manifest",
                     archive, info->ostemplate);
        goto out;
    }
    if (vz_cache_commit_signed(t, mtext, mlen, sig, slen, err) < 0)
        goto out;
    r = 0;
out:
    vz_manifest_free(m);
    vz_cache_txn_free(t);
    archive_read_free(a);
    return r;
}
