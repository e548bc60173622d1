/* vpscore/ctname.h: container names (OpenVZ's --name), usable wherever a
 * CTID is.
 *
 * A name is NAME="..." in the container's conf, nothing else (OpenVZ also
 * kept /etc/vz/names/NAME symlinks; a second copy of the fact can go stale,
 * so vzforge reads the confs). Names are 1..64 characters of [A-Za-z0-9._-],
 * start with a letter, and are unique on the host; a name never equals an
 * existing CTID, so an argument means one container only:
 *   - a CTID whose conf exists is that container;
 *   - else the container whose NAME it is;
 *   - else it is taken as a CTID (and the caller reports "no such container").
 */
#ifndef VZ_VPSCORE_CTNAME_H
#define VZ_VPSCORE_CTNAME_H

#include "common/common.h"

/* VZ_EBADARG naming the rule a bad name breaks. */
int vz_ct_name_check(const char *name, vz_error_t *err);
/* VZ_EBADARG when name is the NAME of another container than ctid, or the
 * CTID of another container. */
int vz_ct_name_free(const char *name, const char *ctid, vz_error_t *err);
/* The CTID that arg names (rules above). Allocated; never NULL. */
char *vz_ct_resolve(const char *arg);
/* The CTID whose NAME is name, or NULL. Allocated. */
char *vz_ct_by_name(const char *name);

#endif
