/* cache/sign.c: Ed25519 keys and signatures through OpenSSL's EVP API. */
#include "cache/sign.h"

#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#define SIG_PREFIX "ed25519 "
#define ED25519_SIG_LEN 64
#define ED25519_PUB_LEN 32

static void pkey_freep(EVP_PKEY **k)
{
    EVP_PKEY_free(*k);
}
#define cleanup_pkey __attribute__((cleanup(pkey_freep)))

/* Last OpenSSL error as text (for messages). */
static const char *ossl_err(void)
{
    static char buf[256];
    unsigned long e = ERR_get_error();
    if (!e)
        return "unknown OpenSSL error";
    ERR_error_string_n(e, buf, sizeof(buf));
    ERR_clear_error();
    return buf;
}

char *vz_keys_dir(void)
{
    return vz_root_path("/etc/vz/keys");
}

char *vz_key_private_path(void)
{
    return vz_root_path("/etc/vz/keys/signing.key");
}

char *vz_key_public_path(void)
{
    return vz_root_path("/etc/vz/keys/signing.pub");
}

char *vz_trusted_dir(void)
{
    return vz_root_path("/etc/vz/keys/trusted");
}

static int key_id_of(EVP_PKEY *k, char *id, vz_error_t *err)
{
    unsigned char raw[ED25519_PUB_LEN];
    size_t len = sizeof(raw);
    if (EVP_PKEY_get_raw_public_key(k, raw, &len) != 1 || len != ED25519_PUB_LEN)
        return vz_error_set(err, VZ_EVERIFY, 0, "not an Ed25519 key: %s", ossl_err());
    char hex[VZ_SHA256_HEX_LEN + 1];
    vz_sha256_hex(raw, len, hex);
    memcpy(id, hex, VZ_KEYID_LEN);
    id[VZ_KEYID_LEN] = '\0';
    return 0;
}

/* The DER of an Ed25519 SubjectPublicKeyInfo (RFC 8410) is always these 12
 * bytes followed by the 32-byte key. */
static const unsigned char ed25519_spki_prefix[12] = { 0x30, 0x2a, 0x30, 0x05, 0x06, 0x03,
                                                       0x2b, 0x65, 0x70, 0x03, 0x21, 0x00 };

/* A PEM "PUBLIC KEY" that is an Ed25519 key, straight from its raw bytes.
 * OpenSSL 3's generic PEM decoder builds a chain of every decoder it has
 * first, about half a millisecond a key, and vzctl create verifies a
 * signature on each run. NULL when the text is anything else: the caller
 * then takes the generic path, which also gives the errors. */
static EVP_PKEY *ed25519_pub_fast(const char *pem, size_t len)
{
    static const char head[] = "-----BEGIN PUBLIC KEY-----\n";
    static const char tail[] = "\n-----END PUBLIC KEY-----";
    if (len < sizeof(head) || memcmp(pem, head, sizeof(head) - 1) != 0)
        return NULL;
    const char *b64 = pem + sizeof(head) - 1;
    const char *end = memmem(b64, len - (size_t)(b64 - pem), tail, sizeof(tail) - 1);
    /* 44 DER bytes are 60 base64 characters, on one line as OpenSSL writes them */
    if (end == NULL || end - b64 != 60)
        return NULL;
    unsigned char der[48];
    if (EVP_DecodeBlock(der, (const unsigned char *)b64, 60) != 45 || /* 44 + one '=' of padding */
        memcmp(der, ed25519_spki_prefix, sizeof(ed25519_spki_prefix)) != 0)
        return NULL;
    return EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, der + sizeof(ed25519_spki_prefix),
                                       ED25519_PUB_LEN);
}

/* Load a PEM file holding a public key or a private key (public half). */
static int load_pub(const char *path, EVP_PKEY **out, vz_error_t *err)
{
    cleanup_free char *data = NULL;
    size_t len = 0;
    if (vz_read_file(path, &data, &len, err) < 0)
        return -1;
    if ((*out = ed25519_pub_fast(data, len)) != NULL)
        return 0;
    BIO *b = BIO_new_mem_buf(data, (int)len);
    if (!b)
        return vz_error_set(err, VZ_ESYSTEM, ENOMEM, "%s", path);
    EVP_PKEY *k = PEM_read_bio_PUBKEY(b, NULL, NULL, NULL);
    if (!k) {
        ERR_clear_error();
        BIO_reset(b);
        k = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
    }
    BIO_free(b);
    if (!k)
        return vz_error_set(err, VZ_EVERIFY, 0,
                            "%s: not a PEM public or private key (%s)", path, ossl_err());
    if (EVP_PKEY_get_id(k) != EVP_PKEY_ED25519) {
        EVP_PKEY_free(k);
        return vz_error_set(err, VZ_EVERIFY, 0, "%s: not an Ed25519 key", path);
    }
    *out = k;
    return 0;
}

