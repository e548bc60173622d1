/* The size parser behind --ram/--swap and RAM=/SWAP= (vpscore/ctconf.h):
 * the values OpenVZ admins write, and refusals of everything else, spaces
 * and signs included (strtoull alone would take " 5" and "+5"). */
#include <criterion/criterion.h>
#include <unistd.h>

#include "vpscore/ctconf.h"

TestSuite(parse, .timeout = 300);

Test(parse, sizes_admins_write)
{
    static const struct { const char *in; int64_t want; } ok[] = {
        { "512M", 512LL << 20 }, { "2G", 2LL << 30 }, { "1024K", 1LL << 20 }, { "1t", 1LL << 40 },
        { "12345", 12345 }, { "256MB", 256LL << 20 }, { "unlimited", -1 }, { "max", -1 }, { "0", 0 },
    };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        int64_t b = 7;
        cr_assert_eq(vz_parse_size(ok[i].in, &b), 0, "'%s' refused", ok[i].in);
        cr_assert_eq(b, ok[i].want, "'%s' -> %lld", ok[i].in, (long long)b);
    }
}

Test(parse, sizes_refused)
{
    static const char *const bad[] = { "", " 5", "5 ", "+5", "-5", "5X", "5MM", "M", "0x10", "1e3",
                                       "99999999999999999999", "9223372036854775807K", "unlimitedx", NULL };
    for (size_t i = 0; bad[i]; i++) {
        int64_t b = 7;
        cr_assert_eq(vz_parse_size(bad[i], &b), -1, "'%s' accepted as %lld", bad[i], (long long)b);
    }
    int64_t b;
    cr_assert_eq(vz_parse_size(NULL, &b), -1);
}

/* NUMPROC and --numproc: N, BARRIER:LIMIT or unlimited; the limit counts. */
Test(parse, barrier_limit)
{
    static const struct { const char *in; int64_t want; } ok[] = {
        { "50", 50 }, { "40:50", 50 }, { "unlimited", -1 }, { "0:unlimited", -1 }, { "max", -1 },
        { "9223372036854775807", -1 }, { "9223372036854775807:9223372036854775807", -1 }, { "0", 0 },
    };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        int64_t v = 7;
        cr_assert_eq(vz_parse_barlim(ok[i].in, &v), 0, "'%s' refused", ok[i].in);
        cr_assert_eq(v, ok[i].want, "'%s' -> %lld", ok[i].in, (long long)v);
    }
    static const char *const bad[] = { "", " 5", "5 ", "+5", "-5", "0x10", "junk:5", ":5", "5:", "5:6:7",
                                       "99999999999999999999", "1e3", NULL };
    for (size_t i = 0; bad[i]; i++) {
        int64_t v = 7;
        cr_assert_eq(vz_parse_barlim(bad[i], &v), -1, "'%s' accepted as %lld", bad[i], (long long)v);
    }
}

/* OpenVZ's own ve-vswap-*.conf-sample files write PHYSPAGES="0:256M":
 * a side with a suffix is a size in bytes, without one a page count. */
Test(parse, pages_with_sizes)
{
    const int64_t page = sysconf(_SC_PAGESIZE);
    static const struct { const char *in; int64_t bytes; } ok[] = {
        { "0:256M", 256LL << 20 }, { "0:1G", 1LL << 30 }, { "65536", -2 }, { "0:unlimited", -1 },
        { "128M:256M", 256LL << 20 }, { "0:2048K", 2048LL << 10 },
    };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        int64_t v = 7;
        cr_assert_eq(vz_parse_barlim_pages(ok[i].in, &v), 0, "'%s' refused", ok[i].in);
        int64_t want = ok[i].bytes == -2 ? 65536 : ok[i].bytes < 0 ? -1 : ok[i].bytes / page;
        cr_assert_eq(v, want, "'%s' -> %lld", ok[i].in, (long long)v);
    }
    static const char *const bad[] = { "", "0:256Q", "M", "0:-1M", "256M:", "1e3", NULL };
    for (size_t i = 0; bad[i]; i++) {
        int64_t v = 7;
        cr_assert_eq(vz_parse_barlim_pages(bad[i], &v), -1, "'%s' accepted as %lld", bad[i], (long long)v);
    }
}
