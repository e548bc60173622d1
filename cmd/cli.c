#include "cmd/cli.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int vz_cli_usage_status = VZ_EUSAGE;

/* What getopt is parsing, for its error messages (see cli.h). */
static struct {
    const char *cmd;          /* subcommand name, NULL for vzlist */
    char **argv;
    const char *shortopts;    /* NULL: only no-argument short options */
    const struct option *longopts;
} parsing;

static size_t long_matches(const char *name, size_t n, struct vz_buf *b);

/* getopt_long takes any unambiguous prefix of a long option ("--name" for
 * "--nameserver" while no --name existed), so a typo or an option of another
 * tool silently meant something else. Only whole names are accepted; a
 * prefix is an error that lists what it would have matched. */
static void refuse_abbreviation(char **argv, const struct option *o)
{
    const char *w = argv[optind - 1];
    if (o->has_arg == required_argument && optarg == w && optind >= 2) /* "--opt VALUE" */
        w = argv[optind - 2];
    if (strncmp(w, "--", 2) != 0)
        return;
    size_t n = strcspn(w + 2, "=");
    if (n == strlen(o->name))
        return;
    struct vz_buf b = VZ_BUF_INIT;
    vz_buf_init(&b);
    long_matches(w + 2, n, &b);
    cleanup_free char *list = vz_buf_detach(&b, NULL);
    exit(vz_cli_bad_option("unknown option '--%.*s' (options are not abbreviated; did you mean %s?)",
                           (int)n, w + 2, list));
}

int vz_cli_getopt(int argc, char **argv, const char *shortopts, const struct option *longopts)
{
    opterr = 0;
    parsing.argv = argv;
    parsing.shortopts = shortopts;
    parsing.longopts = longopts;
    int idx = -1;
    int c = getopt_long(argc, argv, shortopts, longopts, &idx);
    if (c != -1 && c != '?' && c != ':' && idx >= 0 && longopts)
        refuse_abbreviation(argv, &longopts[idx]);
    return c;
}

int vz_cli_bad_option(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vz_error_t err = NULL;
    vz_error_vset(&err, VZ_EUSAGE, 0, fmt, ap);
    va_end(ap);
    vz_error_report(vz_log_prog, &err);
    if (parsing.cmd)
        fprintf(stderr, "Try '%s %s --help'.\n", vz_log_prog, parsing.cmd);
    else
        fprintf(stderr, "Try '%s --help'.\n", vz_log_prog);
    return vz_cli_usage_status;
}

/* The long options that the prefix "--name" (length n) abbreviates. */
static size_t long_matches(const char *name, size_t n, struct vz_buf *b)
{
    size_t k = 0;
    for (const struct option *o = parsing.longopts; o && o->name; o++)
        if (!strncmp(o->name, name, n)) {
            vz_buf_addf(b, "%s--%s", k ? ", " : "", o->name);
            k++;
        }
    return k;
}

/* Did getopt_long's error concern the long option word (rather than a short
 * option char optopt in a cluster after it)? optopt is 0 for an unknown
 * long option, else the value of the option at fault. */
static bool long_error(const char *word)
{
    if (!word || strncmp(word, "--", 2) || !word[2])
        return false;
    if (optopt == 0 || optopt > 0xff)
        return true;
    /* a char value: the long option's own (--output missing its value), or
     * a short option after it ('--all -Zx') */
    const char *eq = strchr(word, '=');
    size_t n = eq ? (size_t)(eq - word - 2) : strlen(word + 2);
    if (!parsing.longopts)
        return eq != NULL;
    for (const struct option *o = parsing.longopts; o->name; o++)
        if (!strncmp(o->name, word + 2, n) && !o->flag && o->val == optopt)
            return true;
    return false;
}

/* The word as typed, and the option it abbreviates when it is shorter:
 * "'--ost' (--ostemplate)". */
