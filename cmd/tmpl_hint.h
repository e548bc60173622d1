/* cmd/tmpl_hint.h: what to tell an admin whose template has no cache.
 *
 * The store's "no cache" error advises building or fetching the name it was
 * given; for a mistyped name that advice names a template that does not
 * exist. vz_cli_template_hint() puts the right advice in its place:
 *   - a tarball dropped in by hand (vz_cache_unadopted): the store's
 *     message, which names the 'vzpkg import' that adopts it, unchanged;
 *   - a template the metadata defines: unchanged (create-cache it);
 *   - any other name: "unknown template 'NAME'", with the nearest known
 *     template (metadata, caches, dropped tarballs) as "did you mean", or
 *     "'vzpkg list' shows the known ones" when none is near.
 * The status stays VZ_ENOTEMPLATE (91). Errors of other statuses are left
 * alone. Links the metadata module (not for vzctl itself).
 */
#ifndef VZ_CMD_TMPL_HINT_H
#define VZ_CMD_TMPL_HINT_H

#include "common/common.h"

void vz_cli_template_hint(const char *name, vz_error_t *err);

#endif
