/* tests/dump/dumpfix.c: the vzdump tests' fixture (dumpfix.h). */
#include "tests/dump/dumpfix.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <jansson.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/common.h"
#include "tests/lib/reaper.h"
#include "tests/lib/robust.h"
#include "cache/sign.h"
#include "vpscore/dump.h"
#include "vpscore/dump-internal.h"

static struct vzr_state clean_state;

void dfx_use_root(const char *root)
{
    setenv("VZ_ROOT", root, 1);
    setenv("VZ_APT_ROOT", root, 1);
}

void dfx_setup(struct dfx *d)
{
    vzr_private_ns(CLONE_NEWNET);
    memset(d, 0, sizeof(*d));
    snprintf(d->ct, sizeof(d->ct), "8%d", (int)getpid() % 1000000);
    snprintf(d->ct2, sizeof(d->ct2), "7%d", (int)getpid() % 1000000);
    snprintf(d->root, sizeof(d->root), "/tmp/vzt-dump-XXXXXX");
    snprintf(d->root2, sizeof(d->root2), "/tmp/vzt-dump2-XXXXXX");
    cr_assert_not_null(vzt_mkroot(d->root));
    cr_assert_not_null(vzt_mkroot(d->root2));
    snprintf(d->dumpdir, sizeof(d->dumpdir), "%s/dumps", d->root);
    dfx_use_root(d->root);
    vz_log_level = VZ_LOG_WARN;
    vzr_make_cache(d->root, DFX_TMPL,
                   "mkdir data root && cp /bin/busybox usr/bin/busybox && "
                   "for a in sh sleep true cat ls id test readlink rm mkdir chown chmod ln dd mkfifo echo; do "
                   "ln -s busybox usr/bin/$a; done && "
                   "i=0; while [ $i -lt 5 ]; do mkdir data/$i; j=0; "
                   "while [ $j -lt 50 ]; do echo $i$j > data/$i/$j; j=$((j+1)); done; i=$((i+1)); done");
    vzr_init();
    static const char *ids[3];
    ids[0] = d->ct;
    ids[1] = d->ct2;
    vzr_watch(ids);
    vzr_state_take(&clean_state, d->root);
}

static void cleanup_root(const char *root, const char *const *cts)
{
    dfx_use_root(root);
    for (size_t i = 0; cts[i]; i++) {
        struct vzr_res r;
        vzr_run(&r, "vzctl", (const char *[]){ "stop", cts[i], "--fast", NULL });
        vzr_res_release(&r);
        vzr_run(&r, "vzctl", (const char *[]){ "destroy", cts[i], NULL });
        vzr_res_release(&r);
    }
}

void dfx_teardown(struct dfx *d)
{
    const char *cts[] = { d->ct, d->ct2, NULL };
    cleanup_root(d->root2, cts);
    cleanup_root(d->root, cts);
    vzr_kill_strays(&clean_state);
    vzr_state_release(&clean_state);
    vz_error_t err = NULL;
    vz_rm_rf(d->root, &err);
    vz_error_release(&err);
    vz_rm_rf(d->root2, &err);
    vz_error_release(&err);
}

void dfx_create(struct dfx *d, const char *ctid, const char *layout, const char *ip)
{
    const char *args[] = { "create", ctid, "--ostemplate", DFX_TMPL, "--layout", layout,
                           ip ? "--ipadd" : NULL, ip, NULL };
    free(dfx_ok(d, "vzctl", args));
}

char *dfx_ok(struct dfx *d, const char *prog, const char *const *args)
{
    (void)d;
    struct vzr_res r;
    vzr_run(&r, prog, args);
    vzr_assert_sane(&r, prog);
    struct vz_buf cmd = VZ_BUF_INIT;
    vz_buf_init(&cmd);
    for (size_t i = 0; args[i]; i++)
        vz_buf_addf(&cmd, " %s", args[i]);
    cr_assert_eq(r.code, 0, "%s%s: exit %d: %s", prog, cmd.data, r.code, r.err);
    vz_buf_release(&cmd);
    char *out = r.out;
    r.out = NULL;
    vzr_res_release(&r);
    return out;
}

char *dfx_json_str(const char *json, const char *key)
{
    json_error_t je;
    json_t *j = json_loads(json, 0, &je);
    cr_assert_not_null(j, "not JSON: %s", json);
    const char *s = json_string_value(json_object_get(j, key));
    cr_assert_not_null(s, "no %s in %s", key, json);
    char *v = vz_xstrdup(s);
    json_decref(j);
    return v;
}

uint32_t dfx_conf_id(struct dfx *d, const char *ctid, const char *key)
{
    (void)d;
    cleanup_free char *path = vz_xasprintf("%s/etc/vz/conf/%s.conf", vz_root(), ctid);
    struct vz_conf c;
    vz_error_t err = NULL;
    cr_assert_eq(vz_conf_load(&c, path, &err), 0, "%s", err ? err->msg : "");
    const char *v = vz_conf_get(&c, key);
    cr_assert_not_null(v, "%s has no %s", path, key);
    uint32_t n = (uint32_t)strtoul(v, NULL, 10);
    vz_conf_release(&c);
    return n;
}