static char *typed_option(const char *word, int n)
{
    for (const struct option *o = parsing.longopts; o && o->name; o++)
        if (!strncmp(o->name, word + 2, (size_t)n - 2) && !o->flag && o->val == optopt &&
            strlen(o->name) != (size_t)n - 2)
            return vz_xasprintf("'%.*s' (--%s)", n, word, o->name);
    return vz_xasprintf("'%.*s'", n, word);
}

/* getopt_long returned '?' (opterr is 0: it printed nothing): say why, the
 * way every other error is said, and exit VZ_EUSAGE. */
static int getopt_error(void)
{
    const char *word = parsing.argv && optind > 0 ? parsing.argv[optind - 1] : NULL;
    if (long_error(word)) {
        const char *eq = strchr(word, '=');
        int n = (int)(eq ? eq - word : (ptrdiff_t)strlen(word));
        if (optopt == 0) {
            struct vz_buf b = VZ_BUF_INIT;
            vz_buf_init(&b);
            size_t k = long_matches(word + 2, (size_t)n - 2, &b);
            cleanup_free char *list = vz_buf_detach(&b, NULL);
            if (k > 1)
                return vz_cli_bad_option("ambiguous option '%.*s': could be %s", n, word, list);
            const char *names[128];
            size_t nn = 0;
            for (const struct option *o = parsing.longopts; o && o->name && nn < VZ_ARRAY_SIZE(names); o++)
                names[nn++] = o->name;
            cleanup_free char *typed = vz_xasprintf("%.*s", n - 2, word + 2);
            const char *sug = vz_suggest(typed, names, nn);
            if (sug)
                return vz_cli_bad_option("unknown option '%.*s' (did you mean '--%s'?)", n, word, sug);
            return vz_cli_bad_option("unknown option '%.*s'", n, word);
        }
        cleanup_free char *opt = typed_option(word, n);
        if (eq)
            return vz_cli_bad_option("option %s takes no value", opt);
        return vz_cli_bad_option("option %s needs a value", opt);
    }
    if (parsing.shortopts && optopt > 0 && optopt <= 0xff && optopt != ':' &&
        strchr(parsing.shortopts, optopt))
        return vz_cli_bad_option("option '-%c' needs a value", optopt);
    if (optopt > 0x20 && optopt < 0x7f)
        return vz_cli_bad_option("unknown option '-%c'", optopt);
    return vz_cli_bad_option("unknown option (byte 0x%02x)", optopt & 0xff);
}

int vz_cli_common_opt(int c, const char *usage)
{
    switch (c) {
    case 'h':
        fputs(usage, stdout);
        exit(0);
    case 'q':
        vz_log_level = VZ_LOG_QUIET;
        return 1;
    case 'v':
        vz_log_level = vz_log_level < VZ_LOG_DEBUG ? VZ_LOG_DEBUG : vz_log_level;
        return 1;
    case '?':
    case ':':
        exit(getopt_error());
    }
    return 0;
}

int vz_cli_usage_error(const char *usage, const char *fmt, ...)
{
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        fprintf(stderr, "%s: error: ", vz_log_prog);
        vfprintf(stderr, fmt, ap);
        fputc('\n', stderr);
        va_end(ap);
    }
    fputs(usage, stderr);
    return vz_cli_usage_status;
}

static void print_commands(FILE *f, const char *usage_head, const struct vz_subcommand *cmds)
{
    fputs(usage_head, f);
    fputs("\nCommands:\n", f);
    int w = 0; /* the widest name sets the column: no summary starts inside a name */
    for (const struct vz_subcommand *c = cmds; c->name; c++)
        w = (int)strlen(c->name) > w ? (int)strlen(c->name) : w;
    for (const struct vz_subcommand *c = cmds; c->name; c++)
        fprintf(f, "  %-*s  %s\n", w, c->name, c->summary);
    fputs("\nOptions before COMMAND: -q, --quiet; -v, --verbose; -h, --help; -V, --version.\n", f);
    fprintf(f, "Run '%s COMMAND --help' for a command's options. Exit codes: docs/exit-codes.md.\n",
            vz_log_prog);
}

