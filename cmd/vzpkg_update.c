/* cmd/vzpkg_update.c: `vzpkg status` and `vzpkg update-cache`: keeping caches
 * fresh. The check is tmplbuild/update.h, an update-cache of one template
 * (lock, find, build or upgrade in place, record) tmplbuild/update_cache.h;
 * docs/updating.md. Here: options and output. */
#include "cmd/cli.h"
#include "cmd/vzpkg.h"
#include "cache/update_state.h"
#include "metadata/metadata.h"
#include "tmplbuild/update.h"
#include "tmplbuild/update_cache.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char vzpkg_status_usage[] =
    "Usage: vzpkg status TEMPLATE [--json] [--full] [--mirror URL|NAME=URL]... [--allow-expired]\n"
    "Re-read the template's repository indexes, resolve its packages and compare them\n"
    "and the metadata with its cache. Nothing is built or downloaded but the indexes.\n"
    "  --json               what would change, as JSON\n"
    "  --mirror URL|NAME=URL  use this mirror (for every mirror variable, or for NAME)\n"
    "  --allow-expired      accept a Release whose Valid-Until has passed\n"
    "  --full               always load the indexes and resolve, even when every Release\n"
    "                       is the one a resolution that matched the cache used\n"
    "  -q, -v, -h           quiet, verbose (timings), this help\n"
    "Exit codes: 0 the cache is current; 2 updates are available (as Virtuozzo's vzpkg;\n"
    "a usage error also exits 2 but prints the usage to stderr and nothing to stdout);\n"
    "91 no cache of TEMPLATE (or no such template); 201 metadata, 202 resolution,\n"
    "203 download, 204 verification, 206 unreadable cached manifest (docs/exit-codes.md).\n";

const char vzpkg_update_cache_usage[] =
    "Usage: vzpkg update-cache TEMPLATE... [--incremental] [--jobs N] [--compress zst|gz|xz]\n"
    "                          [--mirror URL|NAME=URL]... [--timeout SECONDS] [--allow-expired]\n"
    "                          [--full] [--json]\n"
    "Bring caches up to date. When the resolved packages and the metadata are unchanged\n"
    "this says so and does nothing; otherwise it builds a new cache (the old one stays in\n"
    "place until the new one has landed), reusing the package cache, and prints the\n"
    "package changes. A template without a cache gets one built.\n"
    "  --incremental        upgrade in place: unpack the old cache, install the changed\n"
    "                       packages with the cache's own dpkg inside the sandbox, repack\n"
    "  --jobs N             parallel downloads (default 8)\n"
    "  --compress FORMAT    zst (default), gz (what old vzctl hosts read), xz\n"
    "  --mirror URL|NAME=URL  use this mirror (for every mirror variable, or for NAME)\n"
    "  --timeout SECONDS    wait this long (1 to 86400) for another build of the template\n"
    "                       (default 60)\n"
    "  --full               always load the indexes and resolve (see vzpkg status --help)\n"
    "  --allow-expired      accept a Release whose Valid-Until has passed (check and build)\n"
    "  --json               print a JSON array, one object per TEMPLATE: template, action\n"
    "                       (none, built, rebuilt, incremental), metadata_changed and\n"
    "                       changes (as vzpkg status --json)\n"
    "  -q, -v, -h           quiet, verbose (timings), this help\n"
    "Exit codes: 0 up to date or updated; 201 metadata, 202 resolution, 203 download,\n"
    "204 verification, 205 build step, 9 locked (docs/exit-codes.md).\n";

enum {
    OPT_MIRROR = 0x2000,
    OPT_ALLOW_EXPIRED,
    OPT_INCREMENTAL,
    OPT_JOBS,
    OPT_COMPRESS,
    OPT_TIMEOUT,
    OPT_FULL,
};

struct args {
    bool json, allow_expired, incremental, full;
    char **mirrors;
    int jobs, timeout;
    const char *compress;
};

static int number(const char *opt, const char *v, long lo, long hi, int *out)
{
    char *end;
    long n = strtol(v, &end, 10);
    if (*v == '\0' || *end || n < lo || n > hi) {
        vz_error_t err = NULL;
        vz_error_set(&err, VZ_EBADARG, 0, "%s %s: give a number from %ld to %ld", opt, v, lo, hi);
        return vz_cli_fail(&err);
    }
    *out = (int)n;
    return 0;
}

const struct option vzpkg_update_cache_options[] = {
    VZ_CLI_COMMON_OPTS,
    { "json", no_argument, NULL, VZ_OPT_JSON },
    { "mirror", required_argument, NULL, OPT_MIRROR },
    { "allow-expired", no_argument, NULL, OPT_ALLOW_EXPIRED },
    { "incremental", no_argument, NULL, OPT_INCREMENTAL },
    { "jobs", required_argument, NULL, OPT_JOBS },
    { "compress", required_argument, NULL, OPT_COMPRESS },
    { "timeout", required_argument, NULL, OPT_TIMEOUT },
    { "full", no_argument, NULL, OPT_FULL },
    { NULL, 0, NULL, 0 },
};

