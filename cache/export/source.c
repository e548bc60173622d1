/* source.c: the verified cache an export reads (export_int.h). */
#include <errno.h>
#include <locale.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "cache/export/export.h"
#include "cache/export/export_int.h"
#include "cache/sign.h"

struct arch_names {
    const char *kernel, *dpkg, *oci, *oci_variant;
};
static const struct arch_names arches[] = {
    { "x86_64", "amd64", "amd64", NULL },     { "aarch64", "arm64", "arm64", "v8" },
    { "i686", "i386", "386", NULL },          { "armv7l", "armhf", "arm", "v7" },
    { "ppc64le", "ppc64el", "ppc64le", NULL }, { "s390x", "s390x", "s390x", NULL },
    { "riscv64", "riscv64", "riscv64", NULL },
};
#define N_ARCHES (sizeof(arches) / sizeof(arches[0]))

static const struct arch_names *arch_by(const char *s)
{
    for (size_t i = 0; i < N_ARCHES; i++)
        if (!strcmp(s, arches[i].kernel) || !strcmp(s, arches[i].dpkg) ||
            (!strcmp(s, "i386") && !strcmp(arches[i].kernel, "i686")))
            return &arches[i];
    return NULL;
}

/* The template's name says its architecture (distro-release-arch[-variant]);
 * an imported cache with another name has its packages' architecture, and a
 * cache with neither is the host's. */
static const struct arch_names *find_arch(struct vz_export_src *s)
{
    cleanup_free char *n = vz_xstrdup(s->name);
    char *save = NULL, *part[8] = { 0 };
    int k = 0;
    for (char *t = strtok_r(n, "-", &save); t && k < 8; t = strtok_r(NULL, "-", &save))
        part[k++] = t;
    for (int i = 0; i < k; i++) {
        const struct arch_names *a = NULL;
        for (size_t j = 0; j < N_ARCHES; j++)
            if (!strcmp(part[i], arches[j].kernel))
                a = &arches[j];
        if (a && i >= 1) {
            s->distro = vz_xstrdup(part[0]);
            s->release = i >= 2 ? vz_xstrdup(part[1]) : vz_xstrdup("");
            struct vz_buf v = VZ_BUF_INIT;
            vz_buf_init(&v);
            for (int j = i + 1; j < k; j++)
                vz_buf_addf(&v, "%s%s", j > i + 1 ? "-" : "", part[j]);
            s->variant = vz_buf_detach(&v, NULL);
            return a;
        }
    }
    s->distro = vz_xstrdup(part[0] ? part[0] : s->name);
    s->release = vz_xstrdup("");
    s->variant = vz_xstrdup("");
    for (size_t i = 0; i < s->m->n_pkgs; i++) {
        const struct arch_names *a = arch_by(s->m->pkgs[i].arch);
        if (a)
            return a;
    }
    struct utsname u;
    const struct arch_names *a = uname(&u) == 0 ? arch_by(u.machine) : NULL;
    return a ? a : &arches[0];
}

int vz_export_src_open(const char *name, struct vz_export_src **out, vz_error_t *err)
{
    struct vz_export_src *s = vz_xcalloc(1, sizeof(*s));
    if (vz_cache_find(name, &s->cache, err) < 0 || vz_cache_verify_signature(s->cache, err) < 0 ||
        vz_cache_manifest(s->cache, &s->m, err) < 0 ||
        vz_sig_key_id(s->cache->sig_text, s->cache->sig_len, s->signer, err) < 0) {
        vz_export_src_free(s);
        return -1;
    }
    s->name = s->cache->name;
    const struct arch_names *a = find_arch(s);
    s->arch = a->kernel;
    s->oci_arch = a->oci;
    s->oci_variant = a->oci_variant;
    *out = s;
    return 0;
}

void vz_export_src_free(struct vz_export_src *s)
{
    if (!s)
        return;
    vz_cache_info_free(s->cache);
    vz_manifest_free(s->m);
    free(s->distro);
    free(s->release);
    free(s->variant);
    free(s);
}

/* ---- the walk: raw bytes hashed as libarchive reads them ---- */

struct reader {
    int fd;
    struct vz_sha256 h;
    uint64_t n;
    int errnum;
    char buf[1 << 17];
};

static la_ssize_t read_cb(struct archive *a, void *p, const void **out)
{
    struct reader *r = p;
    ssize_t n;
    do
        n = read(r->fd, r->buf, sizeof(r->buf));
    while (n < 0 && errno == EINTR);
    if (n < 0) {
        r->errnum = errno;
        archive_set_error(a, errno, "read");
        return -1;
    }
    vz_sha256_update(&r->h, r->buf, (size_t)n);
    r->n += (uint64_t)n;
    *out = r->buf;
    return n;
}

