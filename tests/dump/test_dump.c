/* vzdump and vzrestore, run for real: containers made by vzctl create and
 * changed from inside (vzctl exec: owners in the container's range,
 * overlay whiteouts and opaque directories, hard links, a sparse file), an
 * archive written, and restored into another CTID and into another
 * VZ_ROOT; tampered, truncated and hostile archives refused before
 * anything is written. Runs in mount and network namespaces of its own. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <fcntl.h>
#include <glob.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "common/common.h"
#include "tests/dump/dumpfix.h"
#include "tests/lib/robust.h"

static struct dfx D;

static void setup(void) { dfx_setup(&D); }
static void teardown(void) { dfx_teardown(&D); }

TestSuite(dump, .init = setup, .fini = teardown, .timeout = 300);

/* The changes a container makes to its template: files of several owners,
 * a removed template file (whiteout), a replaced directory (opaque), hard
 * and symbolic links, a sparse file, a FIFO. */
static const char changes_sh[] =
    "set -e; echo hello > /root/file; chown 1000:1001 /root/file; chmod 640 /root/file; "
    "rm /etc/shadow; rm -rf /data/0; mkdir /data/0; echo new > /data/0/only; "
    "ln /root/file /root/hard; ln -s /etc/passwd /root/sym; "
    "dd if=/dev/zero of=/root/sparse bs=1 count=1 seek=100000000 2>/dev/null; "
    "mkfifo /root/fifo; echo done";

