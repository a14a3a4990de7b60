/* api/out.h — small builders for answer objects, so every handler spells names, numbers and
 * references the same way. Every function returns a NEW reference (never NULL: json_null()
 * stands in for a missing or non-finite value). */
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
/* Sets KEY (in the query's language, falling back to English), KEY_en and KEY_zh of OBJ. */
void out_texts(json_t *obj, const char *key, const char *en, const char *zh, const struct query *q);
/* ZH under lang=zh when there is one, else EN (borrowed). */
const char *out_text(const char *en, const char *zh, const struct query *q);
/* Sets name (in the query's language, falling back to English), name_en and name_zh. */
void out_names(json_t *obj, const char *en, const char *zh, const struct query *q);
/* {id, name, name_en, name_zh, kind} of region R. */
json_t *out_region_ref(const struct store *s, uint32_t r, const struct query *q);
/* {id, name, name_en, name_zh, unit, unit_en, unit_zh, category, higher_is_better,
 * aggregation} of indicator I. */
json_t *out_indicator_ref(const struct store *s, uint32_t i, const struct query *q);
/* The id of source X, or null. */
json_t *out_source_id(const struct store *s, uint32_t source);
/* An object of the definitions an answer used, from KEY, TEXT, ... pairs ended by NULL. */
json_t *out_conventions(const char *const *pairs);
/* Sets KEY of OBJ to V (stolen); a NULL V (failed allocation) is skipped. */
void out_set(json_t *obj, const char *key, json_t *v);

/* ---- the same shapes written into a document (api/doc), members in the same order --------- */

/* Members KEY, KEY_en, KEY_zh of the open object, as out_texts. */
void out_texts_doc(struct doc *d, const char *key, const char *en, const char *zh,
                   const struct query *q);
/* The values out_region_ref, out_indicator_ref and out_conventions build; left_out is
 * {regions: [{region, reason}], years: [{year, missing: [ids]}]}: what panel P left out. */
void out_region_doc(struct doc *d, const struct store *s, uint32_t r, const struct query *q);
void out_indicator_doc(struct doc *d, const struct store *s, uint32_t i, const struct query *q);
void out_conventions_doc(struct doc *d, const char *const *pairs);
/* out_left_out_doc gives each region left out REASON when it is not NULL (a composite's own
 * reason), else the panel's. */
void out_left_out_doc(struct doc *d, const struct store *s, const struct panel *p,
                      const char *reason);
/* An array of the ids of N regions REGIONS. */
void out_region_ids_doc(struct doc *d, const struct store *s, const uint32_t *regions, size_t n);

#endif
