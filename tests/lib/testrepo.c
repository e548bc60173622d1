/* tests/lib/testrepo.c: synthetic signed Debian repositories (see testrepo.h). */
#include "tests/lib/testrepo.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- the throwaway signing keys (one per process, created lazily) ---- */

struct testkey {
    char *home;   /* GNUPGHOME */
    char *fpr;    /* fingerprint of the signing key */
    char *pubring; /* binary public keyring */
    pid_t owner;  /* process that created it: only it cleans up */
};
static struct testkey keys[2];

static void kill_agent_and_remove(const char *home);

static void key_cleanup(void)
{
    for (size_t i = 0; i < VZ_ARRAY_SIZE(keys); i++) {
        struct testkey *k = &keys[i];
        if (k->home == NULL || k->owner != getpid())
            continue;
        kill_agent_and_remove(k->home);
        free(k->home);
        free(k->fpr);
        free(k->pubring);
        memset(k, 0, sizeof(*k));
    }
}

static void kill_agent_and_remove(const char *home)
{
    char *argv[] = { "gpgconf", "--homedir", (char *)home, "--kill", "gpg-agent", NULL };
    int st;
    vz_error_t err = NULL;
    if (vz_run(argv, &(struct vz_run_opts){ .quiet = 1 }, &st, &err) < 0)
        vz_error_release(&err);
    if (vz_rm_rf(home, &err) < 0)
        vz_error_release(&err);
}

/* A test process that crashed never ran its atexit clean-up: remove the
 * GNUPGHOMEs (and agents) of test processes that no longer exist. The
 * creator's pid is part of the name: /tmp/vzt-gpg-PID-XXXXXX. */
static void reap_orphans(void)
{
    cleanup_dir DIR *d = opendir("/tmp");
    if (d == NULL)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        long pid;
        char rest[16];
        if (sscanf(e->d_name, "vzt-gpg-%ld-%15s", &pid, rest) != 2 || pid <= 0)
            continue;
        if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue;
        cleanup_free char *home = vz_path_join("/tmp", e->d_name);
        kill_agent_and_remove(home);
    }
}

