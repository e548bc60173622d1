/* tests/tmplbuild/install_fixture.c: see install_fixture.h. */
#include <archive.h>
#include <archive_entry.h>
#include <criterion/criterion.h>
#include <stdio.h>
#include <errno.h>
#include <glob.h>
#include <stdarg.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/tmplbuild/install_fixture.h"

static int chroot_run(void *ctx, const char *root, char *const argv[], char *const env[],
                      struct vz_buf *out, int *status, vz_error_t *err)
{
    (void)ctx;
    int p[2];
    if (pipe(p) < 0)
        return vz_error_sys(err, "pipe");
    pid_t pid = fork();
    if (pid < 0)
        return vz_error_sys(err, "fork");
    if (pid == 0) {
        dup2(p[1], 1);
        dup2(p[1], 2);
        close(p[0]);
        if (chroot(root) < 0 || chdir("/") < 0)
            _exit(126);
        execve(argv[0], argv, env);
        dprintf(2, "exec %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    close(p[1]);
    char buf[4096];
    ssize_t n;
    while ((n = read(p[0], buf, sizeof(buf))) > 0)
        if (out)
            vz_buf_add(out, buf, (size_t)n);
    close(p[0]);
    int st = 0;
    waitpid(pid, &st, 0);
    *status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    return 0;
}

const struct vz_script_runner install_chroot_runner = { chroot_run, NULL };

struct mem {
    struct vz_buf b;
};

static void tar_add_x(struct archive *a, const char *name, char type, const char *data, int mode,
                      int gid, const char *xattr)
{
    struct archive_entry *e = archive_entry_new();
    archive_entry_set_pathname(e, name);
    archive_entry_set_uid(e, 0);
    archive_entry_set_gid(e, gid);
    if (xattr) {
        const char *eq = strchr(xattr, '=');
        cleanup_free char *xn = strndup(xattr, (size_t)(eq - xattr));
        archive_entry_xattr_add_entry(e, xn, eq + 1, strlen(eq + 1));
    }
    archive_entry_set_mtime(e, 1700000000, 0);
    switch (type) {
    case 'd':
        archive_entry_set_filetype(e, AE_IFDIR);
        archive_entry_set_perm(e, mode ? mode : 0755);
        break;
    case 'l':
        archive_entry_set_filetype(e, AE_IFLNK);
        archive_entry_set_perm(e, 0777);
        archive_entry_set_symlink(e, data);
        break;
    case 'h':
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_perm(e, 0644);
        archive_entry_set_hardlink(e, data);
        break;
    default:
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_perm(e, mode ? mode : 0644);
        archive_entry_set_size(e, (la_int64_t)strlen(data));
    }
    archive_write_header(a, e);
    if (type == 'f' && data[0])
        archive_write_data(a, data, strlen(data));
    archive_entry_free(e);
}

static void tar_add(struct archive *a, const char *name, char type, const char *data, int mode)
{
    tar_add_x(a, name, type, data, mode, 0, NULL);
}

static char *tar_build(const char *filter, void (*fill)(struct archive *, const void *),
                       const void *arg, size_t *len)
{
    size_t cap = 32 << 20; /* enough for every fixture package */
    char *buf = vz_xmalloc(cap);
    struct archive *a = archive_write_new();
    archive_write_set_format_pax_restricted(a); /* xattrs need pax records */
    if (strcmp(filter, "gzip") == 0)
        archive_write_add_filter_gzip(a);
    archive_write_open_memory(a, buf, cap, len);
    fill(a, arg);
    archive_write_close(a);
    archive_write_free(a);
    return buf;
}

struct ctl_args {
    const char *control, *preinst, *postinst;
};

static void fill_control(struct archive *a, const void *arg)
{
    const struct ctl_args *c = arg;
    tar_add(a, "./", 'd', NULL, 0);
    tar_add(a, "./control", 'f', c->control, 0644);
    if (c->preinst)
        tar_add(a, "./preinst", 'f', c->preinst, 0755);
    if (c->postinst)
        tar_add(a, "./postinst", 'f', c->postinst, 0755);
}

struct data_args {
    const struct fx_entry *e;
    size_t n;
};

static void fill_data(struct archive *a, const void *arg)
{
    const struct data_args *d = arg;
    for (size_t i = 0; i < d->n; i++)
        tar_add_x(a, d->e[i].name, d->e[i].type, d->e[i].data ? d->e[i].data : "",
                  (int)d->e[i].mode, d->e[i].gid, d->e[i].xattr);
}

static void ar_add(struct archive *a, const char *name, const char *data, size_t len)
{
    struct archive_entry *e = archive_entry_new();
    archive_entry_set_pathname(e, name);
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_size(e, (la_int64_t)len);
    archive_entry_set_mtime(e, 1700000000, 0);
    archive_write_header(a, e);
    archive_write_data(a, data, len);
    archive_entry_free(e);
}

int install_make_deb(const char *path, const char *control, const char *preinst,
                     const char *postinst, const struct fx_entry *entries, size_t n)
{
    struct ctl_args c = { control, preinst, postinst };
    struct data_args d = { entries, n };
    size_t clen = 0, dlen = 0;
    cleanup_free char *ctl = tar_build("gzip", fill_control, &c, &clen);
    cleanup_free char *data = tar_build("none", fill_data, &d, &dlen);
    struct archive *a = archive_write_new();
    archive_write_set_format_ar_svr4(a);
    if (archive_write_open_filename(a, path) != ARCHIVE_OK) {
        archive_write_free(a);
        return -1;
    }
    ar_add(a, "debian-binary", "2.0\n", 4);
    ar_add(a, "control.tar.gz", ctl, clen);
    ar_add(a, "data.tar", data, dlen);
    archive_write_close(a);
    archive_write_free(a);
    return 0;
}

char *install_find_deb(const char *repo_dir, const char *name)
{
    cleanup_free char *pat = vz_xasprintf("%s/pool/main/*/%s/%s_*.deb", repo_dir, name, name);
    glob_t g;
    char *res = NULL;
    if (glob(pat, 0, NULL, &g) == 0 && g.gl_pathc > 0)
        res = vz_xstrdup(g.gl_pathv[g.gl_pathc - 1]);
    globfree(&g);
    return res;
}

char *install_slurp(const char *root, const char *rel)
{
    cleanup_free char *p = vz_path_join(root, rel);
    char *data = NULL;
    size_t len = 0;
    vz_error_t err = NULL;
    if (vz_read_file(p, &data, &len, &err) < 0) {
        vz_error_release(&err);
        return vz_xstrdup("");
    }
    return data;
}

static char **kept;

char *install_str(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    if (vasprintf(&s, fmt, ap) < 0)
        abort();
    va_end(ap);
    size_t n = vz_strv_len(kept);
    kept = vz_xrealloc(kept, (n + 2) * sizeof(char *));
    kept[n] = s;
    kept[n + 1] = NULL;
    return s;
}

void install_strings_release(void)
{
    vz_strv_free(kept);
    kept = NULL;
}

char *install_tree_listing(const char *dir)
{
    cleanup_free char *cmd = vz_xasprintf(
        "cd '%s' && find . -printf '%%y %%m %%p %%l\\n' | sort && "
        "find . -type f -print0 | sort -z | xargs -0r sha256sum",
        dir);
    FILE *f = popen(cmd, "r");
    cr_assert_not_null(f);
    struct vz_buf b = VZ_BUF_INIT;
    vz_buf_init(&b);
    char line[4096];
    while (fgets(line, sizeof(line), f))
        vz_buf_add(&b, line, strlen(line));
    cr_assert_eq(pclose(f), 0, "listing %s", dir);
    return vz_buf_detach(&b, NULL);
}
