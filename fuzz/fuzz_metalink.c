/* fuzz/fuzz_metalink.c: the metalink and mirrorlist readers
 * (tmplbuild/rpm/rpm_mirrors.c).
 *
 * Input: a metalink document (MirrorManager's XML) or, when the first byte
 * is 'L', a mirrorlist after it. Both come from the network unverified: a
 * parse either fails with an error or gives at least one http(s) baseurl
 * without a trailing '/', and a metalink at least one lower-case sha256.
 */
#include <string.h>
#include <strings.h>

#include "common/common.h"
#include "fuzz/util.h"
#include "tmplbuild/rpm/rpm_family.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_init();
    return 0;
}

static void check(const struct vz_rpm_mirrors *m)
{
    if (m->baseurls == NULL || m->baseurls[0] == NULL)
        fuzz_fail("parsed without a baseurl");
    for (char **u = m->baseurls; *u; u++) {
        size_t n = strlen(*u);
        size_t h = strncasecmp(*u, "https://", 8) == 0 ? 8 : strncasecmp(*u, "http://", 7) == 0 ? 7 : 0;
        if (h == 0 || h >= n || (*u)[h] == '/')
            fuzz_fail("baseurl %s is not http(s) with a host", *u);
        for (const char *c = *u; *c; c++)
            if (*c <= 0x20 || *c >= 0x7f)
                fuzz_fail("baseurl has byte 0x%02x", (unsigned char)*c);
        if (n == 0 || (*u)[n - 1] == '/')
            fuzz_fail("baseurl '%s' ends in '/'", *u);
    }
    if (m->metalink && m->n_hashes == 0)
        fuzz_fail("a metalink without a hash was accepted");
    for (size_t i = 0; i < m->n_hashes; i++) {
        const char *h = m->hashes[i].sha256;
        if (strlen(h) != 64 || strspn(h, "0123456789abcdef") != 64)
            fuzz_fail("hash %zu is '%s'", i, h);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    bool list = size > 0 && data[0] == 'L';
    const char *text = (const char *)data + (list ? 1 : 0);
    size_t len = size - (list ? 1 : 0);
    struct vz_rpm_mirrors m;
    vz_error_t err = NULL;
    int r = list ? vz_rpm_mirrorlist_parse(text, len, &m, &err)
                 : vz_rpm_metalink_parse(text, len, &m, &err);
    if (r < 0) {
        if (err == NULL || err->msg == NULL)
            fuzz_fail("failed without an error");
        vz_error_release(&err);
        return 0;
    }
    check(&m);
    vz_rpm_mirrors_free(&m);
    return 0;
}