static int gpg(const struct testkey *k, char **args, struct vz_buf *out, vz_error_t *err)
{
    char *argv[24] = { "gpg", "--batch", "--quiet", "--no-tty", "--homedir", k->home };
    size_t n = 6;
    for (size_t i = 0; args[i] && n < VZ_ARRAY_SIZE(argv) - 1; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    cleanup_buf struct vz_buf errb = VZ_BUF_INIT;
    vz_buf_init(&errb);
    struct vz_run_opts o = { .out = out, .errbuf = &errb, .quiet = 1 };
    int st = 0;
    if (vz_run(argv, &o, &st, err) < 0)
        return -1;
    if (st != 0)
        return vz_error_set(err, VZ_EFAIL, 0, "gpg %s exited with status %d: %s", args[0], st,
                            errb.data);
    return 0;
}

static const struct testkey *get_key(int idx, vz_error_t *err)
{
    static bool registered;
    struct testkey *k = &keys[idx];
    if (k->home && k->owner == getpid())
        return k;
    if (k->home) /* inherited through fork: make our own, leave the parent's alone */
        memset(k, 0, sizeof(*k));
    if (!registered) {
        atexit(key_cleanup);
        registered = true;
    }
    reap_orphans();
    cleanup_free char *tmpl = vz_xasprintf("/tmp/vzt-gpg-%ld-XXXXXX", (long)getpid());
    if (mkdtemp(tmpl) == NULL) {
        vz_error_sys(err, "mkdtemp %s", tmpl);
        return NULL;
    }
    k->home = vz_xstrdup(tmpl);
    k->owner = getpid();
    char *uid = vz_xasprintf("vzforge test key %d <test%d@vzforge.invalid>", idx, idx);
    char *gen[] = { "--passphrase", "", "--quick-gen-key", uid, "ed25519", "sign", "never", NULL };
    int r = gpg(k, gen, NULL, err);
    free(uid);
    if (r < 0)
        return NULL;
    cleanup_buf struct vz_buf out = VZ_BUF_INIT;
    vz_buf_init(&out);
    char *list[] = { "--with-colons", "--list-secret-keys", NULL };
    if (gpg(k, list, &out, err) < 0)
        return NULL;
    const char *f = strstr(out.data, "\nfpr:");
    if (f == NULL) {
        vz_error_set(err, VZ_EFAIL, 0, "gpg: no fingerprint in key listing of %s", k->home);
        return NULL;
    }
    f += 5;
    while (*f == ':')
        f++;
    k->fpr = strndup(f, strcspn(f, ":\n"));
    k->pubring = vz_path_join(k->home, "pub.gpg");
    char *exp[] = { "--export", "--output", k->pubring, k->fpr, NULL };
    if (gpg(k, exp, NULL, err) < 0)
        return NULL;
    return k;
}

/* Make the secret key of `from` usable in the home of `to` (once). */
static int import_secret(const struct testkey *to, const struct testkey *from, vz_error_t *err)
{
    static pid_t done;
    if (done == getpid())
        return 0;
    cleanup_free char *sec = vz_path_join(from->home, "sec.gpg");
    char *exp[] = { "--export-secret-keys", "--output", sec, from->fpr, NULL };
    if (gpg(from, exp, NULL, err) < 0)
        return -1;
    char *imp[] = { "--import", sec, NULL };
    if (gpg(to, imp, NULL, err) < 0)
        return -1;
    done = getpid();
    return 0;
}

int vz_testrepo_other_keyring(const char *path, vz_error_t *err)
{
    const struct testkey *k = get_key(1, err);
    if (k == NULL)
        return -1;
    return vz_copy_file(k->pubring, path, err);
}

/* ---- building packages ---- */

static int write_file(const char *path, const char *data, size_t len, mode_t mode, vz_error_t *err)
{
    cleanup_free char *dir = vz_xstrdup(path);
    char *slash = strrchr(dir, '/');
    if (slash && slash != dir) {
        *slash = '\0';
        if (vz_mkdir_p(dir, 0755, err) < 0)
            return -1;
    }
    FILE *f = fopen(path, "w");
    if (f == NULL)
        return vz_error_sys(err, "create %s", path);
    if (fwrite(data, 1, len, f) != len || fclose(f) != 0) {
        int e = errno;
        return vz_error_set(err, VZ_ESYSTEM, e, "write %s", path);
    }
    if (chmod(path, mode) < 0)
        return vz_error_sys(err, "chmod %s", path);
    return 0;
}

static void add_field(struct vz_buf *b, const char *name, const char *value)
{
    if (value && *value)
        vz_buf_addf(b, "%s: %s\n", name, value);
}

/* Control stanza of p without Installed-Size and Description. */
static void control_fields(struct vz_buf *b, const struct vz_testpkg *p, const char *arch)
{
    vz_buf_addf(b, "Package: %s\n", p->name);
    vz_buf_addf(b, "Version: %s\n", p->version);
    vz_buf_addf(b, "Architecture: %s\n", arch);
    if (p->essential)
        vz_buf_adds(b, "Essential: yes\n");
    vz_buf_addf(b, "Priority: %s\n", p->priority ? p->priority : "optional");
    vz_buf_addf(b, "Section: %s\n", p->section ? p->section : "misc");
    vz_buf_adds(b, "Maintainer: vzforge tests <tests@vzforge.invalid>\n");
    add_field(b, "Multi-Arch", p->multi_arch);
    add_field(b, "Provides", p->provides);
    add_field(b, "Pre-Depends", p->pre_depends);
    add_field(b, "Depends", p->depends);
    add_field(b, "Recommends", p->recommends);
    add_field(b, "Conflicts", p->conflicts);
    add_field(b, "Breaks", p->breaks);
    add_field(b, "Replaces", p->replaces);
    if (p->extra_control)
        vz_buf_adds(b, p->extra_control);
}

static const char DESCRIPTION[] =
    "Description: synthetic test package\n"
    " Built at test time by vzforge's tests/lib/testrepo.c.\n";

static char **env_with_epoch(void)
{
    char **env = NULL;
    for (char **e = environ; *e; e++)
        if (strncmp(*e, "SOURCE_DATE_EPOCH=", 18) != 0)
            vz_strv_push(&env, *e);
    vz_strv_push(&env, "SOURCE_DATE_EPOCH=1700000000");
    return env;
}

/* Build one .deb into the pool; append its Packages stanza to index. */
static int build_pkg(const char *dir, const struct vz_testpkg *p, const char *repo_arch,
                     struct vz_buf *index, vz_error_t *err)
{
    const char *arch = p->arch ? p->arch : repo_arch;
    cleanup_free char *stage = vz_xasprintf("%s/.stage-%s-%s", dir, p->name, p->version);
    cleanup_free char *debian = vz_path_join(stage, "DEBIAN");
    if (vz_rm_rf(stage, err) < 0 || vz_mkdir_p(debian, 0755, err) < 0)
        return -1;

    uint64_t bytes = 0;
    size_t nfiles = 0;
    for (const struct vz_testfile *f = p->files; f && f->path; f++, nfiles++) {
        cleanup_free char *dst = vz_path_join(stage, f->path);
        if (f->link) {
            cleanup_free char *parent = vz_xstrdup(dst);
            *strrchr(parent, '/') = '\0';
            if (vz_mkdir_p(parent, 0755, err) < 0)
                return -1;
            if (symlink(f->link, dst) < 0)
                return vz_error_sys(err, "symlink %s", dst);
        } else if (f->src) {
            cleanup_free char *parent = vz_xstrdup(dst);
            *strrchr(parent, '/') = '\0';
            if (vz_mkdir_p(parent, 0755, err) < 0 || vz_copy_file(f->src, dst, err) < 0)
                return -1;
            if (chmod(dst, f->mode ? f->mode : 0755) < 0)
                return vz_error_sys(err, "chmod %s", dst);
            struct stat st;
            if (stat(dst, &st) == 0)
                bytes += (uint64_t)st.st_size;
        } else {
            const char *c = f->content ? f->content : "";
            if (write_file(dst, c, strlen(c), f->mode ? f->mode : 0644, err) < 0)
                return -1;
            bytes += strlen(c);
        }
    }

    cleanup_buf struct vz_buf ctl = VZ_BUF_INIT;
    vz_buf_init(&ctl);
    control_fields(&ctl, p, arch);
    uint64_t isize = (bytes + 1023) / 1024 + nfiles;
    vz_buf_addf(&ctl, "Installed-Size: %llu\n", (unsigned long long)isize);
    vz_buf_adds(&ctl, DESCRIPTION);
    cleanup_free char *cpath = vz_path_join(debian, "control");
    if (write_file(cpath, ctl.data, ctl.len, 0644, err) < 0)
        return -1;

    struct { const char *name, *text; } scripts[] = {
        { "preinst", p->preinst }, { "postinst", p->postinst },
        { "prerm", p->prerm }, { "postrm", p->postrm },
    };
    for (size_t i = 0; i < VZ_ARRAY_SIZE(scripts); i++) {
        if (scripts[i].text == NULL)
            continue;
        cleanup_free char *sp = vz_path_join(debian, scripts[i].name);
        if (write_file(sp, scripts[i].text, strlen(scripts[i].text), 0755, err) < 0)
            return -1;
    }
    if (p->conffiles) {
        cleanup_buf struct vz_buf cf = VZ_BUF_INIT;
        vz_buf_init(&cf);
        for (const char *const *c = p->conffiles; *c; c++)
            vz_buf_addf(&cf, "%s\n", *c);
        cleanup_free char *cp = vz_path_join(debian, "conffiles");
        if (write_file(cp, cf.data, cf.len, 0644, err) < 0)
            return -1;
    }

    /* pool/main/<first letter>/<name>/<name>_<version>_<arch>.deb; an epoch's
     * colon is not part of Debian file names. */
    const char *ver = strchr(p->version, ':') ? strchr(p->version, ':') + 1 : p->version;
    cleanup_free char *rel = vz_xasprintf("pool/main/%c/%s/%s_%s_%s.deb", p->name[0], p->name,
                                          p->name, ver, arch);
    cleanup_free char *deb = vz_path_join(dir, rel);
    cleanup_free char *debdir = vz_xstrdup(deb);
    *strrchr(debdir, '/') = '\0';
    if (vz_mkdir_p(debdir, 0755, err) < 0)
        return -1;
    cleanup_free char *zopt = vz_xasprintf("-Z%s", p->compress ? p->compress : "gzip");
    char *argv[] = { "dpkg-deb", "--root-owner-group", zopt, "-z1", "--build", stage, deb, NULL };
    cleanup_strv char **env = env_with_epoch();
    cleanup_buf struct vz_buf errb = VZ_BUF_INIT;
    vz_buf_init(&errb);
    struct vz_run_opts o = { .env = env, .out = &errb, .errbuf = &errb };
    if (vz_run_ok(argv, &o, err) < 0)
        return vz_error_wrap(err, "build test package %s", p->name);
    if (vz_rm_rf(stage, err) < 0)
        return -1;

    char hex[65];
    uint64_t size = 0;
    if (vz_sha256_file(deb, hex, &size, err) < 0)
        return -1;
    control_fields(index, p, arch);
    vz_buf_addf(index, "Installed-Size: %llu\n", (unsigned long long)isize);
    vz_buf_addf(index, "Filename: %s\n", rel);
    vz_buf_addf(index, "Size: %llu\n", (unsigned long long)size);
    vz_buf_addf(index, "SHA256: %s\n", hex);
    vz_buf_adds(index, DESCRIPTION);
    vz_buf_adds(index, "\n");
    return 0;
}

/* ---- index files, Release, signatures ---- */

static const char *suite_of(const struct vz_testrepo_opts *o) { return o && o->suite ? o->suite : "testing"; }
static const char *arch_of(const struct vz_testrepo_opts *o) { return o && o->arch ? o->arch : "amd64"; }
static const char *comp_of(const struct vz_testrepo_opts *o) { return o && o->component ? o->component : "main"; }

char *vz_testrepo_dists_path(const struct vz_testrepo *r, const char *file)
{
    return vz_xasprintf("%s/dists/%s/%s", r->dir, r->suite, file);
}

static int compress_to(const char *prog, const struct vz_buf *in, const char *path, vz_error_t *err)
{
    char *argv[] = { (char *)prog, "-c", "-n", NULL };
    char *xargv[] = { (char *)prog, "-c", "-T1", NULL };
    cleanup_buf struct vz_buf out = VZ_BUF_INIT;
    vz_buf_init(&out);
    struct vz_run_opts o = { .stdin_data = in->data, .stdin_len = in->len, .out = &out };
    if (vz_run_ok(strcmp(prog, "xz") == 0 ? xargv : argv, &o, err) < 0)
        return -1;
    return write_file(path, out.data, out.len, 0644, err);
}

static void rfc2822(time_t t, char *buf, size_t n)
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, n, "%a, %d %b %Y %H:%M:%S UTC", &tm);
}

