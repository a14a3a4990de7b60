/* api/doc.h — an answer written member by member, into one of two forms: JSON bytes straight
 * into a buffer (what a format=json answer needs, with no tree), or a jansson tree (what CSV and
 * records walk, api/render). A handler written once against this interface serves both, so the
 * two can never disagree; the bytes are those render_json prints for the tree.
 *
 * Calls follow the document's order: a value (doc_str, doc_num, ...) or a container is an array
 * element, or follows doc_key in an object. Nothing here fails on its own: a failed allocation
 * or a misuse marks the document failed and doc_finish reports it once. */
#ifndef PROSPERITY_DOC_H
#define PROSPERITY_DOC_H

#include <jansson.h>

#include "buf.h"
#include "render.h"

#define DOC_MUST_CHECK __attribute__((warn_unused_result))

enum doc_form {
    DOC_BYTES,  /* JSON bytes written with W */
    DOC_TREE,   /* a jansson tree */
    DOC_NOTHING /* every call a no-op: what an answer costs without its rendering (bench/micro) */
};

struct doc {
    enum doc_form form;
    int failed;
    struct render_json w;
    /* Tree form: the open containers (STACK[0] is the root once begun) and the key of the next
     * member, borrowed until that member is written. */
    json_t *stack[RENDER_JSON_MAX_DEPTH];
    int depth;
    json_t *root;
    const char *key;
};

/* Starts a document written as JSON bytes into OUT (borrowed), indented when PRETTY. */
void doc_begin_bytes(struct doc *d, int pretty, struct buf *out);
/* Starts a document built as a jansson tree (taken with doc_take_tree). */
void doc_begin_tree(struct doc *d);
/* Starts a document that keeps nothing (doc_finish says 0). */
void doc_begin_nothing(struct doc *d);

/* Containers (inline: the compact bytes form writes its bracket in place, the rest goes to
 * the _other functions). */
static inline void doc_object_begin(struct doc *d);
static inline void doc_object_end(struct doc *d);
static inline void doc_array_begin(struct doc *d);
static inline void doc_array_end(struct doc *d);
/* The next member's KEY (NUL-terminated, borrowed until that member is written), of LEN bytes;
 * doc_key (inline) takes a literal key's length where it is written. */
void doc_key_n(struct doc *d, const char *key, size_t len);
/* doc_key_n for a KEY known to need no escape (doc_key's literals, LEN <= 16), where
 * render_key_in_place did not write it: any form. */
void doc_key_literal(struct doc *d, const char *key, size_t len);
/* KEY (LEN <= 16 bytes) needs no escape in JSON: byte by byte without a loop, so that for a
 * literal the compiler folds it to a constant (it does not unroll a loop in time). */
#define DOC_KEY_BYTE_PLAIN(key, len, i)                                                            \
    ((size_t)(i) + 1 > (len) ||                                                                    \
     ((unsigned char)(key)[i] >= 0x20 && (key)[i] != '"' && (key)[i] != '\\'))
__attribute__((always_inline)) static inline int doc_key_plain(const char *key, size_t len)
{
    return DOC_KEY_BYTE_PLAIN(key, len, 0) && DOC_KEY_BYTE_PLAIN(key, len, 1) &&
           DOC_KEY_BYTE_PLAIN(key, len, 2) && DOC_KEY_BYTE_PLAIN(key, len, 3) &&
           DOC_KEY_BYTE_PLAIN(key, len, 4) && DOC_KEY_BYTE_PLAIN(key, len, 5) &&
           DOC_KEY_BYTE_PLAIN(key, len, 6) && DOC_KEY_BYTE_PLAIN(key, len, 7) &&
           DOC_KEY_BYTE_PLAIN(key, len, 8) && DOC_KEY_BYTE_PLAIN(key, len, 9) &&
           DOC_KEY_BYTE_PLAIN(key, len, 10) && DOC_KEY_BYTE_PLAIN(key, len, 11) &&
           DOC_KEY_BYTE_PLAIN(key, len, 12) && DOC_KEY_BYTE_PLAIN(key, len, 13) &&
           DOC_KEY_BYTE_PLAIN(key, len, 14) && DOC_KEY_BYTE_PLAIN(key, len, 15);
}
/* doc_key, and 1 when the key went in place (the writer is then in a compact object, with the
 * key's colon written: the member's value needs no test of the form or the container), else 0. */
__attribute__((always_inline)) static inline int doc_key_in_place(struct doc *d, const char *key)
{
    size_t len = __builtin_strlen(key);
    /* A key the compiler knows to be plain, at compile time (a string literal of ours, like
     * "p_two_sided"), is copied without looking at its bytes (render_key_literal; debug builds
     * assert it is plain). Any other key, or where the compiler cannot tell, is checked as it
     * is copied: right either way, only the speed depends on the compiler. */
    int plain = len <= 16 && doc_key_plain(key, len);
    if (__builtin_constant_p(len) && __builtin_constant_p(plain) && plain) {
        /* the writer is in a compact object only in the bytes form: no test of the form here */
        if (render_key_in_place(&d->w, key, len))
            return 1;
        doc_key_literal(d, key, len);
    } else
        doc_key_n(d, key, len);
    return 0;
}
__attribute__((always_inline)) static inline void doc_key(struct doc *d, const char *key)
{
    (void)doc_key_in_place(d, key);
}

