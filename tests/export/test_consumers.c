/* The exports judged by the tools that consume them, installed from
 * Debian (skopeo, umoci, podman + runc, lxc, lxd): each must accept its
 * format and run `cat /etc/debian_version` in it. A test skips, saying so,
 * only when its tool is not installed. Everything the tools make (storage,
 * containers, the LXD daemon) lives under the test's /tmp/vzt-export-*
 * directory and is stopped and removed before the test ends. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/common.h"
#include "fixture.h"

TestSuite(consumers, .init = (void (*)(void))vzt_export_setup, .fini = vzt_export_teardown,
          .timeout = 600);

static void need(const char *prog, const char *pkg)
{
    if (!vzt_have(prog)) {
        /* a skipped test's .fini does not run: remove the fixture here */
        vzt_export_teardown();
        cr_skip_test("%s is not installed (Debian package %s: make deps)", prog, pkg);
    }
}

static json_t *export_ok(const char *formats)
{
    cleanup_free char *dir = vzt_export_path("out");
    int st = -1;
    json_t *r = vzt_export_cli(VZT_EXPORT_NAME, formats, dir, &st);
    cr_assert_eq(st, 0, "vzpkg export --format %s: exit %d", formats, st);
    cr_assert_not_null(r);
    return r;
}

static const char *str(json_t *o, const char *k)
{
    const char *v = json_string_value(json_object_get(o, k));
    cr_assert_not_null(v, "no field %s", k);
    return v;
}

static void assert_no_mounts_left(void)
{
    int n = vzt_export_mounts();
    cr_assert_eq(n, 0, "%d mounts left under the test's directory", n);
}

Test(consumers, skopeo_inspects_the_oci_layout)
{
    need("skopeo", "skopeo");
    json_t *r = export_ok("oci");
    json_t *o = vzt_export_output(r, "oci");
    cleanup_free char *dig = vzt_sh_out("skopeo inspect 'oci:%s:latest' | jq -r .Digest",
                                        str(o, "path"));
    cr_assert_str_eq(dig, str(o, "manifest_digest"));
    cleanup_free char *arch = vzt_sh_out("skopeo inspect 'oci:%s:latest' | jq -r .Architecture",
                                         str(o, "path"));
    cr_assert_str_eq(arch, "amd64");
    json_decref(r);
}

Test(consumers, umoci_unpacks_the_oci_image)
{
    need("umoci", "umoci");
    json_t *r = export_ok("oci");
    cleanup_free char *bundle = vzt_export_path("bundle");
    cr_assert_eq(vzt_sh("umoci unpack --image '%s:latest' '%s'",
                        str(vzt_export_output(r, "oci"), "path"), bundle), 0);
    cleanup_free char *ver = vzt_sh_out("cat '%s/rootfs/etc/debian_version'", bundle);
    cr_assert_str_eq(ver, VZT_DEBIAN_VERSION);
    cleanup_free char *init = vzt_sh_out("readlink '%s/rootfs/sbin/init'", bundle);
    cr_assert_str_eq(init, "../bin/busybox");
    json_decref(r);
}

/* podman with its own storage under the test's directory. runc, not crun:
 * crun refuses a hybrid cgroup layout; explicit ulimits: root here lacks
 * CAP_SYS_RESOURCE, so podman's default raise of nofile fails. */
#define PODMAN "podman --root '%s/storage' --runroot '%s/run' --tmpdir '%s/tmp' " \
               "--cgroup-manager cgroupfs --events-backend file --storage-driver vfs"
#define PODMAN_RUN "run --rm --runtime runc --network none " \
                   "--ulimit nofile=1024:1024 --ulimit nproc=4096:4096"

