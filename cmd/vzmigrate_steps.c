/* cmd/vzmigrate_steps.c: vzmigrate's steps, each with its undo
 * (cmd/vzmigrate.h). Remote commands are one ssh each:
 *   ssh SSH_OPTS -o BatchMode=yes DEST env VZ_ROOT=ROOT BIN/vzctl ARGS
 * with every word single-quoted for the remote shell. */
#include "cmd/vzmigrate.h"

#include "cache/store.h"
#include "vpscore/create.h"
#include "vpscore/ctconf.h"
#include "vpscore/runtime.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const step_names[] = { "copied", "stopped", "synced", "conf", "started" };
enum { S_COPIED = 1, S_STOPPED = 2, S_SYNCED = 4, S_CONF = 8, S_STARTED = 16 };

unsigned vzm_step_bit(const char *name)
{
    for (unsigned i = 0; i < VZ_ARRAY_SIZE(step_names); i++)
        if (strcmp(name, step_names[i]) == 0)
            return 1u << i;
    return 0;
}

/* Tell the guardian; the crash tests kill us right after (VZ_TEST_KILL_AT). */
static int step_done(struct vzm *m, unsigned bit, vz_error_t *err)
{
    for (unsigned i = 0; i < VZ_ARRAY_SIZE(step_names); i++) {
        if (bit != 1u << i)
            continue;
        cleanup_free char *line = vz_xasprintf("%s\n", step_names[i]);
        if (write(m->step_fd, line, strlen(line)) != (ssize_t)strlen(line))
            return vz_error_sys(err, "guardian");
        const char *k = getenv("VZ_TEST_KILL_AT");
        if (k && strcmp(k, step_names[i]) == 0)
            raise(SIGKILL);
    }
    return 0;
}

static void quote(struct vz_buf *b, const char *s)
{
    vz_buf_addc(b, '\'');
    for (; *s; s++) {
        if (*s == '\'')
            vz_buf_adds(b, "'\\''");
        else
            vz_buf_addc(b, *s);
    }
    vz_buf_adds(b, "' ");
}

static void push_ssh(char ***v, const struct vzm *m)
{
    vz_strv_push(v, "ssh");
    cleanup_free char *o = vz_xstrdup(m->ssh_opts ? m->ssh_opts : "");
    for (char *s = NULL, *t = strtok_r(o, " \t", &s); t; t = strtok_r(NULL, " \t", &s))
        vz_strv_push(v, t);
    vz_strv_push(v, "-o");
    vz_strv_push(v, "BatchMode=yes");
}

/* Run PROG (vzctl, vzpkg, or a shell command when prog is NULL) on the
 * destination; its exit status in *status, its stdout in out (may be NULL). */
static int remote(const struct vzm *m, const char *prog, const char *const *args, int *status, struct vz_buf *out,
                  vz_error_t *err)
{
    struct vz_buf cmd = VZ_BUF_INIT;
    vz_buf_init(&cmd);
    if (prog) {
        vz_buf_adds(&cmd, "env ");
        cleanup_free char *root = vz_xasprintf("VZ_ROOT=%s", m->remote_root);
        quote(&cmd, root);
        cleanup_free char *p = *m->remote_bin ? vz_xasprintf("%s/%s", m->remote_bin, prog) : vz_xstrdup(prog);
        quote(&cmd, p);
        for (size_t i = 0; args[i]; i++)
            quote(&cmd, args[i]);
    } else
        vz_buf_adds(&cmd, args[0]);
    char **argv = NULL;
    push_ssh(&argv, m);
    vz_strv_push(&argv, m->dest);
    vz_strv_push(&argv, cmd.data);
    struct vz_buf errb = VZ_BUF_INIT;
    vz_buf_init(&errb);
    struct vz_run_opts ro = { .out = out, .errbuf = &errb, .quiet = out == NULL };
    int r = vz_run(argv, &ro, status, err);
    if (r == 0 && *status != 0 && *status != 255)
        vz_debug("remote %s: exit %d: %s", cmd.data, *status, errb.data ? errb.data : "");
    if (r == 0 && *status == 255)
        r = vz_error_set(err, VZ_EFAIL, 0, "ssh %s: %s", m->dest, errb.data ? errb.data : "failed");
    vz_strv_free(argv);
    vz_buf_release(&cmd);
    vz_buf_release(&errb);
    return r;
}

