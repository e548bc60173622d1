#include "common/hash.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <unistd.h>

int vz_sha256_init(struct vz_sha256 *h, vz_error_t *err)
{
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    if (c == NULL || EVP_DigestInit_ex(c, EVP_sha256(), NULL) != 1) {
        EVP_MD_CTX_free(c);
        h->ctx = NULL;
        return vz_error_set(err, VZ_ESYSTEM, 0, "sha256: cannot initialise OpenSSL digest");
    }
    h->ctx = c;
    return 0;
}

void vz_sha256_update(struct vz_sha256 *h, const void *data, size_t len)
{
    if (h->ctx && len)
        EVP_DigestUpdate(h->ctx, data, len);
}

void vz_sha256_final(struct vz_sha256 *h, unsigned char *digest, char *hex)
{
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (h->ctx)
        EVP_DigestFinal_ex(h->ctx, d, &n);
    if (digest)
        for (unsigned i = 0; i < VZ_SHA256_LEN; i++)
            digest[i] = d[i];
    if (hex)
        vz_hex_encode(d, VZ_SHA256_LEN, hex);
    vz_sha256_release(h);
}

void vz_sha256_release(struct vz_sha256 *h)
{
    EVP_MD_CTX_free(h->ctx);
    h->ctx = NULL;
}

void vz_sha256_hex(const void *data, size_t len, char *hex)
{
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_Digest(data, len, d, &n, EVP_sha256(), NULL);
    vz_hex_encode(d, VZ_SHA256_LEN, hex);
}

int vz_sha256_file(const char *path, char *hex, uint64_t *size, vz_error_t *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return vz_error_sys(err, "open %s", path);
    struct vz_sha256 h;
    if (vz_sha256_init(&h, err) < 0) {
        close(fd);
        return -1;
    }
    static __thread unsigned char buf[1 << 16];
    uint64_t total = 0;
    for (;;) {
        ssize_t n = read(fd, buf, sizeof(buf));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            vz_sha256_release(&h);
            close(fd);
            return vz_error_set(err, VZ_ESYSTEM, e, "read %s", path);
        }
        if (n == 0)
            break;
        vz_sha256_update(&h, buf, (size_t)n);
        total += (uint64_t)n;
    }
    close(fd);
    vz_sha256_final(&h, NULL, hex);
    if (size)
        *size = total;
    return 0;
}
