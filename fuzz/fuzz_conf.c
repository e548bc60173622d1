/* fuzz/fuzz_conf.c: the KEY="value" reader of CTID.conf and vz.conf
 * (common/conf.c), and its round trip.
 *
 * Input: a configuration file. It is loaded; one key is set to a value made
 * from the input's first line (what `vzctl set` does) and one unset; the
 * result is saved and loaded again, and the second load must give the same
 * lines: the same keys with the same values, and the same comment lines. A
 * value that changes on a save/load cycle is an admin's setting that drifts
 * every time vzctl touches the file.
 */
#include <string.h>

#include "common/common.h"
#include "fuzz/util.h"

static char *conf_path;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_init();
    conf_path = vz_path_join(fuzz_root, "etc/vz/conf/101.conf");
    return 0;
}

static void same(const struct vz_conf *a, const struct vz_conf *b)
{
    if (a->n != b->n)
        fuzz_fail("round trip: %zu lines, then %zu", a->n, b->n);
    for (size_t i = 0; i < a->n; i++) {
        const struct vz_conf_line *x = &a->lines[i], *y = &b->lines[i];
        if (!x->key != !y->key)
            fuzz_fail("round trip: line %zu changed kind", i + 1);
        if (x->key && (strcmp(x->key, y->key) || strcmp(x->value, y->value)))
            fuzz_fail("round trip: line %zu: %s=[%s] became %s=[%s]", i + 1, x->key, x->value,
                      y->key, y->value);
        if (!x->key && strcmp(x->raw, y->raw))
            fuzz_fail("round trip: line %zu: [%s] became [%s]", i + 1, x->raw, y->raw);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    vz_error_t err = NULL;
    if (vz_atomic_write(conf_path, data, size, 0600, &err) < 0)
        fuzz_fail("%s", err->msg);
    struct vz_conf c;
    if (vz_conf_load(&c, conf_path, &err) < 0)
        fuzz_fail("load: %s", err->msg);
    /* what callers do with a loaded file */
    for (size_t i = 0; i < c.n; i++)
        if (c.lines[i].key && vz_conf_get(&c, c.lines[i].key) == NULL)
            fuzz_fail("get %s: NULL", c.lines[i].key);
    cleanup_free char *in = fuzz_str(data, size);
    in[strcspn(in, "\n")] = '\0'; /* a value never holds a newline */
    vz_conf_set(&c, "HOSTNAME", in);
    vz_conf_unset(&c, "ONBOOT");
    if (strcmp(vz_conf_get(&c, "HOSTNAME"), in) != 0)
        fuzz_fail("set HOSTNAME did not stick");

    if (vz_conf_save(&c, &err) < 0)
        fuzz_fail("save: %s", err->msg);
    struct vz_conf again;
    if (vz_conf_load(&again, conf_path, &err) < 0)
        fuzz_fail("load again: %s", err->msg);
    same(&c, &again);
    vz_conf_release(&c);
    vz_conf_release(&again);
    return 0;
}
