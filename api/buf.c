/* api/buf.c — growable byte buffer. */
#include "buf.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static const double pow10_table[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                       1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                       1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* AX (positive, finite) scaled by 10^(14 - E) in double arithmetic: one correctly rounded
 * multiplication or division by an exact power of ten, so within 2^-53 of its value. Returns -1
 * when 10^|14 - E| is not exact in a double. */
static double scale15(double ax, int e)
{
    int k = 14 - e;
    if (k > 22 || k < -22)
        return -1;
    return k >= 0 ? ax * pow10_table[k] : ax / pow10_table[-k];
}

/* %.15g of finite X without snprintf (whose multi-precision conversion was a fifth of a
 * dispersion answer's cost), or 0 when it cannot be sure to print the same: X scaled to
 * [1e14, 1e15) is off from the exact product by at most 2^-53 of it (under 0.0625), so rounding
 * it to an integer gives the digits %.15g's exact rounding gives unless its fraction is that
 * near one half; those (and magnitudes without an exact power of ten) go to snprintf. OUT has
 * at least 32 bytes. */
static int fmt_fast(char *out, double x)
{
    double ax = fabs(x);
    if (!(ax >= 1e-8 && ax < 1e36))
        return 0;
    /* the binary exponent from the bits (ax is normal here), times log10(2) ~ 1233 / 4096:
     * the decimal exponent, maybe one low */
    uint64_t bits;
    memcpy(&bits, &ax, sizeof bits);
    int e = (((int)(bits >> 52) - 1023) * 1233) >> 12;
    double v = scale15(ax, e);
    for (int tries = 0; tries < 2 && (v < 1e14 || v >= 1e15); tries++) {
        e += v < 1e14 ? -1 : 1;
        v = scale15(ax, e);
    }
    if (!(v >= 1e14 && v < 1e15))
        return 0;
    uint64_t whole = (uint64_t)v; /* v is positive: truncation is floor */
    double frac = v - (double)whole;
    int up = frac > 0.5;
    if (fabs(frac - 0.5) < 0.07) {
        /* Near a half: the exact product is v + fma(ax, 10^k, -v), that error being exactly
         * representable, so the sign of frac - 0.5 + error decides as %.15g's exact rounding
         * does (an exact half rounds to even). A quotient's error is not as easy: snprintf. */
        if (14 - e < 0)
            return 0;
        double half = (frac - 0.5) + fma(ax, pow10_table[14 - e], -v);
        up = half > 0 || (half == 0 && (whole & 1));
    }
    uint64_t m = whole + (uint64_t)up;
    if (m == 1000000000000000ULL) { /* 9.99...95 rounds up to a new digit */
        m /= 10;
        e++;
    }
    int nd = 15; /* digits kept: %g drops trailing zeros */
    while (m % 10 == 0 && nd > 1) {
        m /= 10;
        nd--;
    }
    /* the NDIG digits of M into D[0..nd), two a step from the right, from 32-bit parts */
    char d[16];
    memset(d, '0', sizeof d);
    char *end = d + nd;
    uint64_t rest = m;
    while (rest >= 100000000ULL) {
        uint32_t lo = (uint32_t)(rest % 100000000ULL);
        rest /= 100000000ULL;
        for (int i = 0; i < 4; i++, lo /= 100)
            memcpy(end -= 2, digit_pairs + 2 * (lo % 100), 2);
    }
    uint32_t r = (uint32_t)rest;
    while (r >= 100) {
        memcpy(end -= 2, digit_pairs + 2 * (r % 100), 2);
        r /= 100;
    }
    if (r >= 10)
        memcpy(end - 2, digit_pairs + 2 * r, 2); /* the last pair: END is not read again */
    else
        *--end = (char)('0' + r);
    int k = 0;
    if (x < 0)
        out[k++] = '-';
    if (e < -4 || e >= 15) { /* d.ddde+XX */
        out[k++] = d[0];
        if (nd > 1) {
            out[k++] = '.';
            memcpy(out + k, d + 1, 15); /* fixed length: OUT has room, the rest is overwritten */
            k += nd - 1;
        }
        int ae = e < 0 ? -e : e;
        out[k++] = 'e';
        out[k++] = e < 0 ? '-' : '+';
        if (ae >= 100)
            out[k++] = (char)('0' + ae / 100);
        memcpy(out + k, digit_pairs + 2 * (ae % 100), 2);
        k += 2;
    } else if (e >= 0) {            /* e + 1 digits, then the rest after the point */
        memcpy(out + k + 1, d, 16); /* the fraction lands in place; the integer part moves */
        for (int i = 0; i <= e; i++)
            out[k + i] = d[i];
        if (nd > e + 1) {
            out[k + e + 1] = '.';
            k += nd + 1;
        } else {
            k += e + 1;
        }
    } else { /* 0.000ddd */
        out[k++] = '0';
        out[k++] = '.';
        for (int i = 0; i < -e - 1; i++)
            out[k++] = '0';
        memcpy(out + k, d, 16);
        k += nd;
    }
    out[k] = '\0';
    return k;
}

/* Fifteen significant digits: every figure of the data is exact at this precision (4.8 prints
 * as 4.8, not 4.7999999999999998), and arithmetic noise in the 16th and 17th digits of
 * computed values (6.9 - 3.1 = 3.8000000000000003) does not reach the user. */
int fmt_double(char *out, size_t size, double x)
{
    /* Whole numbers (counts, yuan, years of data) are common: print them without snprintf. */
    if (x > -1e15 && x < 1e15 && x == (double)(long long)x && size >= 20 &&
        !(x == 0 && signbit(x))) {
        char digits[24];
        long long v = (long long)x;
        unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
        int n = 0, k = 0;
        do {
            digits[n++] = (char)('0' + u % 10);
            u /= 10;
        } while (u);
        if (v < 0)
            out[k++] = '-';
        while (n)
            out[k++] = digits[--n];
        out[k] = '\0';
        return k;
    }
    if (size >= 32) {
        int n = fmt_fast(out, x);
        if (n > 0)
            return n;
    }
    return snprintf(out, size, "%.15g", x);
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

void buf_put_double(struct buf *b, double x)
{
    if (b->len + 41 <= b->cap && !b->failed) { /* room for any number: written in place */
        int n = fmt_double(b->data + b->len, 40, x);
        if (n > 0 && n < 40) {
            b->len += (size_t)n;
            b->data[b->len] = '\0';
            return;
        }
        b->data[b->len] = '\0';
    }
    char tmp[40];
    int n = fmt_double(tmp, sizeof tmp, x);
    if (n > 0)
        buf_append(b, tmp, (size_t)n);
}

const char *buf_cstr(struct buf *b)
{
    if (reserve(b, 0) != 0)
        return NULL;
    b->data[b->len] = '\0';
    return b->data;
}

char *buf_steal(struct buf *b, size_t *len)
{
    char *p = NULL;
    if (buf_cstr(b)) {
        p = b->borrowed ? strndup(b->data, b->len) : b->data;
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
