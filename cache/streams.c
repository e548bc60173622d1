/* cache/streams.c: simplestreams files for a published tree
 * (cache/streams.h, docs/publish.md). */
#include "cache/streams.h"

#include <archive.h>
#include <archive_entry.h>
#include <jansson.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <yaml.h>

#include "cache/export/export.h"

/* Template-name architecture -> Debian name used in product keys. */
static const char *const arch_map[][2] = {
    { "x86_64", "amd64" },   { "amd64", "amd64" },     { "aarch64", "arm64" },
    { "arm64", "arm64" },    { "i386", "i386" },       { "i686", "i386" },
    { "armhf", "armhf" },    { "armv7l", "armhf" },    { "ppc64le", "ppc64el" },
    { "ppc64el", "ppc64el" }, { "s390x", "s390x" },    { "riscv64", "riscv64" },
};

/* Debian name -> the kernel name metadata.yaml wants. */
static const char *kernel_arch(const char *deb)
{
    static const char *const m[][2] = { { "amd64", "x86_64" },   { "arm64", "aarch64" },
                                        { "i386", "i686" },      { "armhf", "armv7l" },
                                        { "ppc64el", "ppc64le" }, { "s390x", "s390x" },
                                        { "riscv64", "riscv64" } };
    for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++)
        if (!strcmp(m[i][0], deb))
            return m[i][1];
    return deb;
}

void vz_streams_name_release(struct vz_streams_name *n)
{
    free(n->os);
    free(n->release);
    free(n->arch);
    free(n->kernel_arch);
    free(n->variant);
    memset(n, 0, sizeof(*n));
}

int vz_streams_parse_name(const char *name, struct vz_streams_name *out)
{
    memset(out, 0, sizeof(*out));
    cleanup_free char *s = vz_xstrdup(name);
    char **tok = vz_xcalloc(1, sizeof(char *));
    char *save = NULL;
    for (char *t = strtok_r(s, "-", &save); t; t = strtok_r(NULL, "-", &save))
        vz_strv_push(&tok, t);
    size_t n = vz_strv_len(tok);
    /* the architecture: the first known token after OS and at least one
     * release token */
    for (size_t i = 2; i < n; i++) {
        for (size_t k = 0; k < sizeof(arch_map) / sizeof(arch_map[0]); k++) {
            if (strcmp(tok[i], arch_map[k][0]))
                continue;
            struct vz_buf rel = VZ_BUF_INIT, var = VZ_BUF_INIT;
            vz_buf_init(&rel);
            vz_buf_init(&var);
            for (size_t j = 1; j < i; j++)
                vz_buf_addf(&rel, "%s%s", j > 1 ? "-" : "", tok[j]);
            for (size_t j = i + 1; j < n; j++)
                vz_buf_addf(&var, "%s%s", j > i + 1 ? "-" : "", tok[j]);
            out->os = vz_xstrdup(tok[0]);
            out->release = vz_buf_detach(&rel, NULL);
            out->arch = vz_xstrdup(arch_map[k][1]);
            out->kernel_arch = vz_xstrdup(kernel_arch(out->arch));
            out->variant = var.len ? vz_buf_detach(&var, NULL) : vz_xstrdup("default");
            vz_buf_release(&var);
            vz_strv_free(tok);
            return 0;
        }
    }
    vz_strv_free(tok);
    return -1;
}

static char *build_dir(const char *dir, const struct vz_index_build *b)
{
    return vz_xasprintf("%s/%s/%s", dir, b->name, b->id);
}

char *vz_streams_root_path(const struct vz_index_build *b)
{
    if (b->compress && !strcmp(b->compress, "xz"))
        return vz_xstrdup(b->tarball);
    return vz_xasprintf("%s/%s/root.tar.xz", b->name, b->id);
}

