/* vzpkg create-cache of family rpm end to end, judged by the field's tools.
 *
 * tests/e2e/rpmrepo.sh builds signed rpm-md repositories at test time
 * (rpmbuild, rpmsign, createrepo_c with a comps group, gpg); they are served
 * on 127.0.0.1. A built template must hold exactly what `dnf --installroot`
 * installs from the same repository for the same request, `rpm -Va` must be
 * clean and `rpm -qa` must list every package; a tampered repomd.xml, primary
 * file or package must be refused before anything is installed. */
#include <criterion/criterion.h>
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cache/manifest.h"
#include "common/common.h"
#include "tests/lib/httpd.h"
#include "tests/lib/robust.h"
#include "tmplbuild/family.h"

static char root[64];
static char *out;      /* rpmrepo.sh's OUT */
static struct vz_httpd *httpd;

static const char yaml_fmt[] =
    "distribution: vzel\n"
    "release: \"1\"\n"
    "codename: one\n"
    "family: rpm\n"
    "summary: \"synthetic rpm system\"\n"
    "rpmdb: /usr/lib/sysimage/rpm\n"
    "base_group: core\n"
    "architectures:\n"
    "  x86_64: x86_64\n"
    "repositories:\n"
    "  - name: main\n"
    "    baseurl: \"{{mirror.vzel}}/{{releasever}}/{{basearch}}\"\n"
    "    gpgkey: %s/RPM-GPG-KEY-test\n"
    "variants:\n"
    "  minimal:\n"
    "    base: required\n"
    "    packages: [app-t]\n"
    "  conflict:\n"
    "    base: none\n"
    "    packages: [confl-a, confl-b]\n"
    "  broken:\n"
    "    base: none\n"
    "    packages: [broken-t]\n";

/* What the shipped distros/ files use: a relative gpgkey (keys/ next to the
 * file), repo_gpgcheck: false, /var/lib/rpm, two repositories, excludes
 * taking a default member out of the base group. */
static const char distro_like[] =
    "distribution: vzdl\n"
    "release: \"1\"\n"
    "codename: dl1\n"
    "family: rpm\n"
    "summary: \"distro-like rpm system\"\n"
    "rpmdb: /var/lib/rpm\n"
    "base_group: core\n"
    "architectures:\n"
    "  x86_64: x86_64\n"
    "repositories:\n"
    "  - name: baseos\n"
    "    baseurl: \"{{mirror.vzdl}}/good/{{releasever}}/{{basearch}}\"\n"
    "    gpgkey: keys/RPM-GPG-KEY-test\n"
    "    repo_gpgcheck: false\n"
    "  - name: extra\n"
    "    baseurl: \"{{mirror.vzdl}}/extra\"\n"
    "    gpgkey: keys/RPM-GPG-KEY-test\n"
    "variants:\n"
    "  minimal:\n"
    "    base: required\n"
    "    repositories: [baseos, extra]\n"
    "    packages: [extra-t, app-t]\n"
    "    excludes: [lua-t]\n";

static void sh(const char *script)
{
    char *argv[] = { "sh", "-ec", (char *)script, NULL };
    vz_error_t err = NULL;
    cr_assert_eq(vz_run_ok(argv, NULL, &err), 0, "%s: %s", script, err ? err->msg : "");
}

/* sh() of a formatted script */
__attribute__((format(printf, 1, 2))) static void shf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *script = NULL;
    cr_assert_geq(vasprintf(&script, fmt, ap), 0);
    va_end(ap);
    sh(script);
    free(script);
}

static void setup(void)
{
    vzr_init();
    snprintf(root, sizeof(root), "/tmp/vzt-rpm-XXXXXX");
    cr_assert_not_null(mkdtemp(root));
    cr_assert_not_null(getenv("VZ_SRC"), "VZ_SRC is not set: run through make check");
    out = vz_path_join(root, "repos");
    /* served as MIRROR/1/x86_64: {{releasever}} and {{basearch}} must expand */
    cleanup_free char *mk = vz_xasprintf(
        "sh %s/tests/e2e/rpmrepo.sh %s 2>%s/rpmrepo.log\n"
        "for r in good badpkg; do mkdir -p %s/srv/$r/1; mv %s/$r %s/srv/$r/1/x86_64; done\n"
        "mv %s/extra %s/srv/extra",
        getenv("VZ_SRC"), out, root, out, out, out, out, out);
    sh(mk);
    vz_error_t err = NULL;
    cleanup_free char *ddir = vz_path_join(root, "distros");
    cr_assert_eq(vz_mkdir_p(ddir, 0755, &err), 0);
    cleanup_free char *yaml = vz_xasprintf(yaml_fmt, out);
    cleanup_free char *ypath = vz_path_join(ddir, "vzel-1.yaml");
    cr_assert_eq(vz_atomic_write(ypath, yaml, strlen(yaml), 0644, &err), 0);
    cleanup_free char *dl = vz_path_join(ddir, "vzdl-1.yaml");
    cr_assert_eq(vz_atomic_write(dl, distro_like, strlen(distro_like), 0644, &err), 0);
    cleanup_free char *keys = vz_xasprintf("mkdir %s/keys && cp %s/RPM-GPG-KEY-test %s/keys/", ddir,
                                           out, ddir);
    sh(keys);
    setenv("VZ_DISTROS_DIR", ddir, 1);
    setenv("VZ_ROOT", root, 1);
    setenv("VZ_APT_ROOT", root, 1);
    unsetenv("VZ_MIRROR_VZEL");
    unsetenv("http_proxy");
    cleanup_free char *srv = vz_path_join(out, "srv");
    httpd = vz_httpd_start(srv);
}

