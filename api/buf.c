/* api/buf.c — growable byte buffer. */
#include "buf.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pow10.h"

#ifdef PROSPERITY_SSE2
#include <emmintrin.h>
#endif

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "digits8 writes its digits lowest byte first"
#endif

static int reserve(struct buf *b, size_t extra)
{
    if (b->failed)
        return -1;
    if (b->len + extra + 1 <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1) {
        if (cap > ((size_t)-1) / 2)
            goto fail;
        cap *= 2;
    }
    char *p = b->borrowed ? malloc(cap) : realloc(b->data, cap);
    if (!p)
        goto fail;
    if (b->borrowed)
        memcpy(p, b->data, b->len);
    b->data = p;
    b->cap = cap;
    b->borrowed = 0;
    return 0;
fail:
    b->failed = 1;
    return -1;
}

void buf_append(struct buf *b, const void *data, size_t len)
{
    if (reserve(b, len) != 0)
        return;
    memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
}

void buf_putc_grow(struct buf *b, char c)
{
    buf_append(b, &c, 1);
}

char *buf_space(struct buf *b, size_t n)
{
    if (reserve(b, n) != 0)
        return NULL;
    char *p = b->data + b->len;
    b->len += n;
    b->data[b->len] = '\0';
    return p;
}

void buf_puts(struct buf *b, const char *s)
{
    buf_append(b, s, strlen(s));
}

void buf_printf(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || reserve(b, (size_t)n) != 0)
        return;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

static const char digit_pairs[] =
    "0001020304050607080910111213141516171819202122232425262728293031323334353637383940414243444546"
    "4748495051525354555657585960616263646566676869707172737475767778798081828384858687888990919293"
    "949596979899";

__extension__ typedef unsigned __int128 u128;

static const uint64_t ascii8 = 0x3030303030303030ULL; /* '0' in each byte */

/* Stores of a register's bytes, lowest first (memcpy's of a known size: one instruction). */
static inline void store8(char *p, uint64_t v)
{
    memcpy(p, &v, 8);
}

static inline void store16(char *p, u128 v)
{
    memcpy(p, &v, 16);
}

/* The 8 decimal digits of N (< 10^8) as bytes 0..9, the first in the lowest byte (so a store
 * writes them in order): split in 32-bit lanes by 10^4, then in 16-bit lanes by 100, then in
 * bytes by 10, each lane at once by a multiplication (P. Khuong's SWAR conversion). */
static inline __attribute__((always_inline)) uint64_t digits8(uint32_t n)
{
    uint64_t x = (n / 10000) | ((uint64_t)(n % 10000) << 32);
    uint64_t h = ((x * 10486) >> 20) & 0x0000007f0000007fULL; /* each lane / 100 */
    x = ((x - h * 100) << 16) | h;
    uint64_t t = ((x * 103) >> 10) & 0x000f000f000f000fULL; /* each lane / 10 */
    return t | ((x - t * 10) << 8);
}

#ifdef PROSPERITY_SSE2
/* The 15 digits of M (10^14 <= M < 10^15) as characters, the first in the lowest byte of the
 * result and a zero byte on top, and in *ND how many there are up to the last nonzero one. Its
 * two 8-digit halves side by side in one vector: divided by 10^4, then by 100, then by 10, each
 * step for every lane at once (as digits8 does for one half, a lane per register word). */