static int load_private(const char *path, EVP_PKEY **out, vz_error_t *err)
{
    cleanup_free char *data = NULL;
    size_t len = 0;
    if (vz_read_file(path, &data, &len, err) < 0)
        return -1;
    BIO *b = BIO_new_mem_buf(data, (int)len);
    if (!b)
        return vz_error_set(err, VZ_ESYSTEM, ENOMEM, "%s", path);
    EVP_PKEY *k = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
    BIO_free(b);
    explicit_bzero(data, len);
    if (!k)
        return vz_error_set(err, VZ_EFAIL, 0, "%s: not a PEM private key (%s)", path, ossl_err());
    if (EVP_PKEY_get_id(k) != EVP_PKEY_ED25519) {
        EVP_PKEY_free(k);
        return vz_error_set(err, VZ_EFAIL, 0, "%s: not an Ed25519 key", path);
    }
    *out = k;
    return 0;
}

int vz_key_file_id(const char *pem_path, char *id, vz_error_t *err)
{
    cleanup_pkey EVP_PKEY *k = NULL;
    if (load_pub(pem_path, &k, err) < 0)
        return -1;
    return key_id_of(k, id, err);
}

/* PEM text of a key into an allocated buffer. */
static int pem_text(EVP_PKEY *k, bool private, char **out, size_t *len, vz_error_t *err)
{
    BIO *b = BIO_new(BIO_s_mem());
    if (!b)
        return vz_error_set(err, VZ_ESYSTEM, ENOMEM, "BIO_new");
    int ok = private ? PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL)
                     : PEM_write_bio_PUBKEY(b, k);
    if (ok != 1) {
        BIO_free(b);
        return vz_error_set(err, VZ_EFAIL, 0, "write PEM: %s", ossl_err());
    }
    char *p = NULL;
    long n = BIO_get_mem_data(b, &p);
    *out = vz_xmalloc((size_t)n + 1);
    memcpy(*out, p, (size_t)n);
    (*out)[n] = '\0';
    *len = (size_t)n;
    BIO_free(b);
    return 0;
}

int vz_key_generate(bool force, char *id, vz_error_t *err)
{
    cleanup_free char *dir = vz_keys_dir();
    cleanup_free char *priv = vz_key_private_path();
    cleanup_free char *pub = vz_key_public_path();
    if (!force && (vz_file_exists(priv) || vz_file_exists(pub)))
        return vz_error_set(err, VZ_EFAIL, 0,
                            "a signing key already exists in %s; use --force to replace it "
                            "(hosts that trust the old key will refuse new caches)", dir);
    if (vz_mkdir_p(dir, 0755, err) < 0)
        return vz_error_wrap(err, "create key directory");
    cleanup_pkey EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    if (!k)
        return vz_error_set(err, VZ_EFAIL, 0, "generate Ed25519 key: %s", ossl_err());
    cleanup_free char *ptxt = NULL, *ktxt = NULL;
    size_t plen = 0, klen = 0;
    if (pem_text(k, true, &ktxt, &klen, err) < 0 || pem_text(k, false, &ptxt, &plen, err) < 0)
        return -1;
    /* Private first: a public key without its private half would make the
     * next build fail instead of creating a pair. */
    int r = vz_atomic_write(priv, ktxt, klen, 0600, err);
    explicit_bzero(ktxt, klen);
    if (r < 0)
        return -1;
    if (vz_atomic_write(pub, ptxt, plen, 0644, err) < 0) {
        unlink(priv);
        return -1;
    }
    char tmp[VZ_KEYID_LEN + 1];
    return key_id_of(k, id ? id : tmp, err);
}

int vz_key_ensure(char *id, vz_error_t *err)
{
    cleanup_free char *priv = vz_key_private_path();
    cleanup_free char *pub = vz_key_public_path();
    char tmp[VZ_KEYID_LEN + 1];
    if (!id)
        id = tmp;
    if (vz_file_exists(priv)) {
        cleanup_pkey EVP_PKEY *k = NULL;
        if (load_private(priv, &k, err) < 0)
            return -1;
        if (!vz_file_exists(pub)) {
            cleanup_free char *ptxt = NULL;
            size_t plen = 0;
            if (pem_text(k, false, &ptxt, &plen, err) < 0 ||
                vz_atomic_write(pub, ptxt, plen, 0644, err) < 0)
                return -1;
        }
        return key_id_of(k, id, err);
    }
    if (vz_key_generate(true, id, err) < 0)
        return vz_error_wrap(err, "create a signing key");
    vz_info("no signing key yet: created %s (private, mode 0600) and %s, key ID %s; "
            "other hosts accept this host's caches after 'vzpkg trust add' of a copy of %s",
            priv, pub, id, pub);
    return 0;
}

