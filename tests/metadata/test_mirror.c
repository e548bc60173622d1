/* Mirror resolution: --mirror > VZ_MIRROR_<NAME> > vz.conf > host apt sources.
 * Every URL is a fake on 127.0.0.1; apt roots are temp dirs. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "tests/metadata/helpers.h"

TestSuite(mirror, .init = md_setup, .fini = md_teardown, .timeout = 300);

/* Resolve the base document's minimal template with opts o (distros_dir set
 * here) and return its mirror.debian value as "URI URI... | ORIGIN". */
static char *resolved(struct vz_metadata_opts *o, const char *name)
{
    o->distros_dir = "distros";
    struct vz_template *t = md_load_ok(name, o);
    cr_assert(t->mirrors_resolved);
    cr_assert_eq(t->n_mirrors, 1);
    char *u = md_join(t->mirrors[0].uris);
    char *r = vz_xasprintf("%s | %s", u, t->mirrors[0].origin);
    /* the repository got the same list */
    char *ru = md_join(t->repos[0].uris);
    cr_assert_str_eq(ru, u);
    free(ru);
    free(u);
    vz_template_free(t);
    return r;
}

static void expect(struct vz_metadata_opts *o, const char *want)
{
    char *r = resolved(o, "debian-12-x86_64-minimal");
    cr_assert_str_eq(r, want);
    free(r);
}

static void write_conf(const char *text)
{
    md_write("etc/vz/vz.conf", text);
}

static const char deb822[] =
    "# the host's own\n"
    "Types: deb\n"
    "URIs: http://127.0.0.1:3/debian/\n"
    "Suites: bookworm bookworm-updates\n"
    "Components: main\n"
    "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n"
    "\n"
    "Types: deb\n"
    "URIs: http://127.0.0.1:4/debian-security\n"
    "Suites: bookworm-security\n"
    "Components: main\n";

Test(mirror, cli_beats_environment_conf_and_apt)
{
    md_write("distros/debian-12.yaml", md_base_yaml);
    setenv("VZ_MIRROR_DEBIAN", "http://127.0.0.1:2/env", 1);
    write_conf("MIRROR_DEBIAN=\"http://127.0.0.1:5/conf\"\n");
    md_write("etc/apt/sources.list.d/debian.sources", deb822);
    struct vz_metadata_opts o = { .mirrors = (char *[]){ "http://127.0.0.1:1/cli/", NULL } };
    expect(&o, "http://127.0.0.1:1/cli | --mirror");
}

Test(mirror, cli_named_value_beats_bare_and_repeats_are_failover)
{
    md_write("distros/debian-12.yaml", md_base_yaml);
    struct vz_metadata_opts o = {
        .mirrors = (char *[]){ "http://127.0.0.1:1/bare", "debian=http://127.0.0.1:1/a",
                               "other=http://127.0.0.1:1/o", "debian=http://127.0.0.1:1/b", NULL },
    };
    expect(&o, "http://127.0.0.1:1/a http://127.0.0.1:1/b | --mirror");
    struct vz_metadata_opts o2 = {
        .mirrors = (char *[]){ "other=http://127.0.0.1:1/o", "http://127.0.0.1:1/bare?x=1", NULL },
    };
    expect(&o2, "http://127.0.0.1:1/bare?x=1 | --mirror");
}

Test(mirror, environment_beats_conf_and_apt)
{
    md_write("distros/debian-12.yaml", md_base_yaml);
    setenv("VZ_MIRROR_DEBIAN", "http://127.0.0.1:2/env  http://127.0.0.1:2/env2", 1);
    write_conf("MIRROR_DEBIAN=\"http://127.0.0.1:5/conf\"\n");
    md_write("etc/apt/sources.list.d/debian.sources", deb822);
    struct vz_metadata_opts o = { 0 };
    expect(&o, "http://127.0.0.1:2/env http://127.0.0.1:2/env2 | environment VZ_MIRROR_DEBIAN");
}

Test(mirror, conf_beats_apt)
{
    md_write("distros/debian-12.yaml", md_base_yaml);
    write_conf("# mirrors\nMIRROR_DEBIAN=\"http://127.0.0.1:5/conf\"\n");
    md_write("etc/apt/sources.list.d/debian.sources", deb822);
    struct vz_metadata_opts o = { 0 };
    char *want = vz_xasprintf("http://127.0.0.1:5/conf | %s/etc/vz/vz.conf MIRROR_DEBIAN", md_tmp);
    expect(&o, want);
    free(want);
}