/* The action log (vz.conf: LOGGING="yes", LOGFILE, default
 * /var/log/vzctl.log below VZ_ROOT, LOG_LEVEL 0 errors only, 1 and
 * warnings, 2 and progress messages (default), 3 debug): commands that
 * change something are logged with their command line, secrets masked,
 * and their errors; read-only ones are not. */
static void log_setup(const char *prog, int argc, char **argv)
{
    static const char *const readonly[] = { "status", "list", "info", "verify" };
    for (size_t i = 0; i < VZ_ARRAY_SIZE(readonly); i++)
        if (strcmp(argv[0], readonly[i]) == 0)
            return;
    const char *on = vz_conf_get(vz_global_conf(), "LOGGING");
    if (on == NULL || strcmp(on, "yes") != 0)
        return;
    const char *file = vz_conf_get(vz_global_conf(), "LOGFILE");
    const char *lv = vz_conf_get(vz_global_conf(), "LOG_LEVEL");
    cleanup_free char *path = vz_root_path(file && *file ? file : "/var/log/vzctl.log");
    int level = lv && *lv ? atoi(lv) : VZ_LOG_INFO;
    cleanup_free char *dir = vz_xstrdup(path);
    char *slash = strrchr(dir, '/');
    vz_error_t e = NULL;
    if (slash && slash != dir) {
        *slash = '\0';
        if (vz_mkdir_p(dir, 0755, &e) < 0) /* vz_log_set_file says why it cannot log */
            vz_error_release(&e);
    }
    vz_log_set_file(path, level < 0 ? 0 : level > VZ_LOG_DEBUG ? VZ_LOG_DEBUG : level);
    struct vz_buf b = VZ_BUF_INIT;
    vz_buf_init(&b);
    for (int i = 0; i < argc; i++) {
        int secret = i > 0 && strcmp(argv[i - 1], "--userpasswd") == 0;
        if (strncmp(argv[i], "--userpasswd=", 13) == 0)
            vz_buf_adds(&b, " --userpasswd=***");
        else
            vz_buf_addf(&b, " %s", secret ? "***" : argv[i]);
    }
    vz_log_action("%s%s", prog, b.data);
    vz_buf_release(&b);
}

static const struct vz_subcommand *find_cmd(const struct vz_subcommand *cmds, const char *name)
{
    for (const struct vz_subcommand *c = cmds; c->name; c++)
        if (strcmp(c->name, name) == 0)
            return c;
    return NULL;
}

/* "PROG --complete [NAME]" (cli.h). */
static int complete(const struct vz_subcommand *cmds, int argc, char **argv)
{
    if (argc == 0) {
        for (const struct vz_subcommand *c = cmds; c->name; c++)
            puts(c->name);
        return 0;
    }
    const struct vz_subcommand *c = find_cmd(cmds, argv[0]);
    if (argc > 1 || c == NULL || c->options == NULL)
        return vz_cli_usage_status;
    static const struct option common[] = { VZ_CLI_COMMON_OPTS, { NULL, 0, NULL, 0 } };
    const struct option *tables[] = { c->options, c->more_options, common };
    const char *seen[256];
    size_t n = 0;
    for (size_t t = 0; t < VZ_ARRAY_SIZE(tables); t++)
        for (const struct option *o = tables[t]; o && o->name; o++) {
            bool dup = false;
            for (size_t k = 0; k < n; k++)
                dup |= strcmp(seen[k], o->name) == 0;
            if (dup || n == VZ_ARRAY_SIZE(seen))
                continue;
            seen[n++] = o->name;
            printf("--%s\n", o->name);
        }
    return 0;
}

