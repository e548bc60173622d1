/* vzctl create/set/destroy and vzlist as an admin runs them: a signed cache
 * made by the store, the binaries from build/bin, exit codes and messages. */
#include <criterion/criterion.h>
#include <crypt.h>
#include <jansson.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/common.h"
#include "tests/vpscore/fixture.h"
#include "vpscore/ctconf.h"

static struct fx fx;

static void setup(void) { fx_setup_signed(&fx, NULL); }
static void teardown(void) { fx_teardown(&fx); }

TestSuite(cli, .init = setup, .fini = teardown, .timeout = 300);

#define NAME "test-1-x86_64-minimal"

static char *slurp(const char *rel)
{
    char *p = fx_path(&fx, rel);
    char *d = NULL;
    vz_error_t err = NULL;
    int r = vz_read_file(p, &d, NULL, &err);
    vz_error_release(&err);
    free(p);
    return r < 0 ? NULL : d;
}

Test(cli, create_list_set_destroy)
{
    char *out = NULL;
    int st = fx_runl(&out, "vzctl", "create", "101", "--ostemplate", NAME, "--hostname", "ct101",
                 "--ipadd", "10.55.0.2", "--ipadd", "10.55.0.3", NULL);
    cr_assert_eq(st, 0, "%s", out);
    cr_assert_not_null(strstr(out, "Creating container private area (" NAME ")"), "%s", out);
    cr_assert_not_null(strstr(out, "Container private area was created"), "%s", out);
    free(out);
    st = fx_runl(&out, "vzctl", "create", "web1", "--ostemplate", NAME, "--layout", "plain", NULL);
    cr_assert_eq(st, 0, "%s", out);
    free(out);

    /* default vzlist shows running ones only: none here */
    st = fx_runl(&out, "vzlist", NULL);
    cr_assert_eq(st, 0);
    cr_assert_str_eq(out, "      CTID      NPROC STATUS    IP_ADDR         HOSTNAME\n");
    free(out);
    st = fx_runl(&out, "vzlist", "-a", NULL);
    cr_assert_eq(st, 0);
    cr_assert_str_eq(out, "      CTID      NPROC STATUS    IP_ADDR         HOSTNAME\n"
                          "       101          - stopped   10.55.0.2 10.55.0.3 ct101\n"
                          "      web1          - stopped   -               -\n");
    free(out);
    st = fx_runl(&out, "vzlist", "-a", "-H", "-o", "ctid,layout,ostemplate", "-s", "-ctid", NULL);
    cr_assert_eq(st, 0);
    cr_assert_str_eq(out, "      web1 plain   " NAME "\n       101 overlay " NAME "\n");
    free(out);
    st = fx_runl(&out, "vzlist", "-a", "-j", "-o", "ctid,ip,status,numproc,onboot", NULL);
    cr_assert_eq(st, 0);
    json_error_t je;
    json_t *j = json_loads(out, 0, &je);
    cr_assert_not_null(j, "not JSON: %s", out);
    cr_assert_eq(json_array_size(j), 2);
    json_t *c0 = json_array_get(j, 0);
    cr_assert_eq(json_integer_value(json_object_get(c0, "ctid")), 101);
    cr_assert_str_eq(json_string_value(json_array_get(json_object_get(c0, "ip"), 1)), "10.55.0.3");
    cr_assert_str_eq(json_string_value(json_object_get(c0, "status")), "stopped");
    cr_assert(json_is_null(json_object_get(c0, "numproc")));
    cr_assert(json_is_false(json_object_get(c0, "onboot")));
    cr_assert_str_eq(json_string_value(json_object_get(json_array_get(j, 1), "ctid")), "web1");
    json_decref(j);
    free(out);
    st = fx_runl(&out, "vzlist", "-H", "-o", "ctid", "web1", "nosuch", NULL);
    cr_assert_eq(st, 14, "%s", out);
    cr_assert_str_eq(out, "vzlist: error: container nosuch not found (vzlist -a lists every container)\n      web1\n");
    free(out);
    st = fx_runl(&out, "vzlist", "-S", "-1", NULL);
    cr_assert_eq(st, 0);
    cr_assert_str_eq(out, "       101\n      web1\n");
    free(out);
    st = fx_runl(&out, "vzlist", "-o", "nosuch", NULL);
    cr_assert_eq(st, 21);
    cr_assert_str_eq(out, "vzlist: error: -o: unknown field 'nosuch'; valid fields: ctid, numproc, "
                          "status, ip, hostname, name, description, ostemplate, layout, private, root, onboot, "
                          "bootorder, disabled, physpages.l, swappages.l, numproc.l, cpulimit, cpuunits, cpus, "
                          "diskspace, diskspace.s, diskspace.h, diskinodes, diskinodes.s, diskinodes.h\n");
    free(out);
    st = fx_runl(&out, "vzlist", "-a", "-o", "ctid,hostnme", NULL);
    cr_assert_eq(st, 21);
    cr_assert_not_null(strstr(out, "-o: unknown field 'hostnme'; valid fields: ctid,"), "%s", out);
    free(out);
    st = fx_runl(&out, "vzlist", "-a", "-o", "ctid,,ip", NULL);
    cr_assert_eq(st, 21);
    cr_assert_not_null(strstr(out, "-o: empty field name; valid fields: ctid,"), "%s", out);
    free(out);
    st = fx_runl(&out, "vzlist", "-a", "-s", "-nosuch", NULL);
    cr_assert_eq(st, 21);
    cr_assert_not_null(strstr(out, "vzlist: error: -s: unknown field 'nosuch'; valid fields: ctid,"),
                       "%s", out);
    free(out);

    /* an address another container has: 78, as vzctl */
    st = fx_runl(&out, "vzctl", "create", "102", "--ostemplate", NAME, "--ipadd", "10.55.0.3", NULL);
    cr_assert_eq(st, 78, "%s", out);
    cr_assert_not_null(strstr(out, "IP address 10.55.0.3 is already used by container 101"), "%s", out);
    free(out);
    st = fx_runl(&out, "vzctl", "set", "web1", "--ipadd", "10.55.0.2", "--save", NULL);
    cr_assert_eq(st, 78, "%s", out);
    free(out);
    /* a malformed address: 71, a malformed DNS server: 72, as vzctl;
     * nothing is made or changed */
    static const char *const badip[] = { "300.1.1.1", "10.55.0.9/33", "web", "127.0.0.1", "10.55.0.9/255.0.255.0" };
    for (size_t i = 0; i < VZ_ARRAY_SIZE(badip); i++) {
        st = fx_runl(&out, "vzctl", "create", "103", "--ostemplate", NAME, "--ipadd", badip[i], NULL);
        cr_assert_eq(st, 71, "create --ipadd %s: %s", badip[i], out);
        cr_assert_not_null(strstr(out, "--ipadd"), "%s", out);
        free(out);
        st = fx_runl(&out, "vzctl", "set", "101", "--ipadd", badip[i], "--save", NULL);
        cr_assert_eq(st, 71, "set --ipadd %s: %s", badip[i], out);
        free(out);
        st = fx_runl(&out, "vzctl", "set", "101", "--ipdel", badip[i], "--save", NULL);
        cr_assert_eq(st, 71, "set --ipdel %s: %s", badip[i], out);
        free(out);
    }
    cr_assert_eq(fx_count(&fx, "vz/private/103"), -1, "a refused create left its private area");
    st = fx_runl(&out, "vzctl", "set", "101", "--nameserver", "10.55.9.300", "--save", NULL);
    cr_assert_eq(st, 72, "%s", out);
    free(out);
    st = fx_runl(&out, "vzctl", "create", "103", "--ostemplate", NAME, "--nameserver", "ns1", NULL);
    cr_assert_eq(st, 72, "%s", out);
    free(out);
    char *cf = slurp("etc/vz/conf/101.conf");
    cr_assert_not_null(strstr(cf, "IP_ADDRESS=\"10.55.0.2 10.55.0.3\""), "changed by a refused set: %s", cf);
    cr_assert_null(strstr(cf, "10.55.9.300"), "%s", cf);
    free(cf);

    /* set on a stopped container needs --save */
    st = fx_runl(&out, "vzctl", "set", "101", "--ram", "256M", NULL);
    cr_assert_eq(st, 20, "%s", out);
    cr_assert_not_null(strstr(out, "is not running: nothing applied; add --save"), "%s", out);
    free(out);
    char *conf = slurp("etc/vz/conf/101.conf");
    cr_assert_not_null(strstr(conf, "PHYSPAGES=\"0:131072\""), "changed without --save: %s", conf);
    free(conf);
    st = fx_runl(&out, "vzctl", "set", "101", "--ram", "256M", "--swap", "64M", "--cpulimit", "50",
             "--cpus", "1", "--cpuunits", "2000", "--numproc", "128", "--onboot", "yes",
             "--hostname", "renamed", "--ipdel", "10.55.0.2", "--ipadd", "10.55.0.4",
             "--nameserver", "10.55.9.53", "--searchdomain", "example.test", "--save", NULL);
    cr_assert_eq(st, 0, "%s", out);
    free(out);
    conf = slurp("etc/vz/conf/101.conf");
    const char *want[] = { "PHYSPAGES=\"0:65536\"", "SWAPPAGES=\"0:16384\"", "CPULIMIT=\"50\"", "CPUS=\"1\"",
                           "CPUUNITS=\"2000\"", "NUMPROC=\"128:128\"", "ONBOOT=\"yes\"", "HOSTNAME=\"renamed\"",
                           "IP_ADDRESS=\"10.55.0.3 10.55.0.4\"", "NAMESERVER=\"10.55.9.53\"",
                           "SEARCHDOMAIN=\"example.test\"" };
    for (size_t i = 0; i < VZ_ARRAY_SIZE(want); i++)
        cr_assert_not_null(strstr(conf, want[i]), "missing %s in:\n%s", want[i], conf);
    free(conf);
    char *h = slurp("vz/private/101/upper/etc/hostname");
    cr_assert_str_eq(h, "renamed\n");
    free(h);
    char *rc = slurp("vz/private/101/upper/etc/resolv.conf");
    cr_assert_not_null(strstr(rc, "search example.test\nnameserver 10.55.9.53\n"), "%s", rc);
    free(rc);
    st = fx_runl(&out, "vzctl", "set", "101", "--cpulimit", "lots", "--save", NULL);
    cr_assert_eq(st, 21, "%s", out);
    cr_assert_not_null(strstr(out, "--cpulimit lots: want a number"), "%s", out);
    free(out);

    st = fx_runl(&out, "vzctl", "destroy", "101", NULL);
    cr_assert_eq(st, 0, "%s", out);
    cr_assert_not_null(strstr(out, "Container private area was destroyed"), "%s", out);
    free(out);
    st = fx_runl(&out, "vzctl", "destroy", "web1", NULL);
    cr_assert_eq(st, 0, "%s", out);
    free(out);
    st = fx_runl(&out, "vzctl", "destroy", "web1", NULL);
    cr_assert_eq(st, 14, "%s", out);
    free(out);
    st = fx_runl(&out, "vzlist", "-a", "-H", NULL);
    cr_assert_eq(st, 0);
    cr_assert_str_eq(out, "");
    free(out);
    cr_assert_eq(fx_count(&fx, "vz/private"), 0);
}

