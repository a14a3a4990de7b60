/* server/stream.h — a streamed answer on its way out through libmicrohttpd: bytes made as the
 * socket takes them (gzipped when the client accepts it), from a dataset held until the last
 * byte is sent, so that memory stays flat however large the answer is. */
#ifndef PROSPERITY_STREAM_H
#define PROSPERITY_STREAM_H

#include <stddef.h>

#include "cache.h"
#include "dataset.h"
#include "routes.h"

struct stream_body;
struct MHD_Response;

/* Takes the answer stream A->stream and the reference D (both released by stream_body_free,
 * also on failure). The ETag is that of a cached answer for KEY (cache_etag): the same query on
 * the same data and server gets the same tag, streamed or not. GZIP: compress on the way out.
 * NULL when out of memory. */
struct stream_body *stream_body_new(struct answer *a, struct dataset *d, const char *key,
                                    size_t keylen, int gzip);
/* Borrowed texts for the reply's headers, valid while B lives. */
const char *stream_body_etag(const struct stream_body *b);
const char *stream_body_disposition(const struct stream_body *b); /* NULL for none */
/* A response (size unknown: chunked) that reads B; B is the response's from now on, freed when
 * libmicrohttpd is done with it (here when making the response fails). */
struct MHD_Response *stream_body_response(struct stream_body *b);
void stream_body_free(struct stream_body *b);
/* Adds every byte B hands to libmicrohttpd to *SENT (borrowed: it must outlive the sending,
 * which ends before the request's completion callback), so the access log can say them. */
void stream_body_count(struct stream_body *b, size_t *sent);

#endif
