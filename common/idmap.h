/* common/idmap.h: an id range, the value a user namespace's map is made of.
 *
 * What a caller may rely on: a plain value, no functions. uid and gid are
 * the host ids of the namespace's id 0; ids 0..count-1 map to uid..uid +
 * count - 1 (and the same for gid). enabled 0 means no map (a privileged
 * container): the ids are used as they are. vpscore/userns.h makes and
 * uses these; cache/unpack.h shifts an unpacked tree's owners by one. */
#ifndef VZ_COMMON_IDMAP_H
#define VZ_COMMON_IDMAP_H

#include <stdint.h>

struct vz_idmap {
    int enabled;  /* 0: a privileged container (no user namespace) */
    uint32_t uid; /* host uid of the container's uid 0 */
    uint32_t gid;
    uint32_t count;
};

#endif
