/* cache/update_state.c: the last status result of each template (see
 * update_state.h). */
#include <errno.h>
#include <jansson.h>
#include <string.h>
#include <unistd.h>

#include "cache/update_state.h"

static char *status_dir(void)
{
    cleanup_free char *rd = vz_template_path("repodata");
    return vz_path_join(rd, "status");
}

char *vz_update_state_path(const char *name)
{
    cleanup_free char *dir = status_dir();
    cleanup_free char *file = vz_xasprintf("%s.json", name);
    return vz_path_join(dir, file);
}

int vz_update_state_write(const struct vz_update_state *s, vz_error_t *err)
{
    if (!vz_safe_name(s->template_name))
        return vz_error_set(err, VZ_EBADARG, 0, "'%s' is not a template name", s->template_name);
    cleanup_free char *dir = status_dir();
    if (vz_mkdir_p(dir, 0755, err) < 0)
        return -1;
    json_t *o = json_pack("{s:s, s:I, s:s, s:s, s:s, s:b, s:I, s:b}", "template",
                          s->template_name, "checked", (json_int_t)s->checked, "cache_sha256",
                          s->cache_sha256, "resolved_sha256", s->resolved_sha256,
                          "metadata_sha256", s->metadata_sha256, "updates", s->updates,
                          "changes", (json_int_t)s->changes, "metadata_changed",
                          s->metadata_changed);
    if (s->vzforge_version)
        json_object_set_new(o, "vzforge_version", json_string(s->vzforge_version));
    if (s->n_releases) {
        json_t *rel = json_object();
        for (size_t i = 0; i < s->n_releases; i++)
            json_object_set_new(rel, s->releases[i].name, json_string(s->releases[i].sha256));
        json_object_set_new(o, "releases", rel);
    }
    char *text = json_dumps(o, JSON_INDENT(2) | JSON_SORT_KEYS);
    json_decref(o);
    cleanup_free char *line = vz_xasprintf("%s\n", text);
    free(text);
    cleanup_free char *path = vz_update_state_path(s->template_name);
    if (vz_atomic_write(path, line, strlen(line), 0644, err) < 0)
        return vz_error_wrap(err, "record the status of %s", s->template_name);
    return 0;
}

static int corrupt(vz_error_t *err, const char *path, const char *field)
{
    return vz_error_set(err, VZ_ECORRUPT, 0,
                        "%s: field '%s' missing or malformed (remove the file; the next "
                        "'vzpkg status' writes it again)", path, field);
}

static int get_hex(json_t *o, const char *key, char out[65], const char *path, vz_error_t *err)
{
    const char *v = json_string_value(json_object_get(o, key));
    if (!v || strlen(v) > 64)
        return corrupt(err, path, key);
    memcpy(out, v, strlen(v) + 1);
    return 0;
}

int vz_update_state_read(const char *name, struct vz_update_state **out, vz_error_t *err)
{
    *out = NULL;
    cleanup_free char *path = vz_update_state_path(name);
    cleanup_free char *text = NULL;
    size_t len = 0;
    if (!vz_file_exists(path))
        return 0;
    if (vz_read_file(path, &text, &len, err) < 0)
        return -1;
    json_error_t je;
    json_t *o = json_loadb(text, len, 0, &je);
    if (!json_is_object(o)) {
        json_decref(o);
        return vz_error_set(err, VZ_ECORRUPT, 0, "%s:%d:%d: %s", path, je.line, je.column,
                            o ? "not a JSON object" : je.text);
    }
    struct vz_update_state *s = vz_xcalloc(1, sizeof(*s));
    const char *tn = json_string_value(json_object_get(o, "template"));
    json_t *checked = json_object_get(o, "checked"), *changes = json_object_get(o, "changes");
    json_t *updates = json_object_get(o, "updates"), *mc = json_object_get(o, "metadata_changed");
    int r = 0;
    if (!tn || strcmp(tn, name) != 0)
        r = corrupt(err, path, "template");
    else if (!json_is_integer(checked))
        r = corrupt(err, path, "checked");
    else if (!json_is_boolean(updates))
        r = corrupt(err, path, "updates");
    else if (!json_is_integer(changes) || json_integer_value(changes) < 0)
        r = corrupt(err, path, "changes");
    else if (!json_is_boolean(mc))
        r = corrupt(err, path, "metadata_changed");
    else if (get_hex(o, "cache_sha256", s->cache_sha256, path, err) < 0 ||
             get_hex(o, "resolved_sha256", s->resolved_sha256, path, err) < 0 ||
             get_hex(o, "metadata_sha256", s->metadata_sha256, path, err) < 0)
        r = -1;
    json_t *ver = json_object_get(o, "vzforge_version"), *rel = json_object_get(o, "releases");
    if (r == 0 && ver && !json_is_string(ver))
        r = corrupt(err, path, "vzforge_version");
    if (r == 0 && rel) {
        const char *k;
        json_t *v;
        if (!json_is_object(rel))
            r = corrupt(err, path, "releases");
        json_object_foreach(rel, k, v) {
            if (r == 0 && (!json_is_string(v) || strlen(json_string_value(v)) != 64))
                r = corrupt(err, path, "releases");
            if (r == 0)
                vz_update_state_add_release(s, k, json_string_value(v));
        }
    }
    if (r == 0) {
        s->vzforge_version = ver ? vz_xstrdup(json_string_value(ver)) : NULL;
        s->template_name = vz_xstrdup(tn);
        s->checked = json_integer_value(checked);
        s->updates = json_is_true(updates);
        s->changes = (size_t)json_integer_value(changes);
        s->metadata_changed = json_is_true(mc);
    }
    json_decref(o);
    if (r < 0) {
        vz_update_state_free(s);
        return -1;
    }
    *out = s;
    return 1;
}

void vz_update_state_add_release(struct vz_update_state *s, const char *name, const char *sha256)
{
    s->releases = vz_xrealloc(s->releases, (s->n_releases + 1) * sizeof(*s->releases));
    struct vz_update_release *r = &s->releases[s->n_releases++];
    r->name = vz_xstrdup(name);
    snprintf(r->sha256, sizeof(r->sha256), "%s", sha256 ? sha256 : "");
}

void vz_update_state_release_list(struct vz_update_state *s)
{
    for (size_t i = 0; i < s->n_releases; i++)
        free(s->releases[i].name);
    free(s->releases);
    s->releases = NULL;
    s->n_releases = 0;
    free(s->vzforge_version);
    s->vzforge_version = NULL;
}

void vz_update_state_free(struct vz_update_state *s)
{
    if (!s)
        return;
    vz_update_state_release_list(s);
    free(s->template_name);
    free(s);
}

int vz_update_state_remove(const char *name, vz_error_t *err)
{
    cleanup_free char *path = vz_update_state_path(name);
    if (unlink(path) < 0 && errno != ENOENT)
        return vz_error_sys(err, "remove %s", path);
    return 0;
}

const char *vz_update_state_available(const struct vz_update_state *s, const char *cache_sha256)
{
    if (!s || !cache_sha256 || strcmp(s->cache_sha256, cache_sha256) != 0)
        return "unknown";
    return s->updates ? "yes" : "no";
}
