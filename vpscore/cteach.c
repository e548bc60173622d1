/* vpscore/cteach.c: the walk over the containers' confs (cteach.h). */
#include "vpscore/cteach.h"
#include "vpscore/ctconf.h"

#include <dirent.h>
#include <errno.h>
#include <string.h>

int vz_ct_each(vz_ct_visit_fn *visit, void *arg, vz_error_t *err)
{
    cleanup_free char *dir = vz_root_path("/etc/vz/conf");
    cleanup_dir DIR *d = opendir(dir);
    if (d == NULL) {
        if (errno == ENOENT)
            return 0;
        return vz_error_sys(err, "list containers: open %s", dir);
    }
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (!vz_str_ends_with(de->d_name, ".conf"))
            continue;
        cleanup_free char *ctid = vz_xasprintf("%.*s", (int)(strlen(de->d_name) - 5), de->d_name);
        vz_error_t e = NULL;
        if (vz_ctid_check(ctid, &e) < 0) {
            vz_error_release(&e);
            continue;
        }
        cleanup_free char *p = vz_path_join(dir, de->d_name);
        struct vz_conf c;
        struct vz_ct_seen seen = { .ctid = ctid, .path = p, .conf = &c };
        if (vz_conf_load(&c, p, &seen.bad) < 0)
            seen.conf = NULL;
        int r = visit(&seen, arg, err);
        vz_error_release(&seen.bad);
        vz_conf_release(&c);
        if (r != 0)
            return r < 0 ? -1 : 0;
    }
    return 0;
}
