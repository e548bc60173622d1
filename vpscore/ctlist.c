/* vpscore/ctlist.c: enumerate containers (ctlist.h). */
#include "vpscore/ctlist.h"
#include "vpscore/cgroup.h"
#include "vpscore/ctconf.h"
#include "vpscore/net.h"
#include "vpscore/runtime.h"

#include <string.h>

static int is_number(const char *s)
{
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return 0;
    return 1;
}

static int cmp_ctid(const void *a, const void *b)
{
    const struct vz_ct_entry *x = a, *y = b;
    int nx = is_number(x->ctid), ny = is_number(y->ctid);
    if (nx && ny) {
        long long d = atoll(x->ctid) - atoll(y->ctid);
        return d < 0 ? -1 : d > 0;
    }
    if (nx != ny)
        return nx ? -1 : 1;
    return strcmp(x->ctid, y->ctid);
}

struct list {
    struct vz_ct_entry *v;
    size_t n, cap;
};

static int list_one(struct vz_ct_seen *ct, void *arg, vz_error_t *err)
{
    (void)err;
    struct list *l = arg;
    if (ct->conf == NULL) {
        vz_warn("skipping container %s: %s", ct->ctid, ct->bad->msg);
        return 0;
    }
    struct vz_ct_entry ent = { .ctid = vz_xstrdup(ct->ctid), .conf = *ct->conf, .nproc = -1 };
    memset(ct->conf, 0, sizeof(*ct->conf)); /* the entry owns it now */
    vz_error_t e = NULL;
    struct vz_ct_state st;
    if (vz_ct_status(ent.ctid, &st, &e) < 0)
        vz_error_release(&e);
    ent.running = st.running;
    ent.mounted = st.mounted;
    ent.suspended = st.suspended;
    ent.pid = st.pid;
    if (ent.running) {
        struct vz_cgroup *cg = NULL;
        pid_t *pids = NULL;
        size_t np = 0;
        if (vz_cgroup_open(ent.ctid, &cg, &e) == 0 && vz_cgroup_pids(cg, &pids, &np, &e) == 0 &&
            vz_cgroup_exists(cg))
            ent.nproc = (long)np;
        vz_error_release(&e);
        free(pids);
        vz_cgroup_free(cg);
    }
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 16;
        l->v = vz_xrealloc(l->v, l->cap * sizeof(*l->v));
    }
    l->v[l->n++] = ent;
    return 0;
}

int vz_ct_list(struct vz_ct_entry **out, size_t *n, vz_error_t *err)
{
    struct list l = { 0 };
    int r = vz_ct_each(list_one, &l, err);
    if (l.n)
        qsort(l.v, l.n, sizeof(*l.v), cmp_ctid);
    *out = l.v;
    *n = l.n;
    return r;
}

void vz_ct_list_free(struct vz_ct_entry *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].ctid);
        vz_conf_release(&v[i].conf);
    }
    free(v);
}

struct ip_check {
    const char *ip, *except_ctid;
};

static int ip_one(struct vz_ct_seen *ct, void *arg, vz_error_t *err)
{
    const struct ip_check *q = arg;
    if (ct->conf == NULL || (q->except_ctid && strcmp(ct->ctid, q->except_ctid) == 0))
        return 0;
    const char *v = vz_conf_get(ct->conf, "IP_ADDRESS");
    cleanup_free char *ips = vz_xstrdup(v ? v : "");
    char *save = NULL;
    for (char *t = strtok_r(ips, " ", &save); t; t = strtok_r(NULL, " ", &save))
        if (vz_net_addr_same(t, q->ip)) /* 10.0.0.2/24 is 10.0.0.2 */
            return vz_error_set(err, VZ_EIPINUSE, 0, "IP address %s is already used by container %s", q->ip,
                                ct->ctid);
    return 0;
}

int vz_ct_ip_check_free(const char *ip, const char *except_ctid, vz_error_t *err)
{
    struct ip_check q = { ip, except_ctid };
    vz_error_t e = NULL;
    if (vz_ct_each(ip_one, &q, &e) == 0)
        return 0;
    if (e->status == VZ_EIPINUSE) {
        *err = e;
        return -1;
    }
    vz_error_release(&e); /* the directory cannot be listed: no clash known */
    return 0;
}

static int trees_one(struct vz_ct_seen *ct, void *arg, vz_error_t *err)
{
    char ***refs = arg;
    if (ct->conf == NULL) {
        /* never let a tree go that an unreadable conf might name */
        *err = get_and_reset(&ct->bad);
        return vz_error_wrap(err, "cannot tell which shared tree %s uses (fix it before cleaning)", ct->path);
    }
    const char *lower = vz_conf_get(ct->conf, "VE_LOWERDIR");
    if (lower && *lower) {
        cleanup_free char *copy = vz_xstrdup(lower);
        size_t n = strlen(copy);
        while (n > 1 && copy[n - 1] == '/')
            copy[--n] = '\0';
        const char *base = strrchr(copy, '/');
        vz_strv_push(refs, base ? base + 1 : copy);
    }
    return 0;
}

int vz_ct_trees_in_use(char ***names, vz_error_t *err)
{
    char **refs = vz_xcalloc(1, sizeof(char *));
    if (vz_ct_each(trees_one, &refs, err) < 0) {
        vz_strv_free(refs);
        return -1;
    }
    *names = refs;
    return 0;
}