static inline u128 digits15(uint64_t m, int *nd)
{
    __m128i v = _mm_set_epi64x((long long)(m % 100000000), (long long)(m / 100000000));
    /* n / 10^4 = (n * 0xd1b71759) >> 45 for n < 10^8, in each 64-bit lane */
    __m128i q = _mm_srli_epi64(_mm_mul_epu32(v, _mm_set1_epi32((int)0xd1b71759)), 45);
    __m128i r = _mm_sub_epi32(v, _mm_mul_epu32(q, _mm_set1_epi32(10000)));
    __m128i x = _mm_or_si128(q, _mm_slli_epi64(r, 32)); /* four values < 10^4, 32 bits each */
    /* x / 100 = (x * 5243) >> 19 for x < 10^4, in 16-bit lanes (the upper halves stay 0) */
    __m128i h = _mm_srli_epi16(_mm_mulhi_epu16(x, _mm_set1_epi16(5243)), 3);
    __m128i l = _mm_sub_epi16(x, _mm_mullo_epi16(h, _mm_set1_epi16(100)));
    __m128i y = _mm_or_si128(h, _mm_slli_epi32(l, 16)); /* eight values < 100, 16 bits each */
    /* y / 10 = (y * 6554) >> 16 for y < 100 */
    __m128i t = _mm_mulhi_epu16(y, _mm_set1_epi16(6554));
    __m128i o = _mm_sub_epi16(y, _mm_mullo_epi16(t, _mm_set1_epi16(10)));
    __m128i d = _mm_or_si128(t, _mm_slli_epi16(o, 8)); /* sixteen digits, 0-9, one per byte */
    /* byte 0 is the upper half's leading 0: the digits are bytes 1 to 15 */
    unsigned nonzero =
        ~(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(d, _mm_setzero_si128())) & 0xfffe;
    *nd = 31 - __builtin_clz(nonzero); /* M >= 10^14: byte 1 is nonzero */
    d = _mm_srli_si128(_mm_add_epi8(d, _mm_set1_epi8('0')), 1);
    uint64_t lo = (uint64_t)_mm_cvtsi128_si64(d),
             hi = (uint64_t)_mm_cvtsi128_si64(_mm_unpackhi_epi64(d, d));
    return ((u128)hi << 64) | lo;
}
#else
/* digits15 without vectors: digits8 for each half */
static inline u128 digits15(uint64_t m, int *nd)
{
    uint64_t w1 = digits8((uint32_t)(m / 100000000)), w2 = digits8((uint32_t)(m % 100000000));
    *nd = 15 - (w2 ? __builtin_clzll(w2) >> 3 : 8 + (__builtin_clzll(w1) >> 3));
    return (((u128)(w2 + ascii8) << 64) | (w1 + ascii8)) >> 8; /* w1's first digit is 0 */
}
#endif

/* %.15g of finite X without snprintf (whose multi-precision conversion was a fifth of a
 * dispersion answer's cost), or 0 when it cannot be sure to print the same. In integers: |X| =
 * M 2^E2 with M normalised to 53 bits; E, the decimal exponent of its leading binary power
 * (exact: (b 78913) >> 18 is floor(b log10 2) for every b a double has), is |X|'s own or one
 * less, so V = |X| 10^(14 - E) lies in [1e14, 1e16). 10^k = P 2^s with P a 128-bit integer
 * (pow10.h, within 2^-128), so M P, 181 bits, shifted gives V with 60 fraction bits, within
 * 2^-54 of V (the low 64 bits of M P's lower half are dropped: at most one unit there). V at
 * or above 1e15 is divided by 10 (E one higher). Rounded to an integer, V's 15 digits are
 * %.15g's (its exact rounding) unless V is within 2^-48 of a half: ties (a dyadic X with 16
 * significant digits ending in 5) and the very near go to snprintf, which rounds half to even.
 * OUT has at least 32 bytes. */
