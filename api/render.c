/* api/render.c — JSON and CSV writers. */
#include "render.h"

#include <assert.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"

#ifdef PROSPERITY_SSE2
#include <emmintrin.h>
#endif

/* S (LEN bytes) needs no escape in a JSON string. */
static int plain(const char *s, size_t len)
{
    const uint64_t ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
    size_t k = 0;
    /* eight bytes a step: nonzero when a byte is below 0x20, a quote or a backslash */
    for (; k + 8 <= len; k += 8) {
        uint64_t v, q, b;
        memcpy(&v, s + k, 8);
        q = v ^ (ones * '"');
        b = v ^ (ones * '\\');
        if ((((v - ones * 0x20) & ~v) | ((q - ones) & ~q) | ((b - ones) & ~b)) & high)
            return 0;
    }
    while (k < len && (unsigned char)s[k] >= 0x20 && s[k] != '"' && s[k] != '\\')
        k++;
    return k == len;
}

void render_json_string(struct buf *out, const char *s, size_t len)
{
    if (plain(s, len)) { /* nothing to escape (ids, keys, most texts): one copy */
        char *p = buf_space(out, len + 2);
        if (p) {
            p[0] = '"';
            memcpy(p + 1, s, len);
            p[len + 1] = '"';
        }
        return;
    }
    buf_putc(out, '"');
    size_t run = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        buf_append(out, s + run, i - run);
        run = i + 1;
        switch (c) {
        case '"':
            buf_puts(out, "\\\"");
            break;
        case '\\':
            buf_puts(out, "\\\\");
            break;
        case '\n':
            buf_puts(out, "\\n");
            break;
        case '\r':
            buf_puts(out, "\\r");
            break;
        case '\t':
            buf_puts(out, "\\t");
            break;
        default:
            buf_printf(out, "\\u%04x", c);
            break;
        }
    }
    buf_append(out, s + run, len - run);
    buf_putc(out, '"');
}

static void newline(struct buf *out, int pretty, int depth)
{
    if (!pretty)
        return;
    buf_putc(out, '\n');
    for (int i = 0; i < depth; i++)
        buf_puts(out, "  ");
}

/* Numbers, booleans and null, the same in JSON and CSV but for null (and a non-finite
 * number, which jansson never holds): NULL_TEXT. Strings are the caller's. */
static void put_scalar(struct buf *out, const json_t *v, const char *null_text)
{
    switch (json_typeof(v)) {
    case JSON_INTEGER:
        buf_put_int(out, (long long)json_integer_value(v));
        break;
    case JSON_REAL:
        if (isfinite(json_real_value(v)))
            buf_put_double(out, json_real_value(v));
        else
            buf_puts(out, null_text);
        break;
    case JSON_TRUE:
        buf_puts(out, "true");
        break;
    case JSON_FALSE:
        buf_puts(out, "false");
        break;
    default:
        buf_puts(out, null_text);
        break;
    }
}

static void put_value(const json_t *j, int pretty, int depth, struct buf *out)
{
    switch (json_typeof(j)) {
    case JSON_OBJECT: {
        const char *key;
        json_t *v;
        size_t n = 0;
        buf_putc(out, '{');
        json_object_foreach((json_t *)j, key, v)
        {
            if (n++)
                buf_putc(out, ',');
            newline(out, pretty, depth + 1);
            render_json_string(out, key, strlen(key));
            buf_puts(out, pretty ? ": " : ":");
            put_value(v, pretty, depth + 1, out);
        }
        if (n)
            newline(out, pretty, depth);
        buf_putc(out, '}');
        break;
    }
    case JSON_ARRAY: {
        size_t n = json_array_size(j);
        buf_putc(out, '[');
        for (size_t i = 0; i < n; i++) {
            if (i)
                buf_putc(out, ',');
            newline(out, pretty, depth + 1);
            put_value(json_array_get(j, i), pretty, depth + 1, out);
        }
        if (n)
            newline(out, pretty, depth);
        buf_putc(out, ']');
        break;
    }
    case JSON_STRING:
        render_json_string(out, json_string_value(j), json_string_length(j));
        break;
    default:
        put_scalar(out, j, "null");
        break;
    }
}

void render_json(const json_t *j, int pretty, struct buf *out)
{
    put_value(j, pretty, 0, out);
    if (pretty)
        buf_putc(out, '\n');
}

