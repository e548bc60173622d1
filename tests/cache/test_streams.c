/* publish --simplestreams: the Incus/LXD image server files (cache/streams.h):
 * structure, hashes, metadata tarball, fetching back over HTTP, pruning,
 * names left out, xz caches, and a failure halfway that leaves no stream. */
#include <archive.h>
#include <archive_entry.h>
#include <criterion/criterion.h>
#include <curl/curl.h>
#include <jansson.h>
#include <string.h>
#include <yaml.h>

#include "cache/index.h"
#include "cache/store.h"
#include "cache/streams.h"
#include "common/common.h"
#include "tests/lib/httpd.h"
#include "tmplbuild/pack.h"
#include "util.h"

#define NAME "debian-12-x86_64-minimal"
#define PKEY "debian:12:amd64:minimal"

static char *top, *pub, *tree;

static void setup(void)
{
    top = vzt_mkdtemp("streams");
    char *root = vz_path_join(top, "root");
    setenv("VZ_ROOT", root, 1);
    free(root);
    pub = vz_path_join(top, "pub");
    tree = vz_path_join(top, "tree");
    vzt_make_tree(tree, 0, 1600000000);
    vz_log_level = VZ_LOG_WARN;
}

static void teardown(void)
{
    vz_error_t err = NULL;
    vz_rm_rf(top, &err);
    vz_error_release(&err);
    free(top);
    free(pub);
    free(tree);
    unsetenv("SOURCE_DATE_EPOCH");
}

TestSuite(streams, .init = setup, .fini = teardown, .timeout = 300);

static void build(const char *name, const char *sde, const char *compress)
{
    setenv("SOURCE_DATE_EPOCH", sde, 1);
    char *h = vz_path_join(tree, "etc/hostname");
    vzt_write(h, sde);
    free(h);
    struct vz_manifest *m = vz_manifest_new(name);
    struct vz_pack_opts o = VZ_PACK_OPTS_INIT;
    o.compress = compress;
    vz_error_t err = NULL;
    cr_assert_eq(vz_pack_to_cache(tree, m, &o, 0, NULL, &err), 0, "%s", vzt_errmsg(&err));
    vz_manifest_free(m);
}

static void publish(const char *name, bool streams, int keep)
{
    char *names[] = { (char *)name, NULL };
    struct vz_publish_opts o = { keep, streams, 0, NULL, NULL, NULL };
    vz_error_t err = NULL;
    cr_assert_eq(vz_publish_with(pub, name ? names : NULL, &o, NULL, &err), 0, "%s",
                 vzt_errmsg(&err));
}

static json_t *load(const char *rel)
{
    char *p = vz_path_join(pub, rel);
    json_error_t je;
    json_t *j = json_load_file(p, 0, &je);
    cr_assert(j, "%s: %s", p, je.text);
    free(p);
    return j;
}

static const char *str(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    cr_assert(s, "missing string \"%s\"", key);
    return s;
}

static json_t *only_version(json_t *images, const char *pkey, const char *want_key)
{
    json_t *p = json_object_get(json_object_get(images, "products"), pkey);
    cr_assert(p, "product %s missing", pkey);
    json_t *vs = json_object_get(p, "versions");
    cr_assert_eq(json_object_size(vs), 1);
    json_t *v = json_object_get(vs, want_key);
    cr_assert(v, "version %s missing", want_key);
    return json_object_get(v, "items");
}

static void sha256_concat(const char *a, const char *b, char hex[65])
{
    size_t la, lb;
    char *da = vzt_slurp(a, &la), *db = vzt_slurp(b, &lb);
    char *all = vz_xcalloc(1, la + lb + 1);
    memcpy(all, da, la);
    memcpy(all + la, db, lb);
    vz_sha256_hex(all, la + lb, hex);
    free(all);
    free(da);
    free(db);
}

