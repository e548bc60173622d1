/* metadata/strlist.c: an ordered list of distinct strings that adds in
 * constant time (package lists can be long: a 40,000-entry list used to cost
 * a square number of strcmp calls). Open addressing over indexes into v. */
#include "metadata/internal.h"

#include <string.h>

static size_t str_hash(const char *s)
{
    size_t h = 1469598103934665603u; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211u;
    return h;
}

/* The slot holding s, or the empty slot where it would go. */
static size_t *find_slot(const struct md_strlist *l, const char *s)
{
    size_t mask = l->nslots - 1;
    for (size_t i = str_hash(s) & mask;; i = (i + 1) & mask)
        if (l->slots[i] == 0 || strcmp(l->v[l->slots[i] - 1], s) == 0)
            return &l->slots[i];
}

static void rehash(struct md_strlist *l)
{
    free(l->slots);
    l->nslots = l->nslots ? l->nslots * 2 : 64;
    l->slots = vz_xcalloc(l->nslots, sizeof(*l->slots));
    for (size_t i = 0; i < l->n; i++)
        *find_slot(l, l->v[i]) = i + 1;
}

bool md_strlist_has(const struct md_strlist *l, const char *s)
{
    return l->nslots && *find_slot(l, s) != 0;
}

bool md_strlist_add(struct md_strlist *l, const char *s)
{
    if (md_strlist_has(l, s))
        return false;
    if (2 * (l->n + 1) > l->nslots) /* keep the table at most half full */
        rehash(l);
    if (l->n + 1 >= l->cap) {
        l->cap = l->cap ? l->cap * 2 : 16;
        l->v = vz_xrealloc(l->v, l->cap * sizeof(*l->v));
    }
    l->v[l->n++] = vz_xstrdup(s);
    l->v[l->n] = NULL;
    *find_slot(l, s) = l->n;
    return true;
}

char **md_strlist_detach(struct md_strlist *l)
{
    char **v = l->v ? l->v : vz_xcalloc(1, sizeof(char *));
    free(l->slots);
    memset(l, 0, sizeof(*l));
    return v;
}

void md_strlist_release(struct md_strlist *l)
{
    vz_strv_free(md_strlist_detach(l));
}