static int xz_options(struct archive *a, int level)
{
    /* the multi-threaded encoder always (at least 2 threads): its output
     * does not depend on the thread count */
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    char thr[32], lvl[16];
    snprintf(thr, sizeof(thr), "%ld", cpus > 2 ? cpus : 2);
    snprintf(lvl, sizeof(lvl), "%d", level >= 1 && level <= 9 ? level : 6);
    int r = archive_write_add_filter_xz(a);
    if (r == ARCHIVE_OK)
        r = archive_write_set_filter_option(a, "xz", "compression-level", lvl);
    if (r == ARCHIVE_OK)
        r = archive_write_set_filter_option(a, "xz", "threads", thr);
    if (r == ARCHIVE_OK)
        r = archive_write_set_bytes_in_last_block(a, 1);
    return r;
}

/* The cache's tar stream, decompressed and recompressed as xz into dst. */
static int write_root_xz(const char *src, const char *dst, int level, vz_error_t *err)
{
    const size_t bufsize = 1 << 20;
    cleanup_free char *buf = vz_xmalloc(bufsize);
    struct vz_atomic_file f = { 0 };
    if (vz_atomic_open(&f, dst, 0644, err) < 0)
        return -1;
    struct archive *in = archive_read_new();
    struct archive *out = archive_write_new();
    struct archive_entry *e = NULL;
    int r = 0;
    archive_read_support_filter_all(in);
    archive_read_support_format_raw(in);
    if (archive_read_open_filename(in, src, 1 << 20) != ARCHIVE_OK ||
        archive_read_next_header(in, &e) != ARCHIVE_OK) {
        r = vz_error_set(err, VZ_ECORRUPT, 0, "%s: %s", src, archive_error_string(in));
        goto out;
    }
    if (archive_write_set_format_raw(out) != ARCHIVE_OK || xz_options(out, level) != ARCHIVE_OK ||
        archive_write_open_fd(out, f.fd) != ARCHIVE_OK) {
        r = vz_error_set(err, VZ_EFAIL, 0, "libarchive xz writer: %s", archive_error_string(out));
        goto out;
    }
    struct archive_entry *oe = archive_entry_new();
    archive_entry_set_pathname(oe, "root.tar");
    archive_entry_set_filetype(oe, AE_IFREG);
    archive_entry_set_perm(oe, 0644);
    if (archive_write_header(out, oe) != ARCHIVE_OK)
        r = vz_error_set(err, VZ_EFAIL, 0, "%s: %s", dst, archive_error_string(out));
    archive_entry_free(oe);
    while (r == 0) {
        la_ssize_t n = archive_read_data(in, buf, bufsize);
        if (n < 0)
            r = vz_error_set(err, VZ_ECORRUPT, 0, "%s: %s", src, archive_error_string(in));
        if (n <= 0)
            break;
        if (archive_write_data(out, buf, (size_t)n) != n)
            r = vz_error_set(err, VZ_EFAIL, 0, "%s: %s", dst, archive_error_string(out));
    }
    if (r == 0 && archive_write_close(out) != ARCHIVE_OK)
        r = vz_error_set(err, VZ_EFAIL, 0, "%s: %s", dst, archive_error_string(out));
out:
    archive_read_free(in);
    archive_write_free(out);
    if (r == 0)
        r = vz_atomic_commit(&f, err);
    vz_atomic_abort(&f);
    return r;
}

/* ---- metadata.yaml (libyaml emitter) ---- */

static int yaml_sink(void *data, unsigned char *buffer, size_t size)
{
    vz_buf_add(data, buffer, size);
    return 1;
}

static int ev_scalar(yaml_emitter_t *em, const char *s, bool quoted)
{
    yaml_event_t ev;
    yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)s, (int)strlen(s), !quoted,
                                 quoted, quoted ? YAML_DOUBLE_QUOTED_SCALAR_STYLE
                                                : YAML_ANY_SCALAR_STYLE);
    return yaml_emitter_emit(em, &ev);
}

static int ev_map(yaml_emitter_t *em, bool start)
{
    yaml_event_t ev;
    if (start)
        yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_MAPPING_STYLE);
    else
        yaml_mapping_end_event_initialize(&ev);
    return yaml_emitter_emit(em, &ev);
}

