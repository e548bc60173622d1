/* The whole life of an overlay container through the binaries an admin
 * types: vzctl create (signed cache of a busybox root), start, vzlist, set
 * on the running container, destroy refused, stop, destroy; and the same
 * create/start/stop/destroy cycle 100 times, counting mounts, cgroups,
 * veths and processes before and after. Runs in its own network and mount
 * namespaces (created first): no host interface or mount table is touched. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <sys/mount.h>
#include <unistd.h>

#include "cache/store.h"
#include "common/common.h"
#include "tests/lib/rootfs.h"
#include "tests/vpscore/bbns.h"
#include "tests/vpscore/fixture.h"
#include "tmplbuild/pack.h"
#include "vpscore/cgroup.h"
#include "vpscore/mount.h"
#include "vpscore/net.h"
#include "vpscore/runtime.h"

#define TMPL "bb-1-x86_64-minimal"

static char vzroot[64];
static char ctid[32];

static void setup(void)
{
    bbns_setup("lc", TMPL, vzroot, sizeof(vzroot), ctid, sizeof(ctid));
}

static void teardown(void)
{
    bbns_teardown(vzroot, ctid);
}

TestSuite(lifecycle, .init = setup, .fini = teardown, .timeout = 300);

static int cgroup_count(void)
{
    int n = 0;
    /* the last: a systemd host's scopes, "vz-[ID-]CTID.scope" */
    const char *dirs[] = { "/sys/fs/cgroup/memory/vzforge", "/sys/fs/cgroup/pids/vzforge",
                           "/sys/fs/cgroup/unified/vzforge", "/sys/fs/cgroup/vzforge", "/sys/fs/cgroup/vz.slice" };
    for (size_t i = 0; i < VZ_ARRAY_SIZE(dirs); i++) {
        DIR *d = opendir(dirs[i]);
        if (!d)
            continue;
        int scopes = i == VZ_ARRAY_SIZE(dirs) - 1;
        struct dirent *de;
        while ((de = readdir(d)))
            if (de->d_type == DT_DIR && (scopes ? strstr(de->d_name, ctid) != NULL
                                                : strncmp(de->d_name, ctid, strlen(ctid)) == 0))
                n++;
        closedir(d);
    }
    return n;
}

static int link_count(void)
{
    struct if_nameindex *ifs = if_nameindex();
    int n = 0;
    for (struct if_nameindex *i = ifs; i && i->if_index; i++)
        n++;
    if_freenameindex(ifs);
    return n;
}

