/* tmplbuild/deb/install.c: order of work for installing .debs into a root (see install.h). */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tmplbuild/deb/dpkgdb.h"
#include "tmplbuild/deb/helper_shim.h"
#include "tmplbuild/deb/install.h"
#include "tmplbuild/deb/overlap.h"
#include "tmplbuild/deb/debimage.h"
#include "tmplbuild/deb/predecode.h"
#include "tmplbuild/deb/recode.h"
#include "tmplbuild/deb/unpack.h"

struct inst {
    const struct vz_install_opts *o;
    struct vz_unpack_root ur;
    struct vz_deb_info **info; /* per package, plan order */
    bool *early;               /* essential closure */
    bool *preinst_after;       /* unpacked before its preinst could run (no shell yet) */
    bool *done, *visiting;     /* unpacked; being handled (install_one) */
    struct vz_deb_info **late; /* packages unpacked one by one, for their triggers */
    char *dpkg_version;        /* of the dpkg package being installed, or NULL */
    unsigned *seq;             /* unpack wave of each package (overlap.h) */
    unsigned wave;
    struct vz_deb_info **reg;  /* registered (unpacked) packages, NULL for the others */
    bool has_dpkg;             /* the root has usr/bin/dpkg (decided once the essential set is in) */
    bool *configured;
    bool essential_configured;
    double t_configure, c_configure; /* wall and CPU seconds in configure() */
    struct vz_predecode *pre;  /* the serial phase's data.tar decoded ahead, or NULL */
    bool shim;                 /* helper_shim.h's shim is in the root (first in PATH) */
    const char *const *originals; /* with o->recode: the package files whose copies
                                   * o->debs may name (recode.h) */
};

/* Name the package of a failing .deb (package cache files are named by hash). */
static int wrap_label(struct inst *s, size_t i, vz_error_t *err)
{
    if (s->o->labels && s->o->labels[i])
        return vz_error_wrap(err, "package %s", s->o->labels[i]);
    return -1;
}

static void set_priority(struct inst *s, size_t i)
{
    const char *p = s->o->priorities ? s->o->priorities[i] : NULL;
    if (p && s->info[i] && !s->info[i]->priority)
        s->info[i]->priority = vz_xstrdup(p);
}

/* ---- dependency closure of the essential set ---- */

static ssize_t find_pkg(struct inst *s, const char *name, size_t len)
{
    for (size_t i = 0; i < s->o->n; i++)
        if (strlen(s->info[i]->package) == len && strncmp(s->info[i]->package, name, len) == 0)
            return (ssize_t)i;
    /* a virtual name: the first package that Provides it */
    for (size_t i = 0; i < s->o->n; i++) {
        cleanup_free char *prov = vz_deb_field(s->info[i]->control, "Provides");
        for (char *p = prov; p && *p;) {
            while (*p == ' ' || *p == ',')
                p++;
            size_t n = strcspn(p, " ,(:");
            if (n == len && strncmp(p, name, len) == 0)
                return (ssize_t)i;
            p += strcspn(p, ",");
        }
    }
    return -1;
}

static void mark_closure(struct inst *s, size_t i, bool *set);

/* Mark what field `fields` of package i name (the first alternative in the
 * plan), with their closures. */
static void mark_deps(struct inst *s, size_t i, const char *const *fields, size_t nf, bool *set)
{
    for (size_t f = 0; f < nf; f++) {
        cleanup_free char *deps = vz_deb_field(s->info[i]->control, fields[f]);
        for (char *p = deps; p && *p;) {
            /* one "a (>= 1) | b" group: the first alternative that is in the set */
            size_t glen = strcspn(p, ",");
            char *alt = p;
            while (alt < p + glen) {
                while (*alt == ' ' || *alt == '|' || *alt == '\n')
                    alt++;
                size_t n = strcspn(alt, " ,|(:\n");
                ssize_t k = n ? find_pkg(s, alt, n) : -1;
                if (k >= 0) {
                    mark_closure(s, (size_t)k, set);
                    break;
                }
                alt += strcspn(alt, "|,");
            }
            p += glen;
            if (*p == ',')
                p++;
        }
    }
}