static void teardown(void)
{
    vz_httpd_stop(httpd);
    vz_error_t err = NULL;
    if (getenv("VZT_KEEP") == NULL)
        vz_rm_rf(root, &err);
    vz_error_release(&err);
    free(out);
}

TestSuite(rpm_family, .init = setup, .fini = teardown, .timeout = 300);

static void vzpkg(struct vzr_res *r, const char *tmpl, const char *repo, const char *extra)
{
    cleanup_free char *path = vz_xasprintf("/%s", repo);
    cleanup_free char *m = vz_httpd_url(httpd, path);
    const char *args[] = { "create-cache", tmpl, "--mirror", m, extra, NULL };
    vzr_run(r, "vzpkg", args);
}

/* NAME-VERSION-RELEASE.ARCH of every package (not the imported keys) in the
 * rpmdb at dbpath of dir, sorted, one a line. */
static char *rpm_qa(const char *dir, const char *dbpath)
{
    cleanup_free char *cmd = vz_xasprintf(
        "rpm --root %s --dbpath %s -qa --qf '%%{NAME}-%%{VERSION}-%%{RELEASE}.%%{ARCH}\\n' | "
        "grep -v '^gpg-pubkey-' | LC_ALL=C sort > %s/qa.out", dir, dbpath, root);
    sh(cmd);
    cleanup_free char *p = vz_path_join(root, "qa.out");
    return vzr_slurp(p);
}

/* dnf's options for one repository ID at url, checked as a template's are. */
static char *dnf_repo(const char *id, const char *url, bool repo_gpgcheck)
{
    return vz_xasprintf("--repofrompath=%s,%s --setopt=%s.gpgcheck=1 --setopt=%s.repo_gpgcheck=%d "
                        "--setopt=%s.gpgkey=file://%s/RPM-GPG-KEY-test ", id, url, id, id,
                        repo_gpgcheck, id, out);
}

/* What dnf installs into a fresh root from the same repositories (repos:
 * dnf_repo()s and other options). */
static int dnf_install(const char *repos, const char *dest, const char *what, char **log)
{
    cleanup_free char *cmd = vz_xasprintf(
        "mkdir -p %s %s/dnf-cache %s/dnf-log\n"
        "dnf -y --installroot=%s --releasever=1 --setopt=reposdir=/nonexistent "
        "--setopt=cachedir=%s/dnf-cache --setopt=logdir=%s/dnf-log "
        "--setopt=install_weak_deps=False %s install %s > %s/dnf.out 2>&1",
        dest, root, root, dest, root, root, repos, what, root);
    char *argv[] = { "sh", "-c", cmd, NULL };
    int st = -1;
    vz_error_t err = NULL;
    cr_assert_eq(vz_run(argv, NULL, &st, &err), 0);
    cleanup_free char *p = vz_path_join(root, "dnf.out");
    *log = vzr_slurp(p);
    return st;
}

static char *unpack(const char *name)
{
    char *dir = vz_xasprintf("%s/unpacked", root);
    cleanup_free char *cmd = vz_xasprintf(
        "rm -rf %s; mkdir %s; tar -I zstd -xpf %s/vz/template/cache/%s.tar.zst -C %s", dir, dir,
        root, name, dir);
    sh(cmd);
    return dir;
}

static void assert_nothing_built(const char *name)
{
    cleanup_free char *cache = vz_xasprintf("%s/vz/template/cache/%s.tar.zst", root, name);
    cr_assert_not(vz_file_exists(cache), "a cache was made: %s", cache);
    cleanup_free char *build = vz_xasprintf("%s/vz/template/build", root);
    cleanup_free char *cmd = vz_xasprintf("test -z \"$(ls -A %s 2>/dev/null | grep -v lock)\"", build);
    sh(cmd);
    cleanup_free char *mi = vzr_slurp("/proc/self/mountinfo");
    cr_assert_null(strstr(mi, root), "a mount under %s is left", root);
}