Test(streams, json_has_the_structure_incus_reads)
{
    build(NAME, "1700000000", NULL);
    publish(NAME, true, 3);
    json_t *ix = load("streams/v1/index.json");
    cr_assert_str_eq(str(ix, "format"), "index:1.0");
    json_t *e = json_object_get(json_object_get(ix, "index"), "images");
    cr_assert_str_eq(str(e, "datatype"), "image-downloads");
    cr_assert_str_eq(str(e, "format"), "products:1.0");
    cr_assert_str_eq(str(e, "path"), "streams/v1/images.json");
    json_t *keys = json_object_get(e, "products");
    cr_assert_eq(json_array_size(keys), 1);
    cr_assert_str_eq(json_string_value(json_array_get(keys, 0)), PKEY);

    json_t *im = load("streams/v1/images.json");
    cr_assert_str_eq(str(im, "format"), "products:1.0");
    cr_assert_str_eq(str(im, "datatype"), "image-downloads");
    cr_assert_str_eq(str(im, "content_id"), "images");
    cr_assert_eq(json_object_size(json_object_get(im, "products")), 1);
    json_t *p = json_object_get(json_object_get(im, "products"), PKEY);
    cr_assert_str_eq(str(p, "arch"), "amd64");
    cr_assert_str_eq(str(p, "os"), "debian");
    cr_assert_str_eq(str(p, "release"), "12");
    cr_assert_str_eq(str(p, "release_title"), "12 (no init: not bootable)"); /* the tree has no init */
    cr_assert_str_eq(str(p, "variant"), "minimal");
    cr_assert_str_eq(str(p, "aliases"), "debian/12/minimal," NAME);
    /* 1700000000 = 2023-11-14 22:13:20 UTC */
    json_t *items = only_version(im, PKEY, "20231114_2213");
    cr_assert_eq(json_object_size(items), 3);
    const char *k;
    json_t *it;
    json_object_foreach(items, k, it) {
        cr_assert_str_eq(str(it, "ftype"), k);
        char *f = vz_path_join(pub, str(it, "path"));
        char hex[65];
        uint64_t size = 0;
        vz_error_t err = NULL;
        cr_assert_eq(vz_sha256_file(f, hex, &size, &err), 0, "%s: %s", k, vzt_errmsg(&err));
        cr_assert_str_eq(str(it, "sha256"), hex, "%s: sha256 of %s", k, f);
        cr_assert_eq((uint64_t)json_integer_value(json_object_get(it, "size")), size, "%s", k);
        free(f);
    }
    cr_assert(json_object_get(items, "root.tar.xz") && json_object_get(items, "incus.tar.xz") &&
              json_object_get(items, "lxd.tar.xz"));
    char *root = vz_path_join(pub, str(json_object_get(items, "root.tar.xz"), "path"));
    char *meta = vz_path_join(pub, str(json_object_get(items, "incus.tar.xz"), "path"));
    cr_assert(strstr(root, "/" NAME "/001700000000-") && strstr(root, "/root.tar.xz"), "%s", root);
    char want[65];
    sha256_concat(meta, root, want);
    const char *metas[] = { "incus.tar.xz", "lxd.tar.xz" };
    for (int i = 0; i < 2; i++) {
        json_t *m = json_object_get(items, metas[i]);
        cr_assert_str_eq(str(m, "path"), str(json_object_get(items, "incus.tar.xz"), "path"));
        cr_assert_str_eq(str(m, "combined_sha256"), want, "%s", metas[i]);
        cr_assert_str_eq(str(m, "combined_rootxz_sha256"), want, "%s", metas[i]);
    }
    free(root);
    free(meta);
    json_decref(ix);
    json_decref(im);
}

/* All the bytes of a (compressed) single stream, decompressed, hashed. */
static void raw_sha256(const char *path, char hex[65])
{
    struct archive *a = archive_read_new();
    archive_read_support_filter_all(a);
    archive_read_support_format_raw(a);
    struct archive_entry *e;
    cr_assert_eq(archive_read_open_filename(a, path, 65536), ARCHIVE_OK, "%s", path);
    cr_assert_eq(archive_read_next_header(a, &e), ARCHIVE_OK, "%s", path);
    struct vz_sha256 h;
    vz_error_t err = NULL;
    cr_assert_eq(vz_sha256_init(&h, &err), 0);
    char buf[65536];
    la_ssize_t n;
    while ((n = archive_read_data(a, buf, sizeof(buf))) > 0)
        vz_sha256_update(&h, buf, (size_t)n);
    cr_assert_eq(n, 0, "%s: %s", path, archive_error_string(a));
    vz_sha256_final(&h, NULL, hex);
    vz_sha256_release(&h);
    archive_read_free(a);
}

