/* Nothing is ever written outside the directory it was meant for:
 * - vzctl set --userpasswd/--hostname/--nameserver into a container whose
 *   /etc (or /etc/shadow itself) is a symlink to a host directory;
 * - vzctl create --private / --root pointing at the host's root;
 * - vzpkg import of archives with symlink and hard-link tricks, and of an
 *   mtree spec whose contents= names a host file;
 * - a template (local override) whose post-install hook tries to write to
 *   the host, and whose names carry '/' and '..'.
 * Each case plants a sentinel directory outside the target and checks that
 * it is byte-for-byte unchanged afterwards. */
#include <archive.h>
#include <archive_entry.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/common.h"
#include "tests/lib/httpd.h"
#include "tests/lib/reaper.h"
#include "tests/lib/robust.h"
#include "tests/lib/testrepo.h"

#define TMPL "esc-1-x86_64-minimal"

static char root[64];
static char ct[16];
static char *outside; /* the sentinel: a "host" directory outside VZ_ROOT's targets */

static void put(const char *dir, const char *rel, const char *text)
{
    cleanup_free char *p = vz_path_join(dir, rel);
    vz_error_t err = NULL;
    cr_assert_eq(vz_atomic_write(p, text, strlen(text), 0644, &err), 0, "%s", p);
}

static void setup(void)
{
    vzr_private_ns(0);
    snprintf(ct, sizeof(ct), "6%d", (int)getpid() % 1000000);
    snprintf(root, sizeof(root), "/tmp/vzt-esc-XXXXXX");
    cr_assert_not_null(vzt_mkroot(root));
    setenv("VZ_ROOT", root, 1);
    setenv("VZ_APT_ROOT", root, 1);
    vz_log_level = VZ_LOG_WARN;
    outside = vz_path_join(root, "host-etc");
    vz_error_t err = NULL;
    cr_assert_eq(vz_mkdir_p(outside, 0755, &err), 0);
    put(outside, "shadow", "root:HOST:19000:0:99999:7:::\n");
    put(outside, "passwd", "root:x:0:0:root:/root:/bin/sh\n");
    put(outside, "hostname", "host\n");
    put(outside, "resolv.conf", "nameserver 127.0.0.53\n");
    vzr_init();
    static const char *ids[2];
    ids[0] = ct;
    vzr_watch(ids);
}

static void teardown(void)
{
    vz_error_t err = NULL;
    vz_rm_rf(root, &err);
    vz_error_release(&err);
    free(outside);
}

TestSuite(escape, .init = setup, .fini = teardown, .timeout = 300);

/* The sentinel holds exactly its four files, unchanged. */
static void assert_outside_untouched(const char *what)
{
    static const char *const files[][2] = {
        { "shadow", "root:HOST:19000:0:99999:7:::\n" },
        { "passwd", "root:x:0:0:root:/root:/bin/sh\n" },
        { "hostname", "host\n" },
        { "resolv.conf", "nameserver 127.0.0.53\n" },
    };
    for (size_t i = 0; i < VZ_ARRAY_SIZE(files); i++) {
        cleanup_free char *p = vz_path_join(outside, files[i][0]);
        cleanup_free char *d = vzr_slurp(p);
        cr_assert_not_null(d, "%s: %s is gone", what, p);
        cr_assert_str_eq(d, files[i][1], "%s: %s was written to", what, p);
    }
    struct vzr_state s;
    vzr_state_take(&s, outside);
    cr_assert_eq(s.files.n, 4, "%s: %zu entries in %s (something was added)", what, s.files.n,
                 outside);
    vzr_state_release(&s);
}

static void make_cache(void)
{
    vzr_make_cache(root, TMPL, NULL);
}

static struct vzr_res run(const char *prog, const char *const *args)
{
    struct vzr_res r;
    vzr_run(&r, prog, args);
    vzr_assert_sane(&r, args[0]);
    return r;
}