/* ---- JSON written member by member ------------------------------------------------------- */

void render_json_begin(struct render_json *w, int pretty, struct buf *out)
{
    w->out = out;
    w->pretty = pretty;
    w->depth = 0;
    w->mode = 0;
    w->top = w->count;
}

/* W's mode for its innermost open container (render.h), after DEPTH changed. */
static void set_mode(struct render_json *w)
{
    int d = w->depth;
    w->top = d > 0 ? &w->count[d - 1] : w->count;
    if (d == 0)
        w->mode = 0;
    else
        w->mode =
            (w->is_array[d - 1] ? RENDER_ARRAY : RENDER_OBJECT) | (w->pretty ? 0 : RENDER_COMPACT);
}

/* What put_value writes before an array element: the comma and the line. Out of line: an
 * object member's value (most values) needs only the test, and no stack frame. */
__attribute__((noinline)) static void element_start(struct render_json *w)
{
    if (w->count[w->depth - 1]++)
        buf_putc(w->out, ',');
    newline(w->out, w->pretty, w->depth);
}

static inline void before_value(struct render_json *w)
{
    if (w->depth > 0 && w->is_array[w->depth - 1])
        element_start(w);
}

__attribute__((noinline)) static void open_slow(struct render_json *w, char c, int is_array)
{
    before_value(w);
    buf_putc(w->out, c);
    if (w->depth >= RENDER_JSON_MAX_DEPTH) { /* a bug of the caller's: make it visible */
        w->out->failed = 1;
        return;
    }
    w->count[w->depth] = 0;
    w->is_array[w->depth] = (char)is_array;
    w->depth++;
    set_mode(w);
}

static void open_container(struct render_json *w, char c, int is_array)
{
    if (!render_open_in_place(w, c, is_array))
        open_slow(w, c, is_array);
}

static void close_container(struct render_json *w, char c)
{
    if (render_close_in_place(w, c))
        return;
    if (w->depth > 0 && w->count[--w->depth])
        newline(w->out, w->pretty, w->depth);
    set_mode(w);
    buf_putc(w->out, c);
}

void render_object_begin(struct render_json *w)
{
    open_container(w, '{', 0);
}

void render_object_end(struct render_json *w)
{
    close_container(w, '}');
}

void render_array_begin(struct render_json *w)
{
    open_container(w, '[', 1);
}

void render_array_end(struct render_json *w)
{
    close_container(w, ']');
}

/* The N (1..8) bytes at S as the low bytes of a word (the rest zero), and back: a load or
 * store of a register, no stack (these are memcpy's of a known size). */
static inline uint64_t load_le(const char *s, int n)
{
    uint64_t v = 0;
    memcpy(&v, s, (size_t)n);
    return v;
}

static inline void store_le(char *p, uint64_t v, int n)
{
    memcpy(p, &v, (size_t)n);
}

/* Nonzero when a byte of V is below 0x20, '"' or '\\' (plain()'s test on one word; a zero
 * byte counts, so words are checked only where they hold key bytes). */
static inline uint64_t escapes8(uint64_t v)
{
    const uint64_t ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
    uint64_t q = v ^ (ones * '"'), b = v ^ (ones * '\\');
    return (((v - ones * 0x20) & ~v) | ((q - ones) & ~q) | ((b - ones) & ~b)) & high;
}

/* Nonzero when a byte of A or B (words of KEY bytes, as escapes8) needs an escape. With SSE2 the
 * sixteen bytes are tested at once, in vector registers (the scalar form needs five 64-bit
 * constants and spilled registers in render_str). */
static inline int escapes16(uint64_t a, uint64_t b)
{
#ifdef PROSPERITY_SSE2
    __m128i v = _mm_set_epi64x((long long)b, (long long)a);
    __m128i e =
        _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')), _mm_cmpeq_epi8(v, _mm_set1_epi8('\\')));
    e = _mm_or_si128(e, _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(0x1f)), v)); /* < 0x20 */
    return _mm_movemask_epi8(e);
#else
    return (escapes8(a) | escapes8(b)) != 0;
#endif
}

/* KEY (LEN <= 16 bytes: a key or a short string) to P by two overlapping loads and stores (no byte
 * loop, no memcpy call, nothing read past the key): 0, or -1 (nothing written that counts) when a
 * byte needs an escape. */
