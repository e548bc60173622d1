/* cache/diff.c: cached manifest vs fresh resolution (see diff.h). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "cache/diff.h"

/* ---- Debian version comparison (Debian Policy 5.6.12) ---- */

/* Weight of one character in the non-digit part: '~' before the end, the
 * end (and digits, which end a non-digit run) before letters, letters
 * before everything else. */
static int order(char c)
{
    if (c == '~')
        return -1;
    if (c == '\0' || isdigit((unsigned char)c))
        return 0;
    if (isalpha((unsigned char)c))
        return (unsigned char)c;
    return (unsigned char)c + 256;
}

/* Compare [a, ae) with [b, be): alternating non-digit and digit runs. */
static int part_cmp(const char *a, const char *ae, const char *b, const char *be)
{
#define AT(p, e) ((p) < (e) ? *(p) : '\0')
    while (a < ae || b < be) {
        while ((a < ae && !isdigit((unsigned char)*a)) || (b < be && !isdigit((unsigned char)*b))) {
            int oa = order(AT(a, ae)), ob = order(AT(b, be));
            if (oa != ob)
                return oa < ob ? -1 : 1;
            a++;
            b++;
        }
        while (a < ae && *a == '0')
            a++;
        while (b < be && *b == '0')
            b++;
        int first = 0;
        while (a < ae && b < be && isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
            if (!first)
                first = *a - *b;
            a++;
            b++;
        }
        if (a < ae && isdigit((unsigned char)*a))
            return 1;
        if (b < be && isdigit((unsigned char)*b))
            return -1;
        if (first)
            return first < 0 ? -1 : 1;
    }
    return 0;
#undef AT
}

struct ver {
    unsigned long epoch;
    const char *up, *up_end, *rev, *rev_end;
};

static void ver_split(const char *v, struct ver *out)
{
    const char *colon = strchr(v, ':');
    out->epoch = 0;
    if (colon) {
        out->epoch = strtoul(v, NULL, 10);
        v = colon + 1;
    }
    const char *end = v + strlen(v);
    const char *dash = strrchr(v, '-');
    out->up = v;
    out->up_end = dash ? dash : end;
    out->rev = dash ? dash + 1 : end;
    out->rev_end = end;
}

int vz_deb_version_cmp(const char *a, const char *b)
{
    struct ver va, vb;
    ver_split(a, &va);
    ver_split(b, &vb);
    if (va.epoch != vb.epoch)
        return va.epoch < vb.epoch ? -1 : 1;
    int r = part_cmp(va.up, va.up_end, vb.up, vb.up_end);
    return r ? r : part_cmp(va.rev, va.rev_end, vb.rev, vb.rev_end);
}

/* ---- the diff ---- */

static int pkg_cmp(const void *x, const void *y)
{
    const struct vz_manifest_pkg *a = *(const struct vz_manifest_pkg *const *)x;
    const struct vz_manifest_pkg *b = *(const struct vz_manifest_pkg *const *)y;
    int r = strcmp(a->name, b->name);
    if (r == 0)
        r = strcmp(a->arch, b->arch);
    return r ? r : strcmp(a->version, b->version);
}

static const struct vz_manifest_pkg **sorted(const struct vz_manifest *m)
{
    const struct vz_manifest_pkg **v = vz_xcalloc(m->n_pkgs + 1, sizeof(*v));
    for (size_t i = 0; i < m->n_pkgs; i++)
        v[i] = &m->pkgs[i];
    qsort(v, m->n_pkgs, sizeof(*v), pkg_cmp);
    return v;
}

static char *dup_or_null(const char *s)
{
    return s ? vz_xstrdup(s) : NULL;
}

static void add_change(struct vz_cache_diff *d, enum vz_pkg_change_kind k,
                       const struct vz_manifest_pkg *o, const struct vz_manifest_pkg *n,
                       bool qualified)
{
    d->changes = vz_xrealloc(d->changes, (d->n_changes + 1) * sizeof(*d->changes));
    struct vz_pkg_change *c = &d->changes[d->n_changes++];
    c->kind = k;
    c->name = vz_xstrdup(o ? o->name : n->name);
    c->old_version = dup_or_null(o ? o->version : NULL);
    c->old_arch = dup_or_null(o ? o->arch : NULL);
    c->new_version = dup_or_null(n ? n->version : NULL);
    c->new_arch = dup_or_null(n ? n->arch : NULL);
    c->qualified = qualified;
    switch (k) {
    case VZ_PKG_ADDED: d->n_added++; break;
    case VZ_PKG_REMOVED: d->n_removed++; break;
    case VZ_PKG_UPGRADED: d->n_upgraded++; break;
    case VZ_PKG_DOWNGRADED: d->n_downgraded++; break;
    case VZ_PKG_REBUILT: d->n_rebuilt++; break;
    }
}

static void compare_pair(struct vz_cache_diff *d, const struct vz_manifest_pkg *o,
                         const struct vz_manifest_pkg *n, bool qualified)
{
    int v = vz_deb_version_cmp(o->version, n->version);
    if (v < 0) {
        add_change(d, VZ_PKG_UPGRADED, o, n, qualified);
    } else if (v > 0) {
        add_change(d, VZ_PKG_DOWNGRADED, o, n, qualified);
    } else if (strcmp(o->arch, n->arch) != 0 ||
               (o->sha256[0] && n->sha256[0] && strcmp(o->sha256, n->sha256) != 0)) {
        add_change(d, VZ_PKG_REBUILT, o, n, qualified);
    }
}

/* Entries [oi, oe) of the old side and [ni, ne) of the new side share one
 * name. */
