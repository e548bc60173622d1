/* cmd/vzctl.h: vzctl subcommands, grouped by file. */
#ifndef VZ_CMD_VZCTL_H
#define VZ_CMD_VZCTL_H

#include "vpscore/create.h"

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
int vzctl_resume(int argc, char **argv);

/* cmd/vzctl_boot.c: every container at once (the vz service) */
int vzctl_start_all(int argc, char **argv);
int vzctl_stop_all(int argc, char **argv);

/* cmd/vzctl_create.c: create, unpacking with unpack; with NULL (vzctl,
 * vzctl_create_light), a create that must unpack goes to vzctl_create_exec */
int vzctl_create_cmd(int argc, char **argv, vz_unpack_fn *unpack);
int vzctl_create_light(int argc, char **argv);

/* cmd/vzctl_spawn.c: exec vzctl-create with the create's argv */
int vzctl_create_exec(int argc, char **argv);

/* cmd/vzctl_ct.c: the container's life on disk after create */
int vzctl_destroy(int argc, char **argv);
int vzctl_set(int argc, char **argv);

#endif
