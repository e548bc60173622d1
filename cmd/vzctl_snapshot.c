/* cmd/vzctl_snapshot.c: vzctl snapshot, snapshot-list, snapshot-switch,
 * snapshot-delete, snapshot-mount, snapshot-umount (OpenVZ's names).
 * Argument parsing and output only; the work is in vpscore/snapshot.h. */
#include "cmd/cli.h"
#include "cmd/vzctl.h"

#include "vpscore/ctname.h"
#include "vpscore/snapshot.h"

#include <string.h>

enum { O_ID = 0x2000, O_NAME, O_DESCRIPTION, O_SKIP_SUSPEND, O_TARGET };

const char vzctl_snapshot_usage[] =
    "Usage: vzctl snapshot CTID [--id UUID] [--name NAME] [--description TEXT] [--skip-suspend] [--json]\n"
    "Snapshot a container: the overlay's upper layer (whiteouts and xattrs kept) or a read-only btrfs\n"
    "snapshot, with its conf and the template build it stands on (docs/snapshots.md). A running\n"
    "container is frozen for a consistent copy and resumed; --skip-suspend copies it running.\n"
    "  --json   {id, seconds, frozen_seconds} on stdout\n"
    "Exit codes: 14 no such container, 21 bad --id or a snapshot with that id, 9 locked.\n";

const struct option vzctl_snapshot_options[] = {
    { "id", required_argument, NULL, O_ID },
    { "name", required_argument, NULL, O_NAME },
    { "description", required_argument, NULL, O_DESCRIPTION },
    { "skip-suspend", no_argument, NULL, O_SKIP_SUSPEND },
    { "json", no_argument, NULL, VZ_OPT_JSON },
    VZ_CLI_COMMON_OPTS,
    { NULL, 0, NULL, 0 },
};

int vzctl_snapshot(int argc, char **argv)
{
    const struct option *opts = vzctl_snapshot_options;
    const char *take_usage = vzctl_snapshot_usage;
    struct vz_snapshot_opts o = { 0 };
    int json = 0, c;
    while ((c = vz_cli_getopt(argc, argv, "hqv", opts)) != -1) {
        switch (c) {
        case O_ID: o.id = optarg; break;
        case O_NAME: o.name = optarg; break;
        case O_DESCRIPTION: o.description = optarg; break;
        case O_SKIP_SUSPEND: o.skip_suspend = 1; break;
        case VZ_OPT_JSON: json = 1; break;
        default: vz_cli_common_opt(c, take_usage);
        }
    }
    int rc = 0;
    const char *arg = vz_cli_one_ctid(argc, argv, take_usage, &rc);
    if (arg == NULL)
        return rc;
    cleanup_free char *ctid = vz_ct_resolve(arg);
    vz_error_t err = NULL;
    cleanup_free char *id = NULL;
    double secs, frozen;
    if (vz_snapshot_take(ctid, &o, &id, &secs, &frozen, &err) < 0)
        return vz_cli_fail(&err);
    if (json)
        vz_cli_print_json(json_pack("{s:s, s:f, s:f}", "id", id, "seconds", secs, "frozen_seconds", frozen));
    vz_info("Snapshot %s of container %s was created (%.1f ms%s)", id, ctid, secs * 1e3,
            frozen > 0 ? ", frozen meanwhile" : "");
    return 0;
}

/* -o fields of snapshot-list */
static const struct {
    const char *name, *header;
    int width;
} fields[] = {
    { "parent_uuid", "PARENT_UUID", -36 }, { "current", "C", -1 }, { "uuid", "UUID", -36 }, { "date", "DATE", -20 }, { "name", "NAME", -16 }, { "description", "DESCRIPTION", -24 },
    { "layout", "LAYOUT", -7 }, { "ostemplate", "OSTEMPLATE", -28 },
};

static const char *field_of(const struct vz_snapshot *s, const char *f)
{
    if (!strcmp(f, "current")) /* OpenVZ's mark */
        return s->current ? "*" : " ";
    if (!strcmp(f, "parent_uuid")) /* a root has none: blank, as OpenVZ prints it */
        return s->parent ? s->parent : "";
    const char *v = !strcmp(f, "uuid") ? s->id : !strcmp(f, "date") ? s->date : !strcmp(f, "name") ? s->name
                  : !strcmp(f, "description") ? s->description : !strcmp(f, "layout") ? s->layout : s->ostemplate;
    return v && *v ? v : "-";
}