static inline int copy_short(char *p, const char *key, size_t len)
{
    const uint64_t fill = 0x4141414141414141ULL; /* 'A's: plain, in the bytes not loaded */
    if (len >= 8) {
        uint64_t a = load_le(key, 8), b = load_le(key + len - 8, 8);
        if (escapes16(a, b))
            return -1;
        store_le(p, a, 8);
        store_le(p + len - 8, b, 8);
    } else if (len >= 4) {
        uint64_t a = load_le(key, 4), b = load_le(key + len - 4, 4);
        if (escapes16(a | b << 32, fill))
            return -1;
        store_le(p, a, 4);
        store_le(p + len - 4, b, 4);
    } else if (len > 0) { /* 1 to 3 bytes: the first, the middle and the last */
        uint64_t a = (uint64_t)(unsigned char)key[0] | (uint64_t)(unsigned char)key[len / 2] << 8 |
                     (uint64_t)(unsigned char)key[len - 1] << 16;
        if (escapes16(a | (fill << 24), fill))
            return -1;
        p[0] = (char)a; /* from A: a store could change KEY's bytes for all the compiler knows */
        p[len / 2] = (char)(a >> 8);
        p[len - 1] = (char)(a >> 16);
    }
    return 0;
}

/* ,"key": checked and written in place when the writer is compact, the key short and plain and
 * the buffer has room: 0, or -1 (nothing written) for the long way. */
static inline int key_in_place(struct render_json *w, const char *key, size_t len)
{
    struct buf *out = w->out;
    if (w->pretty || w->depth == 0 || len > 16 || out->len + len + 5 > out->cap || out->failed)
        return -1;
    size_t *count = w->top;
    size_t comma = *count != 0;
    char *p = out->data + out->len;
    p[0] = ','; /* overwritten by the quote when there is no comma */
    p += comma;
    if (copy_short(p + 1, key, len) != 0) {
        out->data[out->len] = '\0';
        return -1;
    }
    p[0] = '"';
    p[len + 1] = '"';
    p[len + 2] = ':';
    p[len + 3] = '\0';
    out->len += comma + len + 3;
    ++*count;
    return 0;
}

/* The long way: pretty, escapes, long keys, a buffer to grow. Kept out of line so that the
 * in-place paths need no stack frame. */
__attribute__((noinline)) static void key_slow(struct render_json *w, const char *key, size_t len)
{
    struct buf *out = w->out;
    if (w->depth > 0 && w->count[w->depth - 1]++)
        buf_putc(out, ',');
    newline(out, w->pretty, w->depth);
    render_json_string(out, key, len);
    buf_puts(out, w->pretty ? ": " : ":");
}

void render_key_n(struct render_json *w, const char *key, size_t len)
{
    if (key_in_place(w, key, len) != 0)
        key_slow(w, key, len);
}

void render_key_literal(struct render_json *w, const char *key, size_t len)
{
    assert(plain(key, len)); /* a literal of our own: debug builds check what is trusted */
    key_slow(w, key, len);   /* render_key_in_place (render.h) took the in-place case already */
}

/* render_str_n's long way: pretty array elements, long strings, escapes, a buffer to grow. */
__attribute__((noinline)) static void str_slow(struct render_json *w, const char *s, size_t len)
{
    before_value(w);
    render_json_string(w->out, s, len);
}

void render_str(struct render_json *w, const char *s)
{
    if (s) {
        render_str_n(w, s, strlen(s));
        return;
    }
    before_value(w);
    buf_puts(w->out, "null");
}

void render_str_n(struct render_json *w, const char *s, size_t len)
{
    int mode = w->mode;
    struct buf *out = w->out;
    size_t at = out->len;
    /* a member value (compact or pretty) or a compact element (no line to write before it), short,
     * with room: ids and most strings of an answer, checked and copied in place, after the comma
     * of an element that follows another */
    if (!(mode & (RENDER_OBJECT | RENDER_COMPACT)) || len > 16 || at + len + 4 > out->cap) {
        str_slow(w, s, len);
        return;
    }
    /* few values live across the copy, so that no register is saved (a leaf function) */
    size_t comma = (mode & RENDER_ARRAY) && *w->top != 0;
    char *p = out->data + at;
    p[0] = ','; /* overwritten by the quote when there is no comma */
    p += comma;
    if (copy_short(p + 1, s, len) != 0) {
        out->data[at] = '\0';
        str_slow(w, s, len);
        return;
    }
    if (w->mode & RENDER_ARRAY)
        ++*w->top;
    out->len = at + comma + len + 2;
    p[0] = '"';
    p[len + 1] = '"';
    p[len + 2] = '\0';
}

