/* api/routes.h — the table of data endpoints and the one function that answers them.
 *
 * Every data endpoint is a pure function of (snapshot, parsed query): no sockets, no clocks,
 * so tests call them directly and the HTTP layer can cache their bytes per snapshot. */
#ifndef PROSPERITY_ROUTES_H
#define PROSPERITY_ROUTES_H

#include <jansson.h>

#include "buf.h"
#include "doc.h"
#include "error.h"
#include "query.h"
#include "render.h"
#include "store.h"

/* A flat table made row by row from the snapshot, without a JSON tree: the answer of a route
 * that can be too large to build in one buffer (the whole panel). JSON is {"count": N, KEY:
 * [records]}; CSV and records as for any route. */
#define ROUTE_TABLE_MAX_COLUMNS 24

struct route_table {
    const char *rows_key; /* the JSON member holding the rows: "observations" */
    /* Opens a cursor over Q's rows (new, closed with CLOSE): their number in *ROWS and the
     * column names (borrowed from the cursor) in *NAMES, *NCOLS. 0, or -1 with ERR. */
    int (*open)(const struct store *s, const struct query *q, void **cursor, size_t *rows,
                const char *const **names, size_t *ncols, struct api_error *err);
    /* Fills CELLS (NCOLS of them; texts borrowed from the snapshot or the cursor, valid until
     * the next call) with the next row: 1, or 0 after the last. */
    int (*next)(void *cursor, struct render_cell *cells);
    void (*close)(void *cursor);
};

struct route {
    const char *name;    /* short label for logs and metrics: "series" */
    const char *pattern; /* "/v1/regions/{id}": at most one {id} segment */
    /* The answer written member by member into a document (api/doc): bytes for format=json (no
     * tree), a tree for CSV and records. NULL for a TABLE route. */
    doc_fn emit;
    const char *const *params;       /* allowed parameters besides format, pretty, lang */
    const char *const *required;     /* those of PARAMS that must be given */
    const struct csv_spec *csv;      /* how the answer flattens to CSV */
    const struct route_table *table; /* instead of EMIT and CSV: rows made one by one */
    const char *summary;             /* one line for /v1 and the OpenAPI document */
    const char *example;             /* a request on the default data, for the OpenAPI document */
};

extern const struct route routes[];
extern const size_t routes_count;

/* The route whose pattern matches PATH (decoded, no query), or NULL. *ARG receives the {id}
 * segment copied into ARGBUF (ARGSIZE bytes), or NULL when the pattern has none. */
const struct route *routes_match(const char *path, char *argbuf, size_t argsize, const char **arg);

/* R's answer to Q as a jansson tree (its document built as a tree): 0 with a
 * NEW reference in *OUT, or -1 with ERR. Not for table routes. */
int routes_tree(const struct route *r, const struct store *s, const struct query *q, json_t **out,
                struct api_error *err);

struct answer_stream;

/* A rendered answer: new bytes the caller frees; or, from routes_answer_stream, a stream. */
struct answer {
    char *body;
    size_t len;
    const char *content_type; /* static */
    char filename[96];        /* for Content-Disposition of CSV ("" for JSON) */
    /* Non-NULL (BODY NULL): the bytes come from routes_stream_fill; the snapshot must outlive
     * it. Free it with routes_stream_free. */
    struct answer_stream *stream;
};

/* Table answers of more rows than this are streamed by routes_answer_stream. At about 60-150
 * bytes a row, a few MB: as large as a cached answer should be. */
#define ROUTES_STREAM_ROWS 50000

/* Checks Q against R's parameters and reads format, pretty and lang (DEFAULT_FORMAT comes from
 * the Accept header). Returns 0, or -1 with a 400 in ERR. */
int routes_check(const struct route *r, struct query *q, enum query_format default_format,
                 struct api_error *err);
/* Runs R's handler on a checked Q and renders JSON or CSV into A. Returns 0, or -1 with ERR
 * (A untouched). */
int routes_answer(const struct route *r, const struct store *s, const struct query *q,
                  struct answer *a, struct api_error *err);

/* Like routes_answer, but a table route with more than ROUTES_STREAM_ROWS rows comes back as
 * A->stream, made as it is sent, so its memory stays flat however many rows it has. */
int routes_answer_stream(const struct route *r, const struct store *s, const struct query *q,
                         struct answer *a, struct api_error *err);
/* Appends the stream's next bytes to OUT, at least WANT of them unless it ends first. Returns 1
 * while more follow, 0 after the last (OUT may have grown). */
int routes_stream_fill(struct answer_stream *st, struct buf *out, size_t want);
void routes_stream_free(struct answer_stream *st);

/* Renders an error as an RFC 9457 problem+json body (new bytes, caller frees). INSTANCE is the
 * request path, or NULL. */
char *routes_problem(const struct api_error *err, const char *instance, size_t *len);

#endif