int vz_sign(const void *data, size_t len, char **sig_text, size_t *sig_len, char *id,
            vz_error_t *err)
{
    char kid[VZ_KEYID_LEN + 1];
    if (vz_key_ensure(kid, err) < 0)
        return -1;
    cleanup_free char *priv = vz_key_private_path();
    cleanup_pkey EVP_PKEY *k = NULL;
    if (load_private(priv, &k, err) < 0)
        return -1;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned char sig[ED25519_SIG_LEN];
    size_t slen = sizeof(sig);
    if (!ctx || EVP_DigestSignInit(ctx, NULL, NULL, NULL, k) != 1 ||
        EVP_DigestSign(ctx, sig, &slen, data, len) != 1) {
        EVP_MD_CTX_free(ctx);
        return vz_error_set(err, VZ_EFAIL, 0, "sign with %s: %s", priv, ossl_err());
    }
    EVP_MD_CTX_free(ctx);
    unsigned char b64[4 * ((ED25519_SIG_LEN + 2) / 3) + 1];
    EVP_EncodeBlock(b64, sig, (int)slen);
    *sig_text = vz_xasprintf(SIG_PREFIX "%s %s\n", kid, b64);
    if (sig_len)
        *sig_len = strlen(*sig_text);
    if (id)
        memcpy(id, kid, sizeof(kid));
    return 0;
}

/* Parse "ed25519 KEYID BASE64\n". */
static int parse_sig(const char *text, size_t len, char *id, unsigned char *sig, vz_error_t *err)
{
    /* exact shape, so a flipped byte anywhere in the file is noticed */
    size_t b64len = 4 * ((ED25519_SIG_LEN + 2) / 3);
    size_t want = strlen(SIG_PREFIX) + VZ_KEYID_LEN + 1 + b64len + 1;
    if (len != want || memcmp(text, SIG_PREFIX, strlen(SIG_PREFIX)) != 0 ||
        text[len - 1] != '\n' || text[strlen(SIG_PREFIX) + VZ_KEYID_LEN] != ' ')
        return vz_error_set(err, VZ_EVERIFY, 0,
                            "signature malformed (expected one line 'ed25519 KEYID BASE64')");
    const char *p = text + strlen(SIG_PREFIX);
    for (size_t i = 0; i < VZ_KEYID_LEN; i++)
        if (!strchr("0123456789abcdef", p[i]) || !p[i])
            return vz_error_set(err, VZ_EVERIFY, 0, "signature malformed (bad key ID)");
    memcpy(id, p, VZ_KEYID_LEN);
    id[VZ_KEYID_LEN] = '\0';
    unsigned char out[ED25519_SIG_LEN + 3];
    int n = EVP_DecodeBlock(out, (const unsigned char *)p + VZ_KEYID_LEN + 1, (int)b64len);
    /* 64 bytes encode to 88 characters with "==" padding: DecodeBlock gives 66 */
    if (n != ED25519_SIG_LEN + 2 || p[VZ_KEYID_LEN + 1 + b64len - 1] != '=' ||
        p[VZ_KEYID_LEN + 1 + b64len - 2] != '=')
        return vz_error_set(err, VZ_EVERIFY, 0, "signature malformed (bad base64)");
    memcpy(sig, out, ED25519_SIG_LEN);
    return 0;
}

int vz_sig_key_id(const char *sig_text, size_t sig_len, char *id, vz_error_t *err)
{
    unsigned char sig[ED25519_SIG_LEN];
    return parse_sig(sig_text, sig_len, id, sig, err);
}

/* Find the trusted key with this ID. 0 found, -1 error (untrusted included). */
static int find_trusted(const char *id, EVP_PKEY **out, vz_error_t *err)
{
    struct vz_trusted_key *keys = NULL;
    size_t n = 0;
    if (vz_trust_list(&keys, &n, err) < 0)
        return -1;
    int r = -1;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(keys[i].id, id) != 0)
            continue;
        r = load_pub(keys[i].path, out, err);
        break;
    }
    if (r < 0 && !*err) {
        cleanup_free char *dir = vz_trusted_dir();
        vz_error_set(err, VZ_EVERIFY, 0,
                     "signed by key %s, which is not trusted (trust it with "
                     "'vzpkg trust add KEYFILE'; trusted keys are in %s)", id, dir);
    }
    vz_trust_list_free(keys, n);
    return r;
}

