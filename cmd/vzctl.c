/* vzctl: create and run containers from template caches. */
#include "cmd/cli.h"
#include "cmd/vzctl.h"
#include "cmd/vzctl_setopts.h"

/* The options of a command that takes only the common -h/-q/-v. */
static const struct option none[] = { { NULL, 0, NULL, 0 } };

static const struct vz_subcommand cmds[] = {
    { "create", vzctl_create_exec, "create a container from an OS template cache",
      vzctl_create_usage, vzctl_create_options, vzctl_set_options },
    { "destroy", vzctl_destroy, "remove a stopped container's private area and config",
      vzctl_destroy_usage, none, NULL },
    { "set", vzctl_set, "change a container's parameters (--save to keep them)",
      vzctl_set_usage, vzctl_set_options, NULL },
    { "start", vzctl_start, "start a container",
      vzctl_start_usage, none, NULL },
    { "stop", vzctl_stop, "stop a container",
      vzctl_stop_usage, vzctl_stop_options, NULL },
    { "restart", vzctl_restart, "stop and start a container",
      vzctl_restart_usage, vzctl_stop_options, NULL },
    { "status", vzctl_status, "print 'CTID N exist|deleted mounted|unmounted running|down'",
      vzctl_status_usage, vzctl_status_options, NULL },
    { "enter", vzctl_enter, "open a shell inside a running container",
      vzctl_enter_usage, none, NULL },
    { "exec", vzctl_exec, "run a command inside a running container",
      vzctl_exec_usage, none, NULL },
    { "exec2", vzctl_exec2, "run a command; exit with its exit code",
      vzctl_exec2_usage, none, NULL },
    { "mount", vzctl_mount, "mount a container's root",
      vzctl_mount_usage, none, NULL },
    { "umount", vzctl_umount, "unmount a container's root",
      vzctl_umount_usage, none, NULL },
    { "suspend", vzctl_suspend, "freeze a running container",
      vzctl_suspend_usage, none, NULL },
    { "resume", vzctl_resume, "thaw a suspended container",
      vzctl_resume_usage, none, NULL },
    { "snapshot", vzctl_snapshot, "snapshot a container (frozen while copied)",
      vzctl_snapshot_usage, vzctl_snapshot_options, NULL },
    { "snapshot-list", vzctl_snapshot_list, "list a container's snapshots",
      vzctl_snapshot_list_usage, vzctl_snapshot_list_options, NULL },
    { "snapshot-switch", vzctl_snapshot_switch, "make a stopped container's state a snapshot's",
      vzctl_snapshot_switch_usage, vzctl_snapshot_id_options, NULL },
    { "snapshot-delete", vzctl_snapshot_delete, "remove a snapshot",
      vzctl_snapshot_delete_usage, vzctl_snapshot_id_options, NULL },
    { "snapshot-mount", vzctl_snapshot_mount, "mount a snapshot read-only on a directory",
      vzctl_snapshot_mount_usage, vzctl_snapshot_mount_options, NULL },
    { "snapshot-umount", vzctl_snapshot_umount, "unmount a mounted snapshot",
      vzctl_snapshot_umount_usage, vzctl_snapshot_id_options, NULL },
    { "start-all", vzctl_start_all, "start every (--onboot: every ONBOOT) container, in BOOTORDER",
      vzctl_start_all_usage, vzctl_start_all_options, NULL },
    { "stop-all", vzctl_stop_all, "stop every running container, in reverse BOOTORDER",
      vzctl_stop_all_usage, vzctl_stop_all_options, NULL },
    { NULL, NULL, NULL, NULL, NULL, NULL },
};

int main(int argc, char **argv)
{
    vz_cli_usage_status = VZ_ESYNTAX; /* OpenVZ vzctl's code for a bad command line */
    return vz_cli_dispatch("vzctl", "Usage: vzctl [-q|-v] COMMAND CTID [OPTIONS]\n", cmds, argc, argv);
}
