/* vzpkg download NAME --format F: an export published next to the signed
 * cache, fetched through the signed index and the build's signed list of
 * files (file:// index: the checks are the same as over HTTP, which
 * tests/cache/test_publish.c drives for the cache). */
#include <criterion/criterion.h>
#include <jansson.h>
#include <string.h>
#include <unistd.h>

#include "common/common.h"
#include "fixture.h"

TestSuite(export_download, .init = (void (*)(void))vzt_export_setup,
          .fini = vzt_export_teardown, .timeout = 300);

/* Publish both fixture caches with formats into top/pub; returns its path. */
static char *publish(const char *formats)
{
    char *pub = vzt_export_path("pub");
    cr_assert_eq(vzt_sh("'%s/bin/vzpkg' -q publish '%s' %s %s --formats %s >/dev/null 2>&1",
                        getenv("VZ_BUILD"), pub, VZT_EXPORT_NAME, VZT_EXPORT_NOINIT, formats),
                 0);
    return pub;
}

/* vzpkg download NAME --format F -o top/OUT --index file://PUB/ --json: its
 * exit status; the JSON into *res when res is not NULL. */
static int download(const char *pub, const char *name, const char *format, const char *out,
                    json_t **res)
{
    cleanup_free char *od = vzt_export_path(out);
    cleanup_free char *jf = vzt_export_path("dl.json");
    int st = vzt_sh("'%s/bin/vzpkg' download %s --format %s -o '%s' --index 'file://%s/' --json "
                    ">'%s'", getenv("VZ_BUILD"), name, format, od, pub, jf);
    if (res) {
        json_error_t je;
        *res = json_load_file(jf, 0, &je);
    }
    return st;
}

/* The published build directory of name (allocated). */
static char *build_dir(const char *pub, const char *name)
{
    return vzt_sh_out("ls -d '%s/%s'/*/", pub, name);
}

Test(export_download, an_export_arrives_with_the_published_bytes_and_says_whether_it_boots)
{
    cleanup_free char *pub = publish("oci,rootfs");
    cleanup_free char *bd = build_dir(pub, VZT_EXPORT_NAME);
    json_t *res = NULL;
    cr_assert_eq(download(pub, VZT_EXPORT_NAME, "oci", "out", &res), 0);
    cr_assert_not_null(res);
    cr_assert(json_is_true(json_object_get(res, "has_init")));
    cleanup_free char *out = vzt_export_path("out");
    /* the whole layout, byte for byte, and nothing else */
    cr_assert_eq(vzt_sh("diff -r '%s/%s.oci' '%s/%s.oci'", bd, VZT_EXPORT_NAME, out,
                        VZT_EXPORT_NAME), 0);
    cleanup_free char *ls = vzt_sh_out("ls -A '%s'", out);
    cr_assert_str_eq(ls, VZT_EXPORT_NAME ".oci", "%s", ls);
    cr_assert_geq(json_array_size(json_object_get(res, "files")), 5);
    json_decref(res);
    /* again into the same directory: replaced whole, the same bytes */
    cr_assert_eq(download(pub, VZT_EXPORT_NAME, "oci", "out", NULL), 0);
    cr_assert_eq(vzt_sh("diff -r '%s/%s.oci' '%s/%s.oci'", bd, VZT_EXPORT_NAME, out,
                        VZT_EXPORT_NAME), 0);
    /* the plain rootfs tarball; the no-init variant says so */
    cr_assert_eq(download(pub, VZT_EXPORT_NOINIT, "rootfs", "out", &res), 0);
    cr_assert(json_is_false(json_object_get(res, "has_init")));
    cleanup_free char *nb = build_dir(pub, VZT_EXPORT_NOINIT);
    cr_assert_eq(vzt_sh("cmp '%s/%s.rootfs.tar.gz' '%s/%s.rootfs.tar.gz'", nb, VZT_EXPORT_NOINIT,
                        out, VZT_EXPORT_NOINIT), 0);
    json_decref(res);
    cleanup_free char *err = vzt_sh_out("'%s/bin/vzpkg' download %s --format rootfs -o '%s' "
                                        "--index 'file://%s/' 2>&1 >/dev/null",
                                        getenv("VZ_BUILD"), VZT_EXPORT_NOINIT, out, pub);
    cr_assert(strstr(err, "this image has no init"), "%s", err);
    /* a format the build was not published with; usage */
    cr_assert_eq(download(pub, VZT_EXPORT_NAME, "lxc", "none", NULL), 91);
    cr_assert_eq(download(pub, VZT_EXPORT_NAME, "qcow2", "none", NULL), 21);
    cleanup_free char *none = vzt_export_path("none");
    cr_assert(!vz_file_exists(none), "a refused download made %s", none);
}