static void create_ct(const char *layout)
{
    make_cache();
    struct vzr_res r = run("vzctl", (const char *[]){ "create", ct, "--ostemplate", TMPL,
                                                      "--layout", layout, NULL });
    cr_assert_eq(r.code, 0, "create: %s", r.err);
    vzr_res_release(&r);
}

/* The writable layer of the container: private (plain) or private/upper. */
static char *writable(const char *layout)
{
    return vz_xasprintf("%s/vz/private/%s%s", root, ct, strcmp(layout, "plain") ? "/upper" : "");
}

static void set_through_links(const char *layout, bool whole_etc)
{
    create_ct(layout);
    cleanup_free char *w = writable(layout);
    cleanup_free char *etc = vz_path_join(w, "etc");
    vz_error_t err = NULL;
    if (whole_etc) {
        /* /etc -> the host's directory */
        cr_assert_eq(vz_rm_rf(etc, &err), 0);
        cr_assert_eq(symlink(outside, etc), 0, "%s", strerror(errno));
    } else {
        /* each file -> the host's file */
        cr_assert_eq(vz_mkdir_p(etc, 0755, &err), 0);
        const char *names[] = { "shadow", "hostname", "resolv.conf", "passwd" };
        for (size_t i = 0; i < VZ_ARRAY_SIZE(names); i++) {
            cleanup_free char *l = vz_path_join(etc, names[i]);
            cleanup_free char *t = vz_path_join(outside, names[i]);
            unlink(l);
            cr_assert_eq(symlink(t, l), 0, "%s", strerror(errno));
        }
    }
    cleanup_free char *what = vz_xasprintf("vzctl set (%s, %s)", layout,
                                           whole_etc ? "/etc is a symlink" : "files are symlinks");
    const char *const sets[][8] = {
        { "set", ct, "--userpasswd", "root:secret", NULL },
        { "set", ct, "--hostname", "pwned", "--save", NULL },
        { "set", ct, "--nameserver", "10.9.9.9", "--save", NULL },
        { "set", ct, "--searchdomain", "pwned.example", "--save", NULL },
    };
    for (size_t i = 0; i < VZ_ARRAY_SIZE(sets); i++) {
        struct vzr_res r = run("vzctl", sets[i]);
        cr_log_info("%s %s: exit %d %s", what, sets[i][2], r.code, r.err);
        vzr_res_release(&r);
        assert_outside_untouched(what);
    }
    /* starting it (the hostname and resolv.conf are written at start) */
    struct vzr_res r = run("vzctl", (const char *[]){ "mount", ct, NULL });
    vzr_res_release(&r);
    r = run("vzctl", (const char *[]){ "umount", ct, NULL });
    vzr_res_release(&r);
    assert_outside_untouched(what);
    r = run("vzctl", (const char *[]){ "destroy", ct, NULL });
    cr_assert_eq(r.code, 0, "destroy: %s", r.err);
    vzr_res_release(&r);
    assert_outside_untouched("vzctl destroy of a container whose /etc is a symlink");
}

Test(escape, set_into_plain_root_with_etc_symlink) { set_through_links("plain", true); }
Test(escape, set_into_plain_root_with_file_symlinks) { set_through_links("plain", false); }
Test(escape, set_into_overlay_root_with_etc_symlink) { set_through_links("overlay", true); }
Test(escape, set_into_overlay_root_with_file_symlinks) { set_through_links("overlay", false); }

