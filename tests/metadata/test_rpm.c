/* tests/metadata/test_rpm.c: family rpm's fields (docs/family-rpm.md). */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "tests/metadata/helpers.h"

TestSuite(rpm_md, .init = md_setup, .fini = md_teardown, .timeout = 300);

/* Lines numbered as in test_errors.c. */
static const char rpm_yaml[] =
    "distribution: testel\n"                                       /* 1 */
    "release: \"9\"\n"                                             /* 2 */
    "codename: nine\n"                                             /* 3 */
    "family: rpm\n"                                                /* 4 */
    "summary: Test {{release}}\n"                                  /* 5 */
    "rpmdb: /usr/lib/sysimage/rpm\n"                               /* 6 */
    "base_group: core\n"                                           /* 7 */
    "architectures:\n"                                             /* 8 */
    "  x86_64: x86_64\n"                                           /* 9 */
    "repositories:\n"                                              /* 10 */
    "  - name: baseos\n"                                           /* 11 */
    "    baseurl: \"{{mirror.testel}}/{{releasever}}/BaseOS/{{basearch}}/os\"\n" /* 12 */
    "    gpgkey: keys/RPM-GPG-KEY-testel\n"                        /* 13 */
    "  - name: extras\n"                                           /* 14 */
    "    baseurl: \"{{mirror.testel}}/extras\"\n"                  /* 15 */
    "    gpgcheck: false\n"                                        /* 16 */
    "    repo_gpgcheck: false\n"                                   /* 17 */
    "variants:\n"                                                  /* 18 */
    "  minimal:\n"                                                 /* 19 */
    "    base: required\n"                                         /* 20 */
    "    packages: [dnf]\n"                                        /* 21 */
    "  tiny:\n"                                                    /* 22 */
    "    base: none\n"                                             /* 23 */
    "    repositories: [baseos]\n"                                 /* 24 */
    "    packages: [bash, coreutils-single]\n";                    /* 25 */

static char *rpm_with(const char *from, const char *to)
{
    const char *p = strstr(rpm_yaml, from);
    cr_assert_not_null(p, "'%s' not in the rpm document", from);
    return vz_xasprintf("%.*s%s%s", (int)(p - rpm_yaml), rpm_yaml, to, p + strlen(from));
}

static void expect(const char *yaml, const char *name, const char *msg)
{
    md_write("distros/testel-9.yaml", yaml);
    struct vz_metadata_opts o = { .distros_dir = "distros", .skip_mirrors = true };
    struct vz_template *t = NULL;
    vz_error_t err = NULL;
    cr_assert_eq(vz_template_load(name, &o, &t, &err), -1, "%s loaded", name);
    cr_assert_eq(err->status, VZ_EMETADATA);
    char *want = vz_xasprintf("distros/testel-9.yaml:%s", msg);
    cr_assert_str_eq(err->msg, want);
    free(want);
    vz_error_release(&err);
}

