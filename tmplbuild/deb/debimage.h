/* tmplbuild/deb/debimage.h: a .deb re-made in memory, its data.tar decoded or re-encoded.
 *
 * An image has the package's ar members in the same order with the same
 * names, but data.tar decompressed ("data.tar"; vz_deb_read_image reads it
 * through the same reader and checks as the file) or re-encoded as zstd
 * ("data.tar.zst"; recode.h keeps such copies in the package cache). Anything
 * but a well-formed package gives no image (NULL): reading the file says why.
 * Members after data.tar are dropped, as vz_deb_read stops there too.
 */
#ifndef VZ_TMPLBUILD_DEB_DEBIMAGE_H
#define VZ_TMPLBUILD_DEB_DEBIMAGE_H

#include <stddef.h>

/* The image of the package file deb, data.tar decoded. malloc'ed. */
void *vz_deb_image(const char *deb, size_t *len);
/* The same with data.tar re-encoded as data.tar.zst at zstd_level (> 0;
 * 0: decoded, as above). */
void *vz_deb_image_as(const char *deb, int zstd_level, size_t *len);
/* The same from an image in memory (data.tar decoded). */
void *vz_deb_image_recode(const void *image, size_t image_len, int zstd_level, size_t *len);

#endif