Test(escape, create_private_or_root_at_host_root_is_refused)
{
    make_cache();
    struct vzr_state before;
    vzr_state_take(&before, root);
    const char *const cases[][10] = {
        { "create", ct, "--ostemplate", TMPL, "--private", "/etc", NULL },
        { "create", ct, "--ostemplate", TMPL, "--private", "/tmp", "--layout", "plain", NULL },
    };
    for (size_t i = 0; i < VZ_ARRAY_SIZE(cases); i++) {
        struct vzr_res r = run("vzctl", cases[i]);
        cr_assert_eq(r.code, 44, "--private %s: exit %d: %s", cases[i][5], r.code, r.err);
        vzr_res_release(&r);
        vzr_assert_unchanged(&before, root, NULL, cases[i][5]);
    }
    struct vzr_res p = run("vzctl", (const char *[]){ "create", ct, "--ostemplate", TMPL,
                                                      "--private", "/", NULL });
    cr_assert_eq(p.code, 21, "--private /: exit %d: %s", p.code, p.err);
    vzr_res_release(&p);
    vzr_assert_unchanged(&before, root, NULL, "--private /");
    vzr_state_release(&before);
    /* --root / is refused: the container would be mounted over the host */
    struct vzr_res r = run("vzctl", (const char *[]){ "create", ct, "--ostemplate", TMPL,
                                                      "--root", "/tmp/../", NULL });
    cr_expect_eq(r.code, 21, "--root /: exit %d (accepted: 'vzctl mount' would mount the "
                 "container over the host's /)\n%s%s", r.code, r.out, r.err);
    if (r.code == 0) {
        struct vzr_res d = run("vzctl", (const char *[]){ "destroy", ct, NULL });
        vzr_res_release(&d);
    }
    vzr_res_release(&r);
}

/* ---- vzpkg import ---- */

struct ent {
    const char *path;
    char type; /* f file, d dir, l symlink, h hard link */
    const char *data;
};

static char *make_tar(const char *name, const struct ent *e, size_t n)
{
    char *p = vz_path_join(root, name);
    struct archive *a = archive_write_new();
    archive_write_set_format_pax(a);
    cr_assert_eq(archive_write_open_filename(a, p), ARCHIVE_OK);
    for (size_t i = 0; i < n; i++) {
        struct archive_entry *x = archive_entry_new();
        archive_entry_set_pathname(x, e[i].path);
        archive_entry_set_mtime(x, 1600000000, 0);
        archive_entry_set_perm(x, e[i].type == 'd' ? 0755 : 0644);
        if (e[i].type == 'd') {
            archive_entry_set_filetype(x, AE_IFDIR);
        } else if (e[i].type == 'l') {
            archive_entry_set_filetype(x, AE_IFLNK);
            archive_entry_set_symlink(x, e[i].data);
        } else if (e[i].type == 'h') {
            archive_entry_set_filetype(x, AE_IFREG);
            archive_entry_set_hardlink(x, e[i].data);
        } else {
            archive_entry_set_filetype(x, AE_IFREG);
            archive_entry_set_size(x, (la_int64_t)strlen(e[i].data));
        }
        cr_assert_eq(archive_write_header(a, x), ARCHIVE_OK, "%s", archive_error_string(a));
        if (e[i].type == 'f')
            archive_write_data(a, e[i].data, strlen(e[i].data));
        archive_entry_free(x);
    }
    archive_write_close(a);
    archive_write_free(a);
    return p;
}

static void import_refused_or_contained(const char *tar, const char *what)
{
    struct vzr_res r = run("vzpkg", (const char *[]){ "import", tar, "--name", "evil-1-x86_64",
                                                      NULL });
    cr_log_info("%s: exit %d %s", what, r.code, r.err);
    if (r.code == 0) {
        /* accepted: then whatever it wrote is inside the cache only */
        struct vzr_res d = run("vzpkg", (const char *[]){ "remove-cache", "evil-1-x86_64", NULL });
        vzr_res_release(&d);
    } else {
        cr_assert_eq(r.code, 206, "%s: exit %d: %s", what, r.code, r.err);
    }
    vzr_res_release(&r);
    assert_outside_untouched(what);
}

