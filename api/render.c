/* api/render.c — JSON and CSV writers. */
#include "render.h"

#include <math.h>
#include <string.h>

#include "csv.h"

static void put_string(struct buf *out, const char *s, size_t len)
{
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
        buf_printf(out, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
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
            put_string(out, key, strlen(key));
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
        put_string(out, json_string_value(j), json_string_length(j));
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

static void put_scalar_text(struct buf *out, const json_t *v)
{
    if (!v)
        return;
    if (json_is_string(v))
        buf_append(out, json_string_value(v), json_string_length(v));
    else
        put_scalar(out, v, "");
}

static void put_cell(struct buf *out, const json_t *v)
{
    struct buf cell = BUF_INIT;
    if (v && json_is_object(v))
        v = json_object_get(v, "id");
    if (v && json_is_array(v)) {
        for (size_t i = 0; i < json_array_size(v); i++) {
            if (i)
                buf_putc(&cell, ';');
            const json_t *e = json_array_get(v, i);
            put_scalar_text(&cell, json_is_object(e) ? json_object_get(e, "id") : e);
        }
    } else if (v) {
        put_scalar_text(&cell, v);
    }
    csv_put_field(out, buf_cstr(&cell) ? cell.data : "");
    buf_free(&cell);
}

static void put_row(struct buf *out, const struct csv_spec *spec, const struct scope *sc)
{
    for (int c = 0; spec->columns[c]; c++) {
        if (c)
            buf_putc(out, ',');
        put_cell(out, lookup_column(sc, spec->columns[c]));
    }
    buf_puts(out, "\r\n");
}

static void walk(struct buf *out, const struct csv_spec *spec, struct scope *sc, int level)
{
    if (level == 3 || !spec->rows[level]) {
        put_row(out, spec, sc);
        return;
    }
    const json_t *arr = json_object_get(sc->objects[sc->n - 1], spec->rows[level]);
    for (size_t i = 0; i < json_array_size(arr); i++) {
        const json_t *o = json_array_get(arr, i);
        if (!json_is_object(o))
            continue;
        sc->objects[sc->n++] = o;
        walk(out, spec, sc, level + 1);
        sc->n--;
    }
}

void render_csv(const json_t *j, const struct csv_spec *spec, struct buf *out)
{
    for (int c = 0; spec->columns[c]; c++) {
        if (c)
            buf_putc(out, ',');
        for (const char *p = spec->columns[c]; *p; p++)
            buf_putc(out, *p == '.' ? '_' : *p);
    }
    buf_puts(out, "\r\n");
    struct scope sc = {.objects = {j}, .n = 1};
    walk(out, spec, &sc, 0);
}
