/* export.c: vz_export (export.h): verify, one pass writing every format's
 * tarballs, then each format's layout, renamed into place. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cache/export/export.h"
#include "cache/export/export_int.h"

static const char *const formats_known[] = { "rootfs", "oci", "lxc", "incus", NULL };

const char vz_export_noinit_note[] =
    "this image has no init (/sbin/init): it cannot boot as a system container; "
    "run a command in it instead";

bool vz_export_format_known(const char *fmt)
{
    for (const char *const *f = formats_known; *f; f++)
        if (!strcmp(*f, fmt))
            return true;
    return false;
}

json_t *vz_export_file_json(const char *kind, const char *path, uint64_t size, const char *sha)
{
    return json_pack("{s:s, s:s, s:I, s:s}", "kind", kind, "path", path, "size",
                     (json_int_t)size, "sha256", sha);
}

void vz_export_time(int64_t t, char out[32])
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int vz_export_replace(const char *tmp, const char *final, vz_error_t *err)
{
    if (vz_is_dir(final) && vz_is_dir(tmp)) {
        /* a directory cannot be renamed over a full one: swap, then remove */
        cleanup_free char *old = vz_xasprintf("%s.old.%d", final, (int)getpid());
        if (rename(final, old) < 0)
            return vz_error_sys(err, "rename %s", final);
        if (rename(tmp, final) < 0) {
            int r = vz_error_sys(err, "rename %s to %s", tmp, final);
            rename(old, final);
            return r;
        }
        return vz_rm_rf(old, err);
    }
    if (rename(tmp, final) < 0)
        return vz_error_sys(err, "rename %s to %s", tmp, final);
    return 0;
}

int vz_export_place(const char *src, const char *final, vz_error_t *err)
{
    cleanup_free char *tmp = vz_xasprintf("%s.tmp.%d", final, (int)getpid());
    unlink(tmp);
    if (link(src, tmp) < 0 && vz_copy_file(src, tmp, err) < 0)
        return -1;
    if (vz_export_replace(tmp, final, err) < 0) {
        unlink(tmp);
        return -1;
    }
    return 0;
}

struct vz_export_job {
    struct vz_export_src *s;
    struct vz_tarout *plain;          /* open during the pass */
    struct vz_export_copy plain_copy;
    char *plain_path;
    struct vz_tarout_sum plain_sum;
    struct vz_export_lxc *lxc;
    struct vz_export_incus *incus;
};

const char *vz_export_job_rootfs(const struct vz_export_job *j)
{
    return j->plain_path;
}

const struct vz_tarout_sum *vz_export_job_rootfs_sum(const struct vz_export_job *j)
{
    return &j->plain_sum;
}

static int pass_entry(struct archive *in, struct archive_entry *e, void *ctx, vz_error_t *err)
{
    struct vz_export_job *j = ctx;
    struct vz_export_copy *cs[3];
    size_t n = 0;
    if (j->plain)
        cs[n++] = &j->plain_copy;
    if (j->lxc)
        cs[n++] = vz_export_lxc_copy(j->lxc);
    if (j->incus)
        cs[n++] = vz_export_incus_copy(j->incus);
    return vz_export_copy_entry(cs, n, in, e, err);
}

static void job_free(struct vz_export_job *j)
{
    vz_tarout_abort(j->plain);
    if (j->plain_path)
        unlink(j->plain_path);
    free(j->plain_path);
    vz_export_lxc_free(j->lxc);
    vz_export_incus_free(j->incus);
}

static bool wants(char *const *formats, const char *f)
{
    return vz_strv_contains(formats, f);
}

