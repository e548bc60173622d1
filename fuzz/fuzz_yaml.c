/* fuzz/fuzz_yaml.c: the template metadata loader (metadata/).
 *
 * Input: a distro YAML file. It is parsed and validated (yamltree.c,
 * schema.c); every (architecture, variant) template of a valid file is built
 * with `extends` and {{variables}} applied, once without mirrors (as `vzpkg
 * list` does) and once with a --mirror value (as create-cache does). A valid
 * file is then also installed as a local override under the scratch VZ_ROOT
 * and listed and loaded by name through the catalog (catalog.c).
 *
 * Inputs are capped (fuzz/run.sh: -max_len=65536): nesting depth and sizes
 * are bounded by metadata/yamltree.c itself (docs/fuzzing.md).
 */
#include <string.h>
#include <unistd.h>

#include "common/common.h"
#include "fuzz/util.h"
#include "metadata/internal.h"

static char *override_path;
static char *apt_root;
static char *mirror_args[] = { "http://127.0.0.1/mirror", NULL };

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_init();
    override_path = vz_path_join(fuzz_root, "etc/vz/distros/fuzz.yaml");
    apt_root = vz_path_join(fuzz_root, "apt");
    return 0;
}

static void build_all(const struct md_file *f, const struct vz_metadata_opts *opts, char **first)
{
    for (size_t a = 0; a < f->n_archs; a++)
        for (size_t v = 0; v < f->n_variants; v++) {
            struct vz_template *t = NULL;
            vz_error_t err = NULL;
            if (md_build(f, (int)a, (int)v, NULL, &t, &err) < 0) {
                vz_error_release(&err);
                continue;
            }
            if (*first == NULL)
                *first = vz_xstrdup(t->name);
            vz_template_free(t);
            struct md_mirror_ctx m = {
                .opts = opts, .distribution = f->distribution->value,
                .codename = f->codename->value, .family = f->family->value, .apt_root = apt_root,
            };
            if (md_build(f, (int)a, (int)v, &m, &t, &err) < 0)
                vz_error_release(&err);
            else
                vz_template_free(t);
            md_mirror_ctx_release(&m);
        }
}

/* Through the catalog, as `vzpkg list` and `vzpkg info NAME` find it. */
static void by_name(const uint8_t *data, size_t size, const struct vz_metadata_opts *opts,
                    const char *name)
{
    vz_error_t err = NULL;
    if (vz_atomic_write(override_path, data, size, 0600, &err) < 0)
        fuzz_fail("%s", err->msg);
    struct vz_template_entry *e = NULL;
    size_t n = 0;
    if (vz_template_list(opts, &e, &n, &err) < 0)
        vz_error_release(&err);
    else
        vz_template_list_free(e, n);
    struct vz_template *t = NULL;
    if (vz_template_load(name, opts, &t, &err) < 0)
        vz_error_release(&err);
    else
        vz_template_free(t);
    unlink(override_path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cleanup_free char *text = fuzz_str(data, size);
    struct md_file f;
    vz_error_t err = NULL;
    if (md_file_load_text(&f, "fuzz.yaml", text, &err) < 0) {
        if (err == NULL || strncmp(err->msg, "fuzz.yaml:", 10) != 0)
            fuzz_fail("error without a location: %s", err ? err->msg : "(none)");
        vz_error_release(&err);
        return 0;
    }
    struct vz_metadata_opts opts = { .mirrors = mirror_args, .apt_root = apt_root };
    cleanup_free char *first = NULL;
    build_all(&f, &opts, &first);
    md_file_release(&f);
    if (first)
        by_name(data, size, &opts, first);
    return 0;
}
