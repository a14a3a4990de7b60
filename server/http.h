/* server/http.h — requests to answers. http_answer is the whole decision (route, cache,
 * ETag, CORS, gzip, errors) without sockets, so tests and fuzzers drive it directly; the
 * libmicrohttpd glue around it only copies headers in and bytes out. */
#ifndef PROSPERITY_HTTP_H
#define PROSPERITY_HTTP_H

#include <stddef.h>

#include "cache.h"
#include "config.h"

/* What the answer depends on (all borrowed; NULL when the header is absent). */
struct http_request {
    const char *method;
    const char *uri; /* the request target as sent: path and query, still percent-encoded */
    size_t uri_len;
    const char *accept, *accept_encoding, *if_none_match, *origin;
    size_t header_bytes; /* all request header names and values */
    int has_body;
    int bad_framing; /* 400: ambiguous framing; 413: a declared body */
};

struct http_reply {
    int status;
    const char *body; /* borrowed from ENTRY, a static file, or OWNED */
    size_t len;       /* a 304 keeps the 200's body and length: MHD sends the length, no body */
    char *owned;      /* freed by http_reply_free */
    struct cache_entry *entry;  /* retained; released by http_reply_free */
    struct stream_body *stream; /* a streamed answer (BODY empty); freed by http_reply_free */
    const char *content_type;   /* static or borrowed */
    const char *etag;
    const char *cache_control;
    const char *content_encoding;
    const char *allow;
    const char *location;    /* a redirect's target: OWNED, or NULL */
    const char *disposition; /* borrowed from the entry, or NULL */
    const char *cors_origin; /* Access-Control-Allow-Origin value, or NULL */
    int preflight;           /* add the preflight headers */
    int route;               /* metrics label */
    int cached;              /* 1 hit, 0 miss, -1 not a data answer */
    const char *route_name;
};

/* Reads the settings the answers depend on (must outlive the server) and names the metrics
 * labels. */
void http_setup(const struct config *c);
/* Decides the answer to RQ. Never fails: errors are answers (problem+json). */
void http_answer(const struct http_request *rq, struct http_reply *rp);
void http_reply_free(struct http_reply *rp);

/* Shutdown: from now on every answer says Connection: close. */
void http_drain_begin(void);
/* Requests between their request line and their completion, on all connections. */
int http_in_flight(void);

struct MHD_Daemon;
/* Serves on the listening socket FD with C's threads and limits. NULL with ERR on failure. */
struct MHD_Daemon *http_start(const struct config *c, int fd, char *err, size_t errlen);

#endif