static int remote_ok(const struct vzm *m, const char *prog, const char *const *args, vz_error_t *err)
{
    int st = 0;
    if (remote(m, prog, args, &st, NULL, err) < 0)
        return -1;
    if (st != 0)
        return vz_error_set(err, st, 0, "on %s: %s %s: exit %d", m->dest, prog ? prog : "sh", args[0], st);
    return 0;
}

static int rsync(const struct vzm *m, const char *src, const char *dst, int dir, vz_error_t *err)
{
    char **argv = NULL;
    vz_strv_push(&argv, "rsync");
    vz_strv_push(&argv, "-aHAX");
    vz_strv_push(&argv, "--numeric-ids");
    vz_strv_push(&argv, "--sparse");
    if (dir)
        vz_strv_push(&argv, "--delete");
    vz_strv_push(&argv, "-e");
    char **sv = NULL;
    push_ssh(&sv, m);
    struct vz_buf e = VZ_BUF_INIT;
    vz_buf_init(&e);
    for (size_t i = 0; sv[i]; i++)
        vz_buf_addf(&e, "%s%s", i ? " " : "", sv[i]);
    vz_strv_free(sv);
    vz_strv_push(&argv, e.data);
    cleanup_free char *s = vz_xasprintf("%s%s", src, dir ? "/" : "");
    cleanup_free char *d = vz_xasprintf("%s:%s%s", m->dest, dst, dir ? "/" : "");
    vz_strv_push(&argv, s);
    vz_strv_push(&argv, d);
    struct vz_buf errb = VZ_BUF_INIT;
    vz_buf_init(&errb);
    struct vz_run_opts ro = { .errbuf = &errb, .quiet = 1 };
    int r = vz_run_ok(argv, &ro, err);
    vz_strv_free(argv);
    vz_buf_release(&e);
    vz_buf_release(&errb);
    return r;
}

static char *remote_path(const struct vzm *m, const char *abs)
{
    return vz_xasprintf("%s%s", m->remote_root, abs);
}

