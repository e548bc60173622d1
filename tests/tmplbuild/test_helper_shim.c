/* tmplbuild/deb/helper_shim: the build-time dpkg-maintscript-helper shim
 * ends only the calls that do nothing on a first install, and hands every
 * other call, with its arguments unchanged, to the real helper (here a
 * recorder); the install leaves no trace of it in the root. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/common.h"
#include "tests/tmplbuild/install_fixture.h"
#include "tmplbuild/deb/dpkgdb.h"
#include "tmplbuild/deb/helper_shim.h"

static char tmp[64];
static char *shim, *sdshim, *rec, *log_path, *sroot;

static void setup(void)
{
    snprintf(tmp, sizeof(tmp), "/tmp/vzt-shim-XXXXXX");
    cr_assert_not_null(mkdtemp(tmp));
    rec = vz_path_join(tmp, "real-helper");
    log_path = vz_path_join(tmp, "calls");
    shim = vz_path_join(tmp, "dpkg-maintscript-helper");
    vz_error_t err = NULL;
    /* the "real" helper: appends its arguments, one line per call */
    cleanup_free char *r = vz_xasprintf("#!/bin/sh\necho \"$*\" >>'%s'\n", log_path);
    cr_assert_eq(vz_write_plain(rec, r, strlen(r), 0755, &err), 0);
    cleanup_free char *text = vz_helper_shim_maintscript(rec);
    cr_assert_eq(vz_write_plain(shim, text, strlen(text), 0755, &err), 0);
    /* the systemd shim looks at a root of its own */
    sroot = vz_path_join(tmp, "sroot");
    cr_assert_eq(vz_mkdir_p(sroot, 0755, &err), 0);
    sdshim = vz_path_join(tmp, "deb-systemd-helper");
    cleanup_free char *sd = vz_helper_shim_systemd(rec, sroot);
    cr_assert_eq(vz_write_plain(sdshim, sd, strlen(sd), 0755, &err), 0);
}

static void teardown(void)
{
    vz_error_t err = NULL;
    vz_rm_rf(tmp, &err);
    vz_error_release(&err);
    free(shim);
    free(sdshim);
    free(sroot);
    free(rec);
    free(log_path);
}

TestSuite(helper_shim, .init = setup, .fini = teardown, .timeout = 60);

/* Run the shim as script `script` of package p with argv; true when the
 * call reached the real helper with exactly these arguments. */
static bool run_shim(const char *which, const char *script, const char *extra_env,
                     const char *const *argv)
{
    unlink(log_path);
    char *args[16];
    size_t n = 0;
    args[n++] = "/bin/sh";
    args[n++] = (char *)which;
    cleanup_free char *want = NULL;
    for (const char *const *a = argv; *a; a++) {
        args[n++] = (char *)*a;
        char *w = want ? vz_xasprintf("%s %s", want, *a) : vz_xstrdup(*a);
        free(want);
        want = w;
    }
    args[n] = NULL;
    cleanup_free char *name = vz_xasprintf("DPKG_MAINTSCRIPT_NAME=%s", script);
    char *env[] = { "PATH=/usr/bin:/bin", "DPKG_MAINTSCRIPT_PACKAGE=p", "DPKG_ROOT=", name,
                    (char *)extra_env, NULL };
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        execve(args[0], args, env);
        _exit(127);
    }
    int ws = 0;
    cr_assert_eq(waitpid(pid, &ws, 0), pid);
    cr_assert(WIFEXITED(ws) && WEXITSTATUS(ws) == 0, "shim exit %d", ws);
    if (access(log_path, F_OK) != 0)
        return false;
    cleanup_free char *calls = install_slurp("/", log_path + 1);
    cleanup_free char *line = vz_xasprintf("%s\n", want ? want : "");
    cr_assert_str_eq(calls, line, "the real helper got other arguments");
    return true;
}

static bool delegated(const char *script, const char *extra_env, const char *const *argv)
{
    return run_shim(shim, script, extra_env, argv);
}

static bool sd_delegated(const char *extra_env, const char *const *argv)
{
    return run_shim(sdshim, "postinst", extra_env, argv);
}

#define ARGS(...) ((const char *const[]){ __VA_ARGS__, NULL })