Test(consumers, podman_runs_the_oci_image_and_the_imported_rootfs)
{
    need("podman", "podman");
    need("runc", "runc");
    json_t *r = export_ok("oci,rootfs");
    cleanup_free char *p = vzt_export_path("podman");
    cr_assert_eq(vzt_sh("mkdir -p '%s/tmp'", p), 0);
    /* a relative layout path: podman names the image after the path, and
     * an image name must be lower case (the test directory is not) */
    cleanup_free char *out = vzt_export_path("out");
    cleanup_free char *ver = vzt_sh_out("cd '%s' && " PODMAN " " PODMAN_RUN
                                        " 'oci:" VZT_EXPORT_NAME ".oci:latest' cat /etc/debian_version",
                                        out, p, p, p);
    cr_assert_str_eq(ver, VZT_DEBIAN_VERSION, "podman run of the OCI layout printed '%s'", ver);
    cr_assert_eq(vzt_sh(PODMAN " import '%s' localhost/vzt-export:imported", p, p, p,
                        str(vzt_export_file(r, "rootfs", "rootfs"), "path")), 0);
    cleanup_free char *ver2 = vzt_sh_out(PODMAN " " PODMAN_RUN
                                         " localhost/vzt-export:imported cat /etc/debian_version",
                                         p, p, p);
    cr_assert_str_eq(ver2, VZT_DEBIAN_VERSION, "podman run of the import printed '%s'", ver2);
    cleanup_free char *ps = vzt_sh_out(PODMAN " ps -aq", p, p, p);
    cr_assert_str_eq(ps, "", "containers left: %s", ps);
    vzt_sh(PODMAN " rmi -a -f >/dev/null", p, p, p);
    assert_no_mounts_left();
    json_decref(r);
}

Test(consumers, lxc_creates_starts_and_attaches)
{
    need("lxc-create", "lxc");
    need("xz", "xz-utils");
    if (!vz_file_exists("/usr/share/lxc/config/debian.common.conf"))
        cr_skip_test("/usr/share/lxc/config/debian.common.conf missing (Debian package "
                     "lxc-templates, which lxc recommends)");
    json_t *r = export_ok("lxc");
    cleanup_free char *lp = vzt_export_path("lxc");
    cleanup_free char *conf = vzt_export_path("lxc.conf");
    /* no network (no bridge on a test host), no AppArmor profile to load */
    cr_assert_eq(vzt_sh("mkdir -p '%s' && printf 'lxc.net.0.type = empty\\n"
                        "lxc.apparmor.profile = unconfined\\n' > '%s'", lp, conf), 0);
    int created = vzt_sh("lxc-create -P '%s' -n vzt1 -f '%s' -t local -- --metadata '%s' "
                         "--fstree '%s'", lp, conf, str(vzt_export_file(r, "lxc", "meta"), "path"),
                         str(vzt_export_file(r, "lxc", "rootfs"), "path"));
    cr_assert_eq(created, 0, "lxc-create failed");
    cleanup_free char *hn = vzt_sh_out("cat '%s/vzt1/rootfs/etc/hostname'", lp);
    cr_assert_str_eq(hn, "vzt1", "the hostname template was not applied: '%s'", hn);
    int started = vzt_sh("lxc-start -P '%s' -n vzt1 && lxc-wait -P '%s' -n vzt1 -s RUNNING -t 60",
                         lp, lp);
    cleanup_free char *state = vzt_sh_out("lxc-info -P '%s' -n vzt1 -sH", lp);
    cleanup_free char *ver = vzt_sh_out("lxc-attach -P '%s' -n vzt1 -- cat /etc/debian_version", lp);
    vzt_sh("lxc-stop -P '%s' -n vzt1 -k; lxc-destroy -P '%s' -n vzt1", lp, lp);
    cr_assert_eq(started, 0, "lxc-start did not reach RUNNING");
    cr_assert_str_eq(state, "RUNNING");
    cr_assert_str_eq(ver, VZT_DEBIAN_VERSION, "lxc-attach printed '%s'", ver);
    cleanup_free char *left = vzt_sh_out("lxc-ls -P '%s'", lp);
    cr_assert_str_eq(left, "", "containers left: %s", left);
    assert_no_mounts_left();
    json_decref(r);
}

/* ---- LXD: a daemon of the test's own (LXD_DIR under the test dir), a dir
 * storage pool, no network; shut down and waited for at the end ---- */

