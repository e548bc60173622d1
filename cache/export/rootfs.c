/* rootfs.c: NAME.rootfs.tar.gz, the root file system as one tarball
 * (podman import, docker import, machinectl import-tar, ...). */
#include <errno.h>
#include "cache/export/export.h"
#include "cache/export/export_int.h"

int vz_export_rootfs(struct vz_export_src *s, const struct vz_export_job *j, const char *dir,
                     json_t *out, vz_error_t *err)
{
    cleanup_free char *path = vz_xasprintf("%s/%s.rootfs.tar.gz", dir, s->name);
    if (vz_export_place(vz_export_job_rootfs(j), path, err) < 0)
        return -1;
    const struct vz_tarout_sum *sum = vz_export_job_rootfs_sum(j);
    json_object_set_new(out, "path", json_string(path));
    json_object_set_new(out, "files", json_pack("[o]", vz_export_file_json("rootfs", path,
                                                                          sum->size, sum->sha256)));
    return 0;
}
