/* metadata/suggest.c: "did you mean" for keys, variants, templates, fields. */
#include "metadata/internal.h"

#include <string.h>

const char *md_suggest(const char *word, const char *const *cands, size_t n)
{
    return vz_suggest(word, cands, n);
}

char *md_did_you_mean(const char *word, const char *const *cands, size_t n)
{
    const char *s = md_suggest(word, cands, n);
    return s ? vz_xasprintf(" (did you mean '%s'?)", s) : vz_xstrdup("");
}

const char *vz_metadata_suggest(const char *word, const char *const *cands, size_t n)
{
    return md_suggest(word, cands, n);
}
