/* Good paths: extends, variables, overrides, listing, hashing, shipped files. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "tests/metadata/helpers.h"

TestSuite(load, .init = md_setup, .fini = md_teardown, .timeout = 300);

static void write_base(void)
{
    md_write("distros/debian-12.yaml", md_base_yaml);
}

static void assert_strv(char *const *v, const char *joined)
{
    char *j = md_join(v);
    cr_assert_str_eq(j, joined);
    free(j);
}

Test(load, extends_applied)
{
    write_base();
    struct vz_template *t = md_load_ok("debian-12-x86_64-default", NULL);
    cr_assert_str_eq(t->name, "debian-12-x86_64-default");
    cr_assert_str_eq(t->variant, "default");
    assert_strv(t->packages, "apt less");
    cr_assert(t->base_required);
    cr_assert_str_eq(t->summary, "Test 12");
    cr_assert_str_eq(t->merged_usr, "symlinks");
    cr_assert_str_eq(t->source_path, "distros/debian-12.yaml");
    vz_template_free(t);
}

Test(load, variables_expanded)
{
    char *y = md_base_with("      - less\n",
                           "      - less\n      - linux-image-{{distro_arch}}\n"
                           "    description: \"{{distribution}} {{release}} {{codename}} {{arch}}\"\n");
    md_write("distros/debian-12.yaml", y);
    struct vz_template *t = md_load_ok("debian-12-x86_64-default", NULL);
    assert_strv(t->packages, "apt less linux-image-amd64");
    cr_assert_str_eq(t->description, "debian 12 bookworm x86_64");
    cr_assert_eq(t->n_repos, 1);
    cr_assert_str_eq(t->repos[0].suite, "bookworm");
    assert_strv(t->repos[0].components, "main");
    cr_assert_str_eq(t->repos[0].keyring, "/k.gpg");
    /* without mirror resolution the URI keeps its variable */
    cr_assert_not(t->mirrors_resolved);
    assert_strv(t->repos[0].uris, "{{mirror.debian}}");
    vz_template_free(t);
    free(y);
}

Test(load, variable_in_keyring_and_spaces_in_braces)
{
    char *y = md_base_with("    keyring: /k.gpg\n", "    keyring: \"/usr/share/keyrings/{{ distribution }}.gpg\"\n");
    md_write("distros/debian-12.yaml", y);
    struct vz_template *t = md_load_ok("debian-12-x86_64-minimal", NULL);
    cr_assert_str_eq(t->repos[0].keyring, "/usr/share/keyrings/debian.gpg");
    vz_template_free(t);
    free(y);
}

Test(load, excludes_union_and_removed_from_inherited_packages)
{
    char *y = md_base_with("      - less\n", "      - less\n      - vim-tiny\n    excludes: [apt, nano]\n");
    md_write("distros/debian-12.yaml", y);
    struct vz_template *t = md_load_ok("debian-12-x86_64-default", NULL);
    assert_strv(t->packages, "less vim-tiny");
    assert_strv(t->excludes, "apt nano");
    vz_template_free(t);
    free(y);
}

Test(load, environment_overrides_and_scripts_concatenate)
{
    char *y1 = md_base_with("merged_usr: symlinks\n",
                            "merged_usr: symlinks\nenvironment:\n  A: top\n  B: top\n"
                            "scripts:\n  post-install: echo top\n");
    /* y1 shifted the lines; edit the variant part by text */
    const char *v = "    extends: minimal\n";
    char *p = strstr(y1, v);
    cr_assert_not_null(p);
    char *y = vz_xasprintf("%.*s%s    environment:\n      B: \"{{codename}}\"\n      C: c\n"
                           "    scripts:\n      post-install: |\n        echo {{variant_free}}\n%s",
                           (int)(p - y1), y1, v, p + strlen(v));
    /* {{variant_free}} is not a variable: first make sure that is an error */
    md_write("distros/debian-12.yaml", y);
    struct vz_metadata_opts o = { .distros_dir = "distros", .skip_mirrors = true };
    struct vz_template *t = NULL;
    vz_error_t err = NULL;
    cr_assert_eq(vz_template_load("debian-12-x86_64-default", &o, &t, &err), -1);
    vz_error_release(&err);
    free(y);
    y = vz_xasprintf("%.*s%s    environment:\n      B: \"{{codename}}\"\n      C: c\n"
                     "    scripts:\n      post-install: |\n        echo {{arch}}\n%s",
                     (int)(p - y1), y1, v, p + strlen(v));
    md_write("distros/debian-12.yaml", y);
    t = md_load_ok("debian-12-x86_64-default", NULL);
    assert_strv(t->environment, "A=top B=bookworm C=c");
    cr_assert_str_eq(t->script_post_install, "echo top\necho x86_64\n");
    cr_assert_null(t->script_pre_cache);
    vz_template_free(t);
    t = md_load_ok("debian-12-x86_64-minimal", NULL);
    assert_strv(t->environment, "A=top B=top");
    cr_assert_str_eq(t->script_post_install, "echo top\n");
    vz_template_free(t);
    free(y);
    free(y1);
}

