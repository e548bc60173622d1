/* fuzz/fuzz_release.c: the Release reader (tmplbuild/deb/repo_release.c).
 *
 * Input: the text of a Release file, as gpgv hands it over after checking an
 * InRelease's signature (the OpenPGP armour itself is gpgv's to parse). It is
 * parsed, each listed index looked up by its own path, and the dates parsed.
 */
#include <string.h>

#include "common/common.h"
#include "fuzz/util.h"
#include "tmplbuild/deb/repo_int.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_init();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cleanup_free char *text = fuzz_str(data, size);
    (void)vz_release_parse_date(text);
    struct vz_release r;
    vz_error_t err = NULL;
    if (vz_release_parse(text, &r, &err) < 0) {
        if (err == NULL || err->msg == NULL)
            fuzz_fail("failed without an error");
        vz_error_release(&err);
        return 0;
    }
    for (size_t i = 0; i < r.n_files; i++) {
        const struct vz_release_file *f = vz_release_find(&r, r.files[i].path);
        if (f == NULL || strcmp(f->path, r.files[i].path) != 0)
            fuzz_fail("file %s not found by its path", r.files[i].path);
        if (strlen(f->sha256) != 64)
            fuzz_fail("sha256 of %s is %zu characters", f->path, strlen(f->sha256));
    }
    (void)vz_release_find(&r, "main/binary-amd64/Packages.xz");
    vz_release_free(&r);
    return 0;
}
