/* api/buf.c — growable byte buffer. */
#include "buf.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pow10.h"

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
static uint64_t digits8(uint32_t n)
{
    uint64_t x = (n / 10000) | ((uint64_t)(n % 10000) << 32);
    uint64_t h = ((x * 10486) >> 20) & 0x0000007f0000007fULL; /* each lane / 100 */
    x = ((x - h * 100) << 16) | h;
    uint64_t t = ((x * 103) >> 10) & 0x000f000f000f000fULL; /* each lane / 10 */
    return t | ((x - t * 10) << 8);
}

/* R plus the product's rounding error A * T->hi - V, exactly known by fma: for the few values
 * whose rounding that error can decide (out of line: the others need no call, and no stack). */
__attribute__((noinline)) static double exact_rest(double a, const struct pow10_dd *t, double v,
                                                   double r)
{
    return r + fma(a, t->hi, -v);
}

/* AX (positive, finite, nonzero) times 10^(14 - E) as PV + *ERR: PV the double nearest the
 * product with 10^k's leading double (pow10.h), *ERR what the rest adds. Tiny and huge
 * operands are scaled by 2^+-128 first, as their table entries are (exactly: both stay
 * normal). -1 when 10^k is outside the table. */
static double scale15(double ax, int e, const struct pow10_dd **t, double *a)
{
    int k = 14 - e;
    if (k < POW10_MIN || k > POW10_MAX)
        return -1;
    *t = &pow10_dd[k - POW10_MIN];
    *a = k > POW10_SCALE_UP ? ax * 0x1p128 : k < POW10_SCALE_DOWN ? ax * 0x1p-128 : ax;
    return *a * (*t)->hi;
}

/* %.15g of finite X without snprintf (whose multi-precision conversion was a fifth of a
 * dispersion answer's cost), or 0 when it cannot be sure to print the same. X is scaled to
 * V = |X| 10^k in [1e14, 1e15) with k = 14 - E, E its decimal exponent, by a double-double
 * 10^k = hi + lo (within 2^-106 of it): the product with hi rounded, P, plus its exact error
 * (fma) plus |X| lo is V within 2^-52 or so, so rounding V to an integer gives %.15g's digits
 * (its exact rounding, half to even) unless V's fraction is within 2^-40 of a half and 10^k is
 * not exact (lo != 0): those go to snprintf. An exact 10^k (k = 0..22) has lo = 0 and the sign
 * of fraction - 1/2 + error is exact, ties included. The product's error is at most half an ulp
 * of P (2^-4), so it is needed only when the rest is within 0.07 of a half (an eighth of the
 * values). Near the range's ends, |V - P| <= 0.19
 * cannot move V across 1e14 by more than the 0.05 that still rounds to the same 15 digits; a
 * P outside the range is retried at the next exponent. OUT has at least 32 bytes. */
static inline int fast15(char *out, double x)
{
    double ax = fabs(x);
    uint64_t bits;
    memcpy(&bits, &ax, sizeof bits);
    int b = (int)(bits >> 52) - 1023; /* the binary exponent */
    if (b == 1024 || ax == 0)
        return 0;
    if (b == -1023) /* subnormal: from the mantissa's leading bit */
        b = 63 - __builtin_clzll(bits) - 1074;
    int e = (b * 1233) >> 12; /* times log10(2) ~ 1233 / 4096: the decimal exponent, +-1 */
    const struct pow10_dd *t = NULL;
    double a = 0;
    double v = scale15(ax, e, &t, &a);
    for (int tries = 0; tries < 2 && (v < 1e14 || v >= 1e15); tries++) {
        e += v < 1e14 ? -1 : 1;
        v = scale15(ax, e, &t, &a);
    }
    if (!(v >= 1e14 && v < 1e15))
        return 0;
    int64_t whole = (int64_t)v; /* v > 0: truncation is floor (signed: one instruction) */
    /* V - whole - 1/2 but for the product's rounding error, at most half an ulp of V (2^-4) */
    double r = (v - (double)whole - 0.5) + a * t->lo;
    if (fabs(r) < 0.07) {
        r = exact_rest(a, t, v, r);
        if (t->lo != 0 && fabs(r) < 0x1p-40)
            return 0;
    }
    uint64_t m = (uint64_t)whole + (r > 0 || (r == 0 && (whole & 1)));
    if (m == 1000000000000000ULL) { /* 9.99...95 rounds up to a new digit */
        m /= 10;
        e++;
    }
    /* the 15 digits of M, the first in the lowest byte of DIG; those after the last nonzero one
     * are dropped (%g) */
    uint64_t w1 = digits8((uint32_t)(m / 100000000)), w2 = digits8((uint32_t)(m % 100000000));
    int nd = 15 - (w2 ? __builtin_clzll(w2) >> 3 : 8 + (__builtin_clzll(w1) >> 3));
    u128 dig = (((u128)(w2 + ascii8) << 64) | (w1 + ascii8)) >> 8; /* w1's first digit is 0 */
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
        int n = v < 10 ? 1 : v < 100 ? 2 : v < 1000 ? 3 : 4;
        unsigned u = (unsigned)v;
        for (int i = n - 1; i >= 0; i--, u /= 10)
            p[i] = (char)('0' + u % 10);
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
