/* cmd/cli.h: what every command shares: common options, help, exit codes,
 * JSON output. Commands parse with getopt_long; this file keeps the
 * behaviour the same everywhere:
 *   - -h/--help prints usage to stdout and exits 0;
 *   - an unknown command prints the list of commands to stderr and exits 2
 *     (vz_cli_usage_status: 20 in vzctl, as OpenVZ);
 *   - an unknown option or one missing its value (getopt's errors) prints
 *     "PROG: error: unknown option '--x'" and "Try 'PROG COMMAND --help'."
 *     to stderr and exits 2 (20 in vzctl);
 *   - -q/--quiet and -v/--verbose set the log level;
 *   - errors print "PROG: error: MESSAGE" and exit with the error's status
 *     (docs/exit-codes.md).
 */
#ifndef VZ_CMD_CLI_H
#define VZ_CMD_CLI_H

#include <getopt.h>
#include <jansson.h>

#include "common/common.h"

/* One row of a program's command table: what vz_cli_dispatch runs, lists
 * under --help's "Commands:", prints for "PROG NAME --help", and lists to
 * "PROG --complete [NAME]" (bash completion, the man-page test). A command
 * with usage and options set parses with those very objects, so what the
 * table says is what the command takes. usage and options may be NULL
 * (a command not moved onto the table yet: its own --help says it). */
struct vz_subcommand {
    const char *name;
    int (*run)(int argc, char **argv); /* argv[0] is the subcommand name */
    const char *summary;
    const char *usage;                 /* the text of "PROG NAME --help" */
    const struct option *options;      /* its long options (NULL-terminated; may hold -h/-q/-v) */
    const struct option *more_options; /* a second table it takes too (create: set's), or NULL */
};

/* The exit status of a usage error (every VZ_EUSAGE above and below, and
 * vz_cli_fail of a VZ_EUSAGE error): 2, or OpenVZ's 20 (VZ_ESYNTAX) in
 * vzctl, whose main sets it before vz_cli_dispatch. */
extern int vz_cli_usage_status;

/* Common long options; append to a command's own table with VZ_CLI_COMMON_OPTS. */
enum { VZ_OPT_HELP = 'h', VZ_OPT_QUIET = 'q', VZ_OPT_VERBOSE = 'v', VZ_OPT_JSON = 0x1000 };
#define VZ_CLI_COMMON_OPTS                                                    \
    { "help", no_argument, NULL, 'h' },                                       \
    { "quiet", no_argument, NULL, 'q' },                                      \
    { "verbose", no_argument, NULL, 'v' }

/* getopt_long(argc, argv, shortopts, longopts, NULL) with opterr = 0, which
 * remembers shortopts and longopts so that vz_cli_common_opt can tell an
 * unknown option from one missing its value, and name an ambiguous prefix's
 * candidates. (Loops calling getopt_long directly get the same messages,
 * with "unknown option" for a short option that lacks its value.) */
int vz_cli_getopt(int argc, char **argv, const char *shortopts, const struct option *longopts);

/* Handle -h/-q/-v inside a getopt loop. Returns 1 if handled; for 'h' it
 * prints usage and exits 0, for '?' (getopt's error) it prints
 * "PROG: error: ..." and the hint "Try 'PROG COMMAND --help'." to stderr and
 * exits 2. */
int vz_cli_common_opt(int c, const char *usage);

/* Print "PROG: error: MESSAGE" and the hint "Try 'PROG COMMAND --help'." to
 * stderr; return VZ_EUSAGE. For an option the command does not take. */
int vz_cli_bad_option(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Print usage to stderr and return VZ_EUSAGE, with an optional message. */
int vz_cli_usage_error(const char *usage, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Dispatch argv[1] among cmds; handles top-level --help/--version, and
 * "PROG NAME --help" (or -h) of a command with a usage in the table.
 * "PROG --complete" prints the command names, one a line; "PROG --complete
 * NAME" the long options of NAME's table ("--opt", one a line, each once,
 * the common --help/--quiet/--verbose included) and exits 0, or exits with
 * the usage status, printing nothing, for an unknown NAME or one without
 * options in the table. For programs, not people: not in --help. */
int vz_cli_dispatch(const char *prog, const char *usage_head, const struct vz_subcommand *cmds,
                    int argc, char **argv);

/* Print a JSON value to stdout (indented, sorted keys, newline) and free it. */
void vz_cli_print_json(json_t *v);

/* Report *err and return its status (exit code). */
int vz_cli_fail(vz_error_t *err);

/* After getopt: the CTID as the one positional argument (before or after
 * the options). NULL with *rc = VZ_EUSAGE (usage printed) when there is none
 * or more than one. */
const char *vz_cli_one_ctid(int argc, char **argv, const char *usage, int *rc);

/* The global option that gives another vzforge program this one's log
 * level: "-q", "-v", or NULL for the default. */
const char *vz_cli_log_flag(void);

/* Path of program NAME next to the running binary (/proc/self/exe), else in
 * fallback_dir (may be NULL), else NULL. Allocated. How vzctl finds
 * vzctl-create and vzctl-create finds vzpkg, in the build tree and installed. */
char *vz_cli_find_program(const char *name, const char *fallback_dir);

#endif