/* Every component of r's suite that has indexes for r's arch, sorted, r's
 * own always among them: creating a repository twice in one directory with
 * the same suite and another component makes one suite of several
 * components, as Ubuntu's main + universe. */
static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static char **suite_components(const struct vz_testrepo *r)
{
    char **v = NULL;
    vz_strv_push(&v, r->component);
    cleanup_free char *dir = vz_xasprintf("%s/dists/%s", r->dir, r->suite);
    cleanup_dir DIR *d = opendir(dir);
    struct dirent *de;
    while (d && (de = readdir(d))) {
        if (de->d_name[0] == '.' || vz_strv_contains(v, de->d_name))
            continue;
        cleanup_free char *b = vz_xasprintf("%s/%s/binary-%s", dir, de->d_name, r->arch);
        if (vz_is_dir(b))
            vz_strv_push(&v, de->d_name);
    }
    qsort(v, vz_strv_len(v), sizeof(char *), cmp_str);
    return v;
}

int vz_testrepo_write_release(const struct vz_testrepo *r, const struct vz_testrepo_opts *opts,
                              vz_error_t *err)
{
    cleanup_buf struct vz_buf rel = VZ_BUF_INIT;
    vz_buf_init(&rel);
    char date[64], until[64];
    rfc2822(opts && opts->date ? opts->date : time(NULL), date, sizeof(date));
    vz_buf_addf(&rel, "Origin: vzforge-test\nLabel: vzforge-test\nSuite: %s\nCodename: %s\n",
                r->suite, r->suite);
    vz_buf_addf(&rel, "Date: %s\n", date);
    if (opts && opts->valid_until) {
        rfc2822(opts->valid_until, until, sizeof(until));
        vz_buf_addf(&rel, "Valid-Until: %s\n", until);
    }
    cleanup_strv char **comps = suite_components(r);
    vz_buf_addf(&rel, "Acquire-By-Hash: no\nArchitectures: %s\nComponents:", r->arch);
    for (char **c = comps; *c; c++)
        vz_buf_addf(&rel, " %s", *c);
    vz_buf_adds(&rel, "\n");
    vz_buf_adds(&rel, "Description: vzforge synthetic test repository\nSHA256:\n");
    static const char *const names[] = { "Packages", "Packages.gz", "Packages.xz" };
    for (char **c = comps; *c; c++)
        for (size_t i = 0; i < VZ_ARRAY_SIZE(names); i++) {
            cleanup_free char *relpath = vz_xasprintf("%s/binary-%s/%s", *c, r->arch, names[i]);
            cleanup_free char *path = vz_testrepo_dists_path(r, relpath);
            if (!vz_file_exists(path))
                continue;
            char hex[65];
            uint64_t size;
            if (vz_sha256_file(path, hex, &size, err) < 0)
                return -1;
            vz_buf_addf(&rel, " %s %16llu %s\n", hex, (unsigned long long)size, relpath);
        }
    cleanup_free char *rpath = vz_testrepo_dists_path(r, "Release");
    cleanup_free char *inrel = vz_testrepo_dists_path(r, "InRelease");
    cleanup_free char *gpgsig = vz_testrepo_dists_path(r, "Release.gpg");
    unlink(inrel);
    unlink(gpgsig);
    if (write_file(rpath, rel.data, rel.len, 0644, err) < 0)
        return -1;
    if (opts && opts->unsigned_repo)
        return 0;

    const struct testkey *k = get_key(0, err);
    if (k == NULL)
        return -1;
    /* a second signer: the other key's secret imported into this home */
    char *second = NULL;
    if (opts && opts->also_other_key) {
        const struct testkey *o = get_key(1, err);
        if (o == NULL || import_secret(k, o, err) < 0)
            return -1;
        second = o->fpr;
    }
    char *fpr = k->fpr;
    if (!(opts && opts->no_inrelease)) {
        char *cs[] = { "--yes", "--local-user", fpr, "--digest-algo", "SHA512", "--clearsign",
                       "--output", inrel, rpath, NULL, NULL, NULL };
        if (second) {
            memmove(cs + 5, cs + 3, 6 * sizeof(char *));
            cs[3] = "--local-user";
            cs[4] = second;
        }
        if (gpg(k, cs, NULL, err) < 0)
            return -1;
    }
    char *ds[] = { "--yes", "--local-user", fpr, "--digest-algo", "SHA512", "--armor",
                   "--detach-sign", "--output", gpgsig, rpath, NULL, NULL, NULL };
    if (second) {
        memmove(ds + 5, ds + 3, 7 * sizeof(char *));
        ds[3] = "--local-user";
        ds[4] = second;
    }
    return gpg(k, ds, NULL, err);
}