Test(rpm_md, fields_variables_and_key_path)
{
    md_write("distros/testel-9.yaml", rpm_yaml);
    struct vz_metadata_opts o = { .distros_dir = "distros",
                                  .mirrors = (char *[]){ "http://127.0.0.1:9/el", NULL } };
    struct vz_template *t = md_load_ok("testel-9-x86_64-minimal", &o);
    cr_assert_str_eq(t->family, "rpm");
    cr_assert_str_eq(t->rpmdb, "/usr/lib/sysimage/rpm");
    cr_assert_str_eq(t->base_group, "core");
    cr_assert(t->base_required);
    cr_assert_str_eq(t->merged_usr, "none");
    cr_assert_eq(t->n_repos, 2);
    /* $releasever and $basearch as dnf expands them */
    cr_assert_str_eq(t->repos[0].uris[0], "http://127.0.0.1:9/el/9/BaseOS/x86_64/os");
    cr_assert_null(t->repos[0].uris[1]);
    cr_assert_str_eq(t->repos[0].suite, "9");
    cr_assert_null(t->repos[0].components[0]);
    /* a relative gpgkey is next to the YAML file */
    cr_assert_str_eq(t->repos[0].keyring, "distros/keys/RPM-GPG-KEY-testel");
    cr_assert(t->repos[0].gpgcheck && t->repos[0].repo_gpgcheck);
    cr_assert_null(t->repos[1].keyring);
    cr_assert(!t->repos[1].gpgcheck && !t->repos[1].repo_gpgcheck);
    char *pk = md_join(t->packages);
    cr_assert_str_eq(pk, "dnf");
    free(pk);
    char h1[65];
    memcpy(h1, t->metadata_sha256, 65);
    vz_template_free(t);

    /* what the build uses is in the hash: the rpmdb place and the checks */
    char *y = rpm_with("rpmdb: /usr/lib/sysimage/rpm", "rpmdb: /var/lib/rpm");
    md_write("distros/testel-9.yaml", y);
    t = md_load_ok("testel-9-x86_64-minimal", &o);
    cr_assert_str_neq(t->metadata_sha256, h1);
    vz_template_free(t);
    free(y);
    y = rpm_with("    gpgcheck: false\n", "    gpgcheck: true\n    gpgkey: /k.asc\n");
    md_write("distros/testel-9.yaml", y);
    t = md_load_ok("testel-9-x86_64-minimal", &o);
    cr_assert_str_neq(t->metadata_sha256, h1);
    vz_template_free(t);
    free(y);
}

Test(rpm_md, base_none_with_a_package_list)
{
    md_write("distros/testel-9.yaml", rpm_yaml);
    struct vz_template *t = md_load_ok("testel-9-x86_64-tiny", NULL);
    cr_assert(!t->base_required);
    cr_assert_eq(t->n_repos, 1);
    char *pk = md_join(t->packages);
    cr_assert_str_eq(pk, "bash coreutils-single");
    free(pk);
    vz_template_free(t);
}

Test(rpm_md, rpm_family_does_not_read_apt_sources)
{
    md_write("distros/testel-9.yaml", rpm_yaml);
    md_write("etc/apt/sources.list", "deb http://127.0.0.1:6/debian bookworm main\n");
    struct vz_metadata_opts o = { .distros_dir = "distros" };
    char *msg = vz_xasprintf("distros/testel-9.yaml:12:15: no mirror for {{mirror.testel}}: set one "
                             "with --mirror URL (or --mirror testel=URL), VZ_MIRROR_TESTEL=URL in the "
                             "environment, or MIRROR_TESTEL=\"URL\" in %s/etc/vz/vz.conf", md_tmp);
    md_write("distros/testel-9.yaml", rpm_yaml);
    struct vz_template *t = NULL;
    vz_error_t err = NULL;
    cr_assert_eq(vz_template_load("testel-9-x86_64-minimal", &o, &t, &err), -1);
    cr_assert_str_eq(err->msg, msg);
    vz_error_release(&err);
    free(msg);
}

