/* vzpkg export: what it writes, byte for byte, from a signed cache made by
 * the test; what it refuses. The tools that consume the output are driven
 * in test_consumers.c. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <string.h>
#include <unistd.h>

#include "common/common.h"
#include "fixture.h"

TestSuite(export, .init = (void (*)(void))vzt_export_setup, .fini = vzt_export_teardown,
          .timeout = 300);

static json_t *export_ok(const char *name, const char *formats, const char *sub)
{
    cleanup_free char *dir = vzt_export_path(sub);
    int st = -1;
    json_t *res = vzt_export_cli(name, formats, dir, &st);
    cr_assert_eq(st, 0, "vzpkg export %s --format %s: exit %d", name, formats, st);
    cr_assert_not_null(res, "vzpkg export --json printed no JSON");
    return res;
}

static char *sha256_of(const char *path)
{
    char hex[65];
    uint64_t size;
    vz_error_t err = NULL;
    cr_assert_eq(vz_sha256_file(path, hex, &size, &err), 0, "%s", err ? err->msg : "");
    return vz_xstrdup(hex);
}

static const char *str(json_t *o, const char *k)
{
    const char *v = json_string_value(json_object_get(o, k));
    cr_assert_not_null(v, "no string field %s", k);
    return v;
}

Test(export, same_cache_same_bytes_and_the_printed_digests_are_the_files)
{
    json_t *a = export_ok(VZT_EXPORT_NAME, "rootfs,oci,lxc,incus", "a");
    sleep(1); /* a later clock must not change a byte */
    json_t *b = export_ok(VZT_EXPORT_NAME, "rootfs,oci,lxc,incus", "b");
    cleanup_free char *da = vzt_export_path("a"), *db = vzt_export_path("b");
    cr_assert_eq(vzt_sh("diff -r '%s' '%s'", da, db), 0, "two exports of one cache differ");
    json_t *o;
    size_t i, n = 0;
    json_array_foreach(json_object_get(a, "outputs"), i, o) {
        json_t *f;
        size_t j;
        json_array_foreach(json_object_get(o, "files"), j, f) {
            cleanup_free char *h = sha256_of(str(f, "path"));
            cr_assert_str_eq(h, str(f, "sha256"), "%s: printed digest is not the file's",
                             str(f, "path"));
            n++;
        }
    }
    cr_assert_geq(n, 10, "only %zu files listed", n);
    /* gzip as `gzip -n`: no name flag, mtime 0 */
    json_t *rf = vzt_export_file(a, "rootfs", "rootfs");
    cleanup_free char *hdr = vzt_sh_out("head -c 10 '%s' | od -An -tx1 | tr -d ' \\n'",
                                        str(rf, "path"));
    cr_assert_str_eq(hdr, "1f8b0800000000000003", "gzip header %s", hdr);
    cr_assert(json_is_true(json_object_get(a, "has_init")));
    cr_assert_str_eq(str(a, "architecture"), "x86_64");
    json_decref(a);
    json_decref(b);
}

