/* metadata/mirror.c: the value of {{mirror.NAME}}.
 *
 * First source that has a value wins, as ARCHITECTURE.md orders them:
 *   1. --mirror (opts->mirrors): "NAME=URL" for one variable, or a bare "URL"
 *      for every variable; given several times, the URIs form a fail-over list;
 *   2. the environment: VZ_MIRROR_<NAME> (upper case), URIs separated by spaces;
 *   3. vz.conf: MIRROR_<NAME>="URL [URL...]";
 *   4. the host's apt sources (deb family only), under apt_root:
 *      etc/apt/sources.list, sources.list.d/NAME.list (one-line format) and
 *      sources.list.d/NAME.sources (deb822), in apt's own reading order.
 *      mirror.<distribution> takes the URIs of the entries that serve the
 *      plain codename suite (not -updates, -security, -backports: a host
 *      entry serving only those would be the wrong archive or incomplete);
 *      mirror.<distribution>_security those serving <codename>-security.
 *      When no entry serves the codename but the host runs the same
 *      distribution (os-release ID), the entry of the host's own release is
 *      taken: one archive serves every release of a distribution.
 *      Entries with component "main" are preferred, which keeps third-party
 *      repositories that reuse the codename as a suite out; the fallback to
 *      the host's own release takes only such entries.
 */
#include "metadata/internal.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <strings.h>

/* --- --mirror values ---------------------------------------------------- */

/* arg for a message: at most 80 bytes, anything unprintable as \xNN. */
static char *quote_arg(const char *arg)
{
    struct vz_buf b = VZ_BUF_INIT;
    vz_buf_init(&b);
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)arg; *p; p++, n++) {
        if (n == 80) {
            vz_buf_addf(&b, "...(%zu bytes)", strlen(arg));
            break;
        }
        if (*p < 0x20 || *p >= 0x7f || *p == '\\' || *p == '\'')
            vz_buf_addf(&b, "\\x%02x", *p);
        else
            vz_buf_addf(&b, "%c", *p);
    }
    return vz_buf_detach(&b, NULL);
}

static int bad_mirror(vz_error_t *err, const char *arg, const char *why)
{
    cleanup_free char *q = quote_arg(arg);
    return vz_error_set(err, VZ_EBADARG, 0,
                        "--mirror '%s': %s; give URL or NAME=URL, for example "
                        "http://HOST/debian, https://HOST/debian or debian=file:///srv/mirror",
                        q, why);
}

int vz_mirror_arg_check(const char *arg, vz_error_t *err)
{
    if (!*arg)
        return bad_mirror(err, arg, "empty value");
    if (strlen(arg) > 4096)
        return bad_mirror(err, arg, "longer than 4096 bytes");
    for (const unsigned char *p = (const unsigned char *)arg; *p; p++) {
        if (isspace(*p))
            return bad_mirror(err, arg, "contains whitespace (percent-encode it as %20)");
        if (*p < 0x20 || *p == 0x7f)
            return bad_mirror(err, arg, "contains a control character");
        if (*p >= 0x80)
            return bad_mirror(err, arg, "contains a non-ASCII byte (percent-encode it)");
    }
    const char *url = arg;
    const char *eq = strchr(arg, '=');
    const char *colon = strchr(arg, ':');
    if (eq && (!colon || eq < colon)) {
        /* a '=' before the scheme: NAME=URL */
        for (const char *p = arg; p < eq; p++) {
            if (isupper((unsigned char)*p))
                return bad_mirror(err, arg, "mirror names are lower case, as in "
                                            "{{mirror.debian}}: debian=URL");
            if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '_'))
                return bad_mirror(err, arg, "the NAME before '=' may only have a-z, 0-9 and '_'");
        }
        if (eq == arg)
            return bad_mirror(err, arg, "no NAME before '='");
        url = eq + 1;
        if (!*url)
            return bad_mirror(err, arg, "no URL after '='");
    }
    size_t host;
    if (!strncasecmp(url, "http://", 7))
        host = 7;
    else if (!strncasecmp(url, "https://", 8))
        host = 8;
    else if (!strncasecmp(url, "file://", 7)) {
        if (url[7] != '/')
            return bad_mirror(err, arg, "a file URL needs an absolute path: file:///PATH");
        return 0;
    } else if (strstr(url, "://"))
        return bad_mirror(err, arg, "only http, https and file URLs are supported");
    else
        return bad_mirror(err, arg, "not a URL (no http://, https:// or file://)");
    if (!url[host] || url[host] == '/' || url[host] == '?' || url[host] == '#')
        return bad_mirror(err, arg, "no host after '://'");
    return 0;
}

