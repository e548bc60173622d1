/* etc/bash-completion/vzforge run by bash for real: the completion
 * functions are called as bash's programmable completion calls them
 * (COMP_WORDS, COMP_CWORD) with the vzctl, vzlist and vzpkg of this build
 * on PATH and a VZ_ROOT holding a signed cache and a container named web. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/common.h"
#include "tests/vpscore/fixture.h"

static struct fx fx;

static void setup(void)
{
    fx_setup_signed(&fx, NULL);
    cleanup_free char *path = vz_xasprintf("%s/bin:%s", getenv("VZ_BUILD"), getenv("PATH"));
    setenv("PATH", path, 1);
    char *argv[] = { "vzctl", "create", "101", "--ostemplate", "test-1-x86_64-minimal", "--name", "web", NULL };
    char *out = NULL;
    cr_assert_eq(fx_run(argv, &out), 0, "%s", out);
    free(out);
}
static void teardown(void) { fx_teardown(&fx); }

TestSuite(completion, .init = setup, .fini = teardown, .timeout = 120);

/* The candidates for the command line (words separated by one space; a
 * trailing space starts an empty word), one a line. */
static char *complete(const char *fn, const char *line)
{
    cleanup_free char *file = vz_xasprintf("%s/etc/bash-completion/vzforge", getenv("VZ_SRC"));
    char *argv[40] = { "bash", "--norc", "--noprofile", "-c",
                       "source \"$1\" || exit 99; fn=$2; shift 2; COMP_WORDS=(\"$@\"); "
                       "COMP_CWORD=$(($# - 1)); COMP_LINE=\"$*\"; $fn; printf '%s\\n' \"${COMPREPLY[@]}\"",
                       "bash", file, (char *)fn };
    int n = 8;
    cleanup_free char *copy = vz_xstrdup(line);
    for (char *p = copy, *sp; n < 38; p = sp + 1) {
        sp = strchr(p, ' ');
        if (sp)
            *sp = '\0';
        argv[n++] = p;
        if (!sp)
            break;
    }
    argv[n] = NULL;
    int fd[2];
    cr_assert_eq(pipe(fd), 0);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(fd[1], 1);
        close(fd[0]);
        execvp("bash", argv);
        _exit(127);
    }
    close(fd[1]);
    struct vz_buf b = VZ_BUF_INIT;
    vz_buf_init(&b);
    char buf[4096];
    ssize_t r;
    while ((r = read(fd[0], buf, sizeof(buf))) > 0)
        vz_buf_add(&b, buf, (size_t)r);
    close(fd[0]);
    int ws = 0;
    waitpid(pid, &ws, 0);
    cr_assert(WIFEXITED(ws) && WEXITSTATUS(ws) == 0, "bash for '%s': status %d", line, ws);
    return vz_buf_detach(&b, NULL);
}

static void has(const char *got, const char *word, const char *line)
{
    cleanup_free char *w = vz_xasprintf("\n%s\n", word);
    cleanup_free char *g = vz_xasprintf("\n%s", got);
    cr_expect_not_null(strstr(g, w), "'%s' does not offer %s:\n%s", line, word, got);
}

static void lacks(const char *got, const char *word, const char *line)
{
    cleanup_free char *w = vz_xasprintf("\n%s\n", word);
    cleanup_free char *g = vz_xasprintf("\n%s", got);
    cr_expect_null(strstr(g, w), "'%s' offers %s:\n%s", line, word, got);
}

Test(completion, vzctl_commands_options_ctids_names_templates)
{
    static const struct { const char *line, *want[4], *not; } cases[] = {
        { "vzctl st", { "start", "stop", "status", "start-all" }, "set" },
        { "vzctl set 101 --netif", { "--netif_add", "--netif_del" }, "--ostemplate" },
        { "vzctl create 102 --ram", { "--ram" }, NULL },
        { "vzctl create 102 --ost", { "--ostemplate" }, NULL },
        { "vzctl start ", { "101", "web" }, NULL },
        { "vzctl exec w", { "web" }, "101" },
        { "vzctl create 102 --ostemplate ", { "test-1-x86_64-minimal" }, NULL },
        { "vzctl create 102 --config vswap", { "vswap-1g" }, NULL },
        { "vzctl set 101 --onboot ", { "yes", "no" }, NULL },
        { "vzctl stop 101 --", { "--fast" }, "--save" },
        { "vzctl -", { "--verbose", "--quiet", "--version" }, NULL },
    };
    /* a sample where make install puts them, in VZ_ROOT's tree */
    cleanup_free char *conf = fx_path(&fx, "etc/vz/conf/ve-vswap-1g.conf-sample");
    vz_error_t err = NULL;
    cr_assert_eq(vz_atomic_write(conf, "RAM=\"1G\"\n", 9, 0644, &err), 0);
    for (size_t i = 0; i < VZ_ARRAY_SIZE(cases); i++) {
        cleanup_free char *got = complete("_vzctl", cases[i].line);
        for (size_t k = 0; k < 4 && cases[i].want[k]; k++)
            has(got, cases[i].want[k], cases[i].line);
        if (cases[i].not)
            lacks(got, cases[i].not, cases[i].line);
    }
}

Test(completion, vzlist_and_vzpkg)
{
    cleanup_free char *a = complete("_vzlist", "vzlist -o ctid,ho");
    has(a, "ctid,hostname", "vzlist -o ctid,ho");
    cleanup_free char *b = complete("_vzlist", "vzlist --s");
    has(b, "--sort", "vzlist --s");
    has(b, "--stopped", "vzlist --s");
    cleanup_free char *c = complete("_vzlist", "vzlist -N ");
    has(c, "web", "vzlist -N ");
    cleanup_free char *d = complete("_vzpkg", "vzpkg cre");
    has(d, "create-cache", "vzpkg cre");
    cleanup_free char *e = complete("_vzpkg", "vzpkg create-cache --dr");
    has(e, "--dry-run", "vzpkg create-cache --dr");
    cleanup_free char *f = complete("_vzpkg", "vzpkg create-cache debian-12-x86_64-mi");
    has(f, "debian-12-x86_64-minimal", "vzpkg create-cache debian-12-x86_64-mi");
    cleanup_free char *g = complete("_vzpkg", "vzpkg verify ");
    has(g, "test-1-x86_64-minimal", "vzpkg verify ");
    cleanup_free char *h = complete("_vzpkg", "vzpkg trust ");
    has(h, "add", "vzpkg trust ");
}