void render_num_other(struct render_json *w, double x)
{
    before_value(w);
    if (isfinite(x))
        buf_put_double(w->out, x);
    else
        buf_puts(w->out, "null");
}

void render_int(struct render_json *w, long long v)
{
    before_value(w);
    buf_put_int(w->out, v);
}

void render_null(struct render_json *w)
{
    before_value(w);
    buf_puts(w->out, "null");
}

void render_raw(struct render_json *w, const char *json, size_t len)
{
    before_value(w);
    buf_append(w->out, json, len);
}

void render_tree(struct render_json *w, const json_t *j)
{
    before_value(w);
    put_value(j, w->pretty, w->depth, w->out);
}

void render_json_end(struct render_json *w)
{
    if (w->pretty)
        buf_putc(w->out, '\n');
}

/* ---- tables: CSV and records from one walk ------------------------------------------------ */

void render_writer_begin(struct render_writer *w, int records, int pretty, int depth,
                         const char *const *names, size_t ncols, struct buf *out)
{
    *w = (struct render_writer){.records = records,
                                .pretty = pretty,
                                .depth = depth,
                                .names = names,
                                .ncols = ncols,
                                .out = out};
    if (records) {
        buf_putc(out, '[');
        return;
    }
    for (size_t c = 0; c < ncols; c++) {
        if (c)
            buf_putc(out, ',');
        csv_put_fieldn(out, names[c], strlen(names[c]));
    }
    buf_puts(out, "\r\n");
}

static void put_cell_json(struct buf *out, const struct render_cell *v)
{
    switch (v->kind) {
    case CELL_TEXT:
        render_json_string(out, v->text, v->len);
        break;
    case CELL_INTEGER:
        buf_put_int(out, v->integer);
        break;
    case CELL_REAL:
        if (isfinite(v->real))
            buf_put_double(out, v->real);
        else
            buf_puts(out, "null");
        break;
    case CELL_BOOL:
        buf_puts(out, v->integer ? "true" : "false");
        break;
    default:
        buf_puts(out, "null");
        break;
    }
}

static void put_cell_csv(struct buf *out, const struct render_cell *v)
{
    switch (v->kind) {
    case CELL_TEXT:
        csv_put_fieldn(out, v->text, v->len);
        break;
    case CELL_INTEGER:
        buf_put_int(out, v->integer);
        break;
    case CELL_REAL:
        if (isfinite(v->real))
            buf_put_double(out, v->real);
        break;
    case CELL_BOOL:
        buf_puts(out, v->integer ? "true" : "false");
        break;
    default:
        break;
    }
}

void render_writer_row(struct render_writer *w, const struct render_cell *cells)
{
    struct buf *out = w->out;
    if (!w->records) {
        for (size_t c = 0; c < w->ncols; c++) {
            if (c)
                buf_putc(out, ',');
            put_cell_csv(out, &cells[c]);
        }
        buf_puts(out, "\r\n");
        w->rows++;
        return;
    }
    if (w->rows++)
        buf_putc(out, ',');
    newline(out, w->pretty, w->depth + 1);
    buf_putc(out, '{');
    for (size_t c = 0; c < w->ncols; c++) {
        if (c)
            buf_putc(out, ',');
        newline(out, w->pretty, w->depth + 2);
        render_json_string(out, w->names[c], strlen(w->names[c]));
        buf_puts(out, w->pretty ? ": " : ":");
        put_cell_json(out, &cells[c]);
    }
    newline(out, w->pretty, w->depth + 1);
    buf_putc(out, '}');
}

void render_writer_end(struct render_writer *w)
{
    if (!w->records)
        return;
    if (w->rows)
        newline(w->out, w->pretty, w->depth);
    buf_putc(w->out, ']');
    if (w->pretty && w->depth == 0)
        buf_putc(w->out, '\n');
}

void render_envelope_begin(struct buf *out, int pretty, size_t count, const char *key)
{
    buf_putc(out, '{');
    newline(out, pretty, 1);
    buf_printf(out, "\"count\":%s%zu,", pretty ? " " : "", count);
    newline(out, pretty, 1);
    render_json_string(out, key, strlen(key));
    buf_puts(out, pretty ? ": " : ":");
}

