/* vzpkg list / info as a user runs them: build/bin/vzpkg ($VZ_BUILD) with a
 * temporary VZ_ROOT, the shipped distros ($VZ_SRC/distros) and fake mirrors. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cache/store.h"
#include "cache/update_state.h"
#include "common/common.h"
#include "tests/lib/robust.h"

static char root[64];

static void setup(void)
{
    snprintf(root, sizeof(root), "/tmp/vzt-cmd-XXXXXX");
    cr_assert_not_null(mkdtemp(root));
    const char *src = getenv("VZ_SRC");
    cr_assert_not_null(src, "VZ_SRC is not set: run through make check");
    cr_assert_not_null(getenv("VZ_BUILD"), "VZ_BUILD is not set: run through make check");
    char *d = vz_xasprintf("%s/distros", src);
    setenv("VZ_DISTROS_DIR", d, 1);
    free(d);
    setenv("VZ_ROOT", root, 1);
    setenv("VZ_APT_ROOT", root, 1); /* no apt sources: nothing from the host */
    unsetenv("VZ_MIRROR_DEBIAN");
    unsetenv("VZ_MIRROR_DEBIAN_SECURITY");
}

static void teardown(void)
{
    vz_error_t err = NULL;
    vz_rm_rf(root, &err);
    vz_error_release(&err);
}

TestSuite(vzpkg_list, .init = setup, .fini = teardown, .timeout = 300);

/* vzpkg(arg, ...): build/bin/vzpkg with the arguments up to the first NULL. */
#define vzpkg(...) vzr_runv("vzpkg", (const char *const[]){ __VA_ARGS__, NULL })

static const char available[] =
    "almalinux-9-aarch64-default      AlmaLinux OS 9: what an admin expects in a VPS\n"
    "almalinux-9-aarch64-minimal      AlmaLinux OS 9 minimal: the core group and dnf\n"
    "almalinux-9-x86_64-default       AlmaLinux OS 9: what an admin expects in a VPS\n"
    "almalinux-9-x86_64-minimal       AlmaLinux OS 9 minimal: the core group and dnf\n"
    "centos_stream-9-aarch64-default  CentOS Stream 9: what an admin expects in a VPS\n"
    "centos_stream-9-aarch64-minimal  CentOS Stream 9 minimal: the core group and dnf\n"
    "centos_stream-9-x86_64-default   CentOS Stream 9: what an admin expects in a VPS\n"
    "centos_stream-9-x86_64-minimal   CentOS Stream 9 minimal: the core group and dnf\n"
    "debian-12-aarch64-default        Debian 12 (bookworm): what an admin expects in a VPS\n"
    "debian-12-aarch64-minimal        Debian 12 (bookworm) minimal: Essential and required packages plus apt\n"
    "debian-12-i686-default           Debian 12 (bookworm): what an admin expects in a VPS\n"
    "debian-12-i686-minimal           Debian 12 (bookworm) minimal: Essential and required packages plus apt\n"
    "debian-12-x86_64-default         Debian 12 (bookworm): what an admin expects in a VPS\n"
    "debian-12-x86_64-minimal         Debian 12 (bookworm) minimal: Essential and required packages plus apt\n"
    "debian-13-aarch64-default        Debian 13 (trixie): what an admin expects in a VPS\n"
    "debian-13-aarch64-minimal        Debian 13 (trixie) minimal: Essential and required packages plus apt\n"
    "debian-13-x86_64-default         Debian 13 (trixie): what an admin expects in a VPS\n"
    "debian-13-x86_64-minimal         Debian 13 (trixie) minimal: Essential and required packages plus apt\n"
    "fedora-45-aarch64-default        Fedora 45: what an admin expects in a VPS\n"
    "fedora-45-aarch64-minimal        Fedora 45 minimal: the core group and dnf\n"
    "fedora-45-x86_64-default         Fedora 45: what an admin expects in a VPS\n"
    "fedora-45-x86_64-minimal         Fedora 45 minimal: the core group and dnf\n"
    "rocky-9-aarch64-default          Rocky Linux 9: what an admin expects in a VPS\n"
    "rocky-9-aarch64-minimal          Rocky Linux 9 minimal: the core group and dnf\n"
    "rocky-9-x86_64-default           Rocky Linux 9: what an admin expects in a VPS\n"
    "rocky-9-x86_64-minimal           Rocky Linux 9 minimal: the core group and dnf\n"
    "ubuntu-22.04-x86_64-default      Ubuntu 22.04 LTS (jammy): what an admin expects in a VPS\n"
    "ubuntu-22.04-x86_64-minimal      Ubuntu 22.04 LTS (jammy) minimal: required packages plus apt\n"
    "ubuntu-24.04-x86_64-default      Ubuntu 24.04 LTS (noble): what an admin expects in a VPS\n"
    "ubuntu-24.04-x86_64-minimal      Ubuntu 24.04 LTS (noble) minimal: required packages plus apt\n";