Test(streams, root_tar_xz_is_xz_holding_the_caches_tar_stream)
{
    build(NAME, "1700000000", NULL);
    publish(NAME, true, 3);
    struct vz_cache_info *c = NULL;
    vz_error_t err = NULL;
    cr_assert_eq(vz_cache_find(NAME, &c, &err), 0, "%s", vzt_errmsg(&err));
    json_t *im = load("streams/v1/images.json");
    json_t *items = only_version(im, PKEY, "20231114_2213");
    char *root = vz_path_join(pub, str(json_object_get(items, "root.tar.xz"), "path"));
    size_t len;
    char *data = vzt_slurp(root, &len);
    cr_assert(len > 6 && !memcmp(data, "\xfd" "7zXZ\0", 6), "%s is not xz", root);
    free(data);
    char a[65], b[65];
    raw_sha256(root, a);
    raw_sha256(c->tarball, b);
    cr_assert_str_eq(a, b, "root.tar.xz does not hold the cache's tar stream");
    free(root);
    json_decref(im);
    vz_cache_info_free(c);
}

/* The value at a mapping path ("properties", "os") of a libyaml document. */
static const char *yget(yaml_document_t *d, const char *k1, const char *k2)
{
    yaml_node_t *n = yaml_document_get_root_node(d);
    const char *keys[] = { k1, k2 };
    for (int i = 0; i < 2 && keys[i]; i++) {
        cr_assert_eq(n->type, YAML_MAPPING_NODE);
        yaml_node_t *next = NULL;
        for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top;
             p++) {
            yaml_node_t *kn = yaml_document_get_node(d, p->key);
            if (!strcmp((char *)kn->data.scalar.value, keys[i]))
                next = yaml_document_get_node(d, p->value);
        }
        cr_assert(next, "metadata.yaml: no %s", keys[i]);
        n = next;
    }
    return n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : "<mapping>";
}

