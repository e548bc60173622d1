/* The vzpkg store commands as an admin runs them: output, exit codes. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <string.h>
#include <unistd.h>

#include "cache/lock.h"
#include "cache/store.h"
#include "common/common.h"
#include "tmplbuild/pack.h"
#include "util.h"

static const char *root;

static void setup(void)
{
    root = vzt_root_setup();
    setenv("SOURCE_DATE_EPOCH", "1700000000", 1);
    vz_log_level = VZ_LOG_WARN;
}

TestSuite(cli, .init = setup, .fini = vzt_root_teardown, .timeout = 300);

/* Run build/bin/vzpkg with args; returns the exit status. */
static int vzpkg(struct vz_buf *out, struct vz_buf *errb, const char *const *args)
{
    const char *b = getenv("VZ_BUILD");
    cr_assert_not_null(b, "VZ_BUILD is not set: run through 'make check' or set VZ_BUILD=build");
    char *bin = vz_xasprintf("%s/bin/vzpkg", b);
    cr_assert(access(bin, X_OK) == 0, "%s not built", bin);
    char **argv = vz_xcalloc(1, sizeof(char *));
    vz_strv_push(&argv, bin);
    for (; *args; args++)
        vz_strv_push(&argv, *args);
    vz_buf_init(out);
    vz_buf_init(errb);
    struct vz_run_opts o = { .out = out, .errbuf = errb };
    int st = -1;
    vz_error_t err = NULL;
    cr_assert_eq(vz_run(argv, &o, &st, &err), 0, "%s", vzt_errmsg(&err));
    vz_strv_free(argv);
    free(bin);
    return st;
}

static void build_cache(const char *name)
{
    char *tree = vz_path_join(root, "tree");
    vzt_make_tree(tree, 0, 1600000000);
    struct vz_manifest *m = vz_manifest_new(name);
    vz_manifest_add_pkg(m, "p", "1", "amd64",
                        "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc", 3);
    vz_error_t err = NULL;
    cr_assert_eq(vz_pack_to_cache(tree, m, NULL, 0, NULL, &err), 0, "%s", vzt_errmsg(&err));
    vz_manifest_free(m);
    free(tree);
}

Test(cli, keygen_refuses_overwrite_exit_1_force_replaces)
{
    struct vz_buf o, e;
    const char *a1[] = { "keygen", "--json", NULL };
    cr_assert_eq(vzpkg(&o, &e, a1), 0, "%s", e.data);
    cr_assert(strstr(o.data, "\"key_id\": \""), "%s", o.data);
    vz_buf_release(&o);
    vz_buf_release(&e);
    const char *a2[] = { "keygen", NULL };
    cr_assert_eq(vzpkg(&o, &e, a2), 1);
    char *want = vz_xasprintf("vzpkg: error: a signing key already exists in %s/etc/vz/keys; use "
                              "--force to replace it (hosts that trust the old key will refuse "
                              "new caches)\n", root);
    cr_assert_str_eq(e.data, want);
    vz_buf_release(&o);
    vz_buf_release(&e);
    const char *a3[] = { "keygen", "--force", NULL };
    cr_assert_eq(vzpkg(&o, &e, a3), 0, "%s", e.data);
    cr_assert(strstr(o.data, "(mode 0600)"));
    vz_buf_release(&o);
    vz_buf_release(&e);
    free(want);
}