void render_envelope_end(struct buf *out, int pretty)
{
    newline(out, pretty, 0);
    buf_putc(out, '}');
    if (pretty)
        buf_putc(out, '\n');
}

/* The enclosing objects of a row, innermost last. */
struct scope {
    const json_t *objects[4];
    int n;
};

/* Follows "a.b.c" from V. */
static const json_t *follow(const json_t *v, const char *path)
{
    while (v && *path) {
        const char *dot = strchr(path, '.');
        size_t n = dot ? (size_t)(dot - path) : strlen(path);
        char key[64];
        if (n >= sizeof key)
            return NULL;
        memcpy(key, path, n);
        key[n] = '\0';
        v = json_object_get(v, key);
        path += n + (dot != NULL);
    }
    return v;
}

static const json_t *lookup_column(const struct scope *sc, const char *column)
{
    char head[64];
    const char *dot = strchr(column, '.');
    size_t hl = dot ? (size_t)(dot - column) : strlen(column);
    if (hl >= sizeof head)
        return NULL;
    memcpy(head, column, hl);
    head[hl] = '\0';
    for (int i = sc->n - 1; i >= 0; i--) {
        const json_t *v = json_object_get(sc->objects[i], head);
        if (v)
            return dot ? follow(v, dot + 1) : v;
    }
    return NULL;
}

/* What a table column shows: the value at SOURCE, or a label of the id found there. */
enum label_kind { LABEL_NONE, LABEL_REGION, LABEL_INDICATOR, LABEL_UNIT };

#define TABLE_MAX_COLUMNS 64
#define TABLE_NAME_MAX    80

struct plan {
    size_t n;
    const char *source[TABLE_MAX_COLUMNS];
    enum label_kind label[TABLE_MAX_COLUMNS];
    char names[TABLE_MAX_COLUMNS][TABLE_NAME_MAX];
    const char *name[TABLE_MAX_COLUMNS];
};

/* The CSV header of a column: its path with '.' written '_', and SUFFIX. */
static void plan_add(struct plan *p, const char *source, enum label_kind label, const char *suffix)
{
    if (p->n == TABLE_MAX_COLUMNS)
        return;
    char *name = p->names[p->n];
    snprintf(name, TABLE_NAME_MAX, "%s%s", source, suffix);
    for (char *c = name; *c; c++)
        if (*c == '.')
            *c = '_';
    p->source[p->n] = source;
    p->label[p->n] = label;
    p->name[p->n] = name;
    p->n++;
}

static const char *last_part(const char *column)
{
    const char *dot = strrchr(column, '.');
    return dot ? dot + 1 : column;
}

static void make_plan(const struct csv_spec *spec, int labels, struct plan *p)
{
    int has_unit = 0;
    p->n = 0;
    for (int c = 0; spec->columns[c]; c++)
        has_unit |= strcmp(spec->columns[c], "unit") == 0;
    for (int c = 0; spec->columns[c]; c++) {
        const char *col = spec->columns[c], *last = last_part(col);
        plan_add(p, col, LABEL_NONE, "");
        if (!labels)
            continue;
        if (strcmp(last, "region") == 0 || strcmp(last, "reference") == 0) {
            plan_add(p, col, LABEL_REGION, "_name");
        } else if (strcmp(last, "indicator") == 0) {
            plan_add(p, col, LABEL_INDICATOR, "_name");
            if (!has_unit) {
                plan_add(p, col, LABEL_UNIT, "");
                snprintf(p->names[p->n - 1], TABLE_NAME_MAX, "unit");
            }
        }
    }
    for (int c = 0; labels && c < 4 && spec->labels[c]; c++)
        plan_add(p, spec->labels[c], LABEL_NONE, "");
}

static void text_cell(struct render_cell *cell, const char *s)
{
    if (s)
        *cell = (struct render_cell){.kind = CELL_TEXT, .text = s, .len = strlen(s)};
    else
        *cell = (struct render_cell){.kind = CELL_NULL};
}

static void put_scalar_text(struct buf *out, const json_t *v)
{
    if (!v)
        return;
    if (json_is_string(v))
        buf_append(out, json_string_value(v), json_string_length(v));
    else
        put_scalar(out, v, "");
}

/* The cell of value V: an object stands for its "id", an array for its items (ids of objects)
 * joined with ';' in SCRATCH. */
