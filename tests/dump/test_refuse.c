/* vzrestore refuses, before it writes anything: an archive changed after
 * it was made (a byte of a file, one entry cut off), a truncated one, one
 * signed by a key this host does not trust; and archives whose signer
 * wanted to harm the restoring host (paths with "..", absolute paths,
 * writes through a symlink, hard links out of the tree, device nodes).
 * Also: a --full archive restores on another VZ_ROOT that lacks the
 * template, once the source host's key is trusted there. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/common.h"
#include "tests/dump/dumpfix.h"
#include "tests/lib/httpd.h"
#include "tests/lib/robust.h"
#include "vpscore/dump-internal.h"

/* the cases' tables leave the fields an entry does not use out */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

static struct dfx D;

static void setup(void) { dfx_setup(&D); }
static void teardown(void) { dfx_teardown(&D); }

TestSuite(refuse, .init = setup, .fini = teardown, .timeout = 300);

static char *make_dump(const char *extra)
{
    dfx_create(&D, D.ct, "overlay", NULL);
    cleanup_free char *f = vz_xasprintf("%s/vz/private/%s/upper/tamper-me", D.root, D.ct);
    cleanup_free char *sh = vz_xasprintf("echo original-bytes-0123456789 > %s", f);
    dfx_sh(sh);
    const char *args[] = { D.ct, "--dumpdir", D.dumpdir, "--json", extra, NULL };
    cleanup_free char *json = dfx_ok(&D, "vzdump", args);
    return dfx_json_str(json, "archive");
}

static void refused(const char *archive, const char *ctid, int code, const char *needle, const char *what)
{
    struct vzr_res r;
    vzr_run(&r, "vzrestore", (const char *[]){ archive, ctid, NULL });
    vzr_assert_sane(&r, what);
    cr_assert_eq(r.code, code, "%s: exit %d, not %d: %s", what, r.code, code, r.err);
    if (needle)
        cr_assert_not_null(strstr(r.err, needle), "%s: %s", what, r.err);
    vzr_res_release(&r);
    dfx_assert_absent(&D, vz_root(), ctid, what);
}

Test(refuse, changed_byte_is_204_and_nothing_written)
{
    cleanup_free char *archive = make_dump(NULL);
    /* one byte of one file's contents, the tar headers left valid */
    cleanup_free char *sh = vz_xasprintf("set -e; zstd -qdc %1$s > %1$s.tar; "
                                         "sed -i 's/original-bytes-0123456789/ORIGINAL-bytes-0123456789/' %1$s.tar; "
                                         "grep -q ORIGINAL-bytes %1$s.tar; zstd -qf %1$s.tar -o %1$s", archive);
    dfx_sh(sh);
    refused(archive, D.ct2, 204, "files/tamper-me", "a changed byte");
}

Test(refuse, removed_entry_is_refused)
{
    cleanup_free char *archive = make_dump(NULL);
    cleanup_free char *sh = vz_xasprintf("set -e; mkdir %1$s.d; cd %1$s.d; tar --zstd -xpf %1$s --xattrs; "
                                         "rm files/tamper-me; tar --zstd --format=pax -cf %1$s vzdump/ct.conf files "
                                         "vzdump/manifest.json vzdump/manifest.sig", archive);
    dfx_sh(sh);
    refused(archive, D.ct2, 204, "manifest", "an entry left out");
}

Test(refuse, truncated_is_206_and_nothing_written)
{
    cleanup_free char *archive = make_dump(NULL);
    cleanup_free char *a2 = vz_xasprintf("%s.copy.tar.zst", archive);
    cleanup_free char *cp = vz_xasprintf("cp %s %s", archive, a2);
    dfx_sh(cp);
    struct stat st;
    cr_assert_eq(stat(archive, &st), 0);
    cr_assert_eq(truncate(archive, st.st_size / 2), 0);
    refused(archive, D.ct2, 206, "truncated", "cut in the compressed stream");
    /* cut between entries, before the manifest: the tar stream ends cleanly */
    cleanup_free char *sh = vz_xasprintf("set -e; mkdir %1$s.d; cd %1$s.d; tar --zstd -xpf %1$s --xattrs; "
                                         "tar --zstd --format=pax -cf %1$s vzdump/ct.conf files", a2);
    dfx_sh(sh);
    refused(a2, D.ct2, 206, "ends before its manifest", "cut before the manifest");
}

