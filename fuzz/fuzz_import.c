/* fuzz/fuzz_import.c: the import archive reader (tmplbuild/import.c), the
 * path that walks an untrusted root-file-system tarball.
 *
 * Input: a tarball (any compression libarchive reads). It is extracted into
 * a fresh directory of the scratch root, exactly as `vzpkg import` does
 * before packing, and its var/lib/dpkg/status, if any, read into a manifest.
 * Afterwards nothing may exist outside that directory: the scratch root
 * holds only what the harness made, and a sibling canary directory is still
 * empty.
 *
 * The harness drops CAP_MKNOD first: it runs as root, and a fuzzed device
 * node would be a real one (tests/cache/test_import.c covers device nodes
 * with harmless numbers instead).
 */
#include <dirent.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/capability.h>

#include "common/common.h"
#include "fuzz/util.h"
#include "tmplbuild/import.h"

static char *work, *dest, *canary;

static void drop_mknod(void)
{
    struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
    struct __user_cap_data_struct d[2];
    if (syscall(SYS_capget, &h, d) < 0)
        fuzz_fail("capget: %m");
    d[CAP_MKNOD / 32].effective &= ~(1u << (CAP_MKNOD % 32));
    d[CAP_MKNOD / 32].permitted &= ~(1u << (CAP_MKNOD % 32));
    d[CAP_MKNOD / 32].inheritable &= ~(1u << (CAP_MKNOD % 32));
    if (syscall(SYS_capset, &h, d) < 0)
        fuzz_fail("capset: %m");
    (void)prctl(PR_CAPBSET_DROP, CAP_MKNOD, 0, 0, 0);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    drop_mknod();
    fuzz_init();
    work = vz_path_join(fuzz_root, "work");
    dest = vz_path_join(work, "root");
    canary = vz_path_join(fuzz_root, "canary");
    vz_error_t err = NULL;
    if (vz_mkdir_p(work, 0700, &err) < 0 || vz_mkdir_p(canary, 0700, &err) < 0)
        fuzz_fail("%s", err->msg);
    return 0;
}

/* Does dir hold exactly the names in want (NULL-terminated)? */
static void only(const char *dir, const char *const *want)
{
    cleanup_dir DIR *d = opendir(dir);
    if (d == NULL)
        fuzz_fail("opendir %s: %m", dir);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        bool ok = false;
        for (size_t i = 0; want[i] && !ok; i++)
            ok = !strcmp(e->d_name, want[i]);
        if (!ok)
            fuzz_fail("the archive wrote %s/%s, outside the extraction directory", dir, e->d_name);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    vz_error_t err = NULL;
    if (mkdir(dest, 0700) < 0)
        fuzz_fail("mkdir %s: %m", dest);
    char path[64];
    int fd = fuzz_memfd(data, size, path);
    bool had_root = false;
    if (vz_import_extract(path, dest, &had_root, &err) < 0) {
        vz_error_release(&err);
    } else {
        struct vz_manifest *m = vz_manifest_new("fuzz");
        cleanup_free char *status = vz_path_join(dest, "var/lib/dpkg/status");
        if (vz_import_dpkg_status(status, m, &err) < 0)
            vz_error_release(&err);
        cleanup_free char *text = NULL;
        if (vz_manifest_serialize(m, &text, NULL, &err) < 0)
            vz_error_release(&err); /* names that are not UTF-8: refused there */
        vz_manifest_free(m);
    }
    close(fd);
    only(work, (const char *const[]){ "root", NULL });
    only(canary, (const char *const[]){ NULL });
    only(fuzz_root, (const char *const[]){ "etc", "shipped", "apt", "work", "canary", NULL });
    if (vz_rm_rf(dest, &err) < 0)
        fuzz_fail("remove %s: %s", dest, err->msg);
    return 0;
}
