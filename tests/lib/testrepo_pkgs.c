/* tests/lib/testrepo_pkgs.c: the default package set of the synthetic
 * repository: a minimal bootable root (busybox as /bin/sh) whose control
 * fields exercise what a Debian minbase needs. testrepo.h lists them. */
#include "tests/lib/testrepo.h"

#define BB(n) { "/bin/" n, NULL, "busybox", NULL, 0 }
static const struct vz_testfile busybox_files[] = {
    { "/bin/busybox", NULL, NULL, "/bin/busybox", 0755 },
    BB("sh"), BB("ash"), BB("cat"), BB("chmod"), BB("chown"), BB("cp"), BB("date"),
    BB("echo"), BB("false"), BB("grep"), BB("head"), BB("hostname"), BB("id"), BB("kill"),
    BB("ln"), BB("ls"), BB("mkdir"), BB("mount"), BB("mv"), BB("printf"), BB("ps"),
    BB("pwd"), BB("readlink"), BB("rm"), BB("rmdir"), BB("sed"), BB("sleep"), BB("sort"),
    BB("tail"), BB("test"), BB("touch"), BB("true"), BB("umount"), BB("uname"), BB("wc"),
    { "/usr/bin/env", NULL, "../../bin/busybox", NULL, 0 },
    { "/usr/bin/[", NULL, "../../bin/busybox", NULL, 0 },
    { NULL, NULL, NULL, NULL, 0 },
};

static const struct vz_testfile base_files[] = {
    { "/etc/os-release", "PRETTY_NAME=\"vzforge test system\"\nID=vztest\nVERSION_ID=\"1\"\n",
      NULL, NULL, 0 },
    { "/etc/issue", "vzforge test system \\n \\l\n", NULL, NULL, 0 },
    { "/usr/share/base-files/motd", "synthetic\n", NULL, NULL, 0 },
    { NULL, NULL, NULL, NULL, 0 },
};
static const char *const base_conffiles[] = { "/etc/issue", NULL };

static const struct vz_testfile base_passwd_files[] = {
    { "/usr/share/base-passwd/passwd.master", "root:x:0:0:root:/root:/bin/sh\n", NULL, NULL, 0 },
    { "/usr/share/base-passwd/group.master", "root:x:0:\n", NULL, NULL, 0 },
    { NULL, NULL, NULL, NULL, 0 },
};
/* Like Debian's base-passwd, it creates /etc/passwd before anything is
 * unpacked; it fails if it runs after its own files were unpacked, so an
 * installer that runs it too late is caught. */
static const char base_passwd_preinst[] =
    "#!/bin/sh\n"
    "set -e\n"
    "if [ -e /usr/share/base-passwd/passwd.master ]; then\n"
    "    echo 'base-passwd preinst: run after unpack' >&2; exit 1\n"
    "fi\n"
    "if [ \"$1\" = install ] && [ ! -e /etc/passwd ]; then\n"
    "    mkdir -p /etc\n"
    "    printf 'root:x:0:0:root:/root:/bin/sh\\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\\n' > /etc/passwd\n"
    "    printf 'root:x:0:\\nnogroup:x:65534:\\n' > /etc/group\n"
    "fi\n";

static const struct vz_testfile alts_files[] = {
    { "/usr/bin/update-alternatives",
      "#!/bin/sh\n"
      "# update-alternatives for synthetic test roots: --install and --remove only.\n"
      "set -e\n"
      "case \"$1\" in\n"
      "--install)\n"
      "    mkdir -p /etc/alternatives /var/lib/dpkg/alternatives\n"
      "    ln -sfn \"$4\" \"/etc/alternatives/$3\"\n"
      "    ln -sfn \"/etc/alternatives/$3\" \"$2\"\n"
      "    printf 'auto\\n%s\\n\\n%s\\n%s\\n\\n' \"$2\" \"$4\" \"$5\" > \"/var/lib/dpkg/alternatives/$3\" ;;\n"
      "--remove)\n"
      "    rm -f \"/etc/alternatives/$2\" \"/var/lib/dpkg/alternatives/$2\" ;;\n"
      "*)\n"
      "    echo \"update-alternatives: unsupported: $*\" >&2; exit 2 ;;\n"
      "esac\n",
      NULL, NULL, 0755 },
    { NULL, NULL, NULL, NULL, 0 },
};

#define SCRIPT(path, text) { path, "#!/bin/sh\n" text "\n", NULL, NULL, 0755 }
static const struct vz_testfile mawk_files[] = { SCRIPT("/usr/bin/mawk-t", "echo mawk-t"), { 0 } };
static const struct vz_testfile gawk_files[] = { SCRIPT("/usr/bin/gawk-t", "echo gawk-t"), { 0 } };
static const struct vz_testfile tools_files[] = { SCRIPT("/usr/bin/tool-t", "echo tool-t \"$@\""), { 0 } };
static const struct vz_testfile libt1_files[] = {
    { "/usr/lib/x86_64-linux-gnu/libt1.so.1", "not really a library\n", NULL, NULL, 0 }, { 0 } };