const char vzctl_snapshot_list_usage[] =
    "Usage: vzctl snapshot-list CTID [-H|--no-header] [-o|--output FIELD[,FIELD...]] [--json]\n"
    "The container's snapshots, oldest first, as a tree: PARENT_UUID is the snapshot that was current\n"
    "when it was taken, C marks the current one (*: the last taken or switched to).\n"
    "Fields: parent_uuid, current, uuid, date, name, description, layout, ostemplate\n"
    "(default: parent_uuid,current,uuid,date,name). --json: an array of objects with every field.\n";

const struct option vzctl_snapshot_list_options[] = {
    { "no-header", no_argument, NULL, 'H' },
    { "output", required_argument, NULL, 'o' },
    { "json", no_argument, NULL, VZ_OPT_JSON },
    VZ_CLI_COMMON_OPTS,
    { NULL, 0, NULL, 0 },
};

int vzctl_snapshot_list(int argc, char **argv)
{
    const struct option *opts = vzctl_snapshot_list_options;
    const char *list_usage = vzctl_snapshot_list_usage;
    int header = 1, json = 0, c;
    const char *out = "parent_uuid,current,uuid,date,name";
    while ((c = vz_cli_getopt(argc, argv, "Ho:hqv", opts)) != -1) {
        switch (c) {
        case 'H': header = 0; break;
        case 'o': out = optarg; break;
        case VZ_OPT_JSON: json = 1; break;
        default: vz_cli_common_opt(c, list_usage);
        }
    }
    int rc = 0;
    const char *arg = vz_cli_one_ctid(argc, argv, list_usage, &rc);
    if (arg == NULL)
        return rc;
    size_t cols[VZ_ARRAY_SIZE(fields) * 2], ncols = 0;
    cleanup_free char *copy = vz_xstrdup(out);
    for (char *rest = copy, *t; (t = strsep(&rest, ",")) != NULL;) {
        size_t i = 0;
        while (i < VZ_ARRAY_SIZE(fields) && strcmp(fields[i].name, t) != 0)
            i++;
        if (i == VZ_ARRAY_SIZE(fields)) {
            vz_error_t err = NULL;
            vz_error_set(&err, VZ_EBADARG, 0, "-o: unknown field '%s'; valid fields: parent_uuid, current, uuid, date, "
                         "name, description, layout, ostemplate", t);
            return vz_cli_fail(&err);
        }
        if (ncols < VZ_ARRAY_SIZE(cols))
            cols[ncols++] = i;
    }
    cleanup_free char *ctid = vz_ct_resolve(arg);
    vz_error_t err = NULL;
    struct vz_snapshot *v = NULL;
    size_t n = 0;
    if (vz_snapshot_list(ctid, &v, &n, &err) < 0)
        return vz_cli_fail(&err);
    if (json) {
        json_t *a = json_array();
        for (size_t i = 0; i < n; i++) {
            json_t *o = json_object();
            for (size_t f = 0; f < VZ_ARRAY_SIZE(fields); f++) {
                const char *val = field_of(&v[i], fields[f].name);
                json_t *jv = strcmp(val, "-") && *val ? json_string(val) : json_null();
                if (!strcmp(fields[f].name, "current")) {
                    json_decref(jv);
                    jv = json_boolean(v[i].current);
                }
                json_object_set_new(o, fields[f].name, jv);
            }
            json_array_append_new(a, o);
        }
        vz_cli_print_json(a);
    } else {
        for (size_t row = header ? 0 : 1; row <= n; row++) {
            for (size_t k = 0; k < ncols; k++) {
                const char *val = row == 0 ? fields[cols[k]].header : field_of(&v[row - 1], fields[cols[k]].name);
                int w = fields[cols[k]].width;
                if (k + 1 == ncols)
                    printf("%s\n", val);
                else
                    printf("%*s ", w, val);
            }
        }
    }
    vz_snapshot_list_free(v, n);
    return 0;
}