/* S (NUL-terminated), or null when S is NULL. */
static inline void doc_str(struct doc *d, const char *s);
/* X, or null when X is not finite. */
static inline void doc_num(struct doc *d, double x);
static inline void doc_int(struct doc *d, long long v);
void doc_bool(struct doc *d, int v);
void doc_null(struct doc *d);
/* true, false or null for V = 1, 0, -1 (an indicator's higher_is_better). */
void doc_tristate(struct doc *d, int v);
/* 1 when D is written as compact JSON bytes: the form doc_raw takes. */
static inline int doc_compact(const struct doc *d)
{
    return d->form == DOC_BYTES && !d->w.pretty;
}
/* JSON (LEN bytes, borrowed): a whole value as D's writer writes it compact (an object written
 * before, kept by the caller), as the next value. Only where doc_compact (D); anywhere else it
 * marks the document failed. */
void doc_raw(struct doc *d, const char *json, size_t len);
/* J (stolen; NULL marks the document failed): a subtree made with jansson, e.g. by a builder
 * shared with answers that are still trees. */
void doc_tree(struct doc *d, json_t *j);

/* doc_str, doc_num and doc_int are inline: the bytes form goes straight to the writer (most
 * values of an answer), the others to these. */
void doc_str_other(struct doc *d, const char *s);
void doc_num_other(struct doc *d, double x);
void doc_int_other(struct doc *d, long long v);
void doc_object_begin_other(struct doc *d);
void doc_object_end_other(struct doc *d);
void doc_array_begin_other(struct doc *d);
void doc_array_end_other(struct doc *d);
/* The writer is compact only in the bytes form: no test of the form in the inline case. */
static inline void doc_object_begin(struct doc *d)
{
    if (!render_open_in_place(&d->w, '{', 0))
        doc_object_begin_other(d);
}
static inline void doc_object_end(struct doc *d)
{
    if (!render_close_in_place(&d->w, '}'))
        doc_object_end_other(d);
}
static inline void doc_array_begin(struct doc *d)
{
    if (!render_open_in_place(&d->w, '[', 1))
        doc_array_begin_other(d);
}
static inline void doc_array_end(struct doc *d)
{
    if (!render_close_in_place(&d->w, ']'))
        doc_array_end_other(d);
}
static inline void doc_str(struct doc *d, const char *s)
{
    /* an open container implies the bytes form; the length taken here (a literal's is known) */
    if (d->w.mode && s)
        render_str_n(&d->w, s, __builtin_strlen(s));
    else
        doc_str_other(d, s);
}
static inline void doc_num(struct doc *d, double x)
{
    /* an open container implies the bytes form: render_num (inline) takes it from there */
    if (d->w.mode)
        render_num(&d->w, x);
    else
        doc_num_other(d, x);
}
static inline void doc_int(struct doc *d, long long v)
{
    if (d->form == DOC_BYTES)
        render_int(&d->w, v);
    else
        doc_int_other(d, v);
}

/* Member KEY with a value, in one call: the common shapes. */
__attribute__((always_inline)) static inline void doc_set_str(struct doc *d, const char *key,
                                                              const char *s)
{
    doc_key(d, key);
    doc_str(d, s);
}
__attribute__((always_inline)) static inline void doc_set_num(struct doc *d, const char *key,
                                                              double x)
{
    if (doc_key_in_place(d, key) && __builtin_isfinite(x))
        buf_put_double(d->w.out, x);
    else
        doc_num(d, x);
}
__attribute__((always_inline)) static inline void doc_set_int(struct doc *d, const char *key,
                                                              long long v)
{
    if (doc_key_in_place(d, key))
        buf_put_int(d->w.out, v); /* a member value: nothing before it */
    else
        doc_int(d, v);
}
__attribute__((always_inline)) static inline void doc_set_null(struct doc *d, const char *key)
{
    doc_key(d, key);
    doc_null(d);
}
__attribute__((always_inline)) static inline void doc_set_tree(struct doc *d, const char *key,
                                                               json_t *j)
{
    doc_key(d, key);
    doc_tree(d, j);
}

/* Ends the document: 0, or -1 when anything failed (allocation, nesting). For the bytes form the
 * buffer then holds the document (a newline after it when pretty). */
DOC_MUST_CHECK int doc_finish(struct doc *d);
/* The tree of a finished tree-form document (a NEW reference the caller owns), or NULL. */
json_t *doc_take_tree(struct doc *d);
/* Releases what a document still holds (the tree of an unfinished or untaken one). */
void doc_free(struct doc *d);

/* The route shape of a handler written against a doc: (snapshot, query, document) -> 0, or -1
 * with ERR. On -1 the document's contents are to be thrown away. */
struct api_error;
struct query;
struct store;
typedef int (*doc_fn)(const struct store *s, const struct query *q, struct doc *d,
                      struct api_error *err);

/* FN's answer as a tree: 0 with a NEW reference in *OUT, or -1 with ERR (503 when memory ran
 * out). For callers that want the tree (CSV, records, tests). */
DOC_MUST_CHECK int doc_tree_of(doc_fn fn, const struct store *s, const struct query *q,
                               json_t **out, struct api_error *err);
/* FN's answer as JSON bytes appended to OUT: 0, or -1 with ERR. */
DOC_MUST_CHECK int doc_bytes_of(doc_fn fn, const struct store *s, const struct query *q, int pretty,
                                struct buf *out, struct api_error *err);

#endif