static void push_words(char ***v, const char *words)
{
    cleanup_free char *copy = vz_xstrdup(words);
    char *save = NULL;
    for (char *w = strtok_r(copy, " \t\n", &save); w; w = strtok_r(NULL, " \t\n", &save))
        md_push_uri(v, w);
}

static char *upper(const char *s)
{
    char *u = vz_xstrdup(s);
    for (char *p = u; *p; p++)
        *p = (char)toupper((unsigned char)*p);
    return u;
}

/* --- resolution ------------------------------------------------------- */

/* "NAME=URL" when the part before '=' is a variable name. */
static const char *named_value(const char *arg, const char *name)
{
    const char *eq = strchr(arg, '=');
    if (eq == NULL)
        return NULL;
    for (const char *p = arg; p < eq; p++)
        if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '_'))
            return NULL;
    if ((size_t)(eq - arg) == strlen(name) && strncmp(arg, name, (size_t)(eq - arg)) == 0)
        return eq + 1;
    return "";
}

int md_mirror_resolve(struct md_mirror_ctx *m, const char *name, const struct vz_mirror_var **out,
                      vz_error_t *err)
{
    for (size_t i = 0; i < m->n_vars; i++)
        if (strcmp(m->vars[i].name, name) == 0) {
            *out = &m->vars[i];
            return 0;
        }
    char **uris = NULL;
    char *origin = NULL;
    cleanup_free char *up = upper(name);
    cleanup_free char *envname = vz_xasprintf("VZ_MIRROR_%s", up);
    cleanup_free char *confkey = vz_xasprintf("MIRROR_%s", up);

    /* 1. --mirror: named values first, else bare ones */
    const struct vz_metadata_opts *o = m->opts;
    for (char **p = o ? o->mirrors : NULL; p && *p; p++) {
        const char *v = named_value(*p, name);
        if (v && *v)
            md_push_uri(&uris, v);
    }
    for (char **p = o ? o->mirrors : NULL; uris == NULL && p && *p; p++)
        if (named_value(*p, name) == NULL)
            md_push_uri(&uris, *p);
    if (uris)
        origin = vz_xstrdup("--mirror");
    /* 2. environment */
    const char *env = getenv(envname);
    if (uris == NULL && env && *env) {
        push_words(&uris, env);
        if (uris)
            origin = vz_xasprintf("environment %s", envname);
    }
    /* 3. vz.conf */
    const struct vz_conf *conf = vz_global_conf();
    const char *cv = vz_conf_get(conf, confkey);
    if (uris == NULL && cv && *cv) {
        push_words(&uris, cv);
        if (uris)
            origin = vz_xasprintf("%s %s", conf->path ? conf->path : "vz.conf", confkey);
    }
    /* 4. the host's apt sources */
    if (uris == NULL)
        md_mirror_from_apt(m, name, &uris, &origin);
    if (uris == NULL) {
        free(origin);
        cleanup_free char *conf_path = vz_root_path("/etc/vz/vz.conf");
        bool apt_used = m->family && strcmp(m->family, "deb") == 0;
        return vz_error_set(err, VZ_EMETADATA, 0,
                            "no mirror for {{mirror.%s}}: set one with --mirror URL (or --mirror %s=URL), "
                            "%s=URL in the environment, or %s=\"URL\" in %s%s%s%s",
                            name, name, envname, confkey, conf_path,
                            apt_used ? " (the host's apt sources under " : "",
                            apt_used ? m->apt_root : "",
                            apt_used ? " have no matching deb entry)" : "");
    }
    for (char **u = uris; *u; u++)
        if (!md_is_url(*u)) {
            int r = vz_error_set(err, VZ_EMETADATA, 0,
                                 "mirror.%s: '%s' (from %s) is not a URL such as http://HOST/PATH", name, *u, origin);
            vz_strv_free(uris);
            free(origin);
            return r;
        }
    m->vars = vz_xrealloc(m->vars, (m->n_vars + 1) * sizeof(*m->vars));
    m->vars[m->n_vars] = (struct vz_mirror_var){ vz_xstrdup(name), uris, origin };
    *out = &m->vars[m->n_vars++];
    vz_debug("mirror.%s = %s (from %s)", name, uris[0], origin);
    return 0;
}

void md_mirror_ctx_release(struct md_mirror_ctx *m)
{
    for (size_t i = 0; i < m->n_vars; i++) {
        free(m->vars[i].name);
        vz_strv_free(m->vars[i].uris);
        free(m->vars[i].origin);
    }
    free(m->vars);
    m->vars = NULL;
    m->n_vars = 0;
}
