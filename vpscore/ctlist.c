/* vpscore/ctlist.c: enumerate containers (ctlist.h). */
#include "vpscore/ctlist.h"
#include "vpscore/cgroup.h"
#include "vpscore/ctconf.h"
#include "vpscore/net.h"
#include "vpscore/runtime.h"

#include <dirent.h>
#include <errno.h>
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

int vz_ct_list(struct vz_ct_entry **out, size_t *n, vz_error_t *err)
{
    *out = NULL;
    *n = 0;
    cleanup_free char *dir = vz_root_path("/etc/vz/conf");
    cleanup_dir DIR *d = opendir(dir);
    if (d == NULL) {
        if (errno == ENOENT)
            return 0;
        return vz_error_sys(err, "list containers: open %s", dir);
    }
    size_t cap = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        size_t len = strlen(de->d_name);
        if (len <= 5 || strcmp(de->d_name + len - 5, ".conf") != 0)
            continue;
        cleanup_free char *ctid = vz_xasprintf("%.*s", (int)(len - 5), de->d_name);
        vz_error_t e = NULL;
        if (vz_ctid_check(ctid, &e) < 0) {
            vz_error_release(&e);
            continue;
        }
        cleanup_free char *p = vz_path_join(dir, de->d_name);
        struct vz_ct_entry ent = { .ctid = NULL, .nproc = -1 };
        if (vz_conf_load(&ent.conf, p, &e) < 0) {
            vz_warn("skipping container %s: %s", ctid, e->msg);
            vz_error_release(&e);
            vz_conf_release(&ent.conf);
            continue;
        }
        ent.ctid = get_and_reset(&ctid);
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
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            *out = vz_xrealloc(*out, cap * sizeof(**out));
        }
        (*out)[(*n)++] = ent;
    }
    if (*n)
        qsort(*out, *n, sizeof(**out), cmp_ctid);
    return 0;
}

void vz_ct_list_free(struct vz_ct_entry *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].ctid);
        vz_conf_release(&v[i].conf);
    }
    free(v);
}

int vz_ct_ip_check_free(const char *ip, const char *except_ctid, vz_error_t *err)
{
    cleanup_free char *dir = vz_root_path("/etc/vz/conf");
    cleanup_dir DIR *d = opendir(dir);
    if (d == NULL)
        return 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        size_t len = strlen(de->d_name);
        if (len <= 5 || strcmp(de->d_name + len - 5, ".conf") != 0)
            continue;
        cleanup_free char *ctid = vz_xasprintf("%.*s", (int)(len - 5), de->d_name);
        vz_error_t e = NULL;
        if (vz_ctid_check(ctid, &e) < 0) {
            vz_error_release(&e);
            continue;
        }
        if (except_ctid && strcmp(ctid, except_ctid) == 0)
            continue;
        cleanup_free char *p = vz_path_join(dir, de->d_name);
        struct vz_conf c;
        if (vz_conf_load(&c, p, &e) < 0) {
            vz_error_release(&e);
            vz_conf_release(&c);
            continue;
        }
        cleanup_free char *ips = vz_xstrdup(vz_conf_get(&c, "IP_ADDRESS") ? vz_conf_get(&c, "IP_ADDRESS") : "");
        int used = 0;
        char *save = NULL;
        for (char *t = strtok_r(ips, " ", &save); t; t = strtok_r(NULL, " ", &save))
            used |= vz_net_addr_same(t, ip); /* 10.0.0.2/24 is 10.0.0.2 */
        vz_conf_release(&c);
        if (used)
            return vz_error_set(err, VZ_EIPINUSE, 0, "IP address %s is already used by container %s", ip, ctid);
    }
    return 0;
}
