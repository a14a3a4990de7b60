/* api/out.c — answer-object builders. */
#include "out.h"

#include <math.h>
#include <stdio.h>

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

void out_texts(json_t *obj, const char *key, const char *en, const char *zh, const struct query *q)
{
    char k[64];
    out_set(obj, key, out_str(out_text(en, zh, q)));
    snprintf(k, sizeof k, "%s_en", key);
    out_set(obj, k, out_str(en));
    snprintf(k, sizeof k, "%s_zh", key);
    out_set(obj, k, out_str(zh));
}

const char *out_text(const char *en, const char *zh, const struct query *q)
{
    return q && q->zh && zh ? zh : en;
}

void out_names(json_t *obj, const char *en, const char *zh, const struct query *q)
{
    out_texts(obj, "name", en, zh, q);
}

json_t *out_region_ref(const struct store *s, uint32_t r, const struct query *q)
{
    const struct region *reg = store_region_at(s, r);
    json_t *o = json_object();
    out_set(o, "id", out_str(reg->id));
    out_names(o, reg->name_en, reg->name_zh, q);
    out_set(o, "kind", out_str(reg->kind));
    return o;
}

json_t *out_tristate(int v)
{
    return v < 0 ? json_null() : json_boolean(v);
}

json_t *out_indicator_ref(const struct store *s, uint32_t i, const struct query *q)
{
    const struct indicator *ind = store_indicator_at(s, i);
    json_t *o = json_object();
    out_set(o, "id", out_str(ind->id));
    out_names(o, ind->name_en, ind->name_zh, q);
    out_texts(o, "unit", ind->unit, ind->unit_zh, q);
    out_set(o, "category", out_str(ind->category));
    out_set(o, "higher_is_better", out_tristate(ind->higher_is_better));
    out_set(o, "aggregation", out_str(store_aggregation_name(ind->aggregation)));
    return o;
}

json_t *out_conventions(const char *const *pairs)
{
    json_t *c = json_object();
    for (; pairs[0] && pairs[1]; pairs += 2)
        out_set(c, pairs[0], json_string(pairs[1]));
    return c;
}

json_t *out_source_id(const struct store *s, uint32_t source)
{
    const struct source *src = source == STORE_NONE ? NULL : store_source_at(s, source);
    return src ? json_string(src->id) : json_null();
}

json_t *out_left_out(const struct store *s, const struct panel *p)
{
    json_t *left = json_object(), *regions = json_array(), *years = json_array();
    for (size_t k = 0; k < p->n_left_regions; k++) {
        json_t *e = json_object();
        out_set(e, "region", json_string(store_region_at(s, p->left_regions[k].region)->id));
        out_set(e, "reason", json_string(panel_reason_text(p->left_regions[k].reason)));
        json_array_append_new(regions, e);
    }
    for (size_t k = 0; k < p->n_left_years; k++) {
        const struct panel_left_year *ly = &p->left_years[k];
        json_t *e = json_object(), *missing = json_array();
        for (size_t m = 0; m < ly->n_missing; m++)
            json_array_append_new(
                missing, json_string(store_region_at(s, p->missing[ly->first_missing + m])->id));
        out_set(e, "year", json_integer(ly->year));
        out_set(e, "missing", missing);
        json_array_append_new(years, e);
    }
    out_set(left, "regions", regions);
    out_set(left, "years", years);
    return left;
}
