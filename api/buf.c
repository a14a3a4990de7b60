/* api/buf.c — growable byte buffer. */
#include "buf.h"

#include <math.h>
#include <stdarg.h>
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

void buf_puts(struct buf *b, const char *s)
{
    buf_append(b, s, strlen(s));
}

void buf_putc(struct buf *b, char c)
{
    buf_append(b, &c, 1);
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
    return snprintf(out, size, "%.15g", x);
}

void buf_put_double(struct buf *b, double x)
{
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