Test(escape, import_tricks)
{
    cleanup_free char *shadow = vz_path_join(outside, "shadow");
    cleanup_free char *hostname = vz_path_join(outside, "hostname");
    /* a symlink to a host file, then a regular file of the same name */
    struct ent e1[] = { { "./etc", 'd', NULL }, { "./etc/shadow", 'l', shadow },
                        { "./etc/shadow", 'f', "root:PWNED:1:0:99999:7:::\n" } };
    cleanup_free char *t1 = make_tar("t1.tar", e1, 3);
    import_refused_or_contained(t1, "symlink then file of the same name");
    /* a hard link to an absolute host path */
    struct ent e2[] = { { "./etc", 'd', NULL }, { "./etc/h", 'h', hostname } };
    cleanup_free char *t2 = make_tar("t2.tar", e2, 2);
    import_refused_or_contained(t2, "hard link to an absolute host path");
    /* a hard link to a symlink that points out, then data through it */
    struct ent e3[] = { { "./l", 'l', outside }, { "./h", 'h', "./l" },
                        { "./h/hostname", 'f', "pwned\n" } };
    cleanup_free char *t3 = make_tar("t3.tar", e3, 3);
    import_refused_or_contained(t3, "hard link to an outward symlink, then a file through it");
    /* a directory symlink replaced by a directory entry, then a file */
    struct ent e4[] = { { "./d", 'l', outside }, { "./d", 'd', NULL },
                        { "./d/hostname", 'f', "pwned\n" } };
    cleanup_free char *t4 = make_tar("t4.tar", e4, 3);
    import_refused_or_contained(t4, "symlink, then a directory entry over it, then a file");
}

/* An mtree spec is not a tarball: its contents= would read host files. */
Test(escape, import_of_mtree_spec_is_refused)
{
    cleanup_free char *shadow = vz_path_join(outside, "shadow");
    cleanup_free char *spec = vz_xasprintf("#mtree\n./etc type=dir mode=0755\n"
                                           "./etc/stolen type=file mode=0644 contents=%s\n",
                                           shadow);
    put(root, "spec.mtree", spec);
    cleanup_free char *p = vz_path_join(root, "spec.mtree");
    struct vzr_res r = run("vzpkg", (const char *[]){ "import", p, "--name", "evil-1-x86_64",
                                                      NULL });
    cr_assert_eq(r.code, 206, "an mtree spec was imported (exit %d): %s%s", r.code, r.out, r.err);
    vzr_res_release(&r);
    cleanup_free char *c = vz_xasprintf("%s/vz/template/cache/evil-1-x86_64.manifest", root);
    cr_assert(!vz_file_exists(c));
}

/* ---- template metadata ---- */

static const char hook_fmt[] =
    "  minimal:\n"
    "    summary: \"hook tries to reach the host\"\n"
    "    base: required\n"
    "    scripts:\n"
    "      post-install: |\n"
    "        O=%s\n"
    "        echo pwned > $O/hostname || true\n"
    "        echo pwned > /proc/1/root$O/hostname 2>/dev/null || true\n"
    "        echo pwned > /proc/self/root/../../..$O/hostname 2>/dev/null || true\n"
    "        echo pwned > /proc/1/cwd/../../..$O/hostname 2>/dev/null || true\n"
    "        mkdir -p /m && mount -t tmpfs x /m 2>/dev/null && umount /m || true\n"
    "        touch $O/added 2>/dev/null || true\n"
    "        ln -s $O /etc/hostlink && echo pwned > /etc/hostlink/hostname 2>/dev/null || true\n";

Test(escape, hook_of_a_local_override_cannot_write_to_the_host, .timeout = 600)
{
    struct vz_testrepo repo;
    vz_error_t err = NULL;
    cleanup_free char *rdir = vz_path_join(root, "mirror");
    cr_assert_eq(vz_testrepo_create(rdir, NULL, 0, NULL, &repo, &err), 0, "%s",
                 err ? err->msg : "");
    /* a local override in VZ_ROOT/etc/vz/distros (docs/template-metadata.md) */
    cleanup_free char *ddir = vz_path_join(root, "etc/vz/distros");
    cr_assert_eq(vz_mkdir_p(ddir, 0755, &err), 0);
    cleanup_free char *hook = vz_xasprintf(hook_fmt, outside);
    cleanup_free char *yaml = vzr_vztest_yaml(repo.keyring, hook);
    put(ddir, "vztest-1.yaml", yaml);
    cleanup_free char *empty = vz_path_join(root, "no-distros");
    cr_assert_eq(vz_mkdir_p(empty, 0755, &err), 0);
    setenv("VZ_DISTROS_DIR", empty, 1);
    struct vz_httpd *h = vz_httpd_start(repo.dir);
    cleanup_free char *mirror = vz_httpd_url(h, "");
    struct vzr_res r = run("vzpkg", (const char *[]){ "create-cache", "vztest-1-x86_64-minimal",
                                                      "--mirror", mirror, NULL });
    cr_assert_eq(r.code, 0, "create-cache: %s", r.err);
    vzr_res_release(&r);
    vz_httpd_stop(h);
    vz_testrepo_release(&repo);
    assert_outside_untouched("a post-install hook aiming at the host");
}

