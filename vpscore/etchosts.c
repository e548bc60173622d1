/* vpscore/etchosts.c: the container's hostname in its /etc/hosts (net.h).
 *
 * Debian's convention (debian-installer, systemd's nss-myhostname): the
 * hostname resolves through a "127.0.1.1 FQDN SHORT" line, so `hostname -f`
 * and sudo work without an address on the network. That one line is
 * vzforge's: it is replaced when the hostname changes; every other line an
 * admin or a package wrote stays as it is. A root without /etc/hosts gets
 * the usual localhost lines first. */
#include "vpscore/net.h"
#include "vpscore/rootfs.h"

#include <errno.h>
#include <string.h>

static const char default_hosts[] = "127.0.0.1\tlocalhost\n"
                                    "::1\t\tlocalhost ip6-localhost ip6-loopback\n"
                                    "ff02::1\t\tip6-allnodes\n"
                                    "ff02::2\t\tip6-allrouters\n";

static int is_ours(const char *line, size_t n)
{
    return n >= 10 && strncmp(line, "127.0.1.1", 9) == 0 && (line[9] == ' ' || line[9] == '\t');
}

int vz_net_write_hosts(const char *root, const char *hostname, vz_error_t *err)
{
    cleanup_free char *old = NULL;
    vz_error_t e = NULL;
    if (vz_rootfs_read(root, "etc/hosts", &old, NULL, &e) < 0) {
        if (e->errnum != ENOENT) {
            *err = e;
            return vz_error_wrap(err, "hostname %s into /etc/hosts", hostname);
        }
        vz_error_release(&e);
    }
    struct vz_buf b = VZ_BUF_INIT;
    vz_buf_init(&b);
    const char *p = old ? old : default_hosts;
    int placed = 0;
    cleanup_free char *mine = NULL;
    const char *dot = strchr(hostname, '.');
    if (dot)
        mine = vz_xasprintf("127.0.1.1\t%s %.*s\n", hostname, (int)(dot - hostname), hostname);
    else
        mine = vz_xasprintf("127.0.1.1\t%s\n", hostname);
    while (*p) {
        size_t n = strcspn(p, "\n");
        if (is_ours(p, n)) {
            if (!placed)
                vz_buf_adds(&b, mine);
            placed = 1;
        } else {
            vz_buf_addf(&b, "%.*s\n", (int)n, p);
        }
        p += n + (p[n] == '\n');
    }
    if (!placed)
        vz_buf_adds(&b, mine);
    int r = vz_rootfs_write(root, "etc/hosts", b.data, b.len, 0644, err);
    vz_buf_release(&b);
    return r;
}
