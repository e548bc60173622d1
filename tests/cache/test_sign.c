#include <criterion/criterion.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache/sign.h"
#include "common/common.h"
#include "util.h"

TestSuite(sign, .init = (void (*)(void))vzt_root_setup, .fini = vzt_root_teardown, .timeout = 300);

static mode_t mode_of(const char *p)
{
    struct stat st;
    cr_assert_eq(stat(p, &st), 0, "stat %s", p);
    return st.st_mode & 07777;
}

Test(sign, keygen_makes_private_0600_and_refuses_overwrite)
{
    vz_error_t err = NULL;
    char id[VZ_KEYID_LEN + 1], id2[VZ_KEYID_LEN + 1];
    cr_assert_eq(vz_key_generate(false, id, &err), 0, "%s", vzt_errmsg(&err));
    cr_assert_eq(strlen(id), VZ_KEYID_LEN);
    char *priv = vz_key_private_path(), *pub = vz_key_public_path();
    cr_assert_eq(mode_of(priv), 0600);
    cr_assert_eq(mode_of(pub), 0644);
    char *pem = vzt_slurp(priv, NULL);
    cr_assert(strstr(pem, "-----BEGIN PRIVATE KEY-----"));
    free(pem);
    cr_assert_eq(vz_key_generate(false, id2, &err), -1);
    cr_assert_eq(err->status, VZ_EFAIL);
    char *dir = vz_keys_dir();
    char *want = vz_xasprintf("a signing key already exists in %s; use --force to replace it "
                              "(hosts that trust the old key will refuse new caches)", dir);
    cr_assert_str_eq(err->msg, want);
    vz_error_release(&err);
    char fid[VZ_KEYID_LEN + 1];
    cr_assert_eq(vz_key_file_id(pub, fid, &err), 0);
    cr_assert_str_eq(fid, id, "refused keygen must leave the old key");
    cr_assert_eq(vz_key_generate(true, id2, &err), 0);
    cr_assert_str_neq(id, id2);
    cr_assert_eq(mode_of(priv), 0600);
    free(want);
    free(dir);
    free(priv);
    free(pub);
}

Test(sign, sign_creates_key_on_first_use_and_verifies)
{
    vz_error_t err = NULL;
    char *priv = vz_key_private_path();
    cr_assert(!vz_file_exists(priv));
    char *sig = NULL;
    size_t slen = 0;
    char id[VZ_KEYID_LEN + 1], signer[VZ_KEYID_LEN + 1];
    const char *data = "{\"format\": 1}\n";
    cr_assert_eq(vz_sign(data, strlen(data), &sig, &slen, id, &err), 0, "%s", vzt_errmsg(&err));
    cr_assert(vz_file_exists(priv));
    cr_assert_eq(slen, strlen("ed25519 ") + 16 + 1 + 88 + 1);
    cr_assert_eq(strncmp(sig, "ed25519 ", 8), 0);
    cr_assert_eq(strncmp(sig + 8, id, 16), 0);
    cr_assert_eq(vz_verify(data, strlen(data), sig, slen, signer, &err), 0, "%s",
                 vzt_errmsg(&err));
    cr_assert_str_eq(signer, id);
    free(sig);
    free(priv);
}

Test(sign, tampered_data_signature_and_truncation_refused)
{
    vz_error_t err = NULL;
    char *sig = NULL;
    size_t slen = 0;
    char id[VZ_KEYID_LEN + 1];
    char data[] = "manifest bytes";
    cr_assert_eq(vz_sign(data, strlen(data), &sig, &slen, id, &err), 0);
    char *want = vz_xasprintf("bad signature (key %s): the signed file or its signature was modified", id);

    data[3] ^= 1;
    cr_assert_eq(vz_verify(data, strlen(data), sig, slen, NULL, &err), -1);
    cr_assert_eq(err->status, VZ_EVERIFY);
    cr_assert_str_eq(err->msg, want);
    vz_error_release(&err);
    data[3] ^= 1;

    /* a flipped character of the base64 signature */
    sig[30] = sig[30] == 'A' ? 'B' : 'A';
    cr_assert_eq(vz_verify(data, strlen(data), sig, slen, NULL, &err), -1);
    cr_assert_eq(err->status, VZ_EVERIFY);
    cr_assert_str_eq(err->msg, want);
    vz_error_release(&err);

    /* truncated signature file */
    cr_assert_eq(vz_verify(data, strlen(data), sig, slen - 5, NULL, &err), -1);
    cr_assert_str_eq(err->msg, "signature malformed (expected one line 'ed25519 KEYID BASE64')");
    vz_error_release(&err);
    free(want);
    free(sig);
}