int vz_cli_dispatch(const char *prog, const char *usage_head, const struct vz_subcommand *cmds,
                    int argc, char **argv)
{
    vz_log_prog = prog;
    if (argc >= 2 && strcmp(argv[1], "--complete") == 0)
        return complete(cmds, argc - 2, argv + 2);
    int i = 1;
    /* global -q/-v before the command */
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            print_commands(stdout, usage_head, cmds);
            return 0;
        }
        if (!strcmp(argv[i], "--version") || !strcmp(argv[i], "-V")) {
            printf("%s (vzforge) %s\n", prog, VZ_VERSION);
            return 0;
        }
        if (!strcmp(argv[i], "-q") || !strcmp(argv[i], "--quiet"))
            vz_log_level = VZ_LOG_QUIET;
        else if (!strcmp(argv[i], "-v") || !strcmp(argv[i], "--verbose"))
            vz_log_level = VZ_LOG_DEBUG;
        else {
            fprintf(stderr, "%s: unknown option '%s'\n", prog, argv[i]);
            print_commands(stderr, usage_head, cmds);
            return vz_cli_usage_status;
        }
    }
    if (i >= argc) {
        print_commands(stderr, usage_head, cmds);
        return vz_cli_usage_status;
    }
    for (const struct vz_subcommand *c = cmds; c->name; c++)
        if (strcmp(c->name, argv[i]) == 0) {
            if (c->usage && i + 1 < argc && (!strcmp(argv[i + 1], "--help") || !strcmp(argv[i + 1], "-h"))) {
                fputs(c->usage, stdout);
                return 0;
            }
            optind = 1;
            opterr = 0;
            parsing.cmd = c->name;
            parsing.argv = argv + i;
            log_setup(prog, argc - i, argv + i);
            int rc = c->run(argc - i, argv + i);
            if (rc == 0)
                vz_log_action("%s %s: done", prog, c->name);
            else
                vz_log_action("%s %s: exit %d", prog, c->name, rc);
            return rc;
        }
    const char *names[64];
    size_t n = 0;
    for (const struct vz_subcommand *c = cmds; c->name && n < VZ_ARRAY_SIZE(names); c++)
        names[n++] = c->name;
    const char *sug = vz_suggest(argv[i], names, n);
    if (sug) { /* a typo: the one line that helps, not the whole list */
        fprintf(stderr, "%s: unknown command '%s' (did you mean '%s'?)\nTry '%s --help'.\n", prog, argv[i], sug,
                prog);
        return vz_cli_usage_status;
    }
    fprintf(stderr, "%s: unknown command '%s'\n", prog, argv[i]);
    print_commands(stderr, usage_head, cmds);
    return vz_cli_usage_status;
}

void vz_cli_print_json(json_t *v)
{
    json_dumpf(v, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
    fputc('\n', stdout);
    json_decref(v);
}

int vz_cli_fail(vz_error_t *err)
{
    int st = vz_error_report(vz_log_prog, err);
    return st == VZ_EUSAGE ? vz_cli_usage_status : st;
}

const char *vz_cli_one_ctid(int argc, char **argv, const char *usage, int *rc)
{
    if (optind != argc - 1) {
        *rc = vz_cli_usage_error(usage, optind >= argc ? "CTID missing" : "one CTID, got '%s' too",
                                 optind >= argc ? NULL : argv[optind + 1]);
        return NULL;
    }
    return argv[optind];
}

const char *vz_cli_log_flag(void)
{
    if (vz_log_level <= VZ_LOG_QUIET)
        return "-q";
    return vz_log_level >= VZ_LOG_DEBUG ? "-v" : NULL;
}

char *vz_cli_find_program(const char *name, const char *fallback_dir)
{
    cleanup_free char *self = vz_self_dir();
    if (self) {
        char *p = vz_path_join(self, name);
        if (access(p, X_OK) == 0)
            return p;
        free(p);
    }
    if (fallback_dir) {
        char *p = vz_path_join(fallback_dir, name);
        if (access(p, X_OK) == 0)
            return p;
        free(p);
    }
    return NULL;
}
