/* tests/dump/dumpfix.h: a VZ_ROOT with a signed template cache (busybox
 * and a few hundred files), in mount and network namespaces of the test's
 * own, for vzdump/vzrestore tests; commands run as the real binaries. */
#ifndef VZ_TESTS_DUMPFIX_H
#define VZ_TESTS_DUMPFIX_H

#include <stdint.h>

#define DFX_TMPL "dmp-1-x86_64-minimal"

struct dfx {
    char root[64];     /* VZ_ROOT */
    char root2[64];    /* a second VZ_ROOT: "another host" */
    char dumpdir[96];
    char ct[16], ct2[16];
};

void dfx_setup(struct dfx *d);
void dfx_teardown(struct dfx *d);
/* vzctl create CTID --layout L [--ipadd IP] under the current VZ_ROOT. */
void dfx_create(struct dfx *d, const char *ctid, const char *layout, const char *ip);
/* Run $VZ_BUILD/bin/PROG; assert exit 0; return stdout (allocated). */
char *dfx_ok(struct dfx *d, const char *prog, const char *const *args);
/* A string member of a JSON object text. Allocated. */
char *dfx_json_str(const char *json, const char *key);
/* A numeric key of CTID's conf under the current VZ_ROOT. */
uint32_t dfx_conf_id(struct dfx *d, const char *ctid, const char *key);
/* No conf, no private area, no lock held for ctid under root. */
void dfx_assert_absent(struct dfx *d, const char *root, const char *ctid, const char *what);
/* Switch VZ_ROOT (and the template area with it). */
void dfx_use_root(const char *root);

/* One entry of a crafted archive (dfx_craft). */
struct dfx_ent {
    const char *path;     /* as stored, e.g. "files/etc/x" or "files/../x" */
    unsigned type;        /* AE_IFREG, AE_IFDIR, AE_IFLNK, AE_IFCHR, ... */
    const char *data;     /* regular file contents; symlink target */
    const char *hardlink; /* hard link target, or NULL */
    unsigned major, minor;
};
/* Write a zstd archive as vzdump would, but of the given entries (after a
 * plain layout conf for CTID 1), with a manifest signed by the current
 * VZ_ROOT's key: what a signer that wanted to harm a restoring host could
 * make. NULL-path-terminated. */
void dfx_craft(const char *archive, const struct dfx_ent *ents);
/* Run sh -c script; assert exit 0. */
void dfx_sh(const char *script);

#endif