/* What the scan looks for: /sbin/init and /bin/sh, directly or behind the
 * merged-/usr links (sbin -> usr/sbin, bin -> usr/bin). */
struct scan {
    bool sbin_link, bin_link, sbin_init, usr_sbin_init, bin_sh, usr_bin_sh;
};

static void scan_entry(struct scan *sc, struct archive_entry *e)
{
    const char *p = archive_entry_pathname(e);
    if (!p)
        return;
    if (!strncmp(p, "./", 2))
        p += 2;
    const char *l = archive_entry_symlink(e);
    bool is_link = archive_entry_filetype(e) == AE_IFLNK && l;
    if (!strcmp(p, "sbin") && is_link)
        sc->sbin_link = !strcmp(l, "usr/sbin") || !strcmp(l, "/usr/sbin");
    else if (!strcmp(p, "bin") && is_link)
        sc->bin_link = !strcmp(l, "usr/bin") || !strcmp(l, "/usr/bin");
    else if (!strcmp(p, "sbin/init"))
        sc->sbin_init = true;
    else if (!strcmp(p, "usr/sbin/init"))
        sc->usr_sbin_init = true;
    else if (!strcmp(p, "bin/sh"))
        sc->bin_sh = true;
    else if (!strcmp(p, "usr/bin/sh"))
        sc->usr_bin_sh = true;
}

static int walk_entries(struct vz_export_src *s, struct archive *a, struct reader *rd,
                        vz_export_entry_fn fn, void *ctx, struct scan *sc, vz_error_t *err)
{
    for (;;) {
        struct archive_entry *e;
        int r = archive_read_next_header(a, &e);
        if (r == ARCHIVE_EOF)
            return 0;
        if (r < ARCHIVE_WARN)
            return vz_error_set(err, VZ_ECORRUPT, rd->errnum, "cache %s: tarball %s: %s", s->name,
                                s->cache->tarball, archive_error_string(a));
        /* ARCHIVE_WARN: a name that is not UTF-8, its bytes kept */
        scan_entry(sc, e);
        if (fn && fn(a, e, ctx, err) < 0)
            return -1;
    }
}

int vz_export_src_walk(struct vz_export_src *s, vz_export_entry_fn fn, void *ctx, vz_error_t *err)
{
    int fd = -1;
    if (vz_cache_open_tarball(s->cache, &fd, err) < 0)
        return -1;
    struct reader *rd = vz_xcalloc(1, sizeof(*rd));
    rd->fd = fd;
    if (vz_sha256_init(&rd->h, err) < 0) {
        close(fd);
        free(rd);
        return -1;
    }
    /* names are bytes: read and write them in C.UTF-8 whatever the caller's
     * locale (as tmplbuild/pack.c writes them) */
    locale_t utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
    locale_t prev = utf8 ? uselocale(utf8) : (locale_t)0;
    struct archive *a = archive_read_new();
    archive_read_support_filter_all(a);
    archive_read_support_format_tar(a);
    struct scan sc = { 0 };
    int r;
    if (archive_read_open(a, rd, NULL, read_cb, NULL) != ARCHIVE_OK)
        r = vz_error_set(err, VZ_ECORRUPT, rd->errnum, "cache %s: tarball %s: %s", s->name,
                         s->cache->tarball, archive_error_string(a));
    else
        r = walk_entries(s, a, rd, fn, ctx, &sc, err);
    /* hash what follows the archive's end too (padding): the manifest signs
     * the whole file */
    while (r == 0) {
        const void *p;
        la_ssize_t n = read_cb(a, rd, &p);
        if (n < 0)
            r = vz_error_sys(err, "cache %s: read %s", s->name, s->cache->tarball);
        if (n <= 0)
            break;
    }
    archive_read_free(a);
    if (utf8) {
        uselocale(prev);
        freelocale(utf8);
    }
    char hex[65];
    vz_sha256_final(&rd->h, NULL, hex);
    vz_sha256_release(&rd->h);
    close(fd);
    if (r == 0 && (rd->n != s->cache->tar_size || strcmp(hex, s->cache->tar_sha256) != 0))
        r = vz_error_set(err, VZ_EVERIFY, 0,
                         "cache %s: tarball %s (%llu bytes, sha256 %s) is not what the signed "
                         "manifest says (%llu bytes, sha256 %s): it changed after it was signed",
                         s->name, s->cache->tarball, (unsigned long long)rd->n, hex,
                         (unsigned long long)s->cache->tar_size, s->cache->tar_sha256);
    free(rd);
    if (r == 0) {
        s->has_init = sc.sbin_init || (sc.sbin_link && sc.usr_sbin_init);
        s->has_sh = sc.bin_sh || (sc.bin_link && sc.usr_bin_sh);
    }
    return r;
}