Test(rpm_family, builds_what_dnf_installs_and_verifies_clean)
{
    struct vzr_res r;
    /* the plan first: --dry-run --json, in rpm's install order */
    vzpkg(&r, "vzel-1-x86_64-minimal", "good", "--dry-run");
    cr_assert_eq(r.code, 0, "%s", r.err);
    vzr_res_release(&r);
    cleanup_free char *m = vz_httpd_url(httpd, "/good");
    vzr_run(&r, "vzpkg", (const char *[]){ "create-cache", "vzel-1-x86_64-minimal", "--mirror", m,
                                           "--dry-run", "--json", NULL });
    cr_assert_eq(r.code, 0, "%s", r.err);
    json_error_t je;
    json_t *plan = json_loads(r.out, 0, &je);
    cr_assert_not_null(plan, "%s: %s", je.text, r.out);
    vzr_res_release(&r);
    cr_assert_eq(vz_httpd_hits(httpd, "/good/1/x86_64/Packages/app-t-2.0-1.noarch.rpm"), 0);

    vzr_run(&r, "vzpkg", (const char *[]){ "create-cache", "vzel-1-x86_64-minimal", "--mirror", m,
                                           "--json", NULL });
    cr_assert_eq(r.code, 0, "%s", r.err);
    json_t *j = json_loads(r.out, 0, &je);
    cr_assert_not_null(j, "%s: %s", je.text, r.out);
    /* @core (mandatory + default: base-t busybox-sh lua-t) + app-t and their
     * dependencies; never the optional unused-t, the older lib-t, the conflict */
    cr_assert_eq(json_integer_value(json_object_get(j, "packages")), 7, "%s", r.out);
    json_decref(j);
    vzr_res_release(&r);

    cleanup_free char *dir = unpack("vzel-1-x86_64-minimal");
    cleanup_free char *ours = rpm_qa(dir, "/usr/lib/sysimage/rpm");
    cr_assert_str_eq(ours, "app-t-2.0-1.noarch\nbase-t-1.0-1.noarch\nbusybox-sh-1.35-1.noarch\n"
                           "filesystem-t-1.0-1.noarch\nlib-t-1.1-1.noarch\nlua-t-1.0-1.noarch\n"
                           "setup-t-1.0-1.noarch\n");
    /* the plan lists the same set */
    json_t *pk = json_object_get(plan, "packages");
    cr_assert_eq(json_array_size(pk), 7, "%s", json_dumps(plan, 0));
    for (size_t i = 0; i < json_array_size(pk); i++) {
        const char *n = json_string_value(json_object_get(json_array_get(pk, i), "name"));
        cleanup_free char *needle = vz_xasprintf("%s-", n);
        cr_assert(n && strstr(ours, needle), "%s planned, not installed", n);
    }
    json_decref(plan);

    /* the field's judge: dnf from the same repository, the same request */
    cleanup_free char *url = vz_xasprintf("%s/1/x86_64", m);
    cleanup_free char *repos = dnf_repo("t", url, true);
    cleanup_free char *droot = vz_path_join(root, "dnfroot");
    char *log = NULL;
    cr_assert_eq(dnf_install(repos, droot, "@core app-t", &log), 0, "dnf: %s", log);
    free(log);
    cleanup_free char *theirs = rpm_qa(droot, "/root/.rpmdb");
    cr_assert_str_eq(ours, theirs, "vzforge installed:\n%s\ndnf installed:\n%s", ours, theirs);

    /* every file as its package says, the template's key in its rpmdb */
    cleanup_free char *va = vz_xasprintf(
        "rpm --root %s --dbpath /usr/lib/sysimage/rpm -Va > %s/va.out 2>&1; s=$?; "
        "cat %s/va.out >&2; test $s = 0 && test ! -s %s/va.out\n"
        "rpm --root %s --dbpath /usr/lib/sysimage/rpm -q gpg-pubkey >/dev/null",
        dir, root, root, root, dir);
    sh(va);
    /* scriptlets ran, in order, chrooted: %%pre and %%post of a shell
     * package (with /dev/null), a Lua %%post */
    cleanup_free char *p1 = vz_path_join(dir, "etc/base-t.pre");
    cleanup_free char *p2 = vz_path_join(dir, "etc/base-t.post");
    cleanup_free char *p3 = vz_path_join(dir, "etc/lua-t.post");
    cleanup_free char *pre = vzr_slurp(p1), *post = vzr_slurp(p2), *lua = vzr_slurp(p3);
    cr_assert_str_eq(pre, "pre 1\n");
    cr_assert_str_eq(post, "post 1 base\n");
    cr_assert_str_eq(lua, "lua post 1\n");
    /* the scriptlet's /dev: the host's devices, read and written through
     * (docs/family-rpm.md); nothing of them left in the template below */
    cleanup_free char *p4 = vz_path_join(dir, "etc/base-t.dev");
    cleanup_free char *dev = vzr_slurp(p4);
    cr_assert_str_eq(dev, "null c\nzero c\nrandom c\nurandom c\ntty c\nurandom 32\n"
                          "zero 0000000000000000\nnull 0\n");
    /* import's read-back: the family's own reader, on the root's database */
    struct vz_manifest *man = vz_manifest_new("x");
    vz_error_t err = NULL;
    cr_assert_eq(vz_family_rpm.read_installed(dir, man, &err), 0, "%s", err ? err->msg : "");
    cr_assert_eq(man->n_pkgs, 7);
    vz_manifest_free(man);
    /* an untrusted root whose database is a symlink out of it is not read */
    cleanup_free char *ln = vz_xasprintf(
        "mkdir -p %s/evil/usr/lib/sysimage && ln -s %s/usr/lib/sysimage/rpm %s/evil/usr/lib/sysimage/rpm",
        root, dir, root);
    sh(ln);
    cleanup_free char *evil = vz_path_join(root, "evil");
    man = vz_manifest_new("x");
    cr_assert_eq(vz_family_rpm.read_installed(evil, man, &err), -1);
    cr_assert_eq(err->errnum, ENOENT, "%s", err->msg);
    vz_error_release(&err);
    vz_manifest_free(man);
    /* no device placeholders, no build leftovers; identity neutral */
    static const char *const devs[] = { "null", "zero", "full", "random", "urandom", "tty" };
    for (size_t i = 0; i < VZ_ARRAY_SIZE(devs); i++) {
        cleanup_free char *dn = vz_xasprintf("%s/dev/%s", dir, devs[i]);
        struct stat st;
        cr_assert_neq(lstat(dn, &st), 0, "%s is in the template", dn);
    }
    cleanup_free char *hn = vz_path_join(dir, "etc/hostname");
    cleanup_free char *host = vzr_slurp(hn);
    cr_assert_str_eq(host, "localhost\n");
    assert_nothing_built("no-such-template");
}

