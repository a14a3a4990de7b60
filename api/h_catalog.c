/* api/h_catalog.c — the catalogue: /v1, meta, indicators, regions, groups, sources. */
#include <stdlib.h>
#include <string.h>

#include "handlers.h"
#include "out.h"
#include "select.h"

int catalog_index(const struct store *s, const struct query *q, json_t **out, struct api_error *err)
{
    (void)s;
    (void)q;
    (void)err;
    json_t *links = json_array();
    for (size_t k = 0; k < routes_count; k++) {
        const struct route *r = &routes[k];
        json_t *link = json_object();
        json_t *params = json_array(), *required = json_array();
        for (const char *const *p = r->params; p && *p; p++)
            json_array_append_new(params, json_string(*p));
        for (const char *const *p = r->required; p && *p; p++)
            json_array_append_new(required, json_string(*p));
        /* Relative to /v1, so the links work under any path prefix. */
        out_set(link, "href", json_string(r->pattern + 1));
        out_set(link, "name", json_string(r->name));
        out_set(link, "summary", json_string(r->summary));
        out_set(link, "params", params);
        out_set(link, "required", required);
        out_set(link, "csv", json_boolean(r->csv != NULL || r->table != NULL));
        json_array_append_new(links, link);
    }
    json_t *o = json_object();
    out_set(o, "name", json_string("prosperity"));
    out_set(o, "description",
            json_string("Open data on urban-rural and regional gaps in China: "
                        "series, gap metrics and comparisons."));
    out_set(o, "version", json_string(PROSPERITY_VERSION));
    out_set(o, "links", links);
    *out = o;
    return 0;
}

int catalog_meta(const struct store *s, const struct query *q, json_t **out, struct api_error *err)
{
    (void)q;
    (void)err;
    json_t *counts = json_object();
    out_set(counts, "indicators", json_integer((json_int_t)store_indicator_count(s)));
    out_set(counts, "regions", json_integer((json_int_t)store_region_count(s)));
    out_set(counts, "groups", json_integer((json_int_t)store_group_count(s)));
    out_set(counts, "sources", json_integer((json_int_t)store_source_count(s)));
    out_set(counts, "benchmarks", json_integer((json_int_t)store_benchmark_count(s)));
    out_set(counts, "observations", json_integer((json_int_t)store_observation_count(s)));
    out_set(counts, "neighbour_pairs", json_integer((json_int_t)store_neighbour_pair_count(s)));
    out_set(counts, "series", json_integer((json_int_t)store_series_count(s)));
    json_t *dataset = json_object();
    out_set(dataset, "version", json_string(store_version(s)));
    out_set(dataset, "loaded_at", json_string(store_loaded_at(s)));
    out_set(dataset, "imported_at", out_str(*store_imported_at(s) ? store_imported_at(s) : NULL));
    out_set(dataset, "counts", counts);
    json_t *server = json_object();
    out_set(server, "name", json_string("prosperity"));
    out_set(server, "version", json_string(PROSPERITY_VERSION));
    json_t *o = json_object();
    out_set(o, "dataset", dataset);
    out_set(o, "server", server);
    *out = o;
    return 0;
}

/* {count, KEY: LIST} (LIST stolen). */
static json_t *listing(const char *key, json_t *list)
{
    json_t *o = json_object();
    out_set(o, "count", json_integer((json_int_t)json_array_size(list)));
    out_set(o, key, list);
    return o;
}

static json_t *coverage(const struct store *s, const struct indicator *ind, int per_region,
                        const struct query *q)
{
    json_t *c = json_object();
    out_set(c, "regions", json_integer(ind->n_regions));
    out_set(c, "first_year", ind->first_year ? json_integer(ind->first_year) : json_null());
    out_set(c, "last_year", ind->last_year ? json_integer(ind->last_year) : json_null());
    out_set(c, "observations", json_integer(ind->n_obs));
    if (!per_region)
        return c;
    json_t *list = json_array();
    for (uint32_t k = 0; k < ind->n_series; k++) {
        const struct series *se = store_series_at(s, ind->series[k]);
        const struct observation *o = store_observations(s, se);
        json_t *e = json_object();
        out_set(e, "region", out_region_ref(s, se->region, q));
        out_set(e, "computed", json_boolean(se->members > 0));
        out_set(e, "first_year", json_integer(o[0].year));
        out_set(e, "last_year", json_integer(o[se->count - 1].year));
        out_set(e, "count", json_integer(se->count));
        json_array_append_new(list, e);
    }
    out_set(c, "by_region", list);
    return c;
}