/* vzctl status --json: one object, the booleans of the text line and the
 * init's pid (null while down); an invalid CTID prints nothing on stdout. */
Test(cli, status_json)
{
    char *out = NULL;
    int st = fx_runl(&out, "vzctl", "create", "101", "--ostemplate", NAME, "--layout", "plain", NULL);
    cr_assert_eq(st, 0, "%s", out);
    free(out);
    st = fx_runl(&out, "vzctl", "status", "101", "--json", NULL);
    cr_assert_eq(st, 0, "%s", out);
    json_error_t je;
    json_t *j = json_loads(out, 0, &je);
    cr_assert_not_null(j, "not JSON (%s): %s", je.text, out);
    cr_assert_eq(json_object_size(j), 8, "%s", out);
    cr_assert(json_is_object(json_object_get(j, "disk")), "%s", out); /* test_quota.c looks inside */
    cr_assert_str_eq(json_string_value(json_object_get(j, "ctid")), "101");
    cr_assert(json_is_true(json_object_get(j, "exist")), "%s", out);
    cr_assert(json_is_false(json_object_get(j, "mounted")), "%s", out);
    cr_assert(json_is_false(json_object_get(j, "running")), "%s", out);
    cr_assert(json_is_false(json_object_get(j, "suspended")), "%s", out);
    cr_assert(json_is_null(json_object_get(j, "init_pid")), "%s", out);
    cr_assert(json_is_null(json_object_get(j, "memory_events")), "down: no cgroup to count in: %s", out);
    json_decref(j);
    free(out);
    /* --json before the CTID; a container that does not exist: exit 0 */
    st = fx_runl(&out, "vzctl", "status", "--json", "999", NULL);
    cr_assert_eq(st, 0, "%s", out);
    j = json_loads(out, 0, &je);
    cr_assert_not_null(j, "not JSON (%s): %s", je.text, out);
    cr_assert_str_eq(json_string_value(json_object_get(j, "ctid")), "999");
    cr_assert(json_is_false(json_object_get(j, "exist")), "%s", out);
    json_decref(j);
    free(out);
    /* errors: the message only (stdout and stderr are one buffer here) */
    st = fx_runl(&out, "vzctl", "status", "../x", "--json", NULL);
    cr_assert_eq(st, 21, "%s", out);
    cr_assert_eq(strncmp(out, "vzctl: error: CTID '../x': ", 27), 0, "%s", out);
    cr_assert_null(strchr(out, '{'), "%s", out);
    free(out);
    /* the commands that print only progress do not take --json */
    st = fx_runl(&out, "vzctl", "start", "101", "--json", NULL);
    cr_assert_eq(st, 20, "%s", out);
    free(out);
}