/* status: update-cache's options without those of building and waiting
 * (-j/--jobs, --incremental, --compress, --timeout). */
const struct option vzpkg_status_options[] = {
    VZ_CLI_COMMON_OPTS,
    { "json", no_argument, NULL, VZ_OPT_JSON },
    { "mirror", required_argument, NULL, OPT_MIRROR },
    { "allow-expired", no_argument, NULL, OPT_ALLOW_EXPIRED },
    { "full", no_argument, NULL, OPT_FULL },
    { NULL, 0, NULL, 0 },
};

/* After getopt's '?' in status: "status does not take --OPT" when the
 * option is one of update-cache's (spelt in full, or -j), else 0 (an
 * unknown option, vz_cli_common_opt's message). */
static int update_only_option(char **argv)
{
    if (optopt == 'j')
        return vz_cli_bad_option("%s does not take -j", argv[0]);
    const char *arg = argv[optind - 1];
    if (optopt != 0 || strncmp(arg, "--", 2) != 0)
        return 0;
    size_t len = strcspn(arg + 2, "=");
    for (const struct option *o = vzpkg_update_cache_options; o->name; o++)
        if (strlen(o->name) == len && !strncmp(o->name, arg + 2, len))
            return vz_cli_bad_option("%s does not take --%s", argv[0], o->name);
    return 0;
}

static int parse(int argc, char **argv, bool is_status, struct args *a)
{
    const struct option *opts = is_status ? vzpkg_status_options : vzpkg_update_cache_options;
    const char *usage = is_status ? vzpkg_status_usage : vzpkg_update_cache_usage;
    int c;
    while ((c = vz_cli_getopt(argc, argv, is_status ? "hqv" : "hqvj:", opts)) != -1) {
        int bad = (c == '?' && is_status) ? update_only_option(argv) : 0;
        if (bad)
            return bad;
        if (vz_cli_common_opt(c, usage))
            continue;
        int r = 0;
        switch (c) {
        case VZ_OPT_JSON: a->json = true; break;
        case OPT_MIRROR: r = vzpkg_mirror_opt(optarg, &a->mirrors); break;
        case OPT_ALLOW_EXPIRED: a->allow_expired = true; break;
        case OPT_INCREMENTAL: a->incremental = true; break;
        case OPT_FULL: a->full = true; break;
        case 'j':
        case OPT_JOBS: r = number("--jobs", optarg, 1, 64, &a->jobs); break;
        case OPT_TIMEOUT: r = number("--timeout", optarg, 1, 86400, &a->timeout); break;
        case OPT_COMPRESS:
            if (strcmp(optarg, "zst") && strcmp(optarg, "gz") && strcmp(optarg, "xz"))
            {
                vz_error_t err = NULL;
                vz_error_set(&err, VZ_EBADARG, 0, "--compress %s: give zst, gz or xz", optarg);
                return vz_cli_fail(&err);
            }
            a->compress = optarg;
            break;
        default: return vz_cli_usage_error(usage, NULL);
        }
        if (r)
            return r;
    }
    if (optind >= argc)
        return vz_cli_usage_error(usage, "no TEMPLATE given");
    if (is_status && argc - optind > 1)
        return vz_cli_usage_error(usage, "status takes one TEMPLATE");
    return 0;
}

/* ---- output ---- */

static json_t *change_json(const struct vz_pkg_change *c)
{
    return json_pack("{s:s, s:s, s:s?, s:s?, s:s?, s:s?}", "kind", vz_pkg_change_kind_str(c->kind),
                     "name", c->name, "old_version", c->old_version, "old_arch", c->old_arch,
                     "new_version", c->new_version, "new_arch", c->new_arch);
}

static json_t *status_json(const struct vz_update_check *c)
{
    const struct vz_cache_diff *d = c->diff;
    json_t *ch = json_array();
    for (size_t i = 0; i < d->n_changes; i++)
        json_array_append_new(ch, change_json(&d->changes[i]));
    return json_pack("{s:s, s:s, s:s, s:I, s:I, s:b, s:s, s:s, s:s, s:b, s:o, s:{s:I, s:I, s:I, s:I, s:I}}",
                     "template", c->t->name,
                     "status", vz_cache_diff_unchanged(d) ? "current" : "updates",
                     "cache", c->cache->tarball,
                     "cached_packages", (json_int_t)c->cached->n_pkgs,
                     "packages", (json_int_t)c->packages,
                     "metadata_changed", d->metadata_changed,
                     "cached_metadata_sha256", d->old_metadata_sha256,
                     "metadata_sha256", d->new_metadata_sha256,
                     "resolved_sha256", c->resolved_sha256,
                     "fast_path", c->quick,
                     "changes", ch,
                     "counts", "added", (json_int_t)d->n_added, "removed", (json_int_t)d->n_removed,
                     "upgraded", (json_int_t)d->n_upgraded, "downgraded",
                     (json_int_t)d->n_downgraded, "rebuilt", (json_int_t)d->n_rebuilt);
}

