/* api/error.h — the one typed error that travels from any layer up to the HTTP layer, which
 * alone turns it into an RFC 9457 problem+json body. */
#ifndef PROSPERITY_ERROR_H
#define PROSPERITY_ERROR_H

struct api_error {
    int status;        /* 400, 404, 422 ... */
    const char *code;  /* machine-readable, e.g. "unknown_indicator": static string */
    const char *param; /* the query parameter at fault (static or borrowed), or NULL */
    char detail[256];  /* for people: what was wrong and what is allowed */
};

/* Fills ERR and returns -1, so a caller can write `return api_fail(err, ...)`. */
int api_fail(struct api_error *err, int status, const char *code, const char *param,
             const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* The RFC 9457 title for STATUS ("Bad Request" ...); static string. */
const char *api_status_title(int status);

#endif