Test(rpm_md, errors)
{
    char *y;
    expect(y = rpm_with("rpmdb: /usr/lib/sysimage/rpm\n", ""), "testel-9-x86_64-minimal",
           "1:1: missing required field 'rpmdb' (family rpm: where the distribution keeps its rpm "
           "database, /var/lib/rpm or /usr/lib/sysimage/rpm)");
    free(y);
    expect(y = rpm_with("rpmdb: /usr/lib/sysimage/rpm", "rpmdb: var/lib/rpm"), "testel-9-x86_64-minimal",
           "6:8: 'rpmdb' must be an absolute path inside the root without '..', not 'var/lib/rpm'");
    free(y);
    expect(y = rpm_with("    gpgkey: keys/RPM-GPG-KEY-testel\n", ""), "testel-9-x86_64-minimal",
           "11:5: repository 'baseos' has no 'gpgkey': name the key file that signs its packages "
           "and repomd.xml, or set gpgcheck: false and repo_gpgcheck: false");
    free(y);
    /* one check off still needs the key for the other */
    expect(y = rpm_with("    gpgcheck: false\n", ""), "testel-9-x86_64-minimal",
           "14:5: repository 'extras' has no 'gpgkey': name the key file that signs its packages "
           "and repomd.xml, or set gpgcheck: false and repo_gpgcheck: false");
    free(y);
    expect(y = rpm_with("    baseurl: \"{{mirror.testel}}/extras\"\n", ""), "testel-9-x86_64-minimal",
           "14:5: missing required field 'baseurl' in repository 'extras' (the URL of the directory "
           "that holds repodata/repomd.xml), or a 'metalink' or 'mirrorlist' that lists such URLs");
    free(y);
    expect(y = rpm_with("    gpgcheck: false\n", "    gpgcheck: false\n    suite: nine\n"),
           "testel-9-x86_64-minimal", "17:5: 'suite' is for family deb");
    free(y);
    expect(y = rpm_with("    gpgcheck: false\n", "    keyring: /k.gpg\n"), "testel-9-x86_64-minimal",
           "16:5: 'keyring' is for family deb (use gpgkey)");
    free(y);
    expect(y = rpm_with("    gpgkey: keys/RPM-GPG-KEY-testel\n", "    gpgkey: ../../etc/key\n"),
           "testel-9-x86_64-minimal", "13:13: 'gpgkey' must not contain '..': '../../etc/key'");
    free(y);
    expect(y = rpm_with("base_group: core\n", ""), "testel-9-x86_64-minimal",
           "19:11: base: required needs 'base_group' in family rpm (the comps group of the minimal "
           "set, for example core)");
    free(y);
    expect(y = rpm_with("    gpgcheck: false\n", "    gpgchek: false\n"), "testel-9-x86_64-minimal",
           "16:5: unknown key 'gpgchek' (did you mean 'gpgcheck'?)");
    free(y);
    expect(y = rpm_with("base_group: core\n", "base_group: core\nmerged_usr: symlinks\n"),
           "testel-9-x86_64-minimal",
           "8:13: 'merged_usr' is for family deb: rpm distributions ship their /usr layout in "
           "their packages (filesystem)");
    free(y);
}

Test(rpm_md, deb_files_refuse_rpm_keys)
{
    char *y = md_base_with("    keyring: /k.gpg\n", "    keyring: /k.gpg\n    gpgkey: /k.asc\n");
    md_expect_error(y, "distros/debian-12.yaml:15:5: 'gpgkey' is for family rpm; a deb repository "
                       "has mirror, suite, components and keyring");
    free(y);
    y = md_base_with("merged_usr: symlinks\n", "merged_usr: symlinks\nrpmdb: /var/lib/rpm\n");
    md_expect_error(y, "distros/debian-12.yaml:7:1: 'rpmdb' is for family rpm, not deb");
    free(y);
    y = md_base_with("    suite: \"{{codename}}\"\n", "");
    md_expect_error(y, "distros/debian-12.yaml:10:5: missing required field 'suite' in repository "
                       "'main'");
    free(y);
}

/* --- metalink and mirrorlist ---------------------------------------------- */

static const char extras_baseurl[] = "    baseurl: \"{{mirror.testel}}/extras\"\n";
static const char extras_metalink[] =
    "    metalink: \"{{mirror.testel_ml}}/metalink?repo=extras-{{releasever}}&arch={{basearch}}\"\n";

static struct vz_template *load_with(const char *yaml, char **mirrors)
{
    md_write("distros/testel-9.yaml", yaml);
    struct vz_metadata_opts o = { .distros_dir = "distros", .mirrors = mirrors };
    return md_load_ok("testel-9-x86_64-minimal", &o);
}

