/* vzctl: create and run containers from template caches. */
#include "cmd/cli.h"
#include "cmd/vzctl.h"

static const struct vz_subcommand cmds[] = {
    { "create", vzctl_create_light, "create a container from an OS template cache" },
    { "destroy", vzctl_destroy, "remove a stopped container's private area and config" },
    { "set", vzctl_set, "change a container's parameters (--save to keep them)" },
    { "start", vzctl_start, "start a container" },
    { "stop", vzctl_stop, "stop a container" },
    { "restart", vzctl_restart, "stop and start a container" },
    { "status", vzctl_status, "print 'CTID N exist|deleted mounted|unmounted running|down'" },
    { "enter", vzctl_enter, "open a shell inside a running container" },
    { "exec", vzctl_exec, "run a command inside a running container" },
    { "exec2", vzctl_exec2, "run a command; exit with its exit code" },
    { "mount", vzctl_mount, "mount a container's root" },
    { "umount", vzctl_umount, "unmount a container's root" },
    { "suspend", vzctl_suspend, "freeze a running container" },
    { "resume", vzctl_resume, "thaw a suspended container" },
    { "start-all", vzctl_start_all, "start every (--onboot: every ONBOOT) container, in BOOTORDER" },
    { "stop-all", vzctl_stop_all, "stop every running container, in reverse BOOTORDER" },
    { NULL, NULL, NULL },
};

int main(int argc, char **argv)
{
    return vz_cli_dispatch("vzctl", "Usage: vzctl [-q|-v] COMMAND CTID [OPTIONS]\n", cmds, argc, argv);
}
