#include <criterion/criterion.h>
#include <stdlib.h>
#include <unistd.h>

#include "common/common.h"

TestSuite(hash, .timeout = 300);

Test(hash, sha256_of_abc)
{
    char hex[65];
    vz_sha256_hex("abc", 3, hex);
    cr_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TestSuite(proc, .timeout = 300);

Test(proc, captures_stdout_and_status)
{
    struct vz_buf out = VZ_BUF_INIT;
    vz_buf_init(&out);
    char *argv[] = { "sh", "-c", "cat; echo err >&2; exit 3", NULL };
    struct vz_run_opts o = { .stdin_data = "hello", .stdin_len = 5, .out = &out, .quiet = 1 };
    int st = -1;
    vz_error_t err = NULL;
    cr_assert_eq(vz_run(argv, &o, &st, &err), 0);
    cr_assert_eq(st, 3);
    cr_assert_str_eq(out.data, "hello");
    vz_buf_release(&out);
}

Test(proc, run_ok_reports_stderr)
{
    char *argv[] = { "sh", "-c", "echo broken pipe dream >&2; exit 4", NULL };
    vz_error_t err = NULL;
    cr_assert_eq(vz_run_ok(argv, NULL, &err), -1);
    cr_assert_str_eq(err->msg, "sh exited with status 4: broken pipe dream");
    vz_error_release(&err);
}

Test(proc, missing_program_is_an_error)
{
    char *argv[] = { "vz-no-such-program-here", NULL };
    vz_error_t err = NULL;
    int st = 0;
    cr_assert_eq(vz_run(argv, NULL, &st, &err), -1);
    vz_error_release(&err);
}

TestSuite(conf, .timeout = 300);

Test(conf, roundtrip_keeps_comments)
{
    char path[] = "/tmp/vzt-conf-XXXXXX";
    int fd = mkstemp(path);
    const char *txt = "# header\nHOSTNAME=\"ct1\"\nONBOOT=no\n";
    cr_assert_eq(write(fd, txt, strlen(txt)), (ssize_t)strlen(txt));
    close(fd);
    struct vz_conf c;
    vz_error_t err = NULL;
    cr_assert_eq(vz_conf_load(&c, path, &err), 0);
    cr_assert_str_eq(vz_conf_get(&c, "HOSTNAME"), "ct1");
    cr_assert_str_eq(vz_conf_get(&c, "ONBOOT"), "no");
    vz_conf_set(&c, "ONBOOT", "yes");
    vz_conf_set(&c, "IP_ADDRESS", "10.0.0.2 10.0.0.3");
    cr_assert_eq(vz_conf_save(&c, &err), 0);
    vz_conf_release(&c);
    char *d = NULL;
    vz_read_file(path, &d, NULL, &err);
    cr_assert_str_eq(d, "# header\nHOSTNAME=\"ct1\"\nONBOOT=\"yes\"\nIP_ADDRESS=\"10.0.0.2 10.0.0.3\"\n");
    free(d);
    unlink(path);
}

/* Found by fuzz/fuzz_conf.c: save escapes " \ $ ` inside double quotes and
 * load kept the backslashes, so each save/load cycle added more of them. */
Test(conf, escaped_values_survive_save_and_load)
{
    char path[] = "/tmp/vzt-conf-XXXXXX";
    int fd = mkstemp(path);
    const char *txt = "VE_ROOT=\"/vz/root/\\$VEID\"\nA='it\\s'\n";
    cr_assert_eq(write(fd, txt, strlen(txt)), (ssize_t)strlen(txt));
    close(fd);
    const char *odd = "say \"hi\" \\ $HOME `id` \\";
    struct vz_conf c;
    vz_error_t err = NULL;
    cr_assert_eq(vz_conf_load(&c, path, &err), 0);
    cr_assert_str_eq(vz_conf_get(&c, "VE_ROOT"), "/vz/root/$VEID");
    cr_assert_str_eq(vz_conf_get(&c, "A"), "it\\s");
    vz_conf_set(&c, "DESCRIPTION", odd);
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(vz_conf_save(&c, &err), 0);
        vz_conf_release(&c);
        cr_assert_eq(vz_conf_load(&c, path, &err), 0);
        cr_assert_str_eq(vz_conf_get(&c, "DESCRIPTION"), odd, "cycle %d", i + 1);
        cr_assert_str_eq(vz_conf_get(&c, "VE_ROOT"), "/vz/root/$VEID", "cycle %d", i + 1);
        cr_assert_str_eq(vz_conf_get(&c, "A"), "it\\s", "cycle %d", i + 1);
    }
    vz_conf_release(&c);
    char *d = NULL;
    vz_read_file(path, &d, NULL, &err);
    /* untouched lines as they were; the new one with $ left alone */
    cr_assert_str_eq(d, "VE_ROOT=\"/vz/root/\\$VEID\"\nA='it\\s'\n"
                        "DESCRIPTION=\"say \\\"hi\\\" \\\\ $HOME \\`id\\` \\\\\"\n");
    free(d);
    unlink(path);
}

