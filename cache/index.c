/* cache/index.c: the signed index of a published cache tree: format, and
 * acceptance by a downloader (signature, replay). Publishing: cache/publish.c. */
#include "cache/index.h"

#include <errno.h>
#include <jansson.h>
#include <string.h>
#include <time.h>

#include "cache/sign.h"

void vz_index_free(struct vz_index *ix)
{
    if (!ix)
        return;
    for (size_t i = 0; i < ix->n; i++) {
        struct vz_index_build *b = &ix->builds[i];
        free(b->name);
        free(b->id);
        free(b->tarball);
        free(b->manifest);
        free(b->signature);
        free(b->compress);
        free(b->signer);
        free(b->files);
    }
    free(ix->builds);
    free(ix->signer);
    free(ix->name);
    free(ix);
}

const struct vz_index_build *vz_index_latest(const struct vz_index *ix, const char *name)
{
    for (size_t i = 0; i < ix->n; i++)
        if (strcmp(ix->builds[i].name, name) == 0)
            return &ix->builds[i]; /* newest first */
    return NULL;
}

static void iso_date(int64_t t, char *buf, size_t n)
{
    time_t tt = (time_t)t;
    struct tm tm;
    buf[0] = '\0';
    if (gmtime_r(&tt, &tm))
        strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int vz_index_serialize(const struct vz_index *ix, char **text, size_t *len, vz_error_t *err)
{
    json_t *tm = json_object();
    for (size_t i = 0; i < ix->n; i++) {
        const struct vz_index_build *b = &ix->builds[i];
        json_t *arr = json_object_get(tm, b->name);
        if (!arr) {
            arr = json_array();
            json_object_set_new(tm, b->name, arr);
        }
        char date[32];
        iso_date(b->build_time, date, sizeof(date));
        json_t *o = json_pack("{s:s, s:I, s:s, s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:I, s:s}", "id",
                           b->id, "build_time", (json_int_t)b->build_time, "build_date", date,
                           "compression", b->compress, "size", (json_int_t)b->size, "sha256",
                           b->sha256, "tarball", b->tarball, "manifest", b->manifest,
                           "manifest_sha256", b->manifest_sha256, "signature", b->signature,
                           "packages", (json_int_t)b->packages, "signer", b->signer);
        if (b->files)
            json_object_set_new(o, "files", json_pack("{s:s, s:s, s:I}", "path", b->files,
                                                      "sha256", b->files_sha256, "size",
                                                      (json_int_t)b->files_size));
        if (b->init >= 0)
            json_object_set_new(o, "init", json_string(b->init ? "/sbin/init" : "none"));
        json_array_append_new(arr, o);
    }
    json_t *root = json_pack("{s:i, s:I, s:s, s:o}", "format", ix->format, "serial",
                             (json_int_t)ix->serial, "signer", ix->signer ? ix->signer : "",
                             "templates", tm);
    if (root && ix->name && *ix->name)
        json_object_set_new(root, "name", json_string(ix->name));
    char *s = root ? json_dumps(root, JSON_INDENT(2) | JSON_SORT_KEYS | JSON_ENSURE_ASCII) : NULL;
    json_decref(root);
    if (!s)
        return vz_error_set(err, VZ_EFAIL, 0, "index: cannot serialise");
    *text = vz_xasprintf("%s\n", s);
    free(s);
    if (len)
        *len = strlen(*text);
    return 0;
}

static bool hex64(const char *s)
{
    if (!s || strlen(s) != 64)
        return false;
    for (; *s; s++)
        if (!strchr("0123456789abcdef", *s))
            return false;
    return true;
}

static int parse_build(const char *name, size_t i, json_t *o, struct vz_index_build *b,
                       vz_error_t *err)
{
    const char *id = NULL, *comp = NULL, *tar = NULL, *man = NULL, *sig = NULL, *sha = NULL,
               *msha = NULL, *signer = NULL;
    json_int_t bt = -1, size = -1, pk = -1;
    json_error_t je;
    if (json_unpack_ex(o, &je, 0, "{s:s, s:I, s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:I, s:s}",
                       "id", &id, "build_time", &bt, "compression", &comp, "size", &size,
                       "sha256", &sha, "tarball", &tar, "manifest", &man, "manifest_sha256",
                       &msha, "signature", &sig, "packages", &pk, "signer", &signer) < 0)
        return vz_error_set(err, VZ_ECORRUPT, 0, "index: templates.%s[%zu]: %s", name, i, je.text);
    if (!vz_safe_name(id) || bt < 0 || size < 0 || pk < 0 || !hex64(sha) || !hex64(msha))
        return vz_error_set(err, VZ_ECORRUPT, 0, "index: templates.%s[%zu]: bad id, size or hash",
                            name, i);
    /* the paths are fixed by name and id: an index cannot send a client
     * anywhere else on the server (or off it) */
    cleanup_free char *wt = vz_xasprintf("%s/%s/%s.tar.%s", name, id, name, comp);
    cleanup_free char *wm = vz_xasprintf("%s/%s/%s.manifest", name, id, name);
    cleanup_free char *ws = vz_xasprintf("%s/%s/%s.manifest.sig", name, id, name);
    if (strcmp(tar, wt) || strcmp(man, wm) || strcmp(sig, ws) ||
        (strcmp(comp, "zst") && strcmp(comp, "gz") && strcmp(comp, "xz")))
        return vz_error_set(err, VZ_ECORRUPT, 0,
                            "index: templates.%s[%zu]: paths must be %s, %s and %s", name, i, wt,
                            wm, ws);
    b->name = vz_xstrdup(name);
    b->id = vz_xstrdup(id);
    b->tarball = get_and_reset(&wt);
    b->manifest = get_and_reset(&wm);
    b->signature = get_and_reset(&ws);
    b->compress = vz_xstrdup(comp);
    b->size = (uint64_t)size;
    memcpy(b->sha256, sha, 65);
    memcpy(b->manifest_sha256, msha, 65);
    b->build_time = bt;
    b->packages = (uint64_t)pk;
    b->signer = vz_xstrdup(signer);
    b->init = -1;
    json_t *init = json_object_get(o, "init"), *files = json_object_get(o, "files");
    if (json_is_string(init))
        b->init = !strcmp(json_string_value(init), "none") ? 0 : 1;
    if (files) {
        const char *fp = NULL, *fsha = NULL;
        json_int_t fsize = -1;
        cleanup_free char *wf = vz_xasprintf("%s/%s/%s.files.json", name, id, name);
        if (json_unpack(files, "{s:s, s:s, s:I}", "path", &fp, "sha256", &fsha, "size",
                        &fsize) < 0 || strcmp(fp, wf) || !hex64(fsha) || fsize < 0)
            return vz_error_set(err, VZ_ECORRUPT, 0,
                                "index: templates.%s[%zu].files: path must be %s, with sha256 "
                                "and size", name, i, wf);
        b->files = get_and_reset(&wf);
        memcpy(b->files_sha256, fsha, 65);
        b->files_size = (uint64_t)fsize;
    }
    return 0;
}

int vz_index_parse(const char *text, size_t len, struct vz_index **out, vz_error_t *err)
{
    json_error_t je;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (!root)
        return vz_error_set(err, VZ_ECORRUPT, 0, "index: line %d column %d: %s", je.line,
                            je.column, je.text);
    json_int_t fmt = 0, serial = -1;
    const char *signer = NULL;
    json_t *tm = NULL;
    if (json_unpack_ex(root, &je, 0, "{s:I, s:I, s:s, s:o}", "format", &fmt, "serial", &serial,
                       "signer", &signer, "templates", &tm) < 0 || !json_is_object(tm) ||
        serial < 0) {
        json_decref(root);
        return vz_error_set(err, VZ_ECORRUPT, 0, "index: %s", *je.text ? je.text : "bad templates");
    }
    if (fmt != VZ_INDEX_FORMAT) {
        json_decref(root);
        return vz_error_set(err, VZ_ECORRUPT, 0, "index format %lld is not supported (knows %d)",
                            (long long)fmt, VZ_INDEX_FORMAT);
    }
    struct vz_index *ix = vz_xcalloc(1, sizeof(*ix));
    ix->format = (int)fmt;
    ix->serial = (uint64_t)serial;
    ix->signer = vz_xstrdup(signer);
    json_t *jn = json_object_get(root, "name");
    ix->name = vz_xstrdup(json_is_string(jn) ? json_string_value(jn) : "");
    const char *name;
    json_t *arr;
    int r = 0;
    json_object_foreach(tm, name, arr) {
        if (!vz_safe_name(name) || !json_is_array(arr)) {
            r = vz_error_set(err, VZ_ECORRUPT, 0, "index: bad template entry '%s'", name);
            break;
        }
        size_t i;
        json_t *o;
        json_array_foreach(arr, i, o) {
            ix->builds = vz_xrealloc(ix->builds, sizeof(*ix->builds) * (ix->n + 1));
            memset(&ix->builds[ix->n], 0, sizeof(*ix->builds));
            if ((r = parse_build(name, i, o, &ix->builds[ix->n], err)) < 0)
                break;
            ix->n++;
        }
        if (r < 0)
            break;
    }
    json_decref(root);
    if (r < 0) {
        vz_index_free(ix);
        return -1;
    }
    *out = ix;
    return 0;
}

/* ---- downloader side: accept an index ---- */

/* The replay record of an index: keyed by the key that signed it and the
 * name it gives itself, so that every URL spelling of one index shares it. */
static char *state_path(const char *signer, const char *name)
{
    char hex[65];
    cleanup_free char *key = vz_xasprintf("signer %s\nname %s", signer, name);
    vz_sha256_hex(key, strlen(key), hex);
    hex[16] = '\0';
    cleanup_free char *dir = vz_template_path("indexes");
    return vz_xasprintf("%s/replay-%s.json", dir, hex);
}

static char *index_copy_path(const char *url)
{
    char hex[65];
    vz_sha256_hex(url, strlen(url), hex);
    hex[16] = '\0';
    cleanup_free char *dir = vz_template_path("indexes");
    return vz_xasprintf("%s/%s.index.json", dir, hex);
}

int vz_index_cached(const char *url, struct vz_index **out, vz_error_t *err)
{
    cleanup_free char *p = index_copy_path(url);
    cleanup_free char *text = NULL;
    size_t len = 0;
    if (vz_read_file(p, &text, &len, err) < 0)
        return vz_error_wrap(err, "no index of %s fetched yet (vzpkg download fetches it)", url);
    if (vz_index_parse(text, len, out, err) < 0)
        return vz_error_wrap(err, "%s", p);
    return 0;
}

int vz_index_accept(const char *url, const char *text, size_t len, const char *sig, size_t slen,
                    bool insecure, struct vz_index **out, vz_error_t *err)
{
    char signer[VZ_KEYID_LEN + 1] = "";
    if (insecure) {
        vz_warn("WARNING: --insecure: the signature of index %s is NOT checked; whoever can "
                "change the server's files or the connection decides what you install", url);
    } else if (vz_verify(text, len, sig, slen, signer, err) < 0) {
        vz_error_restatus(err, VZ_EVERIFY);
        return vz_error_wrap(err, "index %s", url);
    }
    struct vz_index *ix = NULL;
    if (vz_index_parse(text, len, &ix, err) < 0)
        return vz_error_wrap(err, "%s", url);
    char hex[65];
    vz_sha256_hex(text, len, hex);
    cleanup_free char *sp = state_path(signer, ix->name);
    cleanup_free char *old = NULL;
    size_t olen = 0;
    vz_error_t e = NULL;
    if (vz_read_file(sp, &old, &olen, &e) == 0) {
        json_t *st = json_loadb(old, olen, 0, NULL);
        json_int_t seen = -1;
        const char *seen_sha = NULL;
        if (st && json_unpack(st, "{s:I, s:s}", "serial", &seen, "sha256", &seen_sha) == 0) {
            int r = 0;
            if ((uint64_t)seen > ix->serial)
                r = vz_error_set(err, VZ_EVERIFY, 0,
                                 "index %s: serial %llu is older than serial %lld already seen "
                                 "from signer %s for index '%s' (a replayed or rolled-back "
                                 "index); refusing", url, (unsigned long long)ix->serial,
                                 (long long)seen, signer, ix->name);
            else if ((uint64_t)seen == ix->serial && strcmp(seen_sha, hex) != 0)
                r = vz_error_set(err, VZ_EVERIFY, 0,
                                 "index %s: serial %llu was already seen with other contents "
                                 "from signer %s for index '%s'; refusing", url,
                                 (unsigned long long)ix->serial, signer, ix->name);
            if (r < 0) {
                json_decref(st);
                vz_index_free(ix);
                return -1;
            }
        }
        json_decref(st);
    }
    vz_error_release(&e);
    /* record what we accepted (not for --insecure: it proves nothing) */
    if (!insecure) {
        json_t *st = json_pack("{s:s, s:s, s:s, s:I, s:s}", "signer", signer, "name", ix->name,
                               "url", url, "serial", (json_int_t)ix->serial, "sha256", hex);
        char *s = json_dumps(st, JSON_SORT_KEYS);
        json_decref(st);
        cleanup_free char *dir = vz_template_path("indexes");
        int r = vz_mkdir_p(dir, 0755, err);
        /* the index itself, so that `vzpkg list` can tell "update
         * available" without network (vz_index_cached) */
        cleanup_free char *ip = index_copy_path(url);
        if (r == 0)
            r = vz_atomic_write(ip, text, len, 0644, err);
        if (r == 0)
            r = vz_atomic_write(sp, s, strlen(s), 0644, err);
        free(s);
        if (r < 0) {
            vz_index_free(ix);
            return vz_error_wrap(err, "record index state");
        }
    }
    *out = ix;
    return 0;
}