int vzm_prepare(struct vzm *m, vz_error_t *err)
{
    struct vz_ct ct;
    if (vz_ct_load(m->ctid, &ct, err) < 0)
        return -1;
    int r = -1;
    struct vz_ct_state st;
    const char *layout = vz_conf_get(&ct.conf, "VE_LAYOUT");
    const char *lower = vz_conf_get(&ct.conf, "VE_LOWERDIR");
    const char *tmpl = vz_conf_get(&ct.conf, "OSTEMPLATE");
    const char *uid = vz_conf_get(&ct.conf, "LOCAL_UID");
    m->overlay = layout && strcmp(layout, "overlay") == 0;
    m->src_dir = m->overlay ? vz_path_join(ct.private_dir, "upper") : vz_xstrdup(ct.private_dir);
    m->conf_path = vz_xstrdup(ct.conf_path);
    m->conf_tmp = vz_xasprintf("%s.vzmigrate.%d", ct.conf_path, (int)getpid()); /* the guardian removes it too */
    m->ostemplate = vz_xstrdup(tmpl ? tmpl : "");
    cleanup_free char *rp = vz_xasprintf("/vz/private/%s", m->ctid), *rr = vz_xasprintf("/vz/root/%s", m->ctid);
    cleanup_free char *rc = vz_xasprintf("/etc/vz/conf/%s.conf", m->ctid);
    m->remote_priv = remote_path(m, rp);
    m->remote_root_dir = remote_path(m, rr);
    m->remote_conf = remote_path(m, rc);
    if (vz_ct_status(m->ctid, &st, err) < 0)
        goto out;
    m->was_running = st.running;
    /* not on the destination yet */
    struct vz_buf out = VZ_BUF_INIT;
    vz_buf_init(&out);
    int rs = 0;
    if (remote(m, "vzctl", (const char *[]){ "status", m->ctid, NULL }, &rs, &out, err) < 0)
        goto out;
    int exists = rs != 0 || out.data == NULL || strstr(out.data, "deleted") == NULL;
    vz_buf_release(&out);
    if (exists) {
        vz_error_set(err, VZ_EPRIVATEEXISTS, 0, "container %s exists on %s (or vzctl status failed there: exit %d)",
                     m->ctid, m->dest, rs);
        goto out;
    }
    if (m->overlay) {
        if (lower == NULL || strrchr(lower, '/') == NULL) {
            vz_error_set(err, VZ_EBADARG, 0, "%s: no VE_LOWERDIR", ct.conf_path);
            goto out;
        }
        cleanup_free char *ul = vz_xasprintf("/vz/template/unpacked%s", strrchr(lower, '/'));
        m->remote_lower = remote_path(m, ul);
        m->local_lower = vz_xstrdup(lower);
        /* the same build there: verified by the destination's own keys,
         * copied from here when it has none */
        int vs = 0;
        if (remote(m, "vzpkg", (const char *[]){ "-q", "verify", tmpl, NULL }, &vs, NULL, err) < 0)
            goto out;
        if (vs != 0) {
            struct vz_cache_info *c = NULL;
            if (vz_cache_find(tmpl, &c, err) < 0)
                goto out;
            cleanup_free char *cdir = remote_path(m, "/vz/template/cache");
            cleanup_free char *mk = vz_xasprintf("mkdir -p -m 0755 '%s'", cdir);
            vz_info("Copying template %s to %s", tmpl, m->dest);
            int cr = remote_ok(m, NULL, (const char *[]){ mk, NULL }, err) < 0 ||
                     rsync(m, c->tarball, cdir, 0, err) < 0 || rsync(m, c->manifest_path, cdir, 0, err) < 0 ||
                     rsync(m, c->sig_path, cdir, 0, err) < 0;
            vz_cache_info_free(c);
            if (cr || remote_ok(m, "vzpkg", (const char *[]){ "-q", "verify", tmpl, NULL }, err) < 0) {
                vz_error_wrap(err, "template %s on %s", tmpl, m->dest);
                goto out;
            }
        }
        /* the shared tree of that build: unpacked there by a create */
        cleanup_free char *test = vz_xasprintf("test -d '%s'", m->remote_lower);
        int ts = 0;
        if (remote(m, NULL, (const char *[]){ test, NULL }, &ts, NULL, err) < 0)
            goto out;
        if (ts != 0) {
            cleanup_free char *tmp = vz_xasprintf("vzmigrate-%d", (int)getpid());
            if (remote_ok(m, "vzctl", (const char *[]){ "-q", "create", tmp, "--ostemplate", tmpl, "--layout",
                                                        "overlay", NULL }, err) < 0 ||
                remote_ok(m, "vzctl", (const char *[]){ "-q", "destroy", tmp, NULL }, err) < 0 ||
                remote_ok(m, NULL, (const char *[]){ test, NULL }, err) < 0) {
                vz_error_wrap(err, "the template tree of %s on %s (another build of it is cached there?)", tmpl,
                              m->dest);
                goto out;
            }
        }
    }
    if (uid) { /* the files keep their ids: the range must be free there */
        cleanup_free char *dir = remote_path(m, "/etc/vz/conf");
        cleanup_free char *g = vz_xasprintf("! grep -qs '^LOCAL_UID=\"%s\"' '%s'/*.conf", uid, dir);
        if (remote_ok(m, NULL, (const char *[]){ g, NULL }, err) < 0) {
            vz_error_wrap(err, "the id range of %s (LOCAL_UID %s) is another container's on %s", m->ctid, uid,
                          m->dest);
            goto out;
        }
    }
    r = 0;
out:
    vz_ct_release(&ct);
    return r;
}

/* The source's conf with the destination's paths. */
static int write_conf(struct vzm *m, const char *tmp, vz_error_t *err)
{
    struct vz_conf c;
    if (vz_conf_load(&c, m->conf_path, err) < 0)
        return -1;
    free(c.path);
    c.path = vz_xstrdup(tmp);
    vz_conf_set(&c, "VE_PRIVATE", m->remote_priv);
    vz_conf_set(&c, "VE_ROOT", m->remote_root_dir);
    if (m->remote_lower)
        vz_conf_set(&c, "VE_LOWERDIR", m->remote_lower);
    int r = vz_conf_save(&c, err);
    vz_conf_release(&c);
    return r;
}