static const char two_repos[] =
    "distribution: debian\nrelease: \"12\"\ncodename: bookworm\nfamily: deb\nsummary: S\n"
    "merged_usr: symlinks\narchitectures: {x86_64: amd64, aarch64: arm64}\n"
    "repositories:\n"
    "  - {name: main, mirror: \"{{mirror.debian}}\", suite: \"{{codename}}\", components: [main], keyring: /k}\n"
    "  - {name: updates, mirror: \"{{mirror.debian}}\", suite: \"{{codename}}-updates\", components: [main, contrib], keyring: /k}\n"
    "  - {name: local, mirror: \"{{mirror.local}}/{{distro_arch}}\", suite: \"./\", components: [x], allow_unsigned: true}\n"
    "variants:\n"
    "  minimal: {base: required, packages: [apt], repositories: [main]}\n"
    "  default: {extends: minimal, packages: [less], repositories: [main, updates]}\n"
    "  all: {extends: default, summary: \"every repo on {{arch}}\", repositories: [updates, main, local]}\n"
    "  plain: {base: none, packages: [busybox]}\n";

/* base: required reads the repositories of the variant that sets it: what
 * a variant extending it adds serves its packages, not the base set. */
Test(load, base_set_comes_from_the_base_variants_repositories)
{
    md_write("distros/debian-12.yaml", two_repos);
    struct vz_template *t = md_load_ok("debian-12-x86_64-all", NULL);
    cr_assert_str_eq(t->repos[0].name, "updates");
    cr_assert(t->repos[0].base_excluded);
    cr_assert_str_eq(t->repos[1].name, "main");
    cr_assert_not(t->repos[1].base_excluded);
    cr_assert(t->repos[2].base_excluded);
    char all_hash[sizeof(t->metadata_sha256)];
    memcpy(all_hash, t->metadata_sha256, sizeof(all_hash));
    vz_template_free(t);
    t = md_load_ok("debian-12-x86_64-minimal", NULL);
    cr_assert_not(t->repos[0].base_excluded);
    vz_template_free(t);
    /* a variant that sets base itself reads all of its own */
    md_write("distros/debian-12.yaml",
             "distribution: debian\nrelease: \"12\"\ncodename: bookworm\nfamily: deb\nsummary: S\n"
             "merged_usr: symlinks\narchitectures: {x86_64: amd64}\n"
             "repositories:\n"
             "  - {name: main, mirror: m, suite: s, components: [main], keyring: /k}\n"
             "  - {name: updates, mirror: m, suite: s-u, components: [main], keyring: /k}\n"
             "variants:\n"
             "  minimal: {base: required, repositories: [main]}\n"
             "  all: {extends: minimal, base: required, repositories: [main, updates]}\n"
             "  narrow: {extends: minimal, repositories: [updates]}\n");
    t = md_load_ok("debian-12-x86_64-all", NULL);
    cr_assert_not(t->repos[0].base_excluded);
    cr_assert_not(t->repos[1].base_excluded);
    cr_assert_str_neq(t->metadata_sha256, all_hash);
    vz_template_free(t);
    /* narrowed to none of the base variant's: every repository counts */
    t = md_load_ok("debian-12-x86_64-narrow", NULL);
    cr_assert_eq(t->n_repos, 1);
    cr_assert_not(t->repos[0].base_excluded);
    vz_template_free(t);
}