/* Every byte an export client takes is covered by the signed index: a
 * changed file of the export, a changed list, a list of another build are
 * refused (204) and the output directory is left as it was. */
Test(export_download, a_tampered_export_or_list_is_refused_and_nothing_lands)
{
    cleanup_free char *pub = publish("oci,rootfs");
    cleanup_free char *bd = build_dir(pub, VZT_EXPORT_NAME);
    cleanup_free char *nb = build_dir(pub, VZT_EXPORT_NOINIT);
    cleanup_free char *out = vzt_export_path("out");
    cr_assert_eq(vzt_sh("mkdir -p '%s' && echo keep >'%s/%s.rootfs.tar.gz'", out, out,
                        VZT_EXPORT_NAME), 0);
    /* one byte of the rootfs tarball */
    cleanup_free char *tgz = vz_xasprintf("%s%s.rootfs.tar.gz", bd, VZT_EXPORT_NAME);
    cr_assert_eq(vzt_sh("cp '%s' '%s.orig' && printf x | dd of='%s' bs=1 seek=100 conv=notrunc "
                        "2>/dev/null", tgz, tgz, tgz), 0);
    cr_assert_eq(download(pub, VZT_EXPORT_NAME, "rootfs", "out", NULL), 204);
    cleanup_free char *kept = vzt_sh_out("cat '%s/%s.rootfs.tar.gz'", out, VZT_EXPORT_NAME);
    cr_assert_str_eq(kept, "keep", "a refused download replaced the file");
    cr_assert_eq(vzt_sh("mv '%s.orig' '%s'", tgz, tgz), 0);
    /* one blob of the OCI layout */
    cr_assert_eq(vzt_sh("f=$(ls '%s%s.oci/blobs/sha256/' | head -1) && "
                        "printf x | dd of='%s%s.oci/blobs/sha256/'$f bs=1 seek=10 conv=notrunc "
                        "2>/dev/null", bd, VZT_EXPORT_NAME, bd, VZT_EXPORT_NAME), 0);
    cr_assert_eq(download(pub, VZT_EXPORT_NAME, "oci", "out", NULL), 204);
    /* the list itself (its signature does not matter to a client: the
     * signed index names the list's sha256) */
    cleanup_free char *lst = vz_xasprintf("%s%s.files.json", bd, VZT_EXPORT_NAME);
    cr_assert_eq(vzt_sh("cp '%s' '%s.orig' && printf ' ' >>'%s'", lst, lst, lst), 0);
    cr_assert_eq(download(pub, VZT_EXPORT_NAME, "rootfs", "out", NULL), 204);
    cr_assert_eq(download(pub, VZT_EXPORT_NAME, "rootfs", "out2", NULL), 204);
    cleanup_free char *out2 = vzt_export_path("out2");
    cr_assert(!vz_file_exists(out2), "a refused download made %s", out2);
    /* the list of the other template's build, in its place */
    cleanup_free char *other = vz_xasprintf("%s%s.files.json", nb, VZT_EXPORT_NOINIT);
    cr_assert_eq(vzt_sh("cp '%s' '%s'", other, lst), 0);
    cr_assert_eq(download(pub, VZT_EXPORT_NAME, "rootfs", "out", NULL), 204);
    cleanup_free char *ls = vzt_sh_out("ls -A '%s'", out);
    cr_assert_str_eq(ls, VZT_EXPORT_NAME ".rootfs.tar.gz", "left in the output: %s", ls);
    cr_assert_str_eq(kept, "keep");
}