/* Mark i and everything it Pre-Depends/Depends on (transitively) in set. */
static void mark_closure(struct inst *s, size_t i, bool *set)
{
    static const char *const fields[] = { "Pre-Depends", "Depends" };
    if (set[i])
        return;
    set[i] = true;
    mark_deps(s, i, fields, 2, set);
}

/* ---- parallel unpack ---- */

struct pool {
    struct inst *s;
    size_t *order; /* indices to unpack, biggest first */
    size_t n;
    atomic_size_t next;
    atomic_int failed;
    pthread_mutex_t lock;
    vz_error_t err;
    pthread_t main;          /* only this thread draws the progress line */
    struct vz_progress prog;
    atomic_size_t done_items;
    atomic_uint_least64_t done_bytes;
    off_t *size;             /* .deb sizes, per package index */
};

static void *worker(void *arg)
{
    struct pool *p = arg;
    for (;;) {
        size_t k = atomic_fetch_add(&p->next, 1);
        if (k >= p->n || atomic_load(&p->failed))
            return NULL;
        size_t i = p->order[k];
        struct vz_deb_info *full = NULL;
        vz_error_t err = NULL;
        int r;
        const char *deb = p->s->o->debs[i];
        if (p->s->o->recode && strcmp(deb, p->s->originals[i]) == 0) {
            /* no copy yet: unpack from the decoded image, then encode the
             * copy from it (recode.h) */
            size_t len = 0;
            void *img = vz_deb_image(deb, &len);
            r = vz_unpack_deb_image(&p->s->ur, deb, img, len, &full, &err);
            if (r == 0 && img)
                vz_recode_write_part(deb, img, len, getpid());
            free(img);
        } else {
            r = vz_unpack_deb(&p->s->ur, deb, &full, &err);
        }
        if (r < 0) {
            wrap_label(p->s, i, &err);
            pthread_mutex_lock(&p->lock);
            if (!p->err)
                p->err = err;
            else
                vz_error_release(&err);
            atomic_store(&p->failed, 1);
            pthread_mutex_unlock(&p->lock);
            return NULL;
        }
        vz_deb_info_free(p->s->info[i]);
        p->s->info[i] = full;
        set_priority(p->s, i);
        atomic_fetch_add(&p->done_items, 1);
        atomic_fetch_add(&p->done_bytes, (uint64_t)p->size[i]);
        if (pthread_equal(pthread_self(), p->main))
            vz_progress_update(&p->prog, atomic_load(&p->done_items),
                               atomic_load(&p->done_bytes));
    }
}

static off_t file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? st.st_size : 0;
}

static int unpack_parallel(struct inst *s, const bool *which, vz_error_t *err)
{
    struct pool p = { .s = s };
    pthread_mutex_init(&p.lock, NULL);
    p.order = vz_xcalloc(s->o->n + 1, sizeof(size_t));
    off_t *sz = vz_xcalloc(s->o->n + 1, sizeof(off_t));
    for (size_t i = 0; i < s->o->n; i++)
        if (which[i]) {
            sz[i] = file_size(s->o->debs[i]);
            /* insertion sort, biggest first, so the long xz streams start early */
            size_t k = p.n++;
            while (k > 0 && sz[p.order[k - 1]] < sz[i]) {
                p.order[k] = p.order[k - 1];
                k--;
            }
            p.order[k] = i;
        }
    uint64_t total = 0;
    for (size_t k = 0; k < p.n; k++)
        total += (uint64_t)sz[p.order[k]];
    p.size = sz;
    p.main = pthread_self();
    if (p.n)
        vz_progress_start(&p.prog, "unpack", p.n, total);
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    int jobs = s->o->jobs > 0 ? s->o->jobs : (int)(cpus > 0 ? cpus : 1);
    if ((size_t)jobs > p.n)
        jobs = (int)(p.n ? p.n : 1);
    pthread_t *t = vz_xcalloc((size_t)jobs, sizeof(pthread_t));
    int started = 0;
    for (int j = 1; j < jobs; j++) {
        if (pthread_create(&t[j], NULL, worker, &p) != 0)
            break;
        started++;
    }
    worker(&p);
    for (int j = 1; j <= started; j++)
        pthread_join(t[j], NULL);
    if (p.n && !p.err) {
        vz_progress_update(&p.prog, atomic_load(&p.done_items), atomic_load(&p.done_bytes));
        vz_progress_done(&p.prog);
    }
    free(t);
    free(sz);
    free(p.order);
    pthread_mutex_destroy(&p.lock);
    if (p.err) {
        *err = p.err;
        return -1;
    }
    return 0;
}

