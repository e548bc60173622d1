/* tmplbuild/rpm/rpm_install.c: the plan's packages into a root with the
 * host's rpm (rpm_family.h).
 *
 * Order, each step before anything of the next touches the root:
 *  1. the templates' keys imported into the root's own rpmdb (rpmkeys
 *     --root --import), at the distribution's rpmdb path, so the root's dnf
 *     and rpm trust what the build trusted and nothing else;
 *  2. every package of a gpgcheck repository checked against those keys
 *     (rpmkeys --checksig): a header signature that is missing, by another
 *     key or bad refuses the whole install (the files already matched the
 *     primary's sha256 when they were fetched);
 *  3. one rpm transaction installs them all, rpm ordering them (Requires(pre)
 *     and Requires(post) first) and running the scriptlets chrooted
 *     (rpm_run.c), with %_pkgverify_level all so rpm checks the signatures
 *     again as it reads each package.
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tmplbuild/rpm/rpm_family.h"

/* Every component of rel under root is a real directory (the last a regular
 * file when file): an imported root is untrusted, and rpm opens the
 * database by path on the host, so a symlink would lead it out of the root. */
static bool no_links(const char *root, const char *rel, bool file)
{
    cleanup_free char *copy = vz_xstrdup(rel);
    struct vz_buf p = VZ_BUF_INIT;
    vz_buf_init(&p);
    vz_buf_adds(&p, root);
    bool ok = true;
    char *save = NULL;
    for (char *c = strtok_r(copy, "/", &save); c && ok; c = strtok_r(NULL, "/", &save)) {
        vz_buf_addf(&p, "/%s", c);
        struct stat st;
        bool last = save == NULL || *save == '\0';
        ok = lstat(p.data, &st) == 0 && (last && file ? S_ISREG(st.st_mode) : S_ISDIR(st.st_mode));
    }
    vz_buf_release(&p);
    return ok;
}

const char *vz_rpm_find_db(const char *root)
{
    static const char *const places[] = { "usr/lib/sysimage/rpm", "var/lib/rpm" };
    static const char *const files[] = { "rpmdb.sqlite", "Packages", "Packages.db" };
    for (size_t i = 0; i < VZ_ARRAY_SIZE(places); i++)
        for (size_t j = 0; j < VZ_ARRAY_SIZE(files); j++) {
            cleanup_free char *rel = vz_xasprintf("%s/%s", places[i], files[j]);
            if (no_links(root, rel, true))
                return places[i];
        }
    return NULL;
}

char *vz_rpm_host_tool(const char *name, vz_error_t *err)
{
    char *p = vz_which(name);
    if (p == NULL)
        vz_error_set(err, VZ_EFAIL, 0,
                     "family rpm needs the host's %s (Debian package rpm): apt-get install rpm",
                     name);
    return p;
}

static char **base_env(const struct vz_template *t)
{
    char **env = NULL;
    /* HOME nowhere: the host's ~/.rpmmacros must not steer the build */
    vz_strv_push(&env, "PATH=/usr/sbin:/usr/bin:/sbin:/bin");
    vz_strv_push(&env, "HOME=/nonexistent");
    for (char **e = t->environment; e && *e; e++)
        vz_env_put(&env, *e);
    return env;
}

/* Run one rpm command; a failure quotes the end of its output. */
static int rpm_cmd(const char *root, char **argv, char **env, const char *what, vz_error_t *err)
{
    cleanup_buf struct vz_buf out = VZ_BUF_INIT;
    vz_buf_init(&out);
    int st = 0;
    if (vz_rpm_run(root, argv, env, &out, &st, err) < 0)
        return -1;
    vz_debug("%s:\n%s", what, out.data ? out.data : "");
    if (st == 0)
        return 0;
    const char *tail = out.data ? out.data : "";
    if (out.len > 2000)
        tail = out.data + out.len - 2000;
    return vz_error_set(err, VZ_EBUILD, 0, "%s failed (exit %d):\n%s", what, st, tail);
}

static int import_keys(const struct vz_family_install *in, const char *rpmkeys, char **env,
                       vz_error_t *err)
{
    const struct vz_template *t = in->t;
    for (size_t i = 0; i < t->n_repos; i++) {
        const char *k = t->repos[i].keyring;
        bool seen = false;
        for (size_t j = 0; j < i; j++)
            seen |= t->repos[j].keyring && k && strcmp(t->repos[j].keyring, k) == 0;
        if (k == NULL || seen)
            continue;
        if (access(k, R_OK) < 0)
            return vz_error_set(err, VZ_EVERIFY, errno, "gpgkey %s of repository %s: %s", k,
                                t->repos[i].name, strerror(errno));
        char *argv[] = { (char *)rpmkeys, "--root", (char *)in->root, "--dbpath", t->rpmdb,
                         "--import", (char *)k, NULL };
        cleanup_free char *what = vz_xasprintf("rpmkeys --import %s", k);
        if (rpm_cmd(in->root, argv, env, what, err) < 0)
            return -1;
    }
    return 0;
}