Test(streams, metadata_tarball_has_metadata_yaml_and_templates)
{
    build(NAME, "1700000000", NULL);
    publish(NAME, true, 3);
    json_t *im = load("streams/v1/images.json");
    json_t *items = only_version(im, PKEY, "20231114_2213");
    char *meta = vz_path_join(pub, str(json_object_get(items, "incus.tar.xz"), "path"));
    struct archive *a = archive_read_new();
    archive_read_support_filter_all(a);
    archive_read_support_format_all(a);
    cr_assert_eq(archive_read_open_filename(a, meta, 65536), ARCHIVE_OK);
    cr_assert_eq(archive_filter_code(a, 0), ARCHIVE_FILTER_XZ);
    struct archive_entry *e;
    struct vz_buf names = VZ_BUF_INIT, yml = VZ_BUF_INIT, tpl = VZ_BUF_INIT;
    vz_buf_init(&names);
    vz_buf_init(&yml);
    vz_buf_init(&tpl);
    while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
        const char *n = archive_entry_pathname(e);
        vz_buf_addf(&names, "%s;", n);
        struct vz_buf *dst = !strcmp(n, "metadata.yaml")          ? &yml
                             : !strcmp(n, "templates/hostname.tpl") ? &tpl
                                                                    : NULL;
        char buf[4096];
        la_ssize_t k;
        while ((k = archive_read_data(a, buf, sizeof(buf))) > 0)
            if (dst)
                vz_buf_add(dst, buf, (size_t)k);
    }
    archive_read_free(a);
    cr_assert_str_eq(names.data, "metadata.yaml;templates/;templates/hostname.tpl;templates/hosts.tpl;");
    cr_assert_str_eq(tpl.data, "{{ container.name }}\n");
    yaml_parser_t p;
    yaml_document_t d;
    yaml_parser_initialize(&p);
    yaml_parser_set_input_string(&p, (unsigned char *)yml.data, yml.len);
    cr_assert(yaml_parser_load(&p, &d), "metadata.yaml does not parse:\n%s", yml.data);
    cr_assert_str_eq(yget(&d, "architecture", NULL), "x86_64");
    cr_assert_str_eq(yget(&d, "creation_date", NULL), "1700000000");
    cr_assert_str_eq(yget(&d, "properties", "os"), "debian");
    cr_assert_str_eq(yget(&d, "properties", "release"), "12");
    cr_assert_str_eq(yget(&d, "properties", "variant"), "minimal");
    cr_assert_str_eq(yget(&d, "properties", "architecture"), "amd64");
    cr_assert_str_eq(yget(&d, "properties", "serial"), "20231114_2213");
    cr_assert_str_eq(yget(&d, "templates", "/etc/hostname"), "<mapping>");
    cr_assert_str_eq(yget(&d, "templates", "/etc/hosts"), "<mapping>");
    cr_assert(strstr(yml.data, "template: hostname.tpl") && strstr(yml.data, "template: hosts.tpl") &&
                  strstr(yml.data, "when: [create, copy]"),
              "%s", yml.data);
    yaml_document_delete(&d);
    yaml_parser_delete(&p);
    vz_buf_release(&names);
    vz_buf_release(&yml);
    vz_buf_release(&tpl);
    free(meta);
    json_decref(im);
}

static size_t sink(char *ptr, size_t size, size_t nmemb, void *ud)
{
    vz_buf_add(ud, ptr, size * nmemb);
    return size * nmemb;
}

static void http_get(struct vz_httpd *h, const char *path, struct vz_buf *out)
{
    char *url = vz_httpd_url(h, path);
    CURL *c = curl_easy_init();
    vz_buf_reset(out);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
    curl_easy_setopt(c, CURLOPT_FAILONERROR, 1L);
    CURLcode rc = curl_easy_perform(c);
    cr_assert_eq(rc, CURLE_OK, "GET %s: %s", url, curl_easy_strerror(rc));
    curl_easy_cleanup(c);
    free(url);
}

Test(streams, served_tree_is_fetched_back_by_following_the_index)
{
    build(NAME, "1700000000", NULL);
    publish(NAME, true, 3);
    struct vz_httpd *h = vz_httpd_start(pub);
    struct vz_buf b = VZ_BUF_INIT;
    vz_buf_init(&b);
    http_get(h, "/streams/v1/index.json", &b);
    json_t *ix = json_loadb(b.data, b.len, 0, NULL);
    cr_assert(ix);
    const char *ipath = json_string_value(
        json_object_get(json_object_get(json_object_get(ix, "index"), "images"), "path"));
    char *ip = vz_xasprintf("/%s", ipath);
    http_get(h, ip, &b);
    json_t *im = json_loadb(b.data, b.len, 0, NULL);
    cr_assert(im, "images.json does not parse");
    int fetched = 0;
    const char *pk, *vk, *ik;
    json_t *p, *v, *it;
    json_object_foreach(json_object_get(im, "products"), pk, p) {
        json_object_foreach(json_object_get(p, "versions"), vk, v) {
            json_object_foreach(json_object_get(v, "items"), ik, it) {
                char *fp = vz_xasprintf("/%s", str(it, "path"));
                http_get(h, fp, &b);
                char hex[65];
                vz_sha256_hex(b.data, b.len, hex);
                cr_assert_str_eq(hex, str(it, "sha256"), "%s %s %s: fetched bytes", pk, vk, ik);
                cr_assert_eq((json_int_t)b.len, json_integer_value(json_object_get(it, "size")));
                free(fp);
                fetched++;
            }
        }
    }
    cr_assert_eq(fetched, 3);
    cr_assert_eq(vz_httpd_hits(h, "/streams/v1/images.json"), 1);
    free(ip);
    json_decref(ix);
    json_decref(im);
    vz_buf_release(&b);
    vz_httpd_stop(h);
}