Test(helper_shim, first_install_noops_end_in_the_shim)
{
    cr_assert_not(delegated("preinst", NULL,
                            ARGS("rm_conffile", "/etc/a.gpg", "2017.5~~", "--", "install")));
    cr_assert_not(delegated("preinst", NULL, ARGS("rm_conffile", "/etc/a", "--", "install")));
    cr_assert_not(delegated("preinst", NULL,
                            ARGS("rm_conffile", "/etc/a", "2.0-1+deb12u1~", "p", "--", "install")));
    cr_assert_not(delegated("postinst", NULL,
                            ARGS("rm_conffile", "/etc/a", "1.0", "--", "configure", "")));
    /* an epoch (procps' and openssh's calls in debian-12 default) */
    cr_assert_not(delegated("preinst", NULL,
                            ARGS("rm_conffile", "/etc/a", "2:3.3.16-4~", "procps", "--", "install")));
    cr_assert_not(delegated("postinst", NULL,
                            ARGS("rm_conffile", "/etc/a", "1:7.9p1-8~", "--", "configure", "")));
    cr_assert_not(delegated("preinst", NULL,
                            ARGS("rm_conffile", "/etc/a", "123456789:1", "--", "install")));
    cr_assert_not(delegated("postinst", NULL,
                            ARGS("mv_conffile", "/etc/a", "/etc/b", "1.0", "--", "configure", "")));
    cr_assert_not(delegated("preinst", NULL,
                            ARGS("dir_to_symlink", "/usr/share/z/Africa", "../Africa", "2022g-1~",
                                 "--", "install")));
    cr_assert_not(delegated("postinst", NULL,
                            ARGS("dir_to_symlink", "/nonexistent/vzt/Africa/", "../Africa",
                                 "2022g-1~", "--", "configure", "")));
    cr_assert_not(delegated("postinst", NULL,
                            ARGS("symlink_to_dir", "/nonexistent/vzt/l", "../x", "1.0", "--",
                                 "configure", "")));
}

Test(helper_shim, every_other_call_reaches_the_real_helper)
{
    /* an upgrade: the helper has work to do */
    cr_assert(delegated("preinst", NULL,
                        ARGS("rm_conffile", "/etc/a", "2.0", "--", "upgrade", "1.0")));
    cr_assert(delegated("preinst", NULL,
                        ARGS("rm_conffile", "/etc/a", "2.0", "--", "install", "1.0")));
    cr_assert(delegated("postinst", NULL,
                        ARGS("rm_conffile", "/etc/a", "2.0", "--", "configure", "1.0")));
    cr_assert(delegated("postrm", NULL, ARGS("rm_conffile", "/etc/a", "2.0", "--", "purge")));
    /* arguments the real helper may refuse: it must see them */
    cr_assert(delegated("preinst", NULL, ARGS("rm_conffile", "etc/a", "2.0", "--", "install")));
    cr_assert(delegated("preinst", NULL, ARGS("rm_conffile", "/etc/a", "1:", "--", "install")));
    cr_assert(delegated("preinst", NULL, ARGS("rm_conffile", "/etc/a", ":2.0", "--", "install")));
    cr_assert(delegated("preinst", NULL, ARGS("rm_conffile", "/etc/a", "a:2.0", "--", "install")));
    cr_assert(delegated("preinst", NULL, ARGS("rm_conffile", "/etc/a", "1:2:0", "--", "install")));
    cr_assert(delegated("preinst", NULL, ARGS("rm_conffile", "/etc/a", "1:v2", "--", "install")));
    cr_assert(delegated("preinst", NULL,
                        ARGS("rm_conffile", "/etc/a", "1234567890:2.0", "--", "install")));
    cr_assert(delegated("preinst", NULL, ARGS("rm_conffile", "/etc/a", "2.0-", "--", "install")));
    cr_assert(delegated("preinst", NULL, ARGS("rm_conffile", "/etc/a", "v2", "--", "install")));
    cr_assert(delegated("preinst", NULL, ARGS("rm_conffile", "/etc/a", "2 0", "--", "install")));
    cr_assert(delegated("preinst", NULL, ARGS("rm_conffile", "/etc/a", "2.0")));
    cr_assert(delegated("preinst", NULL, ARGS("rm_conffile", "/etc/a", "2.0", "--")));
    cr_assert(delegated("preinst", NULL,
                        ARGS("rm_conffile", "/etc/a", "2.0", "p", "x", "--", "install")));
    cr_assert(delegated("preinst", NULL, ARGS("mv_conffile", "/a", "b", "1.0", "--", "install")));
    cr_assert(delegated("preinst", NULL, ARGS("dir_to_symlink", "/", "../A", "--", "install")));
    cr_assert(delegated("preinst", NULL, ARGS("dir_to_symlink", "/x", "", "--", "install")));
    cr_assert(delegated("preinst", NULL, ARGS("symlink_to_dir", "/x/", "y", "--", "install")));
    cr_assert(delegated("preinst", NULL, ARGS("supports", "rm_conffile")));
    cr_assert(delegated("preinst", NULL, ARGS("--version")));
    /* an environment the shim does not reason about */
    cr_assert(delegated("preinst", "DPKG_ROOT=/x", ARGS("rm_conffile", "/etc/a", "--", "install")));
    cr_assert(delegated("preinst", "DPKG_DEBUG=1", ARGS("rm_conffile", "/etc/a", "--", "install")));
    /* what a preinst left for its postinst to finish */
    cleanup_free char *dir = vz_path_join(tmp, "zone/Africa");
    cleanup_free char *bak = vz_xasprintf("%s.dpkg-backup", dir);
    vz_error_t err = NULL;
    cr_assert_eq(vz_mkdir_p(bak, 0755, &err), 0);
    cr_assert(delegated("postinst", NULL,
                        ARGS("dir_to_symlink", dir, "../Africa", "1.0", "--", "configure", "")));
    cleanup_free char *lnk = vz_path_join(tmp, "l");
    cleanup_free char *lbak = vz_xasprintf("%s.dpkg-backup", lnk);
    cr_assert_eq(symlink("x", lbak), 0);
    cr_assert(delegated("postinst", NULL,
                        ARGS("symlink_to_dir", lnk, "x", "1.0", "--", "configure", "")));
}

