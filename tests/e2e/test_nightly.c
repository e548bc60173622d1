/* ci/nightly end to end, as a CI runs it: two synthetic templates, each
 * from its own signed repository served on 127.0.0.1, published into a tree
 * that a second loopback server serves as the index URL. Night 1 builds
 * both; night 2 rebuilds only the one whose repository changed and prunes
 * its older build (--keep 1); a host downloads and verifies the newest; a
 * job killed in its middle leaves the published tree as it was. The script
 * drives the real build/bin/vzpkg; the only stand-in is a wrapper that
 * kills the job at its export step (the formats themselves are another
 * command's business). */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/common.h"
#include "tests/lib/httpd.h"
#include "tests/lib/testrepo.h"

#define TA "vztest-1-x86_64-minimal"
#define TB "vzother-1-x86_64-minimal"

static char root[64];
static struct vz_testrepo repo_a, repo_b;
static struct vz_httpd *mirrors, *pubsrv;
static char *pub, *index_url;

static const char yaml_fmt[] =
    "distribution: %s\n"
    "release: \"1\"\n"
    "codename: testing\n"
    "family: deb\n"
    "summary: \"synthetic test system\"\n"
    "architectures:\n"
    "  x86_64: amd64\n"
    "merged_usr: symlinks\n"
    "repositories:\n"
    "  - name: main\n"
    "    mirror: \"{{mirror.%s}}\"\n"
    "    suite: \"{{codename}}\"\n"
    "    components: [main]\n"
    "    keyring: %s\n"
    "variants:\n"
    "  minimal:\n"
    "    summary: \"minimal\"\n"
    "    base: required\n";

static const struct vz_testfile pager_a_new[] = {
    { "/usr/bin/pager-a", "#!/bin/sh\necho pager-a 1.1 \"$@\"\n", NULL, NULL, 0755 },
    { 0 },
};

/* The repository in root/mirrors/sub: the default set, with pager-a in
 * pager_version when given. */
static void make_repo(struct vz_testrepo *r, const char *sub, const char *pager_version)
{
    size_t n = 0;
    const struct vz_testpkg *def = vz_testrepo_default_pkgs(&n);
    struct vz_testpkg *pk = vz_xcalloc(n, sizeof(*pk));
    memcpy(pk, def, n * sizeof(*pk));
    for (size_t i = 0; pager_version && i < n; i++)
        if (!strcmp(pk[i].name, "pager-a")) {
            pk[i].version = pager_version;
            pk[i].files = pager_a_new;
        }
    vz_error_t err = NULL;
    cleanup_free char *dir = vz_xasprintf("%s/mirrors/%s", root, sub);
    vz_testrepo_release(r);
    cr_assert_eq(vz_testrepo_create(dir, pk, n, NULL, r, &err), 0, "%s", err ? err->msg : "");
    free(pk);
}

static void write_file(const char *path, const char *text, mode_t mode)
{
    vz_error_t err = NULL;
    cleanup_free char *d = vz_xstrdup(path);
    *strrchr(d, '/') = '\0';
    cr_assert_eq(vz_mkdir_p(d, 0755, &err), 0);
    cr_assert_eq(vz_atomic_write(path, text, strlen(text), mode, &err), 0, "%s",
                 err ? err->msg : "");
}

static void write_yaml(const char *distro, const struct vz_testrepo *r)
{
    cleanup_free char *yaml = vz_xasprintf(yaml_fmt, distro, distro, r->keyring);
    cleanup_free char *p = vz_xasprintf("%s/distros/%s-1.yaml", root, distro);
    write_file(p, yaml, 0644);
}

struct result {
    int status;
    char *out, *err;
};

static struct result run(char *const *argv)
{
    struct vz_buf out = VZ_BUF_INIT, errb = VZ_BUF_INIT;
    vz_buf_init(&out);
    vz_buf_init(&errb);
    struct vz_run_opts o = { .out = &out, .errbuf = &errb };
    struct result r = { -1, NULL, NULL };
    vz_error_t err = NULL;
    cr_assert_eq(vz_run(argv, &o, &r.status, &err), 0, "run %s: %s", argv[0],
                 err ? err->msg : "");
    r.out = vz_buf_detach(&out, NULL);
    r.err = vz_buf_detach(&errb, NULL);
    return r;
}