static const struct vz_testfile newapi_files[] = { { "/usr/share/newapi/api", "2.0\n", NULL, NULL, 0 }, { 0 } };
static const struct vz_testfile pager_a_files[] = { SCRIPT("/usr/bin/pager-a", "cat \"$@\""), { 0 } };
static const struct vz_testfile pager_b_files[] = { SCRIPT("/usr/bin/pager-b", "cat \"$@\""), { 0 } };
static const struct vz_testfile editor_files[] = {
    SCRIPT("/usr/bin/editor-t", "echo editor-t \"$@\""),
    { "/etc/editor-t.conf", "# editor-t configuration\ntabstop=8\n", NULL, NULL, 0 },
    { 0 },
};
static const char *const editor_conffiles[] = { "/etc/editor-t.conf", NULL };
static const struct vz_testfile interp_files[] = { SCRIPT("/usr/bin/interp-t", "exec sh \"$@\""), { 0 } };
static const struct vz_testfile script_files[] = { SCRIPT("/usr/bin/script-t", "echo script-t"), { 0 } };
static const struct vz_testfile oldver_files[] = { { "/usr/share/oldver/v", "x\n", NULL, NULL, 0 }, { 0 } };

static const struct vz_testpkg default_pkgs[] = {
    { .name = "busybox-sh", .version = "1.36.1-1", .priority = "required", .essential = true,
      .multi_arch = "foreign", .section = "shells", .provides = "sh",
      .files = busybox_files },
    { .name = "base-files", .version = "12.4", .arch = "all", .priority = "required",
      .essential = true, .section = "admin", .files = base_files,
      .conffiles = base_conffiles, .compress = "xz" },
    { .name = "base-passwd", .version = "3.6.1", .priority = "required", .essential = true,
      .section = "admin", .pre_depends = "busybox-sh", .files = base_passwd_files,
      .preinst = base_passwd_preinst, .compress = "zstd" },
    { .name = "dpkg-alts", .version = "1.21.22", .priority = "required", .essential = true,
      .section = "admin", .pre_depends = "busybox-sh (>= 1.30)", .files = alts_files,
      .compress = "none" },
    { .name = "mawk-t", .version = "1.3.4-1", .priority = "required", .provides = "awk",
      .multi_arch = "foreign", .section = "interpreters", .files = mawk_files },
    { .name = "gawk-t", .version = "1:5.2.1-2", .priority = "optional", .provides = "awk",
      .multi_arch = "foreign", .section = "interpreters", .files = gawk_files },
    { .name = "tools-t", .version = "2.0-1", .priority = "required",
      .depends = "awk, libt1 (>= 1.0), pager-a | pager-b, oldapi (>= 2)", .files = tools_files },
    { .name = "libt1", .version = "1.2-3", .priority = "optional", .multi_arch = "same",
      .section = "libs", .files = libt1_files },
    { .name = "newapi", .version = "2.0-1", .priority = "optional",
      .provides = "oldapi (= 2.0)", .files = newapi_files },
    { .name = "pager-a", .version = "1.0", .priority = "optional", .files = pager_a_files },
    { .name = "pager-b", .version = "1.0", .priority = "optional", .files = pager_b_files },
    { .name = "editor-t", .version = "9.0-1", .priority = "important", .section = "editors",
      .depends = "dpkg-alts", .files = editor_files, .conffiles = editor_conffiles,
      .postinst = "#!/bin/sh\nset -e\n"
                  "if [ \"$1\" = configure ]; then\n"
                  "    update-alternatives --install /usr/bin/editor editor /usr/bin/editor-t 50\n"
                  "fi\n",
      .prerm = "#!/bin/sh\nset -e\n"
               "if [ \"$1\" = remove ]; then update-alternatives --remove editor /usr/bin/editor-t; fi\n" },
    { .name = "i386-only", .version = "1.0", .arch = "i386", .priority = "required" },
    { .name = "interp-t", .version = "3.11-1", .multi_arch = "allowed", .files = interp_files },
    { .name = "script-t", .version = "1.0", .arch = "all", .depends = "interp-t:any (>= 3)",
      .files = script_files },
    { .name = "oldver", .version = "1.0", .files = oldver_files },
    { .name = "oldver", .version = "2.0", .files = oldver_files },
};

const struct vz_testpkg *vz_testrepo_default_pkgs(size_t *n)
{
    *n = VZ_ARRAY_SIZE(default_pkgs);
    return default_pkgs;
}