Test(refuse, hostile_entries_never_land_outside)
{
    cleanup_free char *archive = vz_xasprintf("%s/hostile.tar.zst", D.root);
    cleanup_free char *victim = vz_xasprintf("%s/victim", D.root);
    static const struct {
        struct dfx_ent e[4];
        int code;
        const char *what;
    } cases[] = {
        { { { "files/", AE_IFDIR }, { "files/../../victim", AE_IFREG, "pwned" } }, 206, "a .. path" },
        { { { "files/", AE_IFDIR }, { "/victim", AE_IFREG, "pwned" } }, 206, "an absolute path" },
        { { { "files/", AE_IFDIR }, { "files/x/../../victim", AE_IFREG, "pwned" } }, 206, "a .. inside" },
        { { { "files/", AE_IFDIR }, { "files/dev", AE_IFBLK, NULL, NULL, 8, 0 } }, 206, "a block device" },
        { { { "files/", AE_IFDIR }, { "files/tty", AE_IFCHR, NULL, NULL, 5, 0 } }, 206, "a char device" },
        { { { "files/", AE_IFDIR }, { "files/h", AE_IFREG, NULL, "files/../victim" } }, 206, "a hard link out" },
        { { { "files/", AE_IFDIR }, { "files/h", AE_IFREG, NULL, "files/nothing" } }, 206, "a dangling hard link" },
        { { { "files/", AE_IFDIR }, { "vzdump/../victim", AE_IFREG, "x" } }, 206, "a stray entry" },
    };
    for (size_t i = 0; i < VZ_ARRAY_SIZE(cases); i++) {
        unlink(archive);
        dfx_craft(archive, cases[i].e);
        refused(archive, D.ct2, cases[i].code, NULL, cases[i].what);
        cr_assert(!vz_file_exists(victim), "%s: wrote %s", cases[i].what, victim);
    }
    /* through a symlink the archive made: the write is refused and the
     * restore rolled back, the link's target untouched */
    cleanup_free char *sym_target = vz_xasprintf("%s/outside", D.root);
    cr_assert_eq(mkdir(sym_target, 0755), 0);
    struct dfx_ent through[] = { { "files/", AE_IFDIR }, { "files/l", AE_IFLNK, sym_target },
                                 { "files/l/pwned", AE_IFREG, "x" }, { NULL } };
    unlink(archive);
    dfx_craft(archive, through);
    struct vzr_res r;
    vzr_run(&r, "vzrestore", (const char *[]){ archive, D.ct2, NULL });
    cr_assert_neq(r.code, 0, "restored through a symlink: %s", r.err);
    vzr_res_release(&r);
    cleanup_free char *pwned = vz_path_join(sym_target, "pwned");
    cr_assert(!vz_file_exists(pwned), "wrote through the archive's symlink");
    dfx_assert_absent(&D, D.root, D.ct2, "symlink write rolled back");
    /* the container's own symlinks to host paths restore as links */
    struct dfx_ent links[] = { { "files/", AE_IFDIR }, { "files/etc/", AE_IFDIR },
                               { "files/etc/passwd", AE_IFLNK, "/etc/shadow" }, { NULL } };
    unlink(archive);
    dfx_craft(archive, links);
    free(dfx_ok(&D, "vzrestore", (const char *[]){ archive, D.ct2, NULL }));
    cleanup_free char *lp = vz_xasprintf("%s/vz/private/%s/etc/passwd", D.root, D.ct2);
    struct stat st;
    cr_assert_eq(lstat(lp, &st), 0);
    cr_assert(S_ISLNK(st.st_mode));
}

