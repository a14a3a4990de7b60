/* api/query.h — strict parsing of a raw query string and typed access to its parameters. */
#ifndef PROSPERITY_QUERY_H
#define PROSPERITY_QUERY_H

#include <stddef.h>

#include "buf.h"
#include "error.h"

#define QUERY_MAX_PARAMS 32
#define QUERY_MAX_NAME   64

/* format=records: the CSV's rows and columns as a JSON array of flat objects. Accept never
 * selects it (application/json is the JSON answer), only format=records does. */
enum query_format { FORMAT_JSON, FORMAT_CSV, FORMAT_RECORDS };

struct query_param {
    const char *name;  /* decoded, borrowed from the query's buffer */
    const char *value; /* decoded; "" for `?name` */
};

struct query {
    char *buf; /* decoded names and values: SMALL, or owned when it does not fit */
    char small[512];
    struct query_param params[QUERY_MAX_PARAMS];
    size_t n;
    const char *path_arg; /* the {id} of the path, or NULL (borrowed from the caller) */
    enum query_format format;
    int pretty;
    int zh;     /* lang=zh: `name` is the Chinese name */
    int labels; /* labels=1: CSV and records add names and units beside the ids */
};

/* Parses RAW (LEN bytes after '?', still percent-encoded) into Q. Percent escapes must be
 * complete, decoded text valid UTF-8 without control characters, names [A-Za-z0-9_.-], no name
 * twice. Parameters whose names start with '_' are dropped (cache busters). Returns 0, or -1
 * with a 400 in ERR. Q must be released with query_free either way. */
int query_parse(struct query *q, const char *raw, size_t len, struct api_error *err);
void query_free(struct query *q);

/* Steps through the comma-separated list at *P: sets *ITEM and *LEN to the next item with
 * spaces trimmed (possibly empty) and returns 1, or returns 0 after the last. Start with *P at
 * the list; it becomes NULL after the last item. */
int query_list_next(const char **p, const char **item, size_t *len);

/* Percent-decodes the path RAW (LEN bytes) into OUT (LEN + 1 bytes) with the same rules ('+'
 * stays '+'). Returns the decoded length, or -1 with a 400 in ERR. */
long query_decode_path(const char *raw, size_t len, char *out, struct api_error *err);

/* Fails with 400 unknown_parameter for a parameter not in ALLOWED (NULL-terminated) and not one
 * of format, pretty, lang, labels; reads those into Q. DEFAULT_FORMAT comes from Accept.
 * labels=1 with a JSON answer is a 400 (JSON objects carry their names already). */
int query_check(struct query *q, const char *const *allowed, enum query_format default_format,
                struct api_error *err);

/* The value of NAME (borrowed), or NULL when absent. */
const char *query_get(const struct query *q, const char *name);
/* Like query_get, but a present empty value is a 400 (empty_parameter). NULL when absent. */
const char *query_value(const struct query *q, const char *name, struct api_error *err, int *bad);
/* A required parameter: 400 missing_parameter when absent or empty. */
const char *query_require(const struct query *q, const char *name, struct api_error *err);

/* Reads NAME as a year 1000..9999 into OUT. Returns 1 if present, 0 if absent, -1 bad (400). */
int query_year(const struct query *q, const char *name, int *out, struct api_error *err);
/* Reads NAME as a finite decimal number. Returns 1, 0 or -1 like query_year. */
int query_number(const struct query *q, const char *name, double *out, struct api_error *err);
/* Reads NAME as one of CHOICES (NULL-terminated); OUT is its index, or DEF when absent.
 * Returns 0, or -1 with a 400 listing the choices and naming the closest (also as the error's
 * suggestions). */
int query_choice(const struct query *q, const char *name, const char *const *choices, int def,
                 int *out, struct api_error *err);

/* Like query_choice for a value V of parameter NAME already read; the 400 when it is not one
 * of the N CHOICES (e.g. the kinds of region in the data). Returns the index, or -1 with ERR. */
int query_one_of(const struct query *q, const char *name, const char *v, const char *const *choices,
                 size_t n, struct api_error *err);

/* Adds to ERR (a 400 already filled) the one of the N CHOICES closest to the LEN bytes at V,
 * then any others close to it, and says "did you mean" in the detail. For parameters parsed by
 * hand ("a rule or a number", lists of names). */
void query_suggest(struct api_error *err, const char *v, size_t len, const char *const *choices,
                   size_t n);

/* Edit distance (Levenshtein) between the UTF-8 texts A and B, counted in code points, ASCII
 * letters compared without case; texts longer than 64 code points count as far apart
 * (UINT_MAX). */
unsigned query_distance(const char *a, const char *b);
/* Whether a distance D to a text of LEN code points is close enough to suggest it:
 * D <= max(2, LEN / 3). */
int query_close(unsigned d, const char *typed);

/* Appends a canonical form of Q (sorted parameters, effective format/pretty/lang) to OUT:
 * two queries that must get the same answer get the same text. */
void query_canonical(const struct query *q, struct buf *out);

#endif