Test(export, oci_config_names_the_uncompressed_layer)
{
    json_t *r = export_ok(VZT_EXPORT_NAME, "oci", "o");
    json_t *o = vzt_export_output(r, "oci");
    const char *dir = str(o, "path");
    cleanup_free char *layout = vzt_sh_out("cat '%s/oci-layout'", dir);
    cr_assert_str_eq(layout, "{\"imageLayoutVersion\":\"1.0.0\"}");
    json_error_t je;
    cleanup_free char *ip = vz_path_join(dir, "index.json");
    json_t *idx = json_load_file(ip, 0, &je);
    cr_assert_not_null(idx, "%s: %s", ip, je.text);
    json_t *m0 = json_array_get(json_object_get(idx, "manifests"), 0);
    cr_assert_str_eq(str(json_object_get(m0, "annotations"), "org.opencontainers.image.ref.name"),
                     "latest");
    cr_assert_str_eq(str(m0, "digest"), str(o, "manifest_digest"));
    cleanup_free char *mp = vz_xasprintf("%s/blobs/sha256/%s", dir, str(m0, "digest") + 7);
    cleanup_free char *mh = sha256_of(mp);
    cr_assert_str_eq(mh, str(m0, "digest") + 7, "manifest blob is not its digest");
    json_t *man = json_load_file(mp, 0, &je);
    cr_assert_not_null(man);
    json_t *cfgd = json_object_get(man, "config");
    cleanup_free char *cp = vz_xasprintf("%s/blobs/sha256/%s", dir, str(cfgd, "digest") + 7);
    cleanup_free char *ch = sha256_of(cp);
    cr_assert_str_eq(ch, str(cfgd, "digest") + 7, "config blob is not its digest");
    json_t *cfg = json_load_file(cp, 0, &je);
    cr_assert_not_null(cfg);
    json_t *layer = json_array_get(json_object_get(man, "layers"), 0);
    cr_assert_str_eq(str(layer, "mediaType"), "application/vnd.oci.image.layer.v1.tar+gzip");
    cleanup_free char *lp = vz_xasprintf("%s/blobs/sha256/%s", dir, str(layer, "digest") + 7);
    cleanup_free char *lh = sha256_of(lp);
    cr_assert_str_eq(lh, str(layer, "digest") + 7, "layer blob is not its digest");
    cleanup_free char *diff = vzt_sh_out("zcat '%s' | sha256sum | cut -c1-64", lp);
    const char *d0 = json_string_value(
        json_array_get(json_object_get(json_object_get(cfg, "rootfs"), "diff_ids"), 0));
    cr_assert_not_null(d0);
    cr_assert_str_eq(d0 + 7, diff, "diff_id %s, uncompressed layer %s", d0, diff);
    cr_assert_str_eq(d0, str(o, "diff_id"));
    cr_assert_str_eq(str(cfg, "architecture"), "amd64");
    cr_assert_str_eq(str(cfg, "created"), "2023-11-14T22:13:20Z");
    cleanup_free char *ver = vzt_sh_out("tar -xzOf '%s' ./etc/debian_version", lp);
    cr_assert_str_eq(ver, VZT_DEBIAN_VERSION);
    json_decref(idx);
    json_decref(man);
    json_decref(cfg);
    json_decref(r);
}

Test(export, lxc_and_incus_carry_their_metadata_and_templates)
{
    json_t *r = export_ok(VZT_EXPORT_NAME, "lxc,incus", "li");
    const char *meta = str(vzt_export_file(r, "lxc", "meta"), "path");
    const char *lroot = str(vzt_export_file(r, "lxc", "rootfs"), "path");
    cleanup_free char *cfg = vzt_sh_out("tar -xJOf '%s' config", meta);
    cr_assert(strstr(cfg, "lxc.include = LXC_TEMPLATE_CONFIG/debian.common.conf\n"), "%s", cfg);
    cr_assert(strstr(cfg, "\nlxc.arch = x86_64"), "%s", cfg);
    cleanup_free char *ucfg = vzt_sh_out("tar -xJOf '%s' config-user", meta);
    cr_assert(strstr(ucfg, "LXC_TEMPLATE_CONFIG/debian.userns.conf\n"), "%s", ucfg);
    cleanup_free char *tpl = vzt_sh_out("tar -xJOf '%s' templates", meta);
    cr_assert_str_eq(tpl, "/etc/hostname\n/etc/hosts");
    cleanup_free char *hn = vzt_sh_out("tar -xJOf '%s' ./etc/hostname", lroot);
    cr_assert_str_eq(hn, "LXC_NAME");
    cleanup_free char *hosts = vzt_sh_out("tar -xJOf '%s' ./etc/hosts", lroot);
    cr_assert(strstr(hosts, "127.0.1.1\tLXC_NAME"), "%s", hosts);

    const char *uni = str(vzt_export_file(r, "incus", "unified"), "path");
    cleanup_free char *first = vzt_sh_out("tar -tzf '%s' | head -4 | tr '\\n' ' '", uni);
    cr_assert_str_eq(first, "metadata.yaml templates/ templates/hostname.tpl templates/hosts.tpl ");
    cleanup_free char *yaml = vzt_sh_out("tar -xzOf '%s' metadata.yaml", uni);
    cr_assert(strstr(yaml, "architecture: \"x86_64\"\ncreation_date: 1700000000\nproperties:\n"),
              "%s", yaml);
    cr_assert(strstr(yaml, "  os: \"debian\"\n  release: \"12\"\n  serial: \"20231114_2213\"\n"
                           "  variant: \"bbtest\"\n"), "%s", yaml);
    cr_assert(strstr(yaml, "  /etc/hostname:\n    when:\n      - create\n      - copy\n"), "%s",
              yaml);
    cr_assert(strstr(yaml, "vzforge.init: \"/sbin/init\""), "%s", yaml);
    cleanup_free char *ver = vzt_sh_out("tar -xzOf '%s' rootfs/etc/debian_version", uni);
    cr_assert_str_eq(ver, VZT_DEBIAN_VERSION);
    cleanup_free char *htpl = vzt_sh_out("tar -xzOf '%s' templates/hostname.tpl", uni);
    cr_assert_str_eq(htpl, "{{ container.name }}");
    /* split: the fingerprint LXD computes is sha256(meta || rootfs) */
    const char *sm = str(vzt_export_file(r, "incus", "meta"), "path");
    const char *sr = str(vzt_export_file(r, "incus", "rootfs"), "path");
    cleanup_free char *fp = vzt_sh_out("cat '%s' '%s' | sha256sum | cut -c1-64", sm, sr);
    cr_assert_str_eq(fp, str(vzt_export_output(r, "incus"), "split_fingerprint"));
    cleanup_free char *uh = sha256_of(uni);
    cr_assert_str_eq(uh, str(vzt_export_output(r, "incus"), "fingerprint"));
    json_decref(r);
}

