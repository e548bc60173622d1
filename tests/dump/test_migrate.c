/* vzmigrate for real: an sshd on 127.0.0.1 of the test's own network
 * namespace (own port, own host and client keys, started and killed by
 * pid here), a second VZ_ROOT as the destination (its vzctl run over ssh
 * as `env VZ_ROOT=ROOT2 BUILD/bin/vzctl`). A running container moves and
 * runs there; then vzmigrate is SIGKILLed after each of its steps and the
 * container must run in exactly one place once its guardian has undone
 * what was done. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/common.h"
#include "tests/dump/dumpfix.h"
#include "tests/lib/robust.h"

static struct dfx D;
static pid_t sshd = -1;
static char *ssh_opts;

static void start_sshd(void)
{
    cleanup_free char *dir = vz_xasprintf("%s/ssh", D.root);
    int port = 20000 + (int)(getpid() % 20000);
    cleanup_free char *sh = vz_xasprintf(
        "set -e; mkdir -p %1$s /run/sshd; cd %1$s; ip link set lo up; "
        "ssh-keygen -q -t ed25519 -N '' -f host_key; ssh-keygen -q -t ed25519 -N '' -f client_key; "
        "cp client_key.pub authorized_keys; "
        "echo \"[127.0.0.1]:%2$d $(cut -d' ' -f1,2 host_key.pub)\" > known_hosts; "
        "printf 'Port %2$d\\nListenAddress 127.0.0.1\\nHostKey %1$s/host_key\\nAuthorizedKeysFile %1$s/authorized_keys\\n"
        "PidFile %1$s/sshd.pid\\nStrictModes no\\nUsePAM no\\nPermitRootLogin prohibit-password\\n"
        "PasswordAuthentication no\\nAcceptEnv none\\n' > sshd_config",
        dir, port);
    dfx_sh(sh);
    cleanup_free char *conf = vz_path_join(dir, "sshd_config");
    sshd = fork();
    cr_assert_geq(sshd, 0);
    if (sshd == 0) {
        cleanup_free char *log = vz_path_join(dir, "sshd.log");
        int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
        if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
            _exit(127);
        execl("/usr/sbin/sshd", "/usr/sbin/sshd", "-D", "-e", "-f", conf, (char *)NULL);
        _exit(127);
    }
    ssh_opts = vz_xasprintf("-p %d -i %s/client_key -o UserKnownHostsFile=%s/known_hosts "
                            "-o StrictHostKeyChecking=yes -o ConnectTimeout=20", port, dir, dir);
    /* up when a command goes through (the safety net of 120 s is no timing assertion) */
    cleanup_free char *probe = vz_xasprintf("for i in $(seq 1 1200); do ssh %s 127.0.0.1 true 2>/dev/null && exit 0; "
                                            "sleep 0.1; done; exit 1", ssh_opts);
    dfx_sh(probe);
}

static void setup(void)
{
    dfx_setup(&D);
    /* the destination trusts the source's key (made with the test's cache),
     * as an admin would */
    cleanup_free char *pub = vz_xasprintf("%s/etc/vz/keys/signing.pub", D.root);
    dfx_use_root(D.root2);
    free(dfx_ok(&D, "vzpkg", (const char *[]){ "trust", "add", pub, NULL }));
    dfx_use_root(D.root);
    start_sshd(); /* last: nothing after it can fail and leave it running */
}

static void teardown(void)
{
    if (sshd > 0)
        vzr_kill_wait(sshd);
    free(ssh_opts);
    dfx_teardown(&D);
}

TestSuite(migrate, .init = setup, .fini = teardown, .timeout = 600);

/* "running", "down" or "deleted" of ctid under root. */
static char *state_in(const char *root, const char *ctid)
{
    dfx_use_root(root);
    struct vzr_res r;
    vzr_run(&r, "vzctl", (const char *[]){ "status", ctid, NULL });
    dfx_use_root(D.root);
    const char *s = strstr(r.out, "running") ? "running" : strstr(r.out, "deleted") ? "deleted" : "down";
    vzr_res_release(&r);
    return vz_xstrdup(s);
}

static const char *migrate_args(const char **v, const char *json)
{
    static char bin[4096];
    snprintf(bin, sizeof(bin), "%s/bin", getenv("VZ_BUILD"));
    size_t n = 0;
    v[n++] = "--ssh";
    v[n++] = ssh_opts;
    v[n++] = "--remote-root";
    v[n++] = D.root2;
    v[n++] = "--remote-bin";
    v[n++] = bin;
    if (json)
        v[n++] = json;
    v[n++] = "127.0.0.1";
    v[n++] = D.ct;
    v[n] = NULL;
    return NULL;
}

