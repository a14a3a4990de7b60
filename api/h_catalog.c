/* api/h_catalog.c — the catalogue: /v1, meta, indicators, regions, groups, sources. Each writes
 * its answer through api/doc (bytes for JSON, a tree for CSV and records). */
#include <stdlib.h>
#include <string.h>

#include "handlers.h"
#include "out.h"
#include "select.h"

/* An array of the strings LIST (NULL-terminated, may be NULL itself). */
static void string_list(struct doc *d, const char *const *list)
{
    doc_array_begin(d);
    for (const char *const *p = list; p && *p; p++)
        doc_str(d, *p);
    doc_array_end(d);
}

int catalog_index(const struct store *s, const struct query *q, struct doc *d,
                  struct api_error *err)
{
    (void)s;
    (void)q;
    (void)err;
    doc_object_begin(d);
    doc_set_str(d, "name", "prosperity");
    doc_set_str(d, "description",
                "Open data on urban-rural and regional gaps in China: "
                "series, gap metrics and comparisons.");
    doc_set_str(d, "version", PROSPERITY_VERSION);
    doc_key(d, "links");
    doc_array_begin(d);
    for (size_t k = 0; k < routes_count; k++) {
        const struct route *r = &routes[k];
        doc_object_begin(d);
        doc_set_str(d, "href", r->pattern + 1); /* relative to /v1: works under any prefix */
        doc_set_str(d, "name", r->name);
        doc_set_str(d, "summary", r->summary);
        doc_key(d, "params");
        string_list(d, r->params);
        doc_key(d, "required");
        string_list(d, r->required);
        doc_key(d, "csv");
        doc_bool(d, r->csv != NULL || r->table != NULL);
        doc_object_end(d);
    }
    doc_array_end(d);
    doc_object_end(d);
    return 0;
}

int catalog_meta(const struct store *s, const struct query *q, struct doc *d, struct api_error *err)
{
    (void)q;
    (void)err;
    doc_object_begin(d);
    doc_key(d, "dataset");
    doc_object_begin(d);
    doc_set_str(d, "version", store_version(s));
    doc_set_str(d, "loaded_at", store_loaded_at(s));
    doc_set_str(d, "imported_at", *store_imported_at(s) ? store_imported_at(s) : NULL);
    doc_key(d, "counts");
    doc_object_begin(d);
    doc_set_int(d, "indicators", (long long)store_indicator_count(s));
    doc_set_int(d, "regions", (long long)store_region_count(s));
    doc_set_int(d, "groups", (long long)store_group_count(s));
    doc_set_int(d, "sources", (long long)store_source_count(s));
    doc_set_int(d, "benchmarks", (long long)store_benchmark_count(s));
    doc_set_int(d, "observations", (long long)store_observation_count(s));
    doc_set_int(d, "neighbour_pairs", (long long)store_neighbour_pair_count(s));
    doc_set_int(d, "series", (long long)store_series_count(s));
    doc_object_end(d);
    doc_object_end(d);
    doc_key(d, "server");
    doc_object_begin(d);
    doc_set_str(d, "name", "prosperity");
    doc_set_str(d, "version", PROSPERITY_VERSION);
    doc_object_end(d);
    doc_object_end(d);
    return 0;
}

static void coverage(struct doc *d, const struct store *s, const struct indicator *ind,
                     int per_region, const struct query *q)
{
    doc_object_begin(d);
    doc_set_int(d, "regions", ind->n_regions);
    doc_key(d, "first_year");
    ind->first_year ? doc_int(d, ind->first_year) : doc_null(d);
    doc_key(d, "last_year");
    ind->last_year ? doc_int(d, ind->last_year) : doc_null(d);
    doc_set_int(d, "observations", ind->n_obs);
    if (per_region) {
        doc_key(d, "by_region");
        doc_array_begin(d);
        for (uint32_t k = 0; k < ind->n_series; k++) {
            const struct series *se = store_series_at(s, ind->series[k]);
            const struct observation *o = store_observations(s, se);
            doc_object_begin(d);
            doc_key(d, "region");
            out_region_doc(d, s, se->region, q);
            doc_key(d, "computed");
            doc_bool(d, se->members > 0);
            doc_set_int(d, "first_year", o[0].year);
            doc_set_int(d, "last_year", o[se->count - 1].year);
            doc_set_int(d, "count", se->count);
            doc_object_end(d);
        }
        doc_array_end(d);
    }
    doc_object_end(d);
}

