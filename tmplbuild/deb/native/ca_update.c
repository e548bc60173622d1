/* tmplbuild/deb/native/ca_update.c: Debian 12's update-ca-certificates, in one process, for a first install.
 *
 * Usage: vz-ca-update REAL [ARG...]
 *
 * ca-certificates' postinst runs update-ca-certificates once per build, and
 * that POSIX sh program (ca-certificates 20230311, Debian 12) starts four or
 * five programs per certificate (a basename, a sed, an ln and a sed to
 * append it to the bundle): about 650 programs and 3 s of CPU on a machine
 * where starting a program costs 5 ms. This program does the same work
 * with system calls, and runs `openssl rehash` as the script does.
 *
 * It stands in only where its result is known to be the script's:
 *  - the update-ca-certificates shim (helper_shim.c) runs it only when REAL
 *    is the script it was checked against (same sha256), DPKG_ROOT is empty;
 *  - it runs only in the state of a first install: the certificates
 *    directory holds nothing but, at most, the bundle (no link to compare,
 *    clear or remove), no local certificate, no hook to run, no SELinux
 *    restorecon, a configuration whose certificate lines are plain names
 *    (no blank, control character, backslash or ".." component: the
 *    shell's `read` would change them), absolute directories, options among
 *    those the script reads;
 *  - anything else, and any doubt, execs REAL with the same arguments.
 * tests/tmplbuild/test_ca_native.c runs both on the same inputs and compares
 * the trees, the output and the exit status, and checks each refusal.
 *
 * Built static (`make` puts it in BUILD/gen and links its bytes into
 * vzpkg), because it runs inside the build root, which has its own libc
 * and may be of another architecture: a static program of the host's runs
 * there natively. It uses libc only. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* The script's settings, as its option loop leaves them. */
struct opts {
    bool verbose, fresh;
    const char *conf, *certsdir, *localdir, *bundle, *etcdir, *hooksdir;
};

static char **real_argv;

/* Hand the whole call to the real program. */
static void __attribute__((noreturn)) fallback(void)
{
    execv(real_argv[0], real_argv);
    fprintf(stderr, "update-ca-certificates: cannot run %s: %s\n", real_argv[0], strerror(errno));
    exit(127);
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n);
    if (p == NULL) {
        fputs("update-ca-certificates: out of memory\n", stderr);
        exit(1);
    }
    return p;
}

static char *cat3(const char *a, const char *b, const char *c)
{
    size_t la = strlen(a), lb = strlen(b), lc = strlen(c);
    char *s = xmalloc(la + lb + lc + 1);
    memcpy(s, a, la);
    memcpy(s + la, b, lb);
    memcpy(s + la + lb, c, lc + 1);
    return s;
}

/* Options the script reads; anything else (--default, --help, an unknown
 * word, an option without its value) goes to the real program. */
static void parse(int argc, char **argv, struct opts *o)
{
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char **val = NULL;
        if (strcmp(a, "--verbose") == 0 || strcmp(a, "-v") == 0)
            o->verbose = true;
        else if (strcmp(a, "--fresh") == 0 || strcmp(a, "-f") == 0)
            o->fresh = true;
        else if (strcmp(a, "--certsconf") == 0)
            val = &o->conf;
        else if (strcmp(a, "--certsdir") == 0)
            val = &o->certsdir;
        else if (strcmp(a, "--localcertsdir") == 0)
            val = &o->localdir;
        else if (strcmp(a, "--certbundle") == 0)
            val = &o->bundle;
        else if (strcmp(a, "--etccertsdir") == 0)
            val = &o->etcdir;
        else if (strcmp(a, "--hooksdir") == 0)
            val = &o->hooksdir;
        else
            fallback();
        if (val) {
            if (i + 1 >= argc)
                fallback();
            *val = argv[++i];
        }
    }
}

/* A directory that the script names unquoted in `find` or as a `case`
 * pattern, or relative to the directory it cd's into: only plain absolute
 * paths here. */
