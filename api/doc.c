/* api/doc.c — one answer, two forms: JSON bytes (render_json's writer) or a jansson tree. */
#include "doc.h"

#include "error.h"
#include "out.h"

static void begin(struct doc *d, enum doc_form form, int pretty, struct buf *out)
{
    d->form = form;
    d->failed = 0;
    d->depth = 0;
    d->root = NULL;
    d->key = NULL;
    render_json_begin(&d->w, pretty, out);
}

void doc_begin_bytes(struct doc *d, int pretty, struct buf *out)
{
    begin(d, DOC_BYTES, pretty, out);
}

void doc_begin_tree(struct doc *d)
{
    begin(d, DOC_TREE, 0, NULL);
}

void doc_begin_nothing(struct doc *d)
{
    begin(d, DOC_NOTHING, 0, NULL);
}

/* Tree form: V (stolen) as the next element or member of the open container, or the root. */
static void attach(struct doc *d, json_t *v)
{
    if (!v || d->failed) { /* a failed tree stops growing: it is thrown away */
        json_decref(v);
        d->failed = 1;
        return;
    }
    if (d->depth == 0) {
        if (d->root) /* a second top-level value: the caller's bug */
            d->failed = 1;
        json_decref(d->root);
        d->root = v;
        return;
    }
    json_t *top = d->stack[d->depth - 1];
    int rc;
    if (json_is_array(top)) {
        rc = json_array_append_new(top, v);
    } else if (d->key) {
        rc = json_object_set_new(top, d->key, v);
    } else { /* a member without a key */
        json_decref(v);
        rc = -1;
    }
    d->key = NULL;
    if (rc != 0)
        d->failed = 1;
}

static void open_tree(struct doc *d, json_t *c)
{
    if (d->depth >= RENDER_JSON_MAX_DEPTH) /* a bug of the caller's: make it visible */
        d->failed = 1;
    attach(d, c); /* the parent (or the root) owns C and the stack borrows it; freed if failed */
    if (!d->failed)
        d->stack[d->depth++] = c;
}

static void close_tree(struct doc *d)
{
    if (d->depth > 0)
        d->depth--;
    else
        d->failed = 1;
}

void doc_object_begin_other(struct doc *d)
{
    if (d->form == DOC_TREE)
        open_tree(d, json_object());
    else if (d->form == DOC_BYTES)
        render_object_begin(&d->w);
}

void doc_object_end_other(struct doc *d)
{
    if (d->form == DOC_TREE)
        close_tree(d);
    else if (d->form == DOC_BYTES)
        render_object_end(&d->w);
}

void doc_array_begin_other(struct doc *d)
{
    if (d->form == DOC_TREE)
        open_tree(d, json_array());
    else if (d->form == DOC_BYTES)
        render_array_begin(&d->w);
}

void doc_array_end_other(struct doc *d)
{
    if (d->form == DOC_TREE)
        close_tree(d);
    else if (d->form == DOC_BYTES)
        render_array_end(&d->w);
}

void doc_key_n(struct doc *d, const char *key, size_t len)
{
    if (d->form == DOC_TREE)
        d->key = key;
    else if (d->form == DOC_BYTES)
        render_key_n(&d->w, key, len);
}

void doc_key_literal(struct doc *d, const char *key, size_t len)
{
    if (d->form == DOC_TREE)
        d->key = key;
    else if (d->form == DOC_BYTES)
        render_key_literal(&d->w, key, len);
}

void doc_str_other(struct doc *d, const char *s)
{
    if (d->form == DOC_TREE)
        attach(d, s ? json_string(s) : json_null());
    else if (d->form == DOC_BYTES)
        render_str(&d->w, s);
}

void doc_num_other(struct doc *d, double x)
{
    if (d->form == DOC_TREE)
        attach(d, out_num(x));
    else if (d->form == DOC_BYTES)
        render_num_other(&d->w, x);
}

void doc_int_other(struct doc *d, long long v)
{
    if (d->form == DOC_TREE)
        attach(d, json_integer(v));
    else if (d->form == DOC_BYTES)
        render_int(&d->w, v);
}

void doc_bool(struct doc *d, int v)
{
    if (d->form == DOC_TREE)
        attach(d, json_boolean(v));
    else if (d->form == DOC_BYTES)
        render_tree(&d->w, v ? json_true() : json_false()); /* static values: nothing to free */
}

void doc_null(struct doc *d)
{
    if (d->form == DOC_TREE)
        attach(d, json_null());
    else if (d->form == DOC_BYTES)
        render_null(&d->w);
}

void doc_tristate(struct doc *d, int v)
{
    if (v < 0)
        doc_null(d);
    else
        doc_bool(d, v);
}

void doc_raw(struct doc *d, const char *json, size_t len)
{
    if (doc_compact(d))
        render_raw(&d->w, json, len);
    else
        d->failed = 1;
}

void doc_tree(struct doc *d, json_t *j)
{
    if (d->form == DOC_TREE) {
        attach(d, j);
        return;
    }
    if (!j)
        d->failed = 1;
    else if (d->form == DOC_BYTES)
        render_tree(&d->w, j);
    json_decref(j);
}

int doc_finish(struct doc *d)
{
    if (d->form == DOC_TREE)
        return d->failed || d->depth != 0 || !d->root ? -1 : 0;
    if (d->form == DOC_NOTHING)
        return d->failed ? -1 : 0;
    render_json_end(&d->w);
    return d->failed || d->w.depth != 0 || d->w.out->failed ? -1 : 0;
}

json_t *doc_take_tree(struct doc *d)
{
    json_t *t = d->root;
    d->root = NULL;
    return t;
}

void doc_free(struct doc *d)
{
    json_decref(d->root);
    d->root = NULL;
    d->depth = 0;
}

/* A failed document after FN said 0 can only be memory (or a nesting bug, which tests catch). */
static int finish_or_fail(struct doc *d, struct api_error *err)
{
    if (doc_finish(d) != 0)
        return api_fail(err, 503, "out_of_memory", NULL, "out of memory");
    return 0;
}

int doc_tree_of(doc_fn fn, const struct store *s, const struct query *q, json_t **out,
                struct api_error *err)
{
    struct doc d;
    int rc = -1;
    doc_begin_tree(&d);
    if (fn(s, q, &d, err) != 0 || finish_or_fail(&d, err) != 0)
        goto done;
    *out = doc_take_tree(&d);
    rc = 0;
done:
    doc_free(&d);
    return rc;
}

int doc_bytes_of(doc_fn fn, const struct store *s, const struct query *q, int pretty,
                 struct buf *out, struct api_error *err)
{
    struct doc d;
    doc_begin_bytes(&d, pretty, out);
    if (fn(s, q, &d, err) != 0)
        return -1;
    return finish_or_fail(&d, err);
}