Test(rpm_family, file_conflict_fails_as_dnf_does)
{
    struct vzr_res r;
    vzpkg(&r, "vzel-1-x86_64-conflict", "good", NULL);
    cr_assert_eq(r.code, 205, "%s", r.err);
    cr_assert(strstr(r.err, "/etc/confl.conf") && strstr(r.err, "conflicts"), "%s", r.err);
    vzr_res_release(&r);
    assert_nothing_built("vzel-1-x86_64-conflict");
    cleanup_free char *m = vz_httpd_url(httpd, "/good/1/x86_64");
    cleanup_free char *repos = dnf_repo("t", m, true);
    cleanup_free char *droot = vz_path_join(root, "dnfroot");
    char *log = NULL;
    cr_assert_neq(dnf_install(repos, droot, "confl-a confl-b", &log), 0, "dnf installed both");
    cr_assert(strstr(log, "/etc/confl.conf"), "%s", log);
    free(log);
}

/* A refusal before anything is read: no primary, no package fetched. */
static void assert_refused_early(const char *repo, struct vzr_res *r, const char *msg)
{
    cr_assert_eq(r->code, 204, "%s", r->err);
    cr_assert(strstr(r->err, msg), "wanted '%s' in: %s", msg, r->err);
    cleanup_free char *app = vz_xasprintf("/%s/1/x86_64/Packages/app-t-2.0-1.noarch.rpm", repo);
    cr_assert_eq(vz_httpd_hits(httpd, app), 0);
    assert_nothing_built("vzel-1-x86_64-minimal");
}

Test(rpm_family, tampered_repomd_is_refused_before_it_is_read)
{
    shf("cd %s/srv && cp -a good tmd && "
                    "sed -i 's|<revision>|<revision>1|' tmd/1/x86_64/repodata/repomd.xml", out);
    struct vzr_res r;
    vzpkg(&r, "vzel-1-x86_64-minimal", "tmd", NULL);
    assert_refused_early("tmd", &r, "BAD signature");
    vzr_res_release(&r);
    /* no signature at all is refused too */
    shf("rm %s/srv/tmd/1/x86_64/repodata/repomd.xml.asc", out);
    vzpkg(&r, "vzel-1-x86_64-minimal", "tmd", NULL);
    assert_refused_early("tmd", &r, "unsigned: no repodata/repomd.xml.asc");
    vzr_res_release(&r);
}

Test(rpm_family, tampered_primary_is_refused)
{
    /* one byte of primary changed under its signed name and size (a size
     * change is caught the same way, before the sha256) */
    shf("cd %s/srv && cp -a good tpr && cd tpr/1/x86_64/repodata && "
                    "p=$(ls *-primary.xml.gz) && printf 'Z' | dd of=$p bs=1 seek=100 conv=notrunc "
                    "2>/dev/null", out);
    struct vzr_res r;
    vzpkg(&r, "vzel-1-x86_64-minimal", "tpr", NULL);
    cr_assert(strstr(r.err, "primary file listed by the signed repomd.xml"), "%s", r.err);
    cr_assert(strstr(r.err, "sha256 mismatch"), "%s", r.err);
    cr_assert_eq(r.code, 204, "%s", r.err);
    cleanup_free char *app = vz_xasprintf("/tpr/1/x86_64/Packages/app-t-2.0-1.noarch.rpm");
    cr_assert_eq(vz_httpd_hits(httpd, app), 0);
    assert_nothing_built("vzel-1-x86_64-minimal");
    vzr_res_release(&r);
}

Test(rpm_family, package_signed_by_another_key_is_refused_before_install)
{
    /* metadata and repomd.xml signature in order: only app-t's header says */
    struct vzr_res r;
    vzpkg(&r, "vzel-1-x86_64-minimal", "badpkg", NULL);
    cr_assert_eq(r.code, 204, "%s", r.err);
    cr_assert(strstr(r.err, "package app-t 2.0-1 (Packages/app-t-2.0-1.noarch.rpm, repository "
                            "main): its header signature does not verify"), "%s", r.err);
    cr_assert(strstr(r.err, "nothing was installed"), "%s", r.err);
    assert_nothing_built("vzel-1-x86_64-minimal");
    vzr_res_release(&r);
}