Test(rpm_md, metalink_or_mirrorlist_instead_of_baseurl)
{
    char *y = rpm_with(extras_baseurl, extras_metalink);
    struct vz_template *t = load_with(y, (char *[]){ "testel=http://127.0.0.1:9/el",
                                                     "testel_ml=http://127.0.0.1:9/mm", NULL });
    /* variables expanded in the list URL; no baseurl until the build asks the list */
    cr_assert_str_eq(t->repos[1].metalink, "http://127.0.0.1:9/mm/metalink?repo=extras-9&arch=x86_64");
    cr_assert_null(t->repos[1].mirrorlist);
    cr_assert_null(t->repos[1].uris[0]);
    cr_assert_null(t->repos[0].metalink);
    vz_template_free(t);
    free(y);

    y = rpm_with(extras_baseurl, "    mirrorlist: \"{{mirror.testel_ml}}/list?r={{releasever}}\"\n");
    t = load_with(y, (char *[]){ "testel=http://127.0.0.1:9/el", "testel_ml=http://127.0.0.1:9/mm",
                                 NULL });
    cr_assert_str_eq(t->repos[1].mirrorlist, "http://127.0.0.1:9/mm/list?r=9");
    cr_assert_null(t->repos[1].metalink);
    vz_template_free(t);
    free(y);
}

Test(rpm_md, a_named_mirror_overrides_the_metalink)
{
    char *both = vz_xasprintf("%s%s", extras_baseurl, extras_metalink);
    char *y = rpm_with(extras_baseurl, both);
    /* the baseurl's mirror has a value: it is used, the metalink is not */
    struct vz_template *t = load_with(y, (char *[]){ "testel=http://127.0.0.1:9/el",
                                                     "testel_ml=http://127.0.0.1:9/mm", NULL });
    cr_assert_str_eq(t->repos[1].uris[0], "http://127.0.0.1:9/el/extras");
    cr_assert_null(t->repos[1].metalink);
    vz_template_free(t);
    /* only the metalink's: the metalink */
    md_write("distros/testel-9.yaml", y);
    setenv("VZ_MIRROR_TESTEL_ML", "http://127.0.0.1:9/mm", 1);
    struct vz_metadata_opts o = { .distros_dir = "distros",
                                  .mirrors = (char *[]){ "testel=http://127.0.0.1:9/el", NULL } };
    /* baseos needs {{mirror.testel}}; extras' baseurl uses it too: give
     * extras' baseurl a variable of its own */
    free(y);
    char *own = vz_xasprintf("    baseurl: \"{{mirror.testel_x}}/extras\"\n%s", extras_metalink);
    y = rpm_with(extras_baseurl, own);
    md_write("distros/testel-9.yaml", y);
    t = md_load_ok("testel-9-x86_64-minimal", &o);
    cr_assert_str_eq(t->repos[1].metalink, "http://127.0.0.1:9/mm/metalink?repo=extras-9&arch=x86_64");
    cr_assert_null(t->repos[1].uris[0]);
    vz_template_free(t);
    /* neither: the error names both */
    unsetenv("VZ_MIRROR_TESTEL_ML");
    vz_error_t err = NULL;
    cr_assert_eq(vz_template_load("testel-9-x86_64-minimal", &o, &t, &err), -1);
    cr_assert_eq(err->status, VZ_EMETADATA);
    cr_assert(strstr(err->msg, "no mirror for {{mirror.testel_ml}}") &&
              strstr(err->msg, "and its baseurl has no mirror either") &&
              strstr(err->msg, "no mirror for {{mirror.testel_x}}"), "%s", err->msg);
    vz_error_release(&err);
    free(own);
    free(both);
    free(y);
}

Test(rpm_md, metalink_errors)
{
    char *both = vz_xasprintf("%s    mirrorlist: \"{{mirror.testel}}/l\"\n", extras_metalink);
    char *y;
    expect(y = rpm_with(extras_baseurl, both), "testel-9-x86_64-minimal",
           "16:5: 'mirrorlist' and 'metalink' in one repository: give one of them (metalink also "
           "vouches for repomd.xml by its hash)");
    free(y);
    free(both);
    char *d = md_base_with("    keyring: /k.gpg\n", "    keyring: /k.gpg\n    metalink: http://127.0.0.1:9/m\n");
    md_expect_error(d, "distros/debian-12.yaml:15:5: 'metalink' is for family rpm; a deb "
                       "repository has mirror, suite, components and keyring");
    free(d);
}