Test(streams, stay_on_and_follow_pruning)
{
    build(NAME, "1700000000", NULL);
    publish(NAME, true, 1);
    build(NAME, "1700086400", NULL);
    /* no flag: the tree has streams, so they are kept up to date */
    publish(NAME, false, 1);
    json_t *im = load("streams/v1/images.json");
    json_t *items = only_version(im, PKEY, "20231115_2213");
    const char *k;
    json_t *it;
    json_object_foreach(items, k, it) {
        char *f = vz_path_join(pub, str(it, "path"));
        cr_assert(vz_file_exists(f), "%s: %s missing", k, f);
        cr_assert(strstr(f, "/001700086400-"), "%s", f);
        free(f);
    }
    char *nd = vz_path_join(pub, NAME);
    cr_assert_eq(vzt_count_entries(nd), 1, "old build not pruned");
    free(nd);
    json_decref(im);
}

Test(streams, names_without_a_known_arch_are_left_out)
{
    build("t1", "1700000000", NULL);
    build(NAME, "1700000000", NULL);
    publish(NULL, true, 3);
    json_t *im = load("streams/v1/images.json");
    cr_assert_eq(json_object_size(json_object_get(im, "products")), 1);
    cr_assert(json_object_get(json_object_get(im, "products"), PKEY));
    json_t *ix = load("index.json");
    /* the streams directory is not taken for a template */
    cr_assert_eq(json_object_size(json_object_get(ix, "templates")), 2);
    cr_assert(json_object_get(json_object_get(ix, "templates"), "t1"), "t1 not in the signed index");
    char *t1 = vz_path_join(pub, "t1");
    cr_assert_eq(vzt_count_entries(t1), 1);
    json_decref(im);
    json_decref(ix);
    free(t1);
}

Test(streams, xz_cache_is_listed_as_it_is)
{
    build(NAME, "1700000000", "xz");
    publish(NAME, true, 3);
    json_t *im = load("streams/v1/images.json");
    json_t *items = only_version(im, PKEY, "20231114_2213");
    const char *path = str(json_object_get(items, "root.tar.xz"), "path");
    cr_assert(strstr(path, "/" NAME ".tar.xz"), "root item %s is not the cache", path);
    char *bd = vz_path_join(pub, path);
    *strrchr(bd, '/') = 0;
    char *copy = vz_path_join(bd, "root.tar.xz");
    cr_assert(!vz_file_exists(copy), "a copy %s was made", copy);
    free(copy);
    free(bd);
    json_decref(im);
}

Test(streams, corrupt_tarball_fails_and_writes_no_stream)
{
    build(NAME, "1700000000", NULL);
    publish(NAME, false, 3);
    json_t *ix = load("index.json");
    json_t *b0 = json_array_get(json_object_get(json_object_get(ix, "templates"), NAME), 0);
    char *tar = vz_path_join(pub, str(b0, "tarball"));
    vzt_truncate(tar, 200);
    char *before = vz_path_join(pub, "index.json");
    size_t l0;
    char *t0 = vzt_slurp(before, &l0);
    char *names[] = { NAME, NULL };
    struct vz_publish_opts o = { 3, true, 0, NULL, NULL, NULL };
    vz_error_t err = NULL;
    cr_assert_eq(vz_publish_with(pub, names, &o, NULL, &err), -1);
    cr_assert(strstr(err->msg, "simplestreams files of " NAME "/") && strstr(err->msg, tar),
              "message: %s", err->msg);
    vz_error_release(&err);
    char *s = vz_path_join(pub, "streams");
    cr_assert(!vz_file_exists(s), "streams written");
    *strrchr(tar, '/') = 0;
    /* the cache's three files and the build's list of files (+ .sig) */
    cr_assert_eq(vzt_count_entries(tar), 5, "files left in %s", tar);
    size_t l1;
    char *t1 = vzt_slurp(before, &l1);
    cr_assert(l0 == l1 && !memcmp(t0, t1, l0), "index.json was rewritten");
    free(t0);
    free(t1);
    free(s);
    free(before);
    free(tar);
    json_decref(ix);
}

