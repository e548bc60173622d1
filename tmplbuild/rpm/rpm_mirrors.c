/* tmplbuild/rpm/rpm_mirrors.c: a repository's `metalink` or `mirrorlist`
 * into the baseurls to try (rpm_family.h).
 *
 * A metalink is what MirrorManager serves for Fedora and EPEL (metalink 3.0
 * XML): for the one file repomd.xml, its size and hashes (and those of
 * recent older versions, <mm0:alternates>, which mirrors still syncing may
 * serve), and the mirrors' URLs of it with a protocol and a preference. The
 * metalink is what vouches for repomd.xml when the repository does not sign
 * it (Fedora), and in addition to the signature when it does: a mirror
 * serving a repomd.xml whose sha256 is not among the metalink's is stale or
 * hostile, and the next one is tried.
 * A mirrorlist is a text file with one baseurl a line ('#' comments).
 *
 * Both are untrusted input from the network: parsed by expat (Debian's
 * libexpat, with its entity-expansion limits), capped in size, and only
 * http and https URLs are taken from them (a list must not point the build
 * at the host's own files).
 */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <expat.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tmplbuild/fetch.h"
#include "tmplbuild/rpm/rpm_family.h"

/* A metalink or mirrorlist is a few KiB to a few hundred KiB. */
#define LIST_MAX (4u << 20)
/* the URLs a list may give: more is a broken or hostile list */
#define LIST_URLS_MAX 1000

static bool web_url(const char *u)
{
    return strncasecmp(u, "http://", 7) == 0 || strncasecmp(u, "https://", 8) == 0;
}

/* A baseurl as taken from a list: http(s), a host, printable ASCII only
 * (what a list says goes into requests and messages). */
static bool usable(const char *s)
{
    size_t h = strncasecmp(s, "https://", 8) == 0 ? 8 : strncasecmp(s, "http://", 7) == 0 ? 7 : 0;
    if (h == 0 || s[h] == '\0' || strchr("/?#", s[h]))
        return false;
    for (; *s; s++)
        if (*s <= 0x20 || *s >= 0x7f)
            return false;
    return true;
}

/* u (n bytes) without trailing '/' and blanks, when usable and new. */
static void push_baseurl(struct vz_rpm_mirrors *m, const char *u, size_t n)
{
    while (n && (u[n - 1] == '/' || isspace((unsigned char)u[n - 1])))
        n--;
    cleanup_free char *s = vz_xasprintf("%.*s", (int)n, u);
    if (strlen(s) == n && usable(s) && vz_strv_len(m->baseurls) < LIST_URLS_MAX &&
        !vz_strv_contains(m->baseurls, s))
        vz_strv_push(&m->baseurls, s);
}

/* --- metalink --------------------------------------------------------- */

struct ml_url {
    char *url;
    long pref;
    size_t order;
};

struct ml_state {
    XML_Parser p;
    int depth;
    int file_depth;      /* depth of <file name="repomd.xml">, 0 outside */
    int alt_depth;       /* depth of <alternate>, 0 outside */
    bool text;           /* collecting character data */
    struct vz_buf buf;
    char hash_type[16];
    long url_pref;
    bool url_ok;
    struct vz_rpm_repomd_hash cur; /* the main entry or the alternate being read */
    bool doctype;        /* a DOCTYPE was met: refused */
    struct vz_rpm_mirrors *m;
    struct ml_url *urls;
    size_t n_urls;
};

/* "mm0:alternate" -> "alternate": no namespace processing is needed to
 * tell the few elements apart, and MirrorManager's prefixes vary. */
static const char *local(const char *name)
{
    const char *c = strrchr(name, ':');
    return c ? c + 1 : name;
}

static const char *attr(const char **a, const char *name)
{
    for (; a && a[0]; a += 2)
        if (strcmp(local(a[0]), name) == 0)
            return a[1];
    return NULL;
}

static void add_hash(struct vz_rpm_mirrors *m, const struct vz_rpm_repomd_hash *h)
{
    if (h->sha256[0] == '\0' || m->n_hashes >= 64)
        return;
    m->hashes = vz_xrealloc(m->hashes, (m->n_hashes + 1) * sizeof(*m->hashes));
    m->hashes[m->n_hashes++] = *h;
}

