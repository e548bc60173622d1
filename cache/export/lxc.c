/* lxc.c: the pair `lxc-create -t local -- --metadata M --fstree R` takes.
 * lxc-local unpacks both with `tar -J`, so both are xz. The metadata holds
 * config (and config-user for unprivileged containers) including the
 * distribution's common config from LXC's own config directory, and a
 * templates list: the files of the root in which lxc-local replaces
 * LXC_NAME with the container's name (/etc/hostname, /etc/hosts). */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "cache/export/export.h"
#include "cache/export/export_int.h"

struct vz_export_lxc {
    struct vz_export_src *s;
    char *dir, *meta_tmp, *meta, *root_tmp, *root;
    struct vz_tarout *rt;
    struct vz_export_copy copy;
    struct vz_export_override ovr[3];
};

/* Distributions with a NAME.common.conf and NAME.userns.conf in LXC's
 * config directory (Debian: package lxc-templates, which lxc recommends);
 * others get the generic common.conf and userns.conf of package lxc. */
static const char *const lxc_distros[] = { "alpine", "archlinux", "centos",    "debian",
                                           "devuan", "fedora",    "gentoo",    "kali",
                                           "opensuse", "oracle",  "plamo",     "sabayon",
                                           "slackware", "ubuntu", "voidlinux", NULL };

static const char hosts_tpl[] = "127.0.0.1\tlocalhost\n"
                                "127.0.1.1\tLXC_NAME\n"
                                "::1\tlocalhost ip6-localhost ip6-loopback\n"
                                "ff02::1\tip6-allnodes\n"
                                "ff02::2\tip6-allrouters\n";

int vz_export_lxc_begin(struct vz_export_src *s, const char *dir, struct vz_export_lxc **out,
                        vz_error_t *err)
{
    struct vz_export_lxc *x = vz_xcalloc(1, sizeof(*x));
    x->s = s;
    x->dir = vz_xstrdup(dir);
    int pid = (int)getpid();
    x->meta = vz_xasprintf("%s/%s.lxc.meta.tar.xz", dir, s->name);
    x->root = vz_xasprintf("%s/%s.lxc.rootfs.tar.xz", dir, s->name);
    x->meta_tmp = vz_xasprintf("%s/.%s.lxc.meta.tmp.%d", dir, s->name, pid);
    x->root_tmp = vz_xasprintf("%s/.%s.lxc.rootfs.tmp.%d", dir, s->name, pid);
    unlink(x->root_tmp);
    x->ovr[0] = (struct vz_export_override){ "etc/hostname", "LXC_NAME\n", false };
    x->ovr[1] = (struct vz_export_override){ "etc/hosts", hosts_tpl, false };
    if (vz_tarout_open(x->root_tmp, VZ_TAROUT_XZ, s->xz_level, &x->rt, err) < 0) {
        vz_export_lxc_free(x);
        return -1;
    }
    x->copy = (struct vz_export_copy){ .out = x->rt, .prefix = "", .ovr = x->ovr,
                                       .mtime = s->m->build_time, .parent_ok = "etc" };
    *out = x;
    return 0;
}

struct vz_export_copy *vz_export_lxc_copy(struct vz_export_lxc *x)
{
    return &x->copy;
}

static char *config_text(const struct vz_export_src *s, bool user)
{
    const char *d = "common";
    for (const char *const *k = lxc_distros; *k; k++)
        if (!strcmp(*k, s->distro))
            d = *k;
    struct vz_buf b = VZ_BUF_INIT;
    vz_buf_init(&b);
    vz_buf_addf(&b, "# %s, exported by vzforge (cache sha256 %s)\n", s->name, s->cache->tar_sha256);
    if (!s->has_init)
        vz_buf_addf(&b, "# vzforge.init = none: %s\n", vz_export_noinit_note);
    bool generic = !strcmp(d, "common");
    vz_buf_addf(&b, "lxc.include = LXC_TEMPLATE_CONFIG/%s%scommon.conf\n", generic ? "" : d,
                generic ? "" : ".");
    if (user)
        vz_buf_addf(&b, "lxc.include = LXC_TEMPLATE_CONFIG/%s%suserns.conf\n", generic ? "" : d,
                    generic ? "" : ".");
    vz_buf_addf(&b, "lxc.arch = %s\n", s->arch);
    return vz_buf_detach(&b, NULL);
}

static int write_meta(struct vz_export_lxc *x, struct vz_tarout_sum *sum, vz_error_t *err)
{
    const struct vz_export_src *s = x->s;
    unlink(x->meta_tmp);
    struct vz_tarout *t = NULL;
    if (vz_tarout_open(x->meta_tmp, VZ_TAROUT_XZ, s->xz_level, &t, err) < 0)
        return -1;
    cleanup_free char *cfg = config_text(s, false), *ucfg = config_text(s, true);
    static const char templates[] = "/etc/hostname\n/etc/hosts\n";
    cleanup_free char *msg = vz_xasprintf("%s (vzforge export)%s%s\n", s->name,
                                          s->has_init ? "" : "\nWARNING: ",
                                          s->has_init ? "" : vz_export_noinit_note);
    int64_t mt = s->m->build_time;
    if (vz_tarout_add(t, "config", cfg, strlen(cfg), 0644, mt, err) < 0 ||
        vz_tarout_add(t, "config-user", ucfg, strlen(ucfg), 0644, mt, err) < 0 ||
        vz_tarout_add(t, "templates", templates, strlen(templates), 0644, mt, err) < 0 ||
        vz_tarout_add(t, "create-message", msg, strlen(msg), 0644, mt, err) < 0) {
        vz_tarout_abort(t);
        return -1;
    }
    return vz_tarout_close(t, sum, err);
}

int vz_export_lxc_end(struct vz_export_lxc *x, json_t *out, vz_error_t *err)
{
    struct vz_tarout_sum rs, ms;
    struct vz_tarout *t = x->rt;
    x->rt = NULL;
    if (vz_export_copy_finish(&x->copy, err) < 0) {
        vz_tarout_abort(t);
        return -1;
    }
    if (vz_tarout_close(t, &rs, err) < 0 || write_meta(x, &ms, err) < 0 ||
        vz_export_replace(x->root_tmp, x->root, err) < 0 ||
        vz_export_replace(x->meta_tmp, x->meta, err) < 0)
        return -1;
    json_object_set_new(out, "path", json_string(x->meta));
    json_object_set_new(out, "files",
                        json_pack("[o, o]", vz_export_file_json("meta", x->meta, ms.size, ms.sha256),
                                  vz_export_file_json("rootfs", x->root, rs.size, rs.sha256)));
    return 0;
}

void vz_export_lxc_free(struct vz_export_lxc *x)
{
    if (!x)
        return;
    vz_tarout_abort(x->rt);
    unlink(x->root_tmp);
    unlink(x->meta_tmp);
    free(x->dir);
    free(x->meta);
    free(x->meta_tmp);
    free(x->root);
    free(x->root_tmp);
    free(x);
}