Test(vzpkg_list, available_lists_every_template_sorted_with_summaries)
{
    struct vzr_res r = vzpkg("list", "--available", NULL, NULL, NULL);
    cr_assert_eq(r.code, 0, "stderr: %s", r.err);
    cr_assert_str_eq(r.out, available);
    cr_assert_str_eq(r.err, "");
    vzr_res_release(&r);
}

static void make_cache(const char *file)
{
    char *p = vz_xasprintf("%s/vz/template/cache/%s", root, file);
    char *dir = vz_xasprintf("%s/vz/template/cache", root);
    vz_error_t err = NULL;
    cr_assert_eq(vz_mkdir_p(dir, 0755, &err), 0);
    cr_assert_eq(vz_atomic_write(p, "x", 1, 0644, &err), 0);
    free(p);
    free(dir);
}

/* s with every run of blanks made one blank (allocated). */
static char *squeeze(const char *s)
{
    char *o = vz_xstrdup(s), *w = o;
    for (const char *c = s; *c; c++)
        if (*c != ' ' || w == o || w[-1] != ' ')
            *w++ = *c;
    *w = '\0';
    return o;
}

Test(vzpkg_list, default_marks_cached_templates_and_orphan_caches)
{
    make_cache("debian-12-x86_64-minimal.tar.zst");
    make_cache("debian-12-x86_64-minimal.manifest");
    make_cache("old-1-x86_64-base.tar.gz");
    struct vzr_res r = vzpkg("list", NULL, NULL, NULL, NULL);
    cr_assert_eq(r.code, 0, "stderr: %s", r.err);
    /* columns are as wide as the longest name of the shipped files: compare
     * with runs of blanks squeezed to one */
    char *out = squeeze(r.out);
    cr_assert_not_null(strstr(out, "debian-12-x86_64-minimal cached Debian 12 (bookworm) minimal:"), "%s", r.out);
    cr_assert_not_null(strstr(out, "debian-12-x86_64-default - Debian 12"), "%s", r.out);
    cr_assert_not_null(strstr(out, "\nold-1-x86_64-base cached (no metadata)\n"), "%s", r.out);
    free(out);
    vzr_res_release(&r);
}

/* A real signed cache landed through the store, built "at" SOURCE_DATE_EPOCH
 * 1700000000, with npkgs packages; returns the tarball's sha256. */
static char *land_cache(const char *name, const char *compress, const char *content, int npkgs)
{
    setenv("SOURCE_DATE_EPOCH", "1700000000", 1);
    vz_error_t err = NULL;
    struct vz_cache_txn *t = NULL;
    cr_assert_eq(vz_cache_begin(name, compress, 10, &t, &err), 0, "%s", err ? err->msg : "");
    size_t len = strlen(content);
    cr_assert_eq(write(vz_cache_txn_fd(t), content, len), (ssize_t)len);
    struct vz_manifest *m = vz_manifest_new(name);
    for (int i = 0; i < npkgs; i++) {
        char pn[16];
        snprintf(pn, sizeof(pn), "pkg%d", i);
        vz_manifest_add_pkg(m, pn, "1.0", "amd64", NULL, 10);
    }
    m->tar_size = len;
    vz_sha256_hex(content, len, m->tar_sha256);
    cr_assert_eq(vz_cache_commit(t, m, &err), 0, "%s", err ? err->msg : "");
    char *sha = vz_xstrdup(m->tar_sha256);
    vz_manifest_free(m);
    vz_cache_txn_free(t);
    unsetenv("SOURCE_DATE_EPOCH");
    return sha;
}