Test(helper_shim, install_and_remove)
{
    cleanup_free char *root = vz_path_join(tmp, "root");
    vz_error_t err = NULL;
    cr_assert_eq(vz_mkdir_p(root, 0755, &err), 0);
    cr_assert_eq(vz_helper_shim_install(root, &err), 0, "%s", err ? err->msg : "");
    cleanup_free char *p = vz_xasprintf("%s%s/dpkg-maintscript-helper", root, VZ_HELPER_SHIM_DIR);
    struct stat st;
    cr_assert_eq(stat(p, &st), 0);
    cr_assert_eq(st.st_mode & 07777, 0755);
    cleanup_free char *q = vz_xasprintf("%s%s/deb-systemd-helper", root, VZ_HELPER_SHIM_DIR);
    cr_assert_eq(stat(q, &st), 0);
    cr_assert_eq(st.st_mode & 07777, 0755);
    cr_assert_eq(vz_helper_shim_remove(root, &err), 0);
    cleanup_free char *d = vz_xasprintf("%s%s", root, VZ_HELPER_SHIM_DIR);
    cr_assert_eq(access(d, F_OK), -1);
    cr_assert_eq(vz_helper_shim_remove(root, &err), 0, "removing twice is not an error");
}

static void sd_mk(const char *rel, bool link)
{
    cleanup_free char *p = vz_path_join(sroot, rel);
    cleanup_free char *d = vz_xstrdup(p);
    *strrchr(d, '/') = '\0';
    vz_error_t err = NULL;
    cr_assert_eq(vz_mkdir_p(d, 0755, &err), 0);
    if (link)
        cr_assert_eq(symlink("/dev/null", p), 0);
    else
        cr_assert_eq(vz_write_plain(p, "x\n", 2, 0644, &err), 0);
}

static void sd_rm(const char *rel)
{
    cleanup_free char *p = vz_path_join(sroot, rel);
    vz_error_t err = NULL;
    cr_assert_eq(vz_rm_rf(p, &err), 0);
}