static inline int fast15(char *out, double x)
{
    uint64_t bits;
    memcpy(&bits, &x, sizeof bits);
    int be = (int)(bits >> 52) & 0x7ff;
    uint64_t mant = bits & 0xfffffffffffffULL;
    if (be == 0x7ff || (be | mant) == 0)
        return 0;
    int e2;
    if (be) {
        mant |= 1ULL << 52;
        e2 = be - 1075;
    } else { /* subnormal: the leading bit moved up to bit 52 */
        int up = __builtin_clzll(mant) - 11;
        mant <<= up;
        e2 = -1074 - up;
    }
    int b = e2 + 52; /* |x| in [2^b, 2^(b + 1)) */
    int e = (b * 78913) >> 18;
    int row = 14 - e - POW10_MIN; /* 10^(14 - e) */
    if (row < 0 || row > POW10_MAX - POW10_MIN)
        return 0;
    const struct pow10_m *p = &pow10_m[row];
    u128 r = (u128)mant * p->hi + (((u128)mant * p->lo) >> 64); /* M P / 2^64 */
    int sh = -(e2 + pow10_exp[row] + 124); /* 1..11: V 2^60 = M P >> (64 + sh) */
    u128 fx = r >> sh;
    uint64_t whole = (uint64_t)(fx >> 60), frac = (uint64_t)fx & ((1ULL << 60) - 1);
    const uint64_t half = 1ULL << 59, near = 1ULL << 12; /* 2^-48 of V */
    uint64_t m;
    if (whole >= 1000000000000000ULL) { /* |x| >= 10^(e + 1): V / 10 */
        uint64_t rem = whole % 10;
        if ((rem == 5 && frac < near) || (rem == 4 && frac > (1ULL << 60) - near))
            return 0;
        m = whole / 10 + (rem >= 5);
        e++;
    } else {
        if (frac - (half - near) < 2 * near)
            return 0;
        m = whole + (frac >= half);
    }
    if (m == 1000000000000000ULL) { /* 9.99...95 rounds up to a new digit */
        m /= 10;
        e++;
    }
    /* the 15 digits of M, the first in the lowest byte of DIG; those after the last nonzero one
     * are dropped (%g) */
    int nd;
    u128 dig = digits15(m, &nd);
    int k = 0;
    if (x < 0)
        out[k++] = '-';
    if (e < -4 || e >= 15) { /* d.ddde+XX */
        out[k] = (char)dig;
        out[k + 1] = '.';
        store16(out + k + 2, dig >> 8); /* fixed length: OUT has room, the rest is overwritten */
        k += nd > 1 ? nd + 1 : 1;
        int ae = e < 0 ? -e : e;
        out[k++] = 'e';
        out[k++] = e < 0 ? '-' : '+';
        if (ae >= 100)
            out[k++] = (char)('0' + ae / 100);
        memcpy(out + k, digit_pairs + 2 * (ae % 100), 2);
        k += 2;
    } else if (e >= 0) { /* e + 1 digits, then the rest after the point */
        store16(out + k, dig);
        if (nd > e + 1) {
            store16(out + k + e + 2, dig >> (8 * (e + 1))); /* e <= 13 here: within 32 bytes */
            out[k + e + 1] = '.';
            k += nd + 1;
        } else {
            k += e + 1;
        }
    } else { /* 0.000ddd */
        memcpy(out + k, "0.000000", 8);
        store16(out + k + 1 - e, dig);
        k += 1 - e + nd;
    }
    out[k] = '\0';
    return k;
}

int fmt_fast(char *out, double x)
{
    return fast15(out, x);
}

/* V (|V| < 10^15) in decimal, as %lld, into OUT (at least 24 bytes): the digits eight at a time,
 * leading zeros shifted out. */
static inline int fmt_whole(char *out, long long v)
{
    uint64_t u = v < 0 ? 0ULL - (uint64_t)v : (uint64_t)v;
    int k = 0;
    if (v < 0)
        out[k++] = '-';
    if (u < 100000000) {
        uint64_t w = digits8((uint32_t)u);
        int lz = w ? __builtin_ctzll(w) >> 3 : 7; /* zero: one digit */
        store8(out + k, (w + ascii8) >> (8 * lz));
        k += 8 - lz;
    } else {
        uint64_t w1 = digits8((uint32_t)(u / 100000000)), w2 = digits8((uint32_t)(u % 100000000));
        int lz = __builtin_ctzll(w1) >> 3; /* w1 > 0 */
        store8(out + k, (w1 + ascii8) >> (8 * lz));
        store8(out + k + 8 - lz, w2 + ascii8);
        k += 16 - lz;
    }
    out[k] = '\0';
    return k;
}