static bool plain_dir(const char *d)
{
    if (d[0] != '/' || (strlen(d) > 1 && d[strlen(d) - 1] == '/'))
        return false;
    for (const unsigned char *p = (const unsigned char *)d; *p; p++)
        if (*p <= ' ' || *p == 0x7f || strchr("*?[]\\", *p))
            return false;
    return true;
}

/* Number of entries of directory d other than `except` (-1: not a
 * readable directory). */
static int entries(const char *d, const char *except)
{
    DIR *dir = opendir(d);
    if (dir == NULL)
        return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(dir)) != NULL)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") && (!except || strcmp(e->d_name, except)))
            n++;
    closedir(dir);
    return n;
}

static bool is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The state of a first install, or the real program. */
static void check_state(const struct opts *o)
{
    if (!plain_dir(o->etcdir) || !plain_dir(o->certsdir) || !plain_dir(o->localdir) || o->conf[0] != '/')
        fallback();
    if (o->hooksdir[0] != '\0' && o->hooksdir[0] != '/')
        fallback();
    /* the bundle: a plain name in etcdir that no certificate's link can take */
    size_t bl = strlen(o->bundle);
    if (bl == 0 || strchr(o->bundle, '/') || (bl >= 4 && strcmp(o->bundle + bl - 4, ".pem") == 0) ||
        strcmp(o->bundle, ".") == 0 || strcmp(o->bundle, "..") == 0)
        fallback();
    struct stat st;
    if (stat(o->etcdir, &st) < 0 || !S_ISDIR(st.st_mode) || entries(o->etcdir, o->bundle) != 0)
        fallback();
    char *b = cat3(o->etcdir, "/", o->bundle);
    if (lstat(b, &st) == 0 && !S_ISREG(st.st_mode))
        fallback();
    free(b);
    if (is_dir(o->localdir) && entries(o->localdir, NULL) != 0)
        fallback();
    if (is_dir(o->hooksdir) && entries(o->hooksdir, NULL) != 0)
        fallback();
    if (access("/sbin/restorecon", X_OK) == 0)
        fallback();
    const char *tmp = getenv("TMPDIR");
    if (tmp == NULL || *tmp == '\0')
        tmp = "/tmp";
    if (!is_dir(tmp) || access(tmp, W_OK | X_OK) != 0)
        fallback();
}

/* The whole configuration file (NUL-terminated; NULL if it cannot be read
 * as a regular file or holds a NUL byte). */
static char *read_conf(const char *path, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > (1 << 24)) {
        close(fd);
        return NULL;
    }
    char *buf = xmalloc((size_t)st.st_size + 1);
    size_t n = 0;
    for (;;) {
        ssize_t r = read(fd, buf + n, (size_t)st.st_size - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        n += (size_t)r;
        if (n == (size_t)st.st_size)
            break;
    }
    close(fd);
    buf[n] = '\0';
    if (memchr(buf, '\0', n) != NULL) {
        free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}

/* A line that the script's add loop reads (not empty, not '#' or '!'),
 * such that `read crt` gives it unchanged: no blank or control character,
 * no backslash; and no ".." component, so its link resolves inside
 * certsdir. */
static bool plain_cert_line(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= ' ' || c == 0x7f || c == '\\')
            return false;
    }
    for (size_t i = 0; i + 1 < n; i++)
        if (s[i] == '.' && s[i + 1] == '.' && (i == 0 || s[i - 1] == '/') && (i + 2 == n || s[i + 2] == '/'))
            return false;
    return true;
}

/* The script's link name: `basename CERT .crt` with ' ', ',' -> '_' and
 * '(', ')' -> '='. */
static char *pem_name(const char *etcdir, const char *cert)
{
    const char *base = strrchr(cert, '/');
    base = base ? base + 1 : cert;
    size_t n = strlen(base);
    if (n > 4 && strcmp(base + n - 4, ".crt") == 0)
        n -= 4;
    char *name = xmalloc(n + 1);
    for (size_t i = 0; i < n; i++) {
        char c = base[i];
        name[i] = (c == ' ' || c == ',') ? '_' : (c == '(' || c == ')') ? '=' : c;
    }
    name[n] = '\0';
    char *pem = cat3(etcdir, "/", name);
    free(name);
    char *full = cat3(pem, ".pem", "");
    free(pem);
    return full;
}