static void compare_name(struct vz_cache_diff *d, const struct vz_manifest_pkg **o, size_t no,
                         const struct vz_manifest_pkg **n, size_t nn)
{
    if (no == 1 && nn == 1) {
        compare_pair(d, o[0], n[0], false);
        return;
    }
    bool q = no > 1 || nn > 1;
    /* both runs are sorted by architecture: merge */
    size_t i = 0, j = 0;
    while (i < no || j < nn) {
        int c = i == no ? 1 : j == nn ? -1 : strcmp(o[i]->arch, n[j]->arch);
        if (c < 0) {
            add_change(d, VZ_PKG_REMOVED, o[i++], NULL, q);
        } else if (c > 0) {
            add_change(d, VZ_PKG_ADDED, NULL, n[j++], q);
        } else {
            compare_pair(d, o[i++], n[j++], q);
        }
    }
}

static size_t run_len(const struct vz_manifest_pkg **v, size_t i, size_t n)
{
    size_t j = i;
    while (j < n && strcmp(v[j]->name, v[i]->name) == 0)
        j++;
    return j - i;
}

struct vz_cache_diff *vz_cache_diff(const struct vz_manifest *cached,
                                    const struct vz_manifest *fresh)
{
    struct vz_cache_diff *d = vz_xcalloc(1, sizeof(*d));
    const char *om = cached->metadata_sha256 ? cached->metadata_sha256 : "";
    const char *nm = fresh->metadata_sha256 ? fresh->metadata_sha256 : "";
    d->old_metadata_sha256 = vz_xstrdup(om);
    d->new_metadata_sha256 = vz_xstrdup(nm);
    d->metadata_changed = strcmp(om, nm) != 0;

    const struct vz_manifest_pkg **o = sorted(cached), **n = sorted(fresh);
    size_t i = 0, j = 0, no = cached->n_pkgs, nn = fresh->n_pkgs;
    while (i < no || j < nn) {
        int c = i == no ? 1 : j == nn ? -1 : strcmp(o[i]->name, n[j]->name);
        size_t ro = c <= 0 ? run_len(o, i, no) : 0;
        size_t rn = c >= 0 ? run_len(n, j, nn) : 0;
        if (c == 0) {
            compare_name(d, o + i, ro, n + j, rn);
        } else if (c < 0) {
            for (size_t k = 0; k < ro; k++)
                add_change(d, VZ_PKG_REMOVED, o[i + k], NULL, ro > 1);
        } else {
            for (size_t k = 0; k < rn; k++)
                add_change(d, VZ_PKG_ADDED, NULL, n[j + k], rn > 1);
        }
        i += ro;
        j += rn;
    }
    free(o);
    free(n);
    return d;
}

void vz_cache_diff_free(struct vz_cache_diff *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->n_changes; i++) {
        struct vz_pkg_change *c = &d->changes[i];
        free(c->name);
        free(c->old_version);
        free(c->old_arch);
        free(c->new_version);
        free(c->new_arch);
    }
    free(d->changes);
    free(d->old_metadata_sha256);
    free(d->new_metadata_sha256);
    free(d);
}

bool vz_cache_diff_unchanged(const struct vz_cache_diff *d)
{
    return !d->metadata_changed && d->n_changes == 0;
}

const char *vz_pkg_change_kind_str(enum vz_pkg_change_kind k)
{
    switch (k) {
    case VZ_PKG_ADDED: return "added";
    case VZ_PKG_REMOVED: return "removed";
    case VZ_PKG_UPGRADED: return "upgraded";
    case VZ_PKG_DOWNGRADED: return "downgraded";
    case VZ_PKG_REBUILT: return "rebuilt";
    }
    return "changed";
}

char *vz_pkg_change_str(const struct vz_pkg_change *c)
{
    const char *kind = vz_pkg_change_kind_str(c->kind);
    const char *arch = c->new_arch ? c->new_arch : c->old_arch;
    cleanup_free char *name = c->qualified ? vz_xasprintf("%s:%s", c->name, arch)
                                           : vz_xstrdup(c->name);
    switch (c->kind) {
    case VZ_PKG_ADDED:
        return vz_xasprintf("%s %s %s", kind, name, c->new_version);
    case VZ_PKG_REMOVED:
        return vz_xasprintf("%s %s %s", kind, name, c->old_version);
    case VZ_PKG_REBUILT:
        if (strcmp(c->old_arch, c->new_arch) != 0)
            return vz_xasprintf("%s %s %s (%s -> %s)", kind, name, c->new_version, c->old_arch,
                                c->new_arch);
        return vz_xasprintf("%s %s %s (new package file)", kind, name, c->new_version);
    case VZ_PKG_UPGRADED:
    case VZ_PKG_DOWNGRADED:
        if (strcmp(c->old_arch, c->new_arch) != 0)
            return vz_xasprintf("%s %s %s (%s) -> %s (%s)", kind, name, c->old_version,
                                c->old_arch, c->new_version, c->new_arch);
        return vz_xasprintf("%s %s %s -> %s", kind, name, c->old_version, c->new_version);
    }
    return vz_xstrdup(name);
}

void vz_manifest_set_digest(const struct vz_manifest *m, char out[65])
{
    const struct vz_manifest_pkg **v = sorted(m);
    struct vz_buf b = VZ_BUF_INIT;
    vz_buf_init(&b);
    vz_buf_addf(&b, "metadata %s\n", m->metadata_sha256 ? m->metadata_sha256 : "");
    for (size_t i = 0; i < m->n_pkgs; i++)
        vz_buf_addf(&b, "%s %s %s %s\n", v[i]->name, v[i]->arch, v[i]->version, v[i]->sha256);
    vz_sha256_hex(b.data, b.len, out);
    vz_buf_release(&b);
    free(v);
}
