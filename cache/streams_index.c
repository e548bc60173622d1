/* cache/streams_index.c: streams/v1/index.json and images.json of a
 * published tree (cache/streams.h, docs/publish.md). */
#include "cache/streams.h"

#include <errno.h>
#include <jansson.h>
#include <string.h>
#include <time.h>

#include "cache/export/export.h"

/* sha256 of the concatenation of files a and b (the image fingerprint). */
static int combined_sha256(const char *a, const char *b, char hex[65], vz_error_t *err)
{
    struct vz_sha256 h;
    if (vz_sha256_init(&h, err) < 0)
        return -1;
    const char *files[] = { a, b };
    for (int i = 0; i < 2; i++) {
        FILE *f = fopen(files[i], "rb");
        if (!f) {
            vz_sha256_release(&h);
            return vz_error_sys(err, "open %s", files[i]);
        }
        char buf[1 << 16];
        size_t n;
        while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
            vz_sha256_update(&h, buf, n);
        int bad = ferror(f);
        fclose(f);
        if (bad) {
            vz_sha256_release(&h);
            return vz_error_sys(err, "read %s", files[i]);
        }
    }
    vz_sha256_final(&h, NULL, hex);
    vz_sha256_release(&h);
    return 0;
}

static json_t *item(const char *ftype, const char *rel, const char *hex, uint64_t size)
{
    return json_pack("{s:s, s:s, s:s, s:I}", "ftype", ftype, "path", rel, "sha256", hex, "size",
                     (json_int_t)size);
}

/* The items of one build, or NULL with err set. */
static json_t *version_items(const char *dir, const struct vz_index_build *b, vz_error_t *err)
{
    cleanup_free char *root_rel = vz_streams_root_path(b);
    cleanup_free char *meta_rel = vz_xasprintf("%s/%s/incus.tar.xz", b->name, b->id);
    cleanup_free char *root = vz_path_join(dir, root_rel);
    cleanup_free char *meta = vz_path_join(dir, meta_rel);
    char rhex[65], mhex[65], chex[65];
    uint64_t rsize = 0, msize = 0;
    if (vz_sha256_file(root, rhex, &rsize, err) < 0 || vz_sha256_file(meta, mhex, &msize, err) < 0 ||
        combined_sha256(meta, root, chex, err) < 0)
        return NULL;
    json_t *items = json_object();
    json_object_set_new(items, "root.tar.xz", item("root.tar.xz", root_rel, rhex, rsize));
    /* the same metadata file under the name each client looks for */
    const char *metas[] = { "incus.tar.xz", "lxd.tar.xz" };
    for (int i = 0; i < 2; i++) {
        json_t *m = item(metas[i], meta_rel, mhex, msize);
        json_object_set_new(m, "combined_sha256", json_string(chex));
        json_object_set_new(m, "combined_rootxz_sha256", json_string(chex));
        json_object_set_new(items, metas[i], m);
    }
    return items;
}

/* A product from the template's newest build. Without an init, the
 * release title (which LXD and Incus show in the image's description) says
 * so and vzforge.init/vzforge.note carry the mark for other readers. */
static json_t *new_product(const struct vz_streams_name *nm, const struct vz_index_build *b)
{
    cleanup_free char *aliases = vz_xasprintf("%s/%s/%s,%s", nm->os, nm->release, nm->variant,
                                              b->name);
    cleanup_free char *title = b->init == 0 ? vz_xasprintf("%s (no init: not bootable)", nm->release)
                                            : vz_xstrdup(nm->release);
    json_t *p = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:o}", "aliases", aliases, "arch",
                          nm->arch, "os", nm->os, "release", nm->release, "release_title", title,
                          "variant", nm->variant, "versions", json_object());
    if (b->init >= 0)
        json_object_set_new(p, "vzforge.init", json_string(b->init ? "/sbin/init" : "none"));
    if (b->init == 0)
        json_object_set_new(p, "vzforge.note", json_string(vz_export_noinit_note));
    return p;
}