static const char *tempbundle;

static void __attribute__((noreturn, format(printf, 1, 2))) die(const char *fmt, ...)
{
    fflush(stdout);
    va_list ap;
    va_start(ap, fmt);
    fputs("update-ca-certificates: ", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    if (tempbundle)
        unlink(tempbundle);
    exit(1);
}

static void write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            die("write %s: %s", tempbundle, strerror(errno));
        p += w;
        n -= (size_t)w;
    }
}

/* `sed -e '$a\' CERT >> TEMPBUNDLE`: the certificate's bytes, with a final
 * newline when the last line has none. */
static void append_cert(const char *cert)
{
    int in = open(cert, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        die("read %s: %s", cert, strerror(errno));
    int out = open(tempbundle, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0666);
    if (out < 0)
        die("open %s: %s", tempbundle, strerror(errno));
    char buf[65536];
    char last = '\n';
    bool any = false;
    for (;;) {
        ssize_t r = read(in, buf, sizeof(buf));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            die("read %s: %s", cert, strerror(errno));
        if (r == 0)
            break;
        write_all(out, buf, (size_t)r);
        last = buf[r - 1];
        any = true;
    }
    if (any && last != '\n')
        write_all(out, "\n", 1);
    close(in);
    if (close(out) < 0)
        die("write %s: %s", tempbundle, strerror(errno));
}

/* add(): the link, unless it is there and right, and the bundle. */
static int add(const struct opts *o, const char *cert)
{
    char *pem = pem_name(o->etcdir, cert);
    struct stat st;
    int added = 0;
    bool right = false;
    if (stat(pem, &st) == 0) {
        char target[4096];
        ssize_t n = readlink(pem, target, sizeof(target) - 1);
        if (n >= 0) {
            target[n] = '\0';
            right = strcmp(target, cert) == 0;
        }
    }
    if (!right) {
        /* `ln -sf`: pem is absent or a link this run made to a regular
         * file (the directory held no link when it started) */
        if (unlink(pem) < 0 && errno != ENOENT)
            die("remove %s: %s", pem, strerror(errno));
        if (symlink(cert, pem) < 0)
            die("link %s: %s", pem, strerror(errno));
        added = 1;
    }
    free(pem);
    append_cert(cert);
    return added;
}

/* `find ETCCERTSDIR -type l ! -exec test -e {} \; -print | rm`: links that
 * resolve to nothing (none, when every certificate passed `test -f`; kept
 * for the same result in any case). */
static void remove_orphans(const struct opts *o)
{
    DIR *dir = opendir(o->etcdir);
    if (dir == NULL)
        die("read %s: %s", o->etcdir, strerror(errno));
    struct dirent *e;
    while ((e = readdir(dir)) != NULL) {
        char *p = cat3(o->etcdir, "/", e->d_name);
        struct stat st;
        if (lstat(p, &st) == 0 && S_ISLNK(st.st_mode) && stat(p, &st) < 0) {
            unlink(p);
            if (o->verbose)
                printf("Removed orphan symlink %s\n", p);
        }
        free(p);
    }
    closedir(dir);
}

/* `openssl rehash .` in etcdir (its stdout dropped unless verbose); the
 * script stops (set -e) with its status when it fails. */
static void rehash(const struct opts *o)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0)
        die("fork: %s", strerror(errno));
    if (pid == 0) {
        if (chdir(o->etcdir) < 0)
            _exit(1);
        if (!o->verbose) {
            int null = open("/dev/null", O_WRONLY);
            if (null < 0 || dup2(null, 1) < 0)
                _exit(1);
        }
        if (o->verbose)
            execlp("openssl", "openssl", "rehash", "-v", ".", (char *)NULL);
        else
            execlp("openssl", "openssl", "rehash", ".", (char *)NULL);
        fprintf(stderr, "update-ca-certificates: openssl: %s\n", strerror(errno));
        _exit(127);
    }
    int ws;
    while (waitpid(pid, &ws, 0) < 0)
        if (errno != EINTR)
            die("wait: %s", strerror(errno));
    int code = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
    if (code != 0) {
        if (tempbundle)
            unlink(tempbundle);
        exit(code);
    }
}

