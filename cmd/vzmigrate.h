/* cmd/vzmigrate.h: the steps of vzmigrate and their undo
 * (cmd/vzmigrate_steps.c); the guardian that runs the undo is in
 * cmd/vzmigrate.c. */
#ifndef VZ_CMD_VZMIGRATE_H
#define VZ_CMD_VZMIGRATE_H

#include "common/common.h"

struct vzm {
    const char *dest, *ctid, *ssh_opts, *remote_root, *remote_bin;
    int keep_dst, remove_area;
    int step_fd;          /* the guardian's pipe */
    int was_running;
    int overlay;
    char *src_dir;        /* what rsync copies: VE_PRIVATE/upper or VE_PRIVATE */
    char *conf_path;      /* the source's conf */
    char *conf_tmp;       /* the conf with the destination's paths, before it is sent */
    char *remote_priv, *remote_root_dir, *remote_lower, *remote_conf;
    char *ostemplate, *local_lower;
    double downtime;
};

/* Checks before anything is copied: the container here, not on the
 * destination, the template build there (copied and verified when it is
 * missing, its shared tree unpacked), the id range free there. */
int vzm_prepare(struct vzm *m, vz_error_t *err);
/* copy, stop, copy the difference, conf, start there: each step reported
 * to the guardian before the next begins. */
int vzm_run(struct vzm *m, vz_error_t *err);
/* The undo of the steps whose bits are set (vzm_step_bit). */
unsigned vzm_step_bit(const char *name);
int vzm_undo(struct vzm *m, unsigned steps);
/* After the commit: the source destroyed (remove_area) or kept disabled. */
int vzm_finish(struct vzm *m, vz_error_t *err);
void vzm_release(struct vzm *m);

#endif