Test(streams, template_names_parse)
{
    struct vz_streams_name n;
    cr_assert_eq(vz_streams_parse_name(NAME, &n), 0);
    cr_assert_str_eq(n.os, "debian");
    cr_assert_str_eq(n.release, "12");
    cr_assert_str_eq(n.arch, "amd64");
    cr_assert_str_eq(n.kernel_arch, "x86_64");
    cr_assert_str_eq(n.variant, "minimal");
    vz_streams_name_release(&n);
    cr_assert_eq(vz_streams_parse_name("centos-stream-9-aarch64", &n), 0);
    cr_assert_str_eq(n.release, "stream-9");
    cr_assert_str_eq(n.arch, "arm64");
    cr_assert_str_eq(n.kernel_arch, "aarch64");
    cr_assert_str_eq(n.variant, "default");
    vz_streams_name_release(&n);
    cr_assert_eq(vz_streams_parse_name("debian-12-x86_64-mmdebstrap-big", &n), 0);
    cr_assert_str_eq(n.variant, "mmdebstrap-big");
    vz_streams_name_release(&n);
    cr_assert_eq(vz_streams_parse_name("t1", &n), -1);
    cr_assert_eq(vz_streams_parse_name("debian-x86_64", &n), -1);
    cr_assert_eq(vz_streams_parse_name("debian-12-sparc", &n), -1);
}

/* build/bin/vzpkg publish ARGS --json: exit status, and the JSON printed. */
static int cli_publish(const char *flag, json_t **out)
{
    const char *b = getenv("VZ_BUILD");
    cr_assert_not_null(b, "VZ_BUILD is not set: run through 'make check' or set VZ_BUILD=build");
    char *bin = vz_xasprintf("%s/bin/vzpkg", b);
    char *argv[] = { bin, "publish", pub, "--json", (char *)flag, NULL };
    struct vz_buf o = VZ_BUF_INIT, e = VZ_BUF_INIT;
    vz_buf_init(&o);
    vz_buf_init(&e);
    struct vz_run_opts ro = { .out = &o, .errbuf = &e };
    int st = -1;
    vz_error_t err = NULL;
    cr_assert_eq(vz_run(argv, &ro, &st, &err), 0, "%s", vzt_errmsg(&err));
    *out = json_loadb(o.data, o.len, 0, NULL);
    cr_assert(*out || st != 0, "not JSON: %s (stderr %s)", o.data, e.data);
    vz_buf_release(&o);
    vz_buf_release(&e);
    free(bin);
    return st;
}

Test(streams, cli_flag_turns_streams_on_and_they_stay_on)
{
    build(NAME, "1700000000", NULL);
    json_t *j = NULL;
    cr_assert_eq(cli_publish(NULL, &j), 0);
    cr_assert(json_is_false(json_object_get(j, "simplestreams")));
    json_decref(j);
    char *s = vz_path_join(pub, "streams");
    cr_assert(!vz_file_exists(s), "streams written without --simplestreams");
    cr_assert_eq(cli_publish("--xz-level=0", &j), 21, "bad --xz-level not refused with 21");
    cr_assert_null(j);
    cr_assert_eq(cli_publish("--simplestreams", &j), 0);
    cr_assert(json_is_true(json_object_get(j, "simplestreams")));
    cr_assert_eq(json_array_size(json_object_get(j, "published")), 0, "republished");
    json_decref(j);
    build(NAME, "1700086400", NULL);
    cr_assert_eq(cli_publish(NULL, &j), 0);
    cr_assert(json_is_true(json_object_get(j, "simplestreams")));
    cr_assert_eq(json_array_size(json_object_get(j, "published")), 1);
    json_decref(j);
    json_t *im = load("streams/v1/images.json");
    json_t *vs = json_object_get(json_object_get(json_object_get(im, "products"), PKEY), "versions");
    cr_assert_eq(json_object_size(vs), 2);
    cr_assert(json_object_get(vs, "20231114_2213") && json_object_get(vs, "20231115_2213"));
    json_decref(im);
    free(s);
}