Test(load, variant_repositories_select_and_inherit)
{
    md_write("distros/debian-12.yaml", two_repos);
    struct vz_template *t = md_load_ok("debian-12-x86_64-minimal", NULL);
    cr_assert_eq(t->n_repos, 1);
    cr_assert_str_eq(t->repos[0].name, "main");
    vz_template_free(t);
    t = md_load_ok("debian-12-aarch64-all", NULL);
    cr_assert_eq(t->n_repos, 3);
    cr_assert_str_eq(t->repos[0].name, "updates");
    cr_assert_str_eq(t->repos[0].suite, "bookworm-updates");
    assert_strv(t->repos[0].components, "main contrib");
    cr_assert_str_eq(t->repos[2].name, "local");
    cr_assert_null(t->repos[2].keyring);
    cr_assert(t->repos[2].allow_unsigned);
    assert_strv(t->repos[2].uris, "{{mirror.local}}/arm64");
    cr_assert_str_eq(t->summary, "every repo on aarch64");
    assert_strv(t->packages, "apt less");
    vz_template_free(t);
    /* no repositories anywhere in the chain: all of them, in file order */
    t = md_load_ok("debian-12-x86_64-plain", NULL);
    cr_assert_eq(t->n_repos, 3);
    cr_assert_not(t->base_required);
    assert_strv(t->packages, "busybox");
    cr_assert_str_eq(t->summary, "S");
    vz_template_free(t);
}

Test(load, short_name_means_default_variant)
{
    write_base();
    struct vz_template *t = md_load_ok("debian-12-x86_64", NULL);
    cr_assert_str_eq(t->name, "debian-12-x86_64-default");
    vz_template_free(t);
}

Test(load, unknown_template_suggests)
{
    write_base();
    md_expect_error_for(md_base_yaml, "debian-12-x86_64-minmal", NULL, VZ_ENOTEMPLATE,
                        "unknown template 'debian-12-x86_64-minmal' (did you mean 'debian-12-x86_64-minimal'?)");
    md_expect_error_for(md_base_yaml, "debian-12-aarch64-minimal", NULL, VZ_ENOTEMPLATE,
                        "unknown template 'debian-12-aarch64-minimal' (did you mean 'debian-12-x86_64-minimal'?)");
    md_expect_error_for(md_base_yaml, "fedora-40-x86_64-minimal", NULL, VZ_ENOTEMPLATE,
                        "unknown template 'fedora-40-x86_64-minimal' ('vzpkg list' shows the known ones)");
    md_expect_error_for(md_base_yaml, "../etc/passwd", NULL, VZ_ENOTEMPLATE,
                        "unknown template '../etc/passwd' ('vzpkg list' shows the known ones)");
}

Test(load, file_with_another_name_is_found)
{
    md_write("distros/my-debian.yaml", md_base_yaml);
    struct vz_template *t = md_load_ok("debian-12-x86_64-minimal", NULL);
    cr_assert_str_eq(t->source_path, "distros/my-debian.yaml");
    vz_template_free(t);
}

/* A key shipped with the distro files: relative to the YAML's directory,
 * made absolute (gpgv runs later, from elsewhere), for the shipped directory
 * and for a local override alike. */
Test(load, relative_keyring_is_next_to_the_yaml)
{
    char *y = md_base_with("    keyring: /k.gpg\n", "    keyring: keys/{{distribution}}.gpg\n");
    md_write("distros/debian-12.yaml", y);
    struct vz_template *t = md_load_ok("debian-12-x86_64-minimal", NULL);
    cleanup_free char *want = vz_xasprintf("%s/distros/keys/debian.gpg", md_tmp);
    cr_assert_str_eq(t->repos[0].keyring, want);
    char hash[sizeof(t->metadata_sha256)];
    memcpy(hash, t->metadata_sha256, sizeof(hash));
    vz_template_free(t);
    char *local = vz_xasprintf("%s/etc/vz/distros/debian-12.yaml", md_tmp);
    md_write(local, y);
    t = md_load_ok("debian-12-x86_64-minimal", NULL);
    cleanup_free char *want_local = vz_xasprintf("%s/etc/vz/distros/keys/debian.gpg", md_tmp);
    cr_assert_str_eq(t->repos[0].keyring, want_local);
    /* hashed as written: the same file elsewhere has the same hash */
    cr_assert_str_eq(t->metadata_sha256, hash);
    vz_template_free(t);
    free(local);
    free(y);
}

