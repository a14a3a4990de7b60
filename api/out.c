/* api/out.c — the shared shapes of answers, written into documents (api/doc). */
#include "out.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

json_t *out_str(const char *s)
{
    return s ? json_string(s) : json_null();
}

json_t *out_num(double x)
{
    return isfinite(x) ? json_real(x) : json_null();
}

void out_set(json_t *obj, const char *key, json_t *v)
{
    if (v)
        json_object_set_new(obj, key, v);
}

const char *out_text(const char *en, const char *zh, const struct query *q)
{
    return q && q->zh && zh ? zh : en;
}

void out_texts_doc(struct doc *d, const char *key, const char *en, const char *zh,
                   const struct query *q)
{
    /* KEY_en and KEY_zh made by hand: snprintf was 15 % of an index answer */
    char k[64];
    size_t n = strlen(key);
    if (n + 4 > sizeof k)
        n = sizeof k - 4;
    memcpy(k, key, n); // NOLINT(bugprone-not-null-terminated-result): "_en" ends it below
    doc_set_str(d, key, out_text(en, zh, q));
    memcpy(k + n, "_en", 4);
    doc_set_str(d, k, en);
    memcpy(k + n, "_zh", 4);
    doc_set_str(d, k, zh);
}

void out_region_kind_doc(struct doc *d, const struct store *s, uint32_t r, const char *kind,
                         const struct query *q)
{
    const struct region *reg = store_region_at(s, r);
    /* out_texts_doc's members with the keys spelled out: literal keys are written in place (a
     * decomposition writes this object for every group of every year) */
    doc_object_begin(d);
    doc_set_str(d, "id", reg->id);
    doc_set_str(d, "name", out_text(reg->name_en, reg->name_zh, q));
    doc_set_str(d, "name_en", reg->name_en);
    doc_set_str(d, "name_zh", reg->name_zh);
    doc_set_str(d, "kind", kind);
    doc_object_end(d);
}

void out_region_doc(struct doc *d, const struct store *s, uint32_t r, const struct query *q)
{
    out_region_kind_doc(d, s, r, store_region_at(s, r)->kind, q);
}

/* R's object written into slot K of M: 0, or -1 when it does not fit (or memory ran out). */
static int memo_fill(struct out_region_memo *m, size_t k, const struct store *s, uint32_t r,
                     const struct query *q)
{
    struct buf b = BUF_STACK(m->json[k]);
    struct doc t;
    doc_begin_bytes(&t, 0, &b);
    out_region_doc(&t, s, r, q);
    int fits = doc_finish(&t) == 0 && b.borrowed;
    m->len[k] = b.len;
    buf_free(&b);
    return fits ? 0 : -1;
}

void out_region_memo_doc(struct doc *d, struct out_region_memo *m, const struct store *s,
                         uint32_t r, const struct query *q)
{
    if (doc_compact(d)) {
        for (size_t k = 0; k < m->n; k++)
            if (m->region[k] == r) {
                doc_raw(d, m->json[k], m->len[k]);
                return;
            }
        if (m->n < OUT_REGION_MEMO_SLOTS && memo_fill(m, m->n, s, r, q) == 0) {
            m->region[m->n] = r;
            doc_raw(d, m->json[m->n], m->len[m->n]);
            m->n++;
            return;
        }
    }
    out_region_doc(d, s, r, q);
}

void out_indicator_doc(struct doc *d, const struct store *s, uint32_t i, const struct query *q)
{
    doc_object_begin(d);
    out_indicator_members_doc(d, s, i, q);
    doc_object_end(d);
}

void out_indicator_members_doc(struct doc *d, const struct store *s, uint32_t i,
                               const struct query *q)
{
    const struct indicator *ind = store_indicator_at(s, i);
    doc_set_str(d, "id", ind->id);
    out_texts_doc(d, "name", ind->name_en, ind->name_zh, q);
    out_texts_doc(d, "unit", ind->unit, ind->unit_zh, q);
    doc_set_str(d, "category", ind->category);
    doc_key(d, "higher_is_better");
    doc_tristate(d, ind->higher_is_better);
    doc_set_str(d, "aggregation", store_aggregation_name(ind->aggregation));
}

void out_conventions_doc(struct doc *d, const char *const *pairs)
{
    doc_object_begin(d);
    for (; pairs[0] && pairs[1]; pairs += 2)
        doc_set_str(d, pairs[0], pairs[1]);
    doc_object_end(d);
}

void out_region_ids_doc(struct doc *d, const struct store *s, const uint32_t *regions, size_t n)
{
    doc_array_begin(d);
    for (size_t k = 0; k < n; k++)
        doc_str(d, store_region_at(s, regions[k])->id);
    doc_array_end(d);
}

void out_left_out_doc(struct doc *d, const struct store *s, const struct panel *p,
                      const char *reason)
{
    doc_object_begin(d);
    doc_key(d, "regions");
    doc_array_begin(d);
    for (size_t k = 0; k < p->n_left_regions; k++) {
        doc_object_begin(d);
        doc_set_str(d, "region", store_region_at(s, p->left_regions[k].region)->id);
        doc_set_str(d, "reason", reason ? reason : panel_reason_text(p->left_regions[k].reason));
        doc_object_end(d);
    }
    doc_array_end(d);
    doc_key(d, "years");
    doc_array_begin(d);
    for (size_t k = 0; k < p->n_left_years; k++) {
        const struct panel_left_year *ly = &p->left_years[k];
        doc_object_begin(d);
        doc_set_int(d, "year", ly->year);
        doc_key(d, "missing");
        out_region_ids_doc(d, s, &p->missing[ly->first_missing], ly->n_missing);
        doc_object_end(d);
    }
    doc_array_end(d);
    doc_object_end(d);
}