Test(rpm_family, distro_like_template_matches_dnf)
{
    cleanup_free char *m = vz_httpd_url(httpd, "");
    struct vzr_res r;
    vzr_run(&r, "vzpkg", (const char *[]){ "create-cache", "vzdl-1-x86_64-minimal", "--mirror", m,
                                           NULL });
    cr_assert_eq(r.code, 0, "%s", r.err);
    /* repo_gpgcheck: false is said, not silent */
    cr_assert(strstr(r.err, "repository baseos: repomd.xml signature NOT checked (repo_gpgcheck: "
                            "false)"), "%s", r.err);
    vzr_res_release(&r);
    cleanup_free char *dir = unpack("vzdl-1-x86_64-minimal");
    cleanup_free char *ours = rpm_qa(dir, "/var/lib/rpm");
    /* lua-t, a default member of core, excluded; extra-t from the second repository */
    cr_assert_str_eq(ours, "app-t-2.0-1.noarch\nbase-t-1.0-1.noarch\nbusybox-sh-1.35-1.noarch\n"
                           "extra-t-1.0-1.noarch\nfilesystem-t-1.0-1.noarch\nlib-t-1.1-1.noarch\n"
                           "setup-t-1.0-1.noarch\n");
    cleanup_free char *u1 = vz_xasprintf("%s/good/1/x86_64", m);
    cleanup_free char *u2 = vz_xasprintf("%s/extra", m);
    cleanup_free char *r1 = dnf_repo("baseos", u1, false), *r2 = dnf_repo("extra", u2, true);
    cleanup_free char *repos = vz_xasprintf("%s%s--exclude=lua-t", r1, r2);
    cleanup_free char *droot = vz_path_join(root, "dnfroot");
    char *log = NULL;
    cr_assert_eq(dnf_install(repos, droot, "@core extra-t app-t", &log), 0, "dnf: %s", log);
    free(log);
    cleanup_free char *theirs = rpm_qa(droot, "/root/.rpmdb");
    cr_assert_str_eq(ours, theirs, "vzforge installed:\n%s\ndnf installed:\n%s", ours, theirs);
    cleanup_free char *va = vz_xasprintf("rpm --root %s --dbpath /var/lib/rpm -Va >&2", dir);
    sh(va);
    /* no .repo file came with the packages: the template's repositories are
     * written for the root's dnf, with the keys they name */
    cleanup_free char *rp = vz_path_join(dir, "etc/yum.repos.d/vzforge.repo");
    cleanup_free char *repo = vzr_slurp(rp);
    cleanup_free char *want = vz_xasprintf(
        "[baseos]\nname=vzdl-1-x86_64-minimal baseos\nbaseurl=%s/good/1/x86_64\ngpgcheck=1\n"
        "repo_gpgcheck=0\ngpgkey=file:///etc/pki/rpm-gpg/RPM-GPG-KEY-test\n\n"
        "[extra]\nname=vzdl-1-x86_64-minimal extra\nbaseurl=%s/extra\ngpgcheck=1\n"
        "repo_gpgcheck=1\ngpgkey=file:///etc/pki/rpm-gpg/RPM-GPG-KEY-test\n\n", m, m);
    cr_assert_str_eq(repo, want);
    cleanup_free char *kf = vz_path_join(dir, "etc/pki/rpm-gpg/RPM-GPG-KEY-test");
    cr_assert(vz_file_exists(kf));
}

Test(rpm_family, unresolvable_request_is_explained_and_the_solv_copy_reused)
{
    struct vzr_res r;
    vzpkg(&r, "vzel-1-x86_64-broken", "good", "--dry-run");
    cr_assert_eq(r.code, 202, "%s", r.err);
    cr_assert(strstr(r.err, "package broken-t 1.0-1 requires not-there-t (>= 2), but none of the "
                            "candidates can be installed: no package provides it"), "%s", r.err);
    vzr_res_release(&r);
    /* the same repomd.xml again: the parsed copy (.solv) is loaded, primary
     * is not fetched a second time */
    vzpkg(&r, "vzel-1-x86_64-minimal", "good", "--dry-run");
    cr_assert_eq(r.code, 0, "%s", r.err);
    vzr_res_release(&r);
    cleanup_free char *cmd = vz_xasprintf(
        "cd %s/srv/good/1/x86_64/repodata && ls *-primary.xml.gz > %s/primary.name", out, root);
    sh(cmd);
    cleanup_free char *np = vz_path_join(root, "primary.name");
    cleanup_free char *name = vzr_slurp(np);
    name[strcspn(name, "\n")] = '\0';
    cleanup_free char *path = vz_xasprintf("/good/1/x86_64/repodata/%s", name);
    cr_assert_eq(vz_httpd_hits(httpd, path), 1);
    cr_assert_eq(vz_httpd_hits(httpd, "/good/1/x86_64/repodata/repomd.xml"), 2);
}

/* --- metalink and mirrorlist repositories ---------------------------------
 * The repository of vzel above, reached through a MirrorManager-style
 * metalink or a mirrorlist served on 127.0.0.1: a dead mirror first (404),
 * then, for the metalink, a stale one (a repomd.xml the metalink's hashes do
 * not vouch for), then the good one. A mirror named for the baseurl wins. */