Test(load, local_override_shadows_shipped_file)
{
    write_base();
    char *y = md_base_with("summary: Test {{release}}\n", "summary: Local {{codename}}\n");
    char *local = vz_xasprintf("%s/etc/vz/distros/debian-12.yaml", md_tmp);
    md_write(local, y);
    struct vz_template *t = md_load_ok("debian-12-x86_64-minimal", NULL);
    cr_assert_str_eq(t->summary, "Local bookworm");
    cr_assert_str_eq(t->source_path, local);
    vz_template_free(t);
    struct vz_metadata_opts o = { .distros_dir = "distros" };
    struct vz_template_entry *e = NULL;
    size_t n = 0;
    vz_error_t err = NULL;
    cr_assert_eq(vz_template_list(&o, &e, &n, &err), 0);
    cr_assert_eq(n, 2);
    cr_assert_str_eq(e[0].summary, "Local bookworm");
    cr_assert_str_eq(e[0].source_path, local);
    vz_template_list_free(e, n);
    free(local);
    free(y);
}

Test(load, list_is_sorted_across_files_and_skips_broken_ones)
{
    char *z = md_base_with("distribution: debian\n", "distribution: alpha\n");
    md_write("distros/zz.yaml", z);
    write_base();
    md_write("distros/broken.yaml", "distribution: [\n");
    md_write("distros/notyaml.txt", "ignored");
    struct vz_metadata_opts o = { .distros_dir = "distros" };
    struct vz_template_entry *e = NULL;
    size_t n = 0;
    vz_error_t err = NULL;
    cr_assert_eq(vz_template_list(&o, &e, &n, &err), 0);
    cr_assert_eq(n, 4);
    cr_assert_str_eq(e[0].name, "alpha-12-x86_64-default");
    cr_assert_str_eq(e[1].name, "alpha-12-x86_64-minimal");
    cr_assert_str_eq(e[2].name, "debian-12-x86_64-default");
    cr_assert_str_eq(e[3].name, "debian-12-x86_64-minimal");
    cr_assert_str_eq(e[3].summary, "Test 12");
    cr_assert_str_eq(e[0].source_path, "distros/zz.yaml");
    vz_template_list_free(e, n);
    free(z);
}

static void hash_of(const char *yaml, const char *name, const struct vz_metadata_opts *o, char out[65])
{
    md_write("distros/debian-12.yaml", yaml);
    struct vz_template *t = md_load_ok(name, o);
    memcpy(out, t->metadata_sha256, 65);
    cr_assert_eq(strlen(out), 64);
    vz_template_free(t);
}

Test(load, metadata_hash_is_stable_and_tracks_what_the_build_uses)
{
    char h1[65], h2[65], h3[65], h4[65], h5[65], h6[65];
    struct vz_metadata_opts a = { .distros_dir = "distros", .mirrors = (char *[]){ "http://127.0.0.1:1/a", NULL } };
    struct vz_metadata_opts b = { .distros_dir = "distros", .mirrors = (char *[]){ "http://127.0.0.1:2/b", NULL } };
    hash_of(md_base_yaml, "debian-12-x86_64-default", &a, h1);
    hash_of(md_base_yaml, "debian-12-x86_64-default", &a, h2);
    cr_assert_str_eq(h1, h2);
    /* another mirror of the same archive: same packages, same hash */
    hash_of(md_base_yaml, "debian-12-x86_64-default", &b, h3);
    cr_assert_str_eq(h1, h3);
    /* the summary does not change the tree */
    char *y = md_base_with("summary: Test {{release}}\n", "summary: Other\n");
    hash_of(y, "debian-12-x86_64-default", &a, h4);
    cr_assert_str_eq(h1, h4);
    free(y);
    /* a package does */
    y = md_base_with("      - less\n", "      - less\n      - vim-tiny\n");
    hash_of(y, "debian-12-x86_64-default", &a, h5);
    cr_assert_str_neq(h1, h5);
    free(y);
    /* and so does a suite */
    y = md_base_with("    suite: \"{{codename}}\"\n", "    suite: \"{{codename}}-proposed\"\n");
    hash_of(y, "debian-12-x86_64-default", &a, h6);
    cr_assert_str_neq(h1, h6);
    free(y);
    /* and the variant */
    hash_of(md_base_yaml, "debian-12-x86_64-minimal", &a, h6);
    cr_assert_str_neq(h1, h6);
}

/* --- the shipped files ----------------------------------------------------- */

/* set up and torn down around each test, so a failed assertion leaves no
 * /tmp/vzt-md-* behind */