/* Names from metadata with '/' or '..' never become paths. */
Test(escape, names_with_slashes_in_metadata)
{
    cleanup_free char *ddir = vz_path_join(root, "etc/vz/distros");
    vz_error_t err = NULL;
    cr_assert_eq(vz_mkdir_p(ddir, 0755, &err), 0);
    cleanup_free char *empty = vz_path_join(root, "no-distros");
    cr_assert_eq(vz_mkdir_p(empty, 0755, &err), 0);
    setenv("VZ_DISTROS_DIR", empty, 1);
    /* outside is root/host-etc: '../../host-etc/x' from vz/template/cache */
    put(ddir, "evil-1.yaml",
        "distribution: \"../../../host-etc/x\"\n"
        "release: \"1\"\ncodename: c\nfamily: deb\nsummary: s\narchitectures:\n  x86_64: amd64\n"
        "repositories:\n  - name: \"../../../host-etc/r\"\n    mirror: \"http://127.0.0.1:9/\"\n"
        "    suite: s\n    components: [main]\n    allow_unsigned: true\n"
        "variants:\n  \"../../../host-etc/v\":\n    summary: s\n    base: required\n"
        "    packages: [\"../../../host-etc/p\"]\n");
    /* a valid distribution with a repository, variant and package named
     * like paths */
    put(ddir, "evilb-1.yaml",
        "distribution: evilb\n"
        "release: \"1\"\ncodename: c\nfamily: deb\nsummary: s\nmerged_usr: none\narchitectures:\n  x86_64: amd64\n"
        "repositories:\n  - name: \"../../../host-etc/r\"\n    mirror: \"http://127.0.0.1:9/\"\n"
        "    suite: \"../../../host-etc/s\"\n    components: [\"../../../host-etc/c\"]\n"
        "    allow_unsigned: true\n"
        "variants:\n  minimal:\n    summary: s\n    base: required\n"
        "    packages: [\"../../../host-etc/p\"]\n"
        "  \"../../../host-etc/v\":\n    summary: s\n    base: required\n");
    const char *const cmds[][6] = {
        { "info", "evilb-1-x86_64-minimal", NULL },
        { "create-cache", "evilb-1-x86_64-minimal", NULL },
        { "fetch", "evilb-1-x86_64-minimal", NULL },
        { "status", "evilb-1-x86_64-minimal", NULL },
        { "info", "evilb-1-x86_64-../../../host-etc/v", NULL },
        { "list", NULL },
        { "list", "--json", NULL },
        { "info", "../../../host-etc/x-1-x86_64-minimal", NULL },
        { "create-cache", "../../../host-etc/x-1-x86_64-../../../host-etc/v", NULL },
        { "fetch", "../../../host-etc/x-1-x86_64-../../../host-etc/v", NULL },
        { "status", "../../../host-etc/x-1-x86_64-../../../host-etc/v", NULL },
    };
    for (size_t i = 0; i < VZ_ARRAY_SIZE(cmds); i++) {
        struct vzr_res r = run("vzpkg", cmds[i]);
        cr_log_info("vzpkg %s: exit %d %s", cmds[i][0], r.code, r.err);
        if (strcmp(cmds[i][0], "list") != 0)
            cr_assert(r.code == 201 || r.code == 91, "vzpkg %s %s: exit %d", cmds[i][0],
                      cmds[i][1], r.code);
        vzr_res_release(&r);
        assert_outside_untouched(cmds[i][0]);
    }
}