Test(dump, overlay_roundtrip_into_another_ctid)
{
    dfx_create(&D, D.ct, "overlay", "10.77.0.1");
    dfx_ok(&D, "vzctl", (const char *[]){ "start", D.ct, NULL });
    dfx_ok(&D, "vzctl", (const char *[]){ "exec", D.ct, changes_sh, NULL });
    /* an xattr of the user.* kind, set on the host side */
    cleanup_free char *upper = vz_xasprintf("%s/vz/private/%s/upper", D.root, D.ct);
    cleanup_free char *uf = vz_path_join(upper, "root/file");
    cr_assert_eq(lsetxattr(uf, "user.note", "kept", 4, 0), 0);
    /* dumped while running (--mode suspend): it runs after */
    cleanup_free char *json = dfx_ok(&D, "vzdump", (const char *[]){ D.ct, "--dumpdir", D.dumpdir, "--json", NULL });
    cleanup_free char *archive = dfx_json_str(json, "archive");
    cr_assert(strstr(archive, "/vzdump-openvz-") && strstr(archive, ".tar.zst"), "%s", archive);
    cleanup_free char *st = dfx_ok(&D, "vzctl", (const char *[]){ "status", D.ct, NULL });
    cr_assert(strstr(st, "running") && !strstr(st, "suspended"), "%s", st);
    struct stat as;
    cr_assert_eq(stat(archive, &as), 0);
    cr_assert_eq(as.st_mode & 0777, 0600, "archive mode %o", as.st_mode & 0777);
    cr_assert_lt(as.st_size, 10 << 20, "the sparse 100 MB file made a %lld-byte archive", (long long)as.st_size);
    dfx_ok(&D, "vzctl", (const char *[]){ "stop", D.ct, NULL });

    /* into another CTID on the same host: the old one still there. Run
     * from a directory holding a decoy of the container's /root: the
     * restore writes relative to its destination and must never set the
     * modes or times of the caller's working directory's files */
    cleanup_free char *decoy = vz_path_join(D.root, "decoy");
    cleanup_free char *decoy_root = vz_path_join(decoy, "root");
    cr_assert_eq(mkdir(decoy, 0755), 0);
    cr_assert_eq(mkdir(decoy_root, 0711), 0);
    cr_assert_eq(chmod(decoy_root, 0711), 0);
    cr_assert_eq(utimensat(AT_FDCWD, decoy_root, (struct timespec[]){ { 12345, 0 }, { 12345, 0 } }, 0), 0);
    char here[4096];
    cr_assert_not_null(getcwd(here, sizeof(here)));
    cr_assert_eq(chdir(decoy), 0);
    dfx_ok(&D, "vzrestore", (const char *[]){ archive, D.ct2, "--no-ip", NULL });
    cr_assert_eq(chdir(here), 0);
    struct stat ds, os, rs;
    cr_assert_eq(stat(decoy_root, &ds), 0);
    cr_assert_eq(ds.st_mode & 07777, 0711, "the caller's ./root got mode %o", ds.st_mode & 07777);
    cr_assert_eq(ds.st_mtime, 12345, "the caller's ./root got another time");
    cleanup_free char *orig_root = vz_xasprintf("%s/root", upper);
    cleanup_free char *rest_root = vz_xasprintf("%s/vz/private/%s/upper/root", D.root, D.ct2);
    cr_assert_eq(stat(orig_root, &os), 0);
    cr_assert_eq(stat(rest_root, &rs), 0);
    cr_assert_eq(rs.st_mode & 07777, os.st_mode & 07777, "restored /root mode %o, dumped %o", rs.st_mode & 07777,
                 os.st_mode & 07777);
    cr_assert_eq(rs.st_mtime, os.st_mtime, "restored /root has another time");
    uint32_t u1 = dfx_conf_id(&D, D.ct, "LOCAL_UID"), u2 = dfx_conf_id(&D, D.ct2, "LOCAL_UID");
    cr_assert_neq(u1, u2, "the restored container shares the id range %u", u1);
    cleanup_free char *up2 = vz_xasprintf("%s/vz/private/%s/upper", D.root, D.ct2);
    struct stat s;
    cleanup_free char *f2 = vz_path_join(up2, "root/file");
    cr_assert_eq(lstat(f2, &s), 0);
    cr_assert_eq(s.st_uid, u2 + 1000);
    cr_assert_eq(s.st_gid, dfx_conf_id(&D, D.ct2, "LOCAL_GID") + 1001);
    cr_assert_eq(s.st_mode & 07777, 0640);
    cr_assert_eq(s.st_nlink, 2, "hard link lost");
    char v[16] = "";
    cr_assert_eq(lgetxattr(f2, "user.note", v, sizeof(v)), 4);
    cr_assert_str_eq(v, "kept");
    cleanup_free char *wh = vz_path_join(up2, "etc/shadow");
    cr_assert_eq(lstat(wh, &s), 0);
    cr_assert(S_ISCHR(s.st_mode) && s.st_rdev == makedev(0, 0), "whiteout lost");
    cleanup_free char *opq = vz_path_join(up2, "data/0");
    char o = 0;
    cr_assert_eq(lgetxattr(opq, "trusted.overlay.opaque", &o, 1), 1, "opaque xattr lost");
    cr_assert_eq(o, 'y');
    cleanup_free char *sp = vz_path_join(up2, "root/sparse");
    cr_assert_eq(lstat(sp, &s), 0);
    cr_assert_eq(s.st_size, 100000001);
    cr_assert_lt(s.st_blocks, 1024, "sparse file restored with %lld blocks", (long long)s.st_blocks);
    cleanup_free char *fifo = vz_path_join(up2, "root/fifo");
    cr_assert_eq(lstat(fifo, &s), 0);
    cr_assert(S_ISFIFO(s.st_mode));

    /* and it runs, seeing its own changes over the template */
    dfx_ok(&D, "vzctl", (const char *[]){ "start", D.ct2, NULL });
    cleanup_free char *out = dfx_ok(&D, "vzctl", (const char *[]){ "exec", D.ct2,
        "cat /root/hard; ls /data/0; test ! -e /etc/shadow && echo gone; readlink /root/sym; id -u", NULL });
    cr_assert_str_eq(out, "hello\nonly\ngone\n/etc/passwd\n0\n", "%s", out);
    dfx_ok(&D, "vzctl", (const char *[]){ "stop", D.ct2, NULL });
}