static int write_json(const char *path, json_t *j, vz_error_t *err)
{
    char *text = json_dumps(j, JSON_SORT_KEYS | JSON_INDENT(2));
    if (!text)
        return vz_error_set(err, VZ_EFAIL, 0, "%s: cannot serialise JSON", path);
    struct vz_buf b = VZ_BUF_INIT;
    vz_buf_init(&b);
    vz_buf_adds(&b, text);
    vz_buf_addc(&b, '\n');
    free(text);
    int r = vz_atomic_write(path, b.data, b.len, 0644, err);
    vz_buf_release(&b);
    return r;
}

int vz_streams_write(const char *dir, const struct vz_index *ix, int64_t now, vz_error_t *err)
{
    json_t *products = json_object();
    int r = 0;
    for (size_t i = 0; r == 0 && i < ix->n; i++) {
        const struct vz_index_build *b = &ix->builds[i];
        struct vz_streams_name nm;
        if (vz_streams_parse_name(b->name, &nm) < 0) {
            vz_warn("%s: not in the simplestreams index: the name is not "
                    "DISTRO-RELEASE-ARCH[-VARIANT] with a known ARCH", b->name);
            continue;
        }
        cleanup_free char *key = vz_xasprintf("%s:%s:%s:%s", nm.os, nm.release, nm.arch,
                                              nm.variant);
        json_t *p = json_object_get(products, key);
        if (!p) {
            p = new_product(&nm, b);
            json_object_set_new(products, key, p);
        }
        vz_streams_name_release(&nm);
        json_t *versions = json_object_get(p, "versions");
        char vk[32];
        vz_streams_version_key(b->build_time, vk);
        cleanup_free char *vkey = json_object_get(versions, vk)
                                      ? vz_xasprintf("%s_%.12s", vk, b->sha256)
                                      : vz_xstrdup(vk);
        json_t *items = version_items(dir, b, err);
        if (!items) {
            r = vz_error_wrap(err, "simplestreams entry of %s/%s", b->name, b->id);
            break;
        }
        cleanup_free char *pub = vz_xasprintf("%s-%s", b->name, b->id);
        json_t *ver = json_pack("{s:o, s:s}", "items", items, "pubname", pub);
        if (b->init >= 0)
            json_object_set_new(ver, "vzforge.init", json_string(b->init ? "/sbin/init" : "none"));
        json_object_set_new(versions, vkey, ver);
    }
    char updated[64];
    time_t t = (time_t)now;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(updated, sizeof(updated), "%a, %d %b %Y %H:%M:%S +0000", &tm);
    json_t *keys = json_array();
    const char *k;
    json_t *v;
    json_object_foreach(products, k, v)
        json_array_append_new(keys, json_string(k));
    /* json_object_foreach follows insertion order: sort for stable output */
    size_t n = json_array_size(keys);
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && strcmp(json_string_value(json_array_get(keys, j - 1)),
                                          json_string_value(json_array_get(keys, j))) > 0; j--) {
            json_t *a = json_incref(json_array_get(keys, j - 1));
            json_array_set(keys, j - 1, json_array_get(keys, j));
            json_array_set_new(keys, j, a);
        }
    json_t *images = json_pack("{s:s, s:s, s:s, s:o, s:s}", "content_id", "images", "datatype",
                               "image-downloads", "format", "products:1.0", "products", products,
                               "updated", updated);
    json_t *index = json_pack("{s:s, s:{s:{s:s, s:s, s:s, s:o, s:s}}, s:s}", "format", "index:1.0",
                              "index", "images", "datatype", "image-downloads", "format",
                              "products:1.0", "path", "streams/v1/images.json", "products", keys,
                              "updated", updated, "updated", updated);
    cleanup_free char *sd = vz_path_join(dir, "streams/v1");
    cleanup_free char *ip = vz_path_join(sd, "images.json");
    cleanup_free char *xp = vz_path_join(sd, "index.json");
    if (r == 0)
        r = vz_mkdir_p(sd, 0755, err);
    /* images.json first: a client that sees the new index finds its products */
    if (r == 0)
        r = write_json(ip, images, err);
    if (r == 0)
        r = write_json(xp, index, err);
    json_decref(images);
    json_decref(index);
    return r;
}
