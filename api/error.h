/* api/error.h — the one typed error that travels from any layer up to the HTTP layer, which
 * alone turns it into an RFC 9457 problem+json body. */
#ifndef PROSPERITY_ERROR_H
#define PROSPERITY_ERROR_H

#define API_MAX_SUGGESTIONS 5
#define API_SUGGESTION_MAX  64

struct api_error {
    int status;        /* 400, 404, 422 ... */
    const char *code;  /* machine-readable, e.g. "unknown_indicator": static string */
    const char *param; /* the query parameter at fault (static or borrowed), or NULL */
    char detail[384];  /* for people: what was wrong and what is allowed */
    /* What the client may have meant (an id, an allowed value), best first; the problem body
     * carries them as `suggestions` when there are any (0: looked for, none close; api_fail
     * sets -1: not looked for). */
    int n_suggestions;
    char suggestions[API_MAX_SUGGESTIONS][API_SUGGESTION_MAX];
};

/* Fills ERR (no suggestions) and returns -1, so a caller can write `return api_fail(err, ...)`. */
int api_fail(struct api_error *err, int status, const char *code, const char *param,
             const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Adds TEXT to ERR's suggestions, starting the list (ignored when full, or too long). */
void api_suggest(struct api_error *err, const char *text);

/* Appends "; did you mean 'a' or 'b'?" naming ERR's suggestions to its detail (nothing when it
 * has none). */
void api_did_you_mean(struct api_error *err);

/* The RFC 9457 title for STATUS ("Bad Request" ...); static string. */
const char *api_status_title(int status);

#endif
