/* vpscore/userns.c: id ranges of unprivileged containers (userns.h). */
#include "vpscore/userns.h"
#include "cache/lock.h"
#include "vpscore/ctconf.h"
#include "vpscore/cteach.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* A range [start, start+count). */
struct range {
    uint64_t start, count;
};

static int parse_u32(const char *s, uint32_t *out)
{
    if (!s || !*s || *s < '0' || *s > '9' || (s[0] == '0' && s[1]))
        return -1;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || v > UINT32_MAX - VZ_USERNS_SIZE)
        return -1;
    *out = (uint32_t)v;
    return 0;
}

int vz_idmap_from_conf(const struct vz_conf *c, const char *conf_path, struct vz_idmap *m, vz_error_t *err)
{
    memset(m, 0, sizeof(*m));
    const char *priv = vz_conf_get(c, "PRIVILEGED");
    if (priv && (strcmp(priv, "yes") == 0 || strcmp(priv, "on") == 0))
        return 0;
    if (priv && *priv && strcmp(priv, "no") != 0 && strcmp(priv, "off") != 0)
        return vz_error_set(err, VZ_EBADARG, 0, "%s: PRIVILEGED=\"%s\": use yes or no", conf_path, priv);
    const char *u = vz_conf_get(c, "LOCAL_UID"), *g = vz_conf_get(c, "LOCAL_GID");
    if (!u || !g)
        return vz_error_set(err, VZ_EBADARG, 0,
                            "%s: no %s: this container has no user id range (made by an older vzforge?); "
                            "recreate it, or set PRIVILEGED=\"yes\" to run it without a user namespace "
                            "(not a security boundary: docs/security.md)",
                            conf_path, !u ? "LOCAL_UID" : "LOCAL_GID");
    if (parse_u32(u, &m->uid) < 0 || m->uid == 0)
        return vz_error_set(err, VZ_EBADARG, 0, "%s: LOCAL_UID=\"%s\": a host uid from 1 to %u", conf_path, u,
                            UINT32_MAX - VZ_USERNS_SIZE);
    if (parse_u32(g, &m->gid) < 0 || m->gid == 0)
        return vz_error_set(err, VZ_EBADARG, 0, "%s: LOCAL_GID=\"%s\": a host gid from 1 to %u", conf_path, g,
                            UINT32_MAX - VZ_USERNS_SIZE);
    m->enabled = 1;
    m->count = VZ_USERNS_SIZE;
    return 0;
}

/* ---- allocation ---- */

static int overlaps(uint64_t a, uint64_t n, const struct range *r, size_t nr)
{
    for (size_t i = 0; i < nr; i++)
        if (a < r[i].start + r[i].count && r[i].start < a + n)
            return 1;
    return 0;
}

static void push(struct range **v, size_t *n, uint64_t start, uint64_t count)
{
    *v = vz_xrealloc(*v, (*n + 1) * sizeof(**v));
    (*v)[*n].start = start;
    (*v)[*n].count = count;
    (*n)++;
}

/* /etc/subuid-style file: root's ranges into *mine, everybody else's into
 * *others. A missing file is empty. */
static void read_subid(const char *file, struct range **mine, size_t *nmine, struct range **others,
                       size_t *nothers)
{
    cleanup_free char *path = vz_root_path(file);
    cleanup_file FILE *f = fopen(path, "re");
    if (!f)
        return;
    char line[512];
    while (fgets(line, sizeof(line), f)) {
        char *save = NULL;
        char *who = strtok_r(line, ":\n", &save), *s = strtok_r(NULL, ":\n", &save),
             *c = strtok_r(NULL, ":\n", &save);
        if (!who || !s || !c || *who == '#')
            continue;
        char *e1, *e2;
        unsigned long long start = strtoull(s, &e1, 10), count = strtoull(c, &e2, 10);
        if (*e1 || *e2 || count == 0 || start + count > (1ULL << 32))
            continue;
        if (strcmp(who, "root") == 0 || strcmp(who, "0") == 0)
            push(mine, nmine, start, count);
        else
            push(others, nothers, start, count);
    }
}

struct used {
    const char *ctid;
    struct range **uids, **gids;
    size_t *nu, *ng;
};

static int used_one(struct vz_ct_seen *ct, void *arg, vz_error_t *err)
{
    struct used *u = arg;
    if (strcmp(ct->ctid, u->ctid) == 0)
        return 0;
    if (ct->conf == NULL) {
        /* unreadable: its range is unknown, so no range is safe to give */
        *err = get_and_reset(&ct->bad);
        return vz_error_wrap(err, "cannot tell which user ids container %s uses", ct->ctid);
    }
    uint32_t id;
    if (parse_u32(vz_conf_get(ct->conf, "LOCAL_UID"), &id) == 0)
        push(u->uids, u->nu, id, VZ_USERNS_SIZE);
    if (parse_u32(vz_conf_get(ct->conf, "LOCAL_GID"), &id) == 0)
        push(u->gids, u->ng, id, VZ_USERNS_SIZE);
    return 0;
}

