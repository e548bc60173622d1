/* tmplbuild/deb/served.c: the deb family's served_current operation
 * (tmplbuild/family.h): is the (In)Release a mirror serves now the one a
 * known resolution used, and is the kept copy still valid? */
#include <string.h>
#include <time.h>

#include "tmplbuild/deb/deb_family.h"
#include "tmplbuild/fetch.h"
#include "tmplbuild/deb/repo_int.h"

static char *dists_url(const char *uri, const char *suite, const char *file)
{
    size_t n = strlen(uri);
    while (n && uri[n - 1] == '/')
        n--;
    return vz_xasprintf("%.*s/dists/%s/%s", (int)n, uri, suite, file);
}

/* sha256 of the (In)Release the first mirror serves now (InRelease, else
 * Release: whichever the repository code verified and hashed). */
static bool served_release_sha(const struct vz_repo_def *d, char out[65])
{
    const char *files[] = { "InRelease", "Release" };
    for (size_t i = d->allow_unsigned ? 1 : 0; i < 2; i++) {
        cleanup_free char *url = dists_url(d->uris[0], d->suite, files[i]);
        cleanup_buf struct vz_buf b = VZ_BUF_INIT;
        vz_buf_init(&b);
        vz_error_t err = NULL;
        if (vz_fetch_to_buf(url, &b, NULL, &err) == 0) {
            vz_sha256_hex(b.data, b.len, out);
            return true;
        }
        vz_debug("update check: %s", err->msg);
        vz_error_release(&err);
    }
    return false;
}

/* The Release text the repository code keeps for sha
 * (REPODATA/<name>-<suite>-<urlhash8>/<sha>.Release, tmplbuild/repo.h) has
 * no Valid-Until, or one still in the future. */
static bool release_still_valid(const struct vz_repo_def *d, const char *sha)
{
    cleanup_free char *base = vz_template_path("repodata");
    char uh[65];
    vz_sha256_hex(d->uris[0], strlen(d->uris[0]), uh);
    cleanup_free char *path = vz_xasprintf("%s/%s-%s-%.8s/%s.Release", base, d->name, d->suite,
                                           uh, sha);
    cleanup_free char *text = NULL;
    size_t len = 0;
    vz_error_t err = NULL;
    if (vz_read_file(path, &text, &len, &err) < 0) {
        vz_error_release(&err);
        return false;
    }
    const char *v = strstr(text, "\nValid-Until:");
    if (!v)
        return true;
    v += strlen("\nValid-Until:");
    cleanup_free char *line = vz_xasprintf("%.*s", (int)strcspn(v, "\n"), v);
    time_t vu = vz_release_parse_date(line + strspn(line, " \t"));
    return vu > time(NULL);
}

bool vz_deb_served_current(const struct vz_repo_def *d, char out[65])
{
    return served_release_sha(d, out) && release_still_valid(d, out);
}
