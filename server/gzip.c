/* server/gzip.c — one deflate call per body. */
#include "gzip.h"

#include <string.h>

#include <zlib.h>

size_t gzip_bound(size_t len)
{
    /* deflateBound plus the gzip header and trailer */
    return (size_t)compressBound((uLong)len) + 32;
}

size_t gzip_into(const char *in, size_t len, char *out, size_t cap)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    /* windowBits 15 + 16: a gzip wrapper rather than zlib's */
    if (deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return 0;
    zs.next_in = (Bytef *)in;
    zs.avail_in = (uInt)len;
    zs.next_out = (Bytef *)out;
    zs.avail_out = (uInt)cap;
    int rc = deflate(&zs, Z_FINISH);
    size_t n = zs.total_out;
    deflateEnd(&zs);
    return rc == Z_STREAM_END && n < len ? n : 0;
}