/* --- the shipped rpm distributions ---------------------------------------- */

/* The primary key fingerprint of an armored key file, by gpg. */
static char *fingerprint(const char *key)
{
    char *argv[] = { "gpg", "--batch", "--show-keys", "--with-colons", (char *)key, NULL };
    struct vz_buf out = VZ_BUF_INIT;
    vz_buf_init(&out);
    vz_error_t err = NULL;
    cr_assert_eq(vz_run_ok(argv, &(struct vz_run_opts){ .out = &out, .quiet = 1 }, &err), 0, "%s",
                 err ? err->msg : "");
    const char *f = strstr(out.data, "\nfpr:::::::::");
    cr_assert_not_null(f, "%s", out.data);
    char *fp = vz_xasprintf("%.40s", f + strlen("\nfpr:::::::::"));
    vz_buf_release(&out);
    return fp;
}

/* Each key is the one its distribution documents (docs/family-rpm.md says
 * where each came from and where the fingerprint is published): a swapped
 * key file fails here. */
Test(rpm_md, shipped_distros_load_with_their_documented_keys)
{
    static const struct {
        const char *tmpl, *rpmdb, *key, *fpr, *url0;
    } cases[] = {
        { "almalinux-9-x86_64-minimal", "/var/lib/rpm", "RPM-GPG-KEY-AlmaLinux-9",
          "BF18AC2876178908D6E71267D36CB86CB86B3716", "http://127.0.0.1:9/m/9/BaseOS/x86_64/os" },
        { "rocky-9-aarch64-default", "/var/lib/rpm", "RPM-GPG-KEY-Rocky-9",
          "21CB256AE16FC54C6E652949702D426D350D275D", "http://127.0.0.1:9/m/9/BaseOS/aarch64/os" },
        { "centos_stream-9-x86_64-default", "/var/lib/rpm", "RPM-GPG-KEY-centosofficial",
          "99DB70FAE1D7CE227FB6488205B555B38483C65D",
          "http://127.0.0.1:9/m/9-stream/BaseOS/x86_64/os" },
        { "fedora-45-x86_64-minimal", "/usr/lib/sysimage/rpm", "RPM-GPG-KEY-fedora-45-primary",
          "4F50A6114CD5C6976A7F1179655A4B02F577861E",
          "http://127.0.0.1:9/m/releases/45/Everything/x86_64/os" },
    };
    char *dir = md_shipped_dir();
    struct vz_metadata_opts o = { .distros_dir = dir,
                                  .mirrors = (char *[]){ "http://127.0.0.1:9/m", NULL } };
    for (size_t i = 0; i < VZ_ARRAY_SIZE(cases); i++) {
        struct vz_template *t = md_load_ok(cases[i].tmpl, &o);
        cr_assert_str_eq(t->family, "rpm");
        cr_assert_str_eq(t->rpmdb, cases[i].rpmdb);
        cr_assert_str_eq(t->base_group, "core");
        cr_assert(t->base_required);
        cr_assert_str_eq(t->repos[0].uris[0], cases[i].url0);
        char *key = vz_xasprintf("%s/keys/%s", dir, cases[i].key);
        for (size_t r = 0; r < t->n_repos; r++) {
            cr_assert_str_eq(t->repos[r].keyring, key);
            cr_assert(t->repos[r].gpgcheck, "%s: gpgcheck off", cases[i].tmpl);
        }
        char *fp = fingerprint(key);
        cr_assert_str_eq(fp, cases[i].fpr, "%s", key);
        free(fp);
        free(key);
        vz_template_free(t);
    }
    free(dir);
}
