/* vpscore/ctname.c: container names (ctname.h). */
#include "vpscore/ctname.h"
#include "vpscore/ctconf.h"
#include "vpscore/cteach.h"

#include <ctype.h>
#include <string.h>

int vz_ct_name_check(const char *name, vz_error_t *err)
{
    size_t n = strlen(name);
    if (n == 0 || n > 64)
        return vz_error_set(err, VZ_EBADARG, 0, "--name '%s': 1 to 64 characters", name);
    if (!isalpha((unsigned char)name[0]))
        return vz_error_set(err, VZ_EBADARG, 0, "--name '%s': must start with a letter "
                            "(a name that looks like a CTID would hide one)", name);
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)name[i]) && !strchr("._-", name[i]))
            return vz_error_set(err, VZ_EBADARG, 0, "--name '%s': only letters, digits, '.', '_' and '-'", name);
    return 0;
}

static int conf_exists(const char *ctid)
{
    vz_error_t e = NULL;
    if (vz_ctid_check(ctid, &e) < 0) {
        vz_error_release(&e);
        return 0;
    }
    cleanup_free char *p = vz_ct_conf_path(ctid);
    return vz_file_exists(p);
}

struct by_name {
    const char *name;
    char *ctid;
};

static int name_one(struct vz_ct_seen *ct, void *arg, vz_error_t *err)
{
    (void)err;
    struct by_name *q = arg;
    const char *n = ct->conf ? vz_conf_get(ct->conf, "NAME") : NULL;
    if (!n || strcmp(n, q->name) != 0)
        return 0;
    q->ctid = vz_xstrdup(ct->ctid);
    return 1;
}

char *vz_ct_by_name(const char *name)
{
    struct by_name q = { name, NULL };
    vz_error_t e = NULL;
    if (vz_ct_each(name_one, &q, &e) < 0)
        vz_error_release(&e);
    return q.ctid;
}

char *vz_ct_resolve(const char *arg)
{
    if (conf_exists(arg))
        return vz_xstrdup(arg);
    vz_error_t e = NULL;
    if (vz_ct_name_check(arg, &e) < 0) {
        vz_error_release(&e);
        return vz_xstrdup(arg);
    }
    char *ctid = vz_ct_by_name(arg);
    return ctid ? ctid : vz_xstrdup(arg);
}

int vz_ct_name_free(const char *name, const char *ctid, vz_error_t *err)
{
    if (strcmp(name, ctid) != 0 && conf_exists(name))
        return vz_error_set(err, VZ_EBADARG, 0, "--name %s: that is the CTID of another container", name);
    cleanup_free char *owner = vz_ct_by_name(name);
    if (owner && strcmp(owner, ctid) != 0)
        return vz_error_set(err, VZ_EBADARG, 0, "--name %s: container %s already has that name", name, owner);
    return 0;
}
