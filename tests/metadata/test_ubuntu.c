/* The shipped Ubuntu files (distros/ubuntu-*.yaml): what they resolve to,
 * the archive key shipped beside them, and their mirror taken from an Ubuntu
 * host's apt sources. The build itself is tested against a synthetic
 * archive in tests/e2e/test_ubuntu.c (the Ubuntu mirror is not reachable). */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "tests/metadata/helpers.h"

TestSuite(ubuntu, .init = md_setup, .fini = md_teardown, .timeout = 300);

#define MIRROR "http://127.0.0.1:9/ubuntu"

static struct vz_template *load(const char *name)
{
    cleanup_free char *dir = md_shipped_dir();
    struct vz_metadata_opts o = { .distros_dir = dir, .mirrors = (char *[]){ MIRROR, NULL } };
    return md_load_ok(name, &o);
}

static void expect_strv(char *const *v, const char *want)
{
    cleanup_free char *got = md_join(v);
    cr_assert_str_eq(got, want);
}

static char *shipped_key(void)
{
    cleanup_free char *dir = md_shipped_dir();
    return vz_xasprintf("%s/keys/ubuntu-archive-keyring.gpg", dir);
}

/* minimal = debootstrap --variant=minbase with Ubuntu's script: required +
 * apt, from the release pocket's main component only. */
static void check_minimal(const char *name, const char *codename)
{
    struct vz_template *t = load(name);
    cleanup_free char *key = shipped_key();
    cr_assert_str_eq(t->family, "deb");
    cr_assert_str_eq(t->codename, codename);
    cr_assert_str_eq(t->distro_arch, "amd64");
    cr_assert_str_eq(t->merged_usr, "symlinks");
    cr_assert(t->base_required);
    expect_strv(t->packages, "apt");
    cr_assert_eq(t->n_repos, 1);
    cr_assert_str_eq(t->repos[0].suite, codename);
    expect_strv(t->repos[0].components, "main");
    expect_strv(t->repos[0].uris, MIRROR);
    cr_assert_str_eq(t->repos[0].keyring, key);
    cr_assert(!t->repos[0].allow_unsigned);
    cr_assert(!t->repos[0].base_excluded);
    vz_template_free(t);
}

/* default: every pocket and universe, all on the one mirror, all checked
 * against the shipped key. */
static void check_default(const char *name, const char *codename)
{
    struct vz_template *t = load(name);
    cleanup_free char *key = shipped_key();
    expect_strv(t->packages, "apt systemd-sysv iproute2 iputils-ping netbase openssh-server "
                             "ca-certificates less procps vim-tiny locales cron logrotate");
    cr_assert_eq(t->n_repos, 4);
    static const char *const suffix[] = { "", "", "-updates", "-security" };
    static const char *const comps[] = { "main", "universe", "main universe", "main universe" };
    for (size_t i = 0; i < 4; i++) {
        cleanup_free char *suite = vz_xasprintf("%s%s", codename, suffix[i]);
        cr_assert_str_eq(t->repos[i].suite, suite);
        expect_strv(t->repos[i].components, comps[i]);
        expect_strv(t->repos[i].uris, MIRROR);
        cr_assert_str_eq(t->repos[i].keyring, key);
        /* the base set is minimal's: the release pocket's main alone */
        cr_assert_eq(t->repos[i].base_excluded, i != 0, "%s", t->repos[i].name);
    }
    vz_template_free(t);
}

Test(ubuntu, jammy_minimal_is_minbase_from_main) { check_minimal("ubuntu-22.04-x86_64-minimal", "jammy"); }
Test(ubuntu, noble_minimal_is_minbase_from_main) { check_minimal("ubuntu-24.04-x86_64-minimal", "noble"); }
Test(ubuntu, jammy_default_has_every_pocket) { check_default("ubuntu-22.04-x86_64-default", "jammy"); }
Test(ubuntu, noble_default_has_every_pocket) { check_default("ubuntu-24.04-x86_64-default", "noble"); }

/* The shipped keyring holds Ubuntu's 2012 and 2018 archive keys and nothing
 * else (distros/keys/README.md says where they came from). */
Test(ubuntu, shipped_key_is_exactly_the_two_archive_keys)
{
    cleanup_free char *key = shipped_key();
    char *argv[] = { "gpg", "--batch", "--no-autostart", "--homedir", md_tmp, "--with-colons",
                     "--show-keys", key, NULL };
    cleanup_buf struct vz_buf out = VZ_BUF_INIT;
    vz_buf_init(&out);
    struct vz_run_opts o = { .out = &out };
    vz_error_t err = NULL;
    cr_assert_eq(vz_run_ok(argv, &o, &err), 0, "%s", err ? err->msg : "");
    struct vz_buf fprs = VZ_BUF_INIT;
    vz_buf_init(&fprs);
    bool after_pub = false;
    for (char *line = out.data, *nl; line && *line; line = nl ? nl + 1 : NULL) {
        nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        if (strncmp(line, "pub:", 4) == 0)
            after_pub = true;
        else if (strncmp(line, "fpr:", 4) == 0 && after_pub) {
            /* fpr:::::::::FINGERPRINT: */
            char *f = line + strlen("fpr:::::::::");
            vz_buf_addf(&fprs, "%.40s\n", f);
            after_pub = false;
        }
    }
    cr_assert_str_eq(fprs.data, "790BC7277767219C42C86F933B4FE6ACC0B21F32\n"
                                "F6ECB3762474EDA9D21B7022871920D1991BC93C\n");
    vz_buf_release(&fprs);
}

/* An Ubuntu host's deb822 sources (noble's default layout) give the mirror,
 * and a noble host serves jammy too: one archive holds every release. */
Test(ubuntu, mirror_from_an_ubuntu_hosts_deb822_sources)
{
    cleanup_free char *dir = md_shipped_dir();
    md_write("etc/apt/sources.list.d/ubuntu.sources",
             "Types: deb\n"
             "URIs: http://127.0.0.1:7/ubuntu/\n"
             "Suites: noble noble-updates noble-backports\n"
             "Components: main restricted universe multiverse\n"
             "Signed-By: /usr/share/keyrings/ubuntu-archive-keyring.gpg\n"
             "\n"
             "Types: deb\n"
             "URIs: http://127.0.0.1:8/ubuntu/\n"
             "Suites: noble-security\n"
             "Components: main restricted universe multiverse\n");
    md_write("etc/os-release", "PRETTY_NAME=\"Ubuntu 24.04 LTS\"\nID=ubuntu\n");
    struct vz_metadata_opts o = { .distros_dir = dir };
    const char *names[] = { "ubuntu-24.04-x86_64-default", "ubuntu-22.04-x86_64-default" };
    for (size_t i = 0; i < 2; i++) {
        struct vz_template *t = md_load_ok(names[i], &o);
        cr_assert_eq(t->n_mirrors, 1);
        cr_assert_str_eq(t->mirrors[0].name, "ubuntu");
        expect_strv(t->mirrors[0].uris, "http://127.0.0.1:7/ubuntu");
        for (size_t r = 0; r < t->n_repos; r++)
            expect_strv(t->repos[r].uris, "http://127.0.0.1:7/ubuntu");
        vz_template_free(t);
    }
}