Test(export, a_template_without_init_is_marked_in_every_format_and_warned_about)
{
    const char *b = getenv("VZ_BUILD");
    cr_assert_not_null(b);
    cleanup_free char *dir = vzt_export_path("ni");
    cleanup_free char *errf = vzt_export_path("ni.err");
    cleanup_free char *outf = vzt_export_path("ni.json");
    cr_assert_eq(vzt_sh("'%s/bin/vzpkg' export %s -o '%s' --json > '%s' 2> '%s'", b,
                        VZT_EXPORT_NOINIT, dir, outf, errf), 0);
    cleanup_free char *warn = vzt_sh_out("cat '%s'", errf);
    cr_assert(strstr(warn, "warning: " VZT_EXPORT_NOINIT ": this image has no init"), "%s", warn);
    json_error_t je;
    json_t *r = json_load_file(outf, 0, &je);
    cr_assert_not_null(r);
    cr_assert(json_is_false(json_object_get(r, "has_init")));
    cleanup_free char *lbl = vzt_sh_out(
        "jq -r '.config.Labels[\"org.vzforge.init\"]' '%s'/blobs/sha256/$(jq -r "
        ".config.digest[7:] '%s'/blobs/sha256/$(jq -r '.manifests[0].digest[7:]' '%s/index.json'))",
        str(vzt_export_output(r, "oci"), "path"), str(vzt_export_output(r, "oci"), "path"),
        str(vzt_export_output(r, "oci"), "path"));
    cr_assert_str_eq(lbl, "none");
    cleanup_free char *yaml = vzt_sh_out("tar -xzOf '%s' metadata.yaml",
                                         str(vzt_export_file(r, "incus", "meta"), "path"));
    cr_assert(strstr(yaml, "vzforge.init: \"none\""), "%s", yaml);
    cr_assert(strstr(yaml, "no init: not bootable"), "%s", yaml);
    const char *lm = str(vzt_export_file(r, "lxc", "meta"), "path");
    cleanup_free char *cfg = vzt_sh_out("tar -xJOf '%s' config", lm);
    cr_assert(strstr(cfg, "# vzforge.init = none"), "%s", cfg);
    cleanup_free char *msg = vzt_sh_out("tar -xJOf '%s' create-message", lm);
    cr_assert(strstr(msg, "WARNING: this image has no init"), "%s", msg);
    json_decref(r);
}

/* Nothing at all in the output directory: no file, no temp. */
static void assert_empty(const char *dir)
{
    cleanup_free char *ls = vzt_sh_out("ls -A '%s' 2>/dev/null", dir);
    cr_assert_str_eq(ls, "", "left in %s: %s", dir, ls);
}