static int ev_kv(yaml_emitter_t *em, const char *k, const char *v, bool quoted)
{
    return ev_scalar(em, k, false) && ev_scalar(em, v, quoted);
}

static int ev_template(yaml_emitter_t *em, const char *path, const char *tpl)
{
    yaml_event_t ev;
    int ok = ev_scalar(em, path, false) && ev_map(em, true) && ev_scalar(em, "when", false);
    if (ok) {
        yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1, YAML_FLOW_SEQUENCE_STYLE);
        ok = yaml_emitter_emit(em, &ev) && ev_scalar(em, "create", false) &&
             ev_scalar(em, "copy", false);
    }
    if (ok) {
        yaml_sequence_end_event_initialize(&ev);
        ok = yaml_emitter_emit(em, &ev);
    }
    return ok && ev_kv(em, "create_only", "false", false) && ev_kv(em, "template", tpl, false) &&
           ev_map(em, false);
}

static char *metadata_yaml(const struct vz_index_build *b, const struct vz_streams_name *nm,
                           const char *serial, vz_error_t *err)
{
    yaml_emitter_t em;
    yaml_event_t ev;
    struct vz_buf out = VZ_BUF_INIT;
    vz_buf_init(&out);
    yaml_emitter_initialize(&em);
    yaml_emitter_set_output(&em, yaml_sink, &out);
    yaml_emitter_set_unicode(&em, 1);
    char date[32];
    snprintf(date, sizeof(date), "%lld", (long long)b->build_time);
    /* a build without an init is marked as cache/export/incus.c marks it */
    bool noinit = b->init == 0;
    cleanup_free char *desc = vz_xasprintf("%s %s %s (%s) (%s)%s", nm->os, nm->release, nm->arch,
                                           nm->variant, serial,
                                           noinit ? ", no init: not bootable" : "");
    yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING);
    int ok = yaml_emitter_emit(&em, &ev);
    yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1);
    ok = ok && yaml_emitter_emit(&em, &ev) && ev_map(&em, true) &&
         ev_kv(&em, "architecture", nm->kernel_arch, false) &&
         ev_kv(&em, "creation_date", date, false) && ev_scalar(&em, "properties", false) &&
         ev_map(&em, true) && ev_kv(&em, "architecture", nm->arch, true) &&
         ev_kv(&em, "description", desc, true) && ev_kv(&em, "name", b->name, true) &&
         ev_kv(&em, "os", nm->os, true) && ev_kv(&em, "release", nm->release, true) &&
         ev_kv(&em, "serial", serial, true) && ev_kv(&em, "variant", nm->variant, true) &&
         (b->init < 0 || ev_kv(&em, "vzforge.init", noinit ? "none" : "/sbin/init", true)) &&
         (!noinit || ev_kv(&em, "vzforge.note", vz_export_noinit_note, true)) &&
         ev_map(&em, false) && ev_scalar(&em, "templates", false) && ev_map(&em, true) &&
         ev_template(&em, "/etc/hostname", "hostname.tpl") &&
         ev_template(&em, "/etc/hosts", "hosts.tpl") && ev_map(&em, false) && ev_map(&em, false);
    if (ok) {
        yaml_document_end_event_initialize(&ev, 1);
        ok = yaml_emitter_emit(&em, &ev);
    }
    if (ok) {
        yaml_stream_end_event_initialize(&ev);
        ok = yaml_emitter_emit(&em, &ev) && yaml_emitter_flush(&em);
    }
    if (!ok) {
        vz_error_set(err, VZ_EFAIL, 0, "metadata.yaml for %s: libyaml: %s", b->name,
                     em.problem ? em.problem : "emitter error");
        yaml_emitter_delete(&em);
        vz_buf_release(&out);
        return NULL;
    }
    yaml_emitter_delete(&em);
    return vz_buf_detach(&out, NULL);
}

/* Templates rendered by Incus/LXD (pongo2) on create and copy. */
static const char hostname_tpl[] = "{{ container.name }}\n";
static const char hosts_tpl[] = "127.0.0.1\tlocalhost\n"
                                "127.0.1.1\t{{ container.name }}\n"
                                "\n"
                                "::1\tlocalhost ip6-localhost ip6-loopback\n"
                                "ff02::1\tip6-allnodes\n"
                                "ff02::2\tip6-allrouters\n";