Test(cli, verify_reports_what_failed_with_exit_204_and_json)
{
    build_cache("c1");
    build_cache("c2");
    struct vz_buf o, e;
    const char *a[] = { "verify", NULL };
    cr_assert_eq(vzpkg(&o, &e, a), 0, "%s", e.data);
    cr_assert(strstr(o.data, "c1: OK (signed by "), "%s", o.data);
    cr_assert(strstr(o.data, "c2: OK (signed by "), "%s", o.data);
    vz_buf_release(&o);
    vz_buf_release(&e);
    char *dir = vz_template_path("cache");
    char *t = vz_path_join(dir, "c2.tar.zst");
    vzt_flip_byte(t, 20);
    const char *aj[] = { "verify", "--json", NULL };
    cr_assert_eq(vzpkg(&o, &e, aj), 204, "%s", o.data);
    cr_assert(strstr(e.data, "vzpkg: error: cache c2: tarball "), "not on stderr: %s", e.data);
    json_error_t je;
    json_t *j = json_loads(o.data, 0, &je);
    cr_assert_not_null(j, "not JSON: %s", o.data);
    cr_assert_eq(json_array_size(j), 2);
    json_t *c2 = json_array_get(j, 1);
    cr_assert_str_eq(json_string_value(json_object_get(c2, "name")), "c2");
    cr_assert(json_is_false(json_object_get(c2, "ok")));
    const char *msg = json_string_value(json_object_get(c2, "error"));
    char *prefix = vz_xasprintf("cache c2: tarball %s has sha256 ", t);
    cr_assert_eq(strncmp(msg, prefix, strlen(prefix)), 0, "%s", msg);
    cr_assert(json_is_true(json_object_get(json_array_get(j, 0), "ok")));
    json_decref(j);
    vz_buf_release(&o);
    vz_buf_release(&e);
    const char *am[] = { "verify", "nosuch", NULL };
    cr_assert_eq(vzpkg(&o, &e, am), 91);
    vz_buf_release(&o);
    vz_buf_release(&e);
    free(prefix);
    free(t);
    free(dir);
}

Test(cli, busy_template_lock_exit_9_names_the_holder)
{
    build_cache("c1");
    struct vz_lock *l = NULL;
    vz_error_t err = NULL;
    cr_assert_eq(vz_lock_template("c1", 0, &l, &err), 0);
    struct vz_buf o, e;
    const char *a[] = { "remove-cache", "c1", "--timeout", "0", NULL };
    cr_assert_eq(vzpkg(&o, &e, a), 9, "%s", e.data);
    char *want = vz_xasprintf("vzpkg: error: template c1 is locked by pid %ld (", (long)getpid());
    cr_assert_eq(strncmp(e.data, want, strlen(want)), 0, "%s", e.data);
    vz_buf_release(&o);
    vz_buf_release(&e);
    vz_lock_release(l);
    cr_assert_eq(vzpkg(&o, &e, a), 0, "%s", e.data);
    struct vz_cache_info *c = NULL;
    cr_assert_eq(vz_cache_find("c1", &c, &err), -1);
    vz_error_release(&err);
    vz_buf_release(&o);
    vz_buf_release(&e);
    const char *bad[] = { "remove-cache", "c1", "--timeout", "soon", NULL };
    cr_assert_eq(vzpkg(&o, &e, bad), 21);
    vz_buf_release(&o);
    vz_buf_release(&e);
    free(want);
}

Test(cli, clean_prints_what_was_freed)
{
    build_cache("c1");
    char *pk = vz_template_path("pkgs");
    char *keep = vz_path_join(pk, "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc");
    char *drop = vz_path_join(pk, "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd");
    vzt_write(keep, "abc");
    vzt_write(drop, "0123456789");
    struct vz_buf o, e;
    const char *a[] = { "clean", NULL };
    cr_assert_eq(vzpkg(&o, &e, a), 0, "%s", e.data);
    cr_assert_str_eq(o.data, "freed 1 files, 10 B; kept 1 files, 3 B\n");
    cr_assert(vz_file_exists(keep));
    cr_assert(!vz_file_exists(drop));
    vz_buf_release(&o);
    vz_buf_release(&e);
    free(keep);
    free(drop);
    free(pk);
}

Test(cli, import_refusal_exits_206_and_usage_errors_exit_2)
{
    char *tar = vz_path_join(root, "evil.tar");
    char *cmd = vz_xasprintf("cd %s && mkdir -p x && echo hi > x/f && tar -cPf %s %s/x/f", root, tar, root);
    cr_assert_eq(system(cmd), 0);
    struct vz_buf o, e;
    const char *a[] = { "import", tar, "--name", "evil", NULL };
    cr_assert_eq(vzpkg(&o, &e, a), 206, "%s", e.data);
    cr_assert(strstr(e.data, "escapes the root (absolute path); refusing the archive"), "%s", e.data);
    vz_buf_release(&o);
    vz_buf_release(&e);
    const char *u[] = { "import", tar, NULL };
    cr_assert_eq(vzpkg(&o, &e, u), 2);
    cr_assert(strstr(e.data, "import: --name NAME is required"), "%s", e.data);
    vz_buf_release(&o);
    vz_buf_release(&e);
    free(cmd);
    free(tar);
}