static void value_cell(const json_t *v, struct buf *scratch, struct render_cell *cell)
{
    *cell = (struct render_cell){.kind = CELL_NULL};
    if (v && json_is_object(v))
        v = json_object_get(v, "id");
    if (!v)
        return;
    switch (json_typeof(v)) {
    case JSON_ARRAY:
        for (size_t i = 0; i < json_array_size(v); i++) {
            if (i)
                buf_putc(scratch, ';');
            const json_t *e = json_array_get(v, i);
            put_scalar_text(scratch, json_is_object(e) ? json_object_get(e, "id") : e);
        }
        text_cell(cell, buf_cstr(scratch) ? scratch->data : "");
        break;
    case JSON_STRING:
        *cell = (struct render_cell){
            .kind = CELL_TEXT, .text = json_string_value(v), .len = json_string_length(v)};
        break;
    case JSON_INTEGER:
        *cell = (struct render_cell){.kind = CELL_INTEGER, .integer = json_integer_value(v)};
        break;
    case JSON_REAL:
        *cell = (struct render_cell){.kind = CELL_REAL, .real = json_real_value(v)};
        break;
    case JSON_TRUE:
    case JSON_FALSE:
        *cell = (struct render_cell){.kind = CELL_BOOL, .integer = json_is_true(v)};
        break;
    default:
        break;
    }
}

static void label_cell(const struct render_labels *lb, enum label_kind kind,
                       const struct render_cell *id, struct render_cell *cell)
{
    *cell = (struct render_cell){.kind = CELL_NULL};
    if (!lb || id->kind != CELL_TEXT || strlen(id->text) != id->len)
        return;
    const char *(*f)(void *, const char *) = kind == LABEL_REGION      ? lb->region_name
                                             : kind == LABEL_INDICATOR ? lb->indicator_name
                                                                       : lb->indicator_unit;
    if (f)
        text_cell(cell, f(lb->ctx, id->text));
}

struct table_walk {
    const struct csv_spec *spec;
    const struct plan *plan;
    const struct render_labels *labels;
    struct render_writer *w;
    struct buf scratch[TABLE_MAX_COLUMNS];
    struct render_cell cells[TABLE_MAX_COLUMNS];
};

static void walk_row(struct table_walk *t, const struct scope *sc)
{
    const struct plan *p = t->plan;
    for (size_t c = 0; c < p->n; c++) {
        t->scratch[c].len = 0;
        if (p->label[c] == LABEL_NONE) {
            value_cell(lookup_column(sc, p->source[c]), &t->scratch[c], &t->cells[c]);
            continue;
        }
        /* a label column follows its id column, whose cell is already made */
        size_t id = c;
        while (id > 0 && p->label[id] != LABEL_NONE)
            id--;
        label_cell(t->labels, p->label[c], &t->cells[id], &t->cells[c]);
    }
    render_writer_row(t->w, t->cells);
}

static void walk(struct table_walk *t, struct scope *sc, int level)
{
    if (level == 3 || !t->spec->rows[level]) {
        walk_row(t, sc);
        return;
    }
    const json_t *arr = json_object_get(sc->objects[sc->n - 1], t->spec->rows[level]);
    for (size_t i = 0; i < json_array_size(arr); i++) {
        const json_t *o = json_array_get(arr, i);
        if (!json_is_object(o))
            continue;
        sc->objects[sc->n++] = o;
        walk(t, sc, level + 1);
        sc->n--;
    }
}

void render_table(const json_t *j, const struct csv_spec *spec, int records, int pretty,
                  const struct render_labels *labels, struct buf *out)
{
    struct plan *p = malloc(sizeof *p);
    struct table_walk *t = calloc(1, sizeof *t);
    struct render_writer w;
    if (!p || !t) {
        out->failed = 1;
        goto done;
    }
    make_plan(spec, labels != NULL, p);
    *t = (struct table_walk){.spec = spec, .plan = p, .labels = labels, .w = &w};
    render_writer_begin(&w, records, pretty, 0, p->name, p->n, out);
    struct scope sc = {.objects = {j}, .n = 1};
    walk(t, &sc, 0);
    render_writer_end(&w);
    for (size_t c = 0; c < p->n; c++)
        buf_free(&t->scratch[c]);
done:
    free(p);
    free(t);
}

void render_csv(const json_t *j, const struct csv_spec *spec, struct buf *out)
{
    render_table(j, spec, 0, 0, NULL, out);
}