Test(mirror, apt_deb822_plain_suite_for_debian)
{
    md_write("distros/debian-12.yaml", md_base_yaml);
    md_write("etc/apt/sources.list.d/debian.sources", deb822);
    struct vz_metadata_opts o = { 0 };
    char *want = vz_xasprintf("http://127.0.0.1:3/debian | %s/etc/apt/sources.list.d/debian.sources:2, suite bookworm",
                              md_tmp);
    expect(&o, want);
    free(want);
}

Test(mirror, apt_deb822_security_entry_for_debian_security)
{
    char *y = md_base_with("{{mirror.debian}}", "{{mirror.debian_security}}");
    md_write("distros/debian-12.yaml", y);
    md_write("etc/apt/sources.list.d/debian.sources", deb822);
    struct vz_metadata_opts o = { 0 };
    char *want = vz_xasprintf("http://127.0.0.1:4/debian-security | "
                              "%s/etc/apt/sources.list.d/debian.sources:8, suite bookworm-security", md_tmp);
    expect(&o, want);
    free(want);
    free(y);
}

Test(mirror, apt_one_line_format)
{
    md_write("distros/debian-12.yaml", md_base_yaml);
    md_write("etc/apt/sources.list",
             "# deb http://127.0.0.1:7/commented bookworm main\n"
             "\n"
             "deb-src http://127.0.0.1:7/src bookworm main\n"
             "deb http://127.0.0.1:7/sec bookworm-security main\n"
             "deb [arch=amd64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://127.0.0.1:7/debian bookworm main contrib\n");
    struct vz_metadata_opts o = { 0 };
    char *want = vz_xasprintf("http://127.0.0.1:7/debian | %s/etc/apt/sources.list:5, suite bookworm", md_tmp);
    expect(&o, want);
    free(want);
}

Test(mirror, apt_list_files_in_sources_list_d_and_order)
{
    md_write("distros/debian-12.yaml", md_base_yaml);
    /* apt reads sources.list first, then sources.list.d in name order */
    md_write("etc/apt/sources.list.d/b.list", "deb http://127.0.0.1:8/b bookworm main\n");
    md_write("etc/apt/sources.list.d/a.sources",
             "Types: deb\nURIs: http://127.0.0.1:8/a\nSuites: bookworm\nComponents: main\n");
    struct vz_metadata_opts o = { 0 };
    char *want = vz_xasprintf("http://127.0.0.1:8/a http://127.0.0.1:8/b | %s/etc/apt/sources.list.d/a.sources:1, "
                              "suite bookworm", md_tmp);
    expect(&o, want);
    free(want);
}

Test(mirror, apt_skips_disabled_source_only_and_third_party_entries)
{
    md_write("distros/debian-12.yaml", md_base_yaml);
    md_write("etc/apt/sources.list.d/10-thirdparty.list",
             "deb [signed-by=/x.gpg] http://127.0.0.1:9/vendor bookworm stable\n");
    md_write("etc/apt/sources.list.d/20-debian.sources",
             "Types: deb\nURIs: http://127.0.0.1:9/off\nSuites: bookworm\nComponents: main\nEnabled: no\n\n"
             "Types: deb-src\nURIs: http://127.0.0.1:9/src\nSuites: bookworm\nComponents: main\n\n"
             "Types: deb\n"
             "URIs: http://127.0.0.1:9/one\n"
             " http://127.0.0.1:9/two\n"
             "Suites: bookworm\n"
             "Components: main contrib\n");
    struct vz_metadata_opts o = { 0 };
    char *want = vz_xasprintf("http://127.0.0.1:9/one http://127.0.0.1:9/two | "
                              "%s/etc/apt/sources.list.d/20-debian.sources:12, suite bookworm", md_tmp);
    expect(&o, want);
    free(want);
}

static const char updates_only[] =
    "Types: deb\nURIs: http://127.0.0.1:3/debian\nSuites: bookworm-updates bookworm-backports\nComponents: main\n";