static const char ml_fmt[] =
    "distribution: vzml\n"
    "release: \"1\"\n"
    "codename: ml1\n"
    "family: rpm\n"
    "summary: \"rpm system from a metalink\"\n"
    "rpmdb: /usr/lib/sysimage/rpm\n"
    "base_group: core\n"
    "architectures:\n"
    "  x86_64: x86_64\n"
    "repositories:\n"
    "  - name: main\n"
    "    baseurl: \"{{mirror.vzml}}/good/{{releasever}}/{{basearch}}\"\n"
    "    %s: \"{{mirror.vzml_list}}/ml/%s?repo=main-{{releasever}}&arch={{basearch}}\"\n"
    "    gpgkey: keys/RPM-GPG-KEY-test\n"
    "%s"
    "variants:\n"
    "  minimal:\n"
    "    base: required\n"
    "    packages: [app-t]\n";

static void write_srv(const char *rel, const char *text)
{
    cleanup_free char *p = vz_xasprintf("%s/srv/%s", out, rel);
    vz_error_t err = NULL;
    cr_assert_eq(vz_atomic_write(p, text, strlen(text), 0644, &err), 0);
}

/* distros/vzml-1.yaml with a metalink or a mirrorlist (and extra keys for
 * the repository); srv/ml/ holds them. */
static void ml_setup(const char *kind, const char *file, const char *extra)
{
    cleanup_free char *yaml = vz_xasprintf(ml_fmt, kind, file, extra);
    cleanup_free char *p = vz_xasprintf("%s/distros/vzml-1.yaml", root);
    vz_error_t err = NULL;
    cr_assert_eq(vz_atomic_write(p, yaml, strlen(yaml), 0644, &err), 0);
    /* stale: the good repository with an older (altered) repomd.xml */
    shf("cd %s/srv && mkdir ml && cp -a good stale && "
        "sed -i 's|<revision>|<revision>0|' stale/1/x86_64/repodata/repomd.xml", out);
}

/* A metalink for repomd.xml with sha256 sha (and size), one alternate
 * (alt, alt_size) and the URLs, in document order, of dead (preference 100),
 * good (98) and stale (99), plus an rsync URL (never used). The namespace
 * names are placeholders: MirrorManager's are web addresses, the reader does
 * no namespace processing (it strips the mm0: prefix), and the project names
 * no such host. */
static char *metalink_alt(const char *sha, size_t size, const char *alt, size_t alt_size)
{
    cleanup_free char *b = vz_httpd_url(httpd, "");
    return vz_xasprintf(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
        "<metalink version=\"3.0\" xmlns=\"urn:x-metalink:3.0\" type=\"dynamic\" "
        "generator=\"mirrormanager\" xmlns:mm0=\"urn:x-mirrormanager\">\n"
        " <files>\n"
        "  <file name=\"repomd.xml\">\n"
        "   <mm0:timestamp>1796335200</mm0:timestamp>\n"
        "   <size>%zu</size>\n"
        "   <verification>\n"
        "    <hash type=\"md5\">00000000000000000000000000000000</hash>\n"
        "    <hash type=\"sha256\">%s</hash>\n"
        "   </verification>\n"
        "   <mm0:alternates>\n"
        "    <mm0:alternate>\n"
        "     <mm0:timestamp>1796300000</mm0:timestamp>\n"
        "     <size>%zu</size>\n"
        "     <verification><hash type=\"sha256\">%s</hash></verification>\n"
        "    </mm0:alternate>\n"
        "   </mm0:alternates>\n"
        "   <resources maxconnections=\"1\">\n"
        "    <url protocol=\"rsync\" type=\"rsync\" location=\"ZZ\" preference=\"100\">"
        "rsync://127.0.0.1/x/repodata/repomd.xml</url>\n"
        "    <url protocol=\"http\" type=\"http\" location=\"ZZ\" preference=\"98\">"
        "%s/good/1/x86_64/repodata/repomd.xml</url>\n"
        "    <url protocol=\"http\" type=\"http\" location=\"ZZ\" preference=\"100\">"
        "%s/dead/1/x86_64/repodata/repomd.xml</url>\n"
        "    <url protocol=\"http\" type=\"http\" location=\"ZZ\" preference=\"99\">"
        "%s/stale/1/x86_64/repodata/repomd.xml</url>\n"
        "   </resources>\n"
        "  </file>\n"
        " </files>\n"
        "</metalink>\n", size, sha, alt_size, alt, b, b, b);
}

static char *metalink(const char *sha, size_t size)
{
    return metalink_alt(sha, size, "7777777777777777777777777777777777777777777777777777777777777777",
                        10);
}

static char *good_repomd_sha(size_t *size)
{
    cleanup_free char *p = vz_xasprintf("%s/srv/good/1/x86_64/repodata/repomd.xml", out);
    cleanup_free char *data = NULL;
    vz_error_t err = NULL;
    cr_assert_eq(vz_read_file(p, &data, size, &err), 0);
    char *sha = vz_xcalloc(1, 65);
    vz_sha256_hex(data, *size, sha);
    return sha;
}

