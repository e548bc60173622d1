/* incus.c: Incus/LXD images. Unified: one tarball holding metadata.yaml,
 * templates/ and rootfs/. Split: a metadata tarball (metadata.yaml,
 * templates/) and the plain root file system tarball. The fingerprint an
 * image server and `lxc image import` give the image is sha256 of the
 * unified tarball, or of the metadata tarball's bytes followed by the
 * rootfs tarball's. Templates write /etc/hostname and /etc/hosts with the
 * instance's name when it is created or copied. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cache/export/export.h"
#include "cache/export/export_int.h"

struct vz_export_incus {
    struct vz_export_src *s;
    char *uni_tmp, *uni, *meta_tmp, *meta, *root;
    struct vz_tarout *ut;
    struct vz_export_copy copy;
};

static const char hostname_tpl[] = "{{ container.name }}\n";
static const char hosts_tpl[] = "127.0.0.1\tlocalhost\n"
                                "127.0.1.1\t{{ container.name }}\n"
                                "::1\tlocalhost ip6-localhost ip6-loopback\n"
                                "ff02::1\tip6-allnodes\n"
                                "ff02::2\tip6-allrouters\n";

/* A YAML double-quoted scalar. */
static void yq(struct vz_buf *b, const char *v)
{
    vz_buf_addc(b, '"');
    for (const char *p = v; *p; p++) {
        if (*p == '"' || *p == '\\')
            vz_buf_addc(b, '\\');
        if ((unsigned char)*p < 0x20)
            vz_buf_addf(b, "\\x%02x", (unsigned char)*p);
        else
            vz_buf_addc(b, *p);
    }
    vz_buf_addc(b, '"');
}

static void prop(struct vz_buf *b, const char *k, const char *v)
{
    vz_buf_addf(b, "  %s: ", k);
    yq(b, v);
    vz_buf_addc(b, '\n');
}

static char *metadata_yaml(const struct vz_export_src *s)
{
    time_t t = (time_t)s->m->build_time;
    struct tm tm;
    gmtime_r(&t, &tm);
    char serial[32];
    strftime(serial, sizeof(serial), "%Y%m%d_%H%M", &tm);
    cleanup_free char *desc = vz_xasprintf(
        "%s %s %s%s%s (vzforge %s)%s", s->distro, s->release, s->arch, *s->variant ? " " : "",
        s->variant, serial, s->has_init ? "" : ", no init: not bootable");
    struct vz_buf b = VZ_BUF_INIT;
    vz_buf_init(&b);
    vz_buf_addf(&b, "architecture: ");
    yq(&b, s->arch);
    vz_buf_addf(&b, "\ncreation_date: %lld\nproperties:\n", (long long)s->m->build_time);
    prop(&b, "architecture", s->arch);
    prop(&b, "description", desc);
    prop(&b, "name", s->name);
    prop(&b, "os", s->distro);
    prop(&b, "release", s->release);
    prop(&b, "serial", serial);
    prop(&b, "variant", s->variant);
    prop(&b, "vzforge.cache_sha256", s->cache->tar_sha256);
    prop(&b, "vzforge.init", s->has_init ? "/sbin/init" : "none");
    if (!s->has_init)
        prop(&b, "vzforge.note", vz_export_noinit_note);
    vz_buf_adds(&b, "templates:\n");
    static const char *const tpl[][2] = { { "/etc/hostname", "hostname.tpl" },
                                          { "/etc/hosts", "hosts.tpl" } };
    for (size_t i = 0; i < 2; i++)
        vz_buf_addf(&b,
                    "  %s:\n    when:\n      - create\n      - copy\n    create_only: false\n"
                    "    template: %s\n    properties: {}\n",
                    tpl[i][0], tpl[i][1]);
    return vz_buf_detach(&b, NULL);
}

/* metadata.yaml and templates/ into t. */
static int add_metadata(const struct vz_export_src *s, struct vz_tarout *t, vz_error_t *err)
{
    cleanup_free char *y = metadata_yaml(s);
    int64_t mt = s->m->build_time;
    if (vz_tarout_add(t, "metadata.yaml", y, strlen(y), 0644, mt, err) < 0 ||
        vz_tarout_add(t, "templates/", NULL, 0, 0755, mt, err) < 0 ||
        vz_tarout_add(t, "templates/hostname.tpl", hostname_tpl, strlen(hostname_tpl), 0644, mt,
                      err) < 0 ||
        vz_tarout_add(t, "templates/hosts.tpl", hosts_tpl, strlen(hosts_tpl), 0644, mt, err) < 0)
        return -1;
    return 0;
}