Test(mirror, apt_other_release_of_the_same_distribution)
{
    /* a bookworm host building trixie: its archive serves trixie too */
    char *y = md_base_with("codename: bookworm\n", "codename: trixie\n");
    md_write("distros/debian-12.yaml", y);
    md_write("etc/apt/sources.list.d/debian.sources", deb822);
    md_write("etc/os-release", "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\n");
    struct vz_metadata_opts o = { 0 };
    char *want = vz_xasprintf("http://127.0.0.1:3/debian | %s/etc/apt/sources.list.d/debian.sources:2, suite bookworm: "
                              "the host's debian archive, assumed to serve trixie too", md_tmp);
    expect(&o, want);
    free(want);
    free(y);
}

Test(mirror, none_found_says_how_to_set_one)
{
    md_write("distros/debian-12.yaml", md_base_yaml);
    /* an entry for updates only, and a host of another distribution */
    md_write("etc/apt/sources.list.d/debian.sources", updates_only);
    md_write("etc/os-release", "ID=ubuntu\n");
    struct vz_metadata_opts o = { .distros_dir = "distros" };
    char *msg = vz_xasprintf("distros/debian-12.yaml:11:14: no mirror for {{mirror.debian}}: set one with "
                             "--mirror URL (or --mirror debian=URL), VZ_MIRROR_DEBIAN=URL in the environment, "
                             "or MIRROR_DEBIAN=\"URL\" in %s/etc/vz/vz.conf (the host's apt sources under %s "
                             "have no matching deb entry)", md_tmp, md_tmp);
    md_expect_error_for(md_base_yaml, "debian-12-x86_64-minimal", &o, VZ_EMETADATA, msg);
    free(msg);
}

Test(mirror, apt_root_from_opts_beats_environment)
{
    md_write("distros/debian-12.yaml", md_base_yaml);
    md_write("other/etc/apt/sources.list", "deb http://127.0.0.1:6/other bookworm main\n");
    char *root = vz_xasprintf("%s/other", md_tmp);
    struct vz_metadata_opts o = { .apt_root = root };
    char *want = vz_xasprintf("http://127.0.0.1:6/other | %s/etc/apt/sources.list:1, suite bookworm", root);
    expect(&o, want);
    free(want);
    free(root);
}

Test(mirror, value_that_is_not_a_url)
{
    setenv("VZ_MIRROR_DEBIAN", "127.0.0.1/debian", 1);
    struct vz_metadata_opts o = { .distros_dir = "distros" };
    md_expect_error_for(md_base_yaml, "debian-12-x86_64-minimal", &o, VZ_EMETADATA,
                        "distros/debian-12.yaml:11:14: mirror.debian: '127.0.0.1/debian' (from environment "
                        "VZ_MIRROR_DEBIAN) is not a URL such as http://HOST/PATH");
}

Test(mirror, uri_template_around_the_variable)
{
    char *y = md_base_with("    mirror: \"{{mirror.debian}}\"\n",
                           "    mirror:\n      - \"{{mirror.debian}}/{{distribution}}\"\n      - http://127.0.0.1:4/fixed\n");
    md_write("distros/debian-12.yaml", y);
    setenv("VZ_MIRROR_DEBIAN", "http://127.0.0.1:2/a http://127.0.0.1:2/b", 1);
    struct vz_metadata_opts o = { .distros_dir = "distros" };
    struct vz_template *t = md_load_ok("debian-12-x86_64-minimal", &o);
    char *u = md_join(t->repos[0].uris);
    cr_assert_str_eq(u, "http://127.0.0.1:2/a/debian http://127.0.0.1:2/b/debian http://127.0.0.1:4/fixed");
    free(u);
    vz_template_free(t);
    free(y);
}

Test(mirror, unused_repositories_need_no_mirror)
{
    /* security is defined but the variant uses main only */
    char *y = md_base_with("    base: required\n", "    base: required\n    repositories: [main]\n");
    char *full = vz_xasprintf("%.*s  - name: security\n    mirror: \"{{mirror.debian_security}}\"\n"
                              "    suite: s\n    components: [main]\n    keyring: /k\n%s",
                              (int)(strstr(y, "variants:\n") - y), y, strstr(y, "variants:\n"));
    md_write("distros/debian-12.yaml", full);
    setenv("VZ_MIRROR_DEBIAN", "http://127.0.0.1:2/d", 1);
    struct vz_metadata_opts o = { 0 };
    expect(&o, "http://127.0.0.1:2/d | environment VZ_MIRROR_DEBIAN");
    free(full);
    free(y);
}