/* Every package of a gpgcheck repository must say "signatures OK". */
static int check_signatures(const struct vz_family_install *in, const char *rpmkeys, char **env,
                            vz_error_t *err)
{
    const struct vz_plan *plan = in->plan;
    char **argv = NULL;
    vz_strv_push(&argv, rpmkeys);
    vz_strv_push(&argv, "--root");
    vz_strv_push(&argv, in->root);
    vz_strv_push(&argv, "--dbpath");
    vz_strv_push(&argv, in->t->rpmdb);
    vz_strv_push(&argv, "--checksig");
    vz_strv_push(&argv, "--");
    size_t n = 0;
    for (size_t i = 0; i < plan->n; i++)
        if (plan->pkgs[i].repo && plan->pkgs[i].repo->gpgcheck) {
            vz_strv_push(&argv, in->files[i]);
            n++;
        }
    int ret = 0;
    if (n > 0) {
        cleanup_buf struct vz_buf out = VZ_BUF_INIT;
        vz_buf_init(&out);
        int st = 0;
        ret = vz_rpm_run(in->root, argv, env, &out, &st, err);
        for (size_t i = 0; ret == 0 && i < plan->n; i++) {
            if (!(plan->pkgs[i].repo && plan->pkgs[i].repo->gpgcheck))
                continue;
            cleanup_free char *head = vz_xasprintf("%s: ", in->files[i]);
            const char *l = out.data ? strstr(out.data, head) : NULL;
            size_t len = l ? strcspn(l, "\n") : 0;
            cleanup_free char *line = l ? vz_xasprintf("%.*s", (int)len, l + strlen(head)) : NULL;
            if (line && strstr(line, "signatures OK") && !strstr(line, "NOT OK"))
                continue;
            ret = vz_error_set(err, VZ_EVERIFY, 0,
                               "package %s %s (%s, repository %s): its header signature does not "
                               "verify against the repository's gpgkey %s (rpmkeys: %s); nothing "
                               "was installed", plan->pkgs[i].name, plan->pkgs[i].version,
                               plan->pkgs[i].filename, plan->pkgs[i].repo->name,
                               plan->pkgs[i].repo->keyring, line ? line : "no verdict");
        }
        if (ret == 0 && st != 0)
            ret = vz_error_set(err, VZ_EVERIFY, 0, "rpmkeys --checksig failed (exit %d): %s", st,
                               out.data ? out.data : "");
    }
    vz_strv_free(argv);
    return ret;
}

int vz_rpm_install(const struct vz_family_install *in, struct vz_install_timings *tm,
                   vz_error_t *err)
{
    const struct vz_template *t = in->t;
    const struct vz_plan *plan = in->plan;
    if (t->rpmdb == NULL)
        return vz_error_set(err, VZ_EMETADATA, 0, "%s: no rpmdb", t->name);
    cleanup_free char *rpm = vz_rpm_host_tool("rpm", err);
    if (rpm == NULL)
        return -1;
    cleanup_free char *rpmkeys = vz_rpm_host_tool("rpmkeys", err);
    if (rpmkeys == NULL)
        return -1;
    cleanup_free char *db = vz_path_join(in->root, t->rpmdb);
    if (vz_mkdir_p(db, 0755, err) < 0 || vz_rpm_root_dev_prepare(in->root, err) < 0)
        return -1;
    char **env = base_env(t);
    char **argv = NULL;
    int ret = -1;
    /* declared before the first goto: the cleanup runs on every path */
    cleanup_free char *what = NULL;
    double t0 = vz_now();
    if (import_keys(in, rpmkeys, env, err) < 0 || check_signatures(in, rpmkeys, env, err) < 0)
        goto out;
    double t1 = vz_now();

    bool all_signed = true;
    for (size_t i = 0; i < plan->n; i++)
        all_signed &= plan->pkgs[i].repo && plan->pkgs[i].repo->gpgcheck;
    vz_strv_push(&argv, rpm);
    vz_strv_push(&argv, "--root");
    vz_strv_push(&argv, in->root);
    vz_strv_push(&argv, "--dbpath");
    vz_strv_push(&argv, t->rpmdb);
    /* the target's database format (EL 9, Fedora), whatever the host's default */
    vz_strv_push(&argv, "--define");
    vz_strv_push(&argv, "_db_backend sqlite");
    vz_strv_push(&argv, "--define");
    vz_strv_push(&argv, all_signed ? "_pkgverify_level all" : "_pkgverify_level digest");
    /* the host's plugins (selinux, systemd inhibit, ...) are the host's business */
    vz_strv_push(&argv, "--noplugins");
    /* the solver chose the architectures; rpm would compare with the host's */
    vz_strv_push(&argv, "--ignorearch");
    vz_strv_push(&argv, "--install");
    vz_strv_push(&argv, "--");
    for (size_t i = 0; i < plan->n; i++)
        vz_strv_push(&argv, in->files[i]);
    what = vz_xasprintf("rpm --install of %zu packages", plan->n);
    if (rpm_cmd(in->root, argv, env, what, err) < 0)
        goto out;
    if (tm) {
        tm->scripts = t1 - t0;
        tm->configure = vz_now() - t1;
        tm->packages = plan->n;
    }
    ret = 0;
out:
    vz_rpm_root_dev_release(in->root);
    vz_strv_free(argv);
    vz_strv_free(env);
    return ret;
}