Test(export, a_tarball_changed_after_signing_exports_nothing)
{
    cleanup_free char *tb = vzt_export_path("vz/template/cache/" VZT_EXPORT_NAME ".tar.zst");
    cleanup_free char *dir = vzt_export_path("bad");
    /* one byte in the middle, then put back; then the last byte */
    cr_assert_eq(vzt_sh("printf 'X' | dd of='%s' bs=1 seek=2000 conv=notrunc status=none", tb), 0);
    int st = -1;
    json_t *r = vzt_export_cli(VZT_EXPORT_NAME, "rootfs,oci,lxc,incus", dir, &st);
    cr_assert_eq(st, 204, "a modified tarball gave exit %d", st);
    cr_assert_null(r);
    assert_empty(dir);
}

Test(export, a_manifest_signature_that_does_not_verify_exports_nothing)
{
    cleanup_free char *sig = vzt_export_path("vz/template/cache/" VZT_EXPORT_NAME ".manifest.sig");
    cleanup_free char *dir = vzt_export_path("badsig");
    cr_assert_eq(vzt_sh("sed -i 's/^\\(ed25519 [0-9a-f]* \\)./\\1A/' '%s' && "
                        "sed -i 's/^\\(ed25519 [0-9a-f]* \\)AA/\\1BA/' '%s'", sig, sig), 0);
    int st = -1;
    json_t *r = vzt_export_cli(VZT_EXPORT_NAME, "oci", dir, &st);
    cr_assert_eq(st, 204, "a bad signature gave exit %d", st);
    cr_assert_null(r);
    assert_empty(dir);
}

Test(export, usage_errors_and_missing_caches)
{
    const char *b = getenv("VZ_BUILD");
    cr_assert_not_null(b);
    cleanup_free char *dir = vzt_export_path("u");
    int st = -1;
    json_decref(vzt_export_cli(VZT_EXPORT_NAME, "docker", dir, &st));
    cr_assert_eq(st, 21, "unknown format: exit %d", st);
    json_decref(vzt_export_cli("debian-12-x86_64-nosuch", "oci", dir, &st));
    cr_assert_eq(st, 91, "no such cache: exit %d", st);
    cr_assert_eq(vzt_sh("'%s/bin/vzpkg' export >/dev/null 2>&1", b), 2);
    cr_assert_eq(vzt_sh("'%s/bin/vzpkg' export --help | grep -q 'oci '", b), 0);
    assert_empty(dir);
}

Test(export, publish_formats_writes_the_exports_into_the_build_and_warns_about_no_init)
{
    const char *b = getenv("VZ_BUILD");
    cr_assert_not_null(b);
    cleanup_free char *pub = vzt_export_path("pub");
    cleanup_free char *errf = vzt_export_path("pub.err");
    cr_assert_eq(vzt_sh("'%s/bin/vzpkg' publish '%s' %s %s --formats oci,incus --json "
                        ">/dev/null 2>'%s'", b, pub, VZT_EXPORT_NAME, VZT_EXPORT_NOINIT, errf), 0);
    cleanup_free char *warn = vzt_sh_out("cat '%s'", errf);
    cr_assert(strstr(warn, "warning: " VZT_EXPORT_NOINIT ": this image has no init"), "%s", warn);
    cr_assert_null(strstr(warn, VZT_EXPORT_NAME ": this image"), "%s", warn);
    /* one build directory per template, holding the cache and the exports */
    cleanup_free char *ls = vzt_sh_out("cd '%s/%s'/*/ && ls | tr '\\n' ' '", pub, VZT_EXPORT_NAME);
    cr_assert_str_eq(ls, VZT_EXPORT_NAME ".files.json " VZT_EXPORT_NAME ".files.json.sig "
                         VZT_EXPORT_NAME ".incus.meta.tar.gz " VZT_EXPORT_NAME ".incus.rootfs.tar.gz "
                         VZT_EXPORT_NAME ".incus.tar.gz " VZT_EXPORT_NAME ".manifest "
                         VZT_EXPORT_NAME ".manifest.sig " VZT_EXPORT_NAME ".oci "
                         VZT_EXPORT_NAME ".tar.zst ", "%s", ls);
    /* the same bytes as vzpkg export writes */
    json_t *r = export_ok(VZT_EXPORT_NAME, "incus", "cmp");
    cleanup_free char *uh = vzt_sh_out("sha256sum '%s/%s'/*/%s.incus.tar.gz | cut -c1-64", pub,
                                       VZT_EXPORT_NAME, VZT_EXPORT_NAME);
    cr_assert_str_eq(uh, str(vzt_export_output(r, "incus"), "fingerprint"));
    /* the published index still lists both */
    cleanup_free char *names = vzt_sh_out("jq -r '[.templates[].name] | sort | join(\" \")' "
                                          "'%s/index.json' 2>/dev/null || jq -c . '%s/index.json'",
                                          pub, pub);
    cr_assert(strstr(names, VZT_EXPORT_NAME) && strstr(names, VZT_EXPORT_NOINIT), "%s", names);
    json_decref(r);
}

