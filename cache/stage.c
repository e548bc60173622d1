/* cache/stage.c: check the builds of a staging tree and copy them into the
 * published tree (cache/stage.h). */
#include "cache/stage.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache/build_files.h"
#include "cache/manifest.h"
#include "cache/sign.h"
#include "cache/store.h"

/* Names that are directories of the published tree but not templates. */
static bool reserved(const char *name)
{
    return !strcmp(name, "streams") || !strcmp(name, "nightly");
}

static int skip_dot(const struct dirent *de)
{
    return de->d_name[0] != '.';
}

/* Sorted entries of dir not starting with '.'; *n = 0 when dir is missing. */
static int entries(const char *dir, struct dirent ***out, int *n, vz_error_t *err)
{
    *n = scandir(dir, out, skip_dot, alphasort);
    if (*n < 0) {
        *n = 0;
        *out = NULL;
        if (errno == ENOENT)
            return 0;
        return vz_error_sys(err, "read %s", dir);
    }
    return 0;
}

static void entries_free(struct dirent **e, int n)
{
    for (int i = 0; i < n; i++)
        free(e[i]);
    free(e);
}

/* Everything under dir is a regular file or a directory (the published
 * tree is served as plain files: a symlink there could name any file of the
 * server). Checked before the merge writes anything; copy_tree refuses the
 * same again. */
static int plain_tree(const char *dir, vz_error_t *err)
{
    struct dirent **e = NULL;
    int n = 0, r = entries(dir, &e, &n, err);
    for (int i = 0; r == 0 && i < n; i++) {
        cleanup_free char *p = vz_path_join(dir, e[i]->d_name);
        struct stat st;
        if (lstat(p, &st) < 0)
            r = vz_error_sys(err, "stat %s", p);
        else if (S_ISDIR(st.st_mode))
            r = plain_tree(p, err);
        else if (!S_ISREG(st.st_mode))
            r = vz_error_set(err, VZ_EVERIFY, 0, "%s: not a regular file or directory (a "
                             "published tree holds only plain files)", p);
    }
    entries_free(e, n);
    return r;
}

/* One staged build: signature, manifest, ID, tarball, as stage.h says. */
static int check_build(const char *bdir, const char *name, const char *id, vz_error_t *err)
{
    cleanup_free char *mp = vz_xasprintf("%s/%s.manifest", bdir, name);
    cleanup_free char *sp = vz_xasprintf("%s/%s.manifest.sig", bdir, name);
    cleanup_free char *text = NULL, *sig = NULL;
    size_t len = 0, slen = 0;
    if (vz_read_file(mp, &text, &len, err) < 0 || vz_read_file(sp, &sig, &slen, err) < 0)
        return -1;
    if (vz_verify(text, len, sig, slen, NULL, err) < 0)
        return vz_error_wrap(err, "%s", mp);
    struct vz_manifest *m = NULL;
    if (vz_manifest_parse(text, len, &m, err) < 0)
        return vz_error_wrap(err, "%s", mp);
    int r = 0;
    cleanup_free char *want_id = vz_xasprintf("%012lld-%.12s", (long long)m->build_time,
                                              m->tar_sha256);
    cleanup_free char *want_tar = vz_xasprintf("%s.tar.%s", name, m->compress);
    if (strcmp(m->template_name, name))
        r = vz_error_set(err, VZ_EVERIFY, 0, "%s: the manifest is for template '%s', not '%s'",
                         mp, m->template_name, name);
    else if (strcmp(id, want_id))
        r = vz_error_set(err, VZ_EVERIFY, 0,
                         "%s: build directory '%s' should be '%s' (build time and tarball "
                         "sha256 of its manifest)", bdir, id, want_id);
    else if (strcmp(m->tarball, want_tar))
        r = vz_error_set(err, VZ_EVERIFY, 0, "%s: the manifest names tarball '%s', not '%s'",
                         mp, m->tarball, want_tar);
    cleanup_free char *tp = vz_path_join(bdir, want_tar);
    char hex[65];
    uint64_t size = 0;
    if (r == 0 && vz_sha256_file(tp, hex, &size, err) < 0)
        r = -1;
    if (r == 0 && (size != m->tar_size || strcmp(hex, m->tar_sha256)))
        r = vz_error_set(err, VZ_EVERIFY, 0,
                         "%s: %llu bytes with sha256 %s, but the signed manifest says %llu "
                         "bytes with sha256 %s", tp, (unsigned long long)size, hex,
                         (unsigned long long)m->tar_size, m->tar_sha256);
    /* the exported files: exactly those of the build's signed list */
    if (r == 0)
        r = vz_build_files_check(bdir, name, id, m->tar_sha256, err);
    /* the simplestreams files are the merging host's to make (publish keeps
     * one that exists): a staged one would reach Incus and LXD unchecked */
    static const char *const streams_files[] = { "root.tar.xz", "incus.tar.xz" };
    for (size_t i = 0; r == 0 && i < VZ_ARRAY_SIZE(streams_files); i++) {
        cleanup_free char *sp2 = vz_path_join(bdir, streams_files[i]);
        struct stat st;
        if (lstat(sp2, &st) == 0)
            r = vz_error_set(err, VZ_EVERIFY, 0, "%s: a staged build brings no simplestreams "
                             "file (the merging host makes them from the checked cache)", sp2);
    }
    vz_manifest_free(m);
    if (r == 0)
        r = plain_tree(bdir, err);
    return r;
}