int vz_verify(const void *data, size_t len, const char *sig_text, size_t sig_len, char *signer,
              vz_error_t *err)
{
    char id[VZ_KEYID_LEN + 1];
    unsigned char sig[ED25519_SIG_LEN];
    if (parse_sig(sig_text, sig_len, id, sig, err) < 0)
        return -1;
    cleanup_pkey EVP_PKEY *k = NULL;
    if (find_trusted(id, &k, err) < 0)
        return -1;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int ok = ctx && EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, k) == 1 &&
             EVP_DigestVerify(ctx, sig, sizeof(sig), data, len) == 1;
    EVP_MD_CTX_free(ctx);
    ERR_clear_error();
    if (!ok)
        return vz_error_set(err, VZ_EVERIFY, 0,
                            "bad signature (key %s): the signed file or its signature was modified",
                            id);
    if (signer)
        memcpy(signer, id, sizeof(id));
    return 0;
}

int vz_trust_add(const char *pem_path, char *id, vz_error_t *err)
{
    cleanup_pkey EVP_PKEY *k = NULL;
    char kid[VZ_KEYID_LEN + 1];
    if (load_pub(pem_path, &k, err) < 0 || key_id_of(k, kid, err) < 0)
        return -1;
    cleanup_free char *dir = vz_trusted_dir();
    if (vz_mkdir_p(dir, 0755, err) < 0)
        return -1;
    cleanup_free char *txt = NULL;
    size_t len = 0;
    if (pem_text(k, false, &txt, &len, err) < 0)
        return -1;
    cleanup_free char *name = vz_xasprintf("%s.pub", kid);
    cleanup_free char *path = vz_path_join(dir, name);
    if (vz_atomic_write(path, txt, len, 0644, err) < 0)
        return -1;
    if (id)
        memcpy(id, kid, sizeof(kid));
    return 0;
}

static int cmp_key(const void *a, const void *b)
{
    const struct vz_trusted_key *x = a, *y = b;
    int c = strcmp(x->id, y->id);
    return c ? c : (int)y->own - (int)x->own;
}

int vz_trust_list(struct vz_trusted_key **out, size_t *n, vz_error_t *err)
{
    struct vz_trusted_key *keys = NULL;
    size_t cnt = 0;
    cleanup_free char *pub = vz_key_public_path();
    if (vz_file_exists(pub)) {
        keys = vz_xrealloc(keys, sizeof(*keys) * (cnt + 1));
        if (vz_key_file_id(pub, keys[cnt].id, err) < 0) {
            vz_trust_list_free(keys, cnt);
            return vz_error_wrap(err, "host's own public key");
        }
        keys[cnt].path = vz_xstrdup(pub);
        keys[cnt].own = true;
        cnt++;
    }
    cleanup_free char *dir = vz_trusted_dir();
    cleanup_dir DIR *d = opendir(dir);
    if (!d && errno != ENOENT) {
        vz_trust_list_free(keys, cnt);
        return vz_error_sys(err, "open %s", dir);
    }
    struct dirent *de;
    while (d && (de = readdir(d))) {
        size_t l = strlen(de->d_name);
        if (l < 5 || !vz_str_ends_with(de->d_name, ".pub"))
            continue;
        cleanup_free char *path = vz_path_join(dir, de->d_name);
        char id[VZ_KEYID_LEN + 1];
        vz_error_t e = NULL;
        if (vz_key_file_id(path, id, &e) < 0) {
            /* one broken file must not hide the other keys */
            vz_warn("ignoring trusted key %s: %s", path, e->msg);
            vz_error_release(&e);
            continue;
        }
        keys = vz_xrealloc(keys, sizeof(*keys) * (cnt + 1));
        memcpy(keys[cnt].id, id, sizeof(id));
        keys[cnt].path = get_and_reset(&path);
        keys[cnt].own = false;
        cnt++;
    }
    if (cnt)
        qsort(keys, cnt, sizeof(*keys), cmp_key);
    *out = keys;
    *n = cnt;
    return 0;
}

void vz_trust_list_free(struct vz_trusted_key *k, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(k[i].path);
    free(k);
}

int vz_trust_remove(const char *id, vz_error_t *err)
{
    struct vz_trusted_key *keys = NULL;
    size_t n = 0;
    if (vz_trust_list(&keys, &n, err) < 0)
        return -1;
    int found = 0, own = 0;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(keys[i].id, id) != 0)
            continue;
        if (keys[i].own) {
            own = 1;
            continue;
        }
        if (unlink(keys[i].path) < 0 && errno != ENOENT) {
            vz_error_sys(err, "remove %s", keys[i].path);
            vz_trust_list_free(keys, n);
            return -1;
        }
        found = 1;
    }
    vz_trust_list_free(keys, n);
    if (!found && own) {
        cleanup_free char *pub = vz_key_public_path();
        return vz_error_set(err, VZ_EFAIL, 0,
                            "key %s is this host's own signing key, trusted implicitly; "
                            "remove %s to stop trusting it", id, pub);
    }
    if (!found)
        return vz_error_set(err, VZ_EFAIL, 0, "key %s is not trusted (see 'vzpkg trust list')", id);
    return 0;
}
