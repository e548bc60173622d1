/* oci.c: an OCI image layout (image-spec v1.0: oci-layout, index.json,
 * blobs/sha256/) holding one image of one layer, the root file system. The
 * config's diff_ids name the uncompressed layer, hashed in the same pass
 * that compressed it. JSON is written compact with sorted keys, so the same
 * cache always gives the same digests. */
#include <errno.h>
#include <unistd.h>

#include <string.h>

#include "cache/export/export.h"
#include "cache/export/export_int.h"

#define MT_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MT_CONFIG "application/vnd.oci.image.config.v1+json"
#define MT_LAYER "application/vnd.oci.image.layer.v1.tar+gzip"
#define MT_INDEX "application/vnd.oci.image.index.v1+json"

/* Write j as a blob; its digest (sha256:HEX) and size into d. */
struct blob {
    char digest[72];
    char hex[65];
    size_t size;
};

static int put_json(const char *dir, const char *file, json_t *j, struct blob *b, vz_error_t *err)
{
    char *text = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(j);
    size_t len = strlen(text);
    int r;
    if (file) {
        cleanup_free char *p = vz_path_join(dir, file);
        r = vz_atomic_write(p, text, len, 0644, err);
    } else {
        vz_sha256_hex(text, len, b->hex);
        snprintf(b->digest, sizeof(b->digest), "sha256:%s", b->hex);
        b->size = len;
        cleanup_free char *p = vz_xasprintf("%s/blobs/sha256/%s", dir, b->hex);
        r = vz_atomic_write(p, text, len, 0644, err);
    }
    free(text);
    return r;
}

static json_t *labels(const struct vz_export_src *s)
{
    json_t *l = json_pack("{s:s, s:s, s:s, s:s}", "org.opencontainers.image.title", s->name,
                          "org.vzforge.template", s->name, "org.vzforge.cache.sha256",
                          s->cache->tar_sha256, "org.vzforge.init",
                          s->has_init ? "/sbin/init" : "none");
    if (!s->has_init)
        json_object_set_new(l, "org.vzforge.note", json_string(vz_export_noinit_note));
    return l;
}

static int write_layout(struct vz_export_src *s, const struct vz_export_job *j, const char *tmp,
                        json_t *out, vz_error_t *err)
{
    const struct vz_tarout_sum *sum = vz_export_job_rootfs_sum(j);
    char created[32];
    vz_export_time(s->m->build_time, created);
    cleanup_free char *blobs = vz_xasprintf("%s/blobs/sha256", tmp);
    cleanup_free char *layer = vz_xasprintf("%s/%s", blobs, sum->sha256);
    if (vz_mkdir_p(blobs, 0755, err) < 0 || vz_export_place(vz_export_job_rootfs(j), layer, err) < 0)
        return -1;
    char diff_id[72], layer_digest[72];
    snprintf(diff_id, sizeof(diff_id), "sha256:%s", sum->raw_sha256);
    snprintf(layer_digest, sizeof(layer_digest), "sha256:%s", sum->sha256);

    json_t *cfg = json_pack(
        "{s:s, s:s, s:s, s:{s:[s], s:[s], s:o}, s:{s:s, s:[s]}, s:[{s:s, s:s}]}", "created",
        created, "architecture", s->oci_arch, "os", "linux", "config", "Env",
        "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "Cmd",
        s->has_sh ? "/bin/sh" : (s->has_init ? "/sbin/init" : "/bin/sh"), "Labels", labels(s),
        "rootfs", "type", "layers", "diff_ids", diff_id, "history", "created", created,
        "created_by", "vzpkg export (vzforge)");
    if (s->oci_variant)
        json_object_set_new(cfg, "variant", json_string(s->oci_variant));
    struct blob bc, bm;
    if (put_json(tmp, NULL, cfg, &bc, err) < 0)
        return -1;
    json_t *ann = labels(s);
    json_object_set_new(ann, "org.opencontainers.image.created", json_string(created));
    json_t *man = json_pack("{s:i, s:s, s:{s:s, s:s, s:I}, s:[{s:s, s:s, s:I}], s:o}",
                            "schemaVersion", 2, "mediaType", MT_MANIFEST, "config", "mediaType",
                            MT_CONFIG, "digest", bc.digest, "size", (json_int_t)bc.size,
                            "layers", "mediaType", MT_LAYER, "digest", layer_digest, "size",
                            (json_int_t)sum->size, "annotations", ann);
    if (put_json(tmp, NULL, man, &bm, err) < 0)
        return -1;
    json_t *plat = json_pack("{s:s, s:s}", "architecture", s->oci_arch, "os", "linux");
    if (s->oci_variant)
        json_object_set_new(plat, "variant", json_string(s->oci_variant));
    json_t *idx = json_pack("{s:i, s:s, s:[{s:s, s:s, s:I, s:o, s:{s:s}}]}", "schemaVersion", 2,
                            "mediaType", MT_INDEX, "manifests", "mediaType", MT_MANIFEST,
                            "digest", bm.digest, "size", (json_int_t)bm.size, "platform", plat,
                            "annotations", "org.opencontainers.image.ref.name", VZ_EXPORT_OCI_REF);
    struct blob none;
    if (put_json(tmp, "index.json", idx, &none, err) < 0 ||
        put_json(tmp, "oci-layout", json_pack("{s:s}", "imageLayoutVersion", "1.0.0"), &none,
                 err) < 0)
        return -1;
    json_object_set_new(out, "ref", json_string(VZ_EXPORT_OCI_REF));
    json_object_set_new(out, "manifest_digest", json_string(bm.digest));
    json_object_set_new(out, "config_digest", json_string(bc.digest));
    json_object_set_new(out, "layer_digest", json_string(layer_digest));
    json_object_set_new(out, "diff_id", json_string(diff_id));
    json_object_set_new(out, "manifest_size", json_integer((json_int_t)bm.size));
    json_object_set_new(out, "config_size", json_integer((json_int_t)bc.size));
    return 0;
}

