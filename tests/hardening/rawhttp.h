/* tests/hardening/rawhttp.h — bytes to a server and its answer back, with no HTTP library in
 * between: hostile requests are sent exactly as written. */
#ifndef PROSPERITY_RAWHTTP_H
#define PROSPERITY_RAWHTTP_H

#include <stddef.h>

#define RAW_MAX_ANSWERS 8

struct raw_reply {
    int status;    /* of the final answer (after any 1xx); 0 when none came */
    int closed;    /* the server closed (or reset) the connection */
    int timed_out; /* the deadline passed first */
    char *data;    /* everything received (owned, NUL-terminated) */
    size_t len;
    const char *body; /* in DATA */
    size_t body_len;
    char content_type[128], cors[128], request_id[128];
    int answers; /* final answers seen on the connection (more than one: pipelined or smuggled) */
    int statuses[RAW_MAX_ANSWERS]; /* of the first RAW_MAX_ANSWERS final answers, in order */
};

/* A connected TCP socket to 127.0.0.1:PORT, or -1. */
int raw_connect(int port);
enum {
    RAW_NO_BODY = 1,     /* a HEAD request: answers carry no body */
    RAW_UNTIL_CLOSE = 2, /* keep reading after a complete answer until the server closes */
};

/* Sends LEN bytes of REQ (stops quietly if the server closes first) and reads until the
 * answer is complete (by Content-Length), the server closes, or TIMEOUT_MS pass. FLAGS are
 * RAW_*. Returns 0, or -1 when the connection could not be made. */
int raw_exchange(int port, const char *req, size_t len, int flags, int timeout_ms,
                 struct raw_reply *out);
/* The same on FD, a socket already connected (kept open: for several requests on one
 * connection); returns 0, or -1 when out of memory. */
int raw_exchange_fd(int fd, const char *req, size_t len, int flags, int timeout_ms,
                    struct raw_reply *out);
void raw_reply_free(struct raw_reply *r);
/* VmRSS of process PID in KiB, or -1. */
long raw_rss_kib(int pid);

#endif
