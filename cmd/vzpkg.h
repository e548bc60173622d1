/* cmd/vzpkg.h: the vzpkg subcommands; one file per group (cmd/vzpkg_*.c). */
#ifndef VZ_CMD_VZPKG_H
#define VZ_CMD_VZPKG_H

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
int vzpkg_publish(int argc, char **argv);       /* cmd/vzpkg_publish.c */
int vzpkg_download(int argc, char **argv);      /* cmd/vzpkg_publish.c */

/* --mirror VALUE: checked (vz_mirror_arg_check) and appended to *mirrors;
 * 0, or the exit code after the error was reported. cmd/vzpkg_list.c */
int vzpkg_mirror_opt(const char *value, char ***mirrors);

#endif