static void benchmarks(struct doc *d, const struct store *s, const struct indicator *ind)
{
    doc_array_begin(d);
    for (uint32_t k = 0; k < ind->n_benchmarks; k++) {
        const struct benchmark *b = store_benchmark_at(s, ind->benchmarks[k]);
        const struct source *src = b->source == STORE_NONE ? NULL : store_source_at(s, b->source);
        doc_object_begin(d);
        doc_set_str(d, "label", b->label);
        doc_set_num(d, "value", b->value);
        doc_set_str(d, "source", src ? src->id : NULL);
        doc_set_str(d, "note", b->note);
        doc_object_end(d);
    }
    doc_array_end(d);
}

static void source(struct doc *d, const struct source *src)
{
    doc_object_begin(d);
    doc_set_str(d, "id", src->id);
    doc_set_str(d, "citation", src->citation);
    doc_object_end(d);
}

/* Every source cited by the indicator's own observations or benchmarks, in source order. */
static int sources_cited(struct doc *d, const struct store *s, const struct indicator *ind,
                         struct api_error *err)
{
    size_t ns = store_source_count(s);
    unsigned char *used = calloc(ns + 1, 1);
    if (!used)
        return api_fail(err, 503, "out_of_memory", NULL, "out of memory");
    for (uint32_t k = 0; k < ind->n_series; k++) {
        const struct series *se = store_series_at(s, ind->series[k]);
        const struct observation *ob = store_observations(s, se);
        for (uint32_t j = 0; j < se->count; j++)
            if (ob[j].source != STORE_NONE)
                used[ob[j].source] = 1;
    }
    for (uint32_t k = 0; k < ind->n_benchmarks; k++) {
        uint32_t src = store_benchmark_at(s, ind->benchmarks[k])->source;
        if (src != STORE_NONE)
            used[src] = 1;
    }
    doc_array_begin(d);
    for (size_t k = 0; k < ns; k++) {
        if (!used[k])
            continue;
        source(d, store_source_at(s, (uint32_t)k));
    }
    doc_array_end(d);
    free(used);
    return 0;
}

/* Indicator I: its reference members, then coverage; FULL adds coverage by region, benchmarks
 * and sources. 0, or -1 with ERR. */