static void record(const char *name, const char *cache_sha, bool updates)
{
    struct vz_update_state s = { .template_name = (char *)name, .checked = 1700000100,
                                 .updates = updates, .changes = updates ? 2 : 0 };
    snprintf(s.cache_sha256, sizeof(s.cache_sha256), "%s", cache_sha);
    vz_error_t err = NULL;
    cr_assert_eq(vz_update_state_write(&s, &err), 0, "%s", err ? err->msg : "");
}

static char *signer_id(void)
{
    char *pub = vz_xasprintf("%s/etc/vz/keys/signing.pub", root);
    cr_assert(vz_file_exists(pub), "no signing key was made");
    free(pub);
    vz_error_t err = NULL;
    struct vz_cache_info *ci = NULL;
    struct vz_manifest *m = NULL;
    cr_assert_eq(vz_cache_find("debian-12-x86_64-minimal", &ci, &err), 0);
    cr_assert_eq(vz_cache_manifest(ci, &m, &err), 0);
    char *id = vz_xstrdup(m->signer);
    cr_assert_eq(strlen(id), 16, "%s", id);
    vz_manifest_free(m);
    vz_cache_info_free(ci);
    return id;
}

Test(vzpkg_list, cached_shows_size_date_packages_signer_and_update)
{
    char *a = land_cache("debian-12-x86_64-minimal", "zst", "tarball bytes of twelve", 3);
    char *b = land_cache("debian-13-x86_64-default", "xz", "x", 1);
    char *c = land_cache("old-1-x86_64-base", "gz", "yy", 0);
    make_cache("notes.txt");
    make_cache("half-1-x86_64-base.tar.zst"); /* no manifest: dropped in by hand, listed with '?' */
    record("debian-12-x86_64-minimal", a, true);
    record("debian-13-x86_64-default", a, false); /* checked another tarball */
    cleanup_free char *id = signer_id();

    struct vzr_res r = vzpkg("list", "--cached", NULL, NULL, NULL);
    cr_assert_eq(r.code, 0, "stderr: %s", r.err);
    char *want = vz_xasprintf(
        "NAME                          SIZE  BUILT                 PACKAGES  SIGNER            UPDATE\n"
        "debian-12-x86_64-minimal      23 B  2023-11-14 22:13 UTC         3  %s  yes\n"
        "debian-13-x86_64-default       1 B  2023-11-14 22:13 UTC         1  %s  unknown\n"
        "half-1-x86_64-base               ?  ?                            ?  ?                 unknown\n"
        "old-1-x86_64-base              2 B  2023-11-14 22:13 UTC         0  %s  unknown\n",
        id, id, id);
    cr_assert_str_eq(r.out, want);
    free(want);
    vzr_res_release(&r);

    record("debian-13-x86_64-default", b, false);
    r = vzpkg("list", "--cached", "--json", NULL, NULL);
    cr_assert_eq(r.code, 0, "stderr: %s", r.err);
    json_error_t je;
    json_t *arr = json_loads(r.out, 0, &je);
    cr_assert_not_null(arr, "%s", r.out);
    cr_assert_eq(json_array_size(arr), 4);
    json_t *o = json_array_get(arr, 0);
    cr_assert_str_eq(json_string_value(json_object_get(o, "name")), "debian-12-x86_64-minimal");
    cr_assert_eq(json_integer_value(json_object_get(o, "size")), 23);
    cr_assert_eq(json_integer_value(json_object_get(o, "build_time")), 1700000000);
    cr_assert_str_eq(json_string_value(json_object_get(o, "build_date")), "2023-11-14 22:13 UTC");
    cr_assert_eq(json_integer_value(json_object_get(o, "packages")), 3);
    cr_assert_str_eq(json_string_value(json_object_get(o, "signer")), id);
    cr_assert_str_eq(json_string_value(json_object_get(o, "update_available")), "yes");
    cr_assert_eq(json_integer_value(json_object_get(o, "checked")), 1700000100);
    cr_assert_str_eq(json_string_value(json_object_get(o, "summary")),
                     "Debian 12 (bookworm) minimal: Essential and required packages plus apt");
    cleanup_free char *file = vz_xasprintf("%s/vz/template/cache/debian-12-x86_64-minimal.tar.zst", root);
    cr_assert_str_eq(json_string_value(json_object_get(o, "cache_file")), file);
    o = json_array_get(arr, 1);
    cr_assert_str_eq(json_string_value(json_object_get(o, "update_available")), "no");
    cr_assert(json_is_true(json_object_get(o, "adopted")));
    o = json_array_get(arr, 2);
    cr_assert_str_eq(json_string_value(json_object_get(o, "name")), "half-1-x86_64-base");
    cr_assert(json_is_false(json_object_get(o, "adopted")));
    cr_assert(json_is_null(json_object_get(o, "size")));
    o = json_array_get(arr, 3);
    cr_assert_str_eq(json_string_value(json_object_get(o, "update_available")), "unknown");
    cr_assert(json_is_null(json_object_get(o, "checked")));
    cr_assert(json_is_null(json_object_get(o, "summary")));
    json_decref(arr);
    vzr_res_release(&r);
    free(a);
    free(b);
    free(c);
}

