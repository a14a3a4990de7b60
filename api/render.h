/* api/render.h — turning a handler's JSON into response bytes: JSON text or CSV. */
#ifndef PROSPERITY_RENDER_H
#define PROSPERITY_RENDER_H

#include <jansson.h>

#include "buf.h"

/* Serialises J (borrowed) into OUT: compact, or indented by two spaces when PRETTY. Numbers
 * print with 15 significant digits (4.8, not 4.7999999999999998); a non-finite number, which
 * jansson cannot hold anyway, would print as null. */
void render_json(const json_t *j, int pretty, struct buf *out);

/* How a JSON answer flattens into CSV rows. */
struct csv_spec {
    /* Keys of nested arrays from the top object down to the row objects, e.g.
     * {"series", "observations"}; none means the top object is the one row. */
    const char *rows[3];
    /* Row columns, NULL-terminated. A key is looked up in the row object, then in each
     * enclosing object; "a.b" reads key b of object a. An object value prints its "id". */
    const char *columns[32];
    /* Columns added at the end of each row with labels=1 (looked up like COLUMNS). */
    const char *labels[4];
};

/* labels=1: names (and units) beside the ids. A column whose last part is "region" or
 * "reference" gains COLUMN_name after it; "indicator" gains indicator_name and, when the
 * spec has no "unit" column, unit. The texts come from the caller (in the language asked). */
struct render_labels {
    /* Name of region ID, name or unit of indicator ID (borrowed), NULL when unknown. */
    const char *(*region_name)(void *ctx, const char *id);
    const char *(*indicator_name)(void *ctx, const char *id);
    const char *(*indicator_unit)(void *ctx, const char *id);
    void *ctx;
};

/* Appends the header and rows of J (borrowed) as RFC 4180 CSV (CRLF line ends). Null is an
 * empty cell; an array of scalars is joined with ';'. */
void render_csv(const json_t *j, const struct csv_spec *spec, struct buf *out);

/* The same rows and columns as CSV (RECORDS 0) or as records (RECORDS 1): a JSON array of flat
 * objects keyed by the CSV header, numbers and booleans as themselves, null for an empty or
 * missing cell, an array joined with ';' as in CSV. LABELS may be NULL (no labels). One walk
 * makes both, so they cannot disagree. */
void render_table(const json_t *j, const struct csv_spec *spec, int records, int pretty,
                  const struct render_labels *labels, struct buf *out);

/* ---- flat tables written row by row (also for answers made without a JSON tree) ---------- */

enum render_cell_kind { CELL_NULL, CELL_TEXT, CELL_INTEGER, CELL_REAL, CELL_BOOL };

/* One cell; TEXT is borrowed (LEN bytes, valid UTF-8). */
struct render_cell {
    enum render_cell_kind kind;
    const char *text;
    size_t len;
    long long integer; /* CELL_INTEGER, and CELL_BOOL (0 or 1) */
    double real;       /* CELL_REAL: a non-finite value is written as null / empty */
};

/* A table being written: the CSV header or "[" at begin, a line or an object per row, the end. */
struct render_writer {
    int records, pretty, depth; /* DEPTH: nesting of the records array (for indentation) */
    const char *const *names;   /* column names, borrowed for the writer's life */
    size_t ncols;
    size_t rows;
    struct buf *out;
};

/* Starts a table of NCOLS columns NAMES into OUT: the CSV header, or "[". DEPTH is the records
 * array's depth in an enclosing JSON document (0 when it is the document). */
void render_writer_begin(struct render_writer *w, int records, int pretty, int depth,
                         const char *const *names, size_t ncols, struct buf *out);
void render_writer_row(struct render_writer *w, const struct render_cell *cells);
/* Ends records with "]" (and a newline at depth 0 when pretty); nothing for CSV. */
void render_writer_end(struct render_writer *w);
/* A JSON answer around a records array at depth 1: `{"count": COUNT, "KEY": ` and `}`. */
void render_envelope_begin(struct buf *out, int pretty, size_t count, const char *key);
void render_envelope_end(struct buf *out, int pretty);
/* Appends S (LEN bytes) as a JSON string, as render_json writes it. */
void render_json_string(struct buf *out, const char *s, size_t len);

/* ---- JSON written member by member (answers made without a JSON tree) --------------------- */

#define RENDER_JSON_MAX_DEPTH 32

/* A JSON document being written into OUT, byte for byte as render_json would print the tree of
 * the same members in the same order. Calls: a value (str, num, ...) is an array element or
 * follows render_key_n in an object. */
struct render_json {
    struct buf *out;
    int pretty;
    int depth; /* open objects and arrays */
    /* The innermost open container as the inline paths (here and in api/doc.h) test it, in one
     * load: RENDER_OBJECT or RENDER_ARRAY, with RENDER_COMPACT unless pretty; 0 when nothing is
     * open (and always in a doc of another form than bytes, whose writer is never opened). */
    int mode;
    size_t *top; /* &count[depth - 1], the innermost's count (no index to work out per key) */
    size_t count[RENDER_JSON_MAX_DEPTH];  /* members written so far in each */
    char is_array[RENDER_JSON_MAX_DEPTH]; /* each open container: array (1) or object (0) */
};
enum { RENDER_OBJECT = 1, RENDER_ARRAY = 2, RENDER_COMPACT = 4 };