int vz_stage_check(const char *stage, struct vz_staged_build **out, size_t *n, vz_error_t *err)
{
    *out = NULL;
    *n = 0;
    if (!vz_is_dir(stage))
        return vz_error_set(err, VZ_EFAIL, ENOENT, "staging tree %s: not a directory", stage);
    struct dirent **names = NULL;
    int nn = 0, r = entries(stage, &names, &nn, err);
    struct vz_staged_build *v = NULL;
    size_t cnt = 0;
    for (int i = 0; r == 0 && i < nn; i++) {
        const char *name = names[i]->d_name;
        cleanup_free char *td = vz_path_join(stage, name);
        if (reserved(name) || !vz_is_dir(td))
            continue;
        if (!vz_safe_name(name)) {
            r = vz_error_set(err, VZ_EVERIFY, 0, "%s: not a template name", td);
            break;
        }
        struct dirent **ids = NULL;
        int ni = 0;
        r = entries(td, &ids, &ni, err);
        for (int j = 0; r == 0 && j < ni; j++) {
            cleanup_free char *bd = vz_path_join(td, ids[j]->d_name);
            if (!vz_is_dir(bd))
                continue;
            if (check_build(bd, name, ids[j]->d_name, err) < 0) {
                r = vz_error_wrap(err, "staged build %s/%s", name, ids[j]->d_name);
                break;
            }
            v = vz_xrealloc(v, sizeof(*v) * (cnt + 1));
            v[cnt].name = vz_xstrdup(name);
            v[cnt].id = vz_xstrdup(ids[j]->d_name);
            v[cnt].path = vz_xstrdup(bd);
            cnt++;
        }
        entries_free(ids, ni);
    }
    entries_free(names, nn);
    if (r < 0) {
        vz_staged_free(v, cnt);
        return -1;
    }
    *out = v;
    *n = cnt;
    return 0;
}

void vz_staged_free(struct vz_staged_build *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(b[i].name);
        free(b[i].id);
        free(b[i].path);
    }
    free(b);
}

int vz_stage_copy_tree(const char *src, const char *dst, vz_error_t *err)
{
    struct dirent **e = NULL;
    int n = 0, r = entries(src, &e, &n, err);
    for (int i = 0; r == 0 && i < n; i++) {
        cleanup_free char *s = vz_path_join(src, e[i]->d_name);
        cleanup_free char *d = vz_path_join(dst, e[i]->d_name);
        struct stat st;
        if (lstat(s, &st) < 0)
            r = vz_error_sys(err, "stat %s", s);
        else if (S_ISREG(st.st_mode))
            r = vz_copy_file(s, d, err);
        else if (!S_ISDIR(st.st_mode))
            r = vz_error_set(err, VZ_EVERIFY, 0, "%s: not a regular file or directory (a "
                             "published tree holds only plain files)", s);
        else if (mkdir(d, 0755) < 0)
            r = vz_error_sys(err, "create %s", d);
        else
            r = vz_stage_copy_tree(s, d, err);
    }
    entries_free(e, n);
    return r;
}

int vz_stage_copy(const char *dir, const struct vz_staged_build *b, char ***published,
                  char ***made, vz_error_t *err)
{
    cleanup_free char *ndir = vz_path_join(dir, b->name);
    cleanup_free char *final = vz_path_join(ndir, b->id);
    cleanup_free char *tmp = vz_xasprintf("%s/.%s.tmp", ndir, b->id);
    if (vz_is_dir(final)) {
        vz_info("%s: build %s already published", b->name, b->id);
        return 0;
    }
    int r = 0;
    if (!vz_is_dir(ndir)) {
        r = vz_mkdir_p(ndir, 0755, err);
        if (r == 0)
            vz_strv_push(made, ndir);
    }
    if (r == 0)
        r = vz_rm_rf(tmp, err);
    if (r == 0 && mkdir(tmp, 0755) < 0)
        r = vz_error_sys(err, "create %s", tmp);
    if (r == 0)
        r = vz_stage_copy_tree(b->path, tmp, err);
    if (r == 0)
        vz_cache_test_hook("merge-copied");
    if (r == 0 && rename(tmp, final) < 0)
        r = vz_error_sys(err, "rename %s to %s", tmp, final);
    if (r == 0)
        vz_cache_test_hook("merge-renamed");
    if (r < 0) {
        vz_error_t e = NULL;
        vz_rm_rf(tmp, &e);
        vz_error_release(&e);
        return vz_error_wrap(err, "merge %s/%s", b->name, b->id);
    }
    vz_strv_push(made, final);
    vz_info("%s: merged build %s from %s", b->name, b->id, b->path);
    if (published)
        vz_strv_push(published, b->id);
    return 0;
}