Test(vzpkg_list, cached_lists_a_broken_cache_with_a_warning)
{
    char *a = land_cache("debian-12-x86_64-minimal", "zst", "abc", 1);
    free(a);
    char *man = vz_xasprintf("%s/vz/template/cache/debian-12-x86_64-minimal.manifest", root);
    vz_error_t err = NULL;
    cr_assert_eq(vz_atomic_write(man, "{}", 2, 0644, &err), 0);
    free(man);
    struct vzr_res r = vzpkg("list", "--cached", NULL, NULL, NULL);
    cr_assert_eq(r.code, 0, "stderr: %s", r.err);
    cr_assert_str_eq(r.out,
        "NAME                          SIZE  BUILT                 PACKAGES  SIGNER            UPDATE\n"
        "debian-12-x86_64-minimal         ?  ?                            ?  ?                 unknown\n");
    cr_assert(strstr(r.err, "cache debian-12-x86_64-minimal: "), "%s", r.err);
    vzr_res_release(&r);
}

Test(vzpkg_list, json_output)
{
    make_cache("debian-13-x86_64-default.tar.zst");
    struct vzr_res r = vzpkg("list", "--json", NULL, NULL, NULL);
    cr_assert_eq(r.code, 0);
    json_error_t je;
    json_t *a = json_loads(r.out, 0, &je);
    cr_assert_not_null(a, "not JSON: %s", je.text);
    cr_assert_eq(json_array_size(a), 30);
    json_t *last = json_array_get(a, 29);
    cr_assert_str_eq(json_string_value(json_object_get(last, "name")), "ubuntu-24.04-x86_64-minimal");
    json_t *def = json_array_get(a, 16);
    cr_assert_str_eq(json_string_value(json_object_get(def, "name")), "debian-13-x86_64-default");
    cr_assert(json_is_true(json_object_get(def, "cached")));
    cr_assert_str_eq(json_string_value(json_object_get(def, "summary")),
                     "Debian 13 (trixie): what an admin expects in a VPS");
    json_decref(a);
    vzr_res_release(&r);
}