static char *unpacked_tree(const char *name, char hex, const char *file_text)
{
    char *dir = vz_template_path("unpacked");
    char sha[65];
    memset(sha, hex, 64);
    sha[64] = '\0';
    char *t = vz_xasprintf("%s/%s-%s", dir, name, sha);
    char *f = vz_path_join(t, "etc/os-release");
    vzt_write(f, file_text);
    free(f);
    free(dir);
    return t;
}

Test(cli, clean_removes_only_unreferenced_shared_trees)
{
    /* two templates unpacked; container 101's conf names the first */
    char *used = unpacked_tree("t-used", 'a', "0123456789");
    char *unused = unpacked_tree("t-unused", 'b', "01234");
    char *stale_tmp = vz_template_path("unpacked/.t-unused.tmp.Xy12ab");
    char *stale_f = vz_path_join(stale_tmp, "half");
    vzt_write(stale_f, "xx");
    char *conf = vz_root_path("/etc/vz/conf/101.conf");
    char *text = vz_xasprintf("VE_LAYOUT=\"overlay\"\nVE_LOWERDIR=\"%s\"\n", used);
    vzt_write(conf, text);
    /* a third belongs to a running create: its lock is held */
    char *busy = unpacked_tree("t-busy", 'c', "0");
    struct vz_lock *lk = NULL;
    vz_error_t err = NULL;
    cr_assert_eq(vz_lock_tree("t-busy", true, 0, &lk, &err), 0, "%s", vzt_errmsg(&err));

    struct vz_buf o, e;
    const char *dry[] = { "clean", "--dry-run", NULL };
    cr_assert_eq(vzpkg(&o, &e, dry), 0, "%s", e.data);
    cr_assert_str_eq(o.data, "would free 0 files, 0 B; kept 0 files, 0 B\n"
                             "would free 2 shared trees, 7 B; kept 2 shared trees, 11 B\n");
    cr_assert(vz_is_dir(unused), "--dry-run removed a tree");
    vz_buf_release(&o);
    vz_buf_release(&e);

    const char *a[] = { "clean", "--json", NULL };
    cr_assert_eq(vzpkg(&o, &e, a), 0, "%s", e.data);
    json_error_t je;
    json_t *j = json_loads(o.data, 0, &je);
    cr_assert_not_null(j, "%s: %s", je.text, o.data);
    json_t *t = json_object_get(j, "trees");
    cr_assert_eq(json_integer_value(json_object_get(t, "removed_trees")), 2, "%s", o.data);
    cr_assert_eq(json_integer_value(json_object_get(t, "kept_trees")), 2, "%s", o.data);
    cr_assert_eq(json_integer_value(json_object_get(t, "removed_bytes")), 7, "%s", o.data);
    json_t *rm = json_object_get(t, "removed");
    cr_assert_eq(json_array_size(rm), 2);
    cr_assert_str_eq(json_string_value(json_array_get(rm, 0)), ".t-unused.tmp.Xy12ab");
    cr_assert(strstr(json_string_value(json_array_get(rm, 1)), "t-unused-bbbb"), "%s", o.data);
    json_decref(j);
    cr_assert(vz_is_dir(used), "a tree a container conf names was removed");
    cr_assert(!vz_is_dir(unused), "an unreferenced tree was kept");
    cr_assert(!vz_is_dir(stale_tmp), "an interrupted create's leftover was kept");
    cr_assert(vz_is_dir(busy), "a tree whose create holds the lock was removed");
    vz_buf_release(&o);
    vz_buf_release(&e);

    /* the lock released and no conf names it: the busy tree goes too */
    vz_lock_release(lk);
    const char *b[] = { "clean", NULL };
    cr_assert_eq(vzpkg(&o, &e, b), 0, "%s", e.data);
    cr_assert_str_eq(o.data, "freed 0 files, 0 B; kept 0 files, 0 B\n"
                             "freed 1 shared trees, 1 B; kept 1 shared trees, 10 B\n");
    cr_assert(!vz_is_dir(busy));
    vz_buf_release(&o);
    vz_buf_release(&e);

    /* an unreadable conf: nothing is removed, the error names the file */
    char *bad = vz_root_path("/etc/vz/conf/102.conf/x");
    vzt_write(bad, "");
    free(bad);
    const char *c[] = { "clean", NULL };
    int st = vzpkg(&o, &e, c);
    cr_assert_eq(st, 3, "%s", e.data);
    cr_assert(strstr(e.data, "cannot tell which shared tree ") && strstr(e.data, "/102.conf uses (fix it before "
              "cleaning): read ") && strstr(e.data, "Is a directory"), "%s", e.data);
    cr_assert(vz_is_dir(used));
    vz_buf_release(&o);
    vz_buf_release(&e);
    free(used), free(unused), free(busy), free(stale_tmp), free(stale_f), free(conf), free(text);
}

