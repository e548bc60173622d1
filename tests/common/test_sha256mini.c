/* tests/common/test_sha256mini.c: the libcrypto-free SHA-256 of short
 * names (common/sha256mini.h) is SHA-256: FIPS 180-4's examples, and every
 * length around the one- and two-block padding boundaries against OpenSSL's
 * digest (vz_sha256_hex), so that veth names derived from either agree. */
#include <criterion/criterion.h>
#include <string.h>

#include "common/common.h"
#include "common/sha256mini.h"

TestSuite(sha256mini, .timeout = 300);

Test(sha256mini, fips_examples)
{
    char hex[65];
    vz_sha256_mini_hex("abc", 3, hex);
    cr_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    vz_sha256_mini_hex("", 0, hex);
    cr_assert_str_eq(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    vz_sha256_mini_hex(two, strlen(two), hex);
    cr_assert_str_eq(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

Test(sha256mini, same_as_openssl_for_every_length_to_300)
{
    unsigned char buf[300];
    for (size_t i = 0; i < sizeof(buf); i++)
        buf[i] = (unsigned char)(i * 131 + 7);
    for (size_t len = 0; len <= sizeof(buf); len++) {
        char mini[65], ref[65];
        vz_sha256_mini_hex(buf, len, mini);
        vz_sha256_hex(buf, len, ref);
        cr_assert_str_eq(mini, ref, "length %zu", len);
    }
}

Test(sha256mini, the_long_veth_name_is_unchanged)
{
    /* vz_net_veth_name("a-very-long-container-name") before libcrypto left
     * vzctl: "vz" and the first ten hex digits of OpenSSL's digest */
    char ref[65], mini[65];
    const char *ct = "a-very-long-container-name";
    vz_sha256_hex(ct, strlen(ct), ref);
    vz_sha256_mini_hex(ct, strlen(ct), mini);
    cr_assert_eq(strncmp(ref, mini, 10), 0);
}