Test(dump, plain_roundtrip_stop_mode_restarts)
{
    dfx_create(&D, D.ct, "plain", NULL);
    dfx_ok(&D, "vzctl", (const char *[]){ "start", D.ct, NULL });
    dfx_ok(&D, "vzctl", (const char *[]){ "exec", D.ct, "echo plain > /root/p; chown 7:8 /root/p", NULL });
    cleanup_free char *before = dfx_ok(&D, "vzctl", (const char *[]){ "exec", D.ct, "cat", "/root/p", NULL });
    cr_assert_str_eq(before, "plain\n");
    cleanup_free char *json = dfx_ok(&D, "vzdump", (const char *[]){ D.ct, "--dumpdir", D.dumpdir, "--mode", "stop",
                                                                      "--compress", "gzip", "--json", NULL });
    cleanup_free char *archive = dfx_json_str(json, "archive");
    cr_assert(strstr(archive, ".tar.gz"), "%s", archive);
    cleanup_free char *st = dfx_ok(&D, "vzctl", (const char *[]){ "status", D.ct, NULL });
    cr_assert(strstr(st, "running"), "--mode stop did not start it again: %s", st);
    dfx_ok(&D, "vzctl", (const char *[]){ "stop", D.ct, NULL });
    dfx_ok(&D, "vzctl", (const char *[]){ "destroy", D.ct, NULL });
    /* the same CTID again, after the original is gone */
    dfx_ok(&D, "vzrestore", (const char *[]){ archive, D.ct, NULL });
    cleanup_free char *conf = vz_xasprintf("%s/etc/vz/conf/%s.conf", D.root, D.ct);
    cleanup_free char *ct = vzr_slurp(conf);
    cr_assert(strstr(ct, "VE_LAYOUT=\"plain\""), "%s", ct);
    cr_assert_null(strstr(ct, "VE_LOWERDIR"), "%s", ct);
    cleanup_free char *f = vz_xasprintf("%s/vz/private/%s/root/p", D.root, D.ct);
    struct stat s;
    cr_assert_eq(lstat(f, &s), 0);
    cr_assert_eq(s.st_uid, dfx_conf_id(&D, D.ct, "LOCAL_UID") + 7);
    dfx_ok(&D, "vzctl", (const char *[]){ "start", D.ct, NULL });
    cleanup_free char *out = dfx_ok(&D, "vzctl", (const char *[]){ "exec", D.ct, "cat", "/root/p", NULL });
    cr_assert_str_eq(out, "plain\n");
    dfx_ok(&D, "vzctl", (const char *[]){ "stop", D.ct, NULL });
}

/* --mode snapshot: archived from a snapshot while the container runs on;
 * what it writes after the snapshot is not in the archive; the snapshot is
 * gone after (the tree as before). */
Test(dump, snapshot_mode_archives_a_running_container_from_a_snapshot)
{
    dfx_create(&D, D.ct, "overlay", NULL);
    dfx_ok(&D, "vzctl", (const char *[]){ "start", D.ct, NULL });
    dfx_ok(&D, "vzctl", (const char *[]){ "exec", D.ct, "echo before > /root/before", NULL });
    cleanup_free char *pid1 = dfx_ok(&D, "vzctl", (const char *[]){ "exec", D.ct, "cat /proc/1/stat | cut -d' ' -f22", NULL });
    cleanup_free char *json = dfx_ok(&D, "vzdump", (const char *[]){ D.ct, "--dumpdir", D.dumpdir, "--mode",
                                                                      "snapshot", "--json", NULL });
    cleanup_free char *archive = dfx_json_str(json, "archive");
    cleanup_free char *st = dfx_ok(&D, "vzctl", (const char *[]){ "status", D.ct, NULL });
    cr_assert(strstr(st, "running") && !strstr(st, "suspended"), "%s", st);
    cleanup_free char *pid2 = dfx_ok(&D, "vzctl", (const char *[]){ "exec", D.ct, "cat /proc/1/stat | cut -d' ' -f22", NULL });
    cr_assert_str_eq(pid1, pid2, "the container's init was restarted");
    dfx_ok(&D, "vzctl", (const char *[]){ "exec", D.ct, "echo after > /root/after", NULL });
    cleanup_free char *snaps = dfx_ok(&D, "vzctl", (const char *[]){ "snapshot-list", D.ct, "--json", NULL });
    cr_assert(strstr(snaps, "vzdump") == NULL, "the backup's snapshot was left: %s", snaps);
    cleanup_free char *sdir = vz_xasprintf("%s/vz/private/%s.snapshots", D.root, D.ct);
    glob_t g;
    cleanup_free char *pat = vz_xasprintf("%s/*-*", sdir);
    cr_assert_neq(glob(pat, 0, NULL, &g), 0, "a snapshot directory is left: %s", g.gl_pathc ? g.gl_pathv[0] : "");
    dfx_ok(&D, "vzctl", (const char *[]){ "stop", D.ct, NULL });

    dfx_ok(&D, "vzrestore", (const char *[]){ archive, D.ct2, "--no-ip", NULL });
    cleanup_free char *up2 = vz_xasprintf("%s/vz/private/%s/upper", D.root, D.ct2);
    cleanup_free char *before = vz_path_join(up2, "root/before");
    cleanup_free char *after = vz_path_join(up2, "root/after");
    struct stat sb;
    cr_assert_eq(lstat(before, &sb), 0, "the file written before the snapshot is not in the archive");
    cr_assert_neq(lstat(after, &sb), 0, "a file written after the snapshot is in the archive");

    struct vzr_res r;
    vzr_run(&r, "vzdump", (const char *[]){ "4242", "--dumpdir", D.dumpdir, NULL });
    cr_assert_eq(r.code, 14, "%d %s", r.code, r.err);
    vzr_res_release(&r);
}