Test(cli, clean_keeps_the_tree_of_a_current_cache)
{
    build_cache("c1");
    struct vz_cache_info *c = NULL;
    vz_error_t err = NULL;
    cr_assert_eq(vz_cache_find("c1", &c, &err), 0, "%s", vzt_errmsg(&err));
    char *dir = vz_template_path("unpacked");
    char *cur = vz_xasprintf("%s/c1-%s/f", dir, c->tar_sha256);
    vzt_write(cur, "abc");
    char *old = unpacked_tree("c1", 'd', "0123");
    struct vz_buf o, e;
    const char *a[] = { "clean", NULL };
    cr_assert_eq(vzpkg(&o, &e, a), 0, "%s", e.data);
    cr_assert(strstr(o.data, "freed 1 shared trees, 4 B; kept 1 shared trees, 3 B\n"), "%s", o.data);
    cr_assert(vz_file_exists(cur), "the current cache's tree was removed");
    cr_assert(!vz_is_dir(old), "the tree of a replaced cache was kept");
    vz_buf_release(&o);
    vz_buf_release(&e);
    vz_cache_info_free(c);
    free(dir), free(cur), free(old);
}

static json_t *parse_json(const struct vz_buf *o)
{
    json_error_t je;
    json_t *j = json_loads(o->data, 0, &je);
    cr_assert_not_null(j, "not JSON (%s): '%s'", je.text, o->data);
    return j;
}

/* remove-cache --json: one object per NAME, every NAME tried; the exit code
 * is the first failure's and its message is on stderr too. */
Test(cli, remove_cache_json_says_what_was_removed)
{
    build_cache("c1");
    build_cache("c2");
    struct vz_buf o, e;
    const char *a[] = { "remove-cache", "--json", "c1", "nosuch", "c2", NULL };
    cr_assert_eq(vzpkg(&o, &e, a), 91, "%s", e.data);
    cr_assert(strstr(e.data, "vzpkg: error: no cache of template nosuch"), "%s", e.data);
    json_t *j = parse_json(&o);
    cr_assert_eq(json_array_size(j), 3, "%s", o.data);
    const char *names[] = { "c1", "nosuch", "c2" };
    for (size_t i = 0; i < 3; i++) {
        json_t *x = json_array_get(j, i);
        cr_assert_str_eq(json_string_value(json_object_get(x, "name")), names[i]);
        bool ok = i != 1;
        cr_assert_eq(json_is_true(json_object_get(x, "removed")), ok, "%s", o.data);
        if (ok)
            cr_assert(json_is_null(json_object_get(x, "error")), "%s", o.data);
        else
            cr_assert(strstr(json_string_value(json_object_get(x, "error")),
                             "no cache of template nosuch"), "%s", o.data);
    }
    json_decref(j);
    vz_buf_release(&o);
    vz_buf_release(&e);
    struct vz_cache_info *c = NULL;
    vz_error_t err = NULL;
    cr_assert_eq(vz_cache_find("c2", &c, &err), -1, "c2 was not removed");
    vz_error_release(&err);
    /* all fine: exit 0, the messages on stderr, the JSON alone on stdout */
    build_cache("c1");
    const char *b[] = { "remove-cache", "c1", "--json", NULL };
    cr_assert_eq(vzpkg(&o, &e, b), 0, "%s", e.data);
    j = parse_json(&o);
    cr_assert(json_is_true(json_object_get(json_array_get(j, 0), "removed")), "%s", o.data);
    json_decref(j);
    vz_buf_release(&o);
    vz_buf_release(&e);
}

