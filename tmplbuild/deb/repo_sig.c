/* tmplbuild/deb/repo_sig.c: verify Release signatures with gpgv, as apt does.
 *
 * gpgv is given only the template's keyring (never a user's trust database),
 * and its machine-readable --status-fd lines, not its exit code alone, decide:
 * a signature is good when gpgv reports VALIDSIG and exits 0. Each other
 * outcome becomes a sentence naming the key and what is wrong. */
#include "tmplbuild/deb/repo_int.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* An ASCII-armored keyring (.asc) is converted once per call: gpgv only
 * reads binary keyrings. Returns the path to use (allocated). */
static char *binary_keyring(const char *keyring, const char *workdir, vz_error_t *err)
{
    struct stat st;
    if (stat(keyring, &st) < 0) {
        vz_error_set(err, VZ_EVERIFY, 0,
                     "keyring %s cannot be read: %s (install it, or point `keyring:` in the "
                     "template's YAML at the archive's public key)", keyring, strerror(errno));
        return NULL;
    }
    char head[40] = { 0 };
    FILE *f = fopen(keyring, "r");
    if (f == NULL) {
        vz_error_sys(err, "open keyring %s", keyring);
        return NULL;
    }
    size_t n = fread(head, 1, sizeof(head) - 1, f);
    fclose(f);
    if (n < 10 || strncmp(head, "-----BEGIN", 10) != 0)
        return vz_xstrdup(keyring);
    char *out = vz_path_join(workdir, "keyring.gpg");
    char *argv[] = { "gpg", "--batch", "--yes", "--dearmor", "--output", out, (char *)keyring, NULL };
    if (vz_run_ok(argv, &(struct vz_run_opts){ .quiet = 1 }, err) < 0) {
        free(out);
        vz_error_wrap(err, "convert armored keyring %s", keyring);
        return NULL;
    }
    return out;
}

/* The word after "[GNUPG:] KEYWORD " up to the end of line, or NULL. */
static char *status_arg(const char *status, const char *kw)
{
    cleanup_free char *needle = vz_xasprintf("[GNUPG:] %s ", kw);
    const char *p = strstr(status, needle);
    if (p == NULL)
        return NULL;
    p += strlen(needle);
    return strndup(p, strcspn(p, "\n"));
}

/* "KEYID USER ID..." of a status line -> "KEYID (USER ID)" or "KEYID". */
static char *key_desc(const char *arg)
{
    size_t n = strcspn(arg, " ");
    if (arg[n] == '\0')
        return vz_xstrdup(arg);
    return vz_xasprintf("%.*s (%s)", (int)n, arg, arg + n + 1);
}

static int interpret(const char *status, int rc, const char *errtext, const char *keyring,
                     const char *what, vz_error_t *err)
{
    /* As apt: good when at least one signature is good (GOODSIG, which gpg
     * reports only for a valid signature by a usable key: not expired, not
     * revoked) and none is bad. Other signatures by keys the keyring does not
     * hold are ignored: Debian signs with several keys at once. */
    bool good = strstr(status, "[GNUPG:] GOODSIG ") && strstr(status, "[GNUPG:] VALIDSIG ");
    if (good && !strstr(status, "[GNUPG:] BADSIG "))
        return 0;
    static const struct {
        const char *kw, *fmt;
    } cases[] = {
        { "BADSIG", "%s: BAD signature from key %s: the file was altered after signing (a broken "
                    "mirror or an attack; try another mirror)" },
        { "EXPKEYSIG", "%s: signed by key %s, which has expired (update keyring %s)" },
        { "REVKEYSIG", "%s: signed by key %s, which has been revoked (update keyring %s)" },
        { "NO_PUBKEY", "%s: signed by key %s, which is not in keyring %s (wrong keyring in the "
                       "template, or the archive has a new key)" },
    };
    for (size_t i = 0; i < VZ_ARRAY_SIZE(cases); i++) {
        cleanup_free char *a = status_arg(status, cases[i].kw);
        if (a == NULL)
            continue;
        cleanup_free char *k = key_desc(a);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
#pragma GCC diagnostic ignored "-Wformat-extra-args"
        return vz_error_set(err, VZ_EVERIFY, 0, cases[i].fmt, what, k, keyring);
#pragma GCC diagnostic pop
    }
    if (strstr(status, "[GNUPG:] NODATA") || strstr(status, "[GNUPG:] NO_SIG"))
        return vz_error_set(err, VZ_EVERIFY, 0, "%s: no OpenPGP signature found in it", what);
    cleanup_free char *a = status_arg(status, "ERRSIG");
    if (a)
        return vz_error_set(err, VZ_EVERIFY, 0, "%s: signature cannot be checked (%s): %s", what,
                            a, errtext);
    return vz_error_set(err, VZ_EVERIFY, 0, "%s: signature not valid (gpgv exit %d): %s", what,
                        rc, errtext);
}

static int run_gpgv(char **extra, const char *keyring, const char *what, const char *workdir,
                    vz_error_t *err)
{
    cleanup_free char *kr = binary_keyring(keyring, workdir, err);
    if (kr == NULL)
        return -1;
    char *argv[16] = { "gpgv", "--status-fd", "1", "--keyring", kr };
    size_t n = 5;
    for (size_t i = 0; extra[i]; i++)
        argv[n++] = extra[i];
    argv[n] = NULL;
    cleanup_buf struct vz_buf out = VZ_BUF_INIT, errb = VZ_BUF_INIT;
    vz_buf_init(&out);
    vz_buf_init(&errb);
    /* gpgv must not look at (or create) root's ~/.gnupg */
    cleanup_free char *home = vz_xasprintf("GNUPGHOME=%s", workdir);
    char *env[] = { home, "LC_ALL=C", "PATH=/usr/bin:/bin", NULL };
    struct vz_run_opts o = { .out = &out, .errbuf = &errb, .env = env };
    int rc = 0;
    if (vz_run(argv, &o, &rc, err) < 0)
        return vz_error_wrap(err, "run gpgv (install the gpgv package)");
    if (rc == 127)
        return vz_error_set(err, VZ_EVERIFY, 0, "gpgv not found: install the gpgv package");
    while (errb.len && errb.data[errb.len - 1] == '\n')
        errb.data[--errb.len] = '\0';
    return interpret(out.data, rc, errb.data, keyring, what, err);
}

int vz_sig_verify_clearsigned(const char *keyring, const char *in_path, const char *out_path,
                              const char *what, const char *workdir, vz_error_t *err)
{
    unlink(out_path);
    char *extra[] = { "--output", (char *)out_path, (char *)in_path, NULL };
    return run_gpgv(extra, keyring, what, workdir, err);
}

int vz_sig_verify_detached(const char *keyring, const char *sig_path, const char *data_path,
                           const char *what, const char *workdir, vz_error_t *err)
{
    char *extra[] = { (char *)sig_path, (char *)data_path, NULL };
    return run_gpgv(extra, keyring, what, workdir, err);
}