static void XMLCALL ml_start(void *ud, const char *name, const char **atts)
{
    struct ml_state *s = ud;
    const char *n = local(name);
    s->depth++;
    if (strcmp(n, "file") == 0 && s->file_depth == 0) {
        const char *fn = attr(atts, "name");
        if (fn && strcmp(fn, "repomd.xml") == 0)
            s->file_depth = s->depth;
        return;
    }
    if (s->file_depth <= 0) /* outside it, or after it */
        return;
    if (strcmp(n, "alternate") == 0 && s->alt_depth == 0) {
        s->alt_depth = s->depth;
        add_hash(s->m, &s->cur); /* the main entry came first */
        memset(&s->cur, 0, sizeof(s->cur));
        s->cur.size = -1;
        return;
    }
    s->text = false;
    if (strcmp(n, "size") == 0) {
        s->text = true;
    } else if (strcmp(n, "hash") == 0) {
        const char *t = attr(atts, "type");
        snprintf(s->hash_type, sizeof(s->hash_type), "%s", t ? t : "");
        s->text = true;
    } else if (strcmp(n, "url") == 0 && s->alt_depth == 0) {
        const char *pr = attr(atts, "preference");
        const char *proto = attr(atts, "protocol");
        s->url_pref = pr ? strtol(pr, NULL, 10) : 0;
        s->url_ok = proto == NULL || !strcasecmp(proto, "http") || !strcasecmp(proto, "https");
        s->text = true;
    }
    if (s->text)
        vz_buf_reset(&s->buf);
}

static void XMLCALL ml_chars(void *ud, const char *t, int len)
{
    struct ml_state *s = ud;
    if (s->text && s->buf.len + (size_t)len < 64 * 1024)
        vz_buf_add(&s->buf, t, (size_t)len);
}

/* text without surrounding blanks, NUL-terminated in place */
static char *trimmed(struct vz_buf *b)
{
    char *t = b->data;
    while (isspace((unsigned char)*t))
        t++;
    size_t n = strlen(t);
    while (n && isspace((unsigned char)t[n - 1]))
        t[--n] = '\0';
    return t;
}

static void ml_url_end(struct ml_state *s, const char *u)
{
    static const char suffix[] = "/repodata/repomd.xml";
    if (!s->url_ok || !web_url(u) || !vz_str_ends_with(u, suffix) ||
        s->n_urls >= LIST_URLS_MAX)
        return;
    s->urls = vz_xrealloc(s->urls, (s->n_urls + 1) * sizeof(*s->urls));
    s->urls[s->n_urls] = (struct ml_url){ vz_xasprintf("%.*s", (int)(strlen(u) - strlen(suffix)), u), s->url_pref,
                                          s->n_urls };
    s->n_urls++;
}

static void XMLCALL ml_end(void *ud, const char *name)
{
    struct ml_state *s = ud;
    const char *n = local(name);
    if (s->file_depth > 0 && s->text) {
        char *t = trimmed(&s->buf);
        if (strcmp(n, "size") == 0) {
            char *e;
            long long v = strtoll(t, &e, 10);
            if (*t && *e == '\0' && v >= 0)
                s->cur.size = v;
        } else if (strcmp(n, "hash") == 0 && strcasecmp(s->hash_type, "sha256") == 0) {
            size_t k = 0;
            for (; k < 64 && isxdigit((unsigned char)t[k]); k++)
                s->cur.sha256[k] = (char)tolower((unsigned char)t[k]);
            if (k != 64 || t[64] != '\0')
                s->cur.sha256[0] = '\0';
            else
                s->cur.sha256[64] = '\0';
        } else if (strcmp(n, "url") == 0) {
            ml_url_end(s, t);
        }
        s->text = false;
    }
    if (s->alt_depth == s->depth) {
        add_hash(s->m, &s->cur);
        memset(&s->cur, 0, sizeof(s->cur));
        s->cur.size = -1;
        s->alt_depth = 0;
    } else if (s->file_depth == s->depth) {
        if (s->alt_depth == 0)
            add_hash(s->m, &s->cur);
        s->file_depth = -1; /* one repomd.xml entry: later ones are ignored */
    }
    s->depth--;
}