static int indicator(struct doc *d, const struct store *s, uint32_t i, int full,
                     const struct query *q, struct api_error *err)
{
    const struct indicator *ind = store_indicator_at(s, i);
    doc_object_begin(d);
    out_indicator_members_doc(d, s, i, q);
    doc_set_str(d, "weight_indicator",
                ind->weight == STORE_NONE ? NULL : store_indicator_at(s, ind->weight)->id);
    out_texts_doc(d, "description", ind->description, ind->description_zh, q);
    doc_key(d, "coverage");
    coverage(d, s, ind, full, q);
    if (full) {
        doc_key(d, "benchmarks");
        benchmarks(d, s, ind);
        doc_key(d, "sources");
        if (sources_cited(d, s, ind, err) != 0)
            return -1;
    }
    doc_object_end(d);
    return 0;
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

/* Whether IND passes /v1/indicators' filters (NULL: not given). */
static int indicator_listed(const struct indicator *ind, const char *category, const char *text)
{
    if (category && (!ind->category || strcmp(ind->category, category) != 0))
        return 0;
    return !text || contains_folded(ind->id, text) || contains_folded(ind->name_en, text) ||
           contains_folded(ind->name_zh, text) || contains_folded(ind->description, text) ||
           contains_folded(ind->description_zh, text);
}

int catalog_indicators(const struct store *s, const struct query *q, struct doc *d,
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
    long long count = 0; /* written before the list */
    for (uint32_t i = 0; i < store_indicator_count(s); i++)
        count += indicator_listed(store_indicator_at(s, i), category, text);
    doc_object_begin(d);
    doc_set_int(d, "count", count);
    doc_key(d, "indicators");
    doc_array_begin(d);
    for (uint32_t i = 0; i < store_indicator_count(s); i++)
        if (indicator_listed(store_indicator_at(s, i), category, text) &&
            indicator(d, s, i, 0, q, err) != 0)
            return -1;
    doc_array_end(d);
    doc_object_end(d);
    return 0;
}

int catalog_indicator(const struct store *s, const struct query *q, struct doc *d,
                      struct api_error *err)
{
    uint32_t i = select_indicator(s, q->path_arg, NULL, err);
    if (i == STORE_NONE)
        return -1;
    return indicator(d, s, i, 1, q, err);
}

/* A region named in another's answer: its id, or (FULL) its reference object. */
static void region_mention(struct doc *d, const struct store *s, uint32_t r, int full,
                           const struct query *q)
{
    if (full)
        out_region_doc(d, s, r, q);
    else
        doc_str(d, store_region_at(s, r)->id);
}

static void region(struct doc *d, const struct store *s, uint32_t r, int full,
                   const struct query *q)
{
    const struct region *reg = store_region_at(s, r);
    doc_object_begin(d);
    doc_set_str(d, "id", reg->id);
    out_texts_doc(d, "name", reg->name_en, reg->name_zh, q);
    doc_set_str(d, "kind", reg->kind);
    doc_set_str(d, "code", reg->code);
    doc_key(d, "parent");
    if (reg->parent == STORE_NONE)
        doc_null(d);
    else
        region_mention(d, s, reg->parent, full, q);
    doc_key(d, "children");
    doc_array_begin(d);
    for (uint32_t k = 0; k < reg->n_children; k++)
        region_mention(d, s, reg->children[k], full, q);
    doc_array_end(d);
    doc_key(d, "neighbours");
    doc_array_begin(d);
    for (uint32_t k = 0; k < reg->n_neighbours; k++) {
        if (full) /* the reference, its kind the neighbourhood's (land or link) */
            out_region_kind_doc(d, s, reg->neighbours[k],
                                store_neighbour_kind_name(reg->neighbour_kinds[k]), q);
        else
            doc_str(d, store_region_at(s, reg->neighbours[k])->id);
    }
    doc_array_end(d);
    if (full) {
        doc_key(d, "groups");
        doc_array_begin(d);
        for (uint32_t g = 0; g < store_group_count(s); g++) {
            const struct group *grp = store_group_at(s, g);
            for (uint32_t k = 0; k < grp->n_members; k++)
                if (grp->members[k] == r) {
                    doc_str(d, grp->id);
                    break;
                }
        }
        doc_array_end(d);
    }
    doc_object_end(d);
}

int catalog_regions(const struct store *s, const struct query *q, struct doc *d,
                    struct api_error *err)
{
    int bad;
    const char *kind = query_value(q, "kind", err, &bad);
    if (bad || (kind && known_value(s, q, "kind", kind, store_region_count(s), kind_at, err) != 0))
        return -1;
    long long count = 0; /* written before the list */
    for (uint32_t r = 0; r < store_region_count(s); r++)
        count += !kind || strcmp(store_region_at(s, r)->kind, kind) == 0;
    doc_object_begin(d);
    doc_set_int(d, "count", count);
    doc_key(d, "regions");
    doc_array_begin(d);
    for (uint32_t r = 0; r < store_region_count(s); r++)
        if (!kind || strcmp(store_region_at(s, r)->kind, kind) == 0)
            region(d, s, r, 0, q);
    doc_array_end(d);
    doc_object_end(d);
    return 0;
}

int catalog_region(const struct store *s, const struct query *q, struct doc *d,
                   struct api_error *err)
{
    uint32_t r = select_region(s, q->path_arg, NULL, err);
    if (r == STORE_NONE)
        return -1;
    region(d, s, r, 1, q);
    return 0;
}

int catalog_groups(const struct store *s, const struct query *q, struct doc *d,
                   struct api_error *err)
{
    (void)err;
    doc_object_begin(d);
    doc_set_int(d, "count", (long long)store_group_count(s));
    doc_key(d, "groups");
    doc_array_begin(d);
    for (uint32_t g = 0; g < store_group_count(s); g++) {
        const struct group *grp = store_group_at(s, g);
        doc_object_begin(d);
        doc_set_str(d, "id", grp->id);
        out_texts_doc(d, "name", grp->name_en, grp->name_zh, q);
        doc_key(d, "regions");
        out_region_ids_doc(d, s, grp->members, grp->n_members);
        doc_object_end(d);
    }
    doc_array_end(d);
    doc_object_end(d);
    return 0;
}

int catalog_sources(const struct store *s, const struct query *q, struct doc *d,
                    struct api_error *err)
{
    (void)q;
    (void)err;
    doc_object_begin(d);
    doc_set_int(d, "count", (long long)store_source_count(s));
    doc_key(d, "sources");
    doc_array_begin(d);
    for (uint32_t k = 0; k < store_source_count(s); k++)
        source(d, store_source_at(s, k));
    doc_array_end(d);
    doc_object_end(d);
    return 0;
}
