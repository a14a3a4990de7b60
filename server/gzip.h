/* server/gzip.h — gzip compression of response bodies (zlib), shared by cached answers and
 * static files. */
#ifndef PROSPERITY_GZIP_H
#define PROSPERITY_GZIP_H

#include <stddef.h>

/* Room OUT needs for gzip_into of LEN bytes. */
size_t gzip_bound(size_t len);
/* Compresses LEN bytes at IN into OUT (CAP bytes, at least gzip_bound(LEN)) with a gzip
 * wrapper. Returns the compressed length, or 0 when it fails or would not be smaller. */
size_t gzip_into(const char *in, size_t len, char *out, size_t cap);

#endif
