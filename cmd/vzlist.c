/* vzlist: list containers, as OpenVZ's vzlist. Formatting only; the data
 * comes from vpscore/ctlist.h. */
#include "cmd/cli.h"

#include "vpscore/cgroup.h"
#include "vpscore/ctconf.h"
#include "vpscore/ctlist.h"
#include "vpscore/ctname.h"
#include "vpscore/quota.h"

#include <ctype.h>
#include <fnmatch.h>
#include <string.h>

static const char usage[] =
    "Usage: vzlist [-a|-S] [-o FIELD[,FIELD...]] [-H] [-s [-]FIELD] [-j] [-1] [-n]\n"
    "              [-h PATTERN] [-N NAME] [-d PATTERN] [CTID|NAME...]\n"
    "List containers. Default: running ones, columns CTID NPROC STATUS IP_ADDR HOSTNAME.\n"
    "  -a, --all          running and stopped\n"
    "  -S, --stopped      stopped only\n"
    "  -n, --name         a NAME column in place of HOSTNAME (vzctl set --name)\n"
    "  -N, --name_filter NAME    only the container of that name\n"
    "  -h, --hostname PATTERN    only hostnames matching the shell PATTERN (as OpenVZ;\n"
    "                     help is --help)\n"
    "  -d, --description PATTERN only descriptions matching PATTERN\n"
    "  -o, --output F,..  columns; -L lists them\n"
    "  -H, --no-header    no header line\n"
    "  -s, --sort [-]F    sort by field F (-F: descending)\n"
    "  -j, --json         JSON array of objects\n"
    "  -1                 CTIDs only\n"
    "  -L, --list         list the fields (with -j: a JSON array of {name, header,\n"
    "                     description})\n"
    "  -V, --version      print the version\n";

enum kind { K_STR, K_NUM, K_LIST };

struct field {
    const char *name, *header;
    int width;      /* negative: left-aligned */
    enum kind kind;
    const char *help;
};

static const struct field fields[] = {
    { "ctid", "CTID", 10, K_STR, "container ID" },
    { "numproc", "NPROC", 10, K_NUM, "processes running in it" },
    { "status", "STATUS", -9, K_STR, "running, suspended, mounted or stopped" },
    { "ip", "IP_ADDR", -15, K_LIST, "addresses (IP_ADDRESS)" },
    { "hostname", "HOSTNAME", -20, K_STR, "HOSTNAME" },
    { "name", "NAME", -16, K_STR, "NAME (vzctl set --name)" },
    { "description", "DESCRIPTION", -30, K_STR, "DESCRIPTION (vzctl set --description)" },
    { "ostemplate", "OSTEMPLATE", -28, K_STR, "OS template cache it was created from" },
    { "layout", "LAYOUT", -7, K_STR, "overlay or plain" },
    { "private", "PRIVATE", -30, K_STR, "VE_PRIVATE" },
    { "root", "ROOT", -30, K_STR, "VE_ROOT" },
    { "onboot", "ONBOOT", -6, K_STR, "ONBOOT (yes/no)" },
    { "bootorder", "BOOTORDER", 9, K_NUM, "BOOTORDER (start-all starts higher first)" },
    { "disabled", "DISABLED", -8, K_STR, "DISABLED (yes: start-all skips it)" },
    { "physpages.l", "PHYSPAGES.L", 12, K_NUM, "RAM limit in pages" },
    { "swappages.l", "SWAPPAGES.L", 12, K_NUM, "swap limit in pages" },
    { "numproc.l", "NUMPROC.L", 10, K_NUM, "process limit" },
    { "cpulimit", "CPULIM", 7, K_NUM, "CPU limit in percent of one CPU" },
    { "cpuunits", "CPUUNI", 7, K_NUM, "CPU weight" },
    { "cpus", "CPUS", 5, K_NUM, "number of CPUs" },
    { "diskspace", "DQBLOCKS", 10, K_NUM, "disk space in use, 1 KiB blocks (as the quota backend counts it)" },
    { "diskspace.s", "DQBLOCKS.S", 10, K_NUM, "disk space soft limit, 1 KiB blocks (DISKSPACE)" },
    { "diskspace.h", "DQBLOCKS.H", 10, K_NUM, "disk space hard limit, 1 KiB blocks (DISKSPACE)" },
    { "diskinodes", "DQINODES", 10, K_NUM, "inodes in use (where the quota backend counts them)" },
    { "diskinodes.s", "DQINODES.S", 10, K_NUM, "inode soft limit (DISKINODES)" },
    { "diskinodes.h", "DQINODES.H", 10, K_NUM, "inode hard limit (DISKINODES)" },
};