Test(refuse, other_root_needs_trust_then_full_restores_there)
{
    cleanup_free char *archive = make_dump("--full");
    dfx_use_root(D.root2);
    /* this "host" has neither the template nor the source's key */
    refused(archive, D.ct, 204, "trust", "an untrusted signer");
    cleanup_free char *pub = vz_xasprintf("%s/etc/vz/keys/signing.pub", D.root);
    free(dfx_ok(&D, "vzpkg", (const char *[]){ "trust", "add", pub, NULL }));
    cleanup_free char *json = dfx_ok(&D, "vzrestore", (const char *[]){ archive, D.ct, "--json", NULL });
    cleanup_free char *layout = dfx_json_str(json, "layout");
    cr_assert_str_eq(layout, "overlay");
    json_t *j = json_loads(json, 0, NULL); /* --full: verified whole, then read again */
    cr_assert_eq(json_integer_value(json_object_get(j, "passes")), 2, "%s", json);
    json_decref(j);
    cleanup_free char *cache = vz_xasprintf("%s/vz/template/cache/%s.manifest", D.root2, DFX_TMPL);
    cr_assert(vz_file_exists(cache), "the template was not landed from the archive");
    free(dfx_ok(&D, "vzctl", (const char *[]){ "start", D.ct, NULL }));
    cleanup_free char *out = dfx_ok(&D, "vzctl", (const char *[]){ "exec", D.ct, "cat /tamper-me", NULL });
    cr_assert_str_eq(out, "original-bytes-0123456789\n");
    free(dfx_ok(&D, "vzctl", (const char *[]){ "stop", D.ct, NULL }));
    dfx_use_root(D.root);
}

/* Without --full, a host that lacks the archive's template downloads it
 * from the signed index named by INDEX_URL (as vzctl create does), and
 * the restored container runs on it. The index is another VZ_ROOT's
 * publish tree, served on 127.0.0.1 in the test's own network namespace. */
Test(refuse, other_root_downloads_the_template_from_index_url)
{
    cleanup_free char *archive = make_dump(NULL);
    cleanup_free char *pubdir = vz_xasprintf("%s/pub", D.root);
    free(dfx_ok(&D, "vzpkg", (const char *[]){ "publish", pubdir, DFX_TMPL, NULL }));
    dfx_sh("ip link set lo up"); /* the fixture's network namespace starts with it down */
    struct vz_httpd *srv = vz_httpd_start(pubdir);
    dfx_use_root(D.root2);
    cleanup_free char *pub = vz_xasprintf("%s/etc/vz/keys/signing.pub", D.root);
    free(dfx_ok(&D, "vzpkg", (const char *[]){ "trust", "add", pub, NULL }));
    /* no index yet: the missing template is the error, and nothing lands */
    refused(archive, D.ct, 91, DFX_TMPL, "restore without the template or an index");
    cleanup_free char *confdir = vz_xasprintf("%s/etc/vz", D.root2);
    vz_error_t err = NULL;
    cr_assert_eq(vz_mkdir_p(confdir, 0755, &err), 0);
    cleanup_free char *conf = vz_path_join(confdir, "vz.conf");
    cleanup_free char *url = vz_httpd_url(srv, "/");
    cleanup_free char *line = vz_xasprintf("INDEX_URL=\"%s\"\n", url);
    FILE *f = fopen(conf, "ae");
    cr_assert_not_null(f);
    fputs(line, f);
    cr_assert_eq(fclose(f), 0);
    struct vzr_res r;
    vzr_run(&r, "vzrestore", (const char *[]){ archive, D.ct, NULL });
    vzr_assert_sane(&r, "vzrestore with INDEX_URL");
    cr_assert_eq(r.code, 0, "exit %d: %s", r.code, r.err);
    cr_assert_not_null(strstr(r.err, "downloaded and verified"), "%s", r.err);
    vzr_res_release(&r);
    cr_assert_gt(vz_httpd_hits(srv, "/index.json"), 0, "the index was never asked for");
    cleanup_free char *cache = vz_xasprintf("%s/vz/template/cache/%s.manifest", D.root2, DFX_TMPL);
    cr_assert(vz_file_exists(cache), "the template was not downloaded");
    free(dfx_ok(&D, "vzctl", (const char *[]){ "start", D.ct, NULL }));
    cleanup_free char *out = dfx_ok(&D, "vzctl", (const char *[]){ "exec", D.ct, "cat /tamper-me", NULL });
    cr_assert_str_eq(out, "original-bytes-0123456789\n");
    free(dfx_ok(&D, "vzctl", (const char *[]){ "stop", D.ct, NULL }));
    vz_httpd_stop(srv);
    dfx_use_root(D.root);
}