static int add_member(struct archive *a, const char *path, const char *data, int64_t mtime)
{
    struct archive_entry *e = archive_entry_new();
    archive_entry_set_pathname(e, path);
    archive_entry_set_mtime(e, mtime, 0);
    archive_entry_set_uid(e, 0);
    archive_entry_set_gid(e, 0);
    if (data) {
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_perm(e, 0644);
        archive_entry_set_size(e, (la_int64_t)strlen(data));
    } else {
        archive_entry_set_filetype(e, AE_IFDIR);
        archive_entry_set_perm(e, 0755);
    }
    int r = archive_write_header(a, e);
    archive_entry_free(e);
    if (r == ARCHIVE_OK && data &&
        archive_write_data(a, data, strlen(data)) != (la_ssize_t)strlen(data))
        r = ARCHIVE_FATAL;
    return r;
}

static int write_meta_xz(const char *dst, const struct vz_index_build *b,
                         const struct vz_streams_name *nm, const char *serial, vz_error_t *err)
{
    cleanup_free char *yml = metadata_yaml(b, nm, serial, err);
    if (!yml)
        return -1;
    struct vz_atomic_file f = { 0 };
    if (vz_atomic_open(&f, dst, 0644, err) < 0)
        return -1;
    struct archive *a = archive_write_new();
    int r = archive_write_set_format_pax_restricted(a);
    if (r == ARCHIVE_OK)
        r = xz_options(a, 6);
    if (r == ARCHIVE_OK)
        r = archive_write_open_fd(a, f.fd);
    if (r == ARCHIVE_OK)
        r = add_member(a, "metadata.yaml", yml, b->build_time);
    if (r == ARCHIVE_OK)
        r = add_member(a, "templates", NULL, b->build_time);
    if (r == ARCHIVE_OK)
        r = add_member(a, "templates/hostname.tpl", hostname_tpl, b->build_time);
    if (r == ARCHIVE_OK)
        r = add_member(a, "templates/hosts.tpl", hosts_tpl, b->build_time);
    if (r == ARCHIVE_OK)
        r = archive_write_close(a);
    int rc = 0;
    if (r != ARCHIVE_OK)
        rc = vz_error_set(err, VZ_EFAIL, 0, "%s: libarchive: %s", dst, archive_error_string(a));
    archive_write_free(a);
    if (rc == 0)
        rc = vz_atomic_commit(&f, err);
    vz_atomic_abort(&f);
    return rc;
}

/* "YYYYMMDD_HHMM" of the build time (UTC): Incus reads the first 8 digits
 * as the creation date. */
void vz_streams_version_key(int64_t t, char out[32])
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(out, 32, "%Y%m%d_%H%M", &tm);
}

int vz_streams_prepare(const char *dir, const struct vz_index_build *b, int xz_level,
                       vz_error_t *err)
{
    struct vz_streams_name nm;
    if (vz_streams_parse_name(b->name, &nm) < 0)
        return 0;
    char serial[32];
    vz_streams_version_key(b->build_time, serial);
    cleanup_free char *bd = build_dir(dir, b);
    cleanup_free char *rel = vz_streams_root_path(b);
    cleanup_free char *root = vz_path_join(dir, rel);
    int r = 0;
    if (!vz_file_exists(root)) {
        cleanup_free char *src = vz_path_join(dir, b->tarball);
        vz_info("%s: writing %s for simplestreams clients", b->name, rel);
        r = write_root_xz(src, root, xz_level, err);
    }
    cleanup_free char *meta = vz_path_join(bd, "incus.tar.xz");
    if (r == 0 && !vz_file_exists(meta))
        r = write_meta_xz(meta, b, &nm, serial, err);
    vz_streams_name_release(&nm);
    return r < 0 ? vz_error_wrap(err, "simplestreams files of %s/%s", b->name, b->id) : 0;
}
