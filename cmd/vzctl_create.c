/* cmd/vzctl_create.c: vzctl create, as the vzctl-create helper runs it
 * (cmd/vzctl_create_main.c passes vz_unpack_verified). Argument parsing and
 * messages only; the work is in vpscore/create.h. vzctl itself links no
 * archive, signature or digest code (docs/design.md, "Process start-up
 * cost"): its `create` execs the helper (cmd/vzctl_spawn.c). */
#include "cmd/cli.h"
#include "cmd/vzctl.h"
#include "cmd/vzctl_setopts.h"
#include "cmd/vzctl_tmpl.h"

#include "cache/store.h"
#include "vpscore/create.h"
#include "vpscore/ctconf.h"
#include "vpscore/ctset.h"

#include <string.h>


enum { O_OSTEMPLATE = VZCTL_CREATE_OSTEMPLATE, O_LAYOUT, O_CONFIG, O_PRIVATE, O_ROOT, O_PRIVILEGED };

/* The set options other than those the create itself writes (hostname,
 * addresses, DNS): applied with vz_ct_set on the new container. */
static int has_set_work(const struct vz_set_opts *s)
{
    return s->ram || s->swap || s->physpages || s->swappages || s->cpus || s->cpulimit || s->cpuunits || s->numproc || s->onboot ||
           s->disabled || s->name || s->description || s->bootorder || s->userpasswd || s->devnodes ||
           s->seccomp || s->ipdel || s->netif_add || s->netif_del || s->ifname || s->devices || s->features ||
           s->capability || s->mac_filter || s->mac || s->host_ifname || s->host_mac || s->bridge;
}

/* The new container gets the rest of set's options, all or nothing: when
 * the set fails, the container is destroyed again. */
static int apply_set(const char *ctid, struct vz_set_opts *s, vz_error_t *err)
{
    if (!has_set_work(s))
        return 0;
    s->save = 1;
    if (vz_ct_set(ctid, s, err) == 0)
        return 0;
    vz_error_t e2 = NULL;
    if (vz_ct_destroy(ctid, &e2) < 0) {
        vz_warn("removing container %s after the failed set: %s", ctid, e2->msg);
        vz_error_release(&e2);
    }
    return -1;
}

static int vzctl_create_parsed(struct vz_create_opts *op, struct vzctl_setargs *sa, const char *tmpl, int json,
                               int argc, char **argv, vz_unpack_fn *unpack)
{
    struct vz_create_opts o = *op;
    struct vz_set_opts *so = &sa->o;
    int rc = 0;
    o.ctid = vz_cli_one_ctid(argc, argv, vzctl_create_usage, &rc);
    if (o.ctid == NULL)
        return rc;
    /* what the create writes itself; the rest is set's (apply_set) */
    o.hostname = so->hostname;
    o.ipadd = sa->ipadd;
    o.nameserver = sa->nameserver;
    o.searchdomain = sa->searchdomain;
    /* disk limits hold from the first byte the create writes (docs/quota.md) */
    o.diskspace = so->diskspace;
    o.diskinodes = so->diskinodes;
    so->hostname = so->diskspace = so->diskinodes = NULL;
    so->ipadd = so->nameserver = so->searchdomain = NULL;
    vz_error_t err = NULL;
    /* the CTID first (its message unwrapped), then every option, before a
     * template is looked up, downloaded or verified */
    if (vz_ctid_check(o.ctid, &err) < 0 || vz_ct_create_check(&o, &err) < 0 ||
        vz_ct_set_check(o.ctid, so, &err) < 0)
        return vz_cli_fail(&err);
    if (tmpl == NULL) {
        tmpl = vz_conf_get(vz_global_conf(), "DEF_OSTEMPLATE");
        if (tmpl == NULL || *tmpl == '\0') {
            vz_error_set(&err, VZ_ENOOSTEMPLATE, 0, "--ostemplate NAME is required (or DEF_OSTEMPLATE in vz.conf)");
            return vz_cli_fail(&err);
        }
    }
    struct vz_cache_info *cache = NULL;
    if (vzctl_find_template(tmpl, &cache, &err) < 0) /* downloads it when INDEX_URL is set */
        return vz_cli_fail(&err);
    if (vz_cache_verify_signature(cache, &err) < 0) {
        vz_cache_info_free(cache);
        return vz_cli_fail(&err);
    }
    vz_info("Creating container private area (%s)", tmpl);
    struct vz_create_result res;
    int r = vz_ct_create_with(&o, cache, unpack, &res, &err);
    vz_cache_info_free(cache);
    if (r < 0)
        return vz_cli_fail(&err);
    if (apply_set(o.ctid, so, &err) < 0)
        return vz_cli_fail(&err);
    if (json) {
        json_t *j = json_pack("{s:s, s:s, s:b, s:f}", "ctid", o.ctid, "ostemplate", tmpl, "reused_tree",
                              res.reused_tree, "seconds", res.seconds);
        vz_cli_print_json(j);
    }
    vz_info("Container private area was created (%.1f ms%s)", res.seconds * 1e3,
            res.reused_tree ? ", shared template tree reused" : "");
    return 0;
}

int vzctl_create_cmd(int argc, char **argv, vz_unpack_fn *unpack)
{
    cleanup_free struct option *opts = vzctl_setopts_join(vzctl_create_options);
    struct vz_create_opts o = { 0 };
    struct vzctl_setargs sa = { 0 };
    const char *tmpl = NULL;
    int json = 0, c;
    while ((c = vz_cli_getopt(argc, argv, "hqv", opts)) != -1) {
        switch (c) {
        case O_OSTEMPLATE: tmpl = optarg; break;
        case O_LAYOUT: o.layout = optarg; break;
        case O_CONFIG: o.config = optarg; break;
        case O_PRIVATE: o.private_dir = optarg; break;
        case O_ROOT: o.root_dir = optarg; break;
        case O_PRIVILEGED: o.privileged = 1; break;
        case VZ_OPT_JSON: json = 1; break;
        default:
            if (!vzctl_setopt(c, optarg, &sa))
                vz_cli_common_opt(c, vzctl_create_usage);
        }
    }
    int rc = vzctl_create_parsed(&o, &sa, tmpl, json, argc, argv, unpack);
    vzctl_setargs_release(&sa);
    return rc;
}