static void print_changes(const struct vz_cache_diff *d, const char *indent)
{
    for (size_t i = 0; i < d->n_changes; i++) {
        cleanup_free char *s = vz_pkg_change_str(&d->changes[i]);
        printf("%s%s\n", indent, s);
    }
    if (d->metadata_changed)
        printf("%smetadata changed (%.12s -> %.12s)\n", indent,
               d->old_metadata_sha256[0] ? d->old_metadata_sha256 : "none",
               d->new_metadata_sha256);
}

static const char *plural(size_t n)
{
    return n == 1 ? "" : "s";
}

/* ---- status ---- */

int vzpkg_status(int argc, char **argv)
{
    struct args a = { 0 };
    int r = parse(argc, argv, true, &a);
    cleanup_strv char **mirrors = a.mirrors;
    if (r)
        return r;
    vz_error_t err = NULL;
    struct vz_update_opts uo = { .mirrors = a.mirrors, .allow_expired = a.allow_expired,
                                 .full = a.full };
    struct vz_update_check *c = NULL;
    if (vz_update_check(argv[optind], &uo, &c, &err) < 0)
        return vz_cli_fail(&err);
    if (vz_update_record(c, &err) < 0) {
        vz_warn("%s", err->msg);
        vz_error_release(&err);
    }
    bool current = vz_cache_diff_unchanged(c->diff);
    if (a.json) {
        vz_cli_print_json(status_json(c));
    } else if (current) {
        printf("%s: the cache is current (%zu package%s, metadata unchanged)\n", c->t->name,
               c->packages, plural(c->packages));
    } else {
        size_t n = c->diff->n_changes;
        printf("%s: updates available (%zu package change%s%s)\n", c->t->name, n, plural(n),
               c->diff->metadata_changed ? ", metadata changed" : "");
        print_changes(c->diff, "  ");
    }
    vz_debug("%s: index %.3f s, solve %.3f s", c->t->name, c->t_index, c->t_solve);
    vz_update_check_free(c);
    return current ? 0 : VZ_STATUS_UPDATES;
}

/* ---- update-cache ---- */

/* Human output of update-cache; none with --json (stdout is the JSON). */
static void say(const struct args *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(const struct args *a, const char *fmt, ...)
{
    if (a->json)
        return;
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
}

/* One element of update-cache --json. d: what changed (NULL: nothing). */
static json_t *update_json(const char *name, const char *action, const struct vz_cache_diff *d)
{
    json_t *ch = json_array();
    for (size_t i = 0; d && i < d->n_changes; i++)
        json_array_append_new(ch, change_json(&d->changes[i]));
    return json_pack("{s:s, s:s, s:b, s:o}", "template", name, "action", action, "metadata_changed",
                     d && d->metadata_changed, "changes", ch);
}

struct update_out {
    const struct args *a;
    json_t *out;
};

/* What update-cache says as it goes (tmplbuild/update_cache.h). */
static void update_step(enum vz_update_step st, const struct vz_update_result *r, void *arg)
{
    const struct update_out *u = arg;
    const struct args *a = u->a;
    if (st == VZ_UPD_DECIDED) {
        if (r->action == VZ_UPD_BUILT) {
            say(a, "%s: no cache yet; building it\n", r->name);
            fflush(stdout);
        } else if (r->action == VZ_UPD_NONE) {
            say(a, "%s: up to date (%zu package%s, metadata unchanged); nothing to do\n", r->name,
                r->packages, plural(r->packages));
            if (u->out)
                json_array_append_new(u->out, update_json(r->name, "none", NULL));
        } else {
            size_t n = r->pending->n_changes;
            say(a, "%s: %zu package change%s%s; %s\n", r->name, n, plural(n),
                r->pending->metadata_changed ? ", metadata changed" : "",
                r->action == VZ_UPD_INCREMENTAL ? "upgrading in place" : "rebuilding");
            fflush(stdout);
        }
        return;
    }
    if (r->diff && !a->json) {
        print_changes(r->diff, "");
        printf("%s: updated\n", r->name);
    }
    if (u->out)
        json_array_append_new(u->out, update_json(r->name, vz_update_action_str(r->action), r->diff));
}

int vzpkg_update_cache(int argc, char **argv)
{
    struct args a = { 0 };
    int r = parse(argc, argv, false, &a);
    cleanup_strv char **mirrors = a.mirrors;
    if (r)
        return r;
    json_t *out = a.json ? json_array() : NULL;
    struct update_out u = { &a, out };
    struct vz_update_cache_opts uo = { .mirrors = a.mirrors, .jobs = a.jobs, .compress = a.compress,
                                       .lock_timeout_s = a.timeout, .allow_expired = a.allow_expired,
                                       .incremental = a.incremental, .full = a.full,
                                       .step = update_step, .arg = &u };
    for (int i = optind; i < argc; i++) {
        vz_error_t err = NULL;
        if (vz_update_cache(argv[i], &uo, &err) < 0) {
            if (out && json_array_size(out)) /* what was done before the failure */
                vz_cli_print_json(out);
            else
                json_decref(out);
            return vz_cli_fail(&err);
        }
    }
    if (out)
        vz_cli_print_json(out);
    return 0;
}