void render_json_begin(struct render_json *w, int pretty, struct buf *out);
void render_object_begin(struct render_json *w);
void render_object_end(struct render_json *w);
void render_array_begin(struct render_json *w);
void render_array_end(struct render_json *w);
/* The next member's KEY (LEN bytes) in the open object. */
void render_key_n(struct render_json *w, const char *key, size_t len);
/* The same for a KEY known to need no escape (a string literal of our own code, LEN <= 16:
 * api/doc.h's doc_key) where render_key_in_place could not write it (pretty, or the buffer must
 * grow); debug builds assert it is plain. */
void render_key_literal(struct render_json *w, const char *key, size_t len);
/* render_key_literal's common case, inline where the key is a literal (its copy becomes stores
 * of constants): 1 when written, 0 (nothing written) when the writer is not in a compact object
 * or the buffer lacks room. The fields it needs are read before the first byte is stored (a
 * store through char * could change any of them, so the compiler would read them again), and a
 * failed buffer is not tested: its bytes are never read (buf_cstr and buf_steal give NULL), so
 * writing within its capacity is harmless. */
__attribute__((always_inline)) static inline int render_key_in_place(struct render_json *w,
                                                                     const char *key, size_t len)
{
    if (w->mode != (RENDER_OBJECT | RENDER_COMPACT))
        return 0;
    struct buf *out = w->out;
    size_t at = out->len;
    if (at + len + 5 > out->cap)
        return 0;
    size_t *count = w->top;
    size_t comma = *count != 0;
    ++*count;
    out->len = at + comma + len + 3;
    char *p = out->data + at;
    p[0] = ','; /* overwritten by the quote when there is no comma */
    p += comma;
    p[0] = '"';
    __builtin_memcpy(p + 1, key, len);
    p[len + 1] = '"';
    p[len + 2] = ':';
    p[len + 3] = '\0';
    return 1;
}

/* render_object_begin and render_array_begin (C '{' or '[', IS_ARRAY 0 or 1) inline where the
 * writer is compact, inside a container and with room: 1 when written, else 0 (nothing done). */
__attribute__((always_inline)) static inline int render_open_in_place(struct render_json *w, char c,
                                                                      int is_array)
{
    int mode = w->mode, d = w->depth;
    if (!(mode & RENDER_COMPACT) || d >= RENDER_JSON_MAX_DEPTH)
        return 0;
    struct buf *out = w->out;
    size_t at = out->len;
    if (at + 3 > out->cap)
        return 0;
    size_t comma = (mode & RENDER_ARRAY) && (*w->top)++ != 0; /* an element after another */
    out->len = at + comma + 1;
    w->count[d] = 0;
    w->top = &w->count[d];
    w->is_array[d] = (char)is_array;
    w->depth = d + 1;
    w->mode = (is_array ? RENDER_ARRAY : RENDER_OBJECT) | RENDER_COMPACT;
    char *p = out->data + at;
    p[0] = ','; /* overwritten by the bracket when there is no comma */
    p[comma] = c;
    p[comma + 1] = '\0';
    return 1;
}
/* render_object_end and render_array_end (C '}' or ']') inline where the writer is compact
 * (so a container is open) and has room: 1 when written, else 0. */
__attribute__((always_inline)) static inline int render_close_in_place(struct render_json *w,
                                                                       char c)
{
    if (!(w->mode & RENDER_COMPACT))
        return 0;
    struct buf *out = w->out;
    size_t at = out->len;
    if (at + 2 > out->cap)
        return 0;
    int d = w->depth - 1;
    w->depth = d;
    w->mode = d == 0 ? 0 : (w->is_array[d - 1] ? RENDER_ARRAY : RENDER_OBJECT) | RENDER_COMPACT;
    w->top = &w->count[d > 0 ? d - 1 : 0]; /* not read at depth 0 (the mode is 0 then) */
    out->len = at + 1;
    char *p = out->data + at;
    p[0] = c;
    p[1] = '\0';
    return 1;
}

/* S (NUL-terminated), or null when S is NULL. */
void render_str(struct render_json *w, const char *s);
/* S of LEN bytes (its strlen: api/doc.h's doc_str takes it where it is called, so that a
 * literal's is known there and this function needs no call of its own). */
void render_str_n(struct render_json *w, const char *s, size_t len);
/* X, or null when X is not finite (as out_num and render_json print it). Inline for the common
 * case, a finite member value of an object (no comma to write): one call less per number. */
void render_num_other(struct render_json *w, double x);
static inline void render_num(struct render_json *w, double x)
{
    if ((w->mode & RENDER_OBJECT) && __builtin_isfinite(x))
        buf_put_double(w->out, x);
    else
        render_num_other(w, x);
}
void render_int(struct render_json *w, long long v);
void render_null(struct render_json *w);
/* JSON (LEN bytes): a whole value as this writer writes it compact (an object written earlier
 * in the same answer, say), as the next value; for a compact writer only. */
void render_raw(struct render_json *w, const char *json, size_t len);
/* J (borrowed) as render_json prints it at this depth: a subtree built with jansson. */
void render_tree(struct render_json *w, const json_t *j);
/* Ends the document (a newline when pretty, as render_json). */
void render_json_end(struct render_json *w);

#endif
