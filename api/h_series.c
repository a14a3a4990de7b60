/* api/h_series.c — GET /v1/series: observations of one indicator for a list of regions. */
#include <math.h>
#include <string.h>

#include "handlers.h"
#include "out.h"
#include "select.h"

enum transform { T_NONE, T_INDEX, T_PCT_CHANGE, T_DIFF, T_LOG };
static const char *const transforms[] = {"none", "index", "pct_change", "diff", "log", NULL};

struct series_req {
    uint32_t ind;
    struct selection sel;
    struct year_range yr;
    int transform;
    int base; /* index base year, 0 until known */
};

/* By default: every region with data of its own for the indicator, in region order. */
static int default_regions(const struct store *s, uint32_t ind, struct selection *sel,
                           struct api_error *err)
{
    const struct indicator *in = store_indicator_at(s, ind);
    sel->n = 0;
    sel->items = malloc((in->n_series + 1) * sizeof *sel->items);
    if (!sel->items)
        return api_fail(err, 503, "out_of_memory", NULL, "out of memory");
    for (uint32_t k = 0; k < in->n_series; k++) {
        const struct series *se = store_series_at(s, in->series[k]);
        if (!se->members)
            sel->items[sel->n++] = se->region;
    }
    return 0;
}

/* The earliest year in range in which every selected region has a value, or 0. */
static int first_common_year(const struct store *s, const struct series_req *rq)
{
    const struct series *first = rq->sel.n ? store_series(s, rq->ind, rq->sel.items[0]) : NULL;
    if (!first)
        return 0;
    const struct observation *o = store_observations(s, first);
    for (uint32_t k = store_lower_bound(s, first, rq->yr.from); k < first->count; k++) {
        if (o[k].year > rq->yr.to)
            break;
        size_t m = 1;
        while (m < rq->sel.n &&
               store_value_at(s, store_series(s, rq->ind, rq->sel.items[m]), o[k].year))
            m++;
        if (m == rq->sel.n)
            return o[k].year;
    }
    return 0;
}

static int parse(const struct store *s, const struct query *q, struct series_req *rq,
                 struct api_error *err)
{
    const char *id = query_require(q, "indicator", err);
    if (!id)
        return -1;
    rq->ind = select_indicator(s, id, "indicator", err);
    if (rq->ind == STORE_NONE)
        return -1;
    if (select_year_range(q, 1, &rq->yr, err) != 0 ||
        query_choice(q, "transform", transforms, T_NONE, &rq->transform, err) != 0)
        return -1;
    int has_base = query_year(q, "base", &rq->base, err);
    if (has_base < 0)
        return -1;
    if (has_base && rq->transform != T_INDEX)
        return api_fail(err, 400, "conflicting_parameters", "base",
                        "base is only for transform=index");
    int bad;
    const char *list = query_value(q, "regions", err, &bad);
    if (bad)
        return -1;
    if (list ? select_regions(s, list, "regions", &rq->sel, err)
             : default_regions(s, rq->ind, &rq->sel, err))
        return -1;
    if (select_resolve_latest(s, rq->ind, &rq->sel, &rq->yr, id, err) != 0)
        return -1;
    if (rq->transform == T_INDEX && !has_base) {
        rq->base = first_common_year(s, rq);
        if (!rq->base)
            return api_fail(err, 422, "no_common_year", "base",
                            "no year in range has data for every selected region to index on; "
                            "give base=YEAR");
    }
    return 0;
}

/* Applies the transform to observation K of SERIES; the result goes to *OUT (NAN, written as
 * null, for the first point of a change). Returns 0, or -1 with a 422 naming region and year. */