static void release(struct result *r)
{
    free(r->out);
    free(r->err);
}

static char *nightly_bin(void)
{
    return vz_xasprintf("%s/ci/nightly", getenv("VZ_SRC"));
}

static char *vzpkg_bin(void)
{
    return vz_xasprintf("%s/bin/vzpkg", getenv("VZ_BUILD"));
}

/* One night of `ci/nightly run` over both templates. */
static struct result night(const char *id, const char *epoch)
{
    setenv("NIGHTLY_NIGHT", id, 1);
    setenv("SOURCE_DATE_EPOCH", epoch, 1);
    cleanup_free char *bin = nightly_bin();
    cleanup_free char *work = vz_xasprintf("%s/work-%s", root, id);
    char *argv[] = { bin, "run", "--publish", pub, "--index", index_url, "--keep", "1",
                     "--work", work, TA, TB, NULL };
    return run(argv);
}

static json_t *load_json(const char *path)
{
    json_error_t je;
    json_t *j = json_load_file(path, 0, &je);
    cr_assert_not_null(j, "%s: %s", path, je.text);
    return j;
}

static json_t *published_index(void)
{
    cleanup_free char *p = vz_path_join(pub, "index.json");
    return load_json(p);
}

/* ID of the newest build of name in the published index. */
static char *latest_id(json_t *ix, const char *name)
{
    json_t *b = json_array_get(json_object_get(json_object_get(ix, "templates"), name), 0);
    cr_assert_not_null(b, "%s is not in the index", name);
    return vz_xstrdup(json_string_value(json_object_get(b, "id")));
}

static json_t *report_entry(json_t *report, const char *name)
{
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(report, "templates"), i, t)
        if (!strcmp(json_string_value(json_object_get(t, "template")), name))
            return t;
    cr_assert_fail("%s is not in the report", name);
    return NULL;
}