static json_t *indicator_json(const struct store *s, uint32_t i, int full, const struct query *q)
{
    const struct indicator *ind = store_indicator_at(s, i);
    json_t *o = out_indicator_ref(s, i, q);
    out_set(o, "weight_indicator",
            ind->weight == STORE_NONE ? json_null()
                                      : json_string(store_indicator_at(s, ind->weight)->id));
    out_texts(o, "description", ind->description, ind->description_zh, q);
    out_set(o, "coverage", coverage(s, ind, full, q));
    if (!full)
        return o;
    json_t *benchmarks = json_array();
    json_t *sources = json_array();
    for (uint32_t k = 0; k < ind->n_benchmarks; k++) {
        const struct benchmark *b = store_benchmark_at(s, ind->benchmarks[k]);
        json_t *e = json_object();
        out_set(e, "label", json_string(b->label));
        out_set(e, "value", out_num(b->value));
        out_set(e, "source", out_source_id(s, b->source));
        out_set(e, "note", out_str(b->note));
        json_array_append_new(benchmarks, e);
    }
    /* Every source cited by the indicator's own observations or benchmarks, in source order. */
    size_t ns = store_source_count(s);
    unsigned char *used = calloc(ns + 1, 1);
    for (uint32_t k = 0; used && k < ind->n_series; k++) {
        const struct series *se = store_series_at(s, ind->series[k]);
        const struct observation *ob = store_observations(s, se);
        for (uint32_t j = 0; j < se->count; j++)
            if (ob[j].source != STORE_NONE)
                used[ob[j].source] = 1;
    }
    for (uint32_t k = 0; used && k < ind->n_benchmarks; k++) {
        uint32_t src = store_benchmark_at(s, ind->benchmarks[k])->source;
        if (src != STORE_NONE)
            used[src] = 1;
    }
    for (size_t k = 0; used && k < ns; k++) {
        if (!used[k])
            continue;
        const struct source *src = store_source_at(s, (uint32_t)k);
        json_t *e = json_object();
        out_set(e, "id", json_string(src->id));
        out_set(e, "citation", out_str(src->citation));
        json_array_append_new(sources, e);
    }
    free(used);
    out_set(o, "benchmarks", benchmarks);
    out_set(o, "sources", sources);
    return o;
}

/* The distinct values of a text field of the data, in first-seen order (new array of borrowed
 * strings, *N of them), for a filter to name the allowed values. NULL when out of memory. */
static const char **distinct(size_t count, const char *(*at)(const struct store *, uint32_t),
                             const struct store *s, size_t *n)
{
    const char **v = malloc((count + 1) * sizeof *v);
    *n = 0;
    for (uint32_t k = 0; v && k < count; k++) {
        const char *x = at(s, k);
        size_t i = 0;
        while (x && i < *n && strcmp(v[i], x) != 0)
            i++;
        if (x && i == *n)
            v[(*n)++] = x;
    }
    return v;
}

static const char *category_at(const struct store *s, uint32_t k)
{
    return store_indicator_at(s, k)->category;
}

static const char *kind_at(const struct store *s, uint32_t k)
{
    return store_region_at(s, k)->kind;
}

/* A filter VALUE of parameter NAME must be one of the data's values: a 400 naming them and the
 * closest otherwise, never an empty list that looks like "no data". 0 or -1. */
static int known_value(const struct store *s, const struct query *q, const char *name,
                       const char *value, size_t count,
                       const char *(*at)(const struct store *, uint32_t), struct api_error *err)
{
    size_t n;
    const char **values = distinct(count, at, s, &n);
    if (!values)
        return api_fail(err, 503, "out_of_memory", NULL, "out of memory");
    int rc = query_one_of(q, name, value, values, n, err) < 0 ? -1 : 0;
    free(values);
    return rc;
}

static int contains_folded(const char *hay, const char *needle)
{
    return hay && strcasestr(hay, needle) != NULL;
}

int catalog_indicators(const struct store *s, const struct query *q, json_t **out,
                       struct api_error *err)
{
    int bad;
    const char *category = query_value(q, "category", err, &bad);
    if (bad)
        return -1;
    const char *text = query_value(q, "q", err, &bad);
    if (bad || (category && known_value(s, q, "category", category, store_indicator_count(s),
                                        category_at, err) != 0))
        return -1;
    json_t *list = json_array();
    for (uint32_t i = 0; i < store_indicator_count(s); i++) {
        const struct indicator *ind = store_indicator_at(s, i);
        if (category && (!ind->category || strcmp(ind->category, category) != 0))
            continue;
        if (text && !contains_folded(ind->id, text) && !contains_folded(ind->name_en, text) &&
            !contains_folded(ind->name_zh, text) && !contains_folded(ind->description, text) &&
            !contains_folded(ind->description_zh, text))
            continue;
        json_array_append_new(list, indicator_json(s, i, 0, q));
    }
    *out = listing("indicators", list);
    return 0;
}