void dfx_assert_absent(struct dfx *d, const char *root, const char *ctid, const char *what)
{
    (void)d;
    cleanup_free char *conf = vz_xasprintf("%s/etc/vz/conf/%s.conf", root, ctid);
    cleanup_free char *priv = vz_xasprintf("%s/vz/private/%s", root, ctid);
    cr_assert(!vz_file_exists(conf), "%s: %s written", what, conf);
    cr_assert(!vz_file_exists(priv), "%s: %s written", what, priv);
    /* nor the staging directory of the one-read restore */
    cleanup_free char *pdir = vz_xasprintf("%s/vz/private", root);
    cleanup_free char *stage = vz_xasprintf(".%s.restore.", ctid);
    DIR *dd = opendir(pdir);
    for (struct dirent *de; dd && (de = readdir(dd)) != NULL;)
        cr_assert(strncmp(de->d_name, stage, strlen(stage)) != 0, "%s: %s/%s left behind", what, pdir, de->d_name);
    if (dd)
        closedir(dd);
    vzr_assert_locks_free(root, what);
}

void dfx_sh(const char *script)
{
    char *argv[] = { "sh", "-c", (char *)script, NULL };
    vz_error_t err = NULL;
    cr_assert_eq(vz_run_ok(argv, NULL, &err), 0, "%s: %s", script, err ? err->msg : "");
}

static void craft_one(struct archive *a, json_t *list, const char *path, unsigned type, const char *data,
                      const char *hardlink, unsigned major, unsigned minor)
{
    struct archive_entry *e = archive_entry_new();
    archive_entry_set_pathname(e, path);
    archive_entry_set_filetype(e, type);
    archive_entry_set_perm(e, type == AE_IFDIR ? 0755 : 0644);
    archive_entry_set_mtime(e, 1700000000, 0);
    size_t len = type == AE_IFREG && data && !hardlink ? strlen(data) : 0;
    archive_entry_set_size(e, (la_int64_t)len);
    if (type == AE_IFLNK)
        archive_entry_set_symlink(e, data);
    if (hardlink)
        archive_entry_set_hardlink(e, hardlink);
    if (type == AE_IFCHR || type == AE_IFBLK) {
        archive_entry_set_rdevmajor(e, major);
        archive_entry_set_rdevminor(e, minor);
    }
    vz_error_t err = NULL;
    struct vz_dump_digest *d = vz_dump_digest_begin(e, &err);
    cr_assert_not_null(d);
    cr_assert_geq(archive_write_header(a, e), ARCHIVE_WARN, "%s", archive_error_string(a));
    if (len) {
        vz_dump_digest_data(d, 0, data, len);
        cr_assert_eq(archive_write_data(a, data, len), (la_ssize_t)len);
    }
    char hex[VZ_SHA256_HEX_LEN + 1];
    vz_dump_digest_end(d, hex);
    if (list)
        json_array_append_new(list, json_pack("[s,s]", path, hex));
    archive_entry_free(e);
}

void dfx_craft(const char *archive, const struct dfx_ent *ents)
{
    struct archive *a = archive_write_new();
    archive_write_set_format_pax(a);
    archive_write_add_filter_zstd(a);
    cr_assert_eq(archive_write_open_filename(a, archive), ARCHIVE_OK);
    json_t *list = json_array();
    craft_one(a, list, VZ_DUMP_CONF, AE_IFREG, "VE_LAYOUT=\"plain\"\nPRIVILEGED=\"yes\"\nOSTEMPLATE=\"x\"\n", NULL,
              0, 0);
    for (size_t i = 0; ents[i].path; i++)
        craft_one(a, list, ents[i].path, ents[i].type, ents[i].data, ents[i].hardlink, ents[i].major, ents[i].minor);
    json_t *m = json_pack("{s:s, s:s, s:I, s:s, s:s, s:b, s:s, s:s, s:b, s:o}", "format", VZ_DUMP_FORMAT, "ctid",
                          "1", "created", (json_int_t)1700000000, "mode", "stop", "layout", "plain", "privileged", 1,
                          "ostemplate", "x", "template_sha256", "", "full", 0, "entries", list);
    char *text = json_dumps(m, JSON_INDENT(1));
    json_decref(m);
    char *sig = NULL;
    size_t slen = 0;
    vz_error_t err = NULL;
    cr_assert_eq(vz_sign(text, strlen(text), &sig, &slen, NULL, &err), 0, "%s", err ? err->msg : "");
    craft_one(a, NULL, VZ_DUMP_MANIFEST, AE_IFREG, text, NULL, 0, 0);
    craft_one(a, NULL, VZ_DUMP_SIG, AE_IFREG, sig, NULL, 0, 0);
    cr_assert_eq(archive_write_close(a), ARCHIVE_OK);
    archive_write_free(a);
    free(text);
    free(sig);
}