TestSuite(shipped, .init = md_setup, .fini = md_teardown, .timeout = 300);

Test(shipped, list_names_every_arch_and_variant)
{
    char *dir = md_shipped_dir();
    struct vz_metadata_opts o = { .distros_dir = dir };
    struct vz_template_entry *e = NULL;
    size_t n = 0;
    vz_error_t err = NULL;
    cr_assert_eq(vz_template_list(&o, &e, &n, &err), 0);
    struct vz_buf b = VZ_BUF_INIT;
    vz_buf_init(&b);
    for (size_t i = 0; i < n; i++)
        vz_buf_addf(&b, "%s\n", e[i].name);
    cr_assert_str_eq(b.data,
                     "almalinux-9-aarch64-default\nalmalinux-9-aarch64-minimal\n"
                     "almalinux-9-x86_64-default\nalmalinux-9-x86_64-minimal\n"
                     "centos_stream-9-aarch64-default\ncentos_stream-9-aarch64-minimal\n"
                     "centos_stream-9-x86_64-default\ncentos_stream-9-x86_64-minimal\n"
                     "debian-12-aarch64-default\ndebian-12-aarch64-minimal\n"
                     "debian-12-i686-default\ndebian-12-i686-minimal\n"
                     "debian-12-x86_64-default\ndebian-12-x86_64-minimal\n"
                     "debian-13-aarch64-default\ndebian-13-aarch64-minimal\n"
                     "debian-13-x86_64-default\ndebian-13-x86_64-minimal\n"
                     "fedora-45-aarch64-default\nfedora-45-aarch64-minimal\n"
                     "fedora-45-x86_64-default\nfedora-45-x86_64-minimal\n"
                     "rocky-9-aarch64-default\nrocky-9-aarch64-minimal\n"
                     "rocky-9-x86_64-default\nrocky-9-x86_64-minimal\n"
                     "ubuntu-22.04-x86_64-default\nubuntu-22.04-x86_64-minimal\n"
                     "ubuntu-24.04-x86_64-default\nubuntu-24.04-x86_64-minimal\n");
    vz_buf_release(&b);
    vz_template_list_free(e, n);
    free(dir);
}

Test(shipped, debian_13_default_packages_after_extends)
{
    char *dir = md_shipped_dir();
    struct vz_metadata_opts o = { .distros_dir = dir,
                                  .mirrors = (char *[]){ "http://127.0.0.1:9/debian", NULL } };
    struct vz_template *t = md_load_ok("debian-13-x86_64-default", &o);
    assert_strv(t->packages, "apt systemd-sysv iproute2 iputils-ping ifupdown netbase openssh-server "
                             "ca-certificates less procps vim-tiny locales cron logrotate");
    cr_assert_str_eq(t->codename, "trixie");
    cr_assert_str_eq(t->distro_arch, "amd64");
    cr_assert_str_eq(t->merged_usr, "packages");
    cr_assert(t->base_required);
    cr_assert_eq(t->n_repos, 2);
    cr_assert_str_eq(t->repos[0].suite, "trixie");
    cr_assert_str_eq(t->repos[1].suite, "trixie-updates");
    assert_strv(t->repos[0].uris, "http://127.0.0.1:9/debian");
    cr_assert_str_eq(t->repos[0].keyring, "/usr/share/keyrings/debian-archive-keyring.gpg");
    vz_template_free(t);
    free(dir);
}

Test(shipped, debian_12_minimal_is_minbase_on_the_plain_suite)
{
    char *dir = md_shipped_dir();
    struct vz_metadata_opts o = { .distros_dir = dir,
                                  .mirrors = (char *[]){ "http://127.0.0.1:9/debian", NULL } };
    struct vz_template *t = md_load_ok("debian-12-x86_64-minimal", &o);
    assert_strv(t->packages, "apt");
    cr_assert(t->base_required);
    cr_assert_str_eq(t->merged_usr, "symlinks");
    cr_assert_eq(t->n_repos, 1);
    cr_assert_str_eq(t->repos[0].name, "main");
    cr_assert_str_eq(t->repos[0].suite, "bookworm");
    assert_strv(t->repos[0].components, "main");
    cr_assert_eq(t->n_mirrors, 1);
    cr_assert_str_eq(t->mirrors[0].origin, "--mirror");
    vz_template_free(t);
    free(dir);
}
