/* vpscore/ctlist.h: every container on this host: the list with state
 * (vzlist), and what the containers use (addresses, shared trees); all
 * through one walk over their confs (vpscore/cteach.h).
 *
 * Containers are the files $VZ_ROOT/etc/vz/conf/CTID.conf whose CTID passes
 * vz_ctid_check(); samples and other files are ignored. State comes from the
 * runtime's vz_ct_status() (running, mounted, suspended), the process count
 * from the container's cgroup.
 */
#ifndef VZ_VPSCORE_CTLIST_H
#define VZ_VPSCORE_CTLIST_H

#include <sys/types.h>

#include "common/common.h"
#include "vpscore/cteach.h"

struct vz_ct_entry {
    char *ctid;
    struct vz_conf conf;   /* the container's conf, loaded */
    int running;
    int mounted;
    int suspended;
    pid_t pid;             /* init pid when running */
    long nproc;            /* processes in its cgroup; -1 when stopped or unknown */
};

/* Sorted by CTID (numbers numerically, before names). A conf that cannot
 * be read is reported with a warning and skipped. */
int vz_ct_list(struct vz_ct_entry **out, size_t *n, vz_error_t *err);
void vz_ct_list_free(struct vz_ct_entry *v, size_t n);

/* VZ_EIPINUSE (78) naming the container when another container than
 * except_ctid has ip in its IP_ADDRESS; 0 otherwise. */
int vz_ct_ip_check_free(const char *ip, const char *except_ctid, vz_error_t *err);

/* The shared trees containers use: the directory name (last component) of
 * every container's VE_LOWERDIR, NULL-terminated, allocated (vz_strv_free).
 * A conf that cannot be read fails the whole answer (its error, wrapped:
 * the tree it names is unknown). Fits cache/clean.h's vz_trees_in_use_fn. */
int vz_ct_trees_in_use(char ***names, vz_error_t *err);

#endif
