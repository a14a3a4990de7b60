/* api/routes.h — the table of data endpoints and the one function that answers them.
 *
 * Every data endpoint is a pure function of (snapshot, parsed query): no sockets, no clocks,
 * so tests call them directly and the HTTP layer can cache their bytes per snapshot. */
#ifndef PROSPERITY_ROUTES_H
#define PROSPERITY_ROUTES_H

#include <jansson.h>

#include "buf.h"
#include "error.h"
#include "query.h"
#include "render.h"
#include "store.h"

/* (snapshot, query) -> a new JSON reference in *OUT, or -1 with ERR. */
typedef int (*route_fn)(const struct store *s, const struct query *q, json_t **out,
                        struct api_error *err);

struct route {
    const char *name;    /* short label for logs and metrics: "series" */
    const char *pattern; /* "/v1/regions/{id}": at most one {id} segment */
    route_fn handle;
    const char *const *params;   /* allowed parameters besides format, pretty, lang */
    const char *const *required; /* those of PARAMS that must be given */
    const struct csv_spec *csv;  /* how the answer flattens to CSV */
    const char *summary;         /* one line for /v1 and the OpenAPI document */
    const char *example;         /* a request on the default data, for the OpenAPI document */
};

extern const struct route routes[];
extern const size_t routes_count;

/* The route whose pattern matches PATH (decoded, no query), or NULL. *ARG receives the {id}
 * segment copied into ARGBUF (ARGSIZE bytes), or NULL when the pattern has none. */
const struct route *routes_match(const char *path, char *argbuf, size_t argsize, const char **arg);

/* A rendered answer: new bytes the caller frees. */
struct answer {
    char *body;
    size_t len;
    const char *content_type; /* static */
    char filename[96];        /* for Content-Disposition of CSV ("" for JSON) */
};

/* Checks Q against R's parameters and reads format, pretty and lang (DEFAULT_FORMAT comes from
 * the Accept header). Returns 0, or -1 with a 400 in ERR. */
int routes_check(const struct route *r, struct query *q, enum query_format default_format,
                 struct api_error *err);
/* Runs R's handler on a checked Q and renders JSON or CSV into A. Returns 0, or -1 with ERR
 * (A untouched). */
int routes_answer(const struct route *r, const struct store *s, const struct query *q,
                  struct answer *a, struct api_error *err);

/* Renders an error as an RFC 9457 problem+json body (new bytes, caller frees). INSTANCE is the
 * request path, or NULL. */
char *routes_problem(const struct api_error *err, const char *instance, size_t *len);

#endif
