/* cmd/vzctl_tmpl.c: vzctl_find_template() (cmd/vzctl_tmpl.h). */
#include "cmd/vzctl_tmpl.h"

#include "cmd/cli.h"
#include "cmd/tmpl_hint.h"
#include "tmplbuild/download.h"

int vzctl_find_template(const char *name, struct vz_cache_info **cache, vz_error_t *err)
{
    if (vz_cache_find(name, cache, err) == 0)
        return 0;
    if ((*err)->status != VZ_ENOTEMPLATE)
        return -1;
    cleanup_free char *index = vz_download_index_url(NULL);
    cleanup_free char *dropped = vz_cache_unadopted(name);
    if (index == NULL || dropped) { /* say how to get (or adopt) the cache, or what was meant */
        vz_cli_template_hint(name, err);
        return -1;
    }
    cleanup_free char *vzpkg = vz_cli_find_program("vzpkg", VZ_SBINDIR);
    if (vzpkg == NULL)
        vzpkg = vz_which("vzpkg");
    if (vzpkg == NULL)
        return vz_error_wrap(err, "template %s is not cached, and vzpkg, which would download it from %s, "
                             "is neither next to this program, nor in %s, nor in PATH (reinstall vzforge)",
                             name, index, VZ_SBINDIR);
    vz_error_release(err);
    vz_info("Template %s is not cached: downloading it from %s", name, index);
    /* vzpkg's messages go to our stderr; its stdout ("NAME: downloaded")
     * is dropped so that `vzctl create --json` prints JSON only */
    char *argv[5];
    int n = 0;
    argv[n++] = vzpkg;
    if (vz_cli_log_flag())
        argv[n++] = (char *)vz_cli_log_flag();
    argv[n++] = "download";
    argv[n++] = (char *)name;
    argv[n] = NULL;
    struct vz_buf out = VZ_BUF_INIT;
    vz_buf_init(&out);
    struct vz_run_opts ro = { .out = &out };
    int status = 0;
    int r = vz_run(argv, &ro, &status, err);
    vz_buf_release(&out);
    if (r < 0)
        return vz_error_wrap(err, "template %s is not cached and could not be downloaded", name);
    if (status != 0) /* vzpkg's exit code is ours: 204 bad signature, 9 locked, ... */
        return vz_error_set(err, status, 0,
                            "template %s is not cached and its download was refused (vzpkg download %s "
                            "exited %d; its message is above)", name, name, status);
    vz_info("Template %s downloaded and verified", name);
    return vz_cache_find(name, cache, err);
}