Test(cli, userpasswd_sets_sha512_hash_inside)
{
    char *out = NULL;
    cr_assert_eq(fx_runl(&out, "vzctl", "create", "101", "--ostemplate", NAME, NULL), 0, "%s", out);
    free(out);
    /* overlay, stopped: shadow is copied up from the shared tree into upper */
    int st = fx_runl(&out, "vzctl", "set", "101", "--userpasswd", "user1:s3cret pass", NULL);
    cr_assert_eq(st, 0, "%s", out);
    free(out);
    char *p = fx_path(&fx, "vz/private/101/upper/etc/shadow");
    struct stat sb;
    cr_assert_eq(stat(p, &sb), 0);
    cr_assert_eq(sb.st_mode & 0777, 0640, "mode of the copied-up shadow");
    struct vz_ct ct;
    vz_error_t err = NULL;
    cr_assert_eq(vz_ct_load("101", &ct, &err), 0);
    cr_assert_eq(sb.st_gid, 42 + atol(vz_conf_get(&ct.conf, "LOCAL_GID")), "group of the copied-up shadow");
    vz_ct_release(&ct);
    free(p);
    char *sh = slurp("vz/private/101/upper/etc/shadow");
    cr_assert_not_null(strstr(sh, "root:*:19000:0:99999:7:::\n"), "root's entry changed: %s", sh);
    char *u = strstr(sh, "user1:$6$");
    cr_assert_not_null(u, "%s", sh);
    char *end = strchr(u + 6, ':');
    char *hash = vz_xasprintf("%.*s", (int)(end - u - 6), u + 6);
    cr_assert_str_eq(crypt("s3cret pass", hash), hash, "the hash does not verify");
    cr_assert_str_neq(crypt("wrong", hash), hash);
    cr_assert_eq(strlen(hash) > 3 + 16 + 1 + 80, 1, "%s", hash);
    free(hash);
    free(sh);
    /* the shared tree's shadow is untouched */
    char *lower = vz_xasprintf("vz/template/unpacked/" NAME "-%s/etc/shadow", fx.cache.tar_sha256);
    sh = slurp(lower);
    cr_assert_str_eq(sh, "root:*:19000:0:99999:7:::\nuser1:!:19000:0:99999:7:::\n");
    free(sh);
    free(lower);
    st = fx_runl(&out, "vzctl", "set", "101", "--userpasswd", "nobody:x", NULL);
    cr_assert_eq(st, 21, "%s", out);
    cr_assert_not_null(strstr(out, "user 'nobody' has no entry in the container's /etc/shadow"), "%s", out);
    free(out);
}