static char *conf_file(const char *txt)
{
    char *path = vz_xstrdup("/tmp/vzt-conf-XXXXXX");
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    cr_assert_eq(write(fd, txt, strlen(txt)), (ssize_t)strlen(txt));
    close(fd);
    return path;
}

/* Issue 14: an admin's hand-written CTID.conf goes through a set and a save
 * with only the changed key's line different: comments, blank lines, odd
 * spacing, unknown keys, $VEID and lines that are not settings stay. */
Test(conf, save_changes_only_the_changed_line)
{
    const char *txt = "# CT 101: web frontend\n"
                      "\n"
                      "VE_ROOT=\"/vz/root/$VEID\"\n"
                      "  VE_PRIVATE=/vz/private/$VEID   # on the big disk\n"
                      "HOSTNAME=\"h1\" # web frontend\n"
                      "X_LOCAL_NOTE='kept as is'\n"
                      "export PATH=/bin\n"
                      "ONBOOT=\"no\"\t# not yet\n"
                      "NOT A SETTING\n";
    cleanup_free char *path = conf_file(txt);
    struct vz_conf c;
    vz_error_t err = NULL;
    cr_assert_eq(vz_conf_load(&c, path, &err), 0);
    cr_assert_str_eq(vz_conf_get(&c, "HOSTNAME"), "h1");
    cr_assert_str_eq(vz_conf_get(&c, "VE_ROOT"), "/vz/root/$VEID");
    cr_assert_str_eq(vz_conf_get(&c, "VE_PRIVATE"), "/vz/private/$VEID");
    cr_assert_str_eq(vz_conf_get(&c, "X_LOCAL_NOTE"), "kept as is");
    cr_assert_str_eq(vz_conf_get(&c, "ONBOOT"), "no");
    cr_assert_null(vz_conf_get(&c, "PATH"));
    vz_conf_set(&c, "HOSTNAME", "h1"); /* the same value: not a change */
    vz_conf_set(&c, "ONBOOT", "yes");
    cr_assert_eq(vz_conf_save(&c, &err), 0);
    vz_conf_release(&c);
    cleanup_free char *d = NULL;
    cr_assert_eq(vz_read_file(path, &d, NULL, &err), 0);
    cr_assert_str_eq(d, "# CT 101: web frontend\n"
                        "\n"
                        "VE_ROOT=\"/vz/root/$VEID\"\n"
                        "  VE_PRIVATE=/vz/private/$VEID   # on the big disk\n"
                        "HOSTNAME=\"h1\" # web frontend\n"
                        "X_LOCAL_NOTE='kept as is'\n"
                        "export PATH=/bin\n"
                        "ONBOOT=\"yes\"\t# not yet\n"
                        "NOT A SETTING\n");
    unlink(path);
}

/* A value is one shell word: quotes may be mixed, a comment after it is not
 * part of it, and a # inside a word is. */
Test(conf, values_are_shell_words)
{
    cleanup_free char *path = conf_file("A=\"x y\"'z'w # c\nB=a#b\nC=\"\" # empty\nD=\"unterminated\nE=\\$F\n");
    struct vz_conf c;
    vz_error_t err = NULL;
    cr_assert_eq(vz_conf_load(&c, path, &err), 0);
    cr_assert_str_eq(vz_conf_get(&c, "A"), "x yzw");
    cr_assert_str_eq(vz_conf_get(&c, "B"), "a#b");
    cr_assert_str_eq(vz_conf_get(&c, "C"), "");
    cr_assert_str_eq(vz_conf_get(&c, "D"), "unterminated");
    cr_assert_str_eq(vz_conf_get(&c, "E"), "$F");
    vz_conf_release(&c);
    unlink(path);
}

/* Every sample config shipped in etc/ goes through set + save with only the
 * changed key different. */
Test(conf, shipped_samples_round_trip)
{
    const char *src = getenv("VZ_SRC") ? getenv("VZ_SRC") : ".";
    cleanup_free char *sample = vz_path_join(src, "etc/ve-basic.conf-sample");
    cleanup_free char *orig = NULL;
    vz_error_t err = NULL;
    cr_assert_eq(vz_read_file(sample, &orig, NULL, &err), 0, "%s", sample);
    cleanup_free char *path = conf_file(orig);
    struct vz_conf c;
    cr_assert_eq(vz_conf_load(&c, path, &err), 0);
    vz_conf_set(&c, "CPUS", "2");
    cr_assert_eq(vz_conf_save(&c, &err), 0);
    vz_conf_release(&c);
    cleanup_free char *d = NULL;
    cr_assert_eq(vz_read_file(path, &d, NULL, &err), 0);
    char *at = strstr(orig, "CPUS=\"0\"");
    cr_assert_not_null(at);
    cleanup_free char *want = vz_xasprintf("%.*sCPUS=\"2\"%s", (int)(at - orig), orig, at + strlen("CPUS=\"0\""));
    cr_assert_str_eq(d, want);
    unlink(path);
}
