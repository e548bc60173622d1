/* cmd/vzctl_tmpl.h: find the template cache `vzctl create` needs, fetching
 * it first when it is not cached and an index is configured (INDEX_URL in
 * vz.conf), as OpenVZ's vzctl does with vztmpl-dl. */
#ifndef VZ_CMD_VZCTL_TMPL_H
#define VZ_CMD_VZCTL_TMPL_H

#include "cache/store.h"
#include "common/common.h"

/* vz_cache_find(name); on "not cached" (VZ_ENOTEMPLATE) with INDEX_URL set,
 * vz_download(name) (index, manifest and tarball verified, landed
 * atomically; nothing written on a refusal) and find it again. Without an
 * index, or with a tarball dropped in by hand (which is never downloaded
 * over), the not-found error is vz_cli_template_hint's (cmd/tmpl_hint.h). */
int vzctl_find_template(const char *name, struct vz_cache_info **cache, vz_error_t *err);

#endif