Test(cli, import_json_describes_the_new_cache)
{
    char *tar = vz_path_join(root, "rootfs.tar");
    char *cmd = vz_xasprintf("cd %s && mkdir -p r/etc && echo t > r/etc/hostname && "
                             "tar -C r -cf %s .", root, tar);
    cr_assert_eq(system(cmd), 0);
    struct vz_buf o, e;
    const char *a[] = { "import", tar, "--name", "imp-1-x86_64", "--json", NULL };
    cr_assert_eq(vzpkg(&o, &e, a), 0, "%s", e.data);
    json_t *j = parse_json(&o);
    struct vz_cache_info *c = NULL;
    vz_error_t err = NULL;
    cr_assert_eq(vz_cache_find("imp-1-x86_64", &c, &err), 0, "%s", vzt_errmsg(&err));
    cr_assert_str_eq(json_string_value(json_object_get(j, "name")), "imp-1-x86_64");
    cr_assert_str_eq(json_string_value(json_object_get(j, "source")), tar);
    cr_assert_str_eq(json_string_value(json_object_get(j, "tarball")), c->tarball);
    cr_assert_str_eq(json_string_value(json_object_get(j, "tar_sha256")), c->tar_sha256);
    cr_assert_eq(json_integer_value(json_object_get(j, "tar_size")), (json_int_t)c->tar_size);
    cr_assert_geq(json_integer_value(json_object_get(j, "entries")), 3, "%s", o.data);
    cr_assert_eq(json_object_size(j), 6, "%s", o.data);
    json_decref(j);
    vz_cache_info_free(c);
    vz_buf_release(&o);
    vz_buf_release(&e);
    /* a refusal: the message on stderr, nothing on stdout */
    const char *bad[] = { "import", "/nonexistent-vzt.tar", "--name", "imp-2-x86_64", "--json", NULL };
    cr_assert_neq(vzpkg(&o, &e, bad), 0);
    cr_assert_str_empty(o.data);
    cr_assert(strstr(e.data, "vzpkg: error: "), "%s", e.data);
    vz_buf_release(&o);
    vz_buf_release(&e);
    free(cmd);
    free(tar);
}