Test(sign, untrusted_key_refused_until_trusted)
{
    vz_error_t err = NULL;
    /* sign on "host A" */
    char *sig = NULL;
    size_t slen = 0;
    char ida[VZ_KEYID_LEN + 1];
    cr_assert_eq(vz_sign("x", 1, &sig, &slen, ida, &err), 0);
    char *pub_a = vz_key_public_path();
    char *saved = vzt_mkdtemp("key");
    char *copy = vz_path_join(saved, "a.pub");
    cr_assert_eq(vz_copy_file(pub_a, copy, &err), 0);
    /* "host B": its own fresh key */
    char idb[VZ_KEYID_LEN + 1];
    cr_assert_eq(vz_key_generate(true, idb, &err), 0);
    cr_assert_eq(vz_verify("x", 1, sig, slen, NULL, &err), -1);
    char *tdir = vz_trusted_dir();
    char *want = vz_xasprintf("signed by key %s, which is not trusted (trust it with 'vzpkg trust "
                              "add KEYFILE'; trusted keys are in %s)", ida, tdir);
    cr_assert_str_eq(err->msg, want);
    cr_assert_eq(err->status, VZ_EVERIFY);
    vz_error_release(&err);

    char added[VZ_KEYID_LEN + 1];
    cr_assert_eq(vz_trust_add(copy, added, &err), 0, "%s", vzt_errmsg(&err));
    cr_assert_str_eq(added, ida);
    cr_assert_eq(vz_verify("x", 1, sig, slen, NULL, &err), 0, "%s", vzt_errmsg(&err));

    struct vz_trusted_key *keys = NULL;
    size_t n = 0;
    cr_assert_eq(vz_trust_list(&keys, &n, &err), 0);
    cr_assert_eq(n, 2);
    int own = 0, other = 0;
    for (size_t i = 0; i < n; i++) {
        if (keys[i].own)
            own += !strcmp(keys[i].id, idb);
        else
            other += !strcmp(keys[i].id, ida);
    }
    cr_assert(own == 1 && other == 1);
    vz_trust_list_free(keys, n);

    cr_assert_eq(vz_trust_remove(ida, &err), 0);
    cr_assert_eq(vz_verify("x", 1, sig, slen, NULL, &err), -1);
    vz_error_release(&err);
    cr_assert_eq(vz_trust_remove(ida, &err), -1);
    char *w2 = vz_xasprintf("key %s is not trusted (see 'vzpkg trust list')", ida);
    cr_assert_str_eq(err->msg, w2);
    vz_error_release(&err);
    cr_assert_eq(vz_trust_remove(idb, &err), -1);
    cr_assert(strstr(err->msg, "is this host's own signing key, trusted implicitly"));
    vz_error_release(&err);
    vz_rm_rf(saved, &err);
    free(w2);
    free(want);
    free(tdir);
    free(copy);
    free(saved);
    free(pub_a);
    free(sig);
}

Test(sign, trust_add_rejects_non_key)
{
    vz_error_t err = NULL;
    char *dir = vzt_mkdtemp("key");
    char *f = vz_path_join(dir, "junk.pub");
    vzt_write(f, "not a key\n");
    char id[VZ_KEYID_LEN + 1];
    cr_assert_eq(vz_trust_add(f, id, &err), -1);
    cr_assert_eq(err->status, VZ_EVERIFY);
    char *prefix = vz_xasprintf("%s: not a PEM public or private key", f);
    cr_assert_eq(strncmp(err->msg, prefix, strlen(prefix)), 0, "%s", err->msg);
    vz_error_release(&err);
    vz_rm_rf(dir, &err);
    free(prefix);
    free(f);
    free(dir);
}

/* load_pub() reads a one-line Ed25519 PEM from its raw bytes and hands
 * anything else to OpenSSL's decoder: both paths give the same key, and a
 * key of another type that looks alike (X25519: same length, other OID) is
 * still refused. */
Test(sign, public_key_fast_and_generic_paths_agree)
{
    vz_error_t err = NULL;
    char id[VZ_KEYID_LEN + 1];
    cr_assert_eq(vz_key_generate(false, id, &err), 0, "%s", vzt_errmsg(&err));
    char *pub = vz_key_public_path();
    char *pem = vzt_slurp(pub, NULL);
    cr_assert_eq(strlen(pem), 27 + 61 + 25, "not the one-line PEM the fast path reads: %s", pem);
    char fid[VZ_KEYID_LEN + 1], gid[VZ_KEYID_LEN + 1];
    cr_assert_eq(vz_key_file_id(pub, fid, &err), 0, "%s", vzt_errmsg(&err));
    cr_assert_str_eq(fid, id);
    /* the same key with CRLF line ends: not the fast path's shape */
    char *dir = vzt_mkdtemp("key");
    char *crlf = vz_path_join(dir, "crlf.pub");
    struct vz_buf b = VZ_BUF_INIT;
    vz_buf_init(&b);
    for (const char *p = pem; *p; p++) {
        if (*p == '\n')
            vz_buf_addc(&b, '\r');
        vz_buf_addc(&b, *p);
    }
    vzt_write(crlf, b.data);
    cr_assert_eq(vz_key_file_id(crlf, gid, &err), 0, "%s", vzt_errmsg(&err));
    cr_assert_str_eq(gid, id);
    /* an X25519 public key: 44 bytes of DER too, refused */
    char *x = vz_path_join(dir, "x25519.pub");
    char *kx = vz_path_join(dir, "x25519.key");
    char *gen[] = { "openssl", "genpkey", "-algorithm", "X25519", "-out", kx, NULL };
    cr_assert_eq(vz_run_ok(gen, NULL, &err), 0, "%s", vzt_errmsg(&err));
    char *exp[] = { "openssl", "pkey", "-in", kx, "-pubout", "-out", x, NULL };
    cr_assert_eq(vz_run_ok(exp, NULL, &err), 0, "%s", vzt_errmsg(&err));
    cr_assert_eq(vz_trust_add(x, NULL, &err), -1);
    cr_assert_not_null(strstr(err->msg, "not an Ed25519 key"), "%s", err->msg);
    vz_error_release(&err);
    vz_rm_rf(dir, &err);
    vz_buf_release(&b);
    free(x);
    free(kx);
    free(crlf);
    free(dir);
    free(pem);
    free(pub);
}