/* MirrorManager's metalinks have no DOCTYPE; one here could only declare
 * entities: stop before any is read. */
static void XMLCALL ml_doctype(void *ud, const char *name, const char *sysid, const char *pubid,
                               int has_internal_subset)
{
    (void)name;
    (void)sysid;
    (void)pubid;
    (void)has_internal_subset;
    struct ml_state *s = ud;
    s->doctype = true;
    XML_StopParser(s->p, XML_FALSE);
}

static int by_preference(const void *a, const void *b)
{
    const struct ml_url *x = a, *y = b;
    if (x->pref != y->pref)
        return x->pref > y->pref ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

int vz_rpm_metalink_parse(const char *xml, size_t len, struct vz_rpm_mirrors *out,
                          vz_error_t *err)
{
    memset(out, 0, sizeof(*out));
    out->metalink = true;
    struct ml_state s = { .m = out };
    s.cur.size = -1;
    vz_buf_init(&s.buf);
    s.p = XML_ParserCreate(NULL);
    if (s.p == NULL)
        return vz_error_set(err, VZ_ESYSTEM, ENOMEM, "XML_ParserCreate");
    XML_SetUserData(s.p, &s);
    XML_SetElementHandler(s.p, ml_start, ml_end);
    XML_SetCharacterDataHandler(s.p, ml_chars);
    XML_SetStartDoctypeDeclHandler(s.p, ml_doctype);
    int r = -1;
    if (len > INT32_MAX || XML_Parse(s.p, xml, (int)len, 1) != XML_STATUS_OK) {
        if (s.doctype) {
            vz_error_set(err, VZ_ECORRUPT, 0, "not a metalink: it has a DOCTYPE (refused: "
                                              "entity declarations are not read)");
            goto out;
        }
        vz_error_set(err, VZ_ECORRUPT, 0, "not a metalink: line %lu: %s",
                     (unsigned long)XML_GetCurrentLineNumber(s.p),
                     XML_ErrorString(XML_GetErrorCode(s.p)));
        goto out;
    }
    if (s.file_depth == 0) {
        vz_error_set(err, VZ_ECORRUPT, 0, "the metalink has no <file name=\"repomd.xml\">");
        goto out;
    }
    if (out->n_hashes == 0) {
        vz_error_set(err, VZ_EVERIFY, 0,
                     "the metalink gives no sha256 for repomd.xml: refused, as nothing would "
                     "vouch for the repomd.xml a mirror serves");
        goto out;
    }
    if (s.n_urls == 0) {
        vz_error_set(err, VZ_ECORRUPT, 0, "the metalink lists no http or https URL of "
                                          "repodata/repomd.xml");
        goto out;
    }
    qsort(s.urls, s.n_urls, sizeof(*s.urls), by_preference);
    for (size_t i = 0; i < s.n_urls; i++)
        push_baseurl(out, s.urls[i].url, strlen(s.urls[i].url));
    if (out->baseurls == NULL) {
        vz_error_set(err, VZ_ECORRUPT, 0, "the metalink lists no usable http or https URL of "
                                          "repodata/repomd.xml");
        goto out;
    }
    r = 0;
out:
    for (size_t i = 0; i < s.n_urls; i++)
        free(s.urls[i].url);
    free(s.urls);
    vz_buf_release(&s.buf);
    XML_ParserFree(s.p);
    if (r < 0)
        vz_rpm_mirrors_free(out);
    return r;
}

/* --- mirrorlist ------------------------------------------------------- */

int vz_rpm_mirrorlist_parse(const char *text, size_t len, struct vz_rpm_mirrors *out,
                            vz_error_t *err)
{
    memset(out, 0, sizeof(*out));
    const char *p = text, *end = text + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *e = nl ? nl : end;
        while (p < e && isspace((unsigned char)*p))
            p++;
        cleanup_free char *line = vz_xasprintf("%.*s", (int)(e - p), p);
        if (*line && *line != '#')
            push_baseurl(out, line, strlen(line));
        p = e + 1;
    }
    if (out->baseurls == NULL)
        return vz_error_set(err, VZ_ECORRUPT, 0, "the mirrorlist has no http or https URL");
    return 0;
}

