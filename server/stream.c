/* server/stream.c — chunks of a streamed answer for libmicrohttpd's content reader. */
#include "stream.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>
#include <zlib.h>

#define STREAM_CHUNK (64 * 1024) /* answer bytes made per refill */

struct stream_body {
    struct answer_stream *st;
    struct dataset *d;
    char etag[CACHE_ETAG_SIZE];
    char disposition[128];
    int gzip;
    z_stream z;
    int z_ready;
    int made_all; /* the answer stream has ended */
    int finished; /* and everything is in OUT */
    struct buf raw, out;
    size_t sent;   /* bytes of OUT already handed to libmicrohttpd */
    size_t *total; /* the request's count of bytes sent, or NULL */
};

struct stream_body *stream_body_new(struct answer *a, struct dataset *d, const char *key,
                                    size_t keylen, int gzip)
{
    struct stream_body *b = calloc(1, sizeof *b);
    if (!b) {
        routes_stream_free(a->stream);
        dataset_release(d);
        return NULL;
    }
    b->st = a->stream;
    b->d = d;
    b->gzip = gzip;
    cache_etag(b->etag, PROSPERITY_VERSION, store_version(d->store), key, keylen);
    if (a->filename[0])
        snprintf(b->disposition, sizeof b->disposition, "inline; filename=\"%s\"", a->filename);
    /* windowBits 15 + 16: a gzip wrapper, as gzip_into makes for cached answers */
    if (gzip) {
        if (deflateInit2(&b->z, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
            stream_body_free(b);
            return NULL;
        }
        b->z_ready = 1;
    }
    return b;
}

const char *stream_body_etag(const struct stream_body *b)
{
    return b->etag;
}

const char *stream_body_disposition(const struct stream_body *b)
{
    return b->disposition[0] ? b->disposition : NULL;
}

/* Deflates RAW (all of it; FINISH at the end) onto OUT. 0, or -1. */
static int deflate_raw(struct stream_body *b, int finish)
{
    b->z.next_in = (unsigned char *)b->raw.data;
    b->z.avail_in = (unsigned)b->raw.len;
    for (;;) {
        unsigned char chunk[16384];
        b->z.next_out = chunk;
        b->z.avail_out = sizeof chunk;
        int rc = deflate(&b->z, finish ? Z_FINISH : Z_NO_FLUSH);
        if (rc == Z_STREAM_ERROR)
            return -1;
        buf_append(&b->out, chunk, sizeof chunk - b->z.avail_out);
        if (finish ? rc == Z_STREAM_END : b->z.avail_in == 0 && b->z.avail_out != 0)
            break;
    }
    b->raw.len = 0;
    return b->out.failed ? -1 : 0;
}

/* Makes more bytes in OUT (which is empty). 0, or -1 on failure. */
static int refill(struct stream_body *b)
{
    b->out.len = 0;
    b->sent = 0;
    while (b->out.len == 0 && !b->finished) {
        struct buf *dst = b->gzip ? &b->raw : &b->out;
        if (!b->made_all)
            b->made_all = !routes_stream_fill(b->st, dst, STREAM_CHUNK);
        if (dst->failed)
            return -1;
        if (b->gzip && deflate_raw(b, b->made_all) != 0)
            return -1;
        b->finished = b->made_all;
    }
    return 0;
}

static ssize_t reader(void *cls, uint64_t pos, char *buf, size_t max)
{
    struct stream_body *b = cls;
    (void)pos;
    if (b->sent == b->out.len) {
        if (b->finished)
            return MHD_CONTENT_READER_END_OF_STREAM;
        if (refill(b) != 0)
            return MHD_CONTENT_READER_END_WITH_ERROR;
        if (b->out.len == 0)
            return MHD_CONTENT_READER_END_OF_STREAM;
    }
    size_t n = b->out.len - b->sent;
    if (n > max)
        n = max;
    memcpy(buf, b->out.data + b->sent, n);
    b->sent += n;
    if (b->total)
        *b->total += n;
    return (ssize_t)n;
}

static void free_cb(void *cls)
{
    stream_body_free(cls);
}

struct MHD_Response *stream_body_response(struct stream_body *b)
{
    struct MHD_Response *r =
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 32 * 1024, reader, b, free_cb);
    if (!r)
        stream_body_free(b);
    return r;
}

void stream_body_count(struct stream_body *b, size_t *sent)
{
    b->total = sent;
}

void stream_body_free(struct stream_body *b)
{
    if (!b)
        return;
    if (b->z_ready)
        deflateEnd(&b->z);
    routes_stream_free(b->st);
    dataset_release(b->d);
    buf_free(&b->raw);
    buf_free(&b->out);
    free(b);
}
