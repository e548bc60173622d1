/* tmplbuild/rpm/rpm_table.c: the rpm family's table (tmplbuild/family.h).
 *
 * Repositories: rpm_repo.c; install: rpm_install.c and rpm_run.c. Here:
 * the base set (a comps group, as dnf's `group install`), the read-back of
 * the root's rpmdb and the clean-up of a finished root.
 */
#include <dirent.h>
#include <errno.h>
#include <string.h>

#include <solv/pool.h>
#include <solv/repo.h>
#include <solv/solvable.h>

#include "tmplbuild/build.h"
#include "tmplbuild/rpm/rpm_family.h"

/* The base set: the mandatory and default packages of t->base_group (comps
 * "group:<id>"; libsolv keeps mandatory ones as its requires, default ones
 * as its recommends), less t->excludes. rpm_repo.c made sure the group is
 * there. */
static void rpm_base_set(Pool *pool, const struct vz_template *t, Queue *names)
{
    if (t->base_group == NULL)
        return;
    cleanup_free char *g = vz_xasprintf("group:%s", t->base_group);
    Id gid = pool_str2id(pool, g, 0);
    for (Id p = 2; gid && p < pool->nsolvables; p++) {
        Solvable *s = pool->solvables + p;
        if (s->repo == NULL || s->name != gid)
            continue;
        Queue q;
        queue_init(&q);
        solvable_lookup_deparray(s, SOLVABLE_REQUIRES, &q, -1);
        solvable_lookup_deparray(s, SOLVABLE_RECOMMENDS, &q, -1);
        for (int i = 0; i < q.count; i++) {
            Id d = q.elements[i];
            if (ISRELDEP(d) || vz_strv_contains(t->excludes, pool_id2str(pool, d)))
                continue;
            queue_pushunique(names, d);
        }
        queue_free(&q);
        return; /* the first repository's group, as dnf merges them: enough here */
    }
}

/* dnf leaves choices among providers to libsolv's policy: nothing to add. */
static void rpm_prefer(Pool *pool, const struct vz_template *t, Queue *job)
{
    (void)pool;
    (void)t;
    (void)job;
}

static int rpm_read_installed(const char *root, struct vz_manifest *m, vz_error_t *err)
{
    const char *db = vz_rpm_find_db(root);
    if (db == NULL)
        return vz_error_set(err, VZ_ESYSTEM, ENOENT, "%s has no rpm database", root);
    cleanup_free char *rpm = vz_rpm_host_tool("rpm", err);
    if (rpm == NULL)
        return -1;
    cleanup_free char *dbpath = vz_xasprintf("/%s", db);
    char *argv[] = { rpm, "--root", (char *)root, "--dbpath", dbpath, "--define",
                     "_db_backend sqlite", "--query", "--all", "--queryformat",
                     "%{NAME}\\t%|EPOCH?{%{EPOCH}:}:{}|%{VERSION}-%{RELEASE}\\t%{ARCH}\\n", NULL };
    cleanup_buf struct vz_buf out = VZ_BUF_INIT;
    vz_buf_init(&out);
    if (vz_run_ok(argv, &(struct vz_run_opts){ .out = &out }, err) < 0)
        return vz_error_wrap(err, "read the rpm database of %s", root);
    for (char *l = out.data, *nl; l && *l; l = nl + 1) {
        nl = strchr(l, '\n');
        if (nl == NULL)
            nl = l + strlen(l) - 1;
        else
            *nl = '\0';
        char *f[3] = { l, NULL, NULL };
        for (int i = 1; i < 3 && f[i - 1]; i++) {
            char *tab = strchr(f[i - 1], '\t');
            if (tab)
                *tab = '\0';
            f[i] = tab ? tab + 1 : NULL;
        }
        /* imported keys are rpmdb entries, not packages */
        if (f[2] == NULL || strcmp(f[0], "gpg-pubkey") == 0)
            continue;
        vz_manifest_add_pkg(m, f[0], f[1], f[2], "", 0);
    }
    return 0;
}

/* etc/yum.repos.d/ gets the template's repositories when no package put a
 * .repo file there (a distribution's release package ships its own, which
 * is kept). The keys go to etc/pki/rpm-gpg/. */
static int write_repo_file(const char *root, const struct vz_template *t, vz_error_t *err)
{
    cleanup_free char *dir = vz_path_join(root, "etc/yum.repos.d");
    if (!vz_is_dir(dir))
        return 0;
    cleanup_dir DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        if (strlen(e->d_name) > 5 && vz_str_ends_with(e->d_name, ".repo"))
            return 0;
    }
    struct vz_buf b = VZ_BUF_INIT;
    vz_buf_init(&b);
    for (size_t i = 0; i < t->n_repos; i++) {
        const struct vz_repo_def *r = &t->repos[i];
        /* the root's dnf uses the metalink (and checks repomd.xml by it), as
         * the distribution's own .repo files do */
        const char *src = r->metalink ? "metalink" : r->mirrorlist ? "mirrorlist" : "baseurl";
        const char *url = r->metalink ? r->metalink : r->mirrorlist ? r->mirrorlist : r->uris[0];
        vz_buf_addf(&b, "[%s]\nname=%s %s\n%s=%s\ngpgcheck=%d\nrepo_gpgcheck=%d\n",
                    r->name, t->name, r->name, src, url, r->gpgcheck, r->repo_gpgcheck);
        if (r->keyring) {
            const char *base = strrchr(r->keyring, '/');
            base = base ? base + 1 : r->keyring;
            cleanup_free char *kdir = vz_path_join(root, "etc/pki/rpm-gpg");
            cleanup_free char *kp = vz_path_join(kdir, base);
            cleanup_free char *key = NULL;
            size_t klen = 0;
            if (vz_mkdir_p(kdir, 0755, err) < 0 || vz_read_file(r->keyring, &key, &klen, err) < 0 ||
                vz_atomic_write(kp, key, klen, 0644, err) < 0) {
                vz_buf_release(&b);
                return -1;
            }
            vz_buf_addf(&b, "gpgkey=file:///etc/pki/rpm-gpg/%s\n", base);
        }
        vz_buf_adds(&b, "\n");
    }
    cleanup_free char *p = vz_path_join(dir, "vzforge.repo");
    int r = vz_atomic_write(p, b.data, b.len, 0644, err);
    vz_buf_release(&b);
    return r;
}

static int rpm_cleanup(const char *root, const struct vz_template *t, vz_error_t *err)
{
    static const char *const gone[] = { "var/cache/dnf", "var/cache/yum", "var/log/dnf.log",
                                        "var/log/dnf.librepo.log", "var/log/dnf.rpm.log",
                                        "var/log/hawkey.log", "var/lib/rpm/.rpm.lock",
                                        "usr/lib/sysimage/rpm/.rpm.lock" };
    for (size_t i = 0; i < VZ_ARRAY_SIZE(gone); i++) {
        cleanup_free char *p = vz_path_join(root, gone[i]);
        if (vz_rm_rf(p, err) < 0)
            return -1;
    }
    if (t && write_repo_file(root, t, err) < 0)
        return -1;
    /* identity files, /tmp: as for every family */
    return vz_build_cleanup_root(root, NULL, err);
}

const struct vz_family vz_family_rpm = {
    .name = "rpm",
    .disttype = DISTTYPE_RPM,
    .repo_load = vz_rpm_repo_load,
    .served_current = vz_rpm_served_current,
    .base_set = rpm_base_set,
    .prefer = rpm_prefer,
    .fetch = vz_fetch_plan,
    .install = vz_rpm_install,
    .read_installed = rpm_read_installed,
    .cleanup = rpm_cleanup,
};