/* %.15g of X into OUT (at least 32 bytes) by our own conversions, or 0 for snprintf. Whole
 * numbers (counts, yuan, years of data) are common: they need no scaling. */
static inline int fmt15(char *out, double x)
{
    if (x > -1e15 && x < 1e15 && x == (double)(long long)x && !(x == 0 && signbit(x)))
        return fmt_whole(out, (long long)x);
    return fast15(out, x);
}

/* Fifteen significant digits: every figure of the data is exact at this precision (4.8 prints
 * as 4.8, not 4.7999999999999998), and arithmetic noise in the 16th and 17th digits of
 * computed values (6.9 - 3.1 = 3.8000000000000003) does not reach the user. */
int fmt_double(char *out, size_t size, double x)
{
    int n = size >= 32 ? fmt15(out, x) : 0;
    return n > 0 ? n : snprintf(out, size, "%.15g", x);
}

void buf_put_int(struct buf *b, long long v)
{
    if (v >= 0 && v < 10000 && b->len + 6 <= b->cap && !b->failed) {
        /* years, counts and ranks: written in place, no call (most integers of an answer) */
        char *p = b->data + b->len;
        unsigned u = (unsigned)v, hi = u / 100, lo = u % 100;
        int n;
        if (u >= 1000) { /* a year: two pairs of digits */
            memcpy(p, digit_pairs + 2 * hi, 2);
            memcpy(p + 2, digit_pairs + 2 * lo, 2);
            n = 4;
        } else if (u >= 100) {
            p[0] = (char)('0' + hi);
            memcpy(p + 1, digit_pairs + 2 * lo, 2);
            n = 3;
        } else if (u >= 10) {
            memcpy(p, digit_pairs + 2 * lo, 2);
            n = 2;
        } else {
            p[0] = (char)('0' + u);
            n = 1;
        }
        p[n] = '\0';
        b->len += (size_t)n;
        return;
    }
    char digits[24];
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    int n = (int)sizeof digits;
    do {
        digits[--n] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        digits[--n] = '-';
    buf_append(b, digits + n, sizeof digits - (size_t)n);
}

/* What fmt15 leaves to snprintf, and a buffer to grow: out of line, so that the in-place path
 * needs no stack frame. */
__attribute__((noinline)) static void put_double_slow(struct buf *b, double x)
{
    char tmp[40];
    int n = fmt_double(tmp, sizeof tmp, x);
    if (n > 0)
        buf_append(b, tmp, (size_t)n);
}

void buf_put_double(struct buf *b, double x)
{
    if (b->len + 33 <= b->cap && !b->failed) { /* room for fmt15's stores: written in place */
        int n = fmt15(b->data + b->len, x);
        if (n > 0) {
            b->len += (size_t)n;
            return;
        }
        b->data[b->len] = '\0';
    }
    put_double_slow(b, x);
}

const char *buf_cstr(struct buf *b)
{
    if (reserve(b, 0) != 0)
        return NULL;
    b->data[b->len] = '\0';
    return b->data;
}

int buf_reserve(struct buf *b, size_t n)
{
    return reserve(b, n);
}

char *buf_steal(struct buf *b, size_t *len)
{
    char *p = NULL;
    if (buf_cstr(b)) {
        p = b->borrowed ? strndup(b->data, b->len) : b->data;
        /* a body kept in the cache is counted by its length: no more than a quarter (and 4 KiB)
         * left over behind it (shrinking in place, no copy) */
        if (p && !b->borrowed && b->cap > b->len + b->len / 4 + 4096) {
            char *fit = realloc(p, b->len + 1);
            if (fit)
                p = fit;
        }
    } else if (!b->borrowed) {
        free(b->data);
    }
    if (len)
        *len = p ? b->len : 0;
    memset(b, 0, sizeof *b);
    return p;
}

void buf_free(struct buf *b)
{
    if (!b->borrowed)
        free(b->data);
    memset(b, 0, sizeof *b);
}