Test(vzpkg_list, usage_errors_exit_2)
{
    struct vzr_res r = vzpkg("list", "--available", "--cached", NULL, NULL);
    cr_assert_eq(r.code, 2);
    cr_assert_str_eq(r.out, "");
    const char *want = "vzpkg: error: --available and --cached exclude each other\nUsage: vzpkg list";
    cr_assert(strncmp(r.err, want, strlen(want)) == 0,
              "%s", r.err);
    vzr_res_release(&r);
    r = vzpkg("list", "--bogus", NULL, NULL, NULL);
    cr_assert_eq(r.code, 2);
    cr_assert_str_eq(r.err, "vzpkg: error: unknown option '--bogus'\nTry 'vzpkg list --help'.\n");
    vzr_res_release(&r);
    r = vzpkg("list", "extra", NULL, NULL, NULL);
    cr_assert_eq(r.code, 2);
    vzr_res_release(&r);
    r = vzpkg("info", NULL, NULL, NULL, NULL);
    cr_assert_eq(r.code, 2);
    want = "vzpkg: error: info needs a TEMPLATE\nUsage: vzpkg info";
    cr_assert(strncmp(r.err, want, strlen(want)) == 0, "%s", r.err);
    vzr_res_release(&r);
}

Test(vzpkg_list, help_exits_0)
{
    struct vzr_res r = vzpkg("list", "--help", NULL, NULL, NULL);
    cr_assert_eq(r.code, 0);
    const char *want = "Usage: vzpkg list [-A|--available|-c|--cached] [--json]\n";
    cr_assert(strncmp(r.out, want, strlen(want)) == 0, "%s", r.out);
    vzr_res_release(&r);
    r = vzpkg("info", "-h", NULL, NULL, NULL);
    cr_assert_eq(r.code, 0);
    cr_assert(strncmp(r.out, "Usage: vzpkg info", 17) == 0);
    vzr_res_release(&r);
}

Test(vzpkg_list, info_packages_after_extends)
{
    struct vzr_res r = vzpkg("info", "debian-13-x86_64-default", "packages", NULL, NULL);
    cr_assert_eq(r.code, 0, "stderr: %s", r.err);
    cr_assert_str_eq(r.out, "apt\nsystemd-sysv\niproute2\niputils-ping\nifupdown\nnetbase\nopenssh-server\n"
                            "ca-certificates\nless\nprocps\nvim-tiny\nlocales\ncron\nlogrotate\n");
    vzr_res_release(&r);
}

Test(vzpkg_list, info_virtuozzo_fields)
{
    struct vzr_res r = vzpkg("info", "debian-12-aarch64-minimal", "name", "osrelease", "arch", "package_manager_type");
    cr_assert_eq(r.code, 0, "stderr: %s", r.err);
    cr_assert_str_eq(r.out, "name: debian-12-aarch64-minimal\nosrelease: 12\narch: aarch64\npackage_manager_type: dpkg\n");
    vzr_res_release(&r);
    r = vzpkg("info", "debian-12-aarch64-minimal", "distribution", "variant", "codename", NULL);
    cr_assert_str_eq(r.out, "distribution: debian\nvariant: minimal\ncodename: bookworm\n");
    vzr_res_release(&r);
}

Test(vzpkg_list, info_json)
{
    struct vzr_res r = vzpkg("info", "--json", "debian-12-x86_64-minimal", "packages", "summary");
    cr_assert_eq(r.code, 0, "stderr: %s", r.err);
    cr_assert_str_eq(r.out, "{\n  \"packages\": [\n    \"apt\"\n  ],\n  \"summary\": \"Debian 12 (bookworm) minimal: "
                            "Essential and required packages plus apt\"\n}\n");
    vzr_res_release(&r);
}

Test(vzpkg_list, info_mirrorlist_shows_the_resolution)
{
    struct vzr_res r = vzpkg("info", "debian-12-x86_64-default", "mirrorlist", "--mirror", "http://127.0.0.1:1/debian");
    cr_assert_eq(r.code, 0, "stderr: %s", r.err);
    cr_assert_str_eq(r.out, "mirror.debian http://127.0.0.1:1/debian (from --mirror)\n");
    vzr_res_release(&r);
    setenv("VZ_MIRROR_DEBIAN", "http://127.0.0.1:2/a http://127.0.0.1:2/b", 1);
    r = vzpkg("info", "debian-12-x86_64-default", "mirrorlist", "repositories", NULL);
    cr_assert_eq(r.code, 0, "stderr: %s", r.err);
    cr_assert_str_eq(r.out,
                     "mirrorlist:\n"
                     "  mirror.debian http://127.0.0.1:2/a (from environment VZ_MIRROR_DEBIAN)\n"
                     "  mirror.debian http://127.0.0.1:2/b (from environment VZ_MIRROR_DEBIAN)\n"
                     "repositories:\n"
                     "  deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://127.0.0.1:2/a bookworm main\n"
                     "  deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://127.0.0.1:2/a bookworm-updates main\n");
    vzr_res_release(&r);
}

