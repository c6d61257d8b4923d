/* Numbers: integer and double text in both directions.
 *
 * Reading: most numbers in real documents have at most 19 significant digits
 * and a small exponent; for those, m * 10^e with m <= 2^53 and |e| <= 22 is
 * one correctly rounded IEEE operation on two exact operands (Clinger's fast
 * path, cx__json_fast_double in json_int.h). Everything else goes to the C library's strtod, which
 * is correctly rounded in glibc, after making sure the locale's radix character is '.'.
 *
 * Writing: the shortest round-trip digits are found by scaling the double to
 * a 15-digit integer and checking it with the same exact operations; a
 * 15-digit window is narrower than one unit in the last place of any normal
 * double, so the one candidate that reads back is also the shortest once its
 * trailing zeros go. Doubles outside that window's range, or needing 16 or 17
 * digits, go through snprintf("%.*e") and strtod, 15 then 16 then 17 digits.
 */
#include "json_int.h"
#include <cortex/error.h>
#include <float.h>
#include <langinfo.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static const char digit_pairs[200] = /* "00" "01" ... "99" */
    "00010203040506070809101112131415161718192021222324"
    "25262728293031323334353637383940414243444546474849"
    "50515253545556575859606162636465666768697071727374"
    "75767778798081828384858687888990919293949596979899";

const double cx__json_pow10[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                   1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                   1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

const uint64_t cx__json_pow10_u64[16] = {1ull,
                                         10ull,
                                         100ull,
                                         1000ull,
                                         10000ull,
                                         100000ull,
                                         1000000ull,
                                         10000000ull,
                                         100000000ull,
                                         1000000000ull,
                                         10000000000ull,
                                         100000000000ull,
                                         1000000000000ull,
                                         10000000000000ull,
                                         100000000000000ull,
                                         1000000000000000ull};

size_t cx__json_u64_digits(char *p, uint64_t v) {
    char tmp[20];
    char *end = tmp + sizeof tmp, *q = end;
    while (v >= 100) {
        unsigned r = (unsigned)(v % 100);
        v /= 100;
        q -= 2;
        memcpy(q, digit_pairs + 2 * r, 2);
    }
    if (v >= 10) {
        q -= 2;
        memcpy(q, digit_pairs + 2 * v, 2);
    } else {
        *--q = (char)('0' + v);
    }
    size_t n = (size_t)(end - q);
    memcpy(p, q, n);
    return n;
}

/* ---- reading ------------------------------------------------------------ */

double cx__json_strtod(const char *s, size_t n) {
    const char *radix = nl_langinfo(RADIXCHAR);
    char *end;
    if (radix && radix[0] == '.' && radix[1] == '\0') {
        double d = strtod(s, &end);
        if (end == s + n) return d;
    }
    /* Another LC_NUMERIC radix: hand strtod a copy that uses it. */
    size_t rl = radix ? strlen(radix) : 0;
    char small[128], *buf = small;
    if (n + rl + 1 > sizeof small) {
        buf = malloc(n + rl + 1);
        if (!buf) return strtod(s, NULL); /* best effort when memory is gone */
    }
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '.' && rl) {
            memcpy(buf + j, radix, rl);
            j += rl;
        } else {
            buf[j++] = s[i];
        }
    }
    buf[j] = '\0';
    double d = strtod(buf, NULL);
    if (buf != small) free(buf);
    return d;
}

/* ---- writing ------------------------------------------------------------ */

/* d > 0, finite. m * 10^e10 == d when read back, m with no trailing zero.
 * 1: found; 0: no 15-digit decimal reads back (16 or 17 are needed);
 * -1: d is outside the range where the check is exact. */