Test(cli, userpasswd_does_not_follow_symlinks_out)
{
    char *out = NULL;
    cr_assert_eq(fx_runl(&out, "vzctl", "create", "102", "--ostemplate", NAME, "--layout", "plain", NULL), 0, "%s", out);
    free(out);
    /* a hostile container replaces its shadow by a link to the host's */
    char *p = fx_path(&fx, "vz/private/102/etc/shadow");
    cr_assert_eq(unlink(p), 0);
    cr_assert_eq(symlink("/etc/shadow", p), 0);
    char *host_before = NULL;
    vz_error_t err = NULL;
    int have_host = vz_read_file("/etc/shadow", &host_before, NULL, &err) == 0;
    vz_error_release(&err);
    int st = fx_runl(&out, "vzctl", "set", "102", "--userpasswd", "root:x", NULL);
    /* /etc/shadow resolves inside the container to itself: a loop, refused */
    cr_assert_neq(st, 0, "followed a symlink: %s", out);
    free(out);
    if (have_host) {
        char *host_after = NULL;
        cr_assert_eq(vz_read_file("/etc/shadow", &host_after, NULL, &err), 0);
        cr_assert_str_eq(host_after, host_before, "the host's /etc/shadow changed");
        free(host_after);
    }
    free(host_before);
    free(p);
}

