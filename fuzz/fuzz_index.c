/* fuzz/fuzz_index.c: the publish index reader (cache/index.c).
 *
 * Input: an index.json as a download server sends it (the parser runs only
 * after the signature check, but a signer's bug or a replay must not crash a
 * client either). What parses must serialise canonically, as the manifest,
 * and every build must be found by vz_index_latest.
 */
#include <string.h>

#include "cache/index.h"
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
    struct vz_index *ix = NULL, *ix2 = NULL;
    vz_error_t err = NULL;
    if (vz_index_parse((const char *)data, size, &ix, &err) < 0) {
        vz_error_release(&err);
        return 0;
    }
    for (size_t i = 0; i < ix->n; i++)
        if (vz_index_latest(ix, ix->builds[i].name) == NULL)
            fuzz_fail("template %s not found", ix->builds[i].name);
    cleanup_free char *t1 = NULL, *t2 = NULL;
    size_t l1 = 0, l2 = 0;
    if (vz_index_serialize(ix, &t1, &l1, &err) < 0)
        fuzz_fail("serialise a parsed index: %s", err->msg);
    if (vz_index_parse(t1, l1, &ix2, &err) < 0)
        fuzz_fail("parse a serialised index: %s\n%s", err->msg, t1);
    if (vz_index_serialize(ix2, &t2, &l2, &err) < 0)
        fuzz_fail("serialise again: %s", err->msg);
    if (l1 != l2 || memcmp(t1, t2, l1) != 0)
        fuzz_fail("not canonical:\n%s\n---\n%s", t1, t2);
    vz_index_free(ix);
    vz_index_free(ix2);
    return 0;
}
