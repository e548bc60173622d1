/* common/common.h: the one public header of the common module.
 * Include this; the pieces are documented in their own headers. */
#ifndef VZ_COMMON_COMMON_H
#define VZ_COMMON_COMMON_H

#include "common/error.h"
#include "common/cleanup.h"
#include "common/buf.h"
#include "common/log.h"
#include "common/fs.h"
#include "common/hash.h"
#include "common/proc.h"
#include "common/conf.h"
#include "common/suggest.h"
#include "common/banned.h"

#define VZ_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