static void vzpkg_list(struct vzr_res *r, const char *extra)
{
    cleanup_free char *m = vz_httpd_url(httpd, "");
    cleanup_free char *ml = vz_xasprintf("vzml_list=%s", m);
    vzr_run(r, "vzpkg", (const char *[]){ "create-cache", "vzml-1-x86_64-minimal", "--mirror", ml,
                                          extra, NULL });
}

Test(rpm_family, metalink_fails_over_by_preference_and_vouches_for_repomd)
{
    /* as distros/fedora-45.yaml and centos_stream-9.yaml: the metalink is
     * all that vouches for repomd.xml */
    ml_setup("metalink", "metalink.xml", "    repo_gpgcheck: false\n");
    size_t size;
    cleanup_free char *sha = good_repomd_sha(&size);
    cleanup_free char *xml = metalink(sha, size);
    write_srv("ml/metalink.xml", xml);
    struct vzr_res r;
    vzpkg_list(&r, NULL);
    cr_assert_eq(r.code, 0, "%s", r.err);
    /* preference order, not document order: dead, stale (refused by the
     * hash before its signature or anything it lists), then good */
    cr_assert_eq(vz_httpd_hits(httpd, "/dead/1/x86_64/repodata/repomd.xml"), 1);
    cr_assert_eq(vz_httpd_hits(httpd, "/stale/1/x86_64/repodata/repomd.xml"), 1);
    cr_assert(strstr(r.err, "does not match the metalink's sha256") &&
              strstr(r.err, "trying the next mirror"), "%s", r.err);
    /* the packages from the mirror that answered */
    cr_assert_eq(vz_httpd_hits(httpd, "/good/1/x86_64/Packages/app-t-2.0-1.noarch.rpm"), 1);
    cr_assert_eq(vz_httpd_hits(httpd, "/stale/1/x86_64/Packages/app-t-2.0-1.noarch.rpm"), 0);
    vzr_res_release(&r);
    cleanup_free char *dir = unpack("vzml-1-x86_64-minimal");
    cleanup_free char *ours = rpm_qa(dir, "/usr/lib/sysimage/rpm");
    cr_assert_str_eq(ours, "app-t-2.0-1.noarch\nbase-t-1.0-1.noarch\nbusybox-sh-1.35-1.noarch\n"
                           "filesystem-t-1.0-1.noarch\nlib-t-1.1-1.noarch\nlua-t-1.0-1.noarch\n"
                           "setup-t-1.0-1.noarch\n");
    /* the root's dnf gets the metalink, as a distribution's .repo file has it */
    cleanup_free char *rp = vz_path_join(dir, "etc/yum.repos.d/vzforge.repo");
    cleanup_free char *repo = vzr_slurp(rp);
    cleanup_free char *m = vz_httpd_url(httpd, "/ml/metalink.xml?repo=main-1&arch=x86_64");
    cleanup_free char *line = vz_xasprintf("\nmetalink=%s\n", m);
    cr_assert(strstr(repo, line), "%s", repo);

    /* vzpkg status: the metalink alone says the repomd.xml is unchanged
     * (its sha256 is the one built from): no mirror is asked */
    cleanup_free char *base = vz_httpd_url(httpd, "");
    cleanup_free char *ml = vz_xasprintf("vzml_list=%s", base);
    size_t good = vz_httpd_hits(httpd, "/good/1/x86_64/repodata/repomd.xml");
    size_t mls = vz_httpd_hits(httpd, "/ml/metalink.xml");
    vzr_run(&r, "vzpkg", (const char *[]){ "status", "vzml-1-x86_64-minimal", "--mirror", ml,
                                           NULL });
    cr_assert_eq(r.code, 0, "%s%s", r.out, r.err);
    cr_assert(strstr(r.out, "the cache is current"), "%s", r.out);
    cr_assert_eq(vz_httpd_hits(httpd, "/good/1/x86_64/repodata/repomd.xml"), good);
    cr_assert_eq(vz_httpd_hits(httpd, "/ml/metalink.xml"), mls + 1);
    vzr_res_release(&r);

    /* a mirror named for the baseurl wins: the metalink is not fetched */
    size_t before = vz_httpd_hits(httpd, "/ml/metalink.xml");
    cleanup_free char *named = vz_xasprintf("vzml=%s", base);
    vzr_run(&r, "vzpkg", (const char *[]){ "create-cache", "vzml-1-x86_64-minimal", "--mirror",
                                           named, "--mirror", ml, "--dry-run", NULL });
    cr_assert_eq(r.code, 0, "%s", r.err);
    cr_assert_eq(vz_httpd_hits(httpd, "/ml/metalink.xml"), before);
    vzr_res_release(&r);
}

