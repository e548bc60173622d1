/* tmplbuild/deb/dpkgdb.c: var/lib/dpkg as dpkg leaves it after unpacking (see dpkgdb.h). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <openssl/evp.h>
#include <unistd.h>

#include "tmplbuild/deb/dpkgdb.h"

#define ADMIN "var/lib/dpkg"

int vz_write_plain(const char *path, const void *data, size_t len, mode_t mode, vz_error_t *err)
{
    cleanup_close int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
    if (fd < 0)
        return vz_error_sys(err, "create %s", path);
    const char *p = data;
    while (len) {
        ssize_t w = write(fd, p, len);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return vz_error_sys(err, "write %s", path);
        }
        p += w;
        len -= (size_t)w;
    }
    if (fchmod(fd, mode) < 0)
        return vz_error_sys(err, "chmod %s", path);
    return 0;
}

int vz_dpkgdb_init(const char *root, vz_error_t *err)
{
    static const char *const dirs[] = { "info", "updates", "triggers", "alternatives", "parts" };
    static const char *const empty[] = { "status", "available", "diversions", "statoverride",
                                         "triggers/Unincorp" };
    cleanup_free char *admin = vz_path_join(root, ADMIN);
    if (vz_mkdir_p(admin, 0755, err) < 0)
        return -1;
    for (size_t i = 0; i < VZ_ARRAY_SIZE(dirs); i++) {
        cleanup_free char *d = vz_path_join(admin, dirs[i]);
        if (mkdir(d, 0755) < 0 && errno != EEXIST)
            return vz_error_sys(err, "mkdir %s", d);
    }
    for (size_t i = 0; i < VZ_ARRAY_SIZE(empty); i++) {
        cleanup_free char *f = vz_path_join(admin, empty[i]);
        if (vz_write_plain(f, "", 0, 0644, err) < 0)
            return -1;
    }
    cleanup_free char *fmt = vz_path_join(admin, "info/format");
    return vz_write_plain(fmt, "1\n", 2, 0644, err);
}

int vz_dpkgdb_write_info(const char *root, const struct vz_deb_info *info, vz_error_t *err)
{
    cleanup_free char *name = vz_deb_infoname(info);
    cleanup_free char *list = vz_xasprintf("%s/" ADMIN "/info/%s.list", root, name);
    cleanup_buf struct vz_buf b = VZ_BUF_INIT;
    vz_buf_init(&b);
    for (size_t i = 0; i < info->n_files; i++) {
        vz_buf_adds(&b, info->files[i]);
        vz_buf_addc(&b, '\n');
    }
    if (vz_write_plain(list, b.data, b.len, 0644, err) < 0)
        return -1;
    for (size_t i = 0; i < info->n_members; i++) {
        const struct vz_deb_member *m = &info->members[i];
        cleanup_free char *p = vz_xasprintf("%s/" ADMIN "/info/%s.%s", root, name, m->name);
        if (vz_write_plain(p, m->data, m->len, m->mode & 07777, err) < 0)
            return -1;
    }
    return 0;
}

/* dpkg's own order of the fields it knows (lib/dpkg/parse.c); Status goes
 * after Essential/Protected, other fields follow in their shipped order. */
static const char *const field_order[] = {
    "Package", "Essential", "Protected", "Status", "Priority", "Section", "Installed-Size",
    "Origin", "Maintainer", "Bugs", "Architecture", "Multi-Arch", "Source", "Version",
    "Config-Version", "Replaces", "Provides", "Depends", "Pre-Depends", "Recommends",
    "Suggests", "Breaks", "Conflicts", "Enhances", "Conffiles", "Filename", "Size", "MD5sum",
    "MSDOS-Filename", "Description", "Triggers-Pending", "Triggers-Awaited",
};

struct field {
    const char *name;
    size_t name_len;
    const char *text; /* the whole "Name: value\n continuation\n" block */
    size_t text_len;
};

static size_t split_fields(const char *stanza, struct field **out)
{
    size_t n = 0, cap = 32;
    struct field *f = vz_xmalloc(cap * sizeof(*f));
    const char *p = stanza;
    while (*p) {
        const char *colon = strchr(p, ':');
        const char *eol = strchr(p, '\n');
        if (!eol)
            eol = p + strlen(p);
        if (*p == ' ' || *p == '\t' || !colon || colon > eol) { /* stray line: skip */
            p = *eol ? eol + 1 : eol;
            continue;
        }
        const char *end = eol;
        while (*end == '\n' && (end[1] == ' ' || end[1] == '\t')) {
            const char *next = strchr(end + 1, '\n');
            end = next ? next : end + 1 + strlen(end + 1);
        }
        if (n == cap)
            f = vz_xrealloc(f, (cap *= 2) * sizeof(*f));
        f[n].name = p;
        f[n].name_len = (size_t)(colon - p);
        f[n].text = p;
        f[n].text_len = (size_t)(end - p);
        n++;
        p = *end ? end + 1 : end;
    }
    *out = f;
    return n;
}