static int shortest_fast(double d, uint64_t *m_out, int *e10_out) {
    int bexp;
    frexp(d, &bexp);
    /* floor(log10(d)) to within one; the loop below settles it. */
    int e = (int)floor((bexp - 1) * 0.30102999566398120);
    int s = 14 - e;
    double t = 0;
    for (int tries = 0; tries < 3; tries++) {
        if (s < -22 || s > 22) return -1;
        t = s >= 0 ? d * cx__json_pow10[s] : d / cx__json_pow10[-s];
        if (t >= 1e15) {
            s--;
        } else if (t < 1e14) {
            s++;
        } else {
            break;
        }
    }
    if (t < 1e14 || t >= 1e15 || s < -22 || s > 22) return -1;
    uint64_t m0 = (uint64_t)(t + 0.5);
    uint64_t cand[3] = {m0, t > (double)m0 ? m0 + 1 : m0 - 1, t > (double)m0 ? m0 - 1 : m0 + 1};
    for (int i = 0; i < 3; i++) {
        uint64_t c = cand[i];
        double back = s >= 0 ? (double)c / cx__json_pow10[s] : (double)c * cx__json_pow10[-s];
        if (back != d) continue;
        while (c % 10 == 0) {
            c /= 10;
            s--;
        }
        *m_out = c;
        *e10_out = -s;
        return 1;
    }
    return 0;
}

/* snprintf/strtod search from `prec` significant digits up to 17. */
static void shortest_slow(double d, int prec, uint64_t *m_out, int *e10_out) {
    char buf[64];
    for (; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*e", prec - 1, d);
        if (prec < 17 && strtod(buf, NULL) != d) continue;
        break;
    }
    /* "d<radix>ddd...e[+-]xx"; the radix may be any locale's. */
    uint64_t m = 0;
    int ndig = 0;
    const char *p = buf;
    for (; *p && *p != 'e'; p++)
        if (*p >= '0' && *p <= '9') {
            m = m * 10 + (uint64_t)(*p - '0');
            ndig++;
        }
    int x = *p == 'e' ? atoi(p + 1) : 0;
    int e10 = x - (ndig - 1);
    while (m && m % 10 == 0) {
        m /= 10;
        e10++;
    }
    *m_out = m;
    *e10_out = e10;
}

/* ECMAScript Number::toString layout of digits[0..k) * 10^(n-k). */
static size_t layout(char *p, const char *dig, int k, int n) {
    char *q = p;
    if (k <= n && n <= 21) {
        memcpy(q, dig, (size_t)k);
        q += k;
        for (int i = k; i < n; i++) *q++ = '0';
    } else if (0 < n && n <= 21) {
        memcpy(q, dig, (size_t)n);
        q += n;
        *q++ = '.';
        memcpy(q, dig + n, (size_t)(k - n));
        q += k - n;
    } else if (-6 < n && n <= 0) {
        *q++ = '0';
        *q++ = '.';
        for (int i = n; i < 0; i++) *q++ = '0';
        memcpy(q, dig, (size_t)k);
        q += k;
    } else {
        *q++ = dig[0];
        if (k > 1) {
            *q++ = '.';
            memcpy(q, dig + 1, (size_t)(k - 1));
            q += k - 1;
        }
        *q++ = 'e';
        int x = n - 1;
        *q++ = x < 0 ? '-' : '+';
        q += cx__json_u64_digits(q, (uint64_t)(x < 0 ? -x : x));
    }
    return (size_t)(q - p);
}

size_t cx__json_fmt_double(char *out, double d) {
    char *p = out;
    if (signbit(d)) {
        *p++ = '-';
        d = -d;
    }
    if (d == 0) {
        *p++ = '0';
        return (size_t)(p - out);
    }
    if (d < (double)CX__JSON_TWO53 && d == (double)(uint64_t)d)
        return (size_t)(p - out) + cx__json_u64_digits(p, (uint64_t)d);
    uint64_t m;
    int e10;
    int fast = d < DBL_MIN ? -2 : shortest_fast(d, &m, &e10);
    if (fast == -2)
        shortest_slow(d, 1, &m, &e10); /* subnormal: coarser steps, try every length */
    else if (fast <= 0)
        shortest_slow(d, fast == 0 ? 16 : 15, &m, &e10);
    char dig[20];
    int k = (int)cx__json_u64_digits(dig, m);
    return (size_t)(p - out) + layout(p, dig, k, e10 + k);
}