static const struct field *find_field(const char *name)
{
    if (strcmp(name, "nproc") == 0 || strcmp(name, "veid") == 0)
        name = strcmp(name, "nproc") == 0 ? "numproc" : "ctid";
    for (size_t i = 0; i < VZ_ARRAY_SIZE(fields); i++)
        if (strcmp(fields[i].name, name) == 0)
            return &fields[i];
    return NULL;
}

/* An unknown or empty field name given to -o or -s: exit 21, naming it and
 * every valid one. */
static int bad_field(const char *opt, const char *name)
{
    struct vz_buf b = VZ_BUF_INIT;
    vz_buf_init(&b);
    for (size_t i = 0; i < VZ_ARRAY_SIZE(fields); i++)
        vz_buf_addf(&b, "%s%s", i ? ", " : "", fields[i].name);
    cleanup_free char *valid = vz_buf_detach(&b, NULL);
    vz_error_t err = NULL;
    if (!*name)
        vz_error_set(&err, VZ_EBADARG, 0, "%s: empty field name; valid fields: %s", opt, valid);
    else
        vz_error_set(&err, VZ_EBADARG, 0, "%s: unknown field '%s'; valid fields: %s", opt, name,
                     valid);
    return vz_cli_fail(&err);
}

/* diskspace*, diskinodes*: usage from the quota backend, limits from the
 * conf; "-" for unlimited or not counted. */
static char *disk_value(const struct vz_ct_entry *e, const char *n)
{
    int64_t v = -1;
    int space = !strncmp(n, "diskspace", 9);
    const char *suffix = n + (space ? 9 : 10);
    if (*suffix == '\0') {
        struct vz_quota_usage u;
        vz_error_t err = NULL;
        const char *priv = vz_conf_get(&e->conf, "VE_PRIVATE");
        if (priv && vz_quota_usage(priv, &u, &err) == 0)
            v = space ? u.space : u.inodes;
        vz_error_release(&err);
    } else {
        struct vz_quota_limits l;
        vz_error_t err = NULL;
        if (vz_quota_from_conf(&e->conf, &l, &err) == 0)
            v = space ? (suffix[1] == 's' ? l.space_soft : l.space_hard)
                      : (suffix[1] == 's' ? l.inodes_soft : l.inodes_hard);
        vz_error_release(&err);
    }
    return v >= 0 ? vz_xasprintf("%lld", (long long)v) : vz_xstrdup("-");
}

/* The value of a field as text; "-" when unset. Allocated. */
static char *value(const struct vz_ct_entry *e, const struct field *f)
{
    const char *n = f->name;
    const char *v = NULL;
    if (!strcmp(n, "ctid"))
        return vz_xstrdup(e->ctid);
    if (!strcmp(n, "numproc"))
        return e->nproc >= 0 ? vz_xasprintf("%ld", e->nproc) : vz_xstrdup("-");
    if (!strcmp(n, "status"))
        return vz_xstrdup(e->suspended ? "suspended" : e->running ? "running" : e->mounted ? "mounted" : "stopped");
    if (!strcmp(n, "ip")) v = vz_conf_get(&e->conf, "IP_ADDRESS");
    else if (!strcmp(n, "hostname")) v = vz_conf_get(&e->conf, "HOSTNAME");
    else if (!strcmp(n, "name")) v = vz_conf_get(&e->conf, "NAME");
    else if (!strcmp(n, "description")) v = vz_conf_get(&e->conf, "DESCRIPTION");
    else if (!strcmp(n, "ostemplate")) v = vz_conf_get(&e->conf, "OSTEMPLATE");
    else if (!strcmp(n, "layout")) v = vz_conf_get(&e->conf, "VE_LAYOUT");
    else if (!strcmp(n, "private")) v = vz_conf_get(&e->conf, "VE_PRIVATE");
    else if (!strcmp(n, "root")) v = vz_conf_get(&e->conf, "VE_ROOT");
    else if (!strcmp(n, "onboot")) v = vz_conf_get(&e->conf, "ONBOOT");
    else if (!strcmp(n, "bootorder")) v = vz_conf_get(&e->conf, "BOOTORDER");
    else if (!strcmp(n, "disabled")) v = vz_conf_get(&e->conf, "DISABLED");
    else if (!strcmp(n, "cpulimit")) v = vz_conf_get(&e->conf, "CPULIMIT");
    else if (!strcmp(n, "cpuunits")) v = vz_conf_get(&e->conf, "CPUUNITS");
    else if (!strcmp(n, "cpus")) v = vz_conf_get(&e->conf, "CPUS");
    else if (!strncmp(n, "disk", 4))
        return disk_value(e, n);
    else {
        const char *key = !strcmp(n, "physpages.l") ? "PHYSPAGES" : !strcmp(n, "swappages.l") ? "SWAPPAGES" : "NUMPROC";
        int64_t lim;
        const char *raw = vz_conf_get(&e->conf, key);
        int r = strcmp(key, "NUMPROC") ? vz_parse_barlim_pages(raw, &lim) : vz_parse_barlim(raw, &lim);
        if (raw && r == 0 && lim >= 0)
            return vz_xasprintf("%lld", (long long)lim);
        return vz_xstrdup("-");
    }
    return vz_xstrdup(v && *v ? v : "-");
}