static pid_t lxd_start(const char *d)
{
    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        setenv("LXD_DIR", d, 1);
        /* LXD fetches instance types from its image server at start: send
         * that to a closed port on loopback rather than out */
        setenv("https_proxy", "http://127.0.0.1:9", 1);
        setenv("http_proxy", "http://127.0.0.1:9", 1);
        unsetenv("no_proxy");
        setsid();
        cleanup_free char *log = vz_xasprintf("%s.log", d);
        execlp("lxd", "lxd", "--logfile", log, (char *)NULL);
        _exit(127);
    }
    return pid;
}

static void lxd_stop(const char *d, pid_t pid)
{
    vzt_sh("LXD_DIR='%s' timeout 120 lxd shutdown", d);
    for (int i = 0; i < 600; i++) { /* 60 s */
        if (waitpid(pid, NULL, WNOHANG) == pid)
            return;
        usleep(100000);
    }
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
}

Test(consumers, lxd_imports_unified_and_split_and_launches_both)
{
    need("lxd", "lxd");
    need("lxc", "lxd-client");
    json_t *r = export_ok("incus");
    json_t *o = vzt_export_output(r, "incus");
    cleanup_free char *d = vzt_export_path("lxd");
    cr_assert_eq(vzt_sh("mkdir -m 0711 '%s'", d), 0);
    pid_t pid = lxd_start(d);
#define LXC "LXD_DIR='%s' lxc "
    int ready = vzt_sh("LXD_DIR='%s' lxd waitready --timeout 120", d);
    int pool = ready ? -1
                     : vzt_sh(LXC "storage create vzt dir && " LXC
                              "profile device add default root disk path=/ pool=vzt", d, d);
    cleanup_free char *fu = vzt_sh_out(LXC "image import '%s' --alias vzt-unified 2>&1", d,
                                       str(vzt_export_file(r, "incus", "unified"), "path"));
    cleanup_free char *fs = vzt_sh_out(LXC "image import '%s' '%s' --alias vzt-split 2>&1", d,
                                       str(vzt_export_file(r, "incus", "meta"), "path"),
                                       str(vzt_export_file(r, "incus", "rootfs"), "path"));
    int l1 = vzt_sh(LXC "launch vzt-unified vzt-u", d);
    int l2 = vzt_sh(LXC "launch vzt-split vzt-s", d);
    cleanup_free char *state = vzt_sh_out(LXC "list -c ns --format csv", d);
    cleanup_free char *ver = vzt_sh_out(LXC "exec vzt-u -- cat /etc/debian_version", d);
    cleanup_free char *hn = vzt_sh_out(LXC "exec vzt-s -- cat /etc/hostname", d);
    cleanup_free char *arch = vzt_sh_out(LXC "image list vzt-unified -c a --format csv", d);
    vzt_sh(LXC "delete -f vzt-u vzt-s", d);
    lxd_stop(d, pid);
    cr_assert_eq(ready, 0, "lxd did not become ready");
    cr_assert_eq(pool, 0, "storage pool");
    cleanup_free char *want_u = vz_xasprintf("Image imported with fingerprint: %s",
                                             str(o, "fingerprint"));
    cleanup_free char *want_s = vz_xasprintf("Image imported with fingerprint: %s",
                                             str(o, "split_fingerprint"));
    cr_assert(strstr(fu, want_u), "unified import: %s", fu);
    cr_assert(strstr(fs, want_s), "split import: %s", fs);
    cr_assert_eq(l1, 0, "lxc launch of the unified image");
    cr_assert_eq(l2, 0, "lxc launch of the split image");
    cr_assert(strstr(state, "vzt-u,RUNNING") && strstr(state, "vzt-s,RUNNING"), "%s", state);
    cr_assert_str_eq(ver, VZT_DEBIAN_VERSION);
    cr_assert_str_eq(hn, "vzt-s", "the hostname template was not applied: '%s'", hn);
    cr_assert_str_eq(arch, "x86_64");
    assert_no_mounts_left();
    json_decref(r);
}