int vz_testrepo_create(const char *dir, const struct vz_testpkg *pkgs, size_t n,
                       const struct vz_testrepo_opts *opts, struct vz_testrepo *out,
                       vz_error_t *err)
{
    memset(out, 0, sizeof(*out));
    if (pkgs == NULL)
        pkgs = vz_testrepo_default_pkgs(&n);
    if (vz_mkdir_p(dir, 0755, err) < 0)
        return -1;
    out->dir = realpath(dir, NULL);
    if (out->dir == NULL)
        return vz_error_sys(err, "realpath %s", dir);
    out->url = vz_xasprintf("file://%s", out->dir);
    out->keyring = vz_path_join(out->dir, "keyring.gpg");
    out->suite = vz_xstrdup(suite_of(opts));
    out->arch = vz_xstrdup(arch_of(opts));
    out->component = vz_xstrdup(comp_of(opts));

    cleanup_buf struct vz_buf index = VZ_BUF_INIT;
    vz_buf_init(&index);
    for (size_t i = 0; i < n; i++)
        if (build_pkg(out->dir, &pkgs[i], out->arch, &index, err) < 0) {
            vz_error_wrap(err, "create test repository in %s", dir);
            vz_testrepo_release(out);
            return -1;
        }

    int which = opts && opts->indexes ? opts->indexes : 7;
    cleanup_free char *bdir = vz_xasprintf("%s/binary-%s", out->component, out->arch);
    cleanup_free char *bpath = vz_testrepo_dists_path(out, bdir);
    cleanup_free char *plain = vz_path_join(bpath, "Packages");
    cleanup_free char *gz = vz_path_join(bpath, "Packages.gz");
    cleanup_free char *xz = vz_path_join(bpath, "Packages.xz");
    if (vz_mkdir_p(bpath, 0755, err) < 0)
        goto fail;
    if ((which & 1) && write_file(plain, index.data, index.len, 0644, err) < 0)
        goto fail;
    if ((which & 2) && compress_to("gzip", &index, gz, err) < 0)
        goto fail;
    if ((which & 4) && compress_to("xz", &index, xz, err) < 0)
        goto fail;
    if (vz_testrepo_write_release(out, opts, err) < 0)
        goto fail;
    /* The keyring is written for unsigned repositories too: "signature
     * missing" must be refused even when a keyring is configured. */
    const struct testkey *k = get_key(0, err);
    if (k == NULL || vz_copy_file(k->pubring, out->keyring, err) < 0)
        goto fail;
    return 0;
fail:
    vz_error_wrap(err, "create test repository in %s", dir);
    vz_testrepo_release(out);
    return -1;
}

void vz_testrepo_release(struct vz_testrepo *r)
{
    free(r->dir);
    free(r->url);
    free(r->keyring);
    free(r->suite);
    free(r->arch);
    free(r->component);
    memset(r, 0, sizeof(*r));
}

int vz_testrepo_keyid(bool other, char out[17], vz_error_t *err)
{
    const struct testkey *k = get_key(other ? 1 : 0, err);
    if (k == NULL)
        return -1;
    size_t n = strlen(k->fpr);
    memcpy(out, k->fpr + (n >= 16 ? n - 16 : 0), 17);
    return 0;
}