/* ---- scripts ---- */

static char **script_env(struct inst *s, const struct vz_deb_info *info, const char *script)
{
    char **env = NULL;
    vz_strv_push(&env, s->shim ? "PATH=" VZ_HELPER_SHIM_DIR
                                 ":/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
                               : "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    vz_strv_push(&env, "HOME=/root");
    vz_strv_push(&env, "LC_ALL=C");
    vz_strv_push(&env, "DEBIAN_FRONTEND=noninteractive");
    vz_strv_push(&env, "DEBCONF_NONINTERACTIVE_SEEN=true");
    if (info) {
        char *v = vz_xasprintf("DPKG_MAINTSCRIPT_PACKAGE=%s", info->package);
        vz_strv_push(&env, v);
        free(v);
        v = vz_xasprintf("DPKG_MAINTSCRIPT_NAME=%s", script);
        vz_strv_push(&env, v);
        free(v);
        v = vz_xasprintf("DPKG_MAINTSCRIPT_ARCH=%s", info->arch);
        vz_strv_push(&env, v);
        free(v);
        vz_strv_push(&env, "DPKG_MAINTSCRIPT_PACKAGE_REFCOUNT=1");
        vz_strv_push(&env, "DPKG_MAINTSCRIPT_DEBUG=0");
        vz_strv_push(&env, "DPKG_FORCE=security-mac,downgrade");
        vz_strv_push(&env, "DPKG_ROOT=");
        vz_strv_push(&env, "DPKG_ADMINDIR=/var/lib/dpkg");
        if (s->dpkg_version) {
            v = vz_xasprintf("DPKG_RUNNING_VERSION=%s", s->dpkg_version);
            vz_strv_push(&env, v);
            free(v);
        }
    }
    for (char *const *e = s->o->environment; e && *e; e++)
        vz_env_put(&env, *e);
    return env;
}

static int run_in_root(struct inst *s, char *const argv[], char **env, const char *what,
                       vz_error_t *err)
{
    cleanup_buf struct vz_buf out = VZ_BUF_INIT;
    vz_buf_init(&out);
    int status = -1;
    double t0 = vz_now();
    int r = s->o->runner->run(s->o->runner->ctx, s->ur.root, argv, env, &out, &status, err);
    vz_debug("%s: %.3f s", what, vz_now() - t0);
    if (r < 0)
        return vz_error_wrap(err, "%s", what);
    if (out.len)
        vz_debug("%s:\n%s", what, out.data);
    if (status != 0) {
        const char *tail = out.len > 3000 ? out.data + out.len - 3000 : out.data;
        return vz_error_set(err, VZ_EBUILD, 0, "%s failed with exit status %d%s%s", what, status,
                            out.len ? "; its output:\n" : " (no output)", tail);
    }
    return 0;
}

static int run_script(struct inst *s, const struct vz_deb_info *info, const char *script,
                      const char *arg1, const char *arg2, vz_error_t *err)
{
    if (!vz_deb_member(info, script))
        return 0;
    cleanup_free char *name = vz_deb_infoname(info);
    cleanup_free char *path = NULL;
    cleanup_free char *ci = vz_path_join(s->ur.root, "var/lib/dpkg/tmp.ci");
    bool from_ci = strcmp(script, "preinst") == 0;
    if (from_ci) {
        /* as dpkg: the new package's control area is extracted to tmp.ci and
         * its preinst runs from there, before anything is registered */
        if (vz_rm_rf(ci, err) < 0 || vz_mkdir_p(ci, 0755, err) < 0)
            return -1;
        cleanup_free char *ctl = vz_path_join(ci, "control");
        if (vz_write_plain(ctl, info->control, strlen(info->control), 0644, err) < 0)
            return -1;
        for (size_t i = 0; i < info->n_members; i++) {
            const struct vz_deb_member *m = &info->members[i];
            cleanup_free char *p = vz_path_join(ci, m->name);
            if (vz_write_plain(p, m->data, m->len, m->mode & 07777, err) < 0)
                return -1;
        }
        path = vz_xasprintf("/var/lib/dpkg/tmp.ci/%s", script);
    } else {
        path = vz_xasprintf("/var/lib/dpkg/info/%s.%s", name, script);
    }
    char *argv[] = { path, (char *)arg1, (char *)arg2, NULL };
    cleanup_strv char **env = script_env(s, info, script);
    cleanup_free char *what = vz_xasprintf("%s %s script (%s %s)", info->package, script, script,
                                           arg1);
    int r = run_in_root(s, argv, env, what, err);
    if (from_ci && r == 0 && vz_rm_rf(ci, err) < 0)
        return -1;
    return r;
}

/* ---- configure ---- */

/* dpkg --configure of the packages marked in `only`, or -a when NULL. */
static int configure_with_dpkg(struct inst *s, const bool *only, vz_error_t *err)
{
    cleanup_free char *rc = vz_path_join(s->ur.root, "usr/sbin/policy-rc.d");
    cleanup_free char *saved = vz_path_join(s->ur.root, "usr/sbin/policy-rc.d.vz-saved");
    bool had = access(rc, F_OK) == 0 || errno != ENOENT;
    if (had && rename(rc, saved) < 0)
        return vz_error_sys(err, "move aside %s", rc);
    static const char policy[] = "#!/bin/sh\n# vzforge build: start no daemons\nexit 101\n";
    int ret = vz_write_plain(rc, policy, sizeof(policy) - 1, 0755, err);
    if (ret == 0) {
        cleanup_strv char **argv = NULL;
        vz_strv_push(&argv, "/usr/bin/dpkg");
        vz_strv_push(&argv, "--force-unsafe-io");
        vz_strv_push(&argv, "--configure");
        if (!only)
            vz_strv_push(&argv, "-a");
        for (size_t i = 0; only && i < s->o->n; i++)
            if (only[i]) {
                cleanup_free char *name = vz_deb_infoname(s->info[i]);
                vz_strv_push(&argv, name);
            }
        cleanup_strv char **env = script_env(s, NULL, NULL);
        ret = run_in_root(s, argv, env,
                          only ? "dpkg --configure (essential set)" : "dpkg --configure -a", err);
    }
    if (unlink(rc) < 0 && errno != ENOENT && ret == 0)
        ret = vz_error_sys(err, "remove %s", rc);
    if (had && rename(saved, rc) < 0 && ret == 0)
        ret = vz_error_sys(err, "restore %s", rc);
    return ret;
}

/* dpkg's configure step for a new install: conffiles into place, then
 * "postinst configure ''". */
static int configure_one(struct inst *s, const struct vz_deb_info *info, vz_error_t *err)
{
    const struct vz_deb_member *m = vz_deb_member(info, "conffiles");
    cleanup_free char *copy = m ? vz_xstrdup(m->data) : NULL;
    char *save = NULL;
    for (char *l = copy ? strtok_r(copy, "\n", &save) : NULL; l; l = strtok_r(NULL, "\n", &save)) {
        while (*l == ' ' || *l == '\t')
            l++;
        if (*l != '/')
            continue;
        l[strcspn(l, " \r")] = '\0';
        cleanup_free char *dst = vz_unpack_path(&s->ur, l, info->package);
        cleanup_free char *src = vz_xasprintf("%s.dpkg-new", dst);
        if (rename(src, dst) < 0 && errno != ENOENT)
            return vz_error_sys(err, "%s: install conffile %s", info->package, l);
    }
    return run_script(s, info, "postinst", "configure", "", err);
}

static int configure_builtin(struct inst *s, const bool *only, vz_error_t *err)
{
    for (size_t i = 0; i < s->o->n; i++) {
        if (s->configured[i] || (only && !only[i]))
            continue;
        if (configure_one(s, s->info[i], err) < 0)
            return -1;
        s->configured[i] = true;
    }
    return vz_dpkgdb_write_status_installed(s->ur.root, s->reg, s->configured, s->o->n, err);
}

static int configure(struct inst *s, const bool *only, vz_error_t *err)
{
    double t0 = vz_now(), c0 = vz_cpu_now();
    int r = s->has_dpkg ? configure_with_dpkg(s, only, err) : configure_builtin(s, only, err);
    s->t_configure += vz_now() - t0;
    s->c_configure += vz_cpu_now() - c0;
    return r;
}

/* The essential set is configured before any other package's preinst runs,
 * as debootstrap and mmdebstrap install it first: later preinsts may use it
 * (Pre-Depends on essential packages are implicit). Once every package of
 * the set is unpacked. */
static int configure_essential(struct inst *s, const bool *done, vz_error_t *err)
{
    if (s->essential_configured)
        return 0;
    bool any = false;
    for (size_t i = 0; i < s->o->n; i++) {
        if (s->early[i] && !done[i])
            return 0;
        any = any || s->early[i];
    }
    s->essential_configured = true;
    if (!any)
        return 0;
    if (configure(s, s->early, err) < 0)
        return -1;
    for (size_t i = 0; i < s->o->n; i++)
        s->configured[i] = s->configured[i] || s->early[i];
    return 0;
}

static bool shell_works(struct inst *s)
{
    char *argv[] = { "/bin/sh", "-c", "exit 0", NULL };
    cleanup_strv char **env = script_env(s, NULL, NULL);
    cleanup_buf struct vz_buf out = VZ_BUF_INIT;
    vz_buf_init(&out);
    int status = -1;
    vz_error_t err = NULL;
    if (s->o->runner->run(s->o->runner->ctx, s->ur.root, argv, env, &out, &status, &err) < 0) {
        vz_debug("no shell yet: %s", err->msg);
        vz_error_release(&err);
        return false;
    }
    return status == 0;
}

/* Unpack the packages marked in `which` in parallel and register them. */
static int unpack_wave(struct inst *s, const bool *which, bool *done, struct vz_deb_info **reg,
                       vz_error_t *err)
{
    if (unpack_parallel(s, which, err) < 0 ||
        vz_overlap_settle_dirs(&s->ur, s->info, which, s->o->n, err) < 0)
        return -1;
    s->wave++;
    for (size_t i = 0; i < s->o->n; i++)
        if (which[i]) {
            s->seq[i] = s->wave;
            done[i] = true;
            reg[i] = s->info[i];
            if (vz_dpkgdb_write_info(s->ur.root, reg[i], err) < 0)
                return -1;
        }
    return vz_dpkgdb_write_status(s->ur.root, reg, s->o->n, "install ok unpacked", err);
}

/* dpkg's unpack of one package: what it Pre-Depends on first (libsolv's
 * order usually has it so already; inside the essential set's dependency
 * cycles it may not), then its preinst from the control area, then its
 * files, then its registration. */
static int install_one(struct inst *s, size_t i, vz_error_t *err)
{
    const struct vz_install_opts *o = s->o;
    if (s->done[i] || s->visiting[i])
        return 0;
    s->visiting[i] = true;
    static const char *const pre[] = { "Pre-Depends" };
    cleanup_free bool *need = vz_xcalloc(o->n + 1, sizeof(bool));
    mark_deps(s, i, pre, 1, need);
    for (size_t k = 0; k < o->n; k++)
        if (need[k] && k != i && install_one(s, k, err) < 0)
            return -1;
    if (!s->early[i] && configure_essential(s, s->done, err) < 0)
        return -1;
    if (run_script(s, s->info[i], "preinst", "install", NULL, err) < 0 ||
        vz_unpack_load_diversions(&s->ur, err) < 0)
        return -1;
    struct vz_deb_info *full = NULL;
    double tu = vz_now();
    size_t len = 0;
    void *image = s->pre ? vz_predecode_take(s->pre, i, &len) : NULL;
    int r = vz_unpack_deb_image(&s->ur, o->debs[i], image, len, &full, err);
    free(image);
    if (r < 0)
        return wrap_label(s, i, err);
    vz_debug("unpack %s: %.3f s%s", full->package, vz_now() - tu, image ? " (decoded ahead)" : "");
    vz_deb_info_free(s->info[i]);
    s->info[i] = s->reg[i] = full;
    set_priority(s, i);
    s->seq[i] = ++s->wave;
    s->done[i] = true;
    s->late[i] = full;
    /* once dpkg has configured packages the status file is its own:
     * a new package's stanza is appended, never the whole file rewritten */
    r = s->essential_configured
            ? vz_dpkgdb_append_status(s->ur.root, full, "install ok unpacked", err)
            : vz_dpkgdb_write_status(s->ur.root, s->reg, o->n, "install ok unpacked", err);
    if (r < 0 || vz_dpkgdb_write_info(s->ur.root, full, err) < 0)
        return -1;
    return 0;
}

/* ---- the whole install ---- */

/* Budget of the images decoded ahead (predecode.h): a few of the biggest
 * packages' data.tar. */
#define PREDECODE_BUDGET (48u << 20)

/* Decode the remaining packages' data.tar ahead (in a process: no thread of
 * ours may run while the sandbox clones), in the order the serial phase
 * unpacks them, while a core would otherwise idle (dpkg configuring the
 * essential set, preinsts): only with more than one unpack job. */
static void predecode_start(struct inst *s, const bool *done)
{
    const struct vz_install_opts *o = s->o;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    int jobs = o->jobs > 0 ? o->jobs : (int)(cpus > 0 ? cpus : 1);
    if (jobs < 2)
        return;
    cleanup_free size_t *order = vz_xcalloc(o->n + 1, sizeof(size_t));
    size_t n = 0;
    for (size_t k = 0; k < 2 * o->n; k++) {
        size_t i = k % o->n;
        if (!done[i] && (k < o->n) == s->early[i])
            order[n++] = i;
    }
    if (n)
        s->pre = vz_predecode_start(o->debs, o->n, order, n, PREDECODE_BUDGET,
                                    o->recode ? s->originals : NULL);
}

static int install(struct inst *s, struct vz_install_timings *t, vz_error_t *err)
{
    const struct vz_install_opts *o = s->o;
    double t0 = vz_now(), c0 = vz_cpu_now();
    if (vz_unpack_root_init(&s->ur, o->root, o->merged_usr, o->merged_usr_shipped, o->arch,
                            err) < 0 ||
        vz_dpkgdb_init(s->ur.root, err) < 0)
        return -1;
    /* every maintainer script of this install runs for a first install */
    if (vz_helper_shim_install(s->ur.root, err) < 0)
        return -1;
    s->shim = true;
    for (size_t i = 0; i < o->n; i++) {
        if (vz_deb_read(o->debs[i], NULL, &s->info[i], err) < 0)
            return wrap_label(s, i, err);
        set_priority(s, i);
        if (strcmp(s->info[i]->package, "dpkg") == 0)
            s->dpkg_version = vz_xstrdup(s->info[i]->version);
    }
    for (size_t i = 0; i < o->n; i++)
        if (s->info[i]->essential)
            mark_closure(s, i, s->early);
    /* Wave 1: every package without a preinst, in parallel. */
    cleanup_free bool *done = vz_xcalloc(o->n + 1, sizeof(bool));
    cleanup_free bool *wave = vz_xcalloc(o->n + 1, sizeof(bool));
    for (size_t i = 0; i < o->n; i++)
        wave[i] = !vz_deb_member(s->info[i], "preinst");
    cleanup_free struct vz_deb_info **reg = vz_xcalloc(o->n + 1, sizeof(*reg));
    s->reg = reg;
    if (unpack_wave(s, wave, done, reg, err) < 0)
        return -1;
    double t1 = vz_now(), c1 = vz_cpu_now();
    vz_debug("unpacked %zu packages in %.2f s", o->n, t1 - t0);

    /* Preinsts need a shell. When the root cannot run one yet (the shell's
     * own libraries have preinsts, as libc6 does), the essential set is
     * unpacked first and its preinsts run afterwards: what debootstrap and
     * mmdebstrap do. Every other preinst runs before its package is
     * unpacked, as dpkg does. */
    bool pending = false;
    for (size_t i = 0; i < o->n; i++)
        pending = pending || !done[i];
    if (pending && !shell_works(s)) {
        for (size_t i = 0; i < o->n; i++) {
            wave[i] = !done[i] && s->early[i];
            s->preinst_after[i] = wave[i];
        }
        if (unpack_wave(s, wave, done, reg, err) < 0)
            return -1;
        if (!shell_works(s))
            return vz_error_set(err, VZ_EBUILD, 0,
                                "no working /bin/sh in the root after unpacking the essential "
                                "set: maintainer scripts cannot run (is a shell package in the "
                                "template's package set?)");
    }
    /* the preinsts of the essential packages that had to be unpacked before
     * a shell could run, now, in plan order */
    for (size_t i = 0; i < o->n; i++)
        if (s->preinst_after[i] && run_script(s, s->info[i], "preinst", "install", NULL, err) < 0)
            return -1;
    cleanup_free char *dpkg = vz_path_join(s->ur.root, "usr/bin/dpkg");
    s->has_dpkg = vz_file_exists(dpkg);
    if (vz_dpkgdb_write_triggers(s->ur.root, reg, o->n, err) < 0)
        return -1;
    cleanup_free struct vz_deb_info **late = vz_xcalloc(o->n + 1, sizeof(*late));
    s->late = late;
    s->done = done;
    cleanup_free bool *visiting = vz_xcalloc(o->n + 1, sizeof(bool));
    s->visiting = visiting;
    /* pass 0: what is left of the essential set; pass 1: everything else */
    predecode_start(s, done);
    int r = 0;
    for (size_t k = 0; k < 2 * o->n && r == 0; k++) {
        size_t i = k % o->n;
        if (done[i] || (k < o->n) != s->early[i])
            continue;
        r = install_one(s, i, err);
    }
    vz_predecode_stop(s->pre);
    s->pre = NULL;
    if (r < 0)
        return -1;
    if (vz_overlap_fix(&s->ur, o->debs, s->info, s->seq, o->n, err) < 0 ||
        vz_dpkgdb_write_triggers(s->ur.root, late, o->n, err) < 0)
        return -1;

    /* the copies a next build reads, made on the core dpkg leaves idle */
    struct vz_recoder *rec = o->recode ? vz_recode_start(s->originals, o->n) : NULL;
    int rc = configure(s, NULL, err);
    double rc0 = vz_cpu_now();
    vz_recode_finish(rec, false);
    s->c_configure += vz_cpu_now() - rc0; /* its CPU, counted when it is reaped */
    if (rc < 0)
        return -1;
    s->shim = false;
    if (vz_helper_shim_remove(s->ur.root, err) < 0)
        return -1;
    double t3 = vz_now(), c3 = vz_cpu_now();
    if (t) {
        t->unpack = t1 - t0;
        t->configure = s->t_configure;
        t->scripts = (t3 - t1) - s->t_configure;
        t->unpack_cpu = c1 - c0;
        t->configure_cpu = s->c_configure;
        t->scripts_cpu = (c3 - c1) - s->c_configure;
        t->packages = o->n;
    }
    return 0;
}

int vz_deb_install(const struct vz_install_opts *opts, struct vz_install_timings *t,
                   vz_error_t *err)
{
    /* with recode, each package is read from its zstd copy when it has one */
    struct vz_install_opts picked = *opts;
    char **files = NULL;
    if (opts->recode) {
        files = vz_xcalloc(opts->n + 1, sizeof(char *));
        for (size_t i = 0; i < opts->n; i++)
            files[i] = vz_recode_pick(opts->debs[i]);
        picked.debs = (const char *const *)files;
    }
    const struct vz_install_opts *o = &picked;
    struct inst s = { .o = o, .originals = opts->debs };
    s.info = vz_xcalloc(o->n + 1, sizeof(*s.info));
    s.early = vz_xcalloc(o->n + 1, sizeof(bool));
    s.preinst_after = vz_xcalloc(o->n + 1, sizeof(bool));
    s.seq = vz_xcalloc(o->n + 1, sizeof(unsigned));
    s.configured = vz_xcalloc(o->n + 1, sizeof(bool));
    int r = install(&s, t, err);
    if (opts->recode)
        vz_recode_forget(opts->debs, opts->n); /* copies written but never put in place */
    /* a damaged copy fails the install: drop the copies read, so that the
     * next build reads the originals (a good copy is simply made again) */
    if (r < 0 && files && err && *err && (*err)->status == VZ_ECORRUPT)
        vz_recode_drop(o->debs, o->n, (*err)->msg);
    if (s.shim && s.ur.root) {
        /* a failed install: the root is discarded, but leave no shim in it */
        vz_error_t e2 = NULL;
        if (vz_helper_shim_remove(s.ur.root, &e2) < 0)
            vz_error_release(&e2);
    }
    for (size_t i = 0; i < o->n; i++)
        vz_deb_info_free(s.info[i]);
    free(s.info);
    free(s.early);
    free(s.preinst_after);
    free(s.seq);
    free(s.configured);
    free(s.dpkg_version);
    vz_unpack_root_release(&s.ur);
    vz_strv_free(files);
    return r;
}
