#include "tests/vpscore/fsimage.h"

#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/wait.h>

#include "common/common.h"

int fx_sh(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *cmd = NULL;
    int n = vasprintf(&cmd, fmt, ap);
    va_end(ap);
    cr_assert_geq(n, 0);
    int st = system(cmd);
    free(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

void fx_image_make(const struct fx *f, const char *size, const char *mkfs)
{
    cleanup_free char *priv = fx_path(f, "vz/private");
    cr_assert_eq(fx_sh("mkdir -p %s && truncate -s %s %s/fs.img && %s %s/fs.img >/dev/null", priv, size,
                       f->root, mkfs, f->root),
                 0, "%s of a %s image failed (is it installed?)", mkfs, size);
}

int fx_image_mount(const struct fx *f, const char *opts, bool quiet)
{
    cleanup_free char *priv = fx_path(f, "vz/private");
    int st = fx_sh("mount -o loop%s%s %s/fs.img %s%s", opts ? "," : "", opts ? opts : "", f->root, priv,
                   quiet ? " 2>/dev/null" : "");
    cr_assert_eq(fx_sh("rm -f %s/fs.img", f->root), 0);
    return st;
}

void fx_image_btrfs(const struct fx *f, const char *size)
{
    fx_image_make(f, size, "mkfs.btrfs -q");
    cr_assert_eq(fx_image_mount(f, NULL, false), 0, "mount of the btrfs image failed");
}

void fx_image_umount(const struct fx *f, const char *const *ctids)
{
    for (size_t i = 0; ctids && ctids[i]; i++) {
        cleanup_free char *rel = vz_xasprintf("vz/root/%s", ctids[i]);
        cleanup_free char *p = fx_path(f, rel);
        umount2(p, MNT_DETACH);
    }
    cleanup_free char *priv = fx_path(f, "vz/private");
    umount2(priv, MNT_DETACH);
}
