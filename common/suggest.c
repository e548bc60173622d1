/* common/suggest.c: "did you mean" (suggest.h). */
#include "common/suggest.h"
#include "common/cleanup.h"

#include <stdlib.h>
#include <string.h>

size_t vz_edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    size_t *row = vz_xcalloc(lb + 1, sizeof(*row));
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    size_t d = row[lb];
    free(row);
    return d;
}

const char *vz_suggest(const char *word, const char *const *cands, size_t n)
{
    /* A typo is a couple of edits, more for long words; never suggest a word
     * that shares almost nothing with what was typed. */
    size_t len = strlen(word);
    size_t limit = len / 5 > 2 ? len / 5 : 2;
    if (len <= 2)
        limit = 1;
    const char *best = NULL;
    size_t best_d = limit + 1;
    for (size_t i = 0; i < n; i++) {
        size_t d = vz_edit_distance(word, cands[i]);
        if (d < best_d) {
            best_d = d;
            best = cands[i];
        }
    }
    return best;
}