static const char *str(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

/* Hits on every .deb of the repository under /sub/. */
static unsigned deb_hits(const char *sub)
{
    size_t n = 0;
    const struct vz_testpkg *def = vz_testrepo_default_pkgs(&n);
    unsigned hits = 0;
    for (size_t i = 0; i < n; i++)
        for (int v = 0; v < 2; v++) {
            const char *ver = v ? "1.1" : def[i].version;
            cleanup_free char *p =
                vz_xasprintf("/%s/pool/main/%c/%s/%s_%s_%s.deb", sub, def[i].name[0],
                             def[i].name, def[i].name, ver, def[i].arch ? def[i].arch : "amd64");
            hits += vz_httpd_hits(mirrors, p);
        }
    return hits;
}

static void setup(void)
{
    snprintf(root, sizeof(root), "/tmp/vzt-nightly-XXXXXX");
    cr_assert_not_null(mkdtemp(root));
    cr_assert_not_null(getenv("VZ_BUILD"), "VZ_BUILD is not set: run through make check");
    cr_assert_not_null(getenv("VZ_SRC"), "VZ_SRC is not set: run through make check");
    make_repo(&repo_a, "a", NULL);
    make_repo(&repo_b, "b", NULL);
    write_yaml("vztest", &repo_a);
    write_yaml("vzother", &repo_b);
    cleanup_free char *mdir = vz_path_join(root, "mirrors");
    mirrors = vz_httpd_start(mdir);
    cleanup_free char *ma = vz_httpd_url(mirrors, "/a");
    cleanup_free char *mb = vz_httpd_url(mirrors, "/b");
    setenv("VZ_MIRROR_VZTEST", ma, 1);
    setenv("VZ_MIRROR_VZOTHER", mb, 1);
    cleanup_free char *ddir = vz_path_join(root, "distros");
    setenv("VZ_DISTROS_DIR", ddir, 1);
    setenv("VZ_APT_ROOT", root, 1);
    cleanup_free char *vzpkg = vzpkg_bin();
    setenv("VZPKG", vzpkg, 1);
    /* the CI's secret: a key made once, outside every job's VZ_ROOT */
    cleanup_free char *keyhost = vz_path_join(root, "keyhost");
    setenv("VZ_ROOT", keyhost, 1);
    char *kg[] = { vzpkg, "-q", "keygen", NULL };
    struct result k = run(kg);
    cr_assert_eq(k.status, 0, "keygen: %s", k.err);
    release(&k);
    cleanup_free char *key = vz_path_join(keyhost, "etc/vz/keys/signing.key");
    setenv("NIGHTLY_SIGNING_KEY_FILE", key, 1);
    unsetenv("NIGHTLY_SIGNING_KEY");
    unsetenv("NIGHTLY_FORMATS");
    unsetenv("NIGHTLY_INDEX_URL");
    unsetenv("VZ_ROOT");
    setenv("RUNNER_TEMP", root, 1);
    pub = vz_path_join(root, "pub");
    cr_assert_eq(mkdir(pub, 0755), 0);
    pubsrv = vz_httpd_start(pub);
    index_url = vz_httpd_url(pubsrv, "/");
}

static void teardown(void)
{
    vz_httpd_stop(pubsrv);
    vz_httpd_stop(mirrors);
    vz_testrepo_release(&repo_a);
    vz_testrepo_release(&repo_b);
    free(pub);
    free(index_url);
    const char *vars[] = { "VZ_MIRROR_VZTEST", "VZ_MIRROR_VZOTHER", "VZ_DISTROS_DIR",
                           "VZ_APT_ROOT", "VZPKG", "NIGHTLY_SIGNING_KEY_FILE", "RUNNER_TEMP",
                           "NIGHTLY_NIGHT", "SOURCE_DATE_EPOCH", NULL };
    for (int i = 0; vars[i]; i++)
        unsetenv(vars[i]);
    vz_error_t err = NULL;
    vz_rm_rf(root, &err);
    vz_error_release(&err);
}

TestSuite(nightly, .init = setup, .fini = teardown, .timeout = 600);

/* Every file of dir with its bytes, as one string (sorted walk). */
static void snapshot(const char *dir, struct vz_buf *b)
{
    cleanup_free char *cmd = vz_xasprintf("cd '%s' && find . -type f | LC_ALL=C sort | "
                                          "xargs -r sha256sum", dir);
    char *argv[] = { "/bin/sh", "-c", cmd, NULL };
    struct result r = run(argv);
    cr_assert_eq(r.status, 0, "%s", r.err);
    vz_buf_adds(b, r.out);
    release(&r);
}

/* Night 1 and 2 and the host, in order: each night builds on the last. */
Test(nightly, two_nights_rebuild_only_the_changed_template_and_a_host_gets_the_newest)
{
    /* each build is exported too; the signed index covers the exports */
    setenv("NIGHTLY_FORMATS", "rootfs", 1);
    struct result r = night("night1", "1700000000");
    cr_assert_eq(r.status, 0, "night 1: %s\n%s", r.out, r.err);
    release(&r);
    json_t *ix1 = published_index();
    cleanup_free char *a1 = latest_id(ix1, TA);
    cleanup_free char *b1 = latest_id(ix1, TB);
    cr_assert_eq(strncmp(a1, "001700000000-", 13), 0, "%s", a1);
    cr_assert_eq(strncmp(b1, "001700000000-", 13), 0, "%s", b1);
    cleanup_free char *rp1 = vz_path_join(pub, "nightly/night1/report.json");
    json_t *rep1 = load_json(rp1);
    cr_assert_str_eq(str(report_entry(rep1, TA), "action"), "built");
    cr_assert_str_eq(str(report_entry(rep1, TB), "action"), "built");
    /* the jobs left no copy of the signing key in their scratch directories */
    cleanup_free char *find = vz_xasprintf("find '%s/work-night1' -name signing.key", root);
    char *fargv[] = { "/bin/sh", "-c", find, NULL };
    r = run(fargv);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(r.out, "", "signing keys left behind:\n%s", r.out);
    release(&r);
    unsigned a_debs = deb_hits("a");
    cr_assert_gt(a_debs, 0, "night 1 fetched no package of " TA);

    /* night 1's build of b carries its export: retention must take it along */
    cleanup_free char *b1exp = vz_xasprintf("%s/%s/%s/rootfs/%s.rootfs.tar.gz", pub, TB, b1, TB);
    cr_assert(vz_file_exists(b1exp), "night 1 published no export: %s", b1exp);

    /* night 2: only b's repository has a new pager-a */
    make_repo(&repo_b, "b", "1.1");
    r = night("night2", "1700086400");
    cr_assert_eq(r.status, 0, "night 2: %s\n%s", r.out, r.err);
    release(&r);
    json_t *ix2 = published_index();
    cleanup_free char *a2 = latest_id(ix2, TA);
    cleanup_free char *b2 = latest_id(ix2, TB);
    cr_assert_str_eq(a2, a1, TA " was rebuilt although its repository did not change");
    cr_assert_eq(deb_hits("a"), a_debs, "night 2 fetched packages of " TA);
    cr_assert_str_neq(b2, b1, TB " was not rebuilt");
    cr_assert_eq(strncmp(b2, "001700086400-", 13), 0, "%s", b2);
    /* retention (--keep 1): the older build of b is gone, from the index and the tree */
    cr_assert_eq(json_array_size(json_object_get(json_object_get(ix2, "templates"), TB)), 1);
    cleanup_free char *b1dir = vz_xasprintf("%s/%s/%s", pub, TB, b1);
    cr_assert(!vz_file_exists(b1dir), "%s was not pruned", b1dir);
    cr_assert_gt(json_integer_value(json_object_get(ix2, "serial")),
                 json_integer_value(json_object_get(ix1, "serial")));

    /* the night's report, next to the index */
    cleanup_free char *rp2 = vz_path_join(pub, "nightly/night2/report.json");
    json_t *rep2 = load_json(rp2);
    json_t *counts = json_object_get(rep2, "counts");
    cr_assert_eq(json_integer_value(json_object_get(counts, "built")), 1);
    cr_assert_eq(json_integer_value(json_object_get(counts, "unchanged")), 1);
    cr_assert_eq(json_integer_value(json_object_get(counts, "failed")), 0);
    json_t *eb = report_entry(rep2, TB), *ea = report_entry(rep2, TA);
    cr_assert_str_eq(str(ea, "action"), "unchanged");
    cr_assert_str_eq(str(eb, "action"), "built");
    cr_assert_str_eq(str(eb, "id"), b2);
    json_t *ch = json_array_get(json_object_get(json_object_get(eb, "changes"), "changes"), 0);
    cr_assert_str_eq(str(ch, "name"), "pager-a");
    cr_assert_str_eq(str(ch, "kind"), "upgraded");
    cr_assert_str_eq(str(ch, "new_version"), "1.1");
    json_t *bb = json_object_get(eb, "build");
    cr_assert_gt(json_integer_value(json_object_get(bb, "tar_size")), 0);
    cr_assert_not_null(json_object_get(json_object_get(eb, "seconds"), "build"));
    cr_assert_not_null(json_object_get(json_object_get(ea, "seconds"), "download"));
    cr_assert_not_null(json_object_get(json_object_get(ea, "seconds"), "status"));
    json_t *ib = json_array_get(json_object_get(eb, "index_builds"), 0);
    cr_assert_eq(json_integer_value(json_object_get(ib, "size")),
                 json_integer_value(json_object_get(bb, "tar_size")));
    cleanup_free char *html = NULL, *logb = NULL, *latest = NULL, *rtext = NULL, *top = NULL;
    size_t len = 0;
    vz_error_t err = NULL;
    cleanup_free char *hp = vz_path_join(pub, "nightly/night2/report.html");
    cr_assert_eq(vz_read_file(hp, &html, &len, &err), 0);
    cr_assert(strstr(html, TB) && strstr(html, "pager-a") && strstr(html, "logs/" TB ".log"),
              "%s", html);
    cleanup_free char *lp = vz_path_join(pub, "nightly/night2/logs/" TB ".log");
    cr_assert_eq(vz_read_file(lp, &logb, &len, &err), 0);
    cr_assert(strstr(logb, "== build: exit 0"), "%s", logb);
    cleanup_free char *lap = vz_path_join(pub, "nightly/latest.json");
    cr_assert_eq(vz_read_file(lap, &latest, &len, &err), 0);
    cr_assert_eq(vz_read_file(rp2, &rtext, &len, &err), 0);
    cr_assert_str_eq(latest, rtext);
    cleanup_free char *tp = vz_path_join(pub, "nightly/index.html");
    cr_assert_eq(vz_read_file(tp, &top, &len, &err), 0);
    cr_assert(strstr(top, "night1/report.html") && strstr(top, "night2/report.html"), "%s", top);

    /* a host that trusts the CI's public key downloads and verifies the newest b */
    cleanup_free char *host = vz_path_join(root, "host");
    setenv("VZ_ROOT", host, 1);
    cleanup_free char *vzpkg = vzpkg_bin();
    cleanup_free char *pubkey = vz_path_join(root, "keyhost/etc/vz/keys/signing.pub");
    char *trust[] = { vzpkg, "trust", "add", pubkey, NULL };
    r = run(trust);
    cr_assert_eq(r.status, 0, "%s", r.err);
    release(&r);
    char *dl[] = { vzpkg, "download", TB, "--index", index_url, "--json", NULL };
    r = run(dl);
    cr_assert_eq(r.status, 0, "download: %s", r.err);
    json_t *dj = json_loads(r.out, 0, NULL);
    cr_assert_not_null(dj, "%s", r.out);
    json_t *b2e = json_array_get(json_object_get(json_object_get(ix2, "templates"), TB), 0);
    cr_assert_str_eq(str(dj, "tar_sha256"), str(b2e, "sha256"));
    json_decref(dj);
    release(&r);
    char *vf[] = { vzpkg, "verify", TB, NULL };
    r = run(vf);
    cr_assert_eq(r.status, 0, "verify: %s %s", r.out, r.err);
    release(&r);
    /* and its export, checked through the index and the job's signed list */
    cleanup_free char *exp = vz_path_join(root, "host-export");
    char *dx[] = { vzpkg, "download", TB, "--format", "rootfs", "-o", exp, "--index", index_url,
                   "--json", NULL };
    r = run(dx);
    cr_assert_eq(r.status, 0, "download --format rootfs: %s", r.err);
    cr_assert_not_null(json_object_get(b2e, "files"), "the index does not cover the exports");
    cleanup_free char *got = vz_xasprintf("%s/%s.rootfs.tar.gz", exp, TB);
    cleanup_free char *want = vz_xasprintf("%s/%s/%s/rootfs/%s.rootfs.tar.gz", pub, TB, b2, TB);
    char h1[65], h2[65];
    uint64_t z1 = 0, z2 = 0;
    cr_assert_eq(vz_sha256_file(got, h1, &z1, &err), 0, "%s", err ? err->msg : "");
    cr_assert_eq(vz_sha256_file(want, h2, &z2, &err), 0, "%s", err ? err->msg : "");
    cr_assert_str_eq(h1, h2);
    release(&r);
    unsetenv("VZ_ROOT");
    unsetenv("NIGHTLY_FORMATS");

    /* push to where the tree is served, and pull it back: the same files;
     * a build the tree no longer has is deleted from the served copy */
    cleanup_free char *served = vz_path_join(root, "served");
    cleanup_free char *stale = vz_xasprintf("%s/%s/%s/x", served, TB, b1);
    write_file(stale, "pruned since\n", 0644);
    /* what a killed merge leaves in the CI's copy is not pushed, and a
     * leftover of one on the server is removed */
    cleanup_free char *ltmp = vz_xasprintf("%s/%s/.001.tmp/x", pub, TB);
    cleanup_free char *stmp = vz_xasprintf("%s/%s/.002.tmp/x", served, TB);
    write_file(ltmp, "half\n", 0644);
    write_file(stmp, "half\n", 0644);
    cleanup_free char *bin = nightly_bin();
    char *push[] = { bin, "push", pub, served, NULL };
    r = run(push);
    cr_assert_eq(r.status, 0, "push: %s %s", r.out, r.err);
    release(&r);
    cr_assert(!vz_file_exists(stale), "push left %s", stale);
    cleanup_free char *pushed_tmp = vz_xasprintf("%s/%s/.001.tmp", served, TB);
    cleanup_free char *stmp_dir = vz_xasprintf("%s/%s/.002.tmp", served, TB);
    cr_assert(!vz_file_exists(pushed_tmp), "push copied %s", pushed_tmp);
    cr_assert(!vz_file_exists(stmp_dir), "push left %s", stmp_dir);
    unlink(ltmp);
    *strrchr(ltmp, '/') = '\0';
    rmdir(ltmp);
    cleanup_free char *back = vz_path_join(root, "pulled");
    char *pull[] = { bin, "pull", served, back, NULL };
    r = run(pull);
    cr_assert_eq(r.status, 0, "pull: %s %s", r.out, r.err);
    release(&r);
    struct vz_buf s1 = VZ_BUF_INIT, s2 = VZ_BUF_INIT, s3 = VZ_BUF_INIT;
    vz_buf_init(&s1);
    vz_buf_init(&s2);
    vz_buf_init(&s3);
    snapshot(pub, &s1);
    snapshot(served, &s2);
    snapshot(back, &s3);
    cr_assert_str_eq(s2.data, s1.data);
    cr_assert_str_eq(s3.data, s1.data);
    vz_buf_release(&s1);
    vz_buf_release(&s2);
    vz_buf_release(&s3);
    json_decref(ix1);
    json_decref(ix2);
    json_decref(rep1);
    json_decref(rep2);
}

/* The job is killed (SIGKILL, no trap runs) by its export step: after the
 * build and the verify, with a half-written export (the job publishes into
 * its private staging tree after exporting, with the exports). */
Test(nightly, a_job_killed_midway_leaves_the_published_index_as_it_was)
{
    struct result r = night("night1", "1700000000");
    cr_assert_eq(r.status, 0, "night 1: %s\n%s", r.out, r.err);
    release(&r);
    struct vz_buf before = VZ_BUF_INIT, after = VZ_BUF_INIT;
    vz_buf_init(&before);
    vz_buf_init(&after);
    snapshot(pub, &before);
    cr_assert(strstr(before.data, "./index.json\n") && strstr(before.data, ".tar.zst\n"),
              "%s", before.data);

    cleanup_free char *real = vzpkg_bin();
    cleanup_free char *wrap = vz_path_join(root, "vzpkg-killer");
    cleanup_free char *script = vz_xasprintf(
        "#!/bin/sh\n"
        "# the real vzpkg, except that 'export' writes half its output and kills the job\n"
        "if [ \"$1\" = export ]; then\n"
        "  while [ $# -gt 0 ]; do [ \"$1\" = -o ] && out=$2; shift; done\n"
        "  mkdir -p \"$out\" && echo half > \"$out/layer.part\"\n"
        "  kill -KILL $PPID\n"
        "  exit 1\n"
        "fi\n"
        "exec '%s' \"$@\"\n", real);
    write_file(wrap, script, 0755);
    setenv("VZPKG", wrap, 1);
    setenv("SOURCE_DATE_EPOCH", "1700086400", 1);
    cleanup_free char *bin = nightly_bin();
    cleanup_free char *stage = vz_path_join(root, "stage-killed");
    cleanup_free char *work = vz_path_join(root, "work-killed");
    char *job[] = { bin, "job", TB, "--stage", stage, "--work", work, "--index", index_url,
                    "--force", "--formats", "oci", NULL };
    r = run(job);
    cr_assert_eq(r.status, 128 + 9, "the job was not killed: %d %s %s", r.status, r.out, r.err);
    release(&r);
    cleanup_free char *half = vz_xasprintf("%s/work-killed/exports/oci/layer.part", root);
    cr_assert(vz_file_exists(half), "the job did not get as far as its export");
    snapshot(pub, &after);
    cr_assert_str_eq(after.data, before.data, "the killed job changed the published tree");
    /* nothing of it reached its staging tree, so a merge adds nothing */
    cleanup_free char *sb = vz_path_join(stage, TB);
    cr_assert(!vz_file_exists(sb), "%s: a killed job staged a build", sb);
    setenv("VZPKG", real, 1);
    setenv("NIGHTLY_NIGHT", "night2", 1);
    char *merge[] = { bin, "merge", "--publish", pub, "--keep", "1", stage, NULL };
    r = run(merge);
    cr_assert_eq(r.status, 0, "merge: %s %s", r.out, r.err);
    cr_assert(strstr(r.out, "published 0 new build(s)"), "%s", r.out);
    release(&r);
    json_t *ix = published_index();
    cleanup_free char *b = latest_id(ix, TB);
    cr_assert_eq(strncmp(b, "001700000000-", 13), 0, "%s", b);
    json_decref(ix);
    vz_buf_release(&before);
    vz_buf_release(&after);
}
