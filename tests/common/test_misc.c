#include <criterion/criterion.h>
#include <stdlib.h>
#include <unistd.h>

#include "common/common.h"

Test(hash, sha256_of_abc)
{
    char hex[65];
    vz_sha256_hex("abc", 3, hex);
    cr_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

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
    cr_assert_str_eq(d, "VE_ROOT=\"/vz/root/\\$VEID\"\nA=\"it\\\\s\"\n"
                        "DESCRIPTION=\"say \\\"hi\\\" \\\\ \\$HOME \\`id\\` \\\\\"\n");
    free(d);
    unlink(path);
}
