/* api/buf.h — a growable byte buffer for building response bodies and CSV text. */
#ifndef PROSPERITY_BUF_H
#define PROSPERITY_BUF_H

#include <stddef.h>

/* SSE2 paths (buf.c's digits, render.c's escape test) unless PROSPERITY_NO_SIMD is defined: the
 * scalar forms other CPUs take, which test_render_scalar builds and tests on this one too. */
#if defined(__SSE2__) && !defined(PROSPERITY_NO_SIMD)
#define PROSPERITY_SSE2 1
#endif

struct buf {
    char *data; /* owned, or the caller's storage (see BUF_STACK); NUL-terminated if len */
    size_t len;
    size_t cap;
    int failed;   /* set once an allocation failed; later appends are no-ops */
    int borrowed; /* data is the caller's storage: moved to the heap when it outgrows it */
};

#define BUF_INIT                                                                                   \
    {                                                                                              \
        NULL, 0, 0, 0, 0                                                                           \
    }
/* A buffer that starts in ARRAY (a char array of the caller's, e.g. on the stack), so that
 * short texts cost no allocation. */
#define BUF_STACK(array)                                                                           \
    {                                                                                              \
        (array), 0, sizeof(array), 0, 1                                                            \
    }

void buf_append(struct buf *b, const void *data, size_t len);
/* Room for N more bytes at once (a size hint, to save doublings): 0, or -1 once an allocation
 * failed. */
int buf_reserve(struct buf *b, size_t n);
/* Room for N more bytes at the end, counted in B's length (the caller fills them): where they
 * start, or NULL once an allocation failed. */
char *buf_space(struct buf *b, size_t n);
void buf_puts(struct buf *b, const char *s);
/* buf_putc's way when the buffer must grow (C by value: an inline caller keeps no address of a
 * local, so needs no stack protector). */
void buf_putc_grow(struct buf *b, char c);
/* One byte; inline, as JSON punctuation is most of the calls. */
static inline void buf_putc(struct buf *b, char c)
{
    if (b->len + 2 <= b->cap && !b->failed) {
        b->data[b->len++] = c;
        b->data[b->len] = '\0';
        return;
    }
    buf_putc_grow(b, c);
}
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends V in decimal, as printf's %lld. */
void buf_put_int(struct buf *b, long long v);
/* Appends X (finite) with 15 significant digits, in the shortest form ("4.8", "1e+21"). */
void buf_put_double(struct buf *b, double x);
/* Returns the NUL-terminated contents (borrowed), or NULL if an allocation failed. */
const char *buf_cstr(struct buf *b);
/* Hands the contents to the caller (a new allocation, free() it; copied out of the caller's
 * storage if needed, and what is left over of a grown buffer given back) and resets B. NULL on
 * failure. */
char *buf_steal(struct buf *b, size_t *len);
void buf_free(struct buf *b);

/* Writes finite X with 15 significant digits into OUT (at least 32 bytes). */
int fmt_double(char *out, size_t size, double x);
/* fmt_double's own conversion (OUT at least 32 bytes): its length, or 0 where it leaves X to
 * snprintf (within 2^-40 of a half at the 15th digit, or not finite). For tests. */
int fmt_fast(char *out, double x);

#endif
