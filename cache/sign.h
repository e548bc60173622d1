/* cache/sign.h: Ed25519 signing keys, signatures and the trusted-key set.
 *
 * Keys live under $VZ_ROOT/etc/vz/keys/:
 *   signing.key   the host's private key, PKCS#8 PEM, mode 0600
 *   signing.pub   its public key, SubjectPublicKeyInfo PEM
 *   trusted/ID.pub  one file per trusted public key (PEM)
 * A key ID is the first 16 hex digits of sha256(raw 32-byte public key).
 *
 * The host's own public key (signing.pub) is trusted implicitly: a host
 * always accepts caches it built itself. To stop trusting it, remove the
 * key pair (and make a new one with `vzpkg keygen --force`).
 *
 * A signature file is one line of text:
 *     "ed25519 KEYID BASE64-SIGNATURE\n"
 * over the exact bytes of the signed file (manifest or index). Verification
 * looks the key up by KEYID among the trusted keys; every failure is
 * VZ_EVERIFY with a message that says which of malformed / untrusted / bad
 * signature it was.
 */
#ifndef VZ_CACHE_SIGN_H
#define VZ_CACHE_SIGN_H

#include <stdbool.h>
#include <stddef.h>

#include "common/common.h"

#define VZ_KEYID_LEN 16

/* $VZ_ROOT/etc/vz/keys, .../signing.key, .../signing.pub, .../trusted. Allocated. */
char *vz_keys_dir(void);
char *vz_key_private_path(void);
char *vz_key_public_path(void);
char *vz_trusted_dir(void);

/* Make a new key pair. Refuses (VZ_EFAIL) if one exists, unless force.
 * id receives the new key's ID (VZ_KEYID_LEN + 1 bytes). */
int vz_key_generate(bool force, char *id, vz_error_t *err);

/* Make sure a signing key exists; create one (with an INFO message naming
 * the files and the key ID) when there is none. id may be NULL. */
int vz_key_ensure(char *id, vz_error_t *err);

/* Sign data with the host's key (created on first use). *sig_text is the
 * allocated signature line; id (may be NULL) receives the signer's key ID. */
int vz_sign(const void *data, size_t len, char **sig_text, size_t *sig_len, char *id,
            vz_error_t *err);

/* Verify sig_text over data against the trusted keys (trusted/ plus the
 * host's own public key). signer (may be NULL) receives the key ID. */
int vz_verify(const void *data, size_t len, const char *sig_text, size_t sig_len, char *signer,
              vz_error_t *err);

/* The key ID that sig_text names, without verifying it (id: 17 bytes). */
int vz_sig_key_id(const char *sig_text, size_t sig_len, char *id, vz_error_t *err);

/* Trusted keys. */
struct vz_trusted_key {
    char id[VZ_KEYID_LEN + 1];
    char *path;
    bool own;  /* the host's own signing.pub */
};
/* Add a PEM public key file (or a private key file: its public half is
 * trusted). id receives the key ID. Adding a key twice is not an error. */
int vz_trust_add(const char *pem_path, char *id, vz_error_t *err);
/* All trusted keys, sorted by ID, the host's own key included (own=true). */
int vz_trust_list(struct vz_trusted_key **out, size_t *n, vz_error_t *err);
void vz_trust_list_free(struct vz_trusted_key *k, size_t n);
/* Remove trusted/ID.pub. VZ_EFAIL naming the ID when it is not trusted. */
int vz_trust_remove(const char *id, vz_error_t *err);

/* Key ID of a PEM public (or private) key file. */
int vz_key_file_id(const char *pem_path, char *id, vz_error_t *err);

#endif