/* Whether `openssl` is a program in PATH, as the shell would find it. */
static bool have_openssl(void)
{
    const char *path = getenv("PATH");
    if (path == NULL)
        path = "/bin:/usr/bin";
    const char *p = path;
    for (;;) {
        const char *end = strchr(p, ':');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        char *dir = xmalloc(n + 1);
        memcpy(dir, p, n);
        dir[n] = '\0';
        char *prog = cat3(n ? dir : ".", "/", "openssl");
        free(dir);
        struct stat st;
        bool ok = stat(prog, &st) == 0 && S_ISREG(st.st_mode) && access(prog, X_OK) == 0;
        free(prog);
        if (ok)
            return true;
        if (end == NULL)
            return false;
        p = end + 1;
    }
}

int main(int argc, char **argv)
{
    if (argc < 2 || argv[1][0] != '/') {
        fputs("usage: vz-ca-update /PATH/TO/update-ca-certificates [ARG...]\n", stderr);
        return 2;
    }
    real_argv = argv + 1;
    struct opts o = {
        .conf = "/etc/ca-certificates.conf",
        .certsdir = "/usr/share/ca-certificates",
        .localdir = "/usr/local/share/ca-certificates",
        .bundle = "ca-certificates.crt",
        .etcdir = "/etc/ssl/certs",
        .hooksdir = "/etc/ca-certificates/update.d",
    };
    parse(argc - 2, argv + 2, &o);
    check_state(&o);
    if (!have_openssl())
        fallback();
    size_t len = 0;
    char *conf = read_conf(o.conf, &len);
    if (conf == NULL)
        fallback();
    /* every line the add loop reads must be plain; the `!` lines and the
     * comments need nothing: no link exists for a `!` line to remove */
    for (char *l = conf; *l;) {
        char *nl = strchr(l, '\n');
        size_t n = nl ? (size_t)(nl - l) : strlen(l);
        if (n > 0 && l[0] != '#' && l[0] != '!' && !plain_cert_line(l, n))
            fallback();
        l = nl ? nl + 1 : l + n;
    }

    /* `[ -s CONF ]` false: a fresh run, which clears links there are none of */
    if (len == 0)
        o.fresh = true;
    char *tb = cat3(o.etcdir, "/", o.bundle);
    char *tbnew = cat3(tb, ".new", "");
    tempbundle = tbnew;
    if (o.fresh)
        printf("Clearing symlinks in %s...\ndone.\n", o.etcdir);
    printf("Updating certificates in %s...\n", o.etcdir);

    int added = 0;
    for (char *l = conf; *l;) {
        char *nl = strchr(l, '\n');
        /* a last line without its newline: `read` fails on it and the
         * script's loop never sees it */
        if (nl == NULL)
            break;
        *nl = '\0';
        if (*l != '\0' && *l != '#' && *l != '!') {
            char *cert = cat3(o.certsdir, "/", l);
            struct stat st;
            if (stat(cert, &st) == 0 && S_ISREG(st.st_mode)) {
                added += add(&o, cert);
            } else {
                fflush(stdout);
                fprintf(stderr, "W: %s/%s not found, but listed in %s.\n", o.certsdir, l, o.conf);
            }
            free(cert);
        }
        l = nl + 1;
    }
    if (added > 0) {
        remove_orphans(&o);
        rehash(&o);
    }
    struct stat st;
    if (stat(tbnew, &st) == 0 && S_ISREG(st.st_mode)) {
        if (chmod(tbnew, 0644) < 0 || rename(tbnew, tb) < 0)
            die("install %s: %s", tb, strerror(errno));
    }
    tempbundle = NULL;
    printf("%d added, 0 removed; done.\n", added);
    if (is_dir(o.hooksdir))
        printf("Running hooks in %s...\ndone.\n", o.hooksdir);
    free(conf);
    free(tb);
    free(tbnew);
    return fflush(stdout) == 0 ? 0 : 1;
}
