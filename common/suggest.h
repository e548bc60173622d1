/* common/suggest.h: "did you mean" for a mistyped word (a command, an
 * option, a template key or name): the closest candidate by edit distance,
 * only when it is close enough to be a typo. */
#ifndef VZ_COMMON_SUGGEST_H
#define VZ_COMMON_SUGGEST_H

#include <stddef.h>

/* Levenshtein distance (insertions, deletions, substitutions). */
size_t vz_edit_distance(const char *a, const char *b);
/* The candidate nearest to word, or NULL when none is within a typo's
 * reach (1 edit for words of up to 2 characters, else 2, or a fifth of the
 * word's length when that is more). Points into cands. */
const char *vz_suggest(const char *word, const char *const *cands, size_t n);

#endif
