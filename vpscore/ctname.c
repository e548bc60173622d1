/* vpscore/ctname.c: container names (ctname.h). */
#include "vpscore/ctname.h"
#include "vpscore/ctconf.h"

#include <ctype.h>
#include <dirent.h>
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

char *vz_ct_by_name(const char *name)
{
    cleanup_free char *dir = vz_root_path("/etc/vz/conf");
    cleanup_dir DIR *d = opendir(dir);
    if (d == NULL)
        return NULL;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (!vz_str_ends_with(de->d_name, ".conf"))
            continue;
        cleanup_free char *ctid = vz_xasprintf("%.*s", (int)(strlen(de->d_name) - 5), de->d_name);
        if (!conf_exists(ctid))
            continue;
        cleanup_free char *p = vz_path_join(dir, de->d_name);
        struct vz_conf c;
        vz_error_t e = NULL;
        int found = vz_conf_load(&c, p, &e) == 0 && vz_conf_get(&c, "NAME") &&
                    strcmp(vz_conf_get(&c, "NAME"), name) == 0;
        vz_error_release(&e);
        vz_conf_release(&c);
        if (found) {
            char *r = ctid;
            ctid = NULL;
            return r;
        }
    }
    return NULL;
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