static json_t *json_value(const struct vz_ct_entry *e, const struct field *f)
{
    cleanup_free char *v = value(e, f);
    if (f->kind == K_LIST) {
        json_t *a = json_array();
        if (strcmp(v, "-") != 0) {
            char *save = NULL;
            for (char *t = strtok_r(v, " ", &save); t; t = strtok_r(NULL, " ", &save))
                json_array_append_new(a, json_string(t));
        }
        return a;
    }
    if (strcmp(v, "-") == 0)
        return json_null();
    if (f->kind == K_NUM || (!strcmp(f->name, "ctid") && strspn(v, "0123456789") == strlen(v)))
        return json_integer(atoll(v));
    if (!strcmp(f->name, "onboot") || !strcmp(f->name, "disabled"))
        return json_boolean(strcmp(v, "yes") == 0);
    return json_string(v);
}

/* A filter: no pattern keeps everything; a pattern needs a value matching it. */
static int matches(const char *pattern, const char *value)
{
    return pattern == NULL || (value && fnmatch(pattern, value, 0) == 0);
}

static const struct field *sort_field;
static int sort_desc;

static int cmp_entries(const void *a, const void *b)
{
    cleanup_free char *x = value(a, sort_field);
    cleanup_free char *y = value(b, sort_field);
    int r;
    int nx = *x && strspn(x, "0123456789") == strlen(x), ny = *y && strspn(y, "0123456789") == strlen(y);
    if (nx && ny)
        r = atoll(x) < atoll(y) ? -1 : atoll(x) > atoll(y);
    else
        r = strcmp(x, y);
    return sort_desc ? -r : r;
}