/* The content of member of a (compressed) tarball, allocated. */
static char *member_of(const char *path, const char *member)
{
    struct archive *a = archive_read_new();
    archive_read_support_filter_all(a);
    archive_read_support_format_all(a);
    cr_assert_eq(archive_read_open_filename(a, path, 65536), ARCHIVE_OK);
    struct archive_entry *e;
    struct vz_buf b = VZ_BUF_INIT;
    vz_buf_init(&b);
    bool found = false;
    while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
        bool want = !strcmp(archive_entry_pathname(e), member);
        char buf[4096];
        la_ssize_t k;
        while ((k = archive_read_data(a, buf, sizeof(buf))) > 0)
            if (want)
                vz_buf_add(&b, buf, (size_t)k);
        found |= want;
    }
    archive_read_free(a);
    cr_assert(found, "%s has no %s", path, member);
    return vz_buf_detach(&b, NULL);
}

/* A variant without /sbin/init is marked in what Incus and LXD read: the
 * product (release title, shown in the image's description; vzforge.init),
 * the version, and metadata.yaml's properties; a variant with one is not. */
Test(streams, a_variant_without_init_is_marked_in_the_stream_and_its_metadata)
{
    build(NAME, "1700000000", NULL);
    char *init = vz_path_join(tree, "sbin/init");
    vzt_write(init, "#!/bin/sh\n");
    build("debian-12-x86_64-default", "1700000000", NULL);
    publish(NULL, true, 3);
    json_t *im = load("streams/v1/images.json");
    json_t *products = json_object_get(im, "products");
    json_t *noinit = json_object_get(products, PKEY);
    json_t *withinit = json_object_get(products, "debian:12:amd64:default");
    cr_assert(noinit && withinit);
    cr_assert_str_eq(str(noinit, "release_title"), "12 (no init: not bootable)");
    cr_assert_str_eq(str(noinit, "vzforge.init"), "none");
    cr_assert(strstr(str(noinit, "vzforge.note"), "cannot boot"));
    cr_assert_str_eq(str(withinit, "release_title"), "12");
    cr_assert_str_eq(str(withinit, "vzforge.init"), "/sbin/init");
    cr_assert_null(json_object_get(withinit, "vzforge.note"));
    const char *pk[] = { PKEY, "debian:12:amd64:default" };
    for (int i = 0; i < 2; i++) {
        json_t *vers = json_object_get(json_object_get(products, pk[i]), "versions");
        json_t *v = json_object_get(vers, "20231114_2213");
        cr_assert_not_null(v);
        cr_assert_str_eq(str(v, "vzforge.init"), i == 0 ? "none" : "/sbin/init");
        char *meta = vz_path_join(pub, str(json_object_get(json_object_get(v, "items"),
                                                           "incus.tar.xz"), "path"));
        char *yml = member_of(meta, "metadata.yaml");
        if (i == 0) {
            cr_assert(strstr(yml, "vzforge.init: \"none\"") &&
                          strstr(yml, "no init: not bootable\"") && strstr(yml, "vzforge.note:"),
                      "%s", yml);
        } else {
            cr_assert(strstr(yml, "vzforge.init: \"/sbin/init\"") && !strstr(yml, "no init"),
                      "%s", yml);
        }
        free(yml);
        free(meta);
    }
    /* and the signed index says it per build */
    json_t *ix = load("index.json");
    json_t *t = json_object_get(ix, "templates");
    cr_assert_str_eq(str(json_array_get(json_object_get(t, NAME), 0), "init"), "none");
    cr_assert_str_eq(str(json_array_get(json_object_get(t, "debian-12-x86_64-default"), 0), "init"),
                     "/sbin/init");
    json_decref(ix);
    json_decref(im);
    free(init);
}