/* --- both ------------------------------------------------------------- */

/* s with every "$name" replaced by value. Allocated. */
static char *subst(const char *s, const char *name, const char *value)
{
    struct vz_buf b = VZ_BUF_INIT;
    vz_buf_init(&b);
    size_t n = strlen(name);
    for (const char *p = s; *p;) {
        if (*p == '$' && strncmp(p + 1, name, n) == 0) {
            vz_buf_adds(&b, value);
            p += 1 + n;
        } else {
            vz_buf_addc(&b, *p++);
        }
    }
    return vz_buf_detach(&b, NULL);
}

/* dnf substitutes its variables in what a list gives, and some services
 * answer with "$basearch" in their URLs: the same here, for the two
 * variables a template has; an entry with any other '$' is dropped. */
static int substitute(struct vz_rpm_mirrors *m, const struct vz_repo_def *d,
                      const char *basearch, vz_error_t *err)
{
    char **kept = NULL;
    for (char **u = m->baseurls; *u; u++) {
        cleanup_free char *a = subst(*u, "releasever", d->suite);
        cleanup_free char *b = basearch ? subst(a, "basearch", basearch) : vz_xstrdup(a);
        if (strchr(b, '$') == NULL && !vz_strv_contains(kept, b))
            vz_strv_push(&kept, b);
    }
    vz_strv_free(m->baseurls);
    m->baseurls = kept;
    if (kept == NULL)
        return vz_error_set(err, VZ_ECORRUPT, 0, "every URL it lists has a '$' variable other "
                                                 "than $releasever and $basearch");
    return 0;
}

int vz_rpm_mirrors_fetch(const struct vz_repo_def *d, const char *basearch,
                         const struct vz_fetch_opts *fo, struct vz_rpm_mirrors *out,
                         vz_error_t *err)
{
    const char *url = d->metalink ? d->metalink : d->mirrorlist;
    struct vz_fetch_opts o = fo ? *fo : (struct vz_fetch_opts){ 0 };
    o.max_bytes = LIST_MAX;
    cleanup_buf struct vz_buf b = VZ_BUF_INIT;
    vz_buf_init(&b);
    if (vz_fetch_to_buf_opts(url, &b, NULL, &o, err) < 0)
        return vz_error_wrap(err, "%s", d->metalink ? "metalink" : "mirrorlist");
    int r = d->metalink ? vz_rpm_metalink_parse(b.data, b.len, out, err)
                        : vz_rpm_mirrorlist_parse(b.data, b.len, out, err);
    if (r == 0 && (r = substitute(out, d, basearch, err)) < 0)
        vz_rpm_mirrors_free(out);
    if (r < 0)
        return vz_error_wrap(err, "%s", url);
    return 0;
}

int vz_rpm_mirrors_check(const struct vz_rpm_mirrors *m, const char *data, size_t len,
                         const char *url, vz_error_t *err)
{
    if (!m || !m->metalink)
        return 0;
    char sha[65];
    vz_sha256_hex(data, len, sha);
    for (size_t i = 0; i < m->n_hashes; i++)
        if (strcmp(sha, m->hashes[i].sha256) == 0 &&
            (m->hashes[i].size < 0 || m->hashes[i].size == (long long)len))
            return 0;
    return vz_error_set(err, VZ_EVERIFY, 0,
                        "%s (sha256 %s, %zu bytes) does not match the metalink's sha256 %s "
                        "(nor any of its %zu alternates): a stale or altered mirror", url, sha,
                        len, m->hashes[0].sha256, m->n_hashes - 1);
}

void vz_rpm_mirrors_free(struct vz_rpm_mirrors *m)
{
    vz_strv_free(m->baseurls);
    free(m->hashes);
    memset(m, 0, sizeof(*m));
}