static int transformed(const struct store *s, const struct series_req *rq, const struct series *se,
                       uint32_t k, double *out, struct api_error *err)
{
    const struct observation *o = store_observations(s, se);
    const char *region = store_region_at(s, se->region)->id;
    double v = o[k].value, prev;
    switch (rq->transform) {
    case T_INDEX: {
        const struct observation *b = store_value_at(s, se, rq->base);
        if (!b)
            return api_fail(err, 422, "missing_base", "base", "%s has no value in base year %d",
                            region, rq->base);
        if (b->value == 0)
            return api_fail(err, 422, "undefined", "base",
                            "%s is 0 in base year %d: an index is undefined", region, rq->base);
        *out = 100.0 * v / b->value;
        return 0;
    }
    case T_PCT_CHANGE:
    case T_DIFF:
        if (k == 0) {
            *out = NAN;
            return 0;
        }
        prev = o[k - 1].value;
        if (rq->transform == T_DIFF) {
            *out = v - prev;
            return 0;
        }
        if (prev == 0)
            return api_fail(err, 422, "undefined", "transform",
                            "%s is 0 in %d: a percentage change from it is undefined", region,
                            o[k - 1].year);
        *out = 100.0 * (v / prev - 1.0);
        return 0;
    case T_LOG:
        if (!(v > 0))
            return api_fail(err, 422, "undefined", "transform",
                            "%s is %g in %d: the logarithm needs positive values", region, v,
                            o[k].year);
        *out = log(v);
        return 0;
    default:
        *out = v;
        return 0;
    }
}

static void observation_doc(struct doc *d, const struct store *s, const struct series_req *rq,
                            const struct series *se, uint32_t k, double value)
{
    const struct observation *o = &store_observations(s, se)[k];
    doc_object_begin(d);
    doc_set_int(d, "year", o->year);
    doc_set_num(d, "value", value);
    if (rq->transform != T_NONE) {
        doc_set_num(d, "raw_value", o->value);
        if (rq->transform == T_PCT_CHANGE || rq->transform == T_DIFF) {
            doc_key(d, "previous_year");
            if (k)
                doc_int(d, o[-1].year);
            else
                doc_null(d);
        }
    }
    doc_set_str(d, "status", store_status_name(o->status));
    doc_set_str(d, "source", o->source == STORE_NONE ? NULL : store_source_at(s, o->source)->id);
    doc_set_str(d, "note", o->note);
    doc_object_end(d);
}

/* One region's series object. On -1 (a transform undefined, ERR) the document is left open:
 * the caller throws it away. */
static int series_doc(struct doc *d, const struct store *s, const struct query *q,
                      const struct series_req *rq, uint32_t region, struct api_error *err)
{
    const struct series *se = store_series(s, rq->ind, region);
    doc_object_begin(d);
    doc_key(d, "region");
    out_region_doc(d, s, region, q);
    doc_key(d, "computed");
    doc_bool(d, se && se->members);
    doc_key(d, "members");
    if (se && se->members)
        doc_int(d, se->members);
    else
        doc_null(d);
    doc_set_str(d, "member_kind", se ? se->member_kind : NULL);
    doc_key(d, "observations");
    doc_array_begin(d);
    if (se) {
        const struct observation *o = store_observations(s, se);
        for (uint32_t k = store_lower_bound(s, se, rq->yr.from); k < se->count; k++) {
            if (o[k].year > rq->yr.to)
                break;
            double value = NAN;
            if (transformed(s, rq, se, k, &value, err) != 0)
                return -1;
            observation_doc(d, s, rq, se, k, value);
        }
    }
    doc_array_end(d);
    doc_object_end(d);
    return 0;
}

int series_get(const struct store *s, const struct query *q, struct doc *d, struct api_error *err)
{
    struct series_req rq;
    memset(&rq, 0, sizeof rq);
    int rc = -1;
    if (parse(s, q, &rq, err) != 0)
        goto done;
    doc_object_begin(d);
    doc_key(d, "indicator");
    out_indicator_doc(d, s, rq.ind, q);
    doc_key(d, "from");
    if (rq.yr.from > 1000)
        doc_int(d, rq.yr.from);
    else
        doc_null(d);
    doc_key(d, "to");
    if (rq.yr.to < 9999)
        doc_int(d, rq.yr.to);
    else
        doc_null(d);
    doc_set_str(d, "transform", transforms[rq.transform]);
    doc_key(d, "base");
    if (rq.transform == T_INDEX)
        doc_int(d, rq.base);
    else
        doc_null(d);
    doc_key(d, "series");
    doc_array_begin(d);
    for (size_t k = 0; k < rq.sel.n; k++)
        if (series_doc(d, s, q, &rq, rq.sel.items[k], err) != 0)
            goto done;
    doc_array_end(d);
    doc_object_end(d);
    rc = 0;
done:
    selection_free(&rq.sel);
    return rc;
}