int main(int argc, char **argv)
{
    vz_log_prog = "vzlist";
    static const struct option opts[] = {
        { "all", no_argument, NULL, 'a' },
        { "stopped", no_argument, NULL, 'S' },
        { "output", required_argument, NULL, 'o' },
        { "no-header", no_argument, NULL, 'H' },
        { "sort", required_argument, NULL, 's' },
        { "json", no_argument, NULL, 'j' },
        { "list", no_argument, NULL, 'L' },
        { "version", no_argument, NULL, 'V' },
        { "name", no_argument, NULL, 'n' },
        { "name_filter", required_argument, NULL, 'N' },
        { "hostname", required_argument, NULL, 'h' },
        { "description", required_argument, NULL, 'd' },
        VZ_CLI_COMMON_OPTS,
        { NULL, 0, NULL, 0 },
    };
    int all = 0, stopped = 0, header = 1, json = 0, only_ids = 0, list = 0, c;
    const char *out = NULL, *sort = NULL, *host_pat = NULL, *name_only = NULL, *desc_pat = NULL;
    int names = 0;
    while ((c = vz_cli_getopt(argc, argv, "aSo:Hs:jL1Vh:nN:d:qv", opts)) != -1) {
        switch (c) {
        case 'h': /* OpenVZ: -h PATTERN filters by hostname; --help has no value */
            if (optarg == NULL)
                vz_cli_common_opt(c, usage);
            host_pat = optarg;
            break;
        case 'n': names = 1; break;
        case 'N': name_only = optarg; break;
        case 'd': desc_pat = optarg; break;
        case 'a': all = 1; break;
        case 'S': stopped = 1; break;
        case 'o': out = optarg; break;
        case 'H': header = 0; break;
        case 's': sort = optarg; break;
        case 'j': json = 1; break;
        case '1': only_ids = 1; break;
        case 'L': list = 1; break;
        case 'V':
            printf("vzlist (vzforge) %s\n", VZ_VERSION);
            return 0;
        default: vz_cli_common_opt(c, usage);
        }
    }
    if (list) {
        json_t *a = json ? json_array() : NULL;
        for (size_t i = 0; i < VZ_ARRAY_SIZE(fields); i++) {
            if (a)
                json_array_append_new(a, json_pack("{s:s, s:s, s:s}", "name", fields[i].name,
                                                   "header", fields[i].header, "description",
                                                   fields[i].help));
            else
                printf("%-12s %-12s %s\n", fields[i].name, fields[i].header, fields[i].help);
        }
        if (a)
            vz_cli_print_json(a);
        return 0;
    }
    const struct field *cols[VZ_ARRAY_SIZE(fields) * 2];
    size_t ncols = 0;
    if (only_ids)
        out = "ctid";
    if (out) {
        cleanup_free char *copy = vz_xstrdup(out);
        /* strsep, not strtok: "ctid,,ip" and "" name an empty field */
        for (char *rest = copy, *t; (t = strsep(&rest, ",")) != NULL;) {
            const struct field *f = find_field(t);
            if (f == NULL)
                return bad_field("-o", t);
            if (ncols < VZ_ARRAY_SIZE(cols))
                cols[ncols++] = f;
        }
    } else if (json) {
        for (size_t i = 0; i < VZ_ARRAY_SIZE(fields); i++)
            cols[ncols++] = &fields[i];
    } else {
        static const char *const def[] = { "ctid", "numproc", "status", "ip", "hostname" };
        for (size_t i = 0; i < VZ_ARRAY_SIZE(def); i++)
            cols[ncols++] = find_field(names && i == 4 ? "name" : def[i]);
    }
    if (sort) {
        sort_desc = sort[0] == '-';
        sort_field = find_field(sort + sort_desc);
        if (sort_field == NULL)
            return bad_field("-s", sort + sort_desc);
    }
    for (int i = optind; i < argc; i++) {
        argv[i] = vz_ct_resolve(argv[i]); /* a CTID or a container's name */
        vz_error_t err = NULL;
        if (vz_ctid_check(argv[i], &err) < 0)
            return vz_cli_fail(&err);
    }

    struct vz_ct_entry *v = NULL;
    size_t n = 0;
    vz_error_t err = NULL;
    if (vz_ct_list(&v, &n, &err) < 0)
        return vz_cli_fail(&err);
    /* keep what was asked for */
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        int keep;
        if (optind < argc) {
            keep = 0;
            for (int a = optind; a < argc; a++)
                keep |= strcmp(argv[a], v[i].ctid) == 0;
        } else
            keep = all || name_only || (stopped ? !v[i].running : v[i].running);
        keep = keep && matches(host_pat, vz_conf_get(&v[i].conf, "HOSTNAME")) &&
               matches(desc_pat, vz_conf_get(&v[i].conf, "DESCRIPTION")) &&
               (!name_only || (vz_conf_get(&v[i].conf, "NAME") && !strcmp(vz_conf_get(&v[i].conf, "NAME"), name_only)));
        if (keep)
            v[k++] = v[i];
        else
            free(v[i].ctid), vz_conf_release(&v[i].conf);
    }
    n = k;
    if (sort_field)
        qsort(v, n, sizeof(*v), cmp_entries);
    int rc = 0;
    if (optind < argc && n < (size_t)(argc - optind)) {
        for (int a = optind; a < argc; a++) {
            int found = 0;
            for (size_t i = 0; i < n; i++)
                found |= strcmp(argv[a], v[i].ctid) == 0;
            if (!found) {
                fprintf(stderr, "vzlist: error: container %s not found (vzlist -a lists every container)\n", argv[a]);
                rc = VZ_ENOCTCONF;
            }
        }
    }

    if (json) {
        json_t *arr = json_array();
        for (size_t i = 0; i < n; i++) {
            json_t *o = json_object();
            for (size_t j = 0; j < ncols; j++)
                json_object_set_new(o, cols[j]->name, json_value(&v[i], cols[j]));
            json_array_append_new(arr, o);
        }
        vz_cli_print_json(arr);
    } else {
        if (header && !only_ids) {
            for (size_t j = 0; j < ncols; j++) {
                int w = cols[j]->width;
                if (j == ncols - 1 && w < 0)
                    printf("%s", cols[j]->header);
                else
                    printf("%*s%s", w, cols[j]->header, j == ncols - 1 ? "" : " ");
            }
            putchar('\n');
        }
        for (size_t i = 0; i < n; i++) {
            for (size_t j = 0; j < ncols; j++) {
                cleanup_free char *s = value(&v[i], cols[j]);
                int w = cols[j]->width;
                if (j == ncols - 1 && w < 0)
                    printf("%s", s);
                else
                    printf("%*s%s", w, s, j == ncols - 1 ? "" : " ");
            }
            putchar('\n');
        }
    }
    vz_ct_list_free(v, n);
    return rc;
}
