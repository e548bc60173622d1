/* tmplbuild/deb/deb_family.h: pieces of the deb family's table (deb_table.c)
 * that live in their own files. */
#ifndef VZ_TMPLBUILD_DEB_FAMILY_H
#define VZ_TMPLBUILD_DEB_FAMILY_H

#include "tmplbuild/family.h"

/* deb_served.c: served_current (family.h). */
bool vz_deb_served_current(const struct vz_repo_def *d, char out[65]);

#endif