Test(export, xz_output_does_not_depend_on_the_thread_count)
{
    const char *b = getenv("VZ_BUILD");
    cr_assert_not_null(b);
    cleanup_free char *d1 = vzt_export_path("x1"), *d3 = vzt_export_path("x3");
    cr_assert_eq(vzt_sh("VZ_EXPORT_XZ_THREADS=1 '%s/bin/vzpkg' -q export %s --format lxc -o '%s' "
                        ">/dev/null && VZ_EXPORT_XZ_THREADS=3 '%s/bin/vzpkg' -q export %s "
                        "--format lxc -o '%s' >/dev/null", b, VZT_EXPORT_NAME, d1, b,
                        VZT_EXPORT_NAME, d3), 0);
    cr_assert_eq(vzt_sh("diff -r '%s' '%s'", d1, d3), 0, "1 and 3 xz threads gave other bytes");
    cleanup_free char *lst = vzt_sh_out("xz -l '%s/%s.lxc.rootfs.tar.xz' | awk 'NR==2 {print $1}'",
                                        d1, VZT_EXPORT_NAME);
    cr_assert_str_eq(lst, "1", "not one xz stream: %s", lst);
}

/* --xz-level: another preset gives other bytes, as reproducibly, and xz
 * reads them; a bad level is refused before anything is written. */
Test(export, xz_level_is_reproducible_and_checked)
{
    const char *b = getenv("VZ_BUILD");
    cr_assert_not_null(b);
    cleanup_free char *d6 = vzt_export_path("l6"), *d1 = vzt_export_path("l1"),
                      *d1b = vzt_export_path("l1b"), *bad = vzt_export_path("lbad");
    const char *dirs[] = { d6, d1, d1b };
    const char *lv[] = { "", "--xz-level 1", "--xz-level 1" };
    for (int i = 0; i < 3; i++)
        cr_assert_eq(vzt_sh("'%s/bin/vzpkg' -q export %s --format lxc %s -o '%s' >/dev/null", b,
                            VZT_EXPORT_NAME, lv[i], dirs[i]), 0);
    cr_assert_eq(vzt_sh("diff -r '%s' '%s'", d1, d1b), 0, "--xz-level 1 twice gave other bytes");
    cr_assert_neq(vzt_sh("cmp -s '%s/%s.lxc.rootfs.tar.xz' '%s/%s.lxc.rootfs.tar.xz'", d1,
                         VZT_EXPORT_NAME, d6, VZT_EXPORT_NAME), 0, "--xz-level 1 is the default");
    /* the same tar stream inside */
    cleanup_free char *h6 = vzt_sh_out("xz -dc '%s/%s.lxc.rootfs.tar.xz' | sha256sum", d6,
                                       VZT_EXPORT_NAME);
    cleanup_free char *h1 = vzt_sh_out("xz -dc '%s/%s.lxc.rootfs.tar.xz' | sha256sum", d1,
                                       VZT_EXPORT_NAME);
    cr_assert_str_eq(h1, h6, "the two levels hold other tar streams");
    cr_assert_eq(vzt_sh("'%s/bin/vzpkg' -q export %s --format lxc --xz-level 0 -o '%s' "
                        ">/dev/null 2>&1", b, VZT_EXPORT_NAME, bad), 21);
    cr_assert(!vz_file_exists(bad));
}