Test(helper_shim, systemd_first_install_queries_end_in_the_shim)
{
    cr_assert_not(sd_delegated(NULL, ARGS("unmask", "fstrim.timer")));
    cr_assert_not(sd_delegated(NULL, ARGS("unmask", "a.service", "b@.service")));
    cr_assert_not(sd_delegated(NULL, ARGS("--quiet", "was-enabled", "fstrim.timer")));
    /* another unit's state is no business of this one's */
    sd_mk("var/lib/systemd/deb-systemd-helper-enabled/other.timer.dsh-also", false);
    cr_assert_not(sd_delegated(NULL, ARGS("--quiet", "was-enabled", "fstrim.timer")));
}

Test(helper_shim, systemd_every_other_call_reaches_the_real_helper)
{
    /* what does the work */
    cr_assert(sd_delegated(NULL, ARGS("enable", "fstrim.timer")));
    cr_assert(sd_delegated(NULL, ARGS("update-state", "fstrim.timer")));
    cr_assert(sd_delegated(NULL, ARGS("--quiet", "debian-installed", "fstrim.timer")));
    cr_assert(sd_delegated(NULL, ARGS("was-enabled", "fstrim.timer")), "prints 'enabled'");
    cr_assert(sd_delegated(NULL, ARGS("--user", "unmask", "fstrim.timer")));
    cr_assert(sd_delegated(NULL, ARGS("unmask", "--user", "fstrim.timer")));
    cr_assert(sd_delegated(NULL, ARGS("unmask", "/lib/systemd/system/fstrim.timer")));
    cr_assert(sd_delegated(NULL, ARGS("unmask")));
    cr_assert(sd_delegated("DPKG_ROOT=/x", ARGS("unmask", "fstrim.timer")));
    cr_assert(sd_delegated("_DEB_SYSTEMD_HELPER_DEBUG=1", ARGS("unmask", "fstrim.timer")));
    cr_assert(sd_delegated("DPKG_MAINTSCRIPT_PACKAGE=", ARGS("unmask", "fstrim.timer")));
    /* state that makes the calls do something */
    sd_mk("etc/systemd/system/fstrim.timer", true);
    cr_assert(sd_delegated(NULL, ARGS("unmask", "a.timer", "fstrim.timer")));
    sd_rm("etc/systemd/system/fstrim.timer");
    sd_mk("var/lib/systemd/deb-systemd-helper-masked/x", false);
    cr_assert(sd_delegated(NULL, ARGS("unmask", "fstrim.timer")), "removes the empty dirs");
    sd_rm("var/lib/systemd/deb-systemd-helper-masked");
    sd_mk("var/lib/systemd/deb-systemd-user-helper-masked/x", false);
    cr_assert(sd_delegated(NULL, ARGS("unmask", "fstrim.timer")));
    sd_rm("var/lib/systemd/deb-systemd-user-helper-masked");
    cr_assert_not(sd_delegated(NULL, ARGS("unmask", "fstrim.timer")));
    sd_mk("var/lib/systemd/deb-systemd-helper-enabled/fstrim.timer.dsh-also", false);
    cr_assert(sd_delegated(NULL, ARGS("--quiet", "was-enabled", "fstrim.timer")));
}

Test(helper_shim, a_missing_helper_is_not_found)
{
    /* no real helper in the root: the call fails as "not found" would */
    cleanup_free char *gone = vz_path_join(tmp, "no-such-helper");
    cleanup_free char *text = vz_helper_shim_maintscript(gone);
    vz_error_t err = NULL;
    cr_assert_eq(vz_write_plain(shim, text, strlen(text), 0755, &err), 0);
    char *args[] = { "/bin/sh", shim, "rm_conffile", "/etc/a", "--", "install", NULL };
    char *env[] = { "PATH=/usr/bin:/bin", "DPKG_MAINTSCRIPT_PACKAGE=p", "DPKG_ROOT=",
                    "DPKG_MAINTSCRIPT_NAME=preinst", NULL };
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        int fd = open("/dev/null", O_WRONLY);
        dup2(fd, 2);
        execve(args[0], args, env);
        _exit(1);
    }
    int ws = 0;
    cr_assert_eq(waitpid(pid, &ws, 0), pid);
    cr_assert(WIFEXITED(ws) && WEXITSTATUS(ws) == 127, "status %d", ws);
}