Test(rpm_family, metalink_whose_hash_does_not_match_is_refused)
{
    /* repo_gpgcheck on: the hash refuses before the signature is asked for */
    ml_setup("metalink", "metalink.xml", "");
    size_t size;
    cleanup_free char *sha = good_repomd_sha(&size);
    char good[65];
    memcpy(good, sha, 65);
    /* the right size, another sha256 */
    sha[0] = sha[0] == 'a' ? 'b' : 'a';
    cleanup_free char *xml = metalink(sha, size);
    write_srv("ml/metalink.xml", xml);
    struct vzr_res r;
    vzpkg_list(&r, NULL);
    cr_assert_eq(r.code, 204, "%s", r.err);
    /* every mirror tried; the refusal is the metalink's (the first mismatch) */
    cr_assert(strstr(r.err, "error: create-cache vzml-1-x86_64-minimal: repository main: ") &&
              strstr(r.err, "/stale/1/x86_64/repodata/repomd.xml (sha256 ") &&
              strstr(r.err, "does not match the metalink's sha256"), "%s", r.err);
    cr_assert_eq(vz_httpd_hits(httpd, "/good/1/x86_64/repodata/repomd.xml"), 1);
    cr_assert_eq(vz_httpd_hits(httpd, "/good/1/x86_64/Packages/app-t-2.0-1.noarch.rpm"), 0);
    cr_assert_eq(vz_httpd_hits(httpd, "/good/1/x86_64/repodata/repomd.xml.asc"), 0);
    assert_nothing_built("vzml-1-x86_64-minimal");
    vzr_res_release(&r);
    /* a metalink with no sha256 at all vouches for nothing: refused */
    cleanup_free char *nohash = vz_xasprintf("%s", xml);
    char *h = strstr(nohash, "type=\"sha256\"");
    memcpy(h, "type=\"sha512\"", 13);
    h = strstr(h + 1, "type=\"sha256\"");
    memcpy(h, "type=\"sha512\"", 13);
    write_srv("ml/metalink.xml", nohash);
    vzpkg_list(&r, "--dry-run");
    cr_assert_eq(r.code, 204, "%s", r.err);
    cr_assert(strstr(r.err, "the metalink gives no sha256 for repomd.xml"), "%s", r.err);
    vzr_res_release(&r);
    /* not XML: said so, nothing fetched */
    write_srv("ml/metalink.xml", "<metalink><files>");
    vzpkg_list(&r, "--dry-run");
    cr_assert_neq(r.code, 0);
    cr_assert(strstr(r.err, "not a metalink"), "%s", r.err);
    vzr_res_release(&r);
    /* entities (a "billion laughs" starts so) are never declared: a DOCTYPE
     * is refused before the rest is read */
    cleanup_free char *dt = vz_xasprintf("<?xml version=\"1.0\"?>\n<!DOCTYPE metalink [ "
                                         "<!ENTITY a \"aaaaaaaa\"> ]>\n%s",
                                         strstr(xml, "<metalink"));
    write_srv("ml/metalink.xml", dt);
    size_t dead = vz_httpd_hits(httpd, "/dead/1/x86_64/repodata/repomd.xml");
    vzpkg_list(&r, "--dry-run");
    cr_assert_neq(r.code, 0);
    cr_assert(strstr(r.err, "not a metalink: it has a DOCTYPE"), "%s", r.err);
    cr_assert_eq(vz_httpd_hits(httpd, "/dead/1/x86_64/repodata/repomd.xml"), dead);
    vzr_res_release(&r);
    /* the good repomd.xml as the metalink's alternate (an older version
     * mirrors may still serve while they sync): accepted, as dnf does */
    cleanup_free char *alt = metalink_alt(sha, size, good, size);
    write_srv("ml/metalink.xml", alt);
    vzpkg_list(&r, "--dry-run");
    cr_assert_eq(r.code, 0, "%s", r.err);
    vzr_res_release(&r);
}

Test(rpm_family, mirrorlist_fails_over_to_the_next_baseurl)
{
    ml_setup("mirrorlist", "mirrorlist.txt", "");
    cleanup_free char *b = vz_httpd_url(httpd, "");
    cleanup_free char *list = vz_xasprintf("# mirrors of main 1 x86_64\n\n"
                                           "rsync://127.0.0.1/x\n"
                                           "%s/dead/$releasever/$basearch/\n"
                                           "%s/x/$contentdir/x86_64\n"
                                           "%s/good/$releasever/$basearch\n", b, b, b);
    write_srv("ml/mirrorlist.txt", list);
    struct vzr_res r;
    vzpkg_list(&r, NULL);
    cr_assert_eq(r.code, 0, "%s", r.err);
    cr_assert_eq(vz_httpd_hits(httpd, "/dead/1/x86_64/repodata/repomd.xml"), 1);
    /* a mirrorlist vouches for nothing: the signature still decides */
    cr_assert_eq(vz_httpd_hits(httpd, "/good/1/x86_64/repodata/repomd.xml.asc"), 1);
    cr_assert_eq(vz_httpd_hits(httpd, "/good/1/x86_64/Packages/app-t-2.0-1.noarch.rpm"), 1);
    vzr_res_release(&r);
    /* an altered repomd.xml behind a mirrorlist: the signature refuses it */
    cleanup_free char *bad = vz_xasprintf("%s/stale/1/x86_64\n", b);
    write_srv("ml/mirrorlist.txt", bad);
    shf("rm -rf %s/vz/template/cache", root);
    vzpkg_list(&r, "--dry-run");
    cr_assert_eq(r.code, 204, "%s", r.err);
    cr_assert(strstr(r.err, "BAD signature"), "%s", r.err);
    vzr_res_release(&r);
}