/* The pass: every tarball of every format from one read of the cache. */
static int run_pass(struct vz_export_job *j, char *const *formats, const char *dir,
                    vz_error_t *err)
{
    struct vz_export_src *s = j->s;
    if (wants(formats, "rootfs") || wants(formats, "oci") || wants(formats, "incus")) {
        j->plain_path = vz_xasprintf("%s/.%s.rootfs.tmp.%d", dir, s->name, (int)getpid());
        unlink(j->plain_path);
        if (vz_tarout_open(j->plain_path, VZ_TAROUT_GZ, 0, &j->plain, err) < 0) {
            free(j->plain_path);
            j->plain_path = NULL;
            return -1;
        }
        j->plain_copy.out = j->plain;
        j->plain_copy.prefix = "";
        j->plain_copy.mtime = s->m->build_time;
    }
    if (wants(formats, "lxc") && vz_export_lxc_begin(s, dir, &j->lxc, err) < 0)
        return -1;
    if (wants(formats, "incus") && vz_export_incus_begin(s, dir, &j->incus, err) < 0)
        return -1;
    if (vz_export_src_walk(s, pass_entry, j, err) < 0)
        return -1;
    if (j->plain) {
        struct vz_tarout *t = j->plain;
        j->plain = NULL;
        if (vz_tarout_close(t, &j->plain_sum, err) < 0)
            return -1;
        if (j->plain_copy.devices_skipped)
            vz_warn("%s: %lu device nodes left out of the export", s->name,
                    j->plain_copy.devices_skipped);
    }
    return 0;
}

int vz_export(const char *name, char *const *formats, const char *dir, json_t **result,
              vz_error_t *err)
{
    return vz_export_with(name, formats, dir, 0, result, err);
}

int vz_export_with(const char *name, char *const *formats, const char *dir, int xz_level,
                   json_t **result, vz_error_t *err)
{
    for (char *const *f = formats; *f; f++)
        if (!vz_export_format_known(*f))
            return vz_error_set(err, VZ_EBADARG, 0,
                                "unknown export format '%s' (rootfs, oci, lxc, incus)", *f);
    struct vz_export_src *s = NULL;
    if (vz_export_src_open(name, &s, err) < 0)
        return -1;
    s->xz_level = xz_level;
    /* first the whole tarball against the signed manifest (and what it
     * holds: an init or not), so nothing is written from a bad cache */
    if (vz_export_src_walk(s, NULL, NULL, err) < 0 || vz_mkdir_p(dir, 0755, err) < 0) {
        vz_export_src_free(s);
        return vz_error_wrap(err, "export %s", name);
    }
    if (!s->has_init)
        vz_warn("%s: %s", name, vz_export_noinit_note);
    struct vz_export_job j = { .s = s };
    json_t *outs = json_array();
    int r = run_pass(&j, formats, dir, err);
    for (char *const *f = formats; r == 0 && *f; f++) {
        json_t *o = json_pack("{s:s}", "format", *f);
        if (!strcmp(*f, "rootfs"))
            r = vz_export_rootfs(s, &j, dir, o, err);
        else if (!strcmp(*f, "oci"))
            r = vz_export_oci(s, &j, dir, o, err);
        else if (!strcmp(*f, "lxc")) {
            r = vz_export_lxc_end(j.lxc, o, err);
        } else if (!strcmp(*f, "incus"))
            r = vz_export_incus_end(j.incus, &j, o, err);
        json_array_append_new(outs, o);
    }
    if (r == 0)
        *result = json_pack("{s:s, s:s, s:s, s:s, s:b, s:o}", "template", name, "cache_sha256",
                            s->cache->tar_sha256, "signer", s->signer, "architecture", s->arch,
                            "has_init", s->has_init, "outputs", outs);
    else
        json_decref(outs);
    job_free(&j);
    vz_export_src_free(s);
    return r < 0 ? vz_error_wrap(err, "export %s", name) : 0;
}

int vz_export_probe(const char *name, bool *has_init, vz_error_t *err)
{
    struct vz_export_src *s = NULL;
    if (vz_export_src_open(name, &s, err) < 0)
        return -1;
    int r = vz_export_src_walk(s, NULL, NULL, err);
    if (r == 0)
        *has_init = s->has_init;
    vz_export_src_free(s);
    return r;
}