/* The ranges of every existing container but ctid. */
static int used_ranges(const char *ctid, struct range **uids, size_t *nu, struct range **gids, size_t *ng,
                       vz_error_t *err)
{
    struct used u = { ctid, uids, gids, nu, ng };
    return vz_ct_each(used_one, &u, err);
}

/* The lowest block of VZ_USERNS_SIZE ids inside pool that overlaps nothing
 * in used. */
static int first_free(const struct range *pool, size_t npool, const struct range *used, size_t nused,
                      uint32_t *out)
{
    for (size_t i = 0; i < npool; i++) {
        for (uint64_t a = pool[i].start; a + VZ_USERNS_SIZE <= pool[i].start + pool[i].count;
             a += VZ_USERNS_SIZE) {
            if (!overlaps(a, VZ_USERNS_SIZE, used, nused)) {
                *out = (uint32_t)a;
                return 0;
            }
        }
    }
    return -1;
}

int vz_userns_alloc(const char *ctid, struct vz_idmap *m, struct vz_lock **lock, vz_error_t *err)
{
    memset(m, 0, sizeof(*m));
    if (vz_lock_acquire("userns.lock", "the allocation of user id ranges", false, 60, lock, err) < 0)
        return -1;
    struct range *upool = NULL, *gpool = NULL, *uused = NULL, *gused = NULL;
    size_t nup = 0, ngp = 0, nuu = 0, ngu = 0;
    read_subid("/etc/subuid", &upool, &nup, &uused, &nuu);
    read_subid("/etc/subgid", &gpool, &ngp, &gused, &ngu);
    if (nup == 0 || ngp == 0) {
        /* root has no subordinate ranges: the default pool, minus every
         * other user's */
        nup = ngp = 0;
        push(&upool, &nup, VZ_USERNS_BASE, (1ULL << 32) - 2 - VZ_USERNS_BASE);
        push(&gpool, &ngp, VZ_USERNS_BASE, (1ULL << 32) - 2 - VZ_USERNS_BASE);
    }
    int r = used_ranges(ctid, &uused, &nuu, &gused, &ngu, err);
    if (r == 0 && (first_free(upool, nup, uused, nuu, &m->uid) < 0 ||
                   first_free(gpool, ngp, gused, ngu, &m->gid) < 0))
        r = vz_error_set(err, VZ_EFAIL, 0,
                         "no free range of %u user and group ids left for container %s (root's ranges in "
                         "/etc/subuid and /etc/subgid are used up: add more)",
                         VZ_USERNS_SIZE, ctid);
    free(upool);
    free(gpool);
    free(uused);
    free(gused);
    if (r < 0) {
        vz_lock_release(*lock);
        *lock = NULL;
        return -1;
    }
    m->enabled = 1;
    m->count = VZ_USERNS_SIZE;
    return 0;
}

/* ---- maps ---- */

static int write_proc(pid_t pid, const char *file, const char *text, vz_error_t *err)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return vz_error_sys(err, "open %s", path);
    ssize_t n = write(fd, text, strlen(text));
    int e = errno;
    close(fd);
    if (n != (ssize_t)strlen(text)) {
        errno = n < 0 ? e : EIO;
        return vz_error_sys(err, "write \"%s\" to %s", text, path);
    }
    return 0;
}

int vz_userns_write_maps(pid_t pid, const struct vz_idmap *m, vz_error_t *err)
{
    char u[64], g[64];
    snprintf(u, sizeof(u), "0 %" PRIu32 " %" PRIu32, m->uid, m->count);
    snprintf(g, sizeof(g), "0 %" PRIu32 " %" PRIu32, m->gid, m->count);
    if (write_proc(pid, "uid_map", u, err) < 0 || write_proc(pid, "gid_map", g, err) < 0)
        return vz_error_wrap(err, "map the user namespace's ids");
    return 0;
}

int vz_userns_fd(const struct vz_idmap *m, vz_error_t *err)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0)
        return vz_error_sys(err, "pipe");
    /* A child that only exists to own the namespace: it unshares, says so,
     * and waits to be killed. */
    pid_t c = fork();
    if (c < 0) {
        close(p[0]);
        close(p[1]);
        return vz_error_sys(err, "fork");
    }
    if (c == 0) {
        close(p[0]);
        char ok = unshare(CLONE_NEWUSER) == 0 ? 'y' : 'n';
        if (write(p[1], &ok, 1) != 1)
            _exit(1);
        for (;;)
            pause();
    }
    close(p[1]);
    char ok = 0;
    ssize_t n;
    while ((n = read(p[0], &ok, 1)) < 0 && errno == EINTR)
        ;
    close(p[0]);
    int fd = -1;
    if (n != 1 || ok != 'y')
        vz_error_set(err, VZ_ESYSTEM, 0, "this kernel cannot make a user namespace (CONFIG_USER_NS)");
    else if (vz_userns_write_maps(c, m, err) == 0) {
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)c);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            vz_error_sys(err, "open %s", path);
    }
    kill(c, SIGKILL);
    while (waitpid(c, NULL, 0) < 0 && errno == EINTR)
        ;
    return fd;
}

int vz_userns_become_root(void)
{
    if (setgroups(0, NULL) < 0 || setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
        return -1;
    return 0;
}