Test(migrate, running_container_moves_and_runs_there)
{
    dfx_create(&D, D.ct, "overlay", NULL);
    free(dfx_ok(&D, "vzctl", (const char *[]){ "start", D.ct, NULL }));
    free(dfx_ok(&D, "vzctl", (const char *[]){ "exec", D.ct, "echo moved > /root/m; rm /etc/shadow", NULL }));
    const char *v[16];
    migrate_args(v, "--json");
    cleanup_free char *json = dfx_ok(&D, "vzmigrate", v);
    cr_assert_not_null(strstr(json, "downtime_seconds"), "%s", json);
    cleanup_free char *s1 = state_in(D.root, D.ct), *s2 = state_in(D.root2, D.ct);
    cr_assert_str_eq(s1, "deleted");
    cr_assert_str_eq(s2, "running");
    dfx_use_root(D.root2);
    cleanup_free char *out = dfx_ok(&D, "vzctl", (const char *[]){ "exec", D.ct, "cat /root/m; test -e /etc/shadow || echo gone", NULL });
    cr_assert_str_eq(out, "moved\ngone\n");
    dfx_use_root(D.root);
    /* it is there now: a second migration is refused before any copy */
    dfx_create(&D, D.ct, "overlay", NULL);
    struct vzr_res r;
    vzr_run(&r, "vzmigrate", v);
    cr_assert_eq(r.code, 44, "%d %s", r.code, r.err);
    vzr_res_release(&r);
}

Test(migrate, online_without_criu_says_so)
{
    dfx_create(&D, D.ct, "overlay", NULL);
    struct vzr_res r;
    vzr_run(&r, "vzmigrate", (const char *[]){ "--online", "127.0.0.1", D.ct, NULL });
    cr_assert_eq(r.code, 21, "%d %s", r.code, r.err);
    cr_assert_not_null(strstr(r.err, "CRIU"), "%s", r.err);
    vzr_res_release(&r);
}


static bool exactly_one(void *arg)
{
    (void)arg;
    while (waitpid(-1, NULL, WNOHANG) > 0) /* the guardian, reparented to us */
        ;
    cleanup_free char *s1 = state_in(D.root, D.ct), *s2 = state_in(D.root2, D.ct);
    cleanup_free char *priv2 = vz_xasprintf("%s/vz/private/%s", D.root2, D.ct);
    return strcmp(s1, "running") == 0 && strcmp(s2, "deleted") == 0 && !vz_file_exists(priv2);
}

Test(migrate, killed_at_each_step_runs_in_one_place)
{
    dfx_create(&D, D.ct, "overlay", NULL);
    free(dfx_ok(&D, "vzctl", (const char *[]){ "start", D.ct, NULL }));
    const char *stages[] = { "copied", "stopped", "synced", "conf", "started" };
    for (size_t i = 0; i < VZ_ARRAY_SIZE(stages); i++) {
        const char *v[16];
        migrate_args(v, NULL);
        cleanup_free char *kill_at = vz_xasprintf("VZ_TEST_KILL_AT=%s", stages[i]);
        struct vzr_res r;
        vzr_run_env(&r, "vzmigrate", v, (const char *[]){ kill_at, NULL });
        cr_assert_eq(r.sig, SIGKILL, "%s: not killed: exit %d %s", stages[i], r.code, r.err);
        /* the guardian's undo writes its warnings to vzmigrate's stderr */
        cr_assert(vzr_wait_until(exactly_one, NULL, 0), "killed after '%s': the container does not run in "
                  "exactly one place (source %s, destination %s); vzmigrate and its undo said: %s", stages[i],
                  state_in(D.root, D.ct), state_in(D.root2, D.ct), r.err);
        /* nothing of the migration left here: the conf it wrote for the
         * destination is removed by the undo as well */
        cleanup_free char *confdir = vz_xasprintf("%s/etc/vz/conf", D.root);
        cleanup_free char *mine = vz_xasprintf("%s.conf", D.ct);
        DIR *d = opendir(confdir);
        cr_assert_not_null(d, "%s", confdir);
        for (struct dirent *de; (de = readdir(d)) != NULL;)
            cr_assert(de->d_name[0] == '.' || strcmp(de->d_name, mine) == 0, "killed after '%s': %s/%s left",
                      stages[i], confdir, de->d_name);
        closedir(d);
        vzr_res_release(&r);
    }
}
