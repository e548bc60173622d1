/* cmd/vzctl.h: vzctl subcommands, grouped by file. */
#ifndef VZ_CMD_VZCTL_H
#define VZ_CMD_VZCTL_H

#include <getopt.h>

#include "vpscore/create.h"

/* Each command's usage (its --help) and option table, for cmd/vzctl.c's
 * command table; the handlers parse with the same objects. */
extern const char vzctl_start_usage[], vzctl_stop_usage[], vzctl_restart_usage[], vzctl_status_usage[],
    vzctl_enter_usage[], vzctl_exec_usage[], vzctl_exec2_usage[], vzctl_mount_usage[], vzctl_umount_usage[],
    vzctl_suspend_usage[], vzctl_resume_usage[], vzctl_destroy_usage[], vzctl_set_usage[],
    vzctl_snapshot_usage[], vzctl_snapshot_list_usage[], vzctl_snapshot_switch_usage[],
    vzctl_snapshot_delete_usage[], vzctl_snapshot_mount_usage[], vzctl_snapshot_umount_usage[],
    vzctl_start_all_usage[], vzctl_stop_all_usage[];
extern const struct option vzctl_stop_options[], vzctl_status_options[], vzctl_snapshot_options[],
    vzctl_snapshot_list_options[], vzctl_snapshot_id_options[], vzctl_snapshot_mount_options[],
    vzctl_start_all_options[], vzctl_stop_all_options[];

/* cmd/vzctl_run.c: the runtime */
int vzctl_start(int argc, char **argv);
int vzctl_stop(int argc, char **argv);
int vzctl_restart(int argc, char **argv);
int vzctl_status(int argc, char **argv);
int vzctl_enter(int argc, char **argv);
int vzctl_exec(int argc, char **argv);
int vzctl_exec2(int argc, char **argv);
int vzctl_mount(int argc, char **argv);
int vzctl_umount(int argc, char **argv);
int vzctl_suspend(int argc, char **argv);
/* cmd/vzctl_snapshot.c */
int vzctl_snapshot(int argc, char **argv);
int vzctl_snapshot_list(int argc, char **argv);
int vzctl_snapshot_switch(int argc, char **argv);
int vzctl_snapshot_delete(int argc, char **argv);
int vzctl_snapshot_mount(int argc, char **argv);
int vzctl_snapshot_umount(int argc, char **argv);
int vzctl_resume(int argc, char **argv);

/* cmd/vzctl_boot.c: every container at once (the vz service) */
int vzctl_start_all(int argc, char **argv);
int vzctl_stop_all(int argc, char **argv);

/* cmd/vzctl_create.c: create, unpacking with unpack (vzctl-create's
 * vz_unpack_verified; never NULL) */
int vzctl_create_cmd(int argc, char **argv, vz_unpack_fn *unpack);

/* cmd/vzctl_spawn.c: vzctl's `create`: exec vzctl-create with the create's
 * argv (vzctl links no archive or libcrypto code) */
int vzctl_create_exec(int argc, char **argv);

/* cmd/vzctl_ct.c: the container's life on disk after create */
int vzctl_destroy(int argc, char **argv);
int vzctl_set(int argc, char **argv);

#endif
