/* fuzz/fuzz_manifest.c: the cache manifest reader (cache/manifest.c).
 *
 * Input: a manifest (JSON). What parses must serialise, and serialising is
 * canonical: parse(serialise(m)) serialises to the same bytes (a signature
 * over a manifest depends on it).
 */
#include <string.h>

#include "cache/manifest.h"
#include "common/common.h"
#include "fuzz/util.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_init();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct vz_manifest *m = NULL, *m2 = NULL;
    vz_error_t err = NULL;
    if (vz_manifest_parse((const char *)data, size, &m, &err) < 0) {
        vz_error_release(&err);
        return 0;
    }
    cleanup_free char *t1 = NULL, *t2 = NULL;
    size_t l1 = 0, l2 = 0;
    if (vz_manifest_serialize(m, &t1, &l1, &err) < 0)
        fuzz_fail("serialise a parsed manifest: %s", err->msg);
    if (vz_manifest_parse(t1, l1, &m2, &err) < 0)
        fuzz_fail("parse a serialised manifest: %s\n%s", err->msg, t1);
    if (vz_manifest_serialize(m2, &t2, &l2, &err) < 0)
        fuzz_fail("serialise again: %s", err->msg);
    if (l1 != l2 || memcmp(t1, t2, l1) != 0)
        fuzz_fail("not canonical:\n%s\n---\n%s", t1, t2);
    vz_manifest_free(m);
    vz_manifest_free(m2);
    return 0;
}