int vz_export_oci(struct vz_export_src *s, const struct vz_export_job *j, const char *dir,
                  json_t *out, vz_error_t *err)
{
    cleanup_free char *final = vz_xasprintf("%s/%s.oci", dir, s->name);
    cleanup_free char *tmp = vz_xasprintf("%s/.%s.oci.tmp.%d", dir, s->name, (int)getpid());
    vz_error_t e2 = NULL;
    vz_rm_rf(tmp, &e2);
    vz_error_release(&e2);
    if (vz_mkdir_p(tmp, 0755, err) < 0)
        return -1;
    int r = write_layout(s, j, tmp, out, err);
    if (r == 0)
        r = vz_export_replace(tmp, final, err);
    if (r < 0) {
        vz_rm_rf(tmp, &e2);
        vz_error_release(&e2);
        return -1;
    }
    /* the files, in the layout's final place */
    const struct vz_tarout_sum *sum = vz_export_job_rootfs_sum(j);
    json_t *files = json_array();
    const char *names[] = { "oci-layout", "index.json" };
    for (size_t i = 0; i < 2; i++) {
        cleanup_free char *p = vz_path_join(final, names[i]);
        char hex[65];
        uint64_t size = 0;
        if (vz_sha256_file(p, hex, &size, err) < 0) {
            json_decref(files);
            return -1;
        }
        json_array_append_new(files, vz_export_file_json(names[i], p, size, hex));
    }
    static const char *const blobs[][2] = { { "manifest", "manifest_digest" },
                                            { "config", "config_digest" } };
    for (size_t i = 0; i < 2; i++) {
        const char *d = json_string_value(json_object_get(out, blobs[i][1])) + 7;
        cleanup_free char *sk = vz_xasprintf("%s_size", blobs[i][0]);
        cleanup_free char *p = vz_xasprintf("%s/blobs/sha256/%s", final, d);
        json_array_append_new(files, vz_export_file_json(blobs[i][0], p,
                                                         (uint64_t)json_integer_value(
                                                             json_object_get(out, sk)), d));
        json_object_del(out, sk);
    }
    cleanup_free char *lp = vz_xasprintf("%s/blobs/sha256/%s", final, sum->sha256);
    json_array_append_new(files, vz_export_file_json("layer", lp, sum->size, sum->sha256));
    json_object_set_new(out, "path", json_string(final));
    json_object_set_new(out, "files", files);
    return 0;
}