/* snapshot-switch, -delete, -umount: CTID --id UUID; snapshot-mount: and --target DIR */
const struct option vzctl_snapshot_id_options[] = {
    { "id", required_argument, NULL, O_ID },
    VZ_CLI_COMMON_OPTS,
    { NULL, 0, NULL, 0 },
};
const struct option vzctl_snapshot_mount_options[] = {
    { "id", required_argument, NULL, O_ID },
    { "target", required_argument, NULL, O_TARGET },
    VZ_CLI_COMMON_OPTS,
    { NULL, 0, NULL, 0 },
};

static int by_id(int argc, char **argv, const char *usage, int want_target,
                 int (*fn)(const char *ctid, const char *id, const char *target, vz_error_t *err), const char *done)
{
    const struct option *opts = want_target ? vzctl_snapshot_mount_options : vzctl_snapshot_id_options;
    const char *id = NULL, *target = NULL;
    int c;
    while ((c = vz_cli_getopt(argc, argv, "hqv", opts)) != -1) {
        switch (c) {
        case O_ID: id = optarg; break;
        case O_TARGET: target = optarg; break;
        default: vz_cli_common_opt(c, usage);
        }
    }
    int rc = 0;
    const char *arg = vz_cli_one_ctid(argc, argv, usage, &rc);
    if (arg == NULL)
        return rc;
    if (id == NULL)
        return vz_cli_usage_error(usage, "--id UUID is required");
    if (want_target && target == NULL)
        return vz_cli_usage_error(usage, "--target DIR is required");
    cleanup_free char *ctid = vz_ct_resolve(arg);
    vz_error_t err = NULL;
    if (vz_snapshot_id_check(id, &err) < 0 || fn(ctid, id, target, &err) < 0)
        return vz_cli_fail(&err);
    vz_info("Snapshot %s of container %s %s", id, ctid, done);
    return 0;
}

static int do_switch(const char *c, const char *id, const char *t, vz_error_t *e) { (void)t; return vz_snapshot_switch(c, id, e); }
static int do_delete(const char *c, const char *id, const char *t, vz_error_t *e) { (void)t; return vz_snapshot_delete(c, id, e); }
static int do_mount(const char *c, const char *id, const char *t, vz_error_t *e) { return vz_snapshot_mount(c, id, t, e); }
static int do_umount(const char *c, const char *id, const char *t, vz_error_t *e) { (void)t; return vz_snapshot_umount(c, id, e); }

const char vzctl_snapshot_switch_usage[] =
    "Usage: vzctl snapshot-switch CTID --id UUID\n"
    "Make the stopped container's files and conf those of the snapshot (which stays).\n"
    "Exit codes: 32 running, 41 mounted, 21 no such snapshot, 91 its template build is gone.\n";

int vzctl_snapshot_switch(int argc, char **argv)
{
    return by_id(argc, argv,
                 vzctl_snapshot_switch_usage,
                 0, do_switch, "is now the container's state");
}

const char vzctl_snapshot_delete_usage[] =
    "Usage: vzctl snapshot-delete CTID --id UUID\n"
    "Remove a snapshot. Exit codes: 21 no such snapshot, 41 it is mounted.\n";

int vzctl_snapshot_delete(int argc, char **argv)
{
    return by_id(argc, argv,
                 vzctl_snapshot_delete_usage,
                 0, do_delete, "was deleted");
}

const char vzctl_snapshot_mount_usage[] =
    "Usage: vzctl snapshot-mount CTID --id UUID --target DIR\n"
    "Mount the snapshot's whole tree read-only on DIR (an existing directory).\n"
    "Exit codes: 21 no such snapshot or DIR, 41 mounted already, 91 its template build is gone.\n";

int vzctl_snapshot_mount(int argc, char **argv)
{
    return by_id(argc, argv,
                 vzctl_snapshot_mount_usage,
                 1, do_mount, "is mounted");
}

const char vzctl_snapshot_umount_usage[] =
    "Usage: vzctl snapshot-umount CTID --id UUID\n"
    "Unmount a snapshot mounted with snapshot-mount. Exit codes: 21 no such snapshot, 40 not mounted.\n";

int vzctl_snapshot_umount(int argc, char **argv)
{
    return by_id(argc, argv,
                 vzctl_snapshot_umount_usage,
                 0, do_umount, "is unmounted");
}
