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
    cr_assert_eq(unshare(CLONE_NEWNET | CLONE_NEWNS), 0, "unshare: %s", strerror(errno));
    cr_assert_eq(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), 0);
    snprintf(vzroot, sizeof(vzroot), "/tmp/vzt-lc-XXXXXX");
    cr_assert_not_null(mkdtemp(vzroot));
    setenv("VZ_ROOT", vzroot, 1);
    setenv("SOURCE_DATE_EPOCH", "1700000000", 1);
    snprintf(ctid, sizeof(ctid), "lc%d", (int)getpid());
    vz_log_level = VZ_LOG_WARN;
    char *bb = vzt_busybox_root();
    struct vz_manifest *m = vz_manifest_new(TMPL);
    struct vz_pack_opts o = VZ_PACK_OPTS_INIT;
    vz_error_t err = NULL;
    cr_assert_eq(vz_pack_to_cache(bb, m, &o, 5, NULL, &err), 0, "pack: %s", err ? err->msg : "");
    vz_manifest_free(m);
    vzt_root_remove(bb);
}

static void teardown(void)
{
    vz_error_t err = NULL;
    if (vz_ct_init_pid(ctid, NULL) && vz_ct_stop(ctid, 1, &err) < 0)
        vz_error_release(&err);
    vz_rm_rf(vzroot, &err);
    vz_error_release(&err);
}

TestSuite(lifecycle, .init = setup, .fini = teardown);

static int vzctl(char **out, const char *a1, const char *a2, const char *a3, const char *a4,
                 const char *a5, const char *a6)
{
    char *argv[] = { "vzctl", (char *)a1, ctid, (char *)a2, (char *)a3, (char *)a4, (char *)a5, (char *)a6, NULL };
    return fx_run(argv, out);
}

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
    cr_assert_eq(vzctl(&out, "create", "--ostemplate", TMPL, "--hostname", "lc1", NULL), 0, "%s", out);
    free(out);
    cr_assert_eq(vzctl(&out, "set", "--ipadd", "10.56.0.2", "--save", NULL, NULL), 0, "%s", out);
    free(out);
    cr_assert_eq(vzctl(&out, "start", NULL, NULL, NULL, NULL, NULL), 0, "%s", out);
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
    cr_assert_eq(vzctl(&out, "set", "--hostname", "lc2", "--ram", "64M", NULL), 0, "%s", out);
    free(out);
    cr_assert_eq(vzctl(&out, "exec2", "hostname; cat /etc/hostname", NULL, NULL, NULL, NULL), 0, "%s", out);
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

    cr_assert_eq(vzctl(&out, "destroy", NULL, NULL, NULL, NULL, NULL), 32, "%s", out);
    cr_assert_not_null(strstr(out, "is running"), "%s", out);
    free(out);
    cr_assert_eq(vzctl(&out, "stop", "--fast", NULL, NULL, NULL, NULL), 0, "%s", out);
    free(out);
    /* the change made through /proc/PID/root landed in the overlay's upper */
    char *h = vz_xasprintf("%s/vz/private/%s/upper/etc/hostname", vzroot, ctid);
    cr_assert_eq(vz_read_file(h, &v, NULL, &err), 0);
    cr_assert_str_eq(v, "lc2\n");
    free(v), free(h);
    cr_assert_eq(vzctl(&out, "destroy", NULL, NULL, NULL, NULL, NULL), 0, "%s", out);
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
        int st = vzctl(&out, "create", "--ostemplate", TMPL, "--ipadd", "10.56.1.2", NULL);
        cr_assert_eq(st, 0, "cycle %d create: %s", i, out);
        free(out);
        cr_assert_eq(st = vzctl(&out, "start", NULL, NULL, NULL, NULL, NULL), 0, "cycle %d start: %s", i, out);
        free(out);
        cr_assert_eq(st = vzctl(&out, "stop", "--fast", NULL, NULL, NULL, NULL), 0, "cycle %d stop: %s", i, out);
        free(out);
        cr_assert_eq(st = vzctl(&out, "destroy", NULL, NULL, NULL, NULL, NULL), 0, "cycle %d destroy: %s", i, out);
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