Test(cli, refusals_with_documented_codes_leave_nothing)
{
    char *out = NULL;
    int st = fx_runl(&out, "vzctl", "create", "101", "--ostemplate", "nosuch-1-x86_64", NULL);
    cr_assert_eq(st, 91, "%s", out);
    cr_assert_not_null(strstr(out, "nosuch-1-x86_64"), "%s", out);
    free(out);
    st = fx_runl(&out, "vzctl", "create", "../x", "--ostemplate", NAME, NULL);
    cr_assert_eq(st, 21, "%s", out);
    cr_assert_not_null(strstr(out, "vzctl: error: CTID '../x'"), "%s", out);
    free(out);
    st = fx_runl(&out, "vzctl", "create", "101", NULL);
    cr_assert_eq(st, 29, "%s", out);
    free(out);
    st = fx_runl(&out, "vzctl", "create", NULL);
    cr_assert_eq(st, 20, "%s", out);
    free(out);
    /* every option is checked before the template is looked up */
    st = fx_runl(&out, "vzctl", "create", "101", "--ostemplate", "nosuch-1-x86_64", "--layout", "bogus", NULL);
    cr_assert_eq(st, 21, "%s", out);
    cr_assert_not_null(strstr(out, "--layout bogus"), "%s", out);
    free(out);
    st = fx_runl(&out, "vzctl", "create", "101", "--ostemplate", NAME, "--config", "nosuch", NULL);
    cr_assert_eq(st, 21, "%s", out);
    cr_assert_null(strstr(out, "Creating container"), "said 'Creating' before refusing: %s", out);
    free(out);
    /* tampered tarball */
    int fd = open(fx.cache.tarball, O_RDWR);
    unsigned char b;
    cr_assert_eq(pread(fd, &b, 1, 100), 1);
    b ^= 0x80;
    cr_assert_eq(pwrite(fd, &b, 1, 100), 1);
    st = fx_runl(&out, "vzctl", "create", "101", "--ostemplate", NAME, NULL);
    cr_assert_eq(st, 204, "%s", out);
    cr_assert_not_null(strstr(out, "but the signed manifest says"), "%s", out);
    free(out);
    st = fx_runl(&out, "vzctl", "create", "101", "--ostemplate", NAME, "--layout", "plain", NULL);
    cr_assert_eq(st, 204, "%s", out);
    free(out);
    b ^= 0x80;
    cr_assert_eq(pwrite(fd, &b, 1, 100), 1);
    close(fd);
    /* tampered manifest: the signature fails before anything is unpacked */
    char *dir = fx_path(&fx, "vz/template/cache/" NAME ".manifest");
    char *m = NULL;
    vz_error_t err = NULL;
    cr_assert_eq(vz_read_file(dir, &m, NULL, &err), 0);
    char *t = strstr(m, "\"source\": \"build\"");
    cr_assert_not_null(t, "%s", m);
    t[strlen("\"source\": \"buil")] = 'T'; /* "builT": still a valid manifest, not the signed one */
    cr_assert_eq(vz_atomic_write(dir, m, strlen(m), 0644, &err), 0);
    st = fx_runl(&out, "vzctl", "create", "101", "--ostemplate", NAME, NULL);
    cr_assert_eq(st, 204, "%s", out);
    cr_assert_not_null(strstr(out, "bad signature"), "%s", out);
    free(out);
    free(m);
    free(dir);
    cr_assert_leq(fx_count(&fx, "vz/private"), 0);
    cr_assert_leq(fx_count(&fx, "etc/vz/conf"), 0);
    cr_assert_leq(fx_count(&fx, "vz/template/unpacked"), 0);
}

/* vzctl create (overlay) waits while `vzpkg clean` holds the template's tree
 * lock: it never writes a conf naming a tree clean may be removing. */
