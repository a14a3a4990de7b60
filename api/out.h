/* api/out.h — the shapes answers share, so every handler spells names, numbers and references
 * the same way: writers into a document (api/doc), and the few jansson builders the trees that
 * remain need (the OpenAPI document, problem+json). The builders return a NEW reference (never
 * NULL: json_null() stands in for a missing or non-finite value). */
#ifndef PROSPERITY_OUT_H
#define PROSPERITY_OUT_H

#include <jansson.h>

#include "doc.h"
#include "panel.h"
#include "query.h"
#include "store.h"

/* A string, or null when S is NULL. */
json_t *out_str(const char *s);
/* A number, or null when X is not finite (the metrics never give one; this is the last guard). */
json_t *out_num(double x);
/* ZH under lang=zh when there is one, else EN (borrowed). */
const char *out_text(const char *en, const char *zh, const struct query *q);
/* Sets KEY of OBJ to V (stolen); a NULL V (failed allocation) is skipped. */
void out_set(json_t *obj, const char *key, json_t *v);

/* ---- writers into a document (api/doc) ----------------------------------------------------- */

/* Members KEY (in the query's language, falling back to English), KEY_en and KEY_zh of the
 * open object. */
void out_texts_doc(struct doc *d, const char *key, const char *en, const char *zh,
                   const struct query *q);
/* {id, name, name_en, name_zh, kind} of region R; out_region_kind_doc with another KIND (a
 * neighbour's: land or link). */
void out_region_doc(struct doc *d, const struct store *s, uint32_t r, const struct query *q);
void out_region_kind_doc(struct doc *d, const struct store *s, uint32_t r, const char *kind,
                         const struct query *q);
/* The region objects an answer writes again and again (a decomposition's groups, every year):
 * in compact JSON each is written once, kept here, and copied after that; in any other form
 * out_region_memo_doc is out_region_doc. One per answer (the language is the query's), zeroed
 * before its first use: it holds no memory. */
#define OUT_REGION_MEMO_SLOTS 8
#define OUT_REGION_MEMO_BYTES 256
struct out_region_memo {
    size_t n;
    uint32_t region[OUT_REGION_MEMO_SLOTS];
    size_t len[OUT_REGION_MEMO_SLOTS];
    char json[OUT_REGION_MEMO_SLOTS][OUT_REGION_MEMO_BYTES];
};
void out_region_memo_doc(struct doc *d, struct out_region_memo *m, const struct store *s,
                         uint32_t r, const struct query *q);
/* {id, name, name_en, name_zh, unit, unit_en, unit_zh, category, higher_is_better,
 * aggregation} of indicator I; out_indicator_members_doc writes those members into an object
 * the caller opened (and goes on writing). */
void out_indicator_doc(struct doc *d, const struct store *s, uint32_t i, const struct query *q);
void out_indicator_members_doc(struct doc *d, const struct store *s, uint32_t i,
                               const struct query *q);
/* An object of the definitions an answer used, from KEY, TEXT, ... pairs ended by NULL. */
void out_conventions_doc(struct doc *d, const char *const *pairs);
/* What panel P left out: {regions: [{region, reason}], years: [{year, missing: [ids]}]}, each
 * region's reason REASON when it is not NULL (a composite's own reason), else the panel's. */
void out_left_out_doc(struct doc *d, const struct store *s, const struct panel *p,
                      const char *reason);
/* An array of the ids of N regions REGIONS. */
void out_region_ids_doc(struct doc *d, const struct store *s, const uint32_t *regions, size_t n);

#endif