Test(mirror, fallback_to_the_host_release_never_takes_a_third_party_entry)
{
    char *y = md_base_with("codename: bookworm\n", "codename: trixie\n");
    md_write("etc/apt/sources.list.d/vendor.list", "deb http://127.0.0.1:9/vendor bookworm stable\n");
    md_write("etc/os-release", "ID=debian\n");
    struct vz_metadata_opts o = { .distros_dir = "distros" };
    char *msg = vz_xasprintf("distros/debian-12.yaml:11:14: no mirror for {{mirror.debian}}: set one with "
                             "--mirror URL (or --mirror debian=URL), VZ_MIRROR_DEBIAN=URL in the environment, "
                             "or MIRROR_DEBIAN=\"URL\" in %s/etc/vz/vz.conf (the host's apt sources under %s "
                             "have no matching deb entry)", md_tmp, md_tmp);
    md_expect_error_for(y, "debian-12-x86_64-minimal", &o, VZ_EMETADATA, msg);
    free(msg);
    free(y);
}

Test(mirror, literal_mirror_that_is_not_a_url)
{
    char *y = md_base_with("    mirror: \"{{mirror.debian}}\"\n", "    mirror: \"{{codename}}.example\"\n");
    struct vz_metadata_opts o = { .distros_dir = "distros" };
    md_expect_error_for(y, "debian-12-x86_64-minimal", &o, VZ_EMETADATA,
                        "distros/debian-12.yaml:11:13: mirror of repository 'main' is 'bookworm.example', not a URL "
                        "such as {{mirror.debian}} or http://HOST/PATH");
    free(y);
}

/* --mirror values: what the one checker every command calls accepts. */
Test(mirror, arg_check_accepts_urls_and_named_urls)
{
    const char *ok[] = { "http://127.0.0.1/debian", "https://127.0.0.1:8443/debian/",
                         "HTTP://127.0.0.1/d", "file:///srv/mirror",
                         "debian=http://127.0.0.1/debian", "debian_security=https://h/ds",
                         "http://127.0.0.1/d?a=b", "ubuntu2=file:///m" };
    for (size_t i = 0; i < VZ_ARRAY_SIZE(ok); i++) {
        vz_error_t err = NULL;
        cr_expect_eq(vz_mirror_arg_check(ok[i], &err), 0, "%s: %s", ok[i],
                     err ? err->msg : "");
        vz_error_release(&err);
    }
}

Test(mirror, arg_check_refuses_with_the_reason)
{
    const struct {
        const char *arg, *why;
    } bad[] = {
        { "", "empty value" },
        { "127.0.0.1/debian", "not a URL" },
        { "ftp://127.0.0.1/debian", "only http, https and file URLs" },
        { "gopher://h/x", "only http, https and file URLs" },
        { "http://", "no host after '://'" },
        { "https:///debian", "no host after '://'" },
        { "file://srv/m", "file:///PATH" },
        { "http://h/a b", "whitespace" },
        { "http://h/a\tb", "whitespace" },
        { "http://h/a\nb", "whitespace" },
        { "http://h/a\x01" "b", "control character" },
        { "http://h/\xc3\xa9", "non-ASCII" },
        { "=http://h/x", "no NAME before '='" },
        { "debian=", "no URL after '='" },
        { "DEBIAN=http://h/x", "lower case" },
        { "deb-ian=http://h/x", "a-z, 0-9 and '_'" },
        { "debian=127.0.0.1", "not a URL" },
    };
    for (size_t i = 0; i < VZ_ARRAY_SIZE(bad); i++) {
        vz_error_t err = NULL;
        cr_assert_eq(vz_mirror_arg_check(bad[i].arg, &err), -1, "'%s' accepted", bad[i].arg);
        cr_expect_eq(err->status, VZ_EBADARG);
        cr_expect(strstr(err->msg, bad[i].why), "'%s': message '%s' lacks '%s'", bad[i].arg,
                  err->msg, bad[i].why);
        cr_expect(strncmp(err->msg, "--mirror '", 10) == 0, "%s", err->msg);
        /* the value is quoted printable: no raw control byte or newline */
        for (const char *p = err->msg; *p; p++)
            cr_expect((unsigned char)*p >= 0x20 && (unsigned char)*p < 0x7f,
                      "unprintable byte in '%s'", err->msg);
        vz_error_release(&err);
    }
}