#include <sys/wait.h>
#include "cache/lock.h"

Test(cli, overlay_create_waits_for_the_tree_lock)
{
    struct vz_lock *lk = NULL;
    vz_error_t err = NULL;
    cr_assert_eq(vz_lock_tree(NAME, false, 0, &lk, &err), 0, "%s", err ? err->msg : "");
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    cr_assert_gt(n, 0);
    exe[n] = '\0';
    *strrchr(exe, '/') = '\0';
    *strrchr(exe, '/') = '\0';
    char *bin = vz_xasprintf("%s/bin/vzctl", exe);
    int p[2];
    cr_assert_eq(pipe(p), 0);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(p[1], 2);
        dup2(p[1], 1);
        close(p[0]);
        execl(bin, bin, "create", "102", "--ostemplate", NAME, "--layout", "overlay", (char *)NULL);
        _exit(127);
    }
    close(p[1]);
    cleanup_free char *want = vz_xasprintf("waiting for the shared tree of %s, locked by pid %d", NAME,
                                           (int)getpid());
    struct vz_buf b = VZ_BUF_INIT;
    vz_buf_init(&b);
    char buf[512];
    while (!strstr(b.data, want)) {
        ssize_t r = read(p[0], buf, sizeof(buf));
        if (r <= 0)
            break;
        vz_buf_add(&b, buf, (size_t)r);
    }
    cr_assert(strstr(b.data, want), "create did not wait for the lock: %s", b.data);
    char *conf = fx_path(&fx, "etc/vz/conf/102.conf");
    cr_assert_not(vz_file_exists(conf), "create wrote its conf while the tree lock was held");
    vz_lock_release(lk);
    while ((n = read(p[0], buf, sizeof(buf))) > 0)
        vz_buf_add(&b, buf, (size_t)n);
    close(p[0]);
    int ws;
    cr_assert_eq(waitpid(pid, &ws, 0), pid);
    cr_assert(WIFEXITED(ws) && WEXITSTATUS(ws) == 0, "%s", b.data);
    cr_assert(vz_file_exists(conf));
    vz_buf_release(&b);
    free(conf);
    free(bin);
}

Test(cli, vzlist_version_like_vzctl_and_vzpkg)
{
    const char *opts[] = { "--version", "-V" };
    for (size_t i = 0; i < 2; i++) {
        char *out = NULL;
        int st = fx_runl(&out, "vzlist", opts[i], NULL);
        cr_assert_eq(st, 0, "vzlist %s: exit %d\n%s", opts[i], st, out);
        cr_assert_str_eq(out, "vzlist (vzforge) " VZ_VERSION "\n");
        free(out);
    }
    char *out = NULL;
    int st = fx_runl(&out, "vzctl", "--version", NULL);
    cr_assert_eq(st, 0);
    cr_assert_str_eq(out, "vzctl (vzforge) " VZ_VERSION "\n");
    free(out);
}

/* vzlist -L -j: the fields as JSON, the same list as the text form. */
Test(cli, vzlist_fields_json)
{
    char *txt = NULL, *out = NULL;
    cr_assert_eq(fx_runl(&txt, "vzlist", "-L", NULL), 0, "%s", txt);
    cr_assert_eq(fx_runl(&out, "vzlist", "-L", "-j", NULL), 0, "%s", out);
    json_error_t je;
    json_t *j = json_loads(out, 0, &je);
    cr_assert_not_null(j, "not JSON (%s): %s", je.text, out);
    size_t lines = 0;
    for (const char *p = txt; *p; p++)
        lines += *p == '\n';
    cr_assert_eq(json_array_size(j), lines, "%s", out);
    json_t *f0 = json_array_get(j, 0);
    cr_assert_str_eq(json_string_value(json_object_get(f0, "name")), "ctid");
    cr_assert_str_eq(json_string_value(json_object_get(f0, "header")), "CTID");
    cr_assert_str_eq(json_string_value(json_object_get(f0, "description")), "container ID");
    for (size_t i = 0; i < json_array_size(j); i++) {
        const char *name = json_string_value(json_object_get(json_array_get(j, i), "name"));
        cr_assert_not_null(name);
        char *want = vz_xasprintf("%-12s ", name);
        cr_assert(strstr(txt, want), "%s not in the text list", name);
        free(want);
    }
    json_decref(j);
    free(out);
    free(txt);
}