/* keygen, trust add/list/remove with --json: the key IDs agree. */
Test(cli, keygen_and_trust_json)
{
    struct vz_buf o, e;
    /* a second host's key, to trust */
    char *other = vz_path_join(root, "other");
    setenv("VZ_ROOT", other, 1);
    const char *k[] = { "keygen", "--json", NULL };
    cr_assert_eq(vzpkg(&o, &e, k), 0, "%s", e.data);
    setenv("VZ_ROOT", root, 1);
    json_t *j = parse_json(&o);
    char *other_id = vz_xstrdup(json_string_value(json_object_get(j, "key_id")));
    char *other_pub = vz_xstrdup(json_string_value(json_object_get(j, "public_key")));
    cr_assert_eq(strlen(other_id), 16, "%s", o.data);
    cr_assert(strstr(json_string_value(json_object_get(j, "private_key")), "/other/"), "%s", o.data);
    json_decref(j);
    vz_buf_release(&o);
    vz_buf_release(&e);
    cr_assert_eq(vzpkg(&o, &e, k), 0, "%s", e.data);
    j = parse_json(&o);
    char *own_id = vz_xstrdup(json_string_value(json_object_get(j, "key_id")));
    json_decref(j);
    vz_buf_release(&o);
    vz_buf_release(&e);

    const char *add[] = { "trust", "add", other_pub, "--json", NULL };
    cr_assert_eq(vzpkg(&o, &e, add), 0, "%s", e.data);
    j = parse_json(&o);
    cr_assert_str_eq(json_string_value(json_object_get(j, "key_id")), other_id);
    json_decref(j);
    vz_buf_release(&o);
    vz_buf_release(&e);

    const char *ls[] = { "trust", "list", "--json", NULL };
    cr_assert_eq(vzpkg(&o, &e, ls), 0, "%s", e.data);
    j = parse_json(&o);
    cr_assert_eq(json_array_size(j), 2, "%s", o.data);
    int seen_own = 0, seen_other = 0;
    for (size_t i = 0; i < 2; i++) {
        json_t *x = json_array_get(j, i);
        const char *id = json_string_value(json_object_get(x, "key_id"));
        cr_assert_not_null(json_string_value(json_object_get(x, "file")), "%s", o.data);
        if (!strcmp(id, own_id))
            seen_own += json_is_true(json_object_get(x, "own"));
        if (!strcmp(id, other_id))
            seen_other += json_is_false(json_object_get(x, "own"));
    }
    cr_assert(seen_own == 1 && seen_other == 1, "%s", o.data);
    json_decref(j);
    vz_buf_release(&o);
    vz_buf_release(&e);

    const char *rm[] = { "trust", "remove", other_id, "--json", NULL };
    cr_assert_eq(vzpkg(&o, &e, rm), 0, "%s", e.data);
    j = parse_json(&o);
    cr_assert_str_eq(json_string_value(json_object_get(j, "key_id")), other_id);
    json_decref(j);
    vz_buf_release(&o);
    vz_buf_release(&e);
    /* removed: removing it again fails, with nothing on stdout */
    cr_assert_neq(vzpkg(&o, &e, rm), 0);
    cr_assert_str_empty(o.data);
    cr_assert(strstr(e.data, "vzpkg: error: "), "%s", e.data);
    vz_buf_release(&o);
    vz_buf_release(&e);
    free(other), free(other_id), free(other_pub), free(own_id);
}

Test(cli, import_drops_device_nodes_with_a_warning_and_bounds_the_size)
{
    char *tar = vz_path_join(root, "rootfs.tar");
    char *cmd = vz_xasprintf("cd %s && mkdir -p r/dev r/etc && mknod r/dev/sda b 8 0 && mknod r/dev/mem c 1 1 && "
                             "head -c 3000 /dev/zero > r/etc/zeros && tar -C r -cf %s .", root, tar);
    cr_assert_eq(system(cmd), 0);
    struct vz_buf o, e;
    const char *a[] = { "import", tar, "--name", "devs", NULL };
    cr_assert_eq(vzpkg(&o, &e, a), 0, "%s", e.data);
    cr_assert(strstr(e.data, "warning: ") && strstr(e.data, "rootfs.tar: 2 device nodes dropped"), "%s", e.data);
    vz_buf_release(&o);
    vz_buf_release(&e);
    const char *small[] = { "import", tar, "--name", "devs2", "--max-size", "2K", NULL };
    cr_assert_eq(vzpkg(&o, &e, small), 206, "%s", e.data);
    cr_assert(strstr(e.data, "entry './etc/zeros' (3000 bytes) takes the import to 3000 bytes, over the limit "
                             "of 2048 (--max-size); refusing the archive"), "%s", e.data);
    vz_buf_release(&o);
    vz_buf_release(&e);
    const char *bad[] = { "import", tar, "--name", "devs2", "--max-size", "lots", NULL };
    cr_assert_eq(vzpkg(&o, &e, bad), 21, "%s", e.data);
    cr_assert(strstr(e.data, "--max-size 'lots': want a size such as 512M or 20G, or unlimited"), "%s", e.data);
    vz_buf_release(&o);
    vz_buf_release(&e);
    const char *unl[] = { "import", tar, "--name", "devs3", "--max-size", "unlimited", NULL };
    cr_assert_eq(vzpkg(&o, &e, unl), 0, "%s", e.data);
    vz_buf_release(&o);
    vz_buf_release(&e);
    free(cmd);
    free(tar);
}