Test(vzpkg_list, info_apt_sources_of_the_host)
{
    char *p = vz_xasprintf("%s/etc/apt/sources.list", root);
    vz_error_t err = NULL;
    char *d = vz_xasprintf("%s/etc/apt", root);
    cr_assert_eq(vz_mkdir_p(d, 0755, &err), 0);
    const char *txt = "deb http://127.0.0.1:3/debian bookworm main\n";
    cr_assert_eq(vz_atomic_write(p, txt, strlen(txt), 0644, &err), 0);
    struct vzr_res r = vzpkg("info", "debian-12-x86_64-minimal", "mirrorlist", NULL, NULL);
    cr_assert_eq(r.code, 0, "stderr: %s", r.err);
    char *want = vz_xasprintf("mirror.debian http://127.0.0.1:3/debian (from %s:1, suite bookworm)\n", p);
    cr_assert_str_eq(r.out, want);
    free(want);
    free(p);
    free(d);
    vzr_res_release(&r);
}

Test(vzpkg_list, info_without_any_mirror)
{
    /* fields that need no mirror work anyway */
    struct vzr_res r = vzpkg("info", "debian-12-x86_64-minimal", "packages", NULL, NULL);
    cr_assert_eq(r.code, 0, "stderr: %s", r.err);
    cr_assert_str_eq(r.out, "apt\n");
    vzr_res_release(&r);
    r = vzpkg("info", "debian-12-x86_64-minimal", "repositories", NULL, NULL);
    cr_assert_eq(r.code, 201);
    char *want = vz_xasprintf("vzpkg: error: %s/distros/debian-12.yaml:27:14: no mirror for {{mirror.debian}}: "
                              "set one with --mirror URL (or --mirror debian=URL), VZ_MIRROR_DEBIAN=URL in the "
                              "environment, or MIRROR_DEBIAN=\"URL\" in %s/etc/vz/vz.conf (the host's apt sources "
                              "under %s have no matching deb entry)\n", getenv("VZ_SRC"), root, root);
    cr_assert_str_eq(r.err, want);
    free(want);
    vzr_res_release(&r);
    /* a plain info shows all but the repositories, and says why */
    r = vzpkg("info", "debian-12-x86_64-minimal", NULL, NULL, NULL);
    cr_assert_eq(r.code, 0, "stderr: %s", r.err);
    cr_assert(strstr(r.out, "debian-12-x86_64-minimal") && strstr(r.out, "apt"), "%s", r.out);
    cr_assert_null(strstr(r.out, "repositories"), "%s", r.out);
    cr_assert(strstr(r.err, "no mirror for {{mirror.debian}}") &&
                  strstr(r.err, "repositories and mirrorlist are not shown"),
              "%s", r.err);
    vzr_res_release(&r);
}

Test(vzpkg_list, info_unknown_template_exit_91)
{
    struct vzr_res r = vzpkg("info", "debian-13-x86_64-defualt", NULL, NULL, NULL);
    cr_assert_eq(r.code, 91);
    cr_assert_str_eq(r.err, "vzpkg: error: unknown template 'debian-13-x86_64-defualt' "
                            "(did you mean 'debian-13-x86_64-default'?)\n");
    cr_assert_str_eq(r.out, "");
    vzr_res_release(&r);
}