int catalog_indicator(const struct store *s, const struct query *q, json_t **out,
                      struct api_error *err)
{
    uint32_t i = select_indicator(s, q->path_arg, NULL, err);
    if (i == STORE_NONE)
        return -1;
    *out = indicator_json(s, i, 1, q);
    return 0;
}

static json_t *region_json(const struct store *s, uint32_t r, int full, const struct query *q)
{
    const struct region *reg = store_region_at(s, r);
    json_t *o = json_object();
    out_set(o, "id", json_string(reg->id));
    out_names(o, reg->name_en, reg->name_zh, q);
    out_set(o, "kind", out_str(reg->kind));
    out_set(o, "code", out_str(reg->code));
    if (reg->parent == STORE_NONE)
        out_set(o, "parent", json_null());
    else
        out_set(o, "parent",
                full ? out_region_ref(s, reg->parent, q)
                     : json_string(store_region_at(s, reg->parent)->id));
    json_t *kids = json_array();
    for (uint32_t k = 0; k < reg->n_children; k++)
        json_array_append_new(kids, full ? out_region_ref(s, reg->children[k], q)
                                         : json_string(store_region_at(s, reg->children[k])->id));
    out_set(o, "children", kids);
    json_t *near = json_array();
    for (uint32_t k = 0; k < reg->n_neighbours; k++) {
        if (!full) {
            json_array_append_new(near, json_string(store_region_at(s, reg->neighbours[k])->id));
            continue;
        }
        json_t *e = out_region_ref(s, reg->neighbours[k], q);
        out_set(e, "kind", json_string(store_neighbour_kind_name(reg->neighbour_kinds[k])));
        json_array_append_new(near, e);
    }
    out_set(o, "neighbours", near);
    if (!full)
        return o;
    json_t *groups = json_array();
    for (uint32_t g = 0; g < store_group_count(s); g++) {
        const struct group *grp = store_group_at(s, g);
        for (uint32_t k = 0; k < grp->n_members; k++)
            if (grp->members[k] == r) {
                json_array_append_new(groups, json_string(grp->id));
                break;
            }
    }
    out_set(o, "groups", groups);
    return o;
}

int catalog_regions(const struct store *s, const struct query *q, json_t **out,
                    struct api_error *err)
{
    int bad;
    const char *kind = query_value(q, "kind", err, &bad);
    if (bad || (kind && known_value(s, q, "kind", kind, store_region_count(s), kind_at, err) != 0))
        return -1;
    json_t *list = json_array();
    for (uint32_t r = 0; r < store_region_count(s); r++) {
        if (kind && strcmp(store_region_at(s, r)->kind, kind) != 0)
            continue;
        json_array_append_new(list, region_json(s, r, 0, q));
    }
    *out = listing("regions", list);
    return 0;
}

int catalog_region(const struct store *s, const struct query *q, json_t **out,
                   struct api_error *err)
{
    uint32_t r = select_region(s, q->path_arg, NULL, err);
    if (r == STORE_NONE)
        return -1;
    *out = region_json(s, r, 1, q);
    return 0;
}

int catalog_groups(const struct store *s, const struct query *q, json_t **out,
                   struct api_error *err)
{
    (void)err;
    json_t *list = json_array();
    for (uint32_t g = 0; g < store_group_count(s); g++) {
        const struct group *grp = store_group_at(s, g);
        json_t *e = json_object();
        json_t *members = json_array();
        for (uint32_t k = 0; k < grp->n_members; k++)
            json_array_append_new(members, json_string(store_region_at(s, grp->members[k])->id));
        out_set(e, "id", json_string(grp->id));
        out_names(e, grp->name_en, grp->name_zh, q);
        out_set(e, "regions", members);
        json_array_append_new(list, e);
    }
    *out = listing("groups", list);
    return 0;
}

int catalog_sources(const struct store *s, const struct query *q, json_t **out,
                    struct api_error *err)
{
    (void)q;
    (void)err;
    json_t *list = json_array();
    for (uint32_t k = 0; k < store_source_count(s); k++) {
        const struct source *src = store_source_at(s, k);
        json_t *e = json_object();
        out_set(e, "id", json_string(src->id));
        out_set(e, "citation", out_str(src->citation));
        json_array_append_new(list, e);
    }
    *out = listing("sources", list);
    return 0;
}