Test(lifecycle, overlay_container_through_the_cli)
{
    char *out = NULL;
    cr_assert_eq(fx_vzctl(&out, "create", ctid, "--ostemplate", TMPL, "--hostname", "lc1", NULL), 0, "%s", out);
    free(out);
    cr_assert_eq(fx_vzctl(&out, "set", ctid, "--ipadd", "10.56.0.2", "--save", NULL), 0, "%s", out);
    free(out);
    cr_assert_eq(fx_vzctl(&out, "start", ctid, NULL), 0, "%s", out);
    free(out);

    char *lv[] = { "vzlist", "-H", "-o", "ctid,status,ip,hostname,layout", NULL };
    cr_assert_eq(fx_run(lv, &out), 0, "%s", out);
    char *want = vz_xasprintf("%10s running   10.56.0.2       lc1                  overlay\n", ctid);
    cr_assert_str_eq(out, want);
    free(want);
    free(out);
    char *lj[] = { "vzlist", "-j", "-o", "numproc", NULL };
    cr_assert_eq(fx_run(lj, &out), 0, "%s", out);
    cr_assert_null(strstr(out, "null"), "NPROC unknown for a running container: %s", out);
    free(out);

    /* live set: hostname and memory, without --save */
    cr_assert_eq(fx_vzctl(&out, "set", ctid, "--hostname", "lc2", "--ram", "64M", NULL), 0, "%s", out);
    free(out);
    cr_assert_eq(fx_vzctl(&out, "exec2", ctid, "hostname; cat /etc/hostname", NULL), 0, "%s", out);
    cr_assert_str_eq(out, "lc2\nlc2\n");
    free(out);
    struct vz_cgroup *cg = NULL;
    vz_error_t err = NULL;
    cr_assert_eq(vz_cgroup_open(ctid, &cg, &err), 0);
    char *mem = vz_cgroup_path(cg, "memory");
    char *f = vz_cgroup_version(cg) == 2 ? vz_path_join(mem, "memory.max") : vz_path_join(mem, "memory.limit_in_bytes");
    char *v = NULL;
    cr_assert_eq(vz_read_file(f, &v, NULL, &err), 0, "%s", err ? err->msg : "");
    cr_assert_str_eq(v, "67108864\n");
    free(v), free(f), free(mem);
    vz_cgroup_free(cg);
    /* the container answers on its address from this namespace (the host) */
    cr_assert(vz_net_exists(ctid));

    cr_assert_eq(fx_vzctl(&out, "destroy", ctid, NULL), 32, "%s", out);
    cr_assert_not_null(strstr(out, "is running"), "%s", out);
    free(out);
    cr_assert_eq(fx_vzctl(&out, "stop", ctid, "--fast", NULL), 0, "%s", out);
    free(out);
    /* the change made through /proc/PID/root landed in the overlay's upper */
    char *h = vz_xasprintf("%s/vz/private/%s/upper/etc/hostname", vzroot, ctid);
    cr_assert_eq(vz_read_file(h, &v, NULL, &err), 0);
    cr_assert_str_eq(v, "lc2\n");
    free(v), free(h);
    cr_assert_eq(fx_vzctl(&out, "destroy", ctid, NULL), 0, "%s", out);
    free(out);
    cr_assert_eq(cgroup_count(), 0);
    cr_assert_not(vz_net_exists(ctid));
    cr_assert_eq(vz_mounts_under(vzroot), 0);
}

Test(lifecycle, hundred_create_start_stop_destroy_leave_nothing, .timeout = 600)
{
    /* mounts are counted under VZ_ROOT only: the total of /proc/self/mountinfo
     * also moves with other jobs' mounts on this host (seen: an overlay of
     * another test vanishing from this namespace's copy) */
    int links = link_count(), procs = vzt_descendant_count();
    cr_assert_eq(vz_mounts_under(vzroot), 0);
    char *out = NULL;
    for (int i = 0; i < 100; i++) {
        int st = fx_vzctl(&out, "create", ctid, "--ostemplate", TMPL, "--ipadd", "10.56.1.2", NULL);
        cr_assert_eq(st, 0, "cycle %d create: %s", i, out);
        free(out);
        cr_assert_eq(st = fx_vzctl(&out, "start", ctid, NULL), 0, "cycle %d start: %s", i, out);
        free(out);
        cr_assert_eq(st = fx_vzctl(&out, "stop", ctid, "--fast", NULL), 0, "cycle %d stop: %s", i, out);
        free(out);
        cr_assert_eq(st = fx_vzctl(&out, "destroy", ctid, NULL), 0, "cycle %d destroy: %s", i, out);
        free(out);
    }
    cr_assert_eq(vz_mounts_under(vzroot), 0, "mounts left behind under %s", vzroot);
    cr_assert_eq(link_count(), links, "network interfaces left behind");
    cr_assert_eq(vzt_descendant_count(), procs, "processes left behind");
    cr_assert_eq(cgroup_count(), 0, "cgroups left behind");
    char *p = vz_xasprintf("%s/vz/private", vzroot);
    DIR *d = opendir(p);
    int n = 0;
    struct dirent *de;
    while (d && (de = readdir(d)))
        n += de->d_name[0] != '.';
    if (d)
        closedir(d);
    cr_assert_eq(n, 0, "private areas left behind");
    free(p);
}