int vz_export_incus_begin(struct vz_export_src *s, const char *dir, struct vz_export_incus **out,
                          vz_error_t *err)
{
    struct vz_export_incus *x = vz_xcalloc(1, sizeof(*x));
    int pid = (int)getpid();
    x->s = s;
    x->uni = vz_xasprintf("%s/%s.incus.tar.gz", dir, s->name);
    x->meta = vz_xasprintf("%s/%s.incus.meta.tar.gz", dir, s->name);
    x->root = vz_xasprintf("%s/%s.incus.rootfs.tar.gz", dir, s->name);
    x->uni_tmp = vz_xasprintf("%s/.%s.incus.tmp.%d", dir, s->name, pid);
    x->meta_tmp = vz_xasprintf("%s/.%s.incus.meta.tmp.%d", dir, s->name, pid);
    unlink(x->uni_tmp);
    if (vz_tarout_open(x->uni_tmp, VZ_TAROUT_GZ, 0, &x->ut, err) < 0 ||
        add_metadata(s, x->ut, err) < 0) {
        vz_export_incus_free(x);
        return -1;
    }
    x->copy = (struct vz_export_copy){ .out = x->ut, .prefix = "rootfs/",
                                       .mtime = s->m->build_time };
    *out = x;
    return 0;
}

struct vz_export_copy *vz_export_incus_copy(struct vz_export_incus *x)
{
    return &x->copy;
}

/* sha256 of the bytes of a then b: the split image's fingerprint. */
static int fingerprint2(const char *a, const char *b, char *hex, vz_error_t *err)
{
    struct vz_sha256 h;
    if (vz_sha256_init(&h, err) < 0)
        return -1;
    const char *files[] = { a, b };
    char buf[1 << 16];
    for (size_t i = 0; i < 2; i++) {
        int fd = open(files[i], O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            vz_sha256_release(&h);
            return vz_error_sys(err, "open %s", files[i]);
        }
        ssize_t n;
        while ((n = read(fd, buf, sizeof(buf))) > 0)
            vz_sha256_update(&h, buf, (size_t)n);
        close(fd);
        if (n < 0) {
            vz_sha256_release(&h);
            return vz_error_sys(err, "read %s", files[i]);
        }
    }
    vz_sha256_final(&h, NULL, hex);
    vz_sha256_release(&h);
    return 0;
}

int vz_export_incus_end(struct vz_export_incus *x, const struct vz_export_job *j, json_t *out,
                        vz_error_t *err)
{
    struct vz_tarout_sum us, ms;
    struct vz_tarout *t = x->ut, *m = NULL;
    x->ut = NULL;
    if (vz_tarout_close(t, &us, err) < 0)
        return -1;
    unlink(x->meta_tmp);
    if (vz_tarout_open(x->meta_tmp, VZ_TAROUT_GZ, 0, &m, err) < 0)
        return -1;
    if (add_metadata(x->s, m, err) < 0) {
        vz_tarout_abort(m);
        return -1;
    }
    const struct vz_tarout_sum *rs = vz_export_job_rootfs_sum(j);
    char split_fp[65];
    if (vz_tarout_close(m, &ms, err) < 0 ||
        fingerprint2(x->meta_tmp, vz_export_job_rootfs(j), split_fp, err) < 0 ||
        vz_export_place(vz_export_job_rootfs(j), x->root, err) < 0 ||
        vz_export_replace(x->meta_tmp, x->meta, err) < 0 ||
        vz_export_replace(x->uni_tmp, x->uni, err) < 0)
        return -1;
    json_object_set_new(out, "path", json_string(x->uni));
    json_object_set_new(out, "fingerprint", json_string(us.sha256));
    json_object_set_new(out, "split_fingerprint", json_string(split_fp));
    json_object_set_new(out, "files",
                        json_pack("[o, o, o]",
                                  vz_export_file_json("unified", x->uni, us.size, us.sha256),
                                  vz_export_file_json("meta", x->meta, ms.size, ms.sha256),
                                  vz_export_file_json("rootfs", x->root, rs->size, rs->sha256)));
    return 0;
}

void vz_export_incus_free(struct vz_export_incus *x)
{
    if (!x)
        return;
    vz_tarout_abort(x->ut);
    unlink(x->uni_tmp);
    unlink(x->meta_tmp);
    free(x->uni);
    free(x->uni_tmp);
    free(x->meta);
    free(x->meta_tmp);
    free(x->root);
    free(x);
}
