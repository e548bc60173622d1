#include "cmd/cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

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
        fputs(usage, stderr);
        exit(VZ_EUSAGE);
    }
    return 0;
}

int vz_cli_usage_error(const char *usage, const char *fmt, ...)
{
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        fprintf(stderr, "%s: ", vz_log_prog);
        vfprintf(stderr, fmt, ap);
        fputc('\n', stderr);
        va_end(ap);
    }
    fputs(usage, stderr);
    return VZ_EUSAGE;
}

static void print_commands(FILE *f, const char *usage_head, const struct vz_subcommand *cmds)
{
    fputs(usage_head, f);
    fputs("\nCommands:\n", f);
    for (const struct vz_subcommand *c = cmds; c->name; c++)
        fprintf(f, "  %-14s %s\n", c->name, c->summary);
    fprintf(f, "\nRun '%s COMMAND --help' for a command's options. Exit codes: docs/exit-codes.md.\n",
            vz_log_prog);
}

int vz_cli_dispatch(const char *prog, const char *usage_head, const struct vz_subcommand *cmds,
                    int argc, char **argv)
{
    vz_log_prog = prog;
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
            return VZ_EUSAGE;
        }
    }
    if (i >= argc) {
        print_commands(stderr, usage_head, cmds);
        return VZ_EUSAGE;
    }
    for (const struct vz_subcommand *c = cmds; c->name; c++)
        if (strcmp(c->name, argv[i]) == 0) {
            optind = 1;
            return c->run(argc - i, argv + i);
        }
    fprintf(stderr, "%s: unknown command '%s'\n", prog, argv[i]);
    print_commands(stderr, usage_head, cmds);
    return VZ_EUSAGE;
}

void vz_cli_print_json(json_t *v)
{
    json_dumpf(v, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
    fputc('\n', stdout);
    json_decref(v);
}

int vz_cli_fail(vz_error_t *err)
{
    return vz_error_report(vz_log_prog, err);
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

char *vz_cli_find_program(const char *name, const char *fallback_dir)
{
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (n > 0) {
        self[n] = '\0';
        char *slash = strrchr(self, '/');
        if (slash) {
            char *p = vz_xasprintf("%.*s/%s", (int)(slash - self), self, name);
            if (access(p, X_OK) == 0)
                return p;
            free(p);
        }
    }
    if (fallback_dir) {
        char *p = vz_path_join(fallback_dir, name);
        if (access(p, X_OK) == 0)
            return p;
        free(p);
    }
    return NULL;
}