static bool field_is(const struct field *f, const char *name)
{
    return strlen(name) == f->name_len && strncasecmp(f->name, name, f->name_len) == 0;
}

static bool field_known(const struct field *f)
{
    for (size_t i = 0; i < VZ_ARRAY_SIZE(field_order); i++)
        if (field_is(f, field_order[i]))
            return true;
    return false;
}

/* dpkg records a configured conffile with the md5 of the file on disk. */
static void conffile_md5(const char *root, const char *path, char *hex)
{
    snprintf(hex, 16, "newconffile");
    cleanup_free char *full = vz_path_join(root, path);
    cleanup_free char *data = NULL;
    size_t len = 0;
    vz_error_t err = NULL;
    if (vz_read_file(full, &data, &len, &err) < 0) {
        vz_error_release(&err);
        return;
    }
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    if (EVP_Digest(data, len, md, &mdlen, EVP_md5(), NULL) == 1)
        vz_hex_encode(md, mdlen, hex);
}

static void add_conffiles(struct vz_buf *out, const struct vz_deb_info *info,
                          const char *hash_root)
{
    const struct vz_deb_member *m = vz_deb_member(info, "conffiles");
    if (!m || m->len == 0)
        return;
    bool any = false;
    cleanup_free char *copy = vz_xstrdup(m->data);
    char *save = NULL;
    for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        while (*l == ' ' || *l == '\t')
            l++;
        if (*l == '\0')
            continue;
        /* "remove-on-upgrade /etc/x": a flag for upgrades, not a conffile to ship */
        if (strncmp(l, "remove-on-upgrade ", 18) == 0)
            continue;
        char *end = l + strlen(l);
        while (end > l && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
            *--end = '\0';
        if (!any)
            vz_buf_adds(out, "Conffiles:\n");
        any = true;
        char hex[2 * EVP_MAX_MD_SIZE + 16];
        if (hash_root)
            conffile_md5(hash_root, l, hex);
        else
            snprintf(hex, 16, "newconffile");
        vz_buf_addf(out, " %s %s\n", l, hex);
    }
}

static void stanza(struct vz_buf *out, const struct vz_deb_info *info, const char *status,
                   const char *hash_root)
{
    cleanup_free struct field *f = NULL;
    size_t n = split_fields(info->control, &f);
    for (size_t k = 0; k < VZ_ARRAY_SIZE(field_order); k++) {
        const char *want = field_order[k];
        if (strcmp(want, "Status") == 0) {
            vz_buf_addf(out, "Status: %s\n", status);
            continue;
        }
        if (strcmp(want, "Conffiles") == 0) {
            add_conffiles(out, info, hash_root);
            continue;
        }
        if (strcmp(want, "Essential") == 0) {
            if (info->essential)
                vz_buf_adds(out, "Essential: yes\n");
            continue;
        }
        if (strcmp(want, "Multi-Arch") == 0) {
            if (info->multi_arch && strcmp(info->multi_arch, "no") != 0)
                vz_buf_addf(out, "Multi-Arch: %s\n", info->multi_arch);
            continue;
        }
        if (strcmp(want, "Priority") == 0 && info->priority) {
            vz_buf_addf(out, "Priority: %s\n", info->priority);
            continue;
        }
        if (strcmp(want, "Protected") == 0) {
            cleanup_free char *v = vz_deb_field(info->control, "Protected");
            if (v && strcasecmp(v, "yes") == 0)
                vz_buf_adds(out, "Protected: yes\n");
            continue;
        }
        for (size_t i = 0; i < n; i++)
            if (field_is(&f[i], want)) {
                vz_buf_add(out, f[i].text, f[i].text_len);
                vz_buf_addc(out, '\n');
                break;
            }
    }
    for (size_t i = 0; i < n; i++)
        if (!field_known(&f[i])) {
            vz_buf_add(out, f[i].text, f[i].text_len);
            vz_buf_addc(out, '\n');
        }
    vz_buf_addc(out, '\n');
}

void vz_dpkgdb_stanza(struct vz_buf *out, const struct vz_deb_info *info, const char *status)
{
    stanza(out, info, status, NULL);
}