Test(vzpkg_list, info_bad_field_and_bad_mirror)
{
    struct vzr_res r = vzpkg("info", "debian-13-x86_64-default", "pakages", NULL, NULL);
    cr_assert_eq(r.code, 2);
    const char *want = "vzpkg: error: unknown field 'pakages' (did you mean 'packages'?)\nUsage:";
    cr_assert(strncmp(r.err, want, strlen(want)) == 0, "%s", r.err);
    vzr_res_release(&r);
    r = vzpkg("info", "--mirror", "127.0.0.1/debian", "debian-13-x86_64-default", NULL);
    cr_assert_eq(r.code, 21);
    cr_assert_str_eq(r.err, "vzpkg: error: --mirror '127.0.0.1/debian': not a URL (no http://, "
                            "https:// or file://); give URL or NAME=URL, for example "
                            "http://HOST/debian, https://HOST/debian or debian=file:///srv/mirror\n");
    vzr_res_release(&r);
}

Test(vzpkg_list, info_reports_bad_metadata_with_location)
{
    char *dir = vz_xasprintf("%s/etc/vz/distros", root);
    vz_error_t err = NULL;
    cr_assert_eq(vz_mkdir_p(dir, 0755, &err), 0);
    char *p = vz_xasprintf("%s/debian-12.yaml", dir);
    const char *txt = "distribution: debian\nrelease: \"12\"\ncodename: bookworm\nfamily: deb\n"
                      "summary: s\nmerged_usr: symlinks\narchitectures: {x86_64: amd64}\n"
                      "repositories: [{name: main, mirror: x, suite: s, components: [main], keyring: /k}]\n"
                      "variants:\n  minimal:\n    base: required\n    pakages: [apt]\n";
    cr_assert_eq(vz_atomic_write(p, txt, strlen(txt), 0644, &err), 0);
    struct vzr_res r = vzpkg("info", "debian-12-x86_64-minimal", "packages", NULL, NULL);
    cr_assert_eq(r.code, 201);
    char *want = vz_xasprintf("vzpkg: error: %s:12:5: unknown key 'pakages' (did you mean 'packages'?)\n", p);
    cr_assert_str_eq(r.err, want);
    free(want);
    vzr_res_release(&r);
    /* list skips the broken override (with a warning) and still lists the rest */
    r = vzpkg("list", "--available", NULL, NULL, NULL);
    cr_assert_eq(r.code, 0);
    cr_assert_not_null(strstr(r.out, "debian-13-x86_64-minimal"));
    cr_assert_null(strstr(r.out, "debian-12-x86_64-minimal"));
    want = vz_xasprintf("vzpkg: warning: skipping %s:12:5: unknown key 'pakages' (did you mean 'packages'?)\n", p);
    cr_assert_str_eq(r.err, want);
    free(want);
    vzr_res_release(&r);
    free(p);
    free(dir);
}

/* A local override nested a million levels deep used to crash the loader
 * (SIGSEGV in the recursion): now list shows every other template, names the
 * bad file, place and limit on stderr, and exits 0 (docs/commands.md). */
Test(vzpkg_list, list_survives_a_deeply_nested_local_override)
{
    char *dir = vz_xasprintf("%s/etc/vz/distros", root);
    vz_error_t err = NULL;
    cr_assert_eq(vz_mkdir_p(dir, 0755, &err), 0);
    char *p = vz_xasprintf("%s/debian-12.yaml", dir);
    size_t depth = 1000000;
    const char *head = "distribution: debian\nrelease: \"12\"\nsummary: ";
    size_t hl = strlen(head);
    char *txt = vz_xmalloc(hl + 2 * depth + 2);
    memcpy(txt, head, hl);
    memset(txt + hl, '[', depth);
    memset(txt + hl + depth, ']', depth);
    memcpy(txt + hl + 2 * depth, "\n", 2);
    cr_assert_eq(vz_atomic_write(p, txt, hl + 2 * depth + 1, 0644, &err), 0);
    struct vzr_res r = vzpkg("list", "--available", NULL, NULL, NULL);
    cr_assert_eq(r.code, 0, "status %d, stderr: %.200s", r.code, r.err);
    cr_assert_not_null(strstr(r.out, "debian-13-x86_64-minimal"), "%s", r.out);
    cr_assert_null(strstr(r.out, "debian-12-x86_64-minimal"), "%s", r.out);
    char *want = vz_xasprintf("vzpkg: warning: skipping %s:3:73: nesting deeper than 64 levels\n", p);
    cr_assert_str_eq(r.err, want);
    free(want);
    vzr_res_release(&r);
    free(txt);
    free(p);
    free(dir);
}