Test(dump, ip_in_use_is_refused_before_writing)
{
    dfx_create(&D, D.ct, "overlay", "10.77.0.9");
    cleanup_free char *json = dfx_ok(&D, "vzdump", (const char *[]){ D.ct, "--dumpdir", D.dumpdir, "--json", NULL });
    cleanup_free char *archive = dfx_json_str(json, "archive");
    struct vzr_res r;
    vzr_run(&r, "vzrestore", (const char *[]){ archive, D.ct2, NULL });
    cr_assert_eq(r.code, 78, "%d %s", r.code, r.err);
    vzr_res_release(&r);
    dfx_assert_absent(&D, D.root, D.ct2, "restore refused for an IP in use");
    vzr_run(&r, "vzrestore", (const char *[]){ archive, D.ct, NULL });
    cr_assert_eq(r.code, 44, "%d %s", r.code, r.err);
    vzr_res_release(&r);
}

Test(dump, help_usage_and_json_contract)
{
    const char *progs[] = { "vzdump", "vzrestore", "vzmigrate" };
    for (size_t i = 0; i < VZ_ARRAY_SIZE(progs); i++) {
        struct vzr_res r;
        vzr_run(&r, progs[i], (const char *[]){ "--help", NULL });
        cr_assert_eq(r.code, 0, "%s --help: %d", progs[i], r.code);
        cr_assert_not_null(strstr(r.out, "Usage:"), "%s", r.out);
        cr_assert_not_null(strstr(r.out, "Exit codes:"), "%s", r.out);
        cr_assert_str_empty(r.err);
        vzr_res_release(&r);
        vzr_run(&r, progs[i], (const char *[]){ "--no-such-option", NULL });
        cr_assert_eq(r.code, 2);
        cr_assert_not_null(strstr(r.err, "unknown option"), "%s", r.err);
        vzr_res_release(&r);
        vzr_run(&r, progs[i], (const char *[]){ NULL });
        cr_assert_eq(r.code, 2);
        vzr_res_release(&r);
    }
    struct vzr_res r;
    vzr_run(&r, "vzdump", (const char *[]){ D.ct, "--compress", "lz5", NULL });
    cr_assert_eq(r.code, 21, "%d %s", r.code, r.err);
    vzr_res_release(&r);
    vzr_run(&r, "vzrestore", (const char *[]){ "/nonexistent-vzt.tar.zst", "../x", NULL });
    cr_assert_eq(r.code, 21, "%d %s", r.code, r.err);
    vzr_res_release(&r);
    /* --json: one object on stdout, nothing else */
    dfx_create(&D, D.ct, "overlay", NULL);
    cleanup_free char *json = dfx_ok(&D, "vzdump", (const char *[]){ D.ct, "--dumpdir", D.dumpdir, "--json", "-q", NULL });
    cleanup_free char *archive = dfx_json_str(json, "archive");
    cleanup_free char *rj = dfx_ok(&D, "vzrestore", (const char *[]){ archive, D.ct2, "--json", "-q", NULL });
    cleanup_free char *src = dfx_json_str(rj, "source_ctid");
    cr_assert_str_eq(src, D.ct);
    /* one read of an archive without its template (docs/backup.md) */
    json_t *j = json_loads(rj, 0, NULL);
    cr_assert_eq(json_integer_value(json_object_get(j, "passes")), 1, "%s", rj);
    json_decref(j);
}