int vzm_run(struct vzm *m, vz_error_t *err)
{
    cleanup_free char *dst = m->overlay ? vz_path_join(m->remote_priv, "upper") : vz_xstrdup(m->remote_priv);
    cleanup_free char *mk = vz_xasprintf("mkdir -p -m 0700 '%s' && mkdir -p '%s'%s%s%s", m->remote_priv, dst,
                                         m->overlay ? " && mkdir -p -m 0700 '" : "",
                                         m->overlay ? m->remote_priv : "", m->overlay ? "/work'" : "");
    vz_info("Copying %s to %s while it %s", m->src_dir, m->dest, m->was_running ? "runs" : "is down");
    if (remote_ok(m, NULL, (const char *[]){ mk, NULL }, err) < 0 || step_done(m, S_COPIED, err) < 0 ||
        rsync(m, m->src_dir, dst, 1, err) < 0)
        return -1;
    double t_stop = vz_now();
    if (m->was_running) {
        vz_info("Stopping container %s", m->ctid);
        if (step_done(m, S_STOPPED, err) < 0 || vz_ct_stop(m->ctid, 0, err) < 0)
            return -1;
    }
    const char *tmp = m->conf_tmp;
    int r = -1;
    if (rsync(m, m->src_dir, dst, 1, err) < 0 || step_done(m, S_SYNCED, err) < 0 || write_conf(m, tmp, err) < 0)
        goto out;
    if (step_done(m, S_CONF, err) < 0 || rsync(m, tmp, m->remote_conf, 0, err) < 0)
        goto out;
    if (m->was_running) {
        vz_info("Starting container %s on %s", m->ctid, m->dest);
        if (step_done(m, S_STARTED, err) < 0 ||
            remote_ok(m, "vzctl", (const char *[]){ "-q", "start", m->ctid, NULL }, err) < 0)
            goto out;
    }
    m->downtime = m->was_running ? vz_now() - t_stop : 0;
    r = 0;
out:
    unlink(tmp);
    return r;
}

int vzm_undo(struct vzm *m, unsigned steps)
{
    int r = 0;
    vz_error_t e = NULL;
    vz_info("Undoing the migration of %s to %s", m->ctid, m->dest);
    unlink(m->conf_tmp); /* left when vzmigrate was killed with it written */
    if (steps & S_STARTED)
        remote_ok(m, "vzctl", (const char *[]){ "-q", "stop", m->ctid, "--fast", NULL }, &e);
    vz_error_release(&e);
    if (steps & S_CONF) { /* the conf first: then nobody there sees a container */
        cleanup_free char *rm = vz_xasprintf("rm -f '%s'", m->remote_conf);
        if (remote_ok(m, NULL, (const char *[]){ rm, NULL }, &e) < 0) {
            vz_warn("undo: %s", e->msg);
            vz_error_release(&e);
            r = -1;
        }
    }
    if ((steps & S_COPIED) && !m->keep_dst && r == 0) {
        cleanup_free char *rm = vz_xasprintf("rm -rf '%s'", m->remote_priv);
        if (remote_ok(m, NULL, (const char *[]){ rm, NULL }, &e) < 0) {
            vz_warn("undo: %s", e->msg);
            vz_error_release(&e);
        }
    }
    if (steps & S_STOPPED) {
        vz_info("Starting container %s here again", m->ctid);
        /* announced before the stop: a stop that never ran (or failed) left it running */
        if (vz_ct_start(m->ctid, NULL, &e) < 0 && !vz_ct_init_pid(m->ctid, NULL)) {
            vz_warn("undo: start %s again: %s", m->ctid, e->msg);
            r = -1;
        }
        vz_error_release(&e);
    }
    return r;
}

int vzm_finish(struct vzm *m, vz_error_t *err)
{
    if (m->remove_area)
        return vz_ct_destroy(m->ctid, err) < 0 ? vz_error_wrap(err, "%s runs on %s; the source", m->ctid, m->dest)
                                                : 0;
    struct vz_conf c;
    if (vz_conf_load(&c, m->conf_path, err) < 0)
        return -1;
    vz_conf_set(&c, "DISABLED", "yes"); /* kept, never started here by mistake */
    int r = vz_conf_save(&c, err);
    vz_conf_release(&c);
    return r;
}

void vzm_release(struct vzm *m)
{
    free(m->src_dir);
    free(m->conf_path);
    free(m->conf_tmp);
    free(m->remote_priv);
    free(m->remote_root_dir);
    free(m->remote_lower);
    free(m->remote_conf);
    free(m->ostemplate);
    free(m->local_lower);
}