TestSuite(docs, .timeout = 300);

Test(docs, exit_codes_doc_matches_error_h)
{
    const char *src = getenv("VZ_SRC");
    cr_assert_not_null(src, "VZ_SRC is not set: run through make check");
    char *script = vz_xasprintf("%s/docs/gen-exit-codes.sh", src);
    char *doc = vz_xasprintf("%s/docs/exit-codes.md", src);
    char *argv[] = { "sh", script, NULL };
    struct vz_buf out = VZ_BUF_INIT;
    vz_buf_init(&out);
    struct vz_run_opts o = { .out = &out };
    vz_error_t err = NULL;
    cr_assert_eq(vz_run_ok(argv, &o, &err), 0, "%s", err ? err->msg : "");
    cr_assert_gt(out.len, 200, "generator printed too little: %s", out.data);
    cr_assert_not_null(strstr(out.data, "| 201 | `VZ_EMETADATA` | invalid template metadata |\n"));
    char *text = NULL;
    cr_assert_eq(vz_read_file(doc, &text, NULL, &err), 0);
    char *want = vz_xasprintf("<!-- BEGIN generated by docs/gen-exit-codes.sh -->\n%s<!-- END generated -->\n", out.data);
    cr_assert_not_null(strstr(text, want), "docs/exit-codes.md is out of date: run docs/gen-exit-codes.sh");
    free(want);
    free(text);
    vz_buf_release(&out);
    free(script);
    free(doc);
}

Test(vzpkg_list, info_scripts_and_environment_of_a_local_variant)
{
    /* a local override: the shipped file plus a variant with scripts */
    char *src = vz_xasprintf("%s/distros/debian-12.yaml", getenv("VZ_SRC"));
    char *text = NULL;
    vz_error_t err = NULL;
    cr_assert_eq(vz_read_file(src, &text, NULL, &err), 0);
    char *dir = vz_xasprintf("%s/etc/vz/distros", root);
    cr_assert_eq(vz_mkdir_p(dir, 0755, &err), 0);
    char *p = vz_xasprintf("%s/debian-12.yaml", dir);
    char *y = vz_xasprintf("%s  web:\n    extends: default\n    excludes: [vim-tiny]\n"
                           "    environment: {TZ: UTC, LC_ALL: C}\n"
                           "    scripts:\n      pre-cache: echo {{codename}}\n"
                           "      post-install: |\n        a\n        b\n", text);
    cr_assert_eq(vz_atomic_write(p, y, strlen(y), 0644, &err), 0);
    struct vzr_res r = vzpkg("info", "debian-12-x86_64-web", "scripts", "environment", "excludes");
    cr_assert_eq(r.code, 0, "stderr: %s", r.err);
    /* the chain's scripts concatenated: default's own (the SSH host keys'
     * first-boot unit) first, then web's */
    const char *head = "scripts:\n  pre-cache:\n    echo bookworm\n  post-install:\n"
                       "    rm -f /etc/ssh/ssh_host_*_key /etc/ssh/ssh_host_*_key.pub\n";
    const char *tail = "    fi\n    a\n    b\n"
                       "environment:\n  DEBIAN_FRONTEND=noninteractive\n  LC_ALL=C\n  TZ=UTC\n"
                       "excludes:\n  vim-tiny\n";
    cr_assert(strncmp(r.out, head, strlen(head)) == 0, "%s", r.out);
    cr_assert(strlen(r.out) > strlen(tail) && strcmp(r.out + strlen(r.out) - strlen(tail), tail) == 0,
              "%s", r.out);
    vzr_res_release(&r);
    r = vzpkg("info", "debian-12-x86_64-web", "source");
    char *want = vz_xasprintf("%s\n", p); /* the override shadows the shipped file */
    cr_assert_str_eq(r.out, want);
    free(want);
    vzr_res_release(&r);
    free(y);
    free(p);
    free(dir);
    free(text);
    free(src);
}
