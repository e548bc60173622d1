/* cache/update_state: the last status result per template. */
#include <criterion/criterion.h>
#include <string.h>

#include "cache/update_state.h"
#include "common/common.h"
#include "util.h"

static const char *const H1 = "1111111111111111111111111111111111111111111111111111111111111111";
static const char *const H2 = "2222222222222222222222222222222222222222222222222222222222222222";

static void setup(void)
{
    vzt_root_setup();
}

TestSuite(update_state, .init = setup, .fini = vzt_root_teardown, .timeout = 300);

static struct vz_update_state sample(void)
{
    struct vz_update_state s = { .template_name = "debian-12-x86_64-minimal", .checked = 1700000000,
                                 .updates = true, .changes = 3, .metadata_changed = true };
    memcpy(s.cache_sha256, H1, 65);
    memcpy(s.resolved_sha256, H2, 65);
    memcpy(s.metadata_sha256, H1, 65);
    return s;
}

Test(update_state, round_trip_under_repodata_status)
{
    vz_error_t err = NULL;
    struct vz_update_state s = sample();
    cr_assert_eq(vz_update_state_write(&s, &err), 0, "%s", vzt_errmsg(&err));
    cleanup_free char *path = vz_update_state_path(s.template_name);
    cleanup_free char *want = vz_xasprintf("%s/vz/template/repodata/status/debian-12-x86_64-minimal.json",
                                           vz_root());
    cr_assert_str_eq(path, want);
    struct vz_update_state *r = NULL;
    cr_assert_eq(vz_update_state_read(s.template_name, &r, &err), 1, "%s", vzt_errmsg(&err));
    cr_assert_str_eq(r->template_name, s.template_name);
    cr_assert_eq(r->checked, 1700000000);
    cr_assert_str_eq(r->cache_sha256, H1);
    cr_assert_str_eq(r->resolved_sha256, H2);
    cr_assert_str_eq(r->metadata_sha256, H1);
    cr_assert(r->updates);
    cr_assert_eq(r->changes, 3);
    cr_assert(r->metadata_changed);
    cr_assert_str_eq(vz_update_state_available(r, H1), "yes");
    cr_assert_str_eq(vz_update_state_available(r, H2), "unknown", "another cache than the one checked");
    r->updates = false;
    cr_assert_str_eq(vz_update_state_available(r, H1), "no");
    cr_assert_str_eq(vz_update_state_available(NULL, H1), "unknown");
    vz_update_state_free(r);

    cr_assert_eq(vz_update_state_remove(s.template_name, &err), 0);
    cr_assert_eq(vz_update_state_read(s.template_name, &r, &err), 0);
    cr_assert_null(r);
    cr_assert_eq(vz_update_state_remove(s.template_name, &err), 0, "removing twice is fine");
}

Test(update_state, never_checked_is_none)
{
    vz_error_t err = NULL;
    struct vz_update_state *r = (void *)1;
    cr_assert_eq(vz_update_state_read("debian-12-x86_64-minimal", &r, &err), 0);
    cr_assert_null(r);
    cr_assert_null(err);
}

Test(update_state, corrupt_files_name_the_field)
{
    vz_error_t err = NULL;
    struct vz_update_state s = sample();
    cr_assert_eq(vz_update_state_write(&s, &err), 0);
    cleanup_free char *path = vz_update_state_path(s.template_name);
    struct vz_update_state *r = NULL;

    vzt_write(path, "{\"template\": \"other\"}\n");
    cr_assert_eq(vz_update_state_read(s.template_name, &r, &err), -1);
    cr_assert_eq(err->status, VZ_ECORRUPT);
    cleanup_free char *want = vz_xasprintf("%s: field 'template' missing or malformed (remove the "
                                           "file; the next 'vzpkg status' writes it again)", path);
    cr_assert_str_eq(err->msg, want);
    vz_error_release(&err);

    vzt_write(path, "{\"template\": \"debian-12-x86_64-minimal\", \"checked\": 1, \"updates\": 1}\n");
    cr_assert_eq(vz_update_state_read(s.template_name, &r, &err), -1);
    cr_assert(strstr(err->msg, "field 'updates' missing") != NULL, "%s", err->msg);
    vz_error_release(&err);

    vzt_write(path, "not json");
    cr_assert_eq(vz_update_state_read(s.template_name, &r, &err), -1);
    cr_assert_eq(err->status, VZ_ECORRUPT);
    cr_assert(strncmp(err->msg, path, strlen(path)) == 0, "%s", err->msg);
    cr_assert_null(r);
    vz_error_release(&err);
}

Test(update_state, refuses_names_that_are_paths)
{
    vz_error_t err = NULL;
    struct vz_update_state s = sample();
    s.template_name = "../x";
    cr_assert_eq(vz_update_state_write(&s, &err), -1);
    cr_assert_str_eq(err->msg, "'../x' is not a template name");
    vz_error_release(&err);
}

Test(update_state, releases_and_version_round_trip)
{
    vz_error_t err = NULL;
    struct vz_update_state s = sample();
    s.vzforge_version = vz_xstrdup("0.1.0");
    vz_update_state_add_release(&s, "main", H1);
    vz_update_state_add_release(&s, "updates", H2);
    cr_assert_eq(vz_update_state_write(&s, &err), 0, "%s", vzt_errmsg(&err));
    vz_update_state_release_list(&s);
    cr_assert_null(s.releases);
    struct vz_update_state *r = NULL;
    cr_assert_eq(vz_update_state_read(s.template_name, &r, &err), 1, "%s", vzt_errmsg(&err));
    cr_assert_str_eq(r->vzforge_version, "0.1.0");
    cr_assert_eq(r->n_releases, 2);
    cr_assert_str_eq(r->releases[0].name, "main");
    cr_assert_str_eq(r->releases[0].sha256, H1);
    cr_assert_str_eq(r->releases[1].name, "updates");
    cr_assert_str_eq(r->releases[1].sha256, H2);
    vz_update_state_free(r);

    /* without them (an older file) they are simply absent */
    struct vz_update_state plain = sample();
    cr_assert_eq(vz_update_state_write(&plain, &err), 0);
    cr_assert_eq(vz_update_state_read(s.template_name, &r, &err), 1);
    cr_assert_null(r->vzforge_version);
    cr_assert_eq(r->n_releases, 0);
    vz_update_state_free(r);

    cleanup_free char *path = vz_update_state_path(s.template_name);
    vzt_write(path, "{\"template\": \"debian-12-x86_64-minimal\", \"checked\": 1, \"updates\": false, "
                    "\"changes\": 0, \"metadata_changed\": false, \"cache_sha256\": \"\", "
                    "\"resolved_sha256\": \"\", \"metadata_sha256\": \"\", "
                    "\"releases\": {\"main\": \"short\"}}\n");
    cr_assert_eq(vz_update_state_read(s.template_name, &r, &err), -1);
    cr_assert(strstr(err->msg, "field 'releases' missing or malformed"), "%s", err->msg);
    vz_error_release(&err);
}
