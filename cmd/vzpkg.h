/* cmd/vzpkg.h: the vzpkg subcommands; one file per group (cmd/vzpkg_*.c). */
#ifndef VZ_CMD_VZPKG_H
#define VZ_CMD_VZPKG_H

#include <getopt.h>

int vzpkg_list(int argc, char **argv);          /* cmd/vzpkg_list.c */
int vzpkg_info(int argc, char **argv);          /* cmd/vzpkg_list.c */
int vzpkg_create_cache(int argc, char **argv);  /* cmd/vzpkg_build.c */
int vzpkg_update_cache(int argc, char **argv);  /* cmd/vzpkg_update.c */
int vzpkg_status(int argc, char **argv);        /* cmd/vzpkg_update.c */
int vzpkg_fetch(int argc, char **argv);         /* cmd/vzpkg_build.c */
int vzpkg_remove_cache(int argc, char **argv);  /* cmd/vzpkg_store.c */
int vzpkg_verify(int argc, char **argv);        /* cmd/vzpkg_store.c */
int vzpkg_clean(int argc, char **argv);         /* cmd/vzpkg_store.c */
int vzpkg_keygen(int argc, char **argv);        /* cmd/vzpkg_store.c */
int vzpkg_trust(int argc, char **argv);         /* cmd/vzpkg_store.c */
int vzpkg_import(int argc, char **argv);        /* cmd/vzpkg_store.c */
/* The usage and option tables of the commands on cmd/vzpkg.c's command
 * table, defined next to each handler, which parses with them. */
extern const char vzpkg_keygen_usage[], vzpkg_trust_usage[], vzpkg_verify_usage[], vzpkg_remove_cache_usage[],
    vzpkg_clean_usage[], vzpkg_import_usage[], vzpkg_list_usage[], vzpkg_info_usage[], vzpkg_publish_usage[],
    vzpkg_download_usage[], vzpkg_export_usage[], vzpkg_create_cache_usage[], vzpkg_fetch_usage[],
    vzpkg_update_cache_usage[], vzpkg_status_usage[];
extern const struct option vzpkg_keygen_options[], vzpkg_trust_options[], vzpkg_verify_options[],
    vzpkg_remove_cache_options[], vzpkg_clean_options[], vzpkg_import_options[], vzpkg_list_options[],
    vzpkg_info_options[], vzpkg_publish_options[], vzpkg_download_options[], vzpkg_export_options[],
    vzpkg_create_cache_options[], vzpkg_fetch_options[], vzpkg_update_cache_options[], vzpkg_status_options[];
int vzpkg_publish(int argc, char **argv);       /* cmd/vzpkg_publish.c */
int vzpkg_download(int argc, char **argv);      /* cmd/vzpkg_publish.c */
int vzpkg_export(int argc, char **argv);        /* cmd/vzpkg_export.c */

/* --mirror VALUE: checked (vz_mirror_arg_check) and appended to *mirrors;
 * 0, or the exit code after the error was reported. cmd/vzpkg_list.c */
int vzpkg_mirror_opt(const char *value, char ***mirrors);

/* --format/--formats VALUE: comma-separated export formats, checked and
 * appended to *formats (no duplicates); 0, or the exit code after the
 * error was reported. cmd/vzpkg_export.c */
int vzpkg_export_formats_opt(const char *arg, char ***formats);
/* --xz-level: one digit 1-9 into *level; otherwise the usage error's exit
 * code (21), reported. */
int vzpkg_xz_level_opt(const char *arg, int *level);

#endif