static int write_status(const char *root, struct vz_deb_info *const *infos, size_t n,
                        const char *status, const bool *installed, vz_error_t *err)
{
    cleanup_buf struct vz_buf b = VZ_BUF_INIT;
    vz_buf_init(&b);
    for (size_t i = 0; i < n; i++) {
        if (!infos[i])
            continue;
        if (installed && installed[i])
            stanza(&b, infos[i], "install ok installed", root);
        else
            stanza(&b, infos[i], status, NULL);
    }
    cleanup_free char *tmp = vz_path_join(root, ADMIN "/status.vz-new");
    cleanup_free char *path = vz_path_join(root, ADMIN "/status");
    if (vz_write_plain(tmp, b.data, b.len, 0644, err) < 0)
        return -1;
    if (rename(tmp, path) < 0)
        return vz_error_sys(err, "rename %s", path);
    return 0;
}

int vz_dpkgdb_write_status(const char *root, struct vz_deb_info *const *infos, size_t n,
                           const char *status, vz_error_t *err)
{
    return write_status(root, infos, n, status, NULL, err);
}

int vz_dpkgdb_write_status_installed(const char *root, struct vz_deb_info *const *infos,
                                     const bool *installed, size_t n, vz_error_t *err)
{
    return write_status(root, infos, n, "install ok unpacked", installed, err);
}

int vz_dpkgdb_append_status(const char *root, const struct vz_deb_info *info, const char *status,
                            vz_error_t *err)
{
    cleanup_buf struct vz_buf b = VZ_BUF_INIT;
    vz_buf_init(&b);
    stanza(&b, info, status, NULL);
    cleanup_free char *path = vz_path_join(root, ADMIN "/status");
    cleanup_close int fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return vz_error_sys(err, "open %s", path);
    /* dpkg ends the file with a blank line after the last stanza; be safe if not */
    struct stat st;
    char last[2] = { 0, 0 };
    if (fstat(fd, &st) == 0 && st.st_size >= 2 && pread(fd, last, 2, st.st_size - 2) == 2 &&
        !(last[0] == '\n' && last[1] == '\n') && write(fd, "\n", 1) != 1)
        return vz_error_sys(err, "append to %s", path);
    if (write(fd, b.data, b.len) != (ssize_t)b.len)
        return vz_error_sys(err, "append to %s", path);
    return 0;
}

int vz_dpkgdb_write_triggers(const char *root, struct vz_deb_info *const *infos, size_t n,
                             vz_error_t *err)
{
    cleanup_buf struct vz_buf file = VZ_BUF_INIT;
    vz_buf_init(&file);
    for (size_t i = 0; i < n; i++) {
        const struct vz_deb_member *m = infos[i] ? vz_deb_member(infos[i], "triggers") : NULL;
        if (!m)
            continue;
        cleanup_free char *name = vz_deb_infoname(infos[i]);
        cleanup_free char *copy = vz_xstrdup(m->data);
        char *save = NULL;
        for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
            char kw[32], trig[4096];
            if (l[0] == '#' || sscanf(l, " %31s %4095s", kw, trig) != 2)
                continue;
            bool noawait;
            if (strcmp(kw, "interest") == 0 || strcmp(kw, "interest-await") == 0)
                noawait = false;
            else if (strcmp(kw, "interest-noawait") == 0)
                noawait = true;
            else
                continue; /* activate*: handled by dpkg when the package is configured */
            const char *suffix = noawait ? "/noawait" : "";
            if (trig[0] == '/') {
                vz_buf_addf(&file, "%s %s%s\n", trig, name, suffix);
                continue;
            }
            if (!vz_safe_name(trig))
                return vz_error_set(err, VZ_ECORRUPT, 0, "%s: invalid trigger name '%s'",
                                    infos[i]->path, trig);
            cleanup_free char *p = vz_xasprintf("%s/" ADMIN "/triggers/%s", root, trig);
            cleanup_free char *line = vz_xasprintf("%s%s\n", name, suffix);
            cleanup_free char *old = NULL;
            size_t oldlen = 0;
            if (vz_file_exists(p) && vz_read_file(p, &old, &oldlen, err) < 0)
                return -1;
            cleanup_free char *all = vz_xasprintf("%s%s", old ? old : "", line);
            if (vz_write_plain(p, all, strlen(all), 0644, err) < 0)
                return -1;
        }
    }
    if (file.len == 0)
        return 0;
    cleanup_free char *fp = vz_path_join(root, ADMIN "/triggers/File");
    cleanup_free char *old = NULL;
    size_t oldlen = 0;
    if (vz_file_exists(fp) && vz_read_file(fp, &old, &oldlen, err) < 0)
        return -1;
    cleanup_free char *all = vz_xasprintf("%s%s", old ? old : "", file.data);
    return vz_write_plain(fp, all, strlen(all), 0644, err);
}
